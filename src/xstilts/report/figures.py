"""The report's figures (matplotlib, Agg), drawn from the analysis dict (plus the learning curves, the dev
metric per epoch read from the runs): averages with intervals, Δ-vs-none heatmaps, learning curves, the
transfer gap, the contrast under three checkpoint-selection rules, Δ against typological distance.

So that a reader can trust them at a glance: every accuracy plot of a 3-way NLI task has a dashed chance line
at 33.3%, legends sit outside the axes (they never hide data), the heatmaps mark Holm-significant cells, and
each task's learning curve has its own axis and metric. The PNGs carry no software version, so re-running
the same grid writes the same bytes (they are git-tracked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# colour-blind-safe palette (Okabe & Ito 2008)
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#000000"]
CHANCE = 100 / 3  # accuracy (%) of a uniform guess among the 3 NLI labels


def draw(a: dict, curves: dict, curve_seeds: int, out: Path) -> list[Path]:
    """All figures of the analysis dict ``a`` and the learning ``curves`` (``build._learning_curves``) into
    ``out``; returns their paths, sorted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [_averages(plt, a, out / "average_ci.png")]
    for model, m in a["per_model"].items():
        paths.append(_heatmap(plt, a, m, out / f"delta_heatmap_{model}.png"))
        paths.append(_curves(plt, model, curves[model], curve_seeds, out / f"learning_curves_{model}.png"))
    if any(m["transfer_gap"]["available"] for m in a["per_model"].values()):
        paths.append(_transfer_gap(plt, a, out / "transfer_gap.png"))
    if any(m["checkpoint_selection"]["logged"] for m in a["per_model"].values()):
        paths.append(_selection(plt, a, out / "checkpoint_selection.png"))
    if any(len(m["typology"]["languages"]) >= 3 for m in a["per_model"].values()):
        paths.append(_typology(plt, a, out / "typology_distance.png"))
    return sorted(paths)


def _labels(a: dict, tasks: list[str]) -> list[str]:
    family = {c["task"]: c["family"] for c in a["grid"]["conditions"]}
    return [f"{t}\n({family[t]})" for t in tasks]


def _conditions(a: dict) -> list[str]:
    return [c["task"] for c in a["grid"]["conditions"]]


def _heatmap(plt, a: dict, m: dict, path: Path) -> Path:
    shown = m["comparisons"][1:]
    rows = a["languages"] + ["avg"]
    data = 100 * np.column_stack([list(c["estimate"]) + [c["avg"]["estimate"]] for c in shown])
    alpha, n_langs = a["statistics"]["alpha"], len(a["languages"])
    # the languages' Holm-adjusted p (over the whole family); the avg row is not in the family: never marked
    significant = np.column_stack([[p is not None and p < alpha for p in c["p_holm"]] + [False] for c in shown])
    limit = max(float(np.abs(data).max()), 0.01)
    fig, ax = plt.subplots(figsize=(2.2 + 1.7 * len(shown), 1.5 + 0.36 * len(rows)))
    image = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")  # diverging, centred at 0
    for (i, j), value in np.ndenumerate(data):
        color = "white" if abs(value) > 0.6 * limit else "black"
        mark = "*" if significant[i, j] else ""
        ax.text(j, i, f"{value:+.1f}{mark}", ha="center", va="center", fontsize=8, color=color)
    ax.axhline(n_langs - 0.5, color="black", linewidth=1)  # the avg row apart: it is not one of the tests
    ax.set_xticks(range(len(shown)), _labels(a, [c["a"][0] for c in shown]))
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("intermediate task")
    ax.set_ylabel("XNLI language")
    ax.set_title(f"{m['model']}: XNLI test accuracy Δ vs no intermediate task\n"
                 f"(points, mean over seeds; blue = better;\n* Holm-adjusted p < {alpha:g}, family of "
                 f"{a['statistics']['family']['size']} tests)")
    fig.colorbar(image, ax=ax, label="Δ accuracy vs none (points)")
    return _save(plt, fig, path)


def _averages(plt, a: dict, path: Path) -> Path:
    conditions, models = _conditions(a), a["per_model"]
    fig, ax = plt.subplots(figsize=(2.5 + 1.4 * len(conditions), 4.2))
    width = 0.6 / len(models)
    for k, (model, m) in enumerate(models.items()):
        x = np.arange(len(conditions)) + (k - (len(models) - 1) / 2) * width
        y = np.array([100 * m["average"][t]["estimate"] for t in conditions])
        low = np.array([100 * m["average"][t]["low"] for t in conditions])
        high = np.array([100 * m["average"][t]["high"] for t in conditions])
        ax.errorbar(x, y, yerr=[np.maximum(0, y - low), np.maximum(0, high - y)], fmt="os^Dv"[k % 5], capsize=4,
                    color=OKABE_ITO[k % len(OKABE_ITO)], label=model)
    _chance(ax)
    ax.set_xticks(range(len(conditions)), _labels(a, conditions))
    ax.set_xlabel("intermediate task")
    ax.set_ylabel(f"XNLI test accuracy, {len(a['languages'])}-language avg (%)")
    ax.set_title("Zero-shot XNLI: language average with 95% bootstrap CI\n(test pairs × seeds)")
    _legend(ax, title="model")
    ax.grid(axis="y", alpha=0.3)
    return _save(plt, fig, path)


def _curves(plt, model: str, panels: list[dict], curve_seeds: int, path: Path) -> Path:
    """One panel per task on its own axis and metric (a parser's LAS and a regression's Spearman do not share
    a scale); lines: colour per condition, style per seed. The target panel (MNLI accuracy) in %."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.4), squeeze=False)
    styles = ["-", "--", ":", "-."]
    for ax, panel in zip(axes[0], panels, strict=True):
        target = panel["task"] == "target-mnli"
        seeds = len({s["label"].rsplit(" ", 1)[-1] for s in panel["series"]})  # series: conditions x seeds
        drawn = [s for s in panel["series"] if s["points"]]
        for k, series in enumerate(panel["series"]):
            if series["points"]:
                epochs, values = zip(*series["points"], strict=True)
                ax.plot(epochs, 100 * np.array(values) if target else values, styles[k % seeds % len(styles)],
                        marker="o", markersize=3, color=OKABE_ITO[k // seeds % len(OKABE_ITO)],
                        label=series["label"], linewidth=1.2)
        if target:
            _chance(ax)
        if drawn:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
        else:
            ax.text(0.5, 0.5, "no per-epoch dev metric logged", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("epoch")
        ax.set_ylabel(panel["label"] + (" (%)" if target else ""))
        ax.set_title(panel["title"], fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{model}: dev metric after every epoch (first {curve_seeds} seed(s) of each cell)")
    return _save(plt, fig, path)


def _transfer_gap(plt, a: dict, path: Path) -> Path:
    conditions, models = _conditions(a), {k: m for k, m in a["per_model"].items() if m["transfer_gap"]["available"]}
    fig, ax = plt.subplots(figsize=(2.5 + 1.4 * len(conditions), 4.2))
    width = 0.7 / len(models)
    for k, (model, m) in enumerate(models.items()):
        rows = {r["task"]: r for r in m["transfer_gap"]["conditions"]}
        x = np.arange(len(conditions)) + (k - (len(models) - 1) / 2) * width
        gaps = np.array([100 * rows[t]["gap"] for t in conditions])
        ax.bar(x, gaps, width * 0.9, color=OKABE_ITO[k % len(OKABE_ITO)], label=model)
        for xi, gap, t in zip(x, gaps, conditions, strict=True):
            change = rows[t]["change_vs_none"]
            if change is not None:  # the CI of the change vs none, placed on this condition's bar
                below = max(0.0, 100 * (change["estimate"] - change["low"]))
                above = max(0.0, 100 * (change["high"] - change["estimate"]))
                ax.errorbar(xi, gap, yerr=[[below], [above]], fmt="none", color="black", capsize=3)
    _finish_bars(ax, _labels(a, conditions), "English − mean of the other languages (points)",
                 "Transfer gap per condition\n(whiskers: 95% CI of the change vs none, placed on the bar)")
    return _save(plt, fig, path)


def _selection(plt, a: dict, path: Path) -> Path:
    models = {k: m for k, m in a["per_model"].items() if m["checkpoint_selection"]["logged"]}
    rules = list(next(iter(models.values()))["checkpoint_selection"]["rules"])
    fig, ax = plt.subplots(figsize=(2.5 + 1.6 * len(rules), 4.2))
    width = 0.7 / len(models)
    for k, (model, m) in enumerate(models.items()):
        found = m["checkpoint_selection"]["rules"]
        x = np.arange(len(rules)) + (k - (len(models) - 1) / 2) * width
        ax.bar(x, [100 * found[r]["contrast_avg"] if r in found else np.nan for r in rules], width * 0.9,
               color=OKABE_ITO[k % len(OKABE_ITO)], label=model)
    names = {"final": "final epoch", "en_dev": "best English dev", "oracle": "best dev per language\n(oracle)"}
    _finish_bars(ax, [names.get(r, r) for r in rules], "syntactic − semantic, test avg (points)",
                 "The contrast under three checkpoint-selection rules\n(epochs chosen on dev, accuracy on test)")
    return _save(plt, fig, path)


def _finish_bars(ax, labels: list[str], ylabel: str, title: str) -> None:
    """A bar chart of differences per model: the zero line, the groups' labels, the legend outside the bars."""
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax, title="model")
    ax.grid(axis="y", alpha=0.3)


def _typology(plt, a: dict, path: Path) -> Path:
    models = {k: m for k, m in a["per_model"].items() if len(m["typology"]["languages"]) >= 3}
    fig, axes = plt.subplots(1, len(models), figsize=(4.8 * len(models), 4.2), squeeze=False)
    for ax, (k, (model, m)) in zip(axes[0], enumerate(models.items()), strict=True):
        t = m["typology"]
        x, y = np.array(t["distance"]), 100 * np.array(t["delta"])
        ax.scatter(x, y, color=OKABE_ITO[k % len(OKABE_ITO)])
        for code, xi, yi in zip(t["languages"], x, y, strict=True):
            ax.annotate(code, (xi, yi), textcoords="offset points", xytext=(3, 3), fontsize=8)
        if np.std(x) > 0:
            slope, intercept = np.polyfit(x, y, 1)
            grid = np.linspace(x.min(), x.max(), 20)
            ax.plot(grid, slope * grid + intercept, color="black", linewidth=1)
        r = t["pearson"]
        shown = "n/a" if r["r"] is None else f"{r['r']:+.2f}"
        interval = "" if r["low"] is None else f" [{r['low']:+.2f}, {r['high']:+.2f}]"
        ax.set_title(f"{model}: Pearson r = {shown}{interval}")
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("URIEL syntactic distance from English (cosine)")
        ax.set_ylabel("syntactic − semantic Δ (points)")
        ax.grid(alpha=0.3)
    return _save(plt, fig, path)


def _chance(ax) -> None:
    ax.axhline(CHANCE, color="grey", linestyle="--", linewidth=1, label="chance (33.3%)")


def _legend(ax, **kwargs) -> None:
    """The legend right of the axes, where it can hide no data point."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, **kwargs)


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    # bbox "tight": the legends outside the axes stay in the image; no Software entry: the bytes do not change
    # with matplotlib's version (a PNG has no date unless given one)
    fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path
