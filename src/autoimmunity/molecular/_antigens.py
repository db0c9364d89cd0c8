"""Protein antigens with provenance: the shipped catalogue, user FASTA files,
and background self peptides.

The shipped sequences (``data/antigens.fasta``) were curated from UniProtKB and
GenBank copies with a manifest row each (``data/antigens_manifest.tsv``:
accession, gene, organism, sources, verification). ``data/antigen_annotations.tsv``
adds what the simulator needs: the symbol used everywhere, aliases, whether the
protein is self, the tissues that express it and how the thymus displays it.
"""

from __future__ import annotations

import difflib
import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from ._aminoacids import STANDARD_AMINO_ACIDS, validate_peptide
from .._data import data_path as _data_path

__all__ = [
    "Protein",
    "THYMIC_DISPLAY_CLASSES",
    "antigen_catalogue",
    "antigen_manifest",
    "get_protein",
    "get_proteins",
    "read_fasta",
    "human_aa_composition",
    "random_self_peptides",
    "commensal_pool",
    "COMMENSAL_POOL_RESIDUES",
]

#: Length of the synthetic commensal antigen pool (residues); see :func:`commensal_pool`.
COMMENSAL_POOL_RESIDUES = 2000

THYMIC_DISPLAY_CLASSES = ("ubiquitous", "aire", "none")


@dataclass(frozen=True)
class Protein:
    """A protein sequence with its identity and biology.

    Attributes
    ----------
    accession: UniProtKB or GenBank accession.
    symbol: short name used everywhere (gene symbol for human proteins).
    name: descriptive protein name.
    organism: source organism.
    sequence: one-letter sequence.
    origin: ``"self"`` (human) or ``"foreign"`` (pathogen, diet).
    tissues: where the protein is expressed or met.
    thymic_display: ``"ubiquitous"``, ``"aire"`` (tissue-restricted, shown by
        medullary epithelium) or ``"none"``.
    aliases: other names that resolve to this protein.
    """

    accession: str
    symbol: str
    name: str
    organism: str
    sequence: str
    origin: str = "self"
    tissues: tuple[str, ...] = ()
    thymic_display: str = "none"
    aliases: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self):
        if self.origin not in ("self", "foreign"):
            raise InputError("origin", f"{self.origin!r} is not allowed; use 'self' or 'foreign'")
        if self.thymic_display not in THYMIC_DISPLAY_CLASSES:
            raise InputError(
                "thymic_display", f"{self.thymic_display!r} is not allowed; use one of {', '.join(THYMIC_DISPLAY_CLASSES)}"
            )

    def __len__(self) -> int:
        return len(self.sequence)

    @property
    def is_self(self) -> bool:
        return self.origin == "self"


def _parse_fasta_text(text: str) -> list[tuple[str, str]]:
    records: list[tuple[str, str]] = []
    header, chunks = None, []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            if header is not None:
                records.append((header, "".join(chunks)))
            header, chunks = line[1:], []
        else:
            chunks.append(line)
    if header is not None:
        records.append((header, "".join(chunks)))
    return records


@lru_cache(maxsize=1)
def antigen_manifest() -> pd.DataFrame:
    """The provenance manifest of the shipped sequences (one row per sequence)."""
    return pd.read_csv(_data_path("antigens_manifest.tsv"), sep="\t", comment=None)


@lru_cache(maxsize=1)
def antigen_catalogue() -> dict[str, Protein]:
    """All shipped proteins keyed by symbol.

    Sources: UniProtKB (CC BY 4.0) and GenBank entries; see ``antigen_manifest()``.
    """
    annotations = pd.read_csv(_data_path("antigen_annotations.tsv"), sep="\t", comment="#", dtype=str).fillna("")
    by_accession = {row.accession: row for row in annotations.itertuples(index=False)}
    catalogue: dict[str, Protein] = {}
    for header, seq in _parse_fasta_text(_data_path("antigens.fasta").read_text()):
        accession, gene, organism, name = (header.split("|") + ["", "", ""])[:4]
        ann = by_accession.get(accession)
        if ann is None:
            raise RuntimeError(f"antigen {accession} has no row in antigen_annotations.tsv")
        aliases = tuple(a.strip() for a in ann.aliases.split(";") if a.strip()) + (gene,)
        catalogue[ann.symbol] = Protein(
            accession=accession,
            symbol=ann.symbol,
            name=name,
            organism=organism,
            sequence=seq,
            origin=ann.origin,
            tissues=tuple(t for t in ann.tissue.split(";") if t),
            thymic_display=ann.thymic_display,
            aliases=aliases,
        )
    return catalogue


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for symbol, protein in antigen_catalogue().items():
        for key in (symbol, protein.accession, protein.accession.split(".")[0], *protein.aliases):
            index.setdefault(key.upper(), symbol)
    return index


def get_protein(name: str | Protein, *, field: str = "protein") -> Protein:
    """Resolve a gene symbol, alias or accession to a shipped :class:`Protein`."""
    if isinstance(name, Protein):
        return name
    key = str(name).strip().upper()
    symbol = _name_index().get(key)
    if symbol is None:
        choices = sorted(antigen_catalogue())
        close = difflib.get_close_matches(key, list(_name_index()), n=3, cutoff=0.5)
        suggestions = list(dict.fromkeys(_name_index()[c] for c in close))
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise InputError(field, f"unknown protein {name!r}.{hint} Known: {', '.join(choices)}")
    return antigen_catalogue()[symbol]


def get_proteins(names: Iterable[str | Protein] | str, *, field: str = "protein") -> list[Protein]:
    """Resolve several names (or one comma-separated string); ``"all"`` gives the whole catalogue."""
    if isinstance(names, str):
        if names.strip().lower() == "all":
            return list(antigen_catalogue().values())
        names = [n for n in names.split(",") if n.strip()]
    return [get_protein(n, field=field) for n in names]


def read_fasta(path: str | Path, *, origin: str = "self", thymic_display: str = "ubiquitous") -> list[Protein]:
    """Read a (UniProt-style) FASTA file, plain or gzipped, into proteins.

    UniProt headers ``sp|ACC|ENTRY Name OS=... GN=SYMBOL ...`` give accession,
    symbol (GN) and organism (OS); other headers use their first word. Residues
    outside the 20 standard amino acids (U, X, B, Z, ...) are dropped from the
    sequence because no predictor scores them.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("fasta", f"file {str(path)!r} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        text = handle.read()
    proteins = []
    allowed = set(STANDARD_AMINO_ACIDS)
    for header, seq in _parse_fasta_text(text):
        first = header.split()[0]
        parts = first.split("|")
        accession = parts[1] if len(parts) >= 3 else first
        symbol, organism = accession, ""
        for token in header.split(" "):
            if token.startswith("GN="):
                symbol = token[3:]
        if " OS=" in header:
            organism = header.split(" OS=")[1].split(" OX=")[0].split(" GN=")[0]
        name = header[len(first):].split(" OS=")[0].strip() or accession
        clean = "".join(c for c in seq.upper() if c in allowed)
        if clean:
            proteins.append(Protein(accession, symbol, name, organism, clean, origin, (), thymic_display))
    if not proteins:
        raise InputError("fasta", f"no protein sequences found in {str(path)!r}")
    return proteins


@lru_cache(maxsize=1)
def human_aa_composition() -> np.ndarray:
    """Amino-acid fractions of the human reference proteome, in alphabet order (20 values).

    Source: Swiss-Prot canonical entries of UniProt UP000005640 (2016-04-03),
    11,267,234 residues, summed from jedick/canprot ``human.base.rds``;
    renormalised to sum to 1. See ``data/MANIFEST.tsv``.
    """
    table = pd.read_csv(_data_path("human_aa_composition.tsv"), sep="\t")
    freq = table.set_index("aa")["fraction"].reindex(list(STANDARD_AMINO_ACIDS)).to_numpy(dtype=float)
    return freq / freq.sum()


def random_self_peptides(n: int, length: int, rng: np.random.Generator) -> list[str]:
    """Background self peptides drawn residue by residue from the human proteome composition."""
    if n < 0 or length < 1:
        raise InputError("n", "need n >= 0 and length >= 1")
    letters = np.frombuffer(STANDARD_AMINO_ACIDS.encode(), dtype=np.uint8)
    draws = rng.choice(20, size=(n, length), p=human_aa_composition())
    raw = letters[draws].tobytes().decode("ascii")
    return [raw[i * length : (i + 1) * length] for i in range(n)]


@lru_cache(maxsize=4)
def commensal_pool(residues: int = COMMENSAL_POOL_RESIDUES, seed: int = 20260) -> Protein:
    """The gut microbiota as one antigen source: a fixed pseudo-proteome of ``residues``
    residues drawn from the amino-acid composition table with a fixed seed.

    The microbiota carries ~10^6 genes, far beyond any catalogue; what matters to the
    engine is that every HLA genotype presents *some* commensal peptides, as it presents
    some background self. The pool stands in for that diversity the way
    :func:`random_self_peptides` stands in for the self proteome. Caveats: bacterial
    composition differs from the human proteome composition used here, and 2,000
    residues (about four average proteins, e.g. the immunodominant flagellins) sets how
    many ligands each genotype presents -- an assumption recorded in docs/model.md.
    """
    if residues < 15:
        raise InputError("residues", "the commensal pool needs at least 15 residues")
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(STANDARD_AMINO_ACIDS.encode(), dtype=np.uint8)
    sequence = letters[rng.choice(20, size=residues, p=human_aa_composition())].tobytes().decode("ascii")
    return Protein(
        accession=f"synthetic:commensal-pool-{residues}-{seed}", symbol="MICROBIOTA",
        name="gut microbiota antigen pool (synthetic stand-in)", organism="gut commensal bacteria",
        sequence=sequence, origin="foreign", tissues=("small_intestine",), thymic_display="none",
    )


def validate_sequence(sequence: str, field: str = "sequence") -> str:
    """Validate a protein or peptide sequence (alias of :func:`validate_peptide`)."""
    return validate_peptide(sequence, field=field)
