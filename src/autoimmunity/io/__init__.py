"""Reading and writing results: AIRR rearrangement TSV (more formats to come)."""

from ._airr import AIRR_COLUMNS, AIRR_REQUIRED, read_airr, repertoire_to_airr, write_airr

__all__ = ["AIRR_COLUMNS", "AIRR_REQUIRED", "read_airr", "repertoire_to_airr", "write_airr"]
