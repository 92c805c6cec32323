"""The CLI stays light: no heavy imports for --help and data check; one-line errors."""

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES

HEAVY = ("torch", "transformers", "mlflow", "datasets")


def _modules_after(args):
    code = (
        "import sys\n"
        "from xstilts.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.rsplit("LOADED", 1)[1].strip()


@pytest.mark.parametrize("args", [["--help"], ["data", "check", "ud", str(FIXTURES / "ud" / "mini.conllu")]])
def test_help_and_data_check_do_not_import_heavy_libraries(args):
    assert _modules_after(args) == "[]"


def test_data_check_prints_json_and_errors_in_one_line(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "xstilts", "data", "check", "ud", str(FIXTURES / "ud" / "mini.conllu")],
        capture_output=True, text=True,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["kind"] == "ud"
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tHi\thi\tINTJ\t_\t_\tx\troot\t_\t_\n\n")
    failed = subprocess.run([sys.executable, "-m", "xstilts", "data", "check", "ud", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1 and failed.stdout == ""
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}:1: ")


def test_phase_commands_list_their_options():
    out = subprocess.run([sys.executable, "-m", "xstilts", "intermediate", "--help"], capture_output=True, text=True).stdout
    for option in ("--model", "--task", "--seed", "--lr", "--profile", "-S KEY=VALUE"):
        assert option in out


def test_bad_cli_values_are_one_line_with_exit_2(capsys, workdir):
    from xstilts.cli import main

    assert main(["intermediate", "--task", "pos-tagging"]) == 2
    assert capsys.readouterr().err.strip() == (
        "xstilts: error: --task: unknown value 'pos-tagging' (allowed: none, ud-parse, sts-b, ud-pos)"
    )
    assert main(["intermediate", "--task", "sts-b", "--lr", "-1"]) == 2
    assert "--lr must be > 0" in capsys.readouterr().err
    assert main(["target", "--seed", "one"]) == 2
