"""How an actor chooses its action for the next day: answer, conciliate, or wait.

`choose_response` works on one actor's slice (its row and column of the state matrices),
with any leading batch axes; the Mesa agent calls it on its own slice, and a batched engine
can call it over many replicates at once. Actions are indices into `sim.cameo.RESPONSES`
(0-6: escalation-ladder rungs 1-7; then call, apology, release, agreement); -1 is no action.

The rule (Goldstein & Pevehouse 1997; Richardson 1960; Axelrod 1984):
1. Answer. Let e_j = (G[i, j] - theta_i) / theta_i. If max_j e_j > 0, i answers the j with
   the largest e_j with probability min(1, e_j). The wanted severity is
   s = reciprocity x (1 - restraint) x boldness[i, j] x G[i, j], the wanted rung the highest
   whose severity (-Goldstein / 10) is at most s (at least rung 1), and the rung taken is at
   most the standing rung (rounded) + max_rung_step: the ladder is climbed, not jumped.
2. Conciliate. If i is calm (no grievance above its threshold) and some j holds a grievance
   against i above j's threshold, i turns to the most aggrieved such j with probability
   `conciliation`: it releases j's nationals if it holds them, apologises if j's excess is
   above 1 (grievance over twice its threshold), and otherwise calls.
3. Make peace. If i is calm and not reaching out, and relations with some j are cut (either
   side's standing rung at least 3) with both grievances below half their thresholds, i signs
   an agreement restoring relations with probability `conciliation`.
"""

from __future__ import annotations

import numpy as np

from sim.cameo import AGREEMENT_ID, APOLOGY_ID, CALL_ID, RELATIONS_CUT_RUNG, RELEASE_ID, RUNG_SEVERITY
from sim.rules.short_axis import any_last

NO_ACTION = -1


def boldness(effective_capability: np.ndarray, deterrence: float | np.ndarray) -> np.ndarray:
    """boldness[..., i, j] = clip((E_i / E_j) ^ deterrence, 0, 2): the weak hold back, the strong bully."""
    ratio = effective_capability[..., :, None] / effective_capability[..., None, :]
    return np.clip(ratio ** np.asarray(deterrence)[..., None, None], 0.0, 2.0)


def standing_rung(standing: np.ndarray) -> np.ndarray:
    """The rung an actor stands on: its fading standing level, rounded to the nearest rung."""
    return np.rint(standing).astype(np.int64)


def relations_cut(standing: np.ndarray) -> np.ndarray:
    """Whether a standing level is at or above the rung that cuts relations (161).

    That is `standing_rung(standing) >= RELATIONS_CUT_RUNG`, without the rounding: `np.rint`
    rounds x.5 to even, so the rounded rung reaches 3 exactly when the level is above 2.5.
    """
    return standing > RELATIONS_CUT_RUNG - 0.5


def wanted_rung(severity: np.ndarray) -> np.ndarray:
    """The highest ladder rung (1-7) whose severity is at most `severity`; at least 1."""
    return np.maximum(np.searchsorted(RUNG_SEVERITY, severity, side="right"), 1)


def _pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[..., index[...]] along the last axis (values' leading axes broadcast against index)."""
    if index.ndim == 0:
        return values[..., index]
    lead = values.shape[:-1]
    offset = index.ndim - len(lead)
    grids = tuple(
        np.arange(size).reshape([size if axis == offset + k else 1 for axis in range(index.ndim)]) if size > 1 else 0
        for k, size in enumerate(lead)
    )
    return values[(*grids, index)]


def grievance_excess(grievance: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """(grievance - threshold) / threshold: how far a grievance stands above its holder's threshold."""
    return (grievance - threshold) / threshold


def choose_response(
    me: int | np.ndarray,
    *,
    grievance_mine: np.ndarray,
    excess_mine: np.ndarray,
    excess_at_me: np.ndarray,
    reciprocity_mine: np.ndarray,
    restraint_mine: np.ndarray,
    conciliation_mine: np.ndarray,
    boldness_mine: np.ndarray,
    standing_mine: np.ndarray,
    standing_at_me: np.ndarray,
    holding_mine: np.ndarray,
    max_rung_step: int | np.ndarray,
    draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose actor `me`'s action and target for the next day.

    `sim.rules.day.actor_view` gives one actor's slice of the state as these keyword arguments.
    With `me` an array of actor indices and `sim.rules.day.pairs_view`, many (run, actor) pairs
    choose at once, each from its own row and column, along one pair axis.

    Args:
        me: the actor's index (or one index per (run, actor) pair, see above).
        grievance_mine: G[..., me, :], its grievances against each actor.
        excess_mine: `grievance_excess` of its grievances over its threshold, [..., n].
        excess_at_me: `grievance_excess` of each actor's grievance against it over that actor's
            threshold, [..., n].
        reciprocity_mine: its reciprocity, [...].
        restraint_mine: its restraint, [...].
        conciliation_mine: its daily conciliation probability, [...].
        boldness_mine: boldness[..., me, :].
        standing_mine: standing rungs S[..., me, :].
        standing_at_me: standing rungs S[..., :, me].
        holding_mine: 1 where `me` holds detained nationals of j, [..., n].
        max_rung_step: most rungs climbed in one answer, [...].
        draws: uniform draws [..., 2]: answer, conciliate.

    Returns:
        (action, target), integer arrays of the batch shape; -1 where it does nothing.
    """
    n = grievance_mine.shape[-1]
    others = np.arange(n) != np.asarray(me)[..., None]
    not_self = np.where(others, 0.0, -np.inf)  # added to an excess: -inf against oneself, else unchanged
    excess = excess_mine + not_self
    target = np.argmax(excess, axis=-1)
    top = _pick(excess, target)
    answers = draws[..., 0] < np.minimum(top, 1.0)
    severity = reciprocity_mine * (1.0 - restraint_mine) * _pick(boldness_mine, target) * _pick(grievance_mine, target)
    rung = _answer_rung(severity, _pick(standing_mine, target), max_rung_step)
    action = np.where(answers, rung - 1, NO_ACTION)

    calm = top <= 0.0
    their_excess = excess_at_me + not_self
    aggrieved = np.argmax(their_excess, axis=-1)
    their_top = _pick(their_excess, aggrieved)
    reaching_out = calm & (their_top > 0.0) & (draws[..., 1] < conciliation_mine)
    holds = _pick(holding_mine, aggrieved) > 0
    gesture = np.where(holds, RELEASE_ID, np.where(their_top > 1.0, APOLOGY_ID, CALL_ID))
    action = np.where(reaching_out, gesture, action)
    target = np.where(reaching_out, aggrieved, target)

    peace_target, peace_possible = _peace_partner(others, excess, their_excess, standing_mine, standing_at_me)
    peacemaking = calm & ~reaching_out & peace_possible & (draws[..., 1] < conciliation_mine)
    action = np.where(peacemaking, AGREEMENT_ID, action)
    target = np.where(peacemaking, peace_target, target)
    return action, np.where(action == NO_ACTION, NO_ACTION, target)


def able_to_act(grievance: np.ndarray, threshold: np.ndarray, standing: np.ndarray) -> np.ndarray:
    """Whether each actor can act at all, [..., n], from the whole [..., n, n] state.

    An actor answers only a grievance above its threshold, reaches out only to one who holds
    such a grievance against it, and makes peace only where relations are cut. So where actor
    i's row and column hold no grievance above its holder's `threshold` [..., n] and no
    `standing` rung that cuts relations, `choose_response` gives i no action, whatever its draws.
    """
    hot = (grievance > threshold[..., :, None]) | relations_cut(standing)
    return any_last(hot | np.swapaxes(hot, -1, -2))


def _answer_rung(severity: np.ndarray, standing: np.ndarray, max_rung_step: int | np.ndarray) -> np.ndarray:
    """The wanted rung for `severity`, capped at the standing rung + `max_rung_step` (and rung 7)."""
    ceiling = standing_rung(standing) + max_rung_step
    return np.minimum(wanted_rung(severity), np.minimum(ceiling, len(RUNG_SEVERITY)))


def _peace_partner(others, excess, their_excess, standing_mine, standing_at_me):
    cut = relations_cut(np.maximum(standing_mine, standing_at_me))
    if not cut.any():  # no relations cut anywhere: no peace to make
        return np.zeros(cut.shape[:-1], dtype=np.int64), np.zeros(cut.shape[:-1], dtype=bool)
    calm_both = (excess < -0.5) & (their_excess < -0.5)
    eligible = others & cut & calm_both
    partner = np.argmax(eligible, axis=-1)
    return partner, any_last(eligible)
