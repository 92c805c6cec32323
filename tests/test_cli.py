"""The CLI stays light: no heavy imports for --help and data check; one-line errors."""

import json
import subprocess
import sys

import pytest

from tests.helpers import FIXTURES

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
    failed = subprocess.run(
        [sys.executable, "-m", "xstilts", "data", "check", "ud", str(bad)], capture_output=True, text=True
    )
    assert failed.returncode == 1 and failed.stdout == ""
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}:1: ")


def test_phase_commands_list_their_options():
    out = subprocess.run(
        [sys.executable, "-m", "xstilts", "intermediate", "--help"], capture_output=True, text=True
    ).stdout
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["intermediate", "--seed", "-1"], "--seed must be an integer in [0, 4294967295], got -1"),
        (["intermediate", "--seed", "4294967296"], "--seed must be an integer in [0, 4294967295], got 4294967296"),
        (["intermediate", "--seed", "1.5"], "--seed must be an integer, got '1.5'"),
        (["target", "--seed", "-1"], "--seed must be an integer in [0, 4294967295], got -1"),
        (["intermediate", "--task", "sts-b", "--lr", "nan"], "--lr must be a finite number, got nan"),
        (["intermediate", "--task", "sts-b", "--lr", "inf"], "--lr must be a finite number, got inf"),
        (["intermediate", "--task", "sts-b", "--lr", "-1"], "--lr must be > 0, got -1.0"),
        (["intermediate", "--task", "sts-b", "--lr", "0"], "--lr must be > 0, got 0.0"),
        (["intermediate", "--task", "sts-b", "--lr", "fast"], "--lr must be a number, got 'fast'"),
        (["tune", "--task", "sts-b", "--n-trials", "0"], "--n-trials must be > 0, got 0"),
        (["tune", "--task", "sts-b", "--n-trials", "2.5"], "--n-trials must be an integer, got '2.5'"),
        (["intermediate", "--task", "sts-b", "-S", "tasks.sts-b.train.lr=.inf"],
         "'tasks.sts-b.train.lr' must be a finite number"),
        (["intermediate", "--task", "sts-b", "-S", "tasks.sts-b.train.lr=nan"],
         "'tasks.sts-b.train.lr' must be a finite number"),
        (["intermediate", "-S", "grid.seeds=[-1]"], "'grid.seeds[0]' must be an integer in [0, 4294967295], got -1"),
        (["target", "-S", "target.train.warmup_ratio=.nan"], "'target.train.warmup_ratio' must be a finite number"),
        (["tune", "--task", "ud-parse", "-S", "tasks.ud-parse.lr_range=[1e-5,.inf]"],
         "'tasks.ud-parse.lr_range[1]' must be a finite"),
        (["evaluate", "-S", "report.bootstrap_seed=-1"],
         "'report.bootstrap_seed' must be an integer in [0, 4294967295]"),
        (["prepare", "-S", "data.synthetic.seed=4294967296"],
         "'data.synthetic.seed' must be an integer in [0, 4294967295]"),
        (["report", "-S", "pretrained.mask_probability=.inf"], "'pretrained.mask_probability' must be a finite number"),
    ],
)
def test_bad_values_fail_in_one_line_before_any_work(capsys, workdir, monkeypatch, args, message):
    from xstilts import upstream
    from xstilts.cli import main

    def no_work(*args, **kwargs):  # the first step of a phase command: producing its upstream outputs
        raise AssertionError("work started before the values were checked")

    monkeypatch.setattr(upstream, "ensure", no_work)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("xstilts: error: ") and message in err
    assert sorted(p.name for p in workdir.iterdir()) == ["params.yaml"]  # nothing created: no mlflow.db, no data/


def test_help_names_the_allowed_values_and_real_defaults(capsys, monkeypatch):
    """--help lists params.yaml's models and tasks with the grid's first entries as defaults, the learning-rate
    rule, and no --seed for the pretrained phase (its seed is pretrained.seed)."""
    from xstilts.cli import main

    monkeypatch.setenv("COLUMNS", "400")  # argparse wraps at the terminal's width, even inside "ud-pos"
    with pytest.raises(SystemExit):
        main(["intermediate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "one of mbert, xlmr, xlmr-large (default: mbert)" in text
    assert "one of none, ud-parse, sts-b, ud-pos (default: none)" in text
    assert "tuned_lr.json when tune.use_tuned_lr" in text and "smoke or paper" in text
    with pytest.raises(SystemExit) as exit_info:
        main(["pretrained", "--seed", "3"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --seed 3" in capsys.readouterr().err
