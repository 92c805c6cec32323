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
    b = np.zeros((1, 2, 4), bool)
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


def test_seeds_are_resampled_within_each_condition():
    a = np.zeros((2, 1, 10), bool)
    a[0] = True  # seed 0 gets everything right, seed 1 nothing
    reps = stats.bootstrap({"a": a}, B, seed=0).replicates["a"][:, 0]
    assert set(np.round(reps, 6)) == {0.0, 0.5, 1.0}  # both seeds, either seed twice


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
