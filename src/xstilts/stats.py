"""Paired bootstrap over XNLI test pairs combined with the spread over seeds; Holm and BH adjustments.

Input per condition (an intermediate task of one model) is a ``correct`` array ``[seeds, languages,
pairs]`` of booleans: whether run ``s`` got pair ``p`` right in language ``l``. All conditions of one
analysis share the language and pair order.

One bootstrap replicate

1. draws the test pairs with replacement ONCE, for all languages and all conditions: the XNLI test sets
   are translations of one another (pair ``p`` is the same premise/hypothesis in every language), so
   languages are not independent samples, and the conditions are compared on the same pairs (paired);
2. draws the seeds with replacement ONCE, for all conditions: a seed is shared by the conditions of a
   model (the same target-head initialisation and training-data order in every condition), so the runs of
   one seed are paired across conditions as the pairs are, and a seed effect common to all conditions
   cancels in their differences instead of widening the interval;
3. computes each condition's per-language accuracy as the mean over the drawn seeds of the accuracy over
   the drawn pairs.

Every condition must therefore hold the same seeds in the same order (``[seeds, ...]`` row ``s`` is the
same seed in every condition); with one seed the interval reflects the test pairs only.

A pair resample is represented by how often each pair was drawn (a ``[replicates, pairs]`` count
matrix), so the accuracies of all seeds, languages and replicates of a condition are one matrix product.

Intervals are 95% percentile intervals. The two-sided p-value of "the difference is 0" is
``min(1, 2 * min(P*(d <= 0), P*(d >= 0)))`` with the add-one correction ``(1 + #) / (1 + B)``, so it is
below 0.05 exactly when the percentile interval excludes 0 (up to that correction), and never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_REPLICATES = 2000


@dataclass(frozen=True)
class Bootstrap:
    """Per-language accuracies of several conditions, observed and under shared pair resamples."""

    point: dict[str, np.ndarray]  # condition -> [languages]: mean over seeds of the full-data accuracy
    replicates: dict[str, np.ndarray]  # condition -> [replicates, languages]
    n_replicates: int
    seed: int


@dataclass(frozen=True)
class Estimate:
    """Point estimate, 95% percentile interval and two-sided bootstrap p-value, one entry per column."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray


def bootstrap(
    conditions: Mapping[str, np.ndarray], n_replicates: int = DEFAULT_REPLICATES, seed: int = 0
) -> Bootstrap:
    """Resample pairs jointly (all languages, all conditions) and seeds jointly (all conditions).

    Row ``s`` of every condition's ``[seeds, languages, pairs]`` array must be the same seed (the caller
    stacks the runs in one seed order); conditions with different numbers of seeds are refused.
    """
    if not conditions:
        raise ValueError("bootstrap needs at least one condition")
    shapes = {name: np.shape(correct) for name, correct in conditions.items()}
    if any(len(shape) != 3 or shape[0] < 1 for shape in shapes.values()):
        raise ValueError(f"each condition must be [seeds, languages, pairs] with >= 1 seed, got {shapes}")
    if len({shape[1:] for shape in shapes.values()}) != 1:
        raise ValueError(f"conditions must share languages and pairs, got {shapes}")
    if len({shape[0] for shape in shapes.values()}) != 1:
        raise ValueError(f"conditions must share their seeds (resampled jointly), got {shapes}")
    n_seeds, _, n_pairs = next(iter(shapes.values()))
    rng = np.random.default_rng(seed)
    counts = pair_counts(rng, n_replicates, n_pairs)
    drawn = rng.integers(n_seeds, size=(n_replicates, n_seeds))  # one seed resample per replicate, shared
    point, replicates = {}, {}
    for name, correct in conditions.items():
        point[name] = np.asarray(correct).mean(axis=2, dtype=np.float64).mean(axis=0)  # exact, as the runs' metrics
        correct = np.asarray(correct, dtype=np.float32)
        n_languages = correct.shape[1]
        # [seeds * languages, pairs] @ [pairs, replicates]: every seed's accuracy under every pair resample
        per_seed = (correct.reshape(n_seeds * n_languages, n_pairs) @ counts.T) / n_pairs
        per_seed = per_seed.reshape(n_seeds, n_languages, n_replicates).transpose(2, 0, 1)  # [B, S, L]
        replicates[name] = np.take_along_axis(per_seed, drawn[:, :, None], axis=1).mean(axis=1)
    return Bootstrap(point, replicates, n_replicates, seed)


def pair_counts(rng: np.random.Generator, n_replicates: int, n_pairs: int) -> np.ndarray:
    """``[replicates, pairs]``: how often each pair is drawn when ``n_pairs`` pairs are drawn with replacement."""
    draws = rng.integers(n_pairs, size=(n_replicates, n_pairs))
    flat = draws + (np.arange(n_replicates) * n_pairs)[:, None]
    return np.bincount(flat.ravel(), minlength=n_replicates * n_pairs).reshape(n_replicates, n_pairs).astype(np.float32)


def accuracy(boot: Bootstrap, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy of a group of conditions (each condition weighted equally): ``([L], [B, L])``."""
    point = np.mean([boot.point[name] for name in names], axis=0)
    replicates = np.mean([boot.replicates[name] for name in names], axis=0)
    return point, replicates


def difference(boot: Bootstrap, a: Sequence[str], b: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy of group ``a`` minus group ``b`` per language: ``([L], [B, L])``."""
    point_a, reps_a = accuracy(boot, a)
    point_b, reps_b = accuracy(boot, b)
    return point_a - point_b, reps_a - reps_b


def with_average(point: np.ndarray, replicates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Append the unweighted mean over the columns (the 15-language average) as the last column."""
    return np.append(point, point.mean()), np.column_stack([replicates, replicates.mean(axis=1)])


def summarise(point: np.ndarray, replicates: np.ndarray, level: float = 0.95) -> Estimate:
    """Percentile interval and two-sided bootstrap p-value (H0: 0) of each column of ``replicates``."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail], axis=0)
    n = replicates.shape[0]
    below = (1 + (replicates <= 0).sum(axis=0)) / (1 + n)
    above = (1 + (replicates >= 0).sum(axis=0)) / (1 + n)
    return Estimate(np.asarray(point, float), low, high, np.minimum(1.0, 2 * np.minimum(below, above)))


def contrast(boot: Bootstrap, a: Sequence[str], b: Sequence[str], level: float = 0.95) -> Estimate:
    """Group ``a`` minus group ``b``: one column per language, then the average over languages."""
    return summarise(*with_average(*difference(boot, a, b)), level=level)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate)."""
    p = np.asarray(p_values, float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, stepped)
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini & Hochberg (1995) step-up adjusted p-values (false discovery rate)."""
    p = np.asarray(p_values, float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, stepped)
    return adjusted


def pearson(x: Sequence[float], y: np.ndarray) -> np.ndarray:
    """Pearson r between ``x`` ``[n]`` and ``y`` ``[n]`` or each row of ``y`` ``[rows, n]`` (one r per row);
    NaN where a row or ``x`` has no spread or there are fewer than 3 points."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    xc = x - x.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((xc**2).sum() * (yc**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (yc * xc).sum(axis=-1) / denominator
    r = np.where((denominator > 1e-12) & (len(x) >= 3), np.clip(r, -1.0, 1.0), np.nan)
    return r if r.ndim else r[()]


def spearman(x: Sequence[float], y: np.ndarray) -> np.ndarray:
    """Spearman rank correlation (average ranks for ties), as :func:`pearson` of the ranks."""
    from scipy.stats import rankdata

    return pearson(rankdata(np.asarray(x, float)), rankdata(np.asarray(y, float), axis=-1))


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """95% percentile interval of a statistic's bootstrap replicates ``[B]`` (NaN replicates left out;
    NaN bounds when fewer than half of them are finite)."""
    values = np.asarray(replicates, float)
    values = values[np.isfinite(values)]
    if len(values) < max(1, len(replicates) / 2):
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
