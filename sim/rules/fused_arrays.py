"""The arrays of the fused day (`sim.rules.fused`): its view of the inputs and the state, and what a day queues.

Each array has a leading run axis, of length 1 where all runs share it (read with
`sim.rules.batch.at`). `day_inputs` works out once, with numpy, what the fused day reads of the
inputs (the same numbers the rule-by-rule reference works out each day); `day_state` gives the
state's arrays as such views, so the passes write the state itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.actors import POWER_INDEX, STATE_INDEX
from sim.rules import corridor, influence
from sim.rules.events import DayEvents
from sim.rules.stream import routine_index

if TYPE_CHECKING:
    from sim.rules.day import CrisisState, RuleInputs

STATES = np.array(STATE_INDEX)  # actor-axis indices of the two states
POWERS = np.array(POWER_INDEX)  # actor-axis indices of the six powers
RELATIONS_CUT_FLOOR = 3.0  # `sim.rules.day.RELATIONS_CUT_FLOOR`


class DayInputs(NamedTuple):
    """What the fused day reads of `RuleInputs`, each [runs or 1, *core] (1: shared by all runs)."""

    kin: np.ndarray
    sensitivity: np.ndarray
    keep: np.ndarray
    anchor: np.ndarray
    baseline: np.ndarray
    baseline_balance: np.ndarray  # (B B) of `trust.balance_drift`, diagonal counted as zero
    log_reach: np.ndarray  # [., power]: log of the powers' effective capability
    log_ties: np.ndarray  # [., state, power]: log of the floored ties
    pull: np.ndarray  # [., power]: engagement x salience of the powers
    power_position: np.ndarray
    state_position: np.ndarray
    state_salience: np.ndarray
    sponsors: np.ndarray  # [., arrangement, actor]
    sponsorships: np.ndarray  # [1, pairs, 2]: (arrangement, actor) of each sponsorship some run has
    arrangement_position: np.ndarray
    support: np.ndarray  # [., arrangement]: `corridor.support` of every arrangement, as if on the table
    closeness: np.ndarray  # [., arrangement]: `corridor.closeness_to_forecast`
    threshold: np.ndarray
    reciprocity: np.ndarray
    restraint: np.ndarray
    dependence: np.ndarray
    boldness: np.ndarray
    routine_cooperation: np.ndarray
    routine_friction: np.ndarray
    routine_draws: np.ndarray  # [1, draws, 3]: (actor, target, kind) of each routine act some run may make
    routine_stream: np.ndarray  # [1, draws]: its index among the day's ROUTINE numbers (`stream.routine_index`)
    routine_chance: np.ndarray  # [., draws]: its chance, routine_scale x the rate (0 where the rate is not positive)
    rates: np.ndarray  # [., RATES]: the float parameters, in `RATES` order
    counts: np.ndarray  # [., COUNTS]: the integer parameters, in `COUNTS` order
    pair: np.ndarray  # [1, 2]: the rupture pair


RATES = (
    "solidarity",
    "forgiveness",
    "catharsis",
    "trust_rate",
    "balance_rate",
    "noise_sd",
    "influence_trust_weight",
    "influence_capability_weight",
    "influence_tie_weight",
    "influence_rate",
    "concession_rate",
    "peace_widening",
    "sponsor_trust_floor",
    "progress_rate",
    "corridor_progress",
    "thaw_rate",
    "audience_cost",
    "agreement_days",
    "rupture_days",
)
(
    SOLIDARITY,
    FORGIVENESS,
    CATHARSIS,
    TRUST_RATE,
    BALANCE_RATE,
    NOISE_SD,
    TRUST_WEIGHT,
    CAPABILITY_WEIGHT,
    TIE_WEIGHT,
    INFLUENCE_RATE,
    CONCESSION_RATE,
    PEACE_WIDENING,
    SPONSOR_FLOOR,
    PROGRESS_RATE,
    CORRIDOR_PROGRESS,
    THAW_RATE,
    AUDIENCE_COST,
    AGREEMENT_DAYS,  # whole numbers, compared as the reference compares them
    RUPTURE_DAYS,
) = range(len(RATES))
COUNTS = ("max_rung_step",)  # integer parameters (truncated to int64, as `choose_every_response` does)
(MAX_RUNG_STEP,) = range(len(COUNTS))
NO_CHOICE, MODEL_CHOICE, CHOSEN = 0, 1, 2  # `close_day`'s `choice`: none (last day), the model's rule, made outside


class DayState(NamedTuple):
    """`CrisisState`'s arrays as [runs, *core] views, updated in place by the fused day."""

    trust: np.ndarray
    grievance: np.ndarray
    standing: np.ndarray
    holding: np.ndarray
    shares: np.ndarray
    streak: np.ndarray
    on_table: np.ndarray
    support: np.ndarray
    reservation: np.ndarray
    progress: np.ndarray
    agreed: np.ndarray
    agreed_day: np.ndarray
    cut_since: np.ndarray
    rupture_day: np.ndarray
    ruptures: np.ndarray
    restored_day: np.ndarray


class SharedEvents(NamedTuple):
    """A day's scripted and injected events (`DayEvents` without a batch axis), as [1, *core] arrays."""

    hostility: np.ndarray
    cooperation: np.ndarray
    severity_dealt: np.ndarray
    rung: np.ndarray
    detained: np.ndarray
    released: np.ndarray
    agreed: np.ndarray
    proposed: np.ndarray


class Queued(NamedTuple):
    """What the day before queued for the day, [runs, ...]: responses (-1: none) and routine acts."""

    actions: np.ndarray
    targets: np.ndarray
    cooperates: np.ndarray
    criticises: np.ndarray
    routine: np.ndarray  # [runs]: whether the run has any routine act


def day_inputs(inputs: RuleInputs) -> DayInputs:
    """The fused day's view of `inputs` (worked out once per inputs: numpy's numbers, as the reference's)."""
    p = inputs.params
    states, powers = list(STATE_INDEX), list(POWER_INDEX)
    off_baseline = np.array(inputs.baseline_trust, dtype=float)
    n = off_baseline.shape[-1]
    off_baseline[..., np.arange(n), np.arange(n)] = 0.0
    weight = inputs.forecast_weight
    draws = _possible_routine_acts(inputs.routine_cooperation, inputs.routine_friction)
    on_table = np.ones(np.shape(inputs.arrangement_position)[-1], dtype=bool)
    values = {
        "kin": (inputs.kin, 2),
        "sensitivity": (inputs.sensitivity, 1),
        "keep": (inputs.keep, 1),
        "anchor": (inputs.anchor, 2),
        "baseline": (inputs.baseline_trust, 2),
        "baseline_balance": (off_baseline @ off_baseline, 2),
        "log_reach": (np.log(inputs.effective_capability[..., powers]), 1),
        "log_ties": (np.log(np.maximum(inputs.ties, influence.TIE_FLOOR)), 2),
        "pull": (inputs.engagement[..., powers] * inputs.salience[..., powers], 1),
        "power_position": (inputs.position[..., powers], 1),
        "state_position": (inputs.position[..., states], 1),
        "state_salience": (inputs.salience[..., states], 1),
        "sponsors": (np.asarray(inputs.sponsors, dtype=np.bool_), 2),
        "sponsorships": (_true_in_some_run(inputs.sponsors, 2), 2),
        "arrangement_position": (inputs.arrangement_position, 1),
        "support": (corridor.support(inputs.arrangement_position, inputs.position, weight, on_table), 1),
        "closeness": (
            corridor.closeness_to_forecast(inputs.arrangement_position, corridor.forecast(inputs.position, weight)),
            1,
        ),
        "threshold": (inputs.threshold, 1),
        "reciprocity": (inputs.reciprocity, 1),
        "restraint": (inputs.restraint, 2),
        "dependence": (inputs.dependence, 2),
        "boldness": (inputs.boldness, 2),
        "routine_cooperation": (inputs.routine_cooperation, 2),
        "routine_friction": (inputs.routine_friction, 2),
        "routine_draws": (draws, 2),
        "routine_stream": (routine_index(draws[:, 0], draws[:, 1], n, draws[:, 2]), 1),
        "routine_chance": (_routine_chances(inputs, draws), 1),
        "rates": (_stacked([np.asarray(getattr(p, name), dtype=float) for name in RATES]), 1),
        "counts": (_stacked([np.asarray(getattr(p, name), dtype=np.int64) for name in COUNTS]), 1),
        "pair": (np.array(inputs.rupture_pair, dtype=np.int64), 1),
    }
    return DayInputs(**{name: _with_run_axis(value, core) for name, (value, core) in values.items()})


def _possible_routine_acts(cooperation: np.ndarray, friction: np.ndarray) -> np.ndarray:
    """[acts, 3]: (actor, target, kind) of the routine acts at a positive rate in some run (kind 0: cooperation)."""
    positive = np.stack(np.broadcast_arrays(np.asarray(cooperation) > 0.0, np.asarray(friction) > 0.0), axis=-1)
    return _true_in_some_run(positive, 3)


def _true_in_some_run(flags: np.ndarray, core: int) -> np.ndarray:
    """[entries, core]: the indices of the entries of a [..., *core] boolean array true in some run."""
    shape = np.shape(flags)[np.ndim(flags) - core :]
    return np.argwhere(np.reshape(np.asarray(flags, dtype=np.bool_), (-1, *shape)).any(axis=0)).astype(np.int64)


def _routine_chances(inputs: RuleInputs, draws: np.ndarray) -> np.ndarray:
    """[..., draws]: each possible routine act's chance, `routine.draw_routine`'s routine_scale x rate (0: none)."""
    rates = np.stack(np.broadcast_arrays(inputs.routine_cooperation, inputs.routine_friction), axis=-3)
    rate = rates[..., draws[:, 2], draws[:, 0], draws[:, 1]]
    times = np.asarray(inputs.params.routine_scale, dtype=float)[..., None]
    return np.where(rate > 0.0, times * rate, 0.0)


def _stacked(parameters: list[np.ndarray]) -> np.ndarray:
    """Scalar or per-run parameters as one [..., parameter] array."""
    batch = np.broadcast_shapes(*(value.shape for value in parameters))
    return np.stack([np.broadcast_to(value, batch) for value in parameters], axis=-1)


def _with_run_axis(value: np.ndarray, core: int) -> np.ndarray:
    """`value` as a contiguous [runs or 1, *core] array (a shared value gets a run axis of 1)."""
    value = np.asarray(value)
    value = value[None] if value.ndim == core else value.reshape(-1, *value.shape[value.ndim - core :])
    return np.ascontiguousarray(value)


def day_state(state: CrisisState, single: bool) -> DayState:
    """`state`'s arrays as [runs, *core] views (a `single` run's get a run axis of 1): writing them writes `state`."""
    return DayState(**{name: _run_view(getattr(state, name), single) for name in DayState._fields})


def _run_view(values: np.ndarray, single: bool) -> np.ndarray:
    view = values[None] if single else values
    if not (view.flags.c_contiguous and view.flags.writeable):
        raise ValueError("the fused day writes the state in place: its arrays must be contiguous and writable")
    return view


def shared_events(events: DayEvents) -> SharedEvents:
    """A day's scripted and injected events (`events.shock_events`) as the fused day reads them."""
    return SharedEvents(**{name: np.ascontiguousarray(getattr(events, name)[None]) for name in SharedEvents._fields})
