"""The whole day of every run in two compiled passes: the rules of `sim.rules.day`, fused per run.

`sim.rules.day.advance` and `all_actors_choose` apply the day's rules one at a time over the
whole batch: each rule a pass over every run's arrays, with numpy glue between them. That is the
reference; the day loop (`sim.core.Simulation`) runs the same rules fused, one run at a time
while its arrays sit in cache, in place on the state, without the glue:

1. `open_day`: the day's events of each run (the responses chosen the day before, the routine
   acts drawn for the day, the scripted or injected events), taken in where they fall, the
   escalation ladder, relaxation, structural balance, the latent noise, the grievances' fading,
   the scores of the influence shares' target (`influence.target_shares` before its `exp`), the
   running trust minima, each principal's lowest trust in each arrangement's sponsors, the
   rupture clock, then (unless the day is the last) every actor's choice for the next day and the
   next day's routine acts, with the journal's rows of both;
2. `np.exp` of the scores, over the batch (numpy's, as in the reference);
3. `close_day`: the influence shares and the corridor's day (and the rows of choices made
   outside, by the null model).

Whatever needs a run's trust, grievances and standing is done in the first pass, while they are
in cache: the second pass reads only the few small arrays of the corridor (reading trust again
there, for the sponsors, missed the cache on every run of a large batch). The steps of the two
passes touch disjoint parts of the state, so their order is the reference's in every number.

Every number is the reference's, bit for bit (`tests/test_fused.py`,
`experiments/ensemble_digest.py`): the same formulas in the same order, numpy's 8 x 8 matrix
products as the chains of fused multiply-adds OpenBLAS makes them (`product`), its short sums
from the first term on. Work no number depends on is skipped: a run without events takes none
in, and the latent noise draws no number where its spread is zero (adding zero times a draw
changes no trust but a zero one, for which the draw is still made).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.batch import at, inline_kernel, pass_kernel
from sim.rules.fused_arrays import (
    CHOSEN,
    INFLUENCE_RATE,
    MODEL_CHOICE,
    NO_CHOICE,
    NOISE_SD,
    POWERS,
    STATES,
    DayInputs,
    DayState,
    Queued,
    SharedEvents,
    day_inputs,
    day_state,
    shared_events,
)
from sim.rules.fused_choices import Mine, choose_all, clear, draw_routine, new_mine, row_acts, row_responses, rupture
from sim.rules.fused_corridor import negotiate, sponsor_trust, step_shares
from sim.rules.fused_trust import (
    Day,
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
from sim.rules.prefetch import ahead
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
    "Work",
    "new_work",
    "open_day",
    "product",
    "shared_events",
]


class Work(NamedTuple):
    """A batch's working arrays of the fused day, made once (`new_work`) and overwritten every day."""

    score: np.ndarray  # [runs, state, power]: the influence shares' scores (`open_day`), before `np.exp`
    weight: np.ndarray  # [runs, state, power]: `np.exp` of the scores, for `close_day`
    net: np.ndarray  # [runs]: the peace pair's net cooperation of the day
    sponsor_trust: np.ndarray  # [runs, arrangement, state]: `fused_corridor.sponsor_trust`
    rows: np.ndarray  # [3, 4, runs x n x n]: the journal's rows of the responses and routine acts
    counted: np.ndarray  # [3]: how many rows of each
    day: Day  # one run's events and working arrays
    mine: Mine  # what one run's choices and routine draws work with besides the state


def new_work(runs: int, n: int, arrangements: int) -> Work:
    """Room for the fused day of `runs` runs of `n` actors and `arrangements` arrangements."""
    return Work(
        score=np.empty((runs, STATES.size, POWERS.size)),
        weight=np.empty((runs, STATES.size, POWERS.size)),
        net=np.empty(runs),
        sponsor_trust=np.empty((runs, arrangements, STATES.size)),
        rows=np.empty((3, 4, runs * n * n), dtype=np.int64),
        counted=np.zeros(3, dtype=np.int64),
        day=new_day(n, arrangements),
        mine=new_mine(n),
    )


@pass_kernel
def open_day(day, seeds, inputs, state, queued, shared, has_shared, kept_events, trust_min, first, choice, work):
    """Step 1 of the fused day (module docstring) for every run, in place on `state`; lowers `trust_min`.

    Where `kept_events` has runs on its second axis, each run's hostility and cooperation of the
    day are kept in it ([0] and [1]), for the null model's choice. `choice` as in `close_day`:
    NO_CHOICE and MODEL_CHOICE are made here, CHOSEN in `close_day`.
    """
    runs = state.trust.shape[0]
    trust, keep, d = state.trust, inputs.keep, work.day
    a, b = STATES[0], STATES[1]
    dirty = True
    work.counted[:] = 0
    for r in range(runs):
        _prefetch_run(r + 1, state, trust_min)
        touched = gather_events(r, queued, d, dirty)
        if has_shared:
            add_shared(shared, d)
            touched = True
        k, q = at(keep, r), at(inputs.threshold, r)
        if touched:
            take_in(r, state, inputs, d)
            acting = ladder(r, state, keep, k, d, inputs.threshold, q)
        else:
            acting = fade(r, state, keep, k, inputs.threshold, q)  # the ladder, without events
        key = day_key(seeds[r], day, NOISE)
        drift(r, trust, inputs, k, d, key, inputs.rates[at(inputs.rates, r), NOISE_SD])
        share_scores(r, trust, inputs, work.score)
        lower_minimum(r, trust, trust_min, first)
        sponsor_trust(r, trust, inputs, work.sponsor_trust)
        if has_shared:
            for x in range(d.proposed.size):
                state.on_table[r, x] = state.on_table[r, x] or d.proposed[x]
        work.net[r] = d.cooperation[a, b] + d.cooperation[b, a] - d.hostility[a, b] - d.hostility[b, a]
        if kept_events.shape[1] == runs:
            _keep_events(r, d, kept_events)
        rupture(r, day, state, inputs)
        if choice == NO_CHOICE:
            clear(r, queued)
        elif choice == MODEL_CHOICE:
            choose_all(r, day, seeds[r], state, inputs, queued, work.mine, acting)
            _queue_next_day(r, day, seeds[r], inputs, queued, work)
        dirty = touched


@inline_kernel
def _prefetch_run(r, state, trust_min):
    """Ask the cache for run r's trust, grievances, standing and trust minima while run r - 1 is worked out.

    A large batch's state does not fit in a core's own cache; without this, a crisis day's run
    waited on the first read of each (about a tenth of the pass, 2026-12-01, best of 4: 570 -> 514 ns
    a run on day 250 of a Sobol chunk). A hint only: no number changes.
    """
    ahead(state.trust, r)
    ahead(state.grievance, r)
    ahead(state.standing, r)
    ahead(trust_min, r)


@inline_kernel
def _keep_events(r, d, kept_events):
    """Run r's hostility and cooperation of the day into kept_events[0, r] and [1, r]."""
    n = d.hostility.shape[0]
    for i in range(n):
        for j in range(n):
            kept_events[0, r, i, j], kept_events[1, r, i, j] = d.hostility[i, j], d.cooperation[i, j]


@inline_kernel
def _queue_next_day(r, day, seed, inputs, queued, work):
    """Run r's responses as rows, then its routine acts of day + 1, drawn, into `queued` and as rows."""
    row_responses(r, queued, work.rows, work.counted)
    if draw_routine(r, day + 1, seed, inputs, queued, work.mine):
        row_acts(r, queued.cooperates, work.rows, work.counted, 1)
        row_acts(r, queued.criticises, work.rows, work.counted, 2)


@pass_kernel
def close_day(day, seeds, inputs, state, queued, choice, work):
    """Step 3 of the fused day (module docstring) for every run: influence shares, the corridor, CHOSEN actions.

    `work.weight` holds step 2's `np.exp` of the scores.

    Unless `choice` is NO_CHOICE (the last day: `queued` is cleared), every actor's action for
    day + 1 (MODEL_CHOICE: by the model's rule, keyed by `day`; CHOSEN: already in `queued`) and
    the routine acts of day + 1 are in `queued` after the day, and `work.rows` has the journal's
    rows of both: rows[0, :4] the responses (run, actor, action, target), rows[1, :3] the
    cooperative routine acts and rows[2, :3] the criticisms (run, actor, target), each in (run,
    actor, target) order, `work.counted` of each.
    """
    runs = state.trust.shape[0]
    for r in range(runs):
        step_shares(r, state.shares, work.weight, inputs.rates[at(inputs.rates, r), INFLUENCE_RATE])
        negotiate(r, day, state, inputs, work.net, work.sponsor_trust)
        if choice == CHOSEN:
            _queue_next_day(r, day, seeds[r], inputs, queued, work)
