"""Cohort runs: determinism across chunk sizes and workers, resume, manifest, CLI.

Uses the TEST DOUBLE engine in tests/_cohort_engine_double.py (the real life-course engine
is wired through autoimmunity.cohort._engine once it exists)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from autoimmunity import InputError
from autoimmunity.cohort import RunConfig, load_cohort, read_manifest, run_cohort, verify_run

TESTS = str(Path(__file__).parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
DOUBLE = "_cohort_engine_double:simulate_people"


def _config(**kw):
    base = dict(n=120, seed=42, twins=10, siblings=8, engine=DOUBLE)
    base.update(kw)
    return RunConfig(**base)


def _people(path) -> pd.DataFrame:
    return load_cohort(path).drop(columns=["enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    manifest = run_cohort(out, _config(), chunk_size=50)
    return out, manifest


def test_run_writes_chunks_and_manifest(reference):
    out, manifest = reference
    assert manifest["complete"] and manifest["n_people"] == 120 + 2 * (10 + 10 + 8)
    assert manifest["package_version"] and manifest["config"]["seed"] == 42
    assert all(len(c["sha256"]) == 64 for c in manifest["chunks"])
    df = load_cohort(out)
    assert list(df["person_id"]) == list(range(manifest["n_people"]))
    assert set(df["relation"]) == {"none", "mz_twin", "dz_twin", "sibling"}
    assert set(verify_run(out).values()) == {"ok"}


def test_same_seed_identical_across_chunk_sizes(reference, tmp_path):
    out, _ = reference
    run_cohort(tmp_path, _config(), chunk_size=17)
    pd.testing.assert_frame_equal(_people(out), _people(tmp_path))


def test_same_seed_identical_with_two_dask_workers(reference, tmp_path, monkeypatch):
    out, _ = reference
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([TESTS, os.environ.get("PYTHONPATH", "")]))
    manifest = run_cohort(tmp_path, _config(), chunk_size=40, workers=2)
    assert manifest["complete"]
    pd.testing.assert_frame_equal(_people(out), _people(tmp_path))


def test_resume_rewrites_only_missing_chunk(tmp_path):
    manifest = run_cohort(tmp_path, _config(), chunk_size=50)
    files = sorted(tmp_path.glob("chunk-*.parquet"))
    mtimes = {f.name: f.stat().st_mtime_ns for f in files}
    victim = files[1]
    victim.unlink()
    assert verify_run(tmp_path)[1] == "missing"
    again = run_cohort(tmp_path, _config(), chunk_size=50)
    assert again["chunks"][1]["sha256"] == manifest["chunks"][1]["sha256"]
    for f in sorted(tmp_path.glob("chunk-*.parquet")):
        if f.name != victim.name:
            assert f.stat().st_mtime_ns == mtimes[f.name], f.name
    assert set(verify_run(tmp_path).values()) == {"ok"}
    assert not list(tmp_path.glob(".*tmp*"))


def test_resume_recomputes_corrupt_chunk(tmp_path):
    manifest = run_cohort(tmp_path, _config(), chunk_size=50)
    path = tmp_path / manifest["chunks"][0]["file"]
    path.write_bytes(b"truncated")
    assert verify_run(tmp_path)[0] == "corrupt"
    run_cohort(tmp_path, _config(), chunk_size=50)
    assert verify_run(tmp_path)[0] == "ok"


def test_resume_refuses_other_config(tmp_path):
    run_cohort(tmp_path, _config(), chunk_size=50)
    with pytest.raises(InputError):
        run_cohort(tmp_path, _config(seed=43), chunk_size=50)
    with pytest.raises(InputError):
        run_cohort(tmp_path, _config(), chunk_size=60)


def test_exposure_overrides_recorded_and_applied(reference, tmp_path):
    """A run with an exposure override (calibration) records it in the manifest, applies it
    in every chunk, and is a different configuration for resuming."""
    out, _ = reference
    cfg = _config(exposures=(("enterovirus", "islet_reach_share", 0.05),))
    manifest = run_cohort(tmp_path, cfg, chunk_size=50)
    assert manifest["config"]["exposures"] == [["enterovirus", "islet_reach_share", 0.05]]
    assert "exposures" not in read_manifest(out)["config"]  # shipped values: nothing recorded
    low, ref = load_cohort(tmp_path), load_cohort(out)
    assert (low["enterovirus_b_infections"] == ref["enterovirus_b_infections"]).all()
    assert low["enterovirus_islet_infections"].sum() < 0.2 * low["enterovirus_b_infections"].sum()
    with pytest.raises(InputError):
        run_cohort(tmp_path, _config(exposures=(("enterovirus", "islet_reach_share", 0.06),)), chunk_size=50)


def test_engine_output_checked(tmp_path):
    with pytest.raises(InputError):
        run_cohort(tmp_path, _config(engine="no_such_module:f"), chunk_size=50)


def _cli():
    """The ``cohort`` sub-app on its own, and a typer test runner for it."""
    import typer
    from typer.testing import CliRunner

    from autoimmunity.cli import _cohort

    app = typer.Typer()
    _cohort.register(app)

    @app.callback()
    def _cb():
        pass

    return app, CliRunner()


def test_cli_run_sql_summary(tmp_path):
    app, runner = _cli()
    out = tmp_path / "run"
    res = runner.invoke(app, ["cohort", "run", "--n", "80", "--seed", "1", "--out", str(out), "--twins", "5",
                              "--siblings", "5", "--chunk-size", "40", "--engine", DOUBLE, "--quiet"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["cohort", "sql", str(out), "select count(*) as n from people", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["n"] == 110
    res = runner.invoke(app, ["cohort", "sql", str(out), "select no_such_column from people"])
    assert res.exit_code == 2 and res.output.startswith("error:") and len(res.output.strip().splitlines()) == 1
    res = runner.invoke(app, ["cohort", "summary", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    for key in ("n", "cumulative_incidence", "prevalence_by_age", "sex_ratio", "hla_odds_ratios",
                "twin_concordance", "sibling_recurrence_ratio", "autoantibody_progression", "calibration"):
        assert key in summary
    assert Path(summary["report"]).exists()
    res = runner.invoke(app, ["cohort", "run", "--n", "10", "--seed", "1", "--out", str(tmp_path / "x"),
                              "--engine", "nope:nope"])
    assert res.exit_code == 2 and res.output.startswith("error: engine")
    assert read_manifest(out)["complete"]


def test_cli_exposure_override(tmp_path):
    """``--exposure STREAM/QUANTITY=VALUE`` reaches the manifest; malformed or out-of-range
    overrides give one line and exit code 2, and leave no run behind."""
    app, runner = _cli()
    base = ["cohort", "run", "--n", "20", "--seed", "1", "--engine", DOUBLE, "--quiet"]
    res = runner.invoke(app, base + ["--out", str(tmp_path / "ok"), "--exposure", "enterovirus/islet_reach_share=0.5"])
    assert res.exit_code == 0, res.output
    assert read_manifest(tmp_path / "ok")["config"]["exposures"] == [["enterovirus", "islet_reach_share", 0.5]]
    for bad, field in (("enterovirus/islet_reach_share=1.5", "islet_reach_share"), ("nonsense", "STREAM/QUANTITY"),
                       ("enterovirus/no_such=1", "no exposure row")):
        res = runner.invoke(app, base + ["--out", str(tmp_path / "bad"), "--exposure", bad])
        assert res.exit_code == 2 and field in res.output and len(res.output.strip().splitlines()) == 1, res.output
        assert not (tmp_path / "bad" / "manifest.json").exists()


@pytest.mark.parametrize("args, field", [
    (["--n", "-5", "--seed", "1"], "n"), (["--n", "3", "--seed", "-1"], "seed"),
    (["--n", "3", "--seed", "1", "--twins", "-2"], "twins"), (["--n", "3", "--seed", "1", "--horizon", "nan"], "horizon"),
    (["--n", "3", "--seed", "1", "--horizon", "0"], "horizon"), (["--n", "3", "--seed", "1", "--chunk-size", "0"], "chunk_size"),
])
def test_cli_run_bad_config_is_one_line(tmp_path, args, field):
    """RunConfig checks every field in one place (a NaN horizon used to pass the range check);
    the CLI reports the field in one line, exit code 2, and creates nothing."""
    app, runner = _cli()
    res = runner.invoke(app, ["cohort", "run", *args, "--out", str(tmp_path / "r"), "--engine", DOUBLE, "--quiet"])
    assert res.exit_code == 2 and res.output.startswith(f"error: {field}:"), res.output
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "r").exists()
