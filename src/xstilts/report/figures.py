"""The report's figures (matplotlib, Agg), drawn from the analysis dict (plus the learning curves, read from
the runs' ``train_loss`` histories): averages with intervals, Δ-vs-none heatmaps, learning curves, the
transfer gap, the contrast under three checkpoint-selection rules, Δ against typological distance."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xstilts import tracking

# colour-blind-safe palette (Okabe & Ito 2008)
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#000000"]


def draw(a: dict, curve_seeds: int, out: Path) -> list[Path]:
    """All figures of the analysis dict ``a`` into ``out``; returns their paths, sorted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [_averages(plt, a, out / "average_ci.png")]
    curves = _histories(a, curve_seeds)
    for model, m in a["per_model"].items():
        paths.append(_heatmap(plt, a, m, out / f"delta_heatmap_{model}.png"))
        paths.append(_curves(plt, a, m, curves, curve_seeds, out / f"learning_curves_{model}.png"))
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
    limit = max(float(np.abs(data).max()), 0.01)
    fig, ax = plt.subplots(figsize=(2.2 + 1.7 * len(shown), 1.5 + 0.36 * len(rows)))
    image = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")  # diverging, centred at 0
    for (i, j), value in np.ndenumerate(data):
        color = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(shown)), _labels(a, [c["a"][0] for c in shown]))
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("intermediate task")
    ax.set_ylabel("XNLI language")
    ax.set_title(f"{m['model']}: XNLI test accuracy Δ vs no intermediate task\n"
                 "(points, mean over seeds; blue = better)")
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
    ax.set_xticks(range(len(conditions)), _labels(a, conditions))
    ax.set_xlabel("intermediate task")
    ax.set_ylabel(f"XNLI test accuracy, {len(a['languages'])}-language avg (%)")
    ax.set_title("Zero-shot XNLI: language average with 95% bootstrap CI\n(test pairs × seeds)")
    ax.legend(title="model")
    ax.grid(axis="y", alpha=0.3)
    return _save(plt, fig, path)


def _histories(a: dict, curve_seeds: int) -> dict:
    """``train_loss`` histories of the curves' runs, in one batched read."""
    ids = []
    for m in a["per_model"].values():
        seeds = a["grid"]["seeds"][:curve_seeds]
        ids += [r[phase] for r in m["runs"] if r["seed"] in seeds for phase in ("intermediate", "target") if r[phase]]
    return tracking.metric_histories(ids, ["train_loss"]) if ids else {}


def _curves(plt, a: dict, m: dict, histories: dict, curve_seeds: int, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = ["-", "--", ":", "-."]
    seeds = a["grid"]["seeds"][:curve_seeds]
    runs = {(r["task"], r["seed"]): r for r in m["runs"]}
    for ax, phase, title in ((axes[0], "intermediate", "intermediate task"), (axes[1], "target", "target task (MNLI)")):
        drawn = 0
        for c, t in enumerate(_conditions(a)):
            for k, seed in enumerate(seeds):
                run_id = runs[t, seed][phase]
                history = histories.get(run_id, {}).get("train_loss", []) if run_id else []
                if history:
                    steps, values = zip(*history, strict=True)
                    ax.plot(steps, values, styles[k % len(styles)], color=OKABE_ITO[c % len(OKABE_ITO)],
                            label=f"{t} s{seed}", linewidth=1.2)
                    drawn += 1
        if drawn:
            ax.legend(fontsize=7, ncol=2)
        else:
            ax.text(0.5, 0.5, "no train_loss logged", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("optimisation step")
        ax.set_ylabel("train_loss")
        ax.set_title(f"{m['model']}: {title}")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Learning curves (first {curve_seeds} seed(s) of each cell)")
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
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(conditions)), _labels(a, conditions))
    ax.set_ylabel("English − mean of the other languages (points)")
    ax.set_title("Transfer gap per condition\n(whiskers: 95% CI of the change vs none, placed on the bar)")
    ax.legend(title="model")
    ax.grid(axis="y", alpha=0.3)
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
    ax.axhline(0, color="black", linewidth=0.8)
    names = {"final": "final epoch", "en_dev": "best English dev", "oracle": "best dev per language\n(oracle)"}
    ax.set_xticks(range(len(rules)), [names.get(r, r) for r in rules])
    ax.set_ylabel("syntactic − semantic, test avg (points)")
    ax.set_title("The contrast under three checkpoint-selection rules\n(epochs chosen on dev, accuracy on test)")
    ax.legend(title="model")
    ax.grid(axis="y", alpha=0.3)
    return _save(plt, fig, path)


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


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
