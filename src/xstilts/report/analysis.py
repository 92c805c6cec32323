"""What the report computes for one model, and the constants its renderers share: the syntactic-vs-semantic
contrast, each task against the baseline, language groups, dev/test agreement, the tasks' own dev scores."""

from __future__ import annotations

import dataclasses

import numpy as np

from xstilts import stats, tasks, typology
from xstilts.grid import Cell

SPLITS = ("dev", "test")
ALPHA = 0.05  # significance level of the per-language tests


@dataclasses.dataclass
class Analysis:
    """What the markdown, the figures and metrics.json show for one model."""

    model: str
    languages: list[str]
    conditions: list[str]  # none, syntactic tasks, semantic tasks
    family: dict[str, str]
    seeds: list[int]
    cells: dict[tuple[str, int], Cell]
    acc: dict[str, dict[str, np.ndarray]]  # split -> task -> [seeds, languages], the runs' metrics
    contrast: stats.Estimate  # syntactic - semantic, per language then the average
    holm: np.ndarray
    bh: np.ndarray
    vs_none: dict[str, stats.Estimate]  # task - none
    average: dict[str, stats.Estimate]  # each condition's accuracy
    groups: dict[str, dict[str, tuple[list[str], stats.Estimate]]]  # dimension -> group -> (languages, contrast)
    agreement: list[dict]  # dev vs test
    own: dict[str, dict]  # task -> its own dev score across runs

    @property
    def syntactic(self) -> list[str]:
        return [t for t in self.conditions if self.family[t] == "syntactic"]

    @property
    def semantic(self) -> list[str]:
        return [t for t in self.conditions if self.family[t] == "semantic"]


def analyse(cfg, model, conditions, records, runs, evaluated, correct, n_boot, boot_seed) -> Analysis:
    """The analysis of ``model``: the runs' metrics, the paired bootstrap over ``correct`` (per cell, the
    ``[languages, pairs]`` test predictions) and what is derived from it."""
    langs, seeds = list(cfg.languages), list(cfg.grid.seeds)
    family = {t: tasks.get(t).family for t in conditions}
    syntactic = [t for t in conditions if family[t] == "syntactic"]
    semantic = [t for t in conditions if family[t] == "semantic"]
    cells = {(t, s): Cell(model, t, s) for t in conditions for s in seeds}
    acc = {
        split: {t: np.array([[evaluated[cells[t, s]].data.metrics[f"xnli_{split}_acc_{lang}"] for lang in langs]
                             for s in seeds]) for t in conditions}
        for split in SPLITS
    }
    boot = stats.bootstrap({t: np.stack([correct[cells[t, s]] for s in seeds]) for t in conditions}, n_boot, boot_seed)
    contrast = stats.contrast(boot, syntactic, semantic)

    point, reps = stats.difference(boot, syntactic, semantic)
    groups: dict[str, dict] = {}
    for dimension, by_group in typology.groups(langs).items():
        groups[dimension] = {}
        for name, members in by_group.items():
            idx = [langs.index(code) for code in members]
            estimate = stats.summarise(point[idx].mean(keepdims=True), reps[:, idx].mean(axis=1, keepdims=True))
            groups[dimension][name] = (members, estimate)

    def delta(split, a, b):  # per-language difference of the group means of the runs' metrics
        return np.mean([acc[split][t].mean(0) for t in a], 0) - np.mean([acc[split][t].mean(0) for t in b], 0)

    agreement = []
    for name, a, b in [("syntactic − semantic", syntactic, semantic)] + [
        (f"{t} − none", [t], ["none"]) for t in conditions if t != "none"
    ]:
        dev, test = delta("dev", a, b), delta("test", a, b)
        same_sign = int((np.sign(dev) == np.sign(test)).sum())
        agreement.append({"comparison": name, "r": _pearson(dev, test), "same_sign": same_sign,
                          "dev": float(dev.mean()), "test": float(test.mean())})

    own = {}
    for t in conditions:
        metric = tasks.get(t).dev_metric
        if metric is None:
            continue
        trained = [runs[records[cells[t, s]]["intermediate"]["run_id"]].data for s in seeds]
        scores = [data.metrics.get(f"dev_{metric}") for data in trained]
        kept = [i for i, v in enumerate(scores) if v is not None]
        values = np.array([scores[i] for i in kept])
        xnli = acc["test"][t].mean(axis=1)[kept]  # each run's language-average XNLI test accuracy
        rates = sorted({data.params.get("lr", "?") for data in trained})  # the tuned rate or params.yaml's
        own[t] = {"metric": metric, "values": values, "r": _pearson(values, xnli), "n": len(kept), "lr": rates}

    return Analysis(
        model=model, languages=langs, conditions=conditions, family=family, seeds=seeds, cells=cells, acc=acc,
        contrast=contrast, holm=stats.holm(contrast.p_value[:-1]), bh=stats.benjamini_hochberg(contrast.p_value[:-1]),
        vs_none={t: stats.contrast(boot, [t], ["none"]) for t in conditions if t != "none"},
        average={t: stats.summarise(*stats.with_average(*stats.accuracy(boot, [t]))) for t in conditions},
        groups=groups, agreement=agreement, own=own,
    )


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r; NaN (shown as n/a) below 3 points or without spread."""
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])
