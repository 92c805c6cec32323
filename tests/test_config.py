"""Strict configuration: params.yaml + overrides -> frozen dataclasses; one clear error per mistake."""

import dataclasses

import pytest
import yaml

from tests.helpers import REPO
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
        # not finite: YAML's .inf/.nan, and the strings nan/inf that a float key would otherwise accept
        ("tasks.sts-b.train.lr=.inf", "'tasks.sts-b.train.lr' must be a finite number, got inf"),
        ("tasks.sts-b.train.lr=nan", "'tasks.sts-b.train.lr' must be a finite number, got nan"),
        ("tasks.sts-b.train.lr='-inf'", "'tasks.sts-b.train.lr' must be a finite number, got -inf"),
        ("tasks.sts-b.train.lr='.inf'", "'tasks.sts-b.train.lr' must be float, got str '.inf'"),
        ("target.train.warmup_ratio=.nan", "'target.train.warmup_ratio' must be a finite number, got nan"),
        ("target.train.epochs=1" + "0" * 400, "'target.train.epochs' must be a finite number, got inf"),
        ("tasks.ud-parse.lr_range=[1e-5, .inf]", "'tasks.ud-parse.lr_range[1]' must be a finite number, got inf"),
        ("tasks.ud-parse.head.dropout=.nan", "'tasks.ud-parse.head.dropout' must be a finite number, got nan"),
        ("pretrained.mask_probability=.inf", "'pretrained.mask_probability' must be a finite number"),
        # ranges
        ("grid.seeds=[-1]", "'grid.seeds[0]' must be an integer in [0, 4294967295], got -1"),
        ("grid.seeds=[1, 4294967296]", "'grid.seeds[1]' must be an integer in [0, 4294967295], got 4294967296"),
        ("grid.seeds=[1.5]", "'grid.seeds[0]' must be int, got float 1.5"),
        ("pretrained.seed=-1", "'pretrained.seed' must be an integer in [0, 4294967295]"),
        ("data.synthetic.seed=4294967296", "'data.synthetic.seed' must be an integer in [0, 4294967295]"),
        ("report.bootstrap_seed=-3", "'report.bootstrap_seed' must be an integer in [0, 4294967295]"),
        ("target.train.epochs=0", "'target.train.epochs' must be > 0, got 0.0"),
        ("tasks.ud-parse.lr_range=[-1e-5, 1e-4]", "'tasks.ud-parse.lr_range[0]' must be > 0"),
        ("tasks.ud-parse.lr_range=[1e-4, 1e-5]", "'tasks.ud-parse.lr_range' must be [low, high] with 0 < low < high"),
        ("tasks.ud-parse.head.dropout=1", "'tasks.ud-parse.head.dropout' must be in [0, 1), got 1"),
        ("pretrained.mask_probability=0", "'pretrained.mask_probability' must be in (0, 1)"),
        ("target.train.weight_decay=-0.1", "'target.train.weight_decay' must be >= 0"),
        ("tune.n_trials=0", "'tune.n_trials' must be > 0, got 0"),
        ("tune.train_subsample=0", "'tune.train_subsample' must be > 0, got 0"),
        ("models.xlmr.tiny.num_heads=0", "'models.xlmr.tiny.num_heads' must be > 0"),
        ("data.synthetic.ud_dev=-5", "'data.synthetic.ud_dev' must be > 0"),
        ("grid.seeds={a: 1, a: 2}", "the value is not valid YAML (duplicate key 'a', first on line 1)"),
    ],
)
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=None) as err:
        config.load(PARAMS, [override])
    assert message in str(err.value)


def _numeric_keys(node, key=""):
    """Dotted key of every number in a plain configuration (a list counts once, by its own key)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numeric_keys(v, f"{key}.{k}" if key else k)
    elif isinstance(node, list):
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in node):
            yield key
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield key


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_every_number_must_be_finite(profile):
    """Not a list of keys to check: every number of the resolved configuration, found by walking it."""
    keys = list(_numeric_keys(config.load(PARAMS, profile=profile).to_dict()))
    assert {
        "grid.seeds", "tasks.ud-parse.lr_range", "tasks.ud-parse.head.dropout", "report.bootstrap_seed"
    } <= set(keys)
    for key in keys:
        for bad in (".nan", ".inf", "-.inf"):
            value = f"[{bad}]" if key in ("grid.seeds",) or key.endswith("lr_range") else bad
            with pytest.raises(ConfigError) as err:
                config.load(PARAMS, [f"{key}={value}"], profile=profile)
            assert f"'{key}" in str(err.value), (key, str(err.value))  # names the key (or its item: key[0])


def test_seeds_take_the_whole_numpy_range():
    cfg = config.load(PARAMS, ["grid.seeds=[0, 4294967295]", "pretrained.seed=4294967295", "report.bootstrap_seed=0"])
    assert cfg.grid.seeds == (0, 2**32 - 1) and cfg.pretrained.seed == 2**32 - 1


def test_float_keys_still_accept_yaml_1_1_exponents_written_as_strings(tmp_path):
    # PyYAML (YAML 1.1) reads `2e-5` (no dot) as a string
    text = PARAMS.read_text().replace("lr: 2.0e-5, epochs: 3,", "lr: 2e-5, epochs: 3,")
    assert "lr: 2e-5, epochs: 3," in text
    (tmp_path / "params.yaml").write_text(text)
    assert config.load(tmp_path / "params.yaml", profile="paper").tasks["sts-b"].train.lr == pytest.approx(2e-5)
    assert config.load(PARAMS, ["tasks.sts-b.train.lr=3e-5"]).tasks["sts-b"].train.lr == pytest.approx(3e-5)


@pytest.mark.parametrize(
    ("old", "new", "line_of", "key"),
    [
        # a second `profile:` line: PyYAML would silently take the last one
        ("profile: smoke\n", "profile: smoke\nprofile: paper\n", "profile: paper", "profile"),
        # inside a nested block mapping
        ("  use_tuned_lr: true\n", "  use_tuned_lr: true\n  use_tuned_lr: false\n", "  use_tuned_lr: false",
         "use_tuned_lr"),
        # inside a flow mapping
        ("{lr: 2.0e-5, epochs: 3,", "{lr: 2.0e-5, epochs: 3, lr: 1.0,", "{lr: 2.0e-5, epochs: 3, lr: 1.0,", "lr"),
    ],
)
def test_duplicate_keys_are_an_error_naming_file_line_and_key(tmp_path, capsys, old, new, line_of, key):
    text = PARAMS.read_text()
    assert text.count(old) == 1
    text = text.replace(old, new)
    (line,) = [n for n, text_line in enumerate(text.splitlines(), 1) if line_of in text_line]  # the second
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and f"duplicate key '{key}'" in str(err.value)
    assert main(["plan", "--params", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"xstilts: error: {path}:{line}: ") and f"'{key}'" in lines[0]


def test_yaml_merge_keys_may_be_overridden(tmp_path):
    # `<<: *anchor` copies a mapping's keys; keys written next to it override them (not duplicates)
    text = PARAMS.read_text().replace("  mlm: {lr: 1.0e-3,", "  mlm: &recipe {lr: 1.0e-3,").replace(
        "  train: {lr: 2.0e-5, epochs: 5,", "  train: {<<: *recipe, lr: 2.0e-5, epochs: 5,"
    )
    assert text.count("&recipe") == text.count("*recipe") == 1
    (tmp_path / "params.yaml").write_text(text)
    train = config.load(tmp_path / "params.yaml", profile="paper").target.train
    assert (train.lr, train.epochs, train.max_length) == (pytest.approx(2e-5), 5, 128)


RECIPE = "{lr: 1.0e-3, epochs: 1, batch_size: 2, max_length: 8, warmup_ratio: 0, weight_decay: 0}"


def test_overridden_keys_are_recorded_but_are_not_parameters(tmp_path):
    plain = config.load(PARAMS)
    assert plain.overridden == frozenset() and not plain.is_overridden("tasks.sts-b.train.lr")
    overrides = ["tasks.sts-b.train.lr=5e-4", "grid.seeds=[1]", f"tasks.ud-parse.train={RECIPE}"]
    cfg = config.load(PARAMS, overrides)
    assert cfg.overridden == {"tasks.sts-b.train.lr", "grid.seeds", "tasks.ud-parse.train"}
    # the same value as in params.yaml (smoke), but set explicitly: it counts
    assert cfg.is_overridden("tasks.sts-b.train.lr") and cfg.tasks["sts-b"].train == plain.tasks["sts-b"].train
    assert cfg.is_overridden("tasks.ud-parse.train.lr")  # its mapping was replaced as a whole
    assert not cfg.is_overridden("tasks.sts-b.train.epochs") and not cfg.is_overridden("tasks.sts-b")
    assert not cfg.is_overridden("target.train.lr") and not cfg.is_overridden("tasks.sts-b.train.l")
    whole_task = config.load(PARAMS, [f"tasks.sts-b={{train: {RECIPE}, lr_range: [1.0e-4, 1.0e-3]}}"])
    assert whole_task.is_overridden("tasks.sts-b.train.lr")
    # parameters only: to_dict/dump carry no record, and the dump still loads as a parameters file
    assert set(cfg.to_dict()) == set(plain.to_dict()) and "overridden" not in cfg.to_dict()
    assert cfg.to_dict() == config.load(PARAMS, [f"tasks.ud-parse.train={RECIPE}"]).to_dict()
    dumped = cfg.dump(tmp_path / "config.yaml")
    assert dumped.read_text().startswith("# set with -S: grid.seeds, tasks.sts-b.train.lr, tasks.ud-parse.train\n")
    reloaded = config.load(dumped)
    assert reloaded.to_dict() == cfg.to_dict() and reloaded.overridden == frozenset()
    # frozen, and compared by value, the record included (it decides which learning rate is used)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.overridden = frozenset()
    assert cfg == config.load(PARAMS, overrides) and plain == config.load(PARAMS)
    assert cfg != reloaded


def test_params_file_cannot_set_the_override_record(tmp_path):
    path = _write(tmp_path, lambda raw: raw.update(overridden=["tasks.sts-b.train.lr"]))
    with pytest.raises(ConfigError, match=r"unknown key 'overridden' \(allowed: profile, languages"):
        config.load(path)


def _write(tmp_path, mutate):
    raw = yaml.safe_load(PARAMS.read_text())
    mutate(raw)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_unknown_key_in_the_file(tmp_path):
    path = _write(tmp_path, lambda raw: raw["target"].update(optimizer="sgd"))
    allowed = r"\(allowed: train, models, head, selection\)"
    with pytest.raises(ConfigError, match=r"unknown key 'target.optimizer' " + allowed):
        config.load(path)


def test_unknown_key_inside_a_profile_block(tmp_path):
    path = _write(tmp_path, lambda raw: raw["tasks"]["sts-b"]["smoke"]["train"].update(lr_decay=1))
    with pytest.raises(ConfigError, match=r"unknown key 'tasks.sts-b.smoke.train.lr_decay'"):
        config.load(path)


def test_unknown_task_block(tmp_path):
    path = _write(tmp_path, lambda raw: raw["tasks"].update(paws={"train": raw["tasks"]["sts-b"]["train"]}))
    with pytest.raises(
        ConfigError, match=r"tasks.paws: unknown value 'paws' \(allowed: none, sts-b, ud-parse, ud-pos\)"
    ):
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
    assert err.strip().splitlines() == [
        "xstilts: error: " + str(PARAMS) + ": 'tasks.sts-b.train.lr' must be > 0, got -1.0"
    ]
    assert "Traceback" not in err


def test_the_target_recipe_is_merged_per_model():
    paper = config.load(PARAMS, profile="paper")
    # google-research/xtreme scripts/train_xnli.sh: lr 2e-5 (mBERT, XLM-R base), 3e-5 (XLM-R large), no warm-up
    large = paper.target_train("xlmr-large")
    assert (large.lr, large.warmup_ratio) == (pytest.approx(3e-5), 0.0)
    assert large == dataclasses.replace(paper.target.train, lr=large.lr)  # only the lr differs
    for model in ("mbert", "xlmr"):
        assert paper.target_train(model) == paper.target.train
        assert (paper.target_train(model).lr, paper.target_train(model).warmup_ratio) == (pytest.approx(2e-5), 0.0)
    # the smoke profile keeps one recipe for every model, with its 10% warm-up
    smoke = config.load(PARAMS)
    assert {smoke.target_train(m) for m in smoke.models} == {smoke.target.train}
    assert (smoke.target.train.lr, smoke.target.train.warmup_ratio) == (pytest.approx(7e-4), 0.1)
    # any subset of the recipe's keys, converted like the file's values (an int epochs is a float)
    cfg = config.load(PARAMS, ["target.models={xlmr: {epochs: 2, batch_size: 16, lr: '1e-5'}}"], profile="paper")
    merged = cfg.target_train("xlmr")
    assert (merged.epochs, merged.batch_size, merged.lr, merged.max_length) == (2.0, 16, 1e-5, 128)
    assert isinstance(merged.epochs, float) and cfg.target_train("xlmr-large") == cfg.target.train  # block replaced


def test_an_explicit_target_override_beats_the_models_value():
    # -S target.train.lr is meant for every model; -S target.models.<model>.lr for that model
    cfg = config.load(PARAMS, ["target.train.lr=1e-5"], profile="paper")
    assert cfg.target_train("xlmr-large").lr == cfg.target_train("mbert").lr == pytest.approx(1e-5)
    both = config.load(PARAMS, ["target.train.lr=1e-5", "target.models.xlmr-large.lr=4e-5"], profile="paper")
    assert both.target_train("xlmr-large").lr == pytest.approx(4e-5) and both.target_train("xlmr").lr == 1e-5
    # an override of another key leaves the model's lr alone
    epochs = config.load(PARAMS, ["target.train.epochs=2"], profile="paper")
    assert epochs.target_train("xlmr-large").lr == pytest.approx(3e-5) and epochs.target_train("mbert").epochs == 2


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("target.models={gpt2: {lr: 1e-5}}", "target.models: unknown value 'gpt2' (allowed: mbert, xlmr, xlmr-large)"),
        ("target.models={xlmr: {lrr: 1e-5}}", "unknown key 'target.models.xlmr.lrr' (allowed: lr, epochs, batch_size"),
        ("target.models={xlmr: {head: 1}}", "unknown key 'target.models.xlmr.head'"),
        ("target.models.xlmr-large.lr=0", "'target.models.xlmr-large.lr' must be > 0, got 0"),
        ("target.models.xlmr-large.lr=fast", "'target.models.xlmr-large.lr' must be float, got str 'fast'"),
        ("target.models.xlmr-large.lr=.nan", "'target.models.xlmr-large.lr' must be a finite number"),
        ("target.models={xlmr: {batch_size: 1.5}}", "'target.models.xlmr.batch_size' must be int, got float 1.5"),
        ("target.models={xlmr: {warmup_ratio: 1}}", "'target.models.xlmr.warmup_ratio' must be in [0, 1)"),
        ("target.models={xlmr: null}", "'target.models.xlmr' must be a mapping, got null"),
        ("target.models.mbert={lr: 1e-5}", "override target.models.mbert: unknown key 'target.models.mbert'"),
    ],
)
def test_bad_per_model_target_recipes_name_the_key(override, message):
    with pytest.raises(ConfigError) as err:
        config.load(PARAMS, [override], profile="paper")
    assert message in str(err.value)


def test_target_train_of_an_unknown_model_is_an_error():
    with pytest.raises(ConfigError, match=r"model: unknown value 'gpt2'"):
        config.load(PARAMS).target_train("gpt2")
