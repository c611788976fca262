"""A run's random numbers as a stream keyed by (seed, day, purpose, index), made where they are used.

Every random number of a run is a pure function of its key, not a position in a sequence: the
kernels that need one compute it on the spot, for the runs and actors that need it, so no run
holds a block of draws, the numbers do not depend on how runs are batched or ordered, and the
same run gives the same numbers in either engine (and would on a GPU).

The generator is counter-based. `day_key(seed, day, purpose)` hashes the run's seed, the day and
the purpose (`NOISE`: the trust noise of the day; `CHOICE`: the actors' draws at its close;
`ROUTINE`: the routine acts of the day) with
SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA; the mixing function of Java's SplittableRandom and Vigna's splitmix64.c),
one application per part. That key seeds a SplitMix64 stream: the k-th number of the day for
the purpose is `mix(key + (k + 1) * GOLDEN_GAMMA)`, with k = i * n + j for the noise on the pair
(i, j), k = 2 * actor + slot for an actor's two choice draws and k = 2 * (i * n + j) + kind for
the routine acts. SplitMix64 passes BigCrush
(TestU01) and is the generator numpy's `SeedSequence` and Java use to seed others.

From 64 bits: a uniform number in [0, 1) takes the top 53 bits (`uniform`). A standard normal
(`normal`) comes from Marsaglia & Tsang's ziggurat (2000, J. Stat. Softw. 5(8)) with 128 layers,
in Doornik's form (2005, "An improved ziggurat method to generate normal random samples",
ZIGNOR: the layer from the low 7 bits, the uniform from the top 53, so the two are independent):
one hash and a table look-up for about 97% of draws; a draw that falls outside its layer's
box tries again with the next numbers of its own stream (`bits(bits(key, index), attempt)`),
so it still depends only on its key.

Kernels key their numbers with `day_key` once per run and day, and index them with
`noise_index` and `choice_index`; `noise_draws` and `choice_draws` make the same numbers as
arrays (for the tests and for anyone who wants to see them).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.rules.batch import kernel, on_runs, row

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_1, _SHIFT_2, _SHIFT_3, _SHIFT_53 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 2.0**-53
NOISE = 1  # purpose: the day's trust noise, indexed by the pair (i, j)
CHOICE = 2  # purpose: each actor's two draws at the close of the day (answer, reach out)
ROUTINE = 3  # purpose: the day's routine acts, indexed by the pair (i, j) and the kind of act


@numba.njit(cache=True, inline="always")
def mix(value: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scatters every input bit."""
    z = value
    z = (z ^ (z >> _SHIFT_1)) * _MIX_1
    z = (z ^ (z >> _SHIFT_2)) * _MIX_2
    return z ^ (z >> _SHIFT_3)


@numba.njit(cache=True, inline="always")
def day_key(seed: int, day: int, purpose: int) -> np.uint64:
    """The key of a run's numbers for one purpose on one day."""
    key = mix(np.uint64(seed) + GOLDEN_GAMMA)
    key = mix(key ^ np.uint64(day))
    return mix(key ^ np.uint64(purpose))


@numba.njit(cache=True, inline="always")
def bits(key: np.uint64, index: int) -> np.uint64:
    """The `index`-th 64-bit number of the SplitMix64 stream seeded by `key` (taken as unsigned)."""
    return mix(np.uint64(key) + GOLDEN_GAMMA * np.uint64(index + 1))


@numba.njit(cache=True, inline="always")
def noise_index(i: int, j: int, n: int) -> int:
    """The index of the noise on the pair (i, j) among the day's NOISE numbers."""
    return i * n + j


@numba.njit(cache=True, inline="always")
def routine_index(i: int, j: int, n: int, kind: int) -> int:
    """The index of the draw for i's routine act of `kind` (0: cooperation, 1: friction) toward j."""
    return 2 * (i * n + j) + kind


@numba.njit(cache=True, inline="always")
def choice_index(actor: int, slot: int) -> int:
    """The index of an actor's draw (slot 0: answer, 1: reach out) among the day's CHOICE numbers."""
    return 2 * actor + slot


@numba.njit(cache=True, inline="always")
def uniform(key: np.uint64, index: int) -> float:
    """A uniform number in [0, 1): the top 53 bits of `bits(key, index)`."""
    return float(bits(key, index) >> _SHIFT_53) * _UNIT


ZIGGURAT_LAYERS = 128
ZIGGURAT_R = 3.442619855899  # the start of the tail (Marsaglia & Tsang 2000, 128 layers)
ZIGGURAT_V = 9.91256303526217e-3  # the area of each layer


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray]:
    """The layers' right edges x[0..128] (x[0] = V / f(R), the base's width) and ratios x[i+1] / x[i]."""
    x = np.zeros(ZIGGURAT_LAYERS + 1)
    f = math.exp(-0.5 * ZIGGURAT_R * ZIGGURAT_R)
    x[0], x[1] = ZIGGURAT_V / f, ZIGGURAT_R
    for i in range(2, ZIGGURAT_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(ZIGGURAT_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIGGURAT_X, ZIGGURAT_RATIO = _ziggurat_tables()
_LAYER_MASK = np.uint64(ZIGGURAT_LAYERS - 1)


@numba.njit(cache=True, inline="always")
def normal(key: np.uint64, index: int) -> float:
    """A standard normal number, the `index`-th of the stream `key` (ziggurat; see the module docstring)."""
    first = bits(key, index)
    u = 2.0 * (float(first >> _SHIFT_53) * _UNIT) - 1.0
    layer = first & _LAYER_MASK
    if abs(u) < ZIGGURAT_RATIO[layer]:  # inside the layer's box: about 97% of draws
        return u * ZIGGURAT_X[layer]
    return _ziggurat_slow(first)


@numba.njit(cache=True)
def _ziggurat_slow(first: np.uint64) -> float:
    """The rest of the ziggurat for a draw whose first word missed its box: tail, wedges, retries."""
    word, attempt = first, 0
    while True:
        u = 2.0 * (float(word >> _SHIFT_53) * _UNIT) - 1.0
        layer = int(word & _LAYER_MASK)
        if abs(u) < ZIGGURAT_RATIO[layer]:
            return u * ZIGGURAT_X[layer]
        attempt += 1
        if layer == 0:
            return _normal_tail(first, attempt, u < 0.0)
        x = u * ZIGGURAT_X[layer]
        x_here, x_next = ZIGGURAT_X[layer], ZIGGURAT_X[layer + 1]
        f0 = math.exp(-0.5 * (x_here * x_here - x * x))
        f1 = math.exp(-0.5 * (x_next * x_next - x * x))
        if f1 + _open_uniform(bits(first, attempt)) * (f0 - f1) < 1.0:
            return x
        attempt += 1
        word = bits(first, attempt)


@numba.njit(cache=True)
def _normal_tail(first: np.uint64, attempt: int, negative: bool) -> float:
    """A draw from the tail beyond ZIGGURAT_R (Marsaglia 1964), from the draw's own stream."""
    while True:
        x = math.log(_open_uniform(bits(first, attempt))) / ZIGGURAT_R
        y = math.log(_open_uniform(bits(first, attempt + 1)))
        attempt += 2
        if -2.0 * y >= x * x:
            return x - ZIGGURAT_R if negative else ZIGGURAT_R - x


@numba.njit(cache=True, inline="always")
def _open_uniform(word: np.uint64) -> float:
    """A uniform number in (0, 1) from the top 53 bits of `word`."""
    return (float(word >> _SHIFT_53) + 0.5) * _UNIT


def noise_draws(seeds: np.ndarray, day: int, n: int) -> np.ndarray:
    """The standard normal draws of the trust noise of `day`, [..., n, n] (the diagonal unused)."""
    return on_runs(_noise_draws, (np.asarray(seeds, dtype=np.int64), 0), (np.int64(day), 0), (np.int64(n), 0))


@kernel
def _noise_draws(runs, seeds, day, n):
    size = n[0]
    draws = np.empty((runs, size, size))
    for r in range(runs):
        key = day_key(row(seeds, r), day[0], NOISE)
        for i in range(size):
            for j in range(size):
                draws[r, i, j] = normal(key, noise_index(i, j, size))
    return draws


def choice_draws(seeds: np.ndarray, day: int, n: int) -> np.ndarray:
    """Each actor's two uniform draws at the close of `day` (answer, reach out), [..., n, 2]."""
    return on_runs(_choice_draws, (np.asarray(seeds, dtype=np.int64), 0), (np.int64(day), 0), (np.int64(n), 0))


@kernel
def _choice_draws(runs, seeds, day, n):
    size = n[0]
    draws = np.empty((runs, size, 2))
    for r in range(runs):
        key = day_key(row(seeds, r), day[0], CHOICE)
        for actor in range(size):
            for slot in range(2):
                draws[r, actor, slot] = uniform(key, choice_index(actor, slot))
    return draws
