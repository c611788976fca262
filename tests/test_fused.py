"""The fused day (`sim.rules.fused`) gives the numbers of the rules applied one by one, bit for bit.

The day loop runs the rules fused, per run, in place; `sim.rules.day.advance`, `all_actors_choose`
and `draw_routine` apply them rule by rule over the batch. Day after day, from the same state,
both must give the same state, choices, routine acts and journal rows, bit for bit, on a batch
whose runs differ in their parameters and dispositions, through the baseline's scripted shocks.
"""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
import pytest

from sim.config import load_scenario
from sim.core import Simulation, shared_day_events
from sim.rules import fused
from sim.rules.day import advance, all_actors_choose
from sim.rules.events import combine, response_events, with_routine
from sim.rules.fused import product
from sim.rules.no_alias import arrays_of, check_no_overlap
from sim.rules.routine import draw_routine

BASELINE = "configs/scenarios/baseline.toml"
RUNS = 48


def varied_batch(runs: int) -> dict[str, np.ndarray]:
    """Per-run values spread over the parameters' ranges (the Sobol study's ranges)."""
    spread = np.linspace(0.0, 1.0, runs)
    return {
        "parameters.escalation_cost": 10.0 * spread,
        "parameters.thaw_rate": 2.0 * spread[::-1],
        "parameters.trust_rate": 0.1 + 0.3 * spread,
        "parameters.solidarity": 0.7 * spread[::-1],
        "parameters.concession_rate": 0.03 * spread,
        "parameters.noise_sd": 0.05 * (spread > 0.5),  # the latent noise on in half the runs
        "actors.AZE.sensitivity": 0.4 + 1.2 * spread,
        "actors.RUS.distraction": 0.8 * spread,
    }


def reference_day(simulation: Simulation):
    """The next day by the rules one by one: the state, the choices and the routine acts."""
    day, inputs, seeds = simulation.day, simulation.inputs, simulation.seeds
    events = response_events(simulation.actions, simulation.targets)
    events = with_routine(events, *simulation.routine)
    shared = simulation.journal.shared_on(day)
    if shared:
        events = combine(shared_day_events(shared), events)
    state = advance(simulation.state, events, inputs, seeds, day)
    action, target = all_actors_choose(state, inputs, seeds, day)
    routine = draw_routine(
        inputs.routine_cooperation, inputs.routine_friction, inputs.params.routine_scale, seeds, day + 1
    )
    return state, action, target, routine


def test_numbas_matrix_products_are_numpys_bit_for_bit():
    rng = np.random.default_rng(7)
    left, right = rng.uniform(-1.0, 1.0, (2, 500, 8, 8))
    left[:, :, 3] = 0.0  # zeros, as the observer weights' diagonal and clipped weights
    expected = left @ right
    out = np.empty((8, 8))
    for k in range(len(left)):
        product(left[k], right[k], out)
        assert np.array_equal(out, expected[k])


@pytest.mark.slow
def test_the_fused_day_gives_the_rules_numbers_bit_for_bit():
    simulation = Simulation(load_scenario(BASELINE), list(range(1, RUNS + 1)), varied_batch(RUNS))
    shocked = touched = 0
    while simulation.day < simulation.horizon - 1:
        before = copy.deepcopy(simulation.state)
        shocked += bool(simulation.journal.shared_on(simulation.day))
        state, action, target, routine = reference_day(simulation)
        simulation.run_day()
        for field in fields(state):
            assert np.array_equal(getattr(simulation.state, field.name), getattr(state, field.name), equal_nan=True), (
                field
            )
        assert np.array_equal(simulation.actions, action) and np.array_equal(simulation.targets, target)
        assert all(np.array_equal(mine, theirs) for mine, theirs in zip(simulation.routine, routine, strict=True))
        touched += int(np.sum(before.grievance != simulation.state.grievance))
    assert shocked >= 2 and touched > 0, "the days compared include scripted shocks and events taken in"


def test_the_journal_rows_are_those_of_the_chosen_responses_and_routine_acts():
    simulation = Simulation(load_scenario(BASELINE), list(range(1, 33)))
    for _ in range(40):
        simulation.run_day()
    day = simulation.day
    responses = [entry for entry in simulation.journal.entries if entry.day == day and hasattr(entry, "actions")]
    runs, actors = np.nonzero(simulation.actions >= 0)
    assert sum(entry.runs.size for entry in responses) == runs.size
    if runs.size:
        (rows,) = responses
        assert np.array_equal(rows.runs, runs) and np.array_equal(rows.actors, actors)
        assert np.array_equal(rows.actions, simulation.actions[runs, actors])
    routine = [entry for entry in simulation.journal.entries if entry.day == day and hasattr(entry, "friction")]
    cooperates, criticises = simulation.routine
    acts = np.concatenate([np.argwhere(cooperates), np.argwhere(criticises)])
    assert sum(entry.runs.size for entry in routine) == len(acts)
    if len(acts):
        (rows,) = routine
        assert np.array_equal(np.stack([rows.runs, rows.actors, rows.targets], axis=1), acts)
        assert rows.friction.sum() == np.count_nonzero(criticises)


def test_products_of_any_size_are_numpys_bit_for_bit():
    rng = np.random.default_rng(11)
    for n in (3, 5, 9):
        left, right = rng.uniform(-1.0, 1.0, (2, n, n))
        out = np.empty((n, n))
        product(left, right, out)
        assert np.array_equal(out, left @ right), n


def test_an_array_the_fused_day_writes_may_not_overlap_another():
    state = np.zeros((4, 8, 8))
    check_no_overlap([state, np.zeros(3)], [np.ones((1, 8, 8))])  # separate arrays pass
    with pytest.raises(ValueError, match="overlaps"):
        check_no_overlap([state], [state[1:]])  # a view of a written array
    with pytest.raises(ValueError, match="overlaps"):
        check_no_overlap([state[:2], state[1:]], [])  # two written arrays sharing memory
    named = fused.Queued(*(np.zeros(2) for _ in fused.Queued._fields))
    assert len(arrays_of(named, (np.zeros(1), 3), "text")) == len(fused.Queued._fields) + 1
