"""The paired bootstrap and the multiple-testing adjustments, on constructed inputs with known answers."""

import numpy as np
import pytest

from xstilts import stats

B = 400  # replicates: enough for stable 95% intervals here, fast


def _bernoulli(rng, rate, seeds, languages, pairs):
    return rng.random((seeds, languages, pairs)) < rate


def test_a_planted_difference_is_covered_and_excludes_zero():
    rng = np.random.default_rng(1)
    a, b = _bernoulli(rng, 0.75, 3, 4, 3000), _bernoulli(rng, 0.60, 3, 4, 3000)
    est = stats.contrast(stats.bootstrap({"a": a, "b": b}, B, seed=0), ["a"], ["b"])
    assert est.estimate.shape == (5,)  # 4 languages + the average
    assert np.all(est.low < 0.15) and np.all(est.high > 0.15)  # the planted 15 points
    assert np.all(est.low > 0)
    assert est.p_value[-1] == pytest.approx(2 / (B + 1))  # the smallest p the add-one rule allows


def test_no_difference_gives_an_interval_that_covers_zero():
    rng = np.random.default_rng(2)
    a, b = _bernoulli(rng, 0.7, 2, 3, 1500), _bernoulli(rng, 0.7, 2, 3, 1500)
    est = stats.contrast(stats.bootstrap({"a": a, "b": b}, B, seed=0), ["a"], ["b"])
    assert est.low[-1] < 0 < est.high[-1]
    assert est.p_value[-1] > 0.05


def test_the_point_estimate_is_the_mean_over_seeds_of_the_observed_accuracy():
    a = np.zeros((2, 2, 4), bool)
    a[0, :, :3] = True  # seed 0: 0.75 in both languages
    a[1, :, :1] = True  # seed 1: 0.25
    b = np.zeros((2, 2, 4), bool)
    est = stats.contrast(stats.bootstrap({"a": a, "b": b}, 50, seed=0), ["a"], ["b"])
    np.testing.assert_allclose(est.estimate, [0.5, 0.5, 0.5])


def test_pair_ids_are_resampled_once_for_all_languages():
    rng = np.random.default_rng(3)
    base = _bernoulli(rng, 0.6, 2, 1, 500)
    # languages 0 and 1 are the same pairs answered identically; language 2 is its exact complement
    correlated = np.concatenate([base, base, ~base], axis=1)
    boot = stats.bootstrap({"x": correlated, "none": np.zeros_like(correlated)}, B, seed=0)
    reps = boot.replicates["x"]
    np.testing.assert_array_equal(reps[:, 0], reps[:, 1])  # identical replicate shifts
    np.testing.assert_allclose(reps[:, 2], 1 - reps[:, 0], atol=1e-6)  # same pairs drawn in language 2
    point, diff = stats.difference(boot, ["x"], ["none"])
    np.testing.assert_array_equal(diff[:, 0], diff[:, 1])
    assert reps[:, 0].std() > 0  # the pairs really were resampled


def test_conditions_share_the_pair_resample():
    rng = np.random.default_rng(4)
    a = _bernoulli(rng, 0.6, 1, 2, 400)
    boot = stats.bootstrap({"a": a, "same": a.copy()}, B, seed=0)
    _, diff = stats.difference(boot, ["a"], ["same"])
    np.testing.assert_array_equal(diff, 0)  # paired: identical conditions never differ in any replicate


def test_seeds_are_resampled_with_replacement():
    a = np.zeros((2, 1, 10), bool)
    a[0] = True  # seed 0 gets everything right, seed 1 nothing
    reps = stats.bootstrap({"a": a}, B, seed=0).replicates["a"][:, 0]
    assert set(np.round(reps, 6)) == {0.0, 0.5, 1.0}  # both seeds, either seed twice


def test_one_seed_resample_is_shared_by_all_conditions():
    rng = np.random.default_rng(6)
    a = _bernoulli(rng, 0.6, 3, 2, 300)
    a[0], a[2] = True, False  # very different seeds: any independent draw would show in the difference
    boot = stats.bootstrap({"a": a, "same": a.copy()}, B, seed=0)
    _, diff = stats.difference(boot, ["a"], ["same"])
    np.testing.assert_array_equal(diff, 0)  # the same seeds drawn for both conditions in every replicate
    assert boot.replicates["a"][:, 0].std() > 0.1  # and the seeds really were resampled


def _independent_seed_contrast(data, n_replicates, seed, level=0.95):
    """The interval of a - b when each condition resamples its seeds on its own (the pairs still shared):
    what stats.bootstrap did before seeds were resampled jointly."""
    rng = np.random.default_rng(seed)
    n_seeds, n_languages, n_pairs = data["a"].shape
    counts = stats.pair_counts(rng, n_replicates, n_pairs)
    reps = {}
    for name, correct in data.items():
        per_seed = (correct.reshape(n_seeds * n_languages, n_pairs).astype(np.float32) @ counts.T) / n_pairs
        per_seed = per_seed.reshape(n_seeds, n_languages, n_replicates).transpose(2, 0, 1)
        drawn = rng.integers(n_seeds, size=(n_replicates, n_seeds))
        reps[name] = np.take_along_axis(per_seed, drawn[:, :, None], axis=1).mean(axis=1)
    diff = (reps["a"] - reps["b"]).mean(axis=1)
    return np.percentile(diff, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])


def test_seeds_correlated_across_conditions_give_a_narrower_interval_jointly():
    # a seed moves both conditions alike (same head initialisation and data order): +-10 points per seed
    rng = np.random.default_rng(7)
    n_seeds, n_languages, n_pairs = 4, 3, 2000
    offset = np.array([-0.10, 0.10, -0.05, 0.05])
    shared = rng.random((n_seeds, n_languages, n_pairs))
    data = {"a": shared < (0.65 + offset)[:, None, None], "b": shared < (0.60 + offset)[:, None, None]}
    joint = stats.contrast(stats.bootstrap(data, B, seed=0), ["a"], ["b"])
    low, high = _independent_seed_contrast(data, B, seed=0)
    assert joint.low[-1] < 0.05 < joint.high[-1] and low < 0.05 < high  # both cover the planted 5 points
    assert joint.high[-1] - joint.low[-1] < 0.5 * (high - low)  # the shared seed effect cancels jointly
    assert joint.low[-1] > 0 and low < 0  # and only the joint interval excludes 0


def test_conditions_with_different_seeds_are_refused():
    with pytest.raises(ValueError, match="share their seeds"):
        stats.bootstrap({"a": np.ones((2, 1, 5), bool), "b": np.ones((3, 1, 5), bool)}, 10)


def test_pearson_and_spearman_per_row():
    rng = np.random.default_rng(8)
    x, y = rng.random(12), rng.random((5, 12))
    np.testing.assert_allclose(stats.pearson(x, y), [np.corrcoef(x, row)[0, 1] for row in y])
    assert stats.pearson(x, 2 * x + 1) == pytest.approx(1.0)
    ties = np.array([1.0, 2, 2, 3, 5, 5, 7])
    other = np.array([3.0, 1, 4, 1, 5, 9, 2])
    from scipy.stats import spearmanr

    assert stats.spearman(ties, other) == pytest.approx(spearmanr(ties, other).statistic)
    assert np.isnan(stats.pearson(x, np.ones(12))) and np.isnan(stats.pearson(x[:2], y[0, :2]))


def test_percentile_interval_leaves_out_undefined_replicates():
    values = np.append(np.linspace(0, 1, 101), [np.nan] * 10)
    assert stats.percentile_interval(values) == pytest.approx((0.025, 0.975))
    assert np.isnan(stats.percentile_interval(np.array([np.nan, np.nan, 0.5]))[0])


def test_the_bootstrap_is_reproducible_from_its_seed():
    rng = np.random.default_rng(5)
    data = {"a": _bernoulli(rng, 0.5, 2, 3, 100), "b": _bernoulli(rng, 0.6, 2, 3, 100)}
    first, again = stats.bootstrap(data, 100, seed=7), stats.bootstrap(data, 100, seed=7)
    other = stats.bootstrap(data, 100, seed=8)
    np.testing.assert_array_equal(first.replicates["a"], again.replicates["a"])
    assert not np.array_equal(first.replicates["a"], other.replicates["a"])


def test_pair_counts_draw_as_many_pairs_as_there_are():
    counts = stats.pair_counts(np.random.default_rng(0), 30, 17)
    assert counts.shape == (30, 17)
    np.testing.assert_array_equal(counts.sum(axis=1), 17)


def test_groups_average_their_conditions_with_equal_weight():
    ones, zeros = np.ones((1, 1, 5), bool), np.zeros((1, 1, 5), bool)
    boot = stats.bootstrap({"p": ones, "q": zeros, "r": zeros}, 20, seed=0)
    point, reps = stats.accuracy(boot, ["p", "q"])
    np.testing.assert_allclose(point, [0.5])
    np.testing.assert_allclose(reps, 0.5)


def test_inputs_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="share languages and pairs"):
        stats.bootstrap({"a": np.ones((1, 2, 5), bool), "b": np.ones((1, 2, 6), bool)}, 10)
    with pytest.raises(ValueError, match=r"\[seeds, languages, pairs\]"):
        stats.bootstrap({"a": np.ones((2, 5), bool)}, 10)


def test_holm_matches_a_hand_computation():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.02, 0.03, 0.06, 0.06
    np.testing.assert_allclose(stats.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    # capped at 1: 0.3*3=0.9, 0.5*2=1.0, 0.8*1 -> max 1.0
    np.testing.assert_allclose(stats.holm([0.5, 0.3, 0.8]), [1.0, 0.9, 1.0])


def test_benjamini_hochberg_matches_a_hand_computation():
    # sorted: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04 -> running min from the top
    np.testing.assert_allclose(stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02])
    # 0.01*5/1=0.05, 0.02*5/2=0.05, 0.04*5/3=0.0667, 0.045*5/4=0.05625, 0.9*5/5=0.9
    # -> from the top: 0.9, 0.05625, 0.05625, 0.05, 0.05
    np.testing.assert_allclose(
        stats.benjamini_hochberg([0.9, 0.045, 0.04, 0.02, 0.01]), [0.9, 0.05625, 0.05625, 0.05, 0.05]
    )


def test_p_values_are_two_sided_and_never_zero():
    reps = np.array([[-1.0], [1.0], [2.0], [3.0]])  # one of four replicates at or below 0
    est = stats.summarise(np.array([1.0]), reps)
    assert est.p_value[0] == pytest.approx(2 * (1 + 1) / (1 + 4))
    assert stats.summarise(np.array([1.0]), np.ones((9, 1))).p_value[0] == pytest.approx(2 / 10)
