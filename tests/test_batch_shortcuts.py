"""The ensemble's shortcuts change no number.

Over a batch, events are taken in only by the runs they touch, and only the actors able to act
are asked to choose (`sim.rules.day`); short-axis maxima are elementwise (`sim.rules.short_axis`).
Each must give bit for bit what the plain computation over the whole batch gives.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from sim.actors import N_ACTORS
from sim.inputs import initially_on_table, rule_inputs
from sim.model import resolve_scenario
from sim.rules.day import CrisisState, actor_view, advance, all_actors_choose, initial_state, pairs_view
from sim.rules.events import response_events
from sim.rules.responses import NO_ACTION, able_to_act, choose_response
from sim.rules.short_axis import any_last, max_last

N = N_ACTORS
RUNS = 40


def _batch_inputs(rng):
    """Inputs where everything `take_in` and `choose_response` read varies from run to run."""
    varied = {
        "parameters.trust_rate": (0.05, 0.4),
        "parameters.solidarity": (0.0, 0.8),
        "parameters.forgiveness": (0.0, 1.0),
        "parameters.catharsis": (0.0, 1.0),
        "parameters.deterrence": (0.0, 1.0),
        "actors.AZE.sensitivity": (0.3, 1.8),
        "actors.RUS.response_threshold": (0.2, 1.5),
        "actors.RUS.restraint": (0.0, 0.9),
        "actors.AZE.conciliation": (0.0, 0.5),
        "actors.RUS.distraction": (0.0, 0.8),
    }
    batch = {key: rng.uniform(low, high, RUNS) for key, (low, high) in varied.items()}
    batch["parameters.max_rung_step"] = rng.integers(1, 4, RUNS)
    return rule_inputs(resolve_scenario("baseline"), batch)


def _mixed_state(inputs, rng) -> CrisisState:
    """A crisis under way in some runs (grievances, cut relations, detainees), calm in the others."""
    state = initial_state(inputs, initially_on_table(), (RUNS,))
    crisis = rng.random(RUNS) < 0.5
    grievance = rng.exponential(0.6, (RUNS, N, N)) * crisis[:, None, None]
    standing = rng.uniform(0.0, 4.0, (RUNS, N, N)) * crisis[:, None, None]
    for matrix in (grievance, standing):
        matrix[:, np.arange(N), np.arange(N)] = 0.0
    return replace(
        state,
        trust=np.clip(state.trust + rng.normal(0.0, 0.3, (RUNS, N, N)), -1.0, 1.0),
        grievance=grievance,
        standing=standing,
        holding=(rng.random((RUNS, N, N)) < 0.1) & crisis[:, None, None],
    )


def _some_actions(rng) -> tuple[np.ndarray, np.ndarray]:
    """Yesterday's choices: a few actors of half the runs act, on someone else."""
    acting = (rng.random((RUNS, N)) < 0.3) & (rng.random(RUNS) < 0.5)[:, None]
    action = np.where(acting, rng.integers(0, 11, (RUNS, N)), NO_ACTION)
    target = (np.arange(N) + rng.integers(1, N, (RUNS, N))) % N
    return action, np.where(acting, target, NO_ACTION)


def test_events_taken_in_only_where_they_fall_change_no_number():
    rng = np.random.default_rng(3)
    inputs = _batch_inputs(rng)
    state = _mixed_state(inputs, rng)
    events = response_events(*_some_actions(rng))
    assert 0 < events.touched.sum() < RUNS
    normal = rng.standard_normal((RUNS, N, N))
    shortcut = advance(state, events, inputs, normal, day=5)
    everywhere = advance(state, replace(events, touched=np.ones(RUNS, dtype=bool)), inputs, normal, day=5)
    for field in fields(CrisisState):
        assert np.array_equal(getattr(shortcut, field.name), getattr(everywhere, field.name)), field.name


def test_only_actors_able_to_act_are_asked_and_the_others_would_do_nothing():
    rng = np.random.default_rng(4)
    inputs = _batch_inputs(rng)
    state = _mixed_state(inputs, rng)
    able = able_to_act(state.grievance, inputs.threshold, state.standing)
    assert 0 < able.sum() < able.size
    draws = rng.random((RUNS, N, 2))
    action, target = all_actors_choose(state, inputs, draws)

    runs, actors = np.divmod(np.arange(RUNS * N), N)  # every (run, actor) pair
    view = pairs_view(state, inputs, runs, actors)
    asked_all = choose_response(actors, **view, draws=draws[runs, actors])
    assert np.array_equal(action.ravel(), asked_all[0]) and np.array_equal(target.ravel(), asked_all[1])
    most_willing, _ = choose_response(actors, **view, draws=np.zeros((RUNS * N, 2)))
    assert np.all(most_willing[~able.ravel()] == NO_ACTION)
    assert np.any(action != NO_ACTION)


def test_a_pair_sees_what_its_actor_sees_in_its_own_run():
    rng = np.random.default_rng(5)
    inputs = _batch_inputs(rng)
    state = _mixed_state(inputs, rng)
    runs, actors = np.array([0, 7, 7, 39]), np.array([1, 0, 5, 3])
    view = pairs_view(state, inputs, runs, actors)
    for k, (run, actor) in enumerate(zip(runs, actors, strict=True)):
        alone = actor_view(state.for_runs(np.array([run])), inputs.for_runs(np.array([run])), actor)
        for name, value in alone.items():
            assert np.array_equal(view[name][k], np.squeeze(value)), name


finite_or_infinite = st.floats(allow_nan=False, allow_infinity=True, width=64)


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=9), elements=finite_or_infinite))
def test_short_axis_maximum_is_numpys(values):
    assert np.array_equal(max_last(values), values.max(axis=-1))
    assert np.array_equal(max_last(values, keepdims=True), values.max(axis=-1, keepdims=True))


@given(arrays(np.bool_, array_shapes(min_dims=1, max_dims=3, max_side=9)))
def test_short_axis_any_is_numpys(values):
    assert np.array_equal(any_last(values), values.any(axis=-1))
