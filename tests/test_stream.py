"""The random stream (`sim.rules.stream`): exact quantiles, a normal ziggurat, keys that do not collide."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import special, stats

from sim.rules.stream import CHOICE, NOISE, choice_draws, day_key, noise_draws, normal, uniform

N = 8


def test_the_ziggurat_matches_normal_quantiles():
    """The empirical quantiles of a million draws against the normal's (scipy.special.ndtri)."""
    draws = np.sort(_normals(11, 1_000_000))
    probabilities = np.array([0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999])
    empirical = draws[(probabilities * draws.size).astype(int)]
    # a quantile's standard error is sqrt(p (1 - p) / n) / pdf(q): at most about 0.01 here
    np.testing.assert_allclose(empirical, special.ndtri(probabilities), atol=0.02)


@numba.njit
def _normals(seed, count):
    key, out = day_key(seed, 0, NOISE), np.empty(count)
    for index in range(count):
        out[index] = normal(key, index)
    return out


@numba.njit
def _uniforms(seed, count):
    key, out = day_key(seed, 0, CHOICE), np.empty(count)
    for index in range(count):
        out[index] = uniform(key, index)
    return out


def test_the_ziggurat_draws_a_standard_normal():
    """Kolmogorov-Smirnov on 200,000 draws, and the mass beyond the ziggurat's tail start (the rare path)."""
    draws = _normals(2025, 2_000_000)
    assert stats.kstest(draws[:200_000], "norm").pvalue > 1e-3
    assert abs(draws.mean()) < 5 / np.sqrt(draws.size) and abs(draws.std() - 1.0) < 5 / np.sqrt(2 * draws.size)
    tail = np.mean(np.abs(draws) > 3.442619855899)
    expected = 2 * stats.norm.sf(3.442619855899)
    assert abs(tail - expected) < 5 * np.sqrt(expected / draws.size)


def test_uniforms_are_uniform_on_the_unit_interval():
    draws = _uniforms(7, 200_000)
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert stats.kstest(draws, "uniform").pvalue > 1e-3


@pytest.mark.parametrize("other", [(8, 3), (7, 4)], ids=["another seed", "another day"])
def test_neighbouring_keys_give_unrelated_numbers(other):
    base, changed = noise_draws(7, 3, N), noise_draws(other[0], other[1], N)
    off = ~np.eye(N, dtype=bool)
    assert not np.any(base[off] == changed[off])
    assert abs(stats.pearsonr(base[off], changed[off]).statistic) < 0.5  # 56 pairs: |r| < 0.5 unless related
    assert not np.array_equal(choice_draws(7, 3, N), choice_draws(*other, N))


def test_draws_depend_only_on_their_key_not_on_the_batch():
    seeds = np.array([[5, 7], [7, 11]])
    batch = noise_draws(seeds, 3, N)
    np.testing.assert_array_equal(batch[0, 1], noise_draws(7, 3, N))
    np.testing.assert_array_equal(batch[1, 0], noise_draws(7, 3, N))
    np.testing.assert_array_equal(choice_draws(seeds, 3, N)[1, 1], choice_draws(11, 3, N))
