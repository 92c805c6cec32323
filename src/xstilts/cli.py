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

from xstilts import __version__, distributed
from xstilts.errors import XstiltsError

log = logging.getLogger("xstilts")


def _config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration")
    group.add_argument("--params", default="params.yaml", help="parameters file (default: %(default)s)")
    group.add_argument(
        "--profile",
        type=lambda text: text or None,  # "" (MLproject's default) means: the profile in the parameters file
        help="smoke or paper (default: `profile` in the parameters file)",
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


@functools.cache
def _grid_help() -> dict[str, str]:
    """What --help says about --model/--task/--seed: the names and defaults of ./params.yaml (read as plain
    YAML, so that --help stays fast; the strict check runs when a command loads the configuration)."""
    import yaml

    try:
        with open("params.yaml", encoding="utf-8") as file:
            params = yaml.safe_load(file)
        grid = params["grid"]
        return {"models": ", ".join(params["models"]), "tasks": ", ".join(params["tasks"]),
                "model": grid["models"][0], "task": grid["tasks"][0], "seed": str(grid["seeds"][0])}  # fmt: skip
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):  # not in a project: say where they come from
        return {
            "models": "the keys of models: in params.yaml", "tasks": "the keys of tasks: in params.yaml",
            "model": "first of grid.models", "task": "first of grid.tasks", "seed": "first of grid.seeds",
        }  # fmt: skip


def _cell_options(parser: argparse.ArgumentParser, task: bool = True, lr: bool = False, seed: bool = True) -> None:
    """--model/--task/--seed; empty values (MLproject's defaults) mean the first entry of the grid."""
    known = _grid_help()
    parser.add_argument("--model", default="", help=f"one of {known['models']} (default: {known['model']})")
    if task:
        parser.add_argument("--task", default="", help=f"intermediate task, one of {known['tasks']} "
                            f"(default: {known['task']})")  # fmt: skip
    if seed:
        parser.add_argument("--seed", default="", help=f"integer in [0, 2^32-1] (default: {known['seed']})")
    if lr:
        parser.add_argument(
            "--lr", default="",
            help="learning rate (default, in this order: -S tasks.<task>.train.lr, the tuned rate in "
            "results/<model>/<task>/tuned_lr.json when tune.use_tuned_lr, tasks.<task>.train.lr in params.yaml)",
        )  # fmt: skip
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
    given = str(getattr(args, "seed", ""))
    seed = _number("--seed", given, int, "seed") if given != "" else cfg.grid.seeds[0]
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


def cmd_launch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xstilts import config, launch
    from xstilts.errors import ConfigError

    if args.launch_command == "status":
        print(launch.status(Path.cwd()))
        return 0
    if args.launch_command == "cancel":
        print(launch.cancel(Path.cwd()))
        return 0
    # the jobs run dvc.yaml with params.yaml as it is: -S may size the jobs, not change what they compute
    for item in args.overrides:
        if not item.startswith("cluster."):
            raise ConfigError(f"launch: -S {item}: only cluster.* can be set here (the jobs run params.yaml as it "
                              "is; change the pipeline's parameters in params.yaml)")  # fmt: skip
    # times and sizes are strings to SLURM, not YAML's numbers (YAML 1.1 reads 24:00:00 as 86400)
    overrides = [
        f"{key}={json.dumps(value)}" if key.rsplit(".", 1)[-1] in ("time", "mem") and value[:1] not in "\"'" else item
        for item in args.overrides
        for key, _, value in [item.partition("=")]
    ]
    cfg = config.load(args.params, overrides)
    print(launch.slurm(cfg, Path.cwd(), partition=args.partition or None, uri=args.tracking_uri or None,
                       dry_run=args.dry_run))  # fmt: skip
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
        description="One pretrained model per name, shared by every seed of the later phases (its own seed is "
        "pretrained.seed in params.yaml).",
    )
    _cell_options(pre, task=False, seed=False)
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
        "the tracking store, computes everything once into reports/analysis.json and renders from it "
        "reports/xnli_syntactic_vs_semantic.md, xnli_results.csv, metrics.json (numbers only), figures/ and "
        "plots/ (dvc plots); the run ids behind it go to reports/runs.json; logs them as an MLflow run (phase report).",
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

    lau = commands.add_parser(
        "launch",
        help="run the DVC pipeline on a SLURM cluster: one job per stage that is not up to date (docs/cluster.md)",
    )
    lau_commands = lau.add_subparsers(dest="launch_command", required=True, metavar="ACTION")
    slu = lau_commands.add_parser(
        "slurm",
        help="submit a job per stage that is not up to date, with afterok dependencies along the DVC DAG",
        description="Submits `dvc repro --single-item <stage>` as one sbatch job per stage that `dvc status` "
        "reports (and every stage downstream of one), each after the jobs of its upstream stages "
        "(--dependency=afterok), sized by params.yaml's cluster block. Run it in the repository root on a "
        "filesystem the nodes share. Again: submits only what is still missing (jobs still queued or running, "
        "recorded in logs/slurm/jobs.json, are not submitted twice). Logs: logs/slurm/<stage>-<job id>.log.",
    )
    slu.add_argument("--partition", default="", help="partition of every job (default: cluster.<kind>.partition, "
                     "else the cluster's default)")  # fmt: skip
    slu.add_argument("--tracking-uri", default="", help="MLflow tracking URI of the jobs (default: "
                     "$MLFLOW_TRACKING_URI, else sqlite:///mlflow.db here; relative paths made absolute)")  # fmt: skip
    slu.add_argument("--dry-run", action="store_true", help="print the job scripts and the dependency graph only")
    slu.add_argument("--params", default="params.yaml", help="parameters file (default: %(default)s)")
    slu.add_argument("-S", "--set", dest="overrides", action="append", default=[], metavar="cluster.KEY=VALUE",
                     help="override a job resource, e.g. -S cluster.target.time=24:00:00 (repeatable)")  # fmt: skip
    lau_commands.add_parser("status", help="the recorded jobs, their state in squeue, their logs")
    lau_commands.add_parser("cancel", help="scancel every recorded job that is still queued or running")
    lau.set_defaults(func=cmd_launch)

    ev = commands.add_parser("evaluate", help="zero-shot XNLI dev + test in all languages for one trained target model")
    _cell_options(ev)
    ev.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(  # the other ranks of a torchrun launch say only what goes wrong: rank 0 tells the story
        level=logging.DEBUG if args.verbose else logging.INFO if distributed.is_main() else logging.WARNING,
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
