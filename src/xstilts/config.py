"""Strict configuration: ``params.yaml`` (+ ``-S key=value`` overrides) -> frozen dataclasses.

Every experimental value lives in ``params.yaml``; the dataclasses below only give it a shape, so they
carry no defaults. Loading is strict: a key given twice, an unknown key, a missing key, a wrong type, an
unknown model or task name, a number that is not finite or out of its key's range (``_RANGES``) is a
:class:`ConfigError` naming the key and what is allowed.

Order of resolution:
1. read ``params.yaml``; the profile is ``--profile`` / ``-S profile=...`` if given, else the file's;
2. merge the active profile's ``smoke:``/``paper:`` sub-blocks over their parent mappings;
3. apply ``-S dotted.key=value`` overrides to that resolved tree (values parsed as YAML);
4. build and validate the dataclasses.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xstilts.errors import ConfigError

PROFILES = ("smoke", "paper")
SELECTIONS = ("final", "best-en-dev")
MODEL_FAMILIES = ("bert", "xlmr")
TOKENIZER_KINDS = ("wordpiece", "unigram")
UD_SPLITS = ("train", "dev", "test")
SEED_MAX = 2**32 - 1  # numpy.random.seed and torch's generators take seeds in [0, 2**32 - 1]

# Allowed values of the numeric keys, by the key's last name; any other number must be > 0 (sizes,
# counts, epochs, learning rates). Every number must also be finite (see `_validate`).
_POSITIVE = ("> 0", lambda v: v > 0)
_SEED = (f"an integer in [0, {SEED_MAX}]", lambda v: 0 <= v <= SEED_MAX)
_RANGES = {
    "seed": _SEED,
    "seeds": _SEED,
    "bootstrap_seed": _SEED,
    "warmup_ratio": ("in [0, 1)", lambda v: 0 <= v < 1),
    "dropout": ("in [0, 1)", lambda v: 0 <= v < 1),
    "mask_probability": ("in (0, 1)", lambda v: 0 < v < 1),
    "weight_decay": (">= 0", lambda v: v >= 0),
    "curve_seeds": (">= 0", lambda v: v >= 0),  # a count of seeds, 0 = no learning curves
    "gpus": (">= 0", lambda v: v >= 0),  # cluster.<stage kind>.gpus: 0 = a CPU-only job
}
# SLURM's formats of the cluster block's memory (sbatch --mem: a size with an optional unit) and time limit
# (sbatch --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)
_SLURM_MEM = r"[1-9][0-9]*[KMGT]?"
_SLURM_TIME = r"[0-9]+|[0-9]+:[0-9]{2}|[0-9]+:[0-9]{2}:[0-9]{2}|[0-9]+-[0-9]+(:[0-9]{2}){0,2}"


@dataclass(frozen=True)
class TinyModel:
    """Architecture of the locally built stand-in model of the smoke profile."""

    family: str
    tokenizer: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_position: int


@dataclass(frozen=True)
class ModelSpec:
    hub_id: str
    revision: str
    tiny: TinyModel


@dataclass(frozen=True)
class TrainSpec:
    lr: float
    epochs: float
    batch_size: int
    max_length: int
    warmup_ratio: float
    weight_decay: float


@dataclass(frozen=True)
class TaskSpec:
    train: TrainSpec | None = None  # None only for the baseline, which does not train
    head: dict[str, int | float] = dataclasses.field(default_factory=dict)  # options of the task's head
    lr_range: tuple[float, ...] | None = None  # log-uniform search range of `xstilts tune`: [low, high]


@dataclass(frozen=True)
class TuneSpec:
    use_tuned_lr: bool
    n_trials: int
    train_subsample: int | None


@dataclass(frozen=True)
class TargetSpec:
    train: TrainSpec
    # per-model changes of `train`: model name -> any subset of TrainSpec's keys (XTREME trains XLM-R large
    # at another learning rate); read the merged recipe with Config.target_train(model)
    models: dict[str, dict[str, int | float]]
    head: dict[str, int | float]
    selection: str


@dataclass(frozen=True)
class PretrainedSpec:
    """Smoke profile only: short MLM warm-up of the tiny models on the synthetic corpus."""

    mlm: TrainSpec
    mask_probability: float
    seed: int


@dataclass(frozen=True)
class ReportSpec:
    bootstrap_replicates: int
    bootstrap_seed: int
    curve_seeds: int


@dataclass(frozen=True)
class ComputeSpec:
    """How training runs: compilation on a GPU (no effect on a CPU), the cap on a process's micro-batch."""

    torch_compile: bool
    # at most this many examples per process and forward pass; the rest of a process's share of the (global)
    # recipe batch is accumulated before the step (xstilts.train.batch_plan). None = the whole share at once
    device_batch_size: int | None


@dataclass(frozen=True)
class StageResources:
    """What one SLURM job of a stage asks for (`xstilts launch slurm`, xstilts.launch)."""

    partition: str | None  # None = the cluster's default partition (or --partition)
    gpus: int
    cpus: int
    mem: str  # sbatch --mem, e.g. 16G
    time: str  # sbatch --time, e.g. 12:00:00 or 1-00:00:00


@dataclass(frozen=True)
class ClusterSpec:
    """SLURM resources per stage kind: the name of a dvc.yaml stage before its ``@``."""

    raw: StageResources
    prepare: StageResources
    pretrained: StageResources
    tune: StageResources
    intermediate: StageResources
    target: StageResources
    report: StageResources


@dataclass(frozen=True)
class Grid:
    models: tuple[str, ...]
    tasks: tuple[str, ...]
    seeds: tuple[int, ...]


@dataclass(frozen=True)
class HubDataset:
    repo_id: str
    revision: str


@dataclass(frozen=True)
class UDSource:
    release: str
    url: str
    sha256: dict[str, str | None]


@dataclass(frozen=True)
class SyntheticSizes:
    seed: int
    xnli_dev_per_language: int
    xnli_test_per_language: int
    mnli_train: int
    mnli_dev: int
    stsb_train: int
    stsb_dev: int
    stsb_test: int
    ud_train: int
    ud_dev: int
    ud_test: int
    corpus_per_language: int


@dataclass(frozen=True)
class DataSpec:
    xnli: HubDataset
    glue: HubDataset
    ud: UDSource
    synthetic: SyntheticSizes


@dataclass(frozen=True)
class Config:
    profile: str
    languages: tuple[str, ...]
    grid: Grid
    models: dict[str, ModelSpec]
    pretrained: PretrainedSpec
    tasks: dict[str, TaskSpec]
    tune: TuneSpec
    target: TargetSpec
    data: DataSpec
    report: ReportSpec
    compute: ComputeSpec
    cluster: ClusterSpec
    # The dotted keys set with `-S`, as given: an explicit override beats a value found elsewhere (the
    # tuned learning rate). A record of how the parameters were given, not a parameter: params.yaml cannot
    # set it and to_dict() leaves it out, so the dumped configuration still loads as a parameters file.
    overridden: frozenset[str] = dataclasses.field(default=frozenset(), metadata={"parameter": False})

    def to_dict(self) -> dict[str, Any]:
        """Plain (YAML/JSON-serialisable) form of the resolved parameters."""
        data = dataclasses.asdict(self)
        return _plain({f.name: data[f.name] for f in _parameters(Config)})

    def dump(self, path: str | Path) -> Path:
        """Write the resolved configuration as YAML (logged with every MLflow run)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # a comment, so that the file stays a plain parameters file
        header = f"# set with -S: {', '.join(sorted(self.overridden))}\n" if self.overridden else ""
        path.write_text(header + yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True))
        return path

    def is_overridden(self, key: str) -> bool:
        """Whether `-S` set the dotted ``key`` or a mapping above it (``tasks.sts-b.train``, ``tasks.sts-b``)."""
        parts = key.split(".")
        return any(".".join(parts[:n]) in self.overridden for n in range(1, len(parts) + 1))

    def model(self, name: str) -> ModelSpec:
        return self.models[check_choice("model", name, self.models)]

    def task(self, name: str) -> TaskSpec:
        return self.tasks[check_choice("task", name, self.tasks)]

    def target_train(self, model: str) -> TrainSpec:
        """The target task's recipe for ``model``: ``target.train`` with ``target.models.<model>`` merged over it.

        The one place of the rule; every reader of the target recipe of a model goes through it. A key of
        ``target.train`` set explicitly with ``-S`` beats the model's value for that key (an explicit
        override beats a value found elsewhere, as for the tuned learning rate), unless ``-S`` set the
        model's key too (``target.models.<model>.<key>``, or a mapping above it).
        """
        changes = {
            key: value
            for key, value in self.target.models.get(check_choice("model", model, self.models), {}).items()
            if self.is_overridden(f"target.models.{model}.{key}") or not self.is_overridden(f"target.train.{key}")
        }
        return _merged_recipe(self.target.train, changes, "params", f"target.models.{model}")


def load(
    params: str | Path = "params.yaml",
    overrides: typing.Sequence[str] = (),
    profile: str | None = None,
) -> Config:
    """Load ``params`` strictly; ``overrides`` are ``dotted.key=value`` strings, ``profile`` wins over both."""
    path = Path(params)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: parameters file not found (run from the repository root or pass --params)"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(err, 'problem', err)})") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of parameters at the top level")

    parsed = [_parse_override(text) for text in overrides]
    for key, value in parsed:
        if key == "profile":
            profile = profile or value
    profile = profile if profile is not None else raw.get("profile")
    check_choice(f"{path}: profile", profile, PROFILES)
    raw["profile"] = profile

    tree = _resolve_profile(raw, profile, prefix="")
    for key, value in parsed:
        if key != "profile":
            _set_dotted(tree, key, value)
    config = _build(Config, tree, str(path), "")
    _validate(config, str(path))
    return dataclasses.replace(config, overridden=frozenset(key for key, _ in parsed))


def check_choice(what: str, value: Any, allowed: typing.Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(f"{what}: unknown value {value!r} (allowed: {', '.join(map(str, allowed))})")
    return value


def check_number(what: str, name: str, value: int | float) -> int | float:
    """``value`` if it is finite and allowed for a key named ``name`` (e.g. ``lr``, ``seed``), else a
    ConfigError naming ``what``. The one range check of params.yaml values and of the CLI's flags."""
    allowed, ok = _RANGES.get(name, _POSITIVE)
    if not math.isfinite(value):  # nan fails every comparison and inf passes `> 0`: check it first
        raise ConfigError(f"{what} must be a finite number, got {value}")
    if not ok(value):
        raise ConfigError(f"{what} must be {allowed}, got {value}")
    return value


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader (YAML 1.1), except that a key given twice in one mapping is an error: PyYAML
    silently keeps the last one, so a second `profile:` line would quietly switch the profile."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            # `<<: *anchor` merges a mapping whose keys may be overridden; other keys in params are scalars
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"duplicate key {key!r}, first on line {seen[key]}", problem_mark=key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


# -- profile blocks and overrides ------------------------------------------------------------------


def _resolve_profile(node: Any, profile: str, prefix: str) -> Any:
    """Merge the active profile's sub-block of every mapping over that mapping; drop the other's."""
    if not isinstance(node, dict):
        return copy.deepcopy(node)
    own = {k: _resolve_profile(v, profile, f"{prefix}{k}.") for k, v in node.items() if k not in PROFILES}
    override = node.get(profile)
    if override is None or prefix == "":  # the top-level `profile:` key is a choice, not a block
        return own
    if not isinstance(override, dict):
        raise ConfigError(f"params: {prefix}{profile}: a profile block must be a mapping")
    return _merge(own, _resolve_profile(override, profile, f"{prefix}{profile}."), f"{prefix}{profile}.")


def _merge(base: dict, override: dict, prefix: str) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if key not in base:
            raise ConfigError(
                f"params: unknown key '{prefix}{key}' in a profile block (allowed: {', '.join(base) or 'none'})"
            )
        if isinstance(value, dict) and isinstance(base[key], dict):
            merged[key] = _merge(base[key], value, f"{prefix}{key}.")
        else:
            merged[key] = value
    return merged


def _parse_override(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r}: expected KEY=VALUE, e.g. -S tasks.sts-b.train.lr=2e-5")
    try:
        return key.strip(), yaml.load(value, Loader=_StrictLoader) if value.strip() else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"override {text!r}: the value is not valid YAML ({getattr(err, 'problem', err)})") from err


def _set_dotted(tree: dict, key: str, value: Any) -> None:
    node = tree
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            allowed = ", ".join(node) if isinstance(node, dict) else "none: not a mapping"
            raise ConfigError(f"override {key}: unknown key '{'.'.join(parts[: depth + 1])}' (allowed: {allowed})")
        if depth < len(parts) - 1:
            node = node[part]
    node[parts[-1]] = value


# -- typed construction ----------------------------------------------------------------------------


def _build(kind: Any, value: Any, source: str, key: str) -> Any:
    """Convert plain YAML data into ``kind`` (a dataclass or typing annotation), strictly."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: '{key or '<top>'}' must be a mapping, got {_typename(value)}")
        fields = {f.name: f for f in _parameters(kind)}
        hints = typing.get_type_hints(kind)
        unknown = [k for k in value if k not in fields]
        if unknown:
            raise ConfigError(
                f"{source}: unknown key '{_join(key, unknown[0])}' (allowed: {', '.join(fields)})"
            )
        args = {}
        for name, field in fields.items():
            if name not in value:
                if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                    raise ConfigError(f"{source}: missing key '{_join(key, name)}'")
                continue
            args[name] = _build(hints[name], value[name], source, _join(key, name))
        return kind(**args)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        inner = [o for o in options if o is not type(None)]
        for option in inner[:-1]:
            with contextlib.suppress(ConfigError):
                return _build(option, value, source, key)
        return _build(inner[-1], value, source, key)
    if origin is dict:
        key_type, value_type = typing.get_args(kind)
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: '{key}' must be a mapping, got {_typename(value)}")
        return {str(k): _build(value_type, v, source, _join(key, str(k))) for k, v in value.items()}
    if origin is tuple:
        (item_type, _) = typing.get_args(kind)
        if not isinstance(value, list):
            raise ConfigError(f"{source}: '{key}' must be a list, got {_typename(value)}")
        return tuple(_build(item_type, v, source, f"{key}[{i}]") for i, v in enumerate(value))
    return _scalar(kind, value, source, key)


def _scalar(kind: type, value: Any, source: str, key: str) -> Any:
    if kind is float:
        # YAML 1.1 (PyYAML) reads `2e-5` as a string; accept numeric strings for float keys.
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # an integer beyond the float range: reported as not finite in _validate
                return math.inf
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is str:
        if isinstance(value, str):
            return value
    elif isinstance(value, kind):
        return value
    raise ConfigError(f"{source}: '{key}' must be {kind.__name__}, got {_typename(value)} {value!r}")


def _validate(config: Config, source: str) -> None:
    from xstilts import tasks as task_registry

    known_tasks = task_registry.registry()
    for name in config.tasks:
        check_choice(f"{source}: tasks.{name}", name, known_tasks)
    for name in config.grid.models:
        check_choice(f"{source}: grid.models", name, config.models)
    for name in config.grid.tasks:
        check_choice(f"{source}: grid.tasks", name, config.tasks)
    check_choice(f"{source}: target.selection", config.target.selection, SELECTIONS)
    for name, changes in config.target.models.items():  # names and types here, ranges with every number below
        check_choice(f"{source}: target.models", name, config.models)
        _merged_recipe(config.target.train, changes, source, f"target.models.{name}")
    for name, model in config.models.items():
        check_choice(f"{source}: models.{name}.tiny.family", model.tiny.family, MODEL_FAMILIES)
        check_choice(f"{source}: models.{name}.tiny.tokenizer", model.tiny.tokenizer, TOKENIZER_KINDS)
    for kind, spec in dataclasses.asdict(config.cluster).items():
        for key, pattern, example in (("mem", _SLURM_MEM, "16G"), ("time", _SLURM_TIME, "12:00:00 or 1-00:00:00")):
            if not re.fullmatch(pattern, spec[key]):
                raise ConfigError(f"{source}: 'cluster.{kind}.{key}' must be in SLURM's format, e.g. {example}; "
                                  f"got {spec[key]!r}")  # fmt: skip
    for split in config.data.ud.sha256:
        check_choice(f"{source}: data.ud.sha256", split, UD_SPLITS)
    for key, name, value in _numbers(config, "", ""):
        check_number(f"{source}: '{key}'", name, value)
    # what a single value's range cannot say
    if len(set(config.grid.seeds)) != len(config.grid.seeds) or not config.grid.seeds:
        raise ConfigError(f"{source}: 'grid.seeds' must be a non-empty list of distinct integers")
    if len(set(config.languages)) != len(config.languages) or "en" not in config.languages:
        raise ConfigError(f"{source}: 'languages' must list distinct language codes including 'en'")
    for name, spec in config.tasks.items():
        if known_tasks[name].family == "baseline":
            continue
        for key in ("train", "lr_range"):
            if getattr(spec, key) is None:
                raise ConfigError(f"{source}: missing key 'tasks.{name}.{key}' (only the baseline does not train)")
        if len(spec.lr_range) != 2 or not 0 < spec.lr_range[0] < spec.lr_range[1]:
            raise ConfigError(f"{source}: 'tasks.{name}.lr_range' must be [low, high] with 0 < low < high")


def _merged_recipe(train: TrainSpec, changes: dict, source: str, key: str) -> TrainSpec:
    """``train`` with ``changes`` (a subset of its keys) merged over it, built as strictly as the file."""
    return _build(TrainSpec, {**dataclasses.asdict(train), **changes}, source, key)


def _numbers(value: Any, key: str, name: str) -> typing.Iterator[tuple[str, str, int | float]]:
    """(dotted key, key's last name, number) for every number in a built configuration; a list's items
    go by the list's name (``grid.seeds[0]`` is a ``seeds``)."""
    if dataclasses.is_dataclass(value):
        for field in _parameters(type(value)):
            yield from _numbers(getattr(value, field.name), _join(key, field.name), field.name)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, _join(key, k), k)
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{key}[{i}]", name)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield key, name, value


def _parameters(kind: type) -> list[dataclasses.Field]:
    """The fields of a config dataclass that are parameters (not records such as `Config.overridden`)."""
    return [f for f in dataclasses.fields(kind) if f.metadata.get("parameter", True)]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _typename(value: Any) -> str:
    return "null" if value is None else type(value).__name__
