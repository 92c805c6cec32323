"""The report's figures (matplotlib, Agg): averages with intervals, Δ-vs-none heatmaps, learning curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xstilts import tracking
from xstilts.report.analysis import Analysis

# colour-blind-safe palette (Okabe & Ito 2008)
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#000000"]


def draw(analyses: dict[str, Analysis], records, curve_seeds: int, out: Path) -> list[Path]:
    """All figures into ``out``: the averages with intervals, and per model the Δ heatmap and learning curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [_averages(plt, analyses, out / "average_ci.png")]
    for model, a in analyses.items():
        paths.append(_heatmap(plt, a, out / f"delta_heatmap_{model}.png"))
        paths.append(_curves(plt, a, records, curve_seeds, out / f"learning_curves_{model}.png"))
    return sorted(paths)


def _heatmap(plt, a: Analysis, path: Path) -> Path:
    shown = [t for t in a.conditions if t != "none"]
    rows = a.languages + ["avg"]
    data = 100 * np.column_stack([a.vs_none[t].estimate for t in shown])
    limit = max(float(np.abs(data).max()), 0.01)
    fig, ax = plt.subplots(figsize=(2.2 + 1.7 * len(shown), 1.5 + 0.36 * len(rows)))
    image = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")  # diverging, centred at 0
    for (i, j), value in np.ndenumerate(data):
        color = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(shown)), [f"{t}\n({a.family[t]})" for t in shown])
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("intermediate task")
    ax.set_ylabel("XNLI language")
    ax.set_title(f"{a.model}: XNLI test accuracy Δ vs no intermediate task\n(points, mean over seeds; blue = better)")
    fig.colorbar(image, ax=ax, label="Δ accuracy vs none (points)")
    return _save(plt, fig, path)


def _averages(plt, analyses: dict[str, Analysis], path: Path) -> Path:
    first = next(iter(analyses.values()))
    conditions = first.conditions
    fig, ax = plt.subplots(figsize=(2.5 + 1.4 * len(conditions), 4.2))
    width = 0.6 / len(analyses)
    for k, (model, a) in enumerate(analyses.items()):
        x = np.arange(len(conditions)) + (k - (len(analyses) - 1) / 2) * width
        y = np.array([100 * a.average[t].estimate[-1] for t in conditions])
        low = np.array([100 * a.average[t].low[-1] for t in conditions])
        high = np.array([100 * a.average[t].high[-1] for t in conditions])
        ax.errorbar(x, y, yerr=[y - low, high - y], fmt="os^Dv"[k % 5], capsize=4,
                    color=OKABE_ITO[k % len(OKABE_ITO)], label=model)
    ax.set_xticks(range(len(conditions)), [f"{t}\n({first.family[t]})" for t in conditions])
    ax.set_xlabel("intermediate task")
    ax.set_ylabel(f"XNLI test accuracy, {len(first.languages)}-language avg (%)")
    ax.set_title("Zero-shot XNLI: language average with 95% bootstrap CI\n(test pairs × seeds)")
    ax.legend(title="model")
    ax.grid(axis="y", alpha=0.3)
    return _save(plt, fig, path)


def _curves(plt, a: Analysis, records, curve_seeds: int, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = ["-", "--", ":", "-."]
    for ax, phase, title in ((axes[0], "intermediate", "intermediate task"), (axes[1], "target", "target task (MNLI)")):
        drawn = 0
        for c, t in enumerate(a.conditions):
            for k, seed in enumerate(a.seeds[:curve_seeds]):
                run_id = records[a.cells[t, seed]][phase].get("run_id")
                history = tracking.metric_history(run_id, "train_loss") if run_id else []
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
        ax.set_title(f"{a.model}: {title}")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Learning curves (first {curve_seeds} seed(s) of each cell)")
    return _save(plt, fig, path)


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
