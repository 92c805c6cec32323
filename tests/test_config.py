"""Strict configuration: params.yaml + overrides -> frozen dataclasses; one clear error per mistake."""

import dataclasses

import pytest
import yaml

from tests.conftest import REPO
from xstilts import config, tasks
from xstilts.cli import main
from xstilts.errors import ConfigError

PARAMS = REPO / "params.yaml"


def test_repository_params_load_for_both_profiles():
    smoke = config.load(PARAMS)
    paper = config.load(PARAMS, profile="paper")
    assert smoke.profile == "smoke" and paper.profile == "paper"
    assert smoke.languages == ("en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
    # the smoke block overrides the paper recipe; the paper profile keeps the published one
    assert paper.tasks["sts-b"].train.lr == pytest.approx(2e-5)
    assert smoke.tasks["sts-b"].train.lr == pytest.approx(5e-4)
    assert smoke.tasks["sts-b"].train.batch_size == paper.tasks["sts-b"].train.batch_size == 32
    assert paper.target.train.max_length == 128
    assert smoke.tasks["none"].train is None


def test_config_is_frozen():
    cfg = config.load(PARAMS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.profile = "paper"


def test_overrides_apply_after_the_profile_block_and_parse_yaml():
    cfg = config.load(PARAMS, ["tasks.sts-b.train.lr=5e-4", "grid.seeds=[3, 4, 5]", "profile=paper"])
    assert cfg.profile == "paper"
    assert cfg.tasks["sts-b"].train.lr == pytest.approx(5e-4)
    assert cfg.grid.seeds == (3, 4, 5)


def test_resolved_config_round_trips(tmp_path):
    cfg = config.load(PARAMS, ["tasks.ud-parse.train.epochs=2"])
    dumped = yaml.safe_load(cfg.dump(tmp_path / "resolved.yaml").read_text())
    assert dumped["profile"] == "smoke"
    assert dumped["tasks"]["ud-parse"]["train"]["epochs"] == 2
    assert "smoke" not in dumped["tasks"]["ud-parse"]  # profile blocks are resolved away


def test_every_registered_task_has_a_params_block_and_vice_versa():
    cfg = config.load(PARAMS)
    assert set(cfg.tasks) == set(tasks.registry())
    assert {t.family for t in tasks.registry().values()} == {"syntactic", "semantic", "baseline"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("tasks.sts-b.train.lr=0", "'tasks.sts-b.train.lr' must be > 0, got 0.0"),
        ("tasks.sts-b.train.lr=-1e-5", "'tasks.sts-b.train.lr' must be > 0"),
        ("target.train.lr=fast", "'target.train.lr' must be float, got str 'fast'"),
        ("target.train.batch_size=1.5", "'target.train.batch_size' must be int, got float 1.5"),
        ("grid.models=[mbert, gpt2]", "grid.models: unknown value 'gpt2' (allowed: mbert, xlmr, xlmr-large)"),
        ("grid.tasks=[pos]", "grid.tasks: unknown value 'pos' (allowed: none, ud-parse, sts-b, ud-pos)"),
        ("tasks.sts-b.train.lrr=1", "unknown key 'tasks.sts-b.train.lrr' (allowed: lr, epochs, batch_size"),
        ("profile=large", "profile: unknown value 'large' (allowed: smoke, paper)"),
        ("target.selection=best", "target.selection: unknown value 'best' (allowed: final, best-en-dev)"),
        ("grid.seeds=[1, 1]", "'grid.seeds' must be a non-empty list of distinct integers"),
        ("target.train.warmup_ratio=1.5", "'target.train.warmup_ratio' must be in [0, 1)"),
        ("justakey", "expected KEY=VALUE"),
    ],
)
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=None) as err:
        config.load(PARAMS, [override])
    assert message in str(err.value)


def _write(tmp_path, mutate):
    raw = yaml.safe_load(PARAMS.read_text())
    mutate(raw)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_unknown_key_in_the_file(tmp_path):
    path = _write(tmp_path, lambda raw: raw["target"].update(optimizer="sgd"))
    with pytest.raises(ConfigError, match=r"unknown key 'target.optimizer' \(allowed: train, head, selection\)"):
        config.load(path)


def test_unknown_key_inside_a_profile_block(tmp_path):
    path = _write(tmp_path, lambda raw: raw["tasks"]["sts-b"]["smoke"]["train"].update(lr_decay=1))
    with pytest.raises(ConfigError, match=r"unknown key 'tasks.sts-b.smoke.train.lr_decay'"):
        config.load(path)


def test_unknown_task_block(tmp_path):
    path = _write(tmp_path, lambda raw: raw["tasks"].update(paws={"train": raw["tasks"]["sts-b"]["train"]}))
    with pytest.raises(ConfigError, match=r"tasks.paws: unknown value 'paws' \(allowed: none, sts-b, ud-parse, ud-pos\)"):
        config.load(path)


def test_missing_key(tmp_path):
    path = _write(tmp_path, lambda raw: raw["target"]["train"].pop("epochs"))
    with pytest.raises(ConfigError, match=r"missing key 'target.train.epochs'"):
        config.load(path, profile="paper")


def test_missing_params_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="parameters file not found"):
        config.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: smoke\ngrid: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        config.load(bad)


def test_cli_reports_config_errors_in_one_line_with_exit_2(capsys):
    code = main(["prepare", "--params", str(PARAMS), "-S", "tasks.sts-b.train.lr=-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == ["xstilts: error: " + str(PARAMS) + ": 'tasks.sts-b.train.lr' must be > 0, got -1.0"]
    assert "Traceback" not in err
