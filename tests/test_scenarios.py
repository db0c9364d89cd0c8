"""Scenario files: examples load; bad input gives one-line InputErrors naming the field;
the CLI writes the documented outputs."""

import json
from pathlib import Path

import pandas as pd
import pytest

from autoimmunity import InputError
from autoimmunity.host import load_scenario, run_scenario

EXAMPLES = sorted((Path(__file__).parents[1] / "examples" / "scenarios").glob("*.toml"))
BASE = {"person": {"years": 0.3}, "genotype": {"hla": "DRB1*15:01, DQA1*01:02-DQB1*06:02"},
        "exposures": [{"type": "infection", "pathogen": "influenza", "age_days": 10}]}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load(path):
    scn = load_scenario(path)
    assert scn.years > 0


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"genotype": {"hla": "DRB1*15:01", "foxp3": "broken"}}, "genotype.foxp3"),
        ({"exposures": [{"type": "infection", "pathogen": "plague", "age_days": 1}]}, "exposures[0].pathogen"),
        ({"exposures": [{"type": "party", "age_days": 1}]}, "exposures[0].type"),
        ({"person": {"sex": "x"}}, "person.sex"),
        ({"person": {"years": -1}}, "person.years"),
        ({"output": {"every_days": "daily"}}, "output.every_days"),
        ({"bogus": {}}, "scenario"),
    ],
)
def test_bad_input(patch, field):
    raw = {**BASE, **patch}
    with pytest.raises(InputError) as exc:
        load_scenario(raw)
    assert str(exc.value).startswith(field)
    assert "\n" not in str(exc.value)


def test_run_scenario_outputs(tmp_path):
    s = run_scenario(BASE, tmp_path, seed=1)
    for name in ("trajectory.parquet", "events.json", "summary.json", "report.html"):
        assert (tmp_path / name).exists()
    summ = json.loads((tmp_path / "summary.json").read_text())
    assert {"onsets", "autoantibodies", "t1d_stage_history"} <= set(summ)
    df = pd.read_parquet(tmp_path / "trajectory.parquet")
    assert list(df.columns) == ["time", "compartment", "variable", "value"]
    assert s.onsets["t1d"] is None


def test_cli_bad_input_exits_2(tmp_path):
    from typer.testing import CliRunner

    import typer
    from autoimmunity.cli._simulate import register

    app = typer.Typer()
    register(app)

    @app.command("other")
    def other():  # a second command keeps typer in multi-command mode
        pass

    bad = tmp_path / "bad.toml"
    bad.write_text('[genotype]\nhla = "DRB1*15:01"\nfoxp3 = "nope"\n')
    res = CliRunner().invoke(app, ["simulate", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2


@pytest.mark.parametrize("args, field", [(["--seed", "-2"], "seed"), (["--batch", "-1"], "batch")])
def test_cli_bad_seed_or_batch_is_one_line(tmp_path, args, field):
    """A negative seed or batch size is named in one line with exit code 2 (a negative seed
    used to reach numpy's SeedSequence and print a traceback), and nothing is written."""
    from typer.testing import CliRunner

    import typer
    from autoimmunity.cli._simulate import register

    app = typer.Typer()
    register(app)

    @app.command("other")
    def other():
        pass

    scenario = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "healthy.toml"
    res = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"error: {field}:") and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "summary.json").exists()


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"parameters": {"kill_max": -1}}, "parameters.kill_max"),
        ({"parameters": {"deamidation_base": 1.5}}, "parameters.deamidation_base"),
        ({"parameters": {"kill_max": "fast"}}, "parameters.kill_max"),
        ({"exposures": "lots"}, "exposures"),
        ({"output": 30}, "output"),
    ],
)
def test_bad_parameters_and_section_shapes(patch, field):
    """Parameter overrides are finite, >= 0 and <= 1 for fractions; a section of the wrong TOML
    shape is named (it used to raise AttributeError)."""
    with pytest.raises(InputError) as exc:
        load_scenario({**BASE, **patch})
    assert str(exc.value).startswith(field + ":") and "\n" not in str(exc.value)
