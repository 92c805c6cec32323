"""Command line: one subcommand per phase. Parses, validates, dispatches; the work is in plain functions.

Heavy libraries (torch, transformers, datasets, mlflow) are imported inside the commands that need them:
DVC starts one process per stage, and `xstilts --help` / `xstilts data check` must stay fast.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys

from xstilts import __version__
from xstilts.errors import XstiltsError

log = logging.getLogger("xstilts")


def _config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration")
    group.add_argument("--params", default="params.yaml", help="parameters file (default: %(default)s)")
    group.add_argument(
        "--profile",
        type=lambda text: text or None,  # "" (MLproject's default) means: the profile in the parameters file
        help="smoke or paper; overrides `profile` in the parameters file",
    )
    group.add_argument(
        "-S",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one parameter, e.g. -S tasks.sts-b.train.lr=2e-5 (repeatable)",
    )


def _load_config(args: argparse.Namespace):
    from xstilts import config

    return config.load(args.params, args.overrides, args.profile)


def cmd_data_check(args: argparse.Namespace) -> int:
    from xstilts.data.check import check

    print(json.dumps(check(args.kind, args.path), ensure_ascii=False))
    return 0


def cmd_score_ud(args: argparse.Namespace) -> int:
    from xstilts.score import score_ud

    print(json.dumps(score_ud(args.gold, args.system)))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    cfg = _load_config(args)
    from xstilts.config import check_choice
    from xstilts.data import fetch

    if cfg.profile != "paper":
        print(f"profile {cfg.profile}: nothing to fetch (its data and models are built locally); "
              "the paper profile's: xstilts fetch --profile paper")  # fmt: skip
        return 0
    names = [name.strip() for name in args.models.split(",") if name.strip()] if args.models else list(cfg.models)
    models = [check_choice("--models", name, cfg.models) for name in names]
    print(fetch.format_table(fetch.fetch(cfg, models)))
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    cfg = _load_config(args)
    from xstilts import prepare

    prepare.run(cfg, step=args.step)
    return 0


def _cell_options(parser: argparse.ArgumentParser, task: bool = True, lr: bool = False) -> None:
    """--model/--task/--seed; empty values (MLproject's defaults) mean the first entry of the grid."""
    parser.add_argument("--model", default="", help="model name (default: first of grid.models)")
    if task:
        parser.add_argument("--task", default="", help="intermediate task (default: first of grid.tasks)")
    parser.add_argument("--seed", default="", help="seed (default: first of grid.seeds)")
    if lr:
        parser.add_argument("--lr", default="", help="learning rate (default: the task's value in params.yaml)")
    parser.add_argument(
        "--no-upstream",
        dest="upstream",
        action="store_false",
        help="fail instead of producing missing upstream outputs with `dvc repro`",
    )
    _config_options(parser)


def _cell(args: argparse.Namespace):
    """(cfg, grid cell, --lr or None) with the grid's defaults filled in and every value validated."""
    from xstilts.config import check_choice
    from xstilts.grid import Cell

    cfg = _load_config(args)
    model = check_choice("--model", args.model or cfg.grid.models[0], cfg.models)
    task = check_choice("--task", getattr(args, "task", "") or cfg.grid.tasks[0], cfg.tasks)
    seed = _number("--seed", args.seed, int, "seed") if str(args.seed) != "" else cfg.grid.seeds[0]
    lr = _number("--lr", args.lr, float, "lr") if getattr(args, "lr", "") not in ("", None) else None
    return cfg, Cell(model, task, seed), lr


def _ensure_upstream(args: argparse.Namespace, cfg, phase: str, cell) -> None:
    """Produce what ``phase`` needs upstream, unless --no-upstream (xstilts.upstream); through `dvc repro`
    when dvc.yaml has stages for this cell with exactly this configuration."""
    from xstilts import upstream

    if not args.upstream:
        return
    as_in_file = not args.overrides and args.params == "params.yaml" and args.profile in (None, cfg.profile)
    in_grid = cell.model in cfg.grid.models and cell.task in cfg.grid.tasks and cell.seed in cfg.grid.seeds
    upstream.ensure(cfg, phase, cell, in_grid=as_in_file and in_grid)


def cmd_pretrained(args: argparse.Namespace) -> int:
    cfg, cell, _ = _cell(args)
    from xstilts import phases

    _ensure_upstream(args, cfg, "pretrained", cell)
    phases.pretrained(cfg, cell.model)
    return 0


def cmd_intermediate(args: argparse.Namespace) -> int:
    cfg, cell, cli_lr = _cell(args)
    from xstilts import phases

    _ensure_upstream(args, cfg, "intermediate", cell)
    phases.intermediate(cfg, cell, phases.learning_rate(cfg, cell.model, cell.task, cli_lr))
    return 0


def cmd_target(args: argparse.Namespace) -> int:
    cfg, cell, _ = _cell(args)
    from xstilts import phases

    _ensure_upstream(args, cfg, "target", cell)
    _, net, tokenizer = phases.target(cfg, cell)
    if args.evaluate:
        phases.evaluate(cfg, cell, net, tokenizer)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    cfg, cell, _ = _cell(args)
    from xstilts import phases

    _ensure_upstream(args, cfg, "evaluate", cell)
    phases.evaluate(cfg, cell)
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    cfg, cell, _ = _cell(args)  # the seed seeds the sampler and the trials
    n_trials = _number("--n-trials", args.n_trials, int, "n_trials") if args.n_trials not in ("", None) else None
    from xstilts import phases, tasks, tune

    if tasks.get(cell.task).head is not None:
        _ensure_upstream(args, cfg, "intermediate", cell)  # the trials train from the pretrained model
    train_trial = functools.partial(phases.intermediate_trial, cfg, cell.model, cell.task, cell.seed)
    tune.run(cfg, cell.model, cell.task, train_trial, n_trials, args.storage or None, args.study_name or None,
             cell.seed)  # fmt: skip
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    cfg = _load_config(args)
    from xstilts import report

    spec = cfg.report
    summary = report.run(
        cfg, n_boot=spec.bootstrap_replicates, boot_seed=spec.bootstrap_seed, curve_seeds=spec.curve_seeds
    )
    for path in summary["files"]:
        print(path)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from xstilts.perf import bench

    result = bench.run(device=args.device, size=args.size)
    if args.json:
        print(json.dumps(result))  # one JSON object as the last line
    else:
        print(bench.format_table(result))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    cfg = _load_config(args)
    from xstilts.perf import plan

    print(plan.run(cfg))
    return 0


def _number(flag: str, text: str, kind: type, name: str) -> int | float:
    """``text`` of ``flag`` as ``kind``, in the range that params.yaml allows for the key ``name``, so a
    flag and the parameter it stands for (--seed / grid.seeds, --lr / tasks.<task>.train.lr) obey one rule."""
    from xstilts.config import check_number
    from xstilts.errors import ConfigError

    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{flag} must be {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    return check_number(flag, name, value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xstilts",
        description="Syntactic vs semantic English intermediate-task training and zero-shot XNLI (X-STILTs).",
    )
    parser.add_argument("--version", action="version", version=f"xstilts {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = commands.add_parser("data", help="inspect dataset files")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    check = data_commands.add_parser(
        "check",
        help="validate one file in its canonical format and print its counts as JSON",
        description="Validate one file; print a JSON object of counts, or `PATH:LINE: problem` and exit 1.",
    )
    check.add_argument("kind", choices=("xnli", "mnli", "sts-b", "ud"), metavar="KIND", help="xnli, mnli, sts-b or ud")
    check.add_argument("path", metavar="PATH")
    check.set_defaults(func=cmd_data_check)

    score = commands.add_parser("score", help="score system output against gold")
    score_commands = score.add_subparsers(dest="score_command", required=True, metavar="ACTION")
    score_ud = score_commands.add_parser(
        "ud",
        help="UAS/LAS of a CoNLL-U parse against gold, as the CoNLL 2018 official scorer counts them",
        description="Print {uas, las, uas_nopunct, las_nopunct, words, words_nopunct} as JSON (gold tokenization: "
        "both files must have the same sentences and words), or `PATH:LINE: problem` and exit 1.",
    )
    score_ud.add_argument("gold", metavar="GOLD", help="gold CoNLL-U file")
    score_ud.add_argument("system", metavar="SYSTEM", help="system CoNLL-U file (same tokens, predicted HEAD/DEPREL)")
    score_ud.set_defaults(func=cmd_score_ud)

    fet = commands.add_parser(
        "fetch",
        help="download the paper profile's datasets and checkpoints once, for offline runs afterwards",
        description="Download every file the paper profile reads (XNLI, MNLI, STS-B and UD English-EWT at "
        "their pinned revisions, and the pinned checkpoints of --models) into data/downloads/ (or "
        "$XSTILTS_DOWNLOADS), where `prepare --step raw` and `pretrained` take them from; files already there "
        "are kept, and the Hugging Face cache is used when it holds a file. With HF_HUB_OFFLINE set, or "
        "without network, it downloads nothing and lists every missing file with where to put it and its URL "
        "(exit 1).",
    )
    fet.add_argument(
        "--models", default="", metavar="M1,M2", help="comma-separated model names (default: every model in models)"
    )
    _config_options(fet)
    fet.set_defaults(func=cmd_fetch)

    prep = commands.add_parser(
        "prepare",
        help="place (paper) or generate (smoke) the raw data, then write data/prepared/",
        description="raw: place the hub/UD files from data/downloads/ (paper; see `xstilts fetch`) or generate "
        "the synthetic data (smoke) into data/raw/; prepared: convert data/raw/ into tokenizer-independent "
        "parquet in data/prepared/.",
    )
    prep.add_argument("--step", choices=("raw", "prepared", "all"), default="all")
    _config_options(prep)
    prep.set_defaults(func=cmd_prepare)

    pre = commands.add_parser(
        "pretrained",
        help="phase (i): build + warm up the tiny model (smoke) or snapshot the hub model (paper)",
    )
    _cell_options(pre, task=False)
    pre.set_defaults(func=cmd_pretrained)

    inter = commands.add_parser("intermediate", help="phase (ii): train the pretrained encoder on an intermediate task")
    _cell_options(inter, lr=True)
    inter.set_defaults(func=cmd_intermediate)

    tgt = commands.add_parser("target", help="phase (iii): fresh NLI head on the intermediate encoder, trained on MNLI")
    _cell_options(tgt)
    tgt.add_argument(
        "--evaluate",
        action="store_true",
        help="then evaluate zero-shot XNLI in the same process (saves a process start per grid cell)",
    )
    tgt.set_defaults(func=cmd_target)

    tun = commands.add_parser(
        "tune",
        help="Optuna search of an intermediate task's learning rate (nested MLflow runs, resumable study)",
        description="Search the learning rate of --task (log-uniform in tasks.<task>.lr_range) to maximise its "
        "dev metric. Running it again with the same study name adds trials to the same study.",
    )
    _cell_options(tun)
    tun.add_argument("--n-trials", default="", help="trials to add (default: tune.n_trials in params.yaml)")
    tun.add_argument(
        "--storage",
        default="",
        help="Optuna storage: a SQLAlchemy URL (e.g. postgresql://user:pw@host/db) for several machines; "
        "default: the journal file .optuna/journal.log (safe for parallel workers on one machine)",
    )
    tun.add_argument("--study-name", default="", help="default: xstilts-<profile>-<model>-<task>-<hash of the search>")
    tun.set_defaults(func=cmd_tune)

    rep = commands.add_parser(
        "report",
        help="the syntactic-vs-semantic XNLI analysis of the grid's runs (reads the MLflow tracking store)",
        description="Reads the runs recorded in results/ for the cells of grid.* (FINISHED runs only) from "
        "the tracking store and writes reports/xnli_syntactic_vs_semantic.md, xnli_results.csv, "
        "metrics.json and figures/; logs them as an MLflow run (phase report).",
    )
    _config_options(rep)
    rep.set_defaults(func=cmd_report)

    ben = commands.add_parser(
        "bench",
        help="speed vs the usual recipe (padded evaluation and training), CPU MFU, report scaling, no-op repro",
        description="Runs each comparison in one process, alternating the two sides, and reports medians. "
        "--device cuda measures the paper-size models' GPU throughput instead (see docs/performance.md).",
    )
    ben.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    ben.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ben.add_argument("--size", choices=("tiny", "full"), default="full", help="tiny: a seconds-long check")
    ben.set_defaults(func=cmd_bench)

    pla = commands.add_parser(
        "plan",
        help="the compute plan: grid, training steps per phase, projected GPU-hours and disk",
    )
    _config_options(pla)
    pla.set_defaults(func=cmd_plan)

    ev = commands.add_parser("evaluate", help="zero-shot XNLI dev + test in all languages for one trained target model")
    _cell_options(ev)
    ev.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        return args.func(args)
    except XstiltsError as err:
        _close_progress_bars()
        print(err if err.__class__.__name__ == "DataError" else f"xstilts: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        _close_progress_bars()
        print("xstilts: interrupted", file=sys.stderr)
        return 130


def _close_progress_bars() -> None:
    """End the line of a progress bar that an error interrupted, so the error is a line of its own."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        bar.close()
