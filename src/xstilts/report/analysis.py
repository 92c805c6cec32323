"""What the report computes, as one plain-JSON dict (``reports/analysis.json``): the Markdown and the figures
are drawn from that dict only, so every number they show is in it, unrounded (accuracies and differences as
fractions; rendering multiplies by 100 and rounds).

Per model: accuracies per language and condition, the comparisons (syntactic − semantic, each task − none)
with bootstrap intervals, language groups, dev/test agreement, the intermediate tasks' own dev scores and
budgets, the transfer gap, target-task competence, checkpoint selection (:mod:`xstilts.report.selection`)
and the correlation with typological distance. :func:`adjust` then applies Holm and Benjamini–Hochberg over
the declared family of tests: every model × every comparison × every language.
"""

from __future__ import annotations

import math

import numpy as np

from xstilts import stats, tasks, tracking, typology
from xstilts.grid import Cell
from xstilts.report.selection import analyse as checkpoint_selection

SPLITS = ("dev", "test")
PHASES = ("intermediate", "target", "evaluate")
ALPHA = 0.05  # significance level of the per-language tests
LEVEL = 0.95  # interval level
MIN_SEEDS = 3  # fewer seeds: the spread over seeds is not shown (n/a), and the report says so at its top
CONTRAST = "syntactic − semantic"
BUDGET = ("train_examples", "train_steps", "train_tokens", "train_seconds")
BUDGET_CONFOUND = 2.0  # syntactic/semantic ratio of steps or tokens beyond which the verdict names the confound


def analyse(cfg, model, conditions, records, runs, evaluated, correct, histories, n_boot, boot_seed) -> dict:
    """The analysis of ``model`` (p-values unadjusted until :func:`adjust`): the runs' metrics, the paired
    bootstrap over ``correct`` (per cell, the ``[languages, pairs]`` test predictions), the target runs'
    per-epoch ``histories`` and what is derived from them."""
    langs, seeds = list(cfg.languages), list(cfg.grid.seeds)
    family = {t: tasks.get(t).family for t in conditions}
    syntactic = [t for t in conditions if family[t] == "syntactic"]
    semantic = [t for t in conditions if family[t] == "semantic"]
    cell = {(t, s): Cell(model, t, s) for t in conditions for s in seeds}
    acc = {
        split: {t: np.array([[evaluated[cell[t, s]].data.metrics[f"xnli_{split}_acc_{lang}"] for lang in langs]
                             for s in seeds]) for t in conditions}
        for split in SPLITS
    }
    boot = stats.bootstrap({t: np.stack([correct[cell[t, s]] for s in seeds]) for t in conditions}, n_boot, boot_seed)
    comparisons = [(CONTRAST, syntactic, semantic)]
    comparisons += [(f"{t} − none", [t], ["none"]) for t in conditions if t != "none"]
    point, reps = stats.difference(boot, syntactic, semantic)

    def run_of(t, s, phase):
        run_id = records[cell[t, s]][phase].get("run_id")
        return runs[run_id] if run_id else None

    return {
        "model": model,
        "syntactic": syntactic,
        "semantic": semantic,
        "runs": [{"task": t, "seed": s, **{p: records[cell[t, s]][p].get("run_id") for p in PHASES}}
                 for t in conditions for s in seeds],
        "accuracy": {split: {t: _spread(acc[split][t]) for t in conditions} for split in SPLITS},
        "average": {t: _estimate(stats.summarise(*stats.with_average(*stats.accuracy(boot, [t]))), -1)
                    for t in conditions},
        "comparisons": [_comparison(name, a, b, boot) for name, a, b in comparisons],
        "groups": _groups(langs, point, reps),
        "agreement": _agreement(acc, comparisons, len(langs)),
        "own": _own(conditions, family, seeds, acc, run_of, boot),
        "budget": _budget(conditions, family, seeds, run_of),
        "transfer_gap": _transfer_gap(langs, conditions, boot),
        "competence": _competence(conditions, seeds, acc, langs, run_of),
        "checkpoint_selection": checkpoint_selection(
            langs, conditions, seeds, syntactic, semantic,
            {(t, s): histories.get(records[cell[t, s]]["target"].get("run_id"), {}) for t in conditions for s in seeds},
        ),
        "typology": _typology(langs, point, reps),
    }


def adjust(models: dict[str, dict]) -> dict:
    """Holm and BH over the family of every model × comparison × language (written into each comparison as
    ``p_holm``/``p_bh``, with the counts of languages below ALPHA); returns the family's description."""
    flat = [(c, i) for m in models.values() for c in m["comparisons"] for i in range(len(c["p"]))]
    p = [c["p"][i] for c, i in flat]
    holm, bh = stats.holm(p), stats.benjamini_hochberg(p)
    for c in (c for m in models.values() for c in m["comparisons"]):
        c["p_holm"], c["p_bh"] = [None] * len(c["p"]), [None] * len(c["p"])
    for (c, i), h, b in zip(flat, holm, bh, strict=True):
        c["p_holm"][i], c["p_bh"][i] = float(h), float(b)
    for c in (c for m in models.values() for c in m["comparisons"]):
        c["significant_holm"] = sum(v < ALPHA for v in c["p_holm"])
        c["significant_bh"] = sum(v < ALPHA for v in c["p_bh"])
    first = next(iter(models.values()))
    return {"models": list(models), "comparisons": [c["name"] for c in first["comparisons"]],
            "languages": len(first["comparisons"][0]["p"]), "size": len(p), "alpha": ALPHA}


def _spread(values: np.ndarray) -> dict:
    """Mean and sd over seeds (rows) per language and of the language average; sd None below MIN_SEEDS."""
    enough = len(values) >= MIN_SEEDS
    average = values.mean(axis=1)
    return {"mean": values.mean(axis=0), "sd": values.std(axis=0, ddof=1) if enough else None,
            "avg_mean": average.mean(), "avg_sd": average.std(ddof=1) if enough else None}


def _estimate(e: stats.Estimate, i: int) -> dict:
    return {"estimate": e.estimate[i], "low": e.low[i], "high": e.high[i], "p": e.p_value[i]}


def _comparison(name: str, a: list[str], b: list[str], boot: stats.Bootstrap) -> dict:
    e = stats.contrast(boot, a, b, LEVEL)
    n = len(e.estimate) - 1
    wtl = ["W" if e.low[i] > 0 else "L" if e.high[i] < 0 else "T" for i in range(n)]
    return {"name": name, "a": a, "b": b, "estimate": e.estimate[:n], "low": e.low[:n], "high": e.high[:n],
            "p": e.p_value[:n], "wtl": wtl, "wins": wtl.count("W"), "ties": wtl.count("T"), "losses": wtl.count("L"),
            "avg": _estimate(e, n)}


def _groups(langs, point, reps) -> list[dict]:
    out = []
    for grouping, by_group in typology.groups(langs).items():
        for name, members in by_group.items():
            idx = [langs.index(code) for code in members]
            e = stats.summarise(point[idx].mean(keepdims=True), reps[:, idx].mean(axis=1, keepdims=True), LEVEL)
            out.append({"grouping": grouping, "group": name, "languages": members, **_estimate(e, 0)})
    return out


def _agreement(acc, comparisons, n_langs) -> list[dict]:
    """Dev vs test per-language Δ (mean over seeds of the runs' metrics) of each comparison."""
    def delta(split, a, b):
        return np.mean([acc[split][t].mean(0) for t in a], 0) - np.mean([acc[split][t].mean(0) for t in b], 0)

    out = []
    for name, a, b in comparisons:
        dev, test = delta("dev", a, b), delta("test", a, b)
        same_sign = int((np.sign(dev) == np.sign(test)).sum())
        out.append({"comparison": name, "r": stats.pearson(dev, test), "same_sign": same_sign,
                    "languages": n_langs, "dev": dev.mean(), "test": test.mean()})
    return out


def _own(conditions, family, seeds, acc, run_of, boot) -> list[dict]:
    """Each trained task's own dev score across runs, its learning rates and their source, beside its XNLI Δ."""
    out = []
    for t in conditions:
        metric = tasks.get(t).dev_metric
        if metric is None:
            continue
        trained = [run_of(t, s, "intermediate") for s in seeds]
        scores = [r.data.metrics.get(f"dev_{metric}") if r else None for r in trained]
        kept = [i for i, v in enumerate(scores) if v is not None]
        values = np.array([scores[i] for i in kept], float)
        xnli = acc["test"][t].mean(axis=1)[kept]  # each run's language-average XNLI test accuracy
        rates = sorted({tracking.param(r, "lr") or "?" for r in trained if r})
        sources = sorted({r.data.tags.get("xstilts.lr_source", "not tagged") for r in trained if r})
        out.append({"task": t, "family": family[t], "metric": metric, "lr": rates, "lr_source": sources,
                    "mean": values.mean() if len(values) else None,
                    "sd": values.std(ddof=1) if len(values) >= MIN_SEEDS else None,
                    "n": len(kept), "r": stats.pearson(values, xnli) if len(values) else None,
                    "delta_vs_none": _estimate(stats.contrast(boot, [t], ["none"], LEVEL), -1)})
    return out


def _budget(conditions, family, seeds, run_of) -> dict:
    """Examples, optimiser steps, sub-word tokens and seconds of each intermediate task (mean over seeds of
    its runs' metrics), and the syntactic/semantic ratios: the compute/data confound of the comparison."""
    rows = []
    for t in conditions:
        if tasks.get(t).head is None:
            continue
        trained = [run_of(t, s, "intermediate") for s in seeds]
        row = {"task": t, "family": family[t]}
        for key in BUDGET:
            values = [r.data.metrics[key] for r in trained if r and key in r.data.metrics]
            row[key] = float(np.mean(values)) if values else None
            row[f"{key}_runs"] = len(values)
        rows.append(row)

    def family_mean(name, key):
        values = [r[key] for r in rows if r["family"] == name]
        return float(np.mean(values)) if values and all(v is not None for v in values) else None

    ratio = {}
    for key in BUDGET:
        syn, sem = family_mean("syntactic", key), family_mean("semantic", key)
        ratio[key] = syn / sem if syn is not None and sem else None
    checked = [ratio[k] for k in ("train_steps", "train_tokens") if ratio[k] is not None]
    confounded = any(r > BUDGET_CONFOUND or r < 1 / BUDGET_CONFOUND for r in checked)
    return {"tasks": rows, "ratio": ratio, "logged": bool(checked), "confounded": confounded,
            "threshold": BUDGET_CONFOUND}


def _transfer_gap(langs, conditions, boot) -> dict:
    """English accuracy, the mean over the other languages and their difference (the gap) per condition, and
    each task's change of the gap vs none with its bootstrap interval (same replicates as everything else)."""
    if typology.REFERENCE not in langs or len(langs) < 2:
        return {"available": False, "reason": f"{typology.REFERENCE} is not among the languages", "conditions": []}
    en = langs.index(typology.REFERENCE)
    others = [i for i in range(len(langs)) if i != en]

    def gap(values):  # [..., L] -> (en, others, gap)
        return values[..., en], values[..., others].mean(axis=-1), values[..., en] - values[..., others].mean(axis=-1)

    base_point, base_reps = gap(boot.point["none"])[2], gap(boot.replicates["none"])[2]
    rows = []
    for t in conditions:
        english, rest, g = gap(boot.point[t])
        change = None
        if t != "none":
            e = stats.summarise(np.atleast_1d(g - base_point), (gap(boot.replicates[t])[2] - base_reps)[:, None], LEVEL)
            change = _estimate(e, 0)
        rows.append({"task": t, "en": english, "others": rest, "gap": g, "change_vs_none": change})
    return {"available": True, "reason": None, "reference": typology.REFERENCE, "others": len(others),
            "conditions": rows}


def _competence(conditions, seeds, acc, langs, run_of) -> list[dict]:
    """English MNLI dev (matched) accuracy of the target models (the target run's ``dev_acc``) beside XNLI."""
    rows = []
    for t in conditions:
        trained = [run_of(t, s, "target") for s in seeds]
        values = [r.data.metrics["dev_acc"] for r in trained if r and "dev_acc" in r.data.metrics]
        english = acc["test"][t][:, langs.index(typology.REFERENCE)].mean() if typology.REFERENCE in langs else None
        rows.append({"task": t, "mnli_dev_acc": float(np.mean(values)) if values else None,
                     "mnli_dev_acc_sd": float(np.std(values, ddof=1)) if len(values) >= MIN_SEEDS else None,
                     "runs": len(values), "xnli_en": english, "xnli_avg": acc["test"][t].mean()})
    return rows


def _typology(langs, point, reps) -> dict:
    """Correlation over the non-English languages of the syntactic − semantic Δ with the URIEL syntactic
    distance from English: Pearson and Spearman r with percentile intervals from the same replicates."""
    idx = [i for i, code in enumerate(langs)
           if code != typology.REFERENCE and typology.syntactic_distance(code) is not None]
    distance = np.array([typology.syntactic_distance(langs[i]) for i in idx])
    out = {"source": typology.URIEL_SOURCE, "definition": typology.DISTANCE_DEFINITION,
           "languages": [langs[i] for i in idx], "distance": distance, "delta": point[idx],
           "word_order": [typology.word_order(langs[i]) for i in idx]}
    for name, fn in (("pearson", stats.pearson), ("spearman", stats.spearman)):
        if len(idx) < 3:
            out[name] = {"r": None, "low": None, "high": None}
            continue
        low, high = stats.percentile_interval(fn(distance, reps[:, idx]), LEVEL)
        out[name] = {"r": fn(distance, point[idx]), "low": low, "high": high}
    return out


def plain(value):
    """``value`` as plain JSON: numpy scalars and arrays as Python numbers and lists, NaN and inf as None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    return value
