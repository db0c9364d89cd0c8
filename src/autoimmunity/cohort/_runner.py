"""Cohort runs: chunks of families -> engine -> one Parquet file per chunk, a run manifest,
resume after interruption, and optional Dask scale-out.

Layout of a run directory::

    DIR/manifest.json          config, seed, package version, per-chunk checksums
    DIR/chunk-00000.parquet    one row per person (see docs/cohort.md for the schema)

A chunk is written to a temporary name and atomically renamed, then its SHA-256 is
recorded in the manifest (itself replaced atomically). Rerunning the same command on the
same DIR verifies the checksums of the chunks present, and computes only the chunks that
are missing or corrupt; a finished chunk is never rewritten. Because every person's values
depend only on (seed, family_id), results are identical for any chunk size or number of
workers.
"""

from __future__ import annotations

import hashlib
import logging
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError, require_count
from ._engine import resolve_engine, simulate_people
from ._families import CohortPlan, sample_families
from ._population import load_population

__all__ = ["RunConfig", "run_cohort", "run_chunk", "read_manifest", "chunk_path", "verify_run", "MANIFEST"]

MANIFEST = "manifest.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines the per-person results of a run."""

    n: int
    seed: int
    twins: int = 0
    siblings: int = 0
    horizon_years: float = 80.0
    population: str = "europe"
    engine: str = "auto"
    parameters: tuple[tuple[str, float], ...] = ()
    #: overrides of the population's exposure values, ``((stream, quantity, value), ...)``
    #: (calibration of exposure shares, sensitivity runs); empty for the shipped values
    exposures: tuple[tuple[str, str, float], ...] = ()

    def __post_init__(self):
        """All checks of a run's configuration, in one place (one-line :class:`InputError`)."""
        for name in ("n", "seed", "twins", "siblings"):
            require_count(getattr(self, name), name)
        h = self.horizon_years
        if not isinstance(h, (int, float, np.integer, np.floating)) or not np.isfinite(h) or not 0 < h <= 120:
            raise InputError("horizon", f"{h!r}: must be in (0, 120] years")

    @property
    def plan(self) -> CohortPlan:
        return CohortPlan(self.n, self.twins, self.twins, self.siblings)

    def to_json(self) -> dict:
        d = asdict(self)
        d["parameters"] = dict(self.parameters)
        if self.exposures:
            d["exposures"] = [list(e) for e in self.exposures]
        else:
            d.pop("exposures")
        return d

    def population_data(self):
        """The population's tables with :attr:`exposures` applied."""
        pop = load_population(self.population)
        return pop.with_exposures(self.exposures) if self.exposures else pop


def chunk_path(out_dir: Path, index: int) -> Path:
    return Path(out_dir) / f"chunk-{index:05d}.parquet"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def read_manifest(out_dir: str | Path) -> dict:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        raise InputError("dir", f"{out_dir}: no {MANIFEST} (not a cohort run directory)")
    return json.loads(path.read_text())


def simulate_chunk(config: RunConfig, fa: int, fb: int) -> pd.DataFrame:
    """People of families [fa, fb) with their simulated outcomes (one row per person)."""
    pop = config.population_data()
    people, seeds = sample_families(pop, config.plan, config.seed, fa, fb, config.horizon_years)
    people.attrs["population"] = config.population
    outcomes = simulate_people(people, seeds, config.horizon_years, config.engine, dict(config.parameters) or None)
    table = pd.concat([people.reset_index(drop=True), outcomes], axis=1)
    return table


#: per-person list columns (ages of repeated events), stored as Parquet lists of float32
LIST_COLUMNS = ("enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages")


def _to_arrow(table: pd.DataFrame):
    import pyarrow as pa

    fields = []
    for col in table.columns:
        if col in LIST_COLUMNS:
            fields.append(pa.field(col, pa.list_(pa.float32())))
        elif table[col].dtype == object or str(table[col].dtype) in ("str", "string"):
            fields.append(pa.field(col, pa.string()))
        else:
            fields.append(pa.field(col, pa.from_numpy_dtype(table[col].dtype)))
    schema = pa.schema(fields)
    arrays = []
    for f in fields:
        col = table[f.name]
        if f.name in LIST_COLUMNS:
            arrays.append(pa.array([np.asarray(v, dtype=np.float32) for v in col], type=f.type))
        elif pa.types.is_string(f.type):
            arrays.append(pa.array(col.astype(object).tolist(), type=f.type))
        elif pa.types.is_floating(f.type):
            arrays.append(pa.array(col.to_numpy(), type=f.type, from_pandas=True))  # NaN -> null
        else:
            arrays.append(pa.array(col.to_numpy(), type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _set_engine_threads(threads: int | None) -> None:
    """Threads the engine's numba kernels may use in this process (None: leave as is).
    Results do not depend on it (people are independent)."""
    if threads:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_chunk(config_json: dict, index: int, fa: int, fb: int, out_dir: str, threads: int | None = None) -> dict:
    """Compute one chunk and write it atomically (runs in the driver or on a Dask worker).
    ``threads``: numba threads for the engine in this process (None: numba's default)."""
    t0 = time.perf_counter()
    _set_engine_threads(threads)
    params = config_json.get("parameters") or {}
    exposures = tuple((str(a), str(b), float(v)) for a, b, v in config_json.get("exposures") or ())
    config = RunConfig(**{**config_json, "parameters": tuple(sorted(params.items())), "exposures": exposures})
    table = simulate_chunk(config, fa, fb)
    import pyarrow.parquet as pq

    final = chunk_path(Path(out_dir), index)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}-{time.time_ns()}")
    pq.write_table(_to_arrow(table), tmp, compression="zstd", write_statistics=True)
    os.replace(tmp, final)
    return {"index": index, "families": [fa, fb], "people": len(table), "file": final.name,
            "sha256": _sha256(final), "seconds": time.perf_counter() - t0}


def verify_run(out_dir: str | Path) -> dict[int, str]:
    """Status per chunk: 'ok', 'missing' or 'corrupt' (checksum differs from the manifest)."""
    manifest = read_manifest(out_dir)
    status = {}
    for ch in manifest["chunks"]:
        path = Path(out_dir) / ch["file"]
        if not path.exists():
            status[ch["index"]] = "missing"
        elif ch.get("sha256") is None:
            status[ch["index"]] = "missing"
        else:
            status[ch["index"]] = "ok" if _sha256(path) == ch["sha256"] else "corrupt"
    return status


def _package_version() -> str:
    from .. import __version__

    return __version__


def run_cohort(
    out_dir: str | Path,
    config: RunConfig,
    *,
    chunk_size: int = 10_000,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | Callable[[int, int, float], None] = False,
    threads: int | None = None,
) -> dict:
    """Run (or resume) a cohort into ``out_dir``; returns the manifest.

    ``workers > 1`` starts a Dask LocalCluster (one single-threaded process per worker);
    ``scheduler`` connects to an existing Dask cluster (workers must see ``out_dir``).
    ``progress``: True for a rich progress bar, or a callback (people_done, people_total, seconds).
    ``threads``: threads the engine's kernel uses per process; default all cores in the
    driver, and cores / workers on each LocalCluster worker (so workers do not oversubscribe
    the machine); an external ``scheduler``'s workers keep their own setting unless given.
    Results never depend on it.
    """
    out = Path(out_dir)
    if workers < 1:
        raise InputError("workers", "must be >= 1")
    if chunk_size < 1:
        raise InputError("chunk_size", f"{chunk_size}: must be >= 1")
    resolve_engine(config.engine)  # fail early with one line if the engine is unavailable
    config.population_data()  # unknown population or bad exposure override: one line, before any work
    plan = config.plan
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / MANIFEST
    if mpath.exists():
        manifest = json.loads(mpath.read_text())
        if manifest.get("config") != config.to_json():
            raise InputError("out", f"{out} holds a different run (config differs); use a new directory")
        if manifest.get("chunk_size") != chunk_size:
            raise InputError("chunk_size", f"{out} was started with --chunk-size {manifest.get('chunk_size')}; "
                             "resume with the same value")
    else:
        ranges = plan.chunks(chunk_size)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "package_version": _package_version(),
            "config": config.to_json(),
            "chunk_size": chunk_size,
            "n_people": plan.n_people,
            "n_families": plan.n_families,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "complete": False,
            "chunks": [{"index": i, "families": [fa, fb], "people": plan.people_in(fa, fb),
                        "file": chunk_path(out, i).name, "sha256": None}
                       for i, (fa, fb) in enumerate(ranges)],
        }
        _write_json_atomic(mpath, manifest)

    todo = []
    for ch in manifest["chunks"]:
        path = out / ch["file"]
        if path.exists() and ch.get("sha256") and _sha256(path) == ch["sha256"]:
            continue
        todo.append(ch)
    total = manifest["n_people"]
    done_people = total - sum(ch["people"] for ch in todo)

    def record(result: dict) -> None:
        nonlocal done_people
        ch = manifest["chunks"][result["index"]]
        ch["sha256"] = result["sha256"]
        ch["people"] = result["people"]
        ch["seconds"] = round(result["seconds"], 3)
        done_people += result["people"]
        manifest["complete"] = all(c.get("sha256") for c in manifest["chunks"])
        _write_json_atomic(mpath, manifest)

    cfg = config.to_json()
    t0 = time.perf_counter()
    bar = _Progress(progress, total, done_people)
    with bar:
        if not todo:
            pass
        elif workers == 1 and scheduler is None:
            for ch in todo:
                record(run_chunk(cfg, ch["index"], *ch["families"], str(out), threads))
                bar.update(done_people, time.perf_counter() - t0)
        else:
            from dask.distributed import Client, LocalCluster, as_completed

            cluster = None
            if scheduler:
                client = Client(scheduler)
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster)
            worker_threads = threads if threads or scheduler else max(1, _cores() // workers)
            try:
                futures = [client.submit(run_chunk, cfg, ch["index"], *ch["families"], str(out.resolve()), worker_threads,
                                         pure=False, key=f"cohort-chunk-{ch['index']}-{time.time_ns()}")
                           for ch in todo]
                for fut in as_completed(futures):
                    record(fut.result())
                    bar.update(done_people, time.perf_counter() - t0)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    manifest["complete"] = all(c.get("sha256") for c in manifest["chunks"])
    manifest["last_run_seconds"] = round(time.perf_counter() - t0, 3)
    _write_json_atomic(mpath, manifest)
    return manifest


class _Progress:
    """rich progress bar with people/second, or a plain callback, or nothing."""

    def __init__(self, progress, total: int, done: int):
        self.callback = progress if callable(progress) else None
        self.rich = None
        if progress is True:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.rich = Progress(TextColumn("cohort"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]:>10} people/s"), TimeRemainingColumn(),
                                 transient=False)
            self.task = self.rich.add_task("cohort", total=total, completed=done, rate="-")
        self.start_done = done

    def __enter__(self):
        if self.rich:
            self.rich.__enter__()
        return self

    def __exit__(self, *exc):
        if self.rich:
            self.rich.__exit__(*exc)

    def update(self, done: int, seconds: float) -> None:
        rate = (done - self.start_done) / seconds if seconds > 0 else 0.0
        if self.rich:
            self.rich.update(self.task, completed=done, rate=f"{rate:,.0f}")
        if self.callback:
            self.callback(done, None, seconds)
