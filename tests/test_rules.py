"""The pure rule functions: bounds, conservation, and the batch axis."""

from __future__ import annotations

import numba
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.actors import N_ACTORS
from sim.cameo import RESPONSE_INDEX, RUNG_SEVERITY
from sim.inputs import initially_on_table, rule_inputs
from sim.model import resolve_scenario
from sim.rules import influence, trust
from sim.rules.day import actor_view, advance, initial_state
from sim.rules.events import DayEvents, ShockInput, response_events, shock_events
from sim.rules.responses import NO_ACTION, _reaches_out, choose_response, wanted_rung

N = N_ACTORS
unit = st.floats(-1.0, 1.0, allow_nan=False)
trust_matrices = arrays(np.float64, (N, N), elements=unit)
impulses = arrays(np.float64, (N, N), elements=st.floats(-50.0, 50.0, allow_nan=False))


@given(trust_matrices, impulses, st.floats(0.0, 1.0))
def test_bounded_trust_update_stays_in_bounds(start, impulse, rate):
    moved = trust.apply_impulse(start, impulse, rate)
    assert np.all(moved >= -1.0) and np.all(moved <= 1.0)
    # the step never overshoots: moving down never raises trust, moving up never lowers it
    assert np.all(np.where(impulse < 0, moved <= start + 1e-12, moved >= start - 1e-12))


@given(trust_matrices, st.integers(0, 2**63 - 1), st.integers(0, 10_000), st.floats(0.0, 0.2))
def test_noise_is_clipped_and_keeps_the_diagonal(start, seed, day, sd):
    noisy = trust.add_noise(start, seed, day, sd)
    assert np.all(np.abs(noisy) <= 1.0)
    assert np.all(np.diag(noisy) == 1.0)
    off = ~np.eye(N, dtype=bool)
    assert np.all(np.abs(noisy - start)[off] <= 3 * sd + 1e-12)


@given(trust_matrices, st.floats(0.0, 0.05))
def test_balance_drift_stays_in_bounds(start, rate):
    np.fill_diagonal(start, 1.0)
    drifted = trust.balance_drift(start, start[::-1, ::-1], rate)
    assert np.all(np.abs(drifted) <= 1.0 + 1e-12)


@given(trust_matrices, st.floats(0.0, 0.05))
def test_balance_drift_leaves_trust_at_its_baseline_where_it_is(start, rate):
    np.fill_diagonal(start, 1.0)
    assert np.array_equal(trust.balance_drift(start, start, rate), start)


def test_grievance_is_nonnegative_and_forgiveness_lifts_it():
    grievance = np.full((N, N), 2.0)
    cooperation = np.zeros((N, N))
    cooperation[1, 0] = 0.7  # an apology from 0 to 1
    no_hostility = np.zeros((N, N))
    hurt = trust.hurt(no_hostility, trust.witnessed(np.zeros((N, N)), no_hostility), np.ones(N), 0.3)
    after = trust.update_grievance(grievance, hurt, cooperation, 0.6)
    assert after[1, 0] == 2.0 * (1 - 0.6 * 0.7)
    assert after[2, 0] == 2.0
    settled = trust.settle_accounts(after, np.full((N, N), 10.0), 1.0)
    assert np.all(settled == 0.0)


@given(arrays(np.float64, (3, 2, 6), elements=unit), st.floats(0.0, 1.0))
def test_influence_shares_sum_to_one(trust_in_powers, rate):
    reach = np.linspace(0.001, 0.05, 6)
    target = influence.target_shares(trust_in_powers, reach, 2.0, 1.0)
    shares = np.full((3, 2, 6), 1 / 6)
    stepped = influence.step_shares(shares, target, rate)
    np.testing.assert_allclose(target.sum(axis=-1), 1.0)
    np.testing.assert_allclose(stepped.sum(axis=-1), 1.0)
    assert np.all(stepped >= 0.0)


@numba.njit
def _reaches_out_by_formula(draw, rate):
    return draw < 1.0 - np.exp(-rate)  # the rule as written (responses module docstring), the same libm exp


@given(
    st.floats(0.0, 1.0, exclude_max=True),
    st.one_of(st.floats(0.0, 3.0), st.floats(0.0, 1e-10), st.just(0.0), st.just(5e-324)),
    st.integers(-4, 4),
)
def test_the_way_backs_shortcut_decides_as_the_formula(draw, rate, ulps):
    """`_reaches_out` skips the exp where the bound 1 - exp(-x) <= x decides: never another answer.

    Draws are also taken a few ulps either side of the threshold itself, where a loose bound would show.
    """
    edge = 1.0 - float(np.exp(-rate))
    for value in (draw, float(np.clip(edge + ulps * np.spacing(max(edge, 1e-300)), 0.0, np.nextafter(1.0, 0.0)))):
        assert _reaches_out(value, rate) == _reaches_out_by_formula(value, rate)


def test_wanted_rung_picks_the_highest_affordable_rung():
    assert wanted_rung(np.array(0.0)) == 1
    assert wanted_rung(np.array(0.45)) == 3
    assert wanted_rung(np.array(0.5)) == 4
    assert wanted_rung(np.array(5.0)) == len(RUNG_SEVERITY)


def test_response_arrays_hold_each_chosen_action():
    action = np.array(
        [RESPONSE_INDEX["173"], NO_ACTION, RESPONSE_INDEX["055"], RESPONSE_INDEX["0841"]] + [NO_ACTION] * 4
    )
    target = np.array([1, NO_ACTION, 1, 5] + [NO_ACTION] * 4)
    events = response_events(action, target)
    assert events.hostility[1, 0] == 0.5 and events.rung[0, 1] == 4 and events.detained[0, 1]
    assert events.severity_dealt[0, 1] == 0.5
    assert events.cooperation[1, 2] == 0.7 and events.rung[2, 1] == 0 and events.severity_dealt[2, 1] == 0
    assert events.released[3, 5] and events.cooperation[5, 3] == 0.7
    assert events.hostility.sum() == 0.5 and events.cooperation.sum() == 1.4
    batched = response_events(np.stack([action, action]), np.stack([target, target]))
    np.testing.assert_array_equal(batched.hostility[1], events.hostility)


def test_a_day_over_a_batch_equals_the_day_replicate_by_replicate():
    """The leading batch axis: three replicates at once give each replicate's own result."""
    inputs = rule_inputs(resolve_scenario("baseline"))
    rng = np.random.default_rng(11)
    singles, seeds, event_sets = [], np.array([3, 1, 2]), []
    for b in range(3):
        state = initial_state(inputs, initially_on_table())
        shocks = [
            ShockInput(actor=0, target=1, cameo="190", salience=1.0 + b, affront=0.5),
            ShockInput(actor=1, target=0, cameo="055", salience=0.5),
        ]
        events = shock_events(shocks, N)
        event_sets.append(events)
        singles.append(advance(state, events, inputs, seeds[b], day=5))
    batch_state = initial_state(inputs, initially_on_table(), batch_shape=(3,))
    batch_events = DayEvents(
        **{name: np.stack([getattr(e, name) for e in event_sets]) for name in DayEvents.__dataclass_fields__}
    )
    batched = advance(batch_state, batch_events, inputs, seeds, day=5)
    for b in range(3):
        for name in ("trust", "grievance", "standing", "holding", "shares", "support", "streak"):
            np.testing.assert_allclose(getattr(batched, name)[b], getattr(singles[b], name), atol=1e-12, err_msg=name)
    draws = rng.random((3, 2))
    for me in range(N):
        batch_choice = choose_response(me, **actor_view(batched, inputs, me), draws=draws)
        for b in range(3):
            single = choose_response(me, **actor_view(singles[b], inputs, me), draws=draws[b])
            assert (int(batch_choice[0][b]), int(batch_choice[1][b])) == (int(single[0]), int(single[1]))


def test_a_grievance_far_above_threshold_climbs_the_ladder_one_rung_at_a_time():
    inputs = rule_inputs(resolve_scenario("baseline"))
    from dataclasses import replace

    state = initial_state(inputs, initially_on_table())
    grievance = np.zeros((N, N))
    grievance[1, 0] = 50.0
    state = replace(state, grievance=grievance)
    action, target = choose_response(1, **actor_view(state, inputs, 1), draws=np.array([0.0, 1.0]))
    assert (int(action), int(target)) == (RESPONSE_INDEX["111"], 0)
    standing = np.zeros((N, N))
    standing[1, 0] = 3.0
    state = replace(state, standing=standing)
    action, _ = choose_response(1, **actor_view(state, inputs, 1), draws=np.array([0.0, 1.0]))
    assert int(action) == RESPONSE_INDEX["173"]


def test_blocs_split_two_hostile_camps():
    from sim.blocs import blocs

    camp = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    trust_now = np.where(camp[:, None] == camp[None, :], 0.8, -0.6)
    assert blocs(trust_now) == [["RUS", "ARM", "IRN", "USA"], ["AZE", "TUR", "CHN", "EU"]]


def test_per_replicate_parameters_along_the_batch_axis_give_each_replicates_result():
    """Inputs and parameters may carry the batch axis too (a sweep varies them per replicate)."""
    from dataclasses import replace

    base = rule_inputs(resolve_scenario("baseline"))
    rates, dependences = np.array([0.1, 0.2, 0.4]), np.array([0.0, 0.3, 0.9])
    singles = []
    for rate, dependence in zip(rates, dependences, strict=True):
        matrix = base.dependence.copy()
        matrix[0, 1:] = dependence
        inputs = replace(base, params=replace(base.params, trust_rate=float(rate)), dependence=matrix)
        singles.append(inputs)
    batched = replace(
        base,
        params=replace(base.params, trust_rate=rates),
        dependence=np.stack([s.dependence for s in singles]),
        sponsors=np.broadcast_to(base.sponsors, (3, *base.sponsors.shape)),
    )
    events = shock_events([ShockInput(actor=1, target=0, cameo="190", affront=1.0)], N)
    seeds = np.array([5, 6, 7])
    state = advance(initial_state(batched, initially_on_table(), (3,)), events, batched, seeds, day=0)
    for b, inputs in enumerate(singles):
        single = advance(initial_state(inputs, initially_on_table()), events, inputs, seeds[b], day=0)
        np.testing.assert_allclose(state.trust[b], single.trust, atol=1e-12)
        np.testing.assert_allclose(state.support[b], single.support, atol=1e-12)
        draws = np.array([0.0, 1.0])
        batch_choice = choose_response(0, **actor_view(state, batched, 0), draws=np.stack([draws] * 3))
        assert int(batch_choice[0][b]) == int(choose_response(0, **actor_view(single, inputs, 0), draws=draws)[0])
