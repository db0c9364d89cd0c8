"""The molecular commands of the ``autoimmunity`` program."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from autoimmunity.cli import app

runner = CliRunner()


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_bind_json_has_the_documented_keys():
    """Issue 2 CLI contract; HA 306-318 core YVKQNTLKL (Stern LJ et al. Nature 1994;368:215)."""
    out = _json(runner.invoke(app, ["bind", "--allele", "HLA-DRB1*04:01", "--peptide", "PKYVKQNTLKLAT", "--json"]))
    assert {"allele", "peptide", "core", "score", "percentile_rank"} <= set(out)
    assert out["core"] == "YVKQNTLKL"


def test_present_json_lists_presented_peptides():
    out = _json(runner.invoke(app, ["present", "--hla", "DRB1*15:01", "--protein", "MBP", "--json"]))
    assert isinstance(out, list) and out
    assert all(row["presented"] for row in out)
    assert "VHFFKNIVT" in {row["core"] for row in out}


def test_modify_deamidate_and_citrullinate():
    out = _json(runner.invoke(app, ["modify", "--deamidate", "--peptide", "QLQPFPQPQLPY", "--json"]))
    assert out["modified"] == "QLQPFPQPELPY" and out["sites"] == [9]
    out = _json(runner.invoke(app, ["modify", "--citrullinate", "--peptide", "SAVRLRSSVPGVR", "--positions", "6", "--json"]))
    assert out["modified"] == "SAVRLXSSVPGVR"


def test_mimicry_json_finds_the_dr15_cross_molecule_mimic():
    """Issue 2 CLI contract; the MBP 85-99 / EBV DNA polymerase 627-641 pair of Lang HL et al.,
    Nat Immunol 2002;3:940 (DRB1*15:01 and DRB5*01:01)."""
    out = _json(runner.invoke(app, ["mimicry", "--self", "MBP", "--foreign", "BALF5", "--hla",
                                    "DRB1*15:01,DRB5*01:01", "--top", "2", "--json"]))
    assert len(out) == 2 and out[0]["overlap"] >= out[1]["overlap"]
    best = out[0]
    assert (best["self_core"], best["foreign_core"]) == ("VHFFKNIVT", "YHFVKKHVH")
    assert (best["self_allele"], best["foreign_allele"], best["same_molecule"]) == (
        "HLA-DRB1*15:01", "HLA-DRB5*01:01", False)
    same_only = _json(runner.invoke(app, ["mimicry", "--self", "MBP", "--foreign", "BALF5", "--hla",
                                          "DRB1*15:01,DRB5*01:01", "--same-molecule-only", "--json"]))
    assert same_only and all(row["same_molecule"] for row in same_only)


def test_mimicry_searches_a_foreign_proteome_from_fasta(tmp_path):
    """A user's proteome file: the EBV polymerase in a FASTA with EBNA1 gives the same top pair."""
    from autoimmunity.molecular import get_protein

    fasta = tmp_path / "ebv.fasta"
    fasta.write_text("".join(f">sp|{p.accession}|X {p.name} OS=Epstein-Barr virus GN={p.symbol}\n{p.sequence}\n"
                             for p in (get_protein("EBNA1"), get_protein("BALF5"))))
    out = _json(runner.invoke(app, ["mimicry", "--self", "MBP", "--foreign-fasta", str(fasta), "--hla",
                                    "DRB1*15:01,DRB5*01:01", "--top", "1", "--json"]))
    assert (out[0]["foreign_protein"], out[0]["foreign_core"], out[0]["self_core"]) == ("BALF5", "YHFVKKHVH",
                                                                                        "VHFFKNIVT")


@pytest.mark.parametrize(
    "args, field",
    [
        (["bind", "--allele", "DRB1*99:01", "--peptide", "PKYVKQNTLKLAT"], "allele"),
        (["bind", "--allele", "DRB1*04:01", "--peptide", "PKYVKQNT1KLAT"], "peptide"),
        (["bind", "--allele", "DRB1*04:01", "--peptide", "PKYVK"], "peptide"),
        (["present", "--hla", "DRB1*04:01", "--protein", "NOPE"], "protein"),
        (["modify", "--peptide", "QLQPFPQPQLPY"], "modification"),
        (["mimicry", "--self", "MBP", "--foreign", "EBNA1", "--hla", "DRB1*15:01", "--seed", "-1"], "seed"),
        (["mimicry", "--self", "MBP", "--foreign", "EBNA1", "--hla", "DRB1*15:01", "--potential", "blosum"],
         "potential"),
        (["mimicry", "--self", "MBP", "--foreign", "EBNA1", "--hla", "DRB1*15:01", "--threshold", "0"], "threshold"),
        (["mimicry", "--self", "MBP", "--hla", "DRB1*15:01"], "foreign"),
        (["mimicry", "--self", "MBP", "--foreign-fasta", "/nonexistent/ebv.fasta", "--hla", "DRB1*15:01"], "fasta"),
        (["thymus", "--hla", "DRB1*04:01", "--thymocytes", "10", "--seed", "-1"], "seed"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(args, field):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:"), result.stderr
    assert "Traceback" not in result.output


def test_installed_program_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "autoimmunity", "bind", "--allele", "DRB1*04:01", "--peptide", "PKYV"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_version_option_prints_the_package_version():
    from autoimmunity import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"autoimmunity {__version__}"
