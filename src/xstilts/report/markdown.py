"""The report's markdown: summary verdicts, per-model tables, language groups, published numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xstilts import stats, typology
from xstilts.report.analysis import ALPHA, Analysis

NOT_COMPARABLE = "not comparable: smoke profile (synthetic data, tiny models)"
METRIC_LABELS = {"las": "LAS", "uas": "UAS", "spearman": "Spearman", "pearson": "Pearson", "acc": "accuracy"}

_T5 = "XTREME leaderboard, as reproduced in the google-research/multilingual-t5 README"
# Published zero-shot XNLI test accuracy, 15-language average: (system, avg, our model, our condition to
# show beside it ("best": the best condition of that model), the source the number is taken from).
REFERENCES = [
    ("mBERT (bert-base-multilingual-cased)", 65.4, "mbert", "none",
     f"XTREME (Hu et al. 2020, arXiv 2003.11080); {_T5}"),
    ("XLM-R base", 76.2, "xlmr", "none",
     "XLM-R paper (Conneau et al. 2020, arXiv 1911.02116), as listed in the microsoft/mdeberta-v3-base model card"),
    ("XLM-R large", 79.2, "xlmr-large", "none", _T5),
    ("X-STILTs (XLM-R large, best intermediate task per target)", 80.4, "xlmr-large", "best",
     f"Phang et al. 2020 (arXiv 2005.13013); {_T5}"),
]
SELECTION_WORDS = {
    "final": "the last checkpoint after the fixed training budget (no checkpoint selection)",
    "best-en-dev": "the checkpoint with the best English XNLI dev accuracy (XTREME practice; Keung et al. 2020, "
    "arXiv 2004.15001, show that it makes zero-shot results unstable)",
}


def render(cfg, analyses: dict[str, Analysis], n_runs, n_boot, boot_seed, figures: list[str]) -> str:
    """The report's markdown; ``figures`` are paths relative to the markdown file."""
    first = next(iter(analyses.values()))
    label = {t: f"{t} ({first.family[t]})" for t in first.conditions}
    n = len(cfg.languages)
    lines = ["# Zero-shot XNLI after syntactic vs semantic English intermediate-task training", ""]
    if cfg.profile == "smoke":
        lines += ["> **Smoke profile**: synthetic data and tiny models. These numbers exercise the pipeline; "
                  "they are not findings.", ""]
    lines += [
        f"Profile `{cfg.profile}`; {n_runs} evaluate runs, all FINISHED (models {', '.join(cfg.grid.models)}; "
        f"conditions {', '.join(label.values())}; seeds {', '.join(map(str, cfg.grid.seeds))}).",
        f"Checkpoint selection in force (tag `xstilts.selection`): `{cfg.target.selection}`: "
        f"{SELECTION_WORDS.get(cfg.target.selection, cfg.target.selection)}.",
        f"Statistics: paired bootstrap over XNLI test pairs (the pair ids are resampled once for all {n} languages, "
        f"whose test sets are translations of one another) combined with resampling the seeds within each condition; "
        f"{n_boot} replicates, RNG seed {boot_seed}; 95% percentile intervals; two-sided bootstrap p-values; Holm and "
        f"Benjamini–Hochberg adjustment over the {n} languages. Accuracies and Δ in points (%).",
    ]
    floor = 2 / (n_boot + 1)  # the smallest p-value n_boot replicates can give
    if floor * n >= ALPHA:
        lines.append(f"Note: with {n_boot} replicates the smallest attainable p is {floor:.4f}, so Holm cannot flag "
                     f"any language at {ALPHA} over {n} tests; use more replicates "
                     f"(default {stats.DEFAULT_REPLICATES}).")
    lines += ["", "## Summary", ""] + [f"- **{model}**: {_verdict(a)}" for model, a in analyses.items()]
    for model, a in analyses.items():
        lines += ["", f"## {model}", ""] + _model_sections(a, label)
    lines += ["", f"## Published reference numbers (XNLI zero-shot test accuracy, {n}-language average)", ""]
    lines += _references(cfg, analyses)
    lines += ["", "## Figures", ""] + [f"![{Path(name).stem}]({name})" for name in figures]
    return "\n".join(lines) + "\n"


def _verdict(a: Analysis) -> str:
    c, n = a.contrast, len(a.languages)
    syn, sem = ", ".join(a.syntactic), ", ".join(a.semantic)
    size = f"by {100 * abs(c.estimate[-1]):.2f} points on the {n}-language average"
    numbers = f"syntactic − semantic = {_signed(c.estimate[-1])}, 95% CI {_ci(c, -1)}, p = {_p(c.p_value[-1])}"
    significant = (f"{(a.holm < ALPHA).sum()} of {n} languages differ significantly after Holm correction "
                   f"({(a.bh < ALPHA).sum()} after Benjamini–Hochberg)")
    if c.low[-1] > 0:
        head = f"Syntactic training ({syn}) gives higher XNLI accuracy than semantic training ({sem}) {size}"
    elif c.high[-1] < 0:
        head = f"Semantic training ({sem}) gives higher XNLI accuracy than syntactic training ({syn}) {size}"
    else:
        head = f"No reliable difference between syntactic ({syn}) and semantic ({sem}) training"
    moves = []
    for t, e in a.vs_none.items():
        word = "raises" if e.low[-1] > 0 else "lowers" if e.high[-1] < 0 else "does not reliably move"
        moves.append(f"{t} {word} accuracy vs no intermediate task ({_signed(e.estimate[-1])}, CI {_ci(e, -1)})")
    return f"{head} ({numbers}); {significant}. Against the baseline: {'; '.join(moves)}."


def _model_sections(a: Analysis, label: dict[str, str]) -> list[str]:
    langs, test, c = a.languages, a.acc["test"], a.contrast
    out = ["### XNLI test accuracy by language and condition (mean ± sd over seeds; Δ vs none with 95% CI)", ""]
    header = ["language"] + [x for t in a.conditions for x in ([label[t]] + (["Δ vs none"] if t != "none" else []))]
    rows = []
    for i, code in enumerate(langs + ["**avg**"]):
        row = [code]
        for t in a.conditions:
            row.append(_mean_sd(test[t][:, i] if i < len(langs) else test[t].mean(axis=1)))
            if t != "none":
                row.append(f"{_signed(a.vs_none[t].estimate[i])} {_ci(a.vs_none[t], i)}")
        rows.append(row)
    out += _table(header, rows)

    out += ["", f"### Syntactic − semantic contrast ({', '.join(a.syntactic)} − {', '.join(a.semantic)})", "",
            "Test: paired bootstrap over test pairs × seeds (a family's accuracy is the mean of its tasks). "
            "W/T/L: win if the 95% CI is above 0, loss if below, tie if it includes 0.", ""]
    rows = [[code, _signed(c.estimate[i]), _ci(c, i), _p(c.p_value[i]), _p(a.holm[i]), _p(a.bh[i]), _wtl(c, i)]
            for i, code in enumerate(langs)]
    rows.append(["**avg**", _signed(c.estimate[-1]), _ci(c, -1), _p(c.p_value[-1]), "", "", _wtl(c, -1)])
    out += _table(["language", "Δ", "95% CI", "p", "p (Holm)", "p (BH)", "W/T/L"], rows)

    out += ["", "### Win / tie / loss over languages (tie: the 95% CI includes 0)", ""]
    rows = []
    for name, e in [("syntactic − semantic", c)] + [(f"{t} − none", e) for t, e in a.vs_none.items()]:
        marks = [_wtl(e, i) for i in range(len(langs))]
        rows.append([name] + [str(marks.count(m)) for m in "WTL"])
    out += _table(["comparison", "wins", "ties", "losses"], rows)

    out += ["", "### Syntactic − semantic by language group", "",
            f"Word order: {typology.WORD_ORDER_SOURCE}; * = value not re-read from the WALS data in this project "
            f"(see `xstilts.typology`). Script: {typology.SCRIPT_SOURCE}.", ""]
    rows = []
    for dimension, by_group in a.groups.items():
        for name, (members, e) in by_group.items():
            unverified = {m for m in members if not (typology.get(m) and typology.get(m).verified)}
            shown = [m + ("*" if m in unverified and dimension.startswith("word order") else "") for m in members]
            rows.append([dimension, name, " ".join(shown), _signed(e.estimate[0]), _ci(e, 0)])
    out += _table(["grouping", "group", "languages", "mean Δ", "95% CI"], rows)

    out += ["", "### Agreement between XNLI dev and test (per-language Δ, mean over seeds)", ""]
    rows = [[g["comparison"], _num(g["r"]), f"{g['same_sign']}/{len(langs)}", _signed(g["dev"]), _signed(g["test"])]
            for g in a.agreement]
    out += _table(["comparison", "Pearson r (dev Δ, test Δ)", "same sign", "avg Δ dev", "avg Δ test"], rows)

    out += ["", "### Intermediate tasks' own dev scores beside their XNLI effect", "",
            "Is a better parser a better XNLI encoder? r: Pearson correlation over runs between the task's dev score "
            "and the run's language-average XNLI test accuracy (n/a below 3 runs).", ""]
    rows = []
    for t, own in a.own.items():
        e, name = a.vs_none[t], METRIC_LABELS.get(own["metric"], own["metric"])
        score = _mean_sd(own["values"]) if len(own["values"]) else "n/a"
        rows.append([label[t], ", ".join(own["lr"]), f"dev {name}", score, f"{_signed(e.estimate[-1])} {_ci(e, -1)}",
                     _num(own["r"]), str(own["n"])])
    out += _table(["task", "lr", "metric", "score (×100, mean ± sd)", "XNLI Δ vs none (avg)", "r", "runs"], rows)
    return out


def _references(cfg, analyses: dict[str, Analysis]) -> list[str]:
    rows = []
    for system, value, model, condition, source in REFERENCES:
        a = analyses.get(model)
        if a is None:
            ours = f"— ({model} not in grid.models)"
        else:
            shown = max(a.conditions, key=lambda t: a.acc["test"][t].mean()) if condition == "best" else condition
            ours = f"{100 * a.acc['test'][shown].mean():.1f} ({model}, {shown})"
        if cfg.profile == "smoke":
            note = NOT_COMPARABLE
        elif condition == "best":
            note = "X-STILTs chose among other intermediate tasks (e.g. MNLI, SQuAD)"
        else:
            note = "same protocol"
        rows.append([system, f"{value:.1f}", source, ours, note])
    return _table(["published system", "avg", "source", "this run", "comparability"], rows)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _signed(x) -> str:
    return f"{100 * x:+.2f}"


def _ci(e: stats.Estimate, i: int) -> str:
    return f"[{100 * e.low[i]:+.2f}, {100 * e.high[i]:+.2f}]"


def _p(p) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _num(x) -> str:
    return f"{x:+.2f}" if np.isfinite(x) else "n/a"


def _mean_sd(values: np.ndarray) -> str:
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{100 * values.mean():.2f} ± {100 * sd:.2f}"


def _wtl(e: stats.Estimate, i: int) -> str:
    return "W" if e.low[i] > 0 else "L" if e.high[i] < 0 else "T"
