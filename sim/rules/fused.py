"""The whole day of every run in two compiled passes: the rules of `sim.rules.day`, fused per run.

`sim.rules.day.advance` and `all_actors_choose` apply the day's rules one at a time over the
whole batch: each rule a pass over every run's arrays, with numpy glue between them. That is the
reference; the day loop (`sim.core.Simulation`) runs the same rules fused, one run at a time
while its arrays sit in cache, in place on the state, without the glue:

1. `open_day`: the day's events of each run (the responses chosen the day before, the routine
   acts drawn for the day, the scripted or injected events), taken in where they fall, the
   escalation ladder, relaxation, structural balance, the latent noise, the grievances' fading,
   and the scores of the influence shares' target (`influence.target_shares` before its `exp`);
2. `np.exp` of the scores, over the batch (numpy's, as in the reference);
3. `close_day`: the influence shares, the corridor's day and the rupture clock, the running trust
   minima, then (unless the day is the last) every actor's choice for the next day and the next
   day's routine acts, with the journal's rows of both.

Every number is the reference's, bit for bit (`tests/test_fused.py`,
`experiments/ensemble_digest.py`): the same formulas in the same order, numpy's 8 x 8 matrix
products as the chains of fused multiply-adds OpenBLAS makes them (`product`), its short sums
from the first term on. Work no number depends on is skipped: a run without events takes none
in, and the latent noise draws no number where its spread is zero (adding zero times a draw
changes no trust but a zero one, for which the draw is still made).
"""

from __future__ import annotations

from sim.rules.batch import at, inline_kernel, step_kernel
from sim.rules.fused_arrays import (
    CHOSEN,
    INFLUENCE_RATE,
    MODEL_CHOICE,
    NO_CHOICE,
    NOISE_SD,
    STATES,
    DayInputs,
    DayState,
    Queued,
    SharedEvents,
    day_inputs,
    day_state,
    shared_events,
)
from sim.rules.fused_choices import choose_all, clear, draw_routine, new_mine, row_acts, row_responses, rupture
from sim.rules.fused_corridor import negotiate, step_shares
from sim.rules.fused_trust import (
    add_shared,
    drift,
    fade,
    gather_events,
    ladder,
    lower_minimum,
    new_day,
    share_scores,
    take_in,
)
from sim.rules.matrix_product import product
from sim.rules.stream import NOISE, day_key

__all__ = [
    "CHOSEN",
    "MODEL_CHOICE",
    "NO_CHOICE",
    "DayInputs",
    "DayState",
    "Queued",
    "SharedEvents",
    "close_day",
    "day_inputs",
    "day_state",
    "new_day",
    "new_mine",
    "open_day",
    "product",
    "shared_events",
]


@step_kernel
def open_day(day, seeds, inputs, state, queued, shared, has_shared, score, net, kept_events, trust_min, first, d):
    """Step 1 of the fused day (module docstring) for every run, in place on `state`; lowers `trust_min`.

    `net` gets the peace pair's net cooperation of the day. Where `kept_events` has runs on its
    second axis, each run's hostility and cooperation of the day are kept in it ([0] and [1]),
    for the null model's choice.
    """
    runs = state.trust.shape[0]
    trust, keep = state.trust, inputs.keep
    a, b = STATES[0], STATES[1]
    dirty = True
    for r in range(runs):
        touched = gather_events(r, queued, d, dirty)
        if has_shared:
            add_shared(shared, d)
            touched = True
        k = at(keep, r)
        if touched:
            take_in(r, state, inputs, d)
            ladder(r, state, keep, k, d)
        else:
            fade(r, state, keep, k)  # the ladder, without events
        key = day_key(seeds[r], day, NOISE)
        drift(r, trust, inputs, k, d, key, inputs.rates[at(inputs.rates, r), NOISE_SD])
        share_scores(r, trust, inputs, score)
        lower_minimum(r, trust, trust_min, first)
        if has_shared:
            for x in range(d.proposed.size):
                state.on_table[r, x] = state.on_table[r, x] or d.proposed[x]
        net[r] = d.cooperation[a, b] + d.cooperation[b, a] - d.hostility[a, b] - d.hostility[b, a]
        if kept_events.shape[1] == runs:
            _keep_events(r, d, kept_events)
        dirty = touched


@inline_kernel
def _keep_events(r, d, kept_events):
    """Run r's hostility and cooperation of the day into kept_events[0, r] and [1, r]."""
    n = d.hostility.shape[0]
    for i in range(n):
        for j in range(n):
            kept_events[0, r, i, j], kept_events[1, r, i, j] = d.hostility[i, j], d.cooperation[i, j]


@step_kernel
def close_day(day, seeds, inputs, state, weight, net, queued, choice, rows, counted, mine):
    """Step 3 of the fused day (module docstring) for every run.

    Unless `choice` is NO_CHOICE (the last day: `queued` is cleared), every actor's action for
    day + 1 (MODEL_CHOICE: by the model's rule, keyed by `day`; CHOSEN: already in `queued`) and
    the routine acts of day + 1 are written into `queued`, and `rows` gets the journal's rows of
    both: rows[0, :4] the responses (run, actor, action, target), rows[1, :3] the cooperative
    routine acts and rows[2, :3] the criticisms (run, actor, target), each in (run, actor,
    target) order. Returns how many rows of each.
    """
    runs = state.trust.shape[0]
    counted[:] = 0
    for r in range(runs):
        step_shares(r, state.shares, weight, inputs.rates[at(inputs.rates, r), INFLUENCE_RATE])
        negotiate(r, day, state, inputs, net)
        rupture(r, day, state, inputs)
        if choice == NO_CHOICE:
            clear(r, queued)
            continue
        if choice == MODEL_CHOICE:
            choose_all(r, day, seeds[r], state, inputs, queued, mine)
        row_responses(r, queued, rows, counted)
        if draw_routine(r, day + 1, seeds[r], inputs, queued):
            row_acts(r, queued.cooperates, rows, counted, 1)
            row_acts(r, queued.criticises, rows, counted, 2)
