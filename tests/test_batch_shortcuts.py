"""The ensemble's whole-batch computations change no number.

The rules run as compiled kernels over a batch of runs (`sim.rules.batch.on_runs`); events are
taken in only by the runs they touch; every actor of every run chooses at once, straight from the
state (`sim.rules.responses.choose_every_response`), skipping those that cannot act; short-axis
maxima are elementwise (`sim.rules.short_axis`). Each must give bit for bit what the rule gives
one run, or one actor, at a time.
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
from sim.rules import trust
from sim.rules.day import CrisisState, actor_view, advance, all_actors_choose, initial_state, take_in
from sim.rules.events import response_events
from sim.rules.responses import NO_ACTION, able_to_act, choose_response
from sim.rules.short_axis import max_last
from sim.rules.stream import choice_draws

N = N_ACTORS
RUNS = 40


def _batch_values(rng) -> dict[str, np.ndarray]:
    """Per-run values of everything `take_in` and `choose_response` read."""
    varied = {
        "parameters.trust_rate": (0.05, 0.4),
        "parameters.solidarity": (0.0, 0.8),
        "parameters.forgiveness": (0.0, 1.0),
        "parameters.catharsis": (0.0, 1.0),
        "parameters.deterrence": (0.0, 1.0),
        "actors.AZE.sensitivity": (0.3, 1.8),
        "actors.RUS.response_threshold": (0.2, 1.5),
        "parameters.escalation_cost": (0.0, 10.0),
        "parameters.thaw_rate": (0.0, 3.0),
        "parameters.audience_cost": (0.0, 0.5),
        "actors.RUS.distraction": (0.0, 0.8),
    }
    batch = {key: rng.uniform(low, high, RUNS) for key, (low, high) in varied.items()}
    batch["parameters.max_rung_step"] = rng.integers(1, 4, RUNS)
    return batch


def _batch_inputs(rng):
    return rule_inputs(resolve_scenario("baseline"), _batch_values(rng))


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
    seeds = rng.integers(0, 2**63, RUNS)
    some = response_events(*_some_actions(rng))
    none = response_events(np.full((RUNS, N), NO_ACTION), np.full((RUNS, N), NO_ACTION))
    assert 0 < some.touched.sum() < RUNS and not none.touched.any()
    for events in (some, none):
        shortcut = advance(state, events, inputs, seeds, day=5)
        everywhere = advance(state, replace(events, touched=np.ones(RUNS, dtype=bool)), inputs, seeds, day=5)
        for field in fields(CrisisState):
            shortcut_value, everywhere_value = getattr(shortcut, field.name), getattr(everywhere, field.name)
            nan_equal = shortcut_value.dtype.kind == "f"  # support is NaN off the corridor table
            assert np.array_equal(shortcut_value, everywhere_value, equal_nan=nan_equal), field.name


def test_runs_without_events_keep_their_trust_and_grievance_when_others_take_theirs_in():
    rng = np.random.default_rng(4)
    inputs = _batch_inputs(rng)
    state = _mixed_state(inputs, rng)
    events = response_events(*_some_actions(rng))
    assert 0 < events.touched.sum() < RUNS
    trust_now, grievance = take_in(state.trust, state.grievance, events, inputs)
    quiet = ~events.touched
    assert np.array_equal(trust_now[quiet], state.trust[quiet])
    assert np.array_equal(grievance[quiet], state.grievance[quiet])
    assert not np.array_equal(trust_now[~quiet], state.trust[~quiet])


def test_every_actor_choosing_at_once_equals_each_actor_choosing_alone_in_its_own_run():
    rng = np.random.default_rng(5)
    values = _batch_values(rng)
    inputs = rule_inputs(resolve_scenario("baseline"), values)
    state = _mixed_state(inputs, rng)
    able = able_to_act(state.grievance, inputs.threshold, state.standing, state.holding)
    assert 0 < able.sum() < able.size
    seeds = rng.integers(0, 2**63, RUNS)
    draws = choice_draws(seeds, 9, N)
    action, target = all_actors_choose(state, inputs, seeds, 9)
    assert np.any(action != NO_ACTION)

    for run in range(RUNS):
        one = [run]
        run_state = CrisisState(**{field.name: getattr(state, field.name)[one] for field in fields(CrisisState)})
        run_inputs = rule_inputs(resolve_scenario("baseline"), {name: value[one] for name, value in values.items()})
        for actor in range(N):
            view = actor_view(run_state, run_inputs, actor)
            alone = choose_response(actor, **view, draws=draws[one, actor])
            assert (action[run, actor], target[run, actor]) == (alone[0][0], alone[1][0]), (run, actor)
            if not able[run, actor]:  # could not act, however willing its draws
                assert choose_response(actor, **view, draws=np.zeros((1, 2)))[0][0] == NO_ACTION


def test_a_rule_over_any_batch_shape_equals_the_rule_run_by_run():
    rng = np.random.default_rng(6)
    values = rng.uniform(-1.0, 1.0, (3, 4, N, N))
    baseline = rng.uniform(-1.0, 1.0, (N, N))  # shared by all runs
    keep = rng.random((4, N))  # shared along the first batch axis only
    rate = rng.random((3, 1))  # shared along the second
    relaxed = trust.relax(values, baseline, keep)
    drifted = trust.balance_drift(values, baseline, rate)
    for a in range(3):
        for b in range(4):
            assert np.array_equal(relaxed[a, b], trust.relax(values[a, b], baseline, keep[b]))
            assert np.array_equal(drifted[a, b], trust.balance_drift(values[a, b], baseline, rate[a, 0]))


finite_or_infinite = st.floats(allow_nan=False, allow_infinity=True, width=64)


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=9), elements=finite_or_infinite))
def test_short_axis_maximum_is_numpys(values):
    assert np.array_equal(max_last(values), values.max(axis=-1))
    assert np.array_equal(max_last(values, keepdims=True), values.max(axis=-1, keepdims=True))
