"""Named outcomes of a run, computed from the final state, trust extremes and the responses.

One definition serves every engine: `outcome_arrays` computes the outcomes over any leading
batch axes (the ensemble engine's replicates, or none for one Mesa run), and `RunOutcomes` is
one replicate's outcomes in readable form. Rules (also in docs/ODD.md):

- `rupture`: Azerbaijan-Russia relations rupture on the first day one side trusts the other at
  or below `rupture_trust` while standing at rung 3 or above against it (it has cut relations);
- `corridor_arrangement`: the arrangement agreed (both principals accepted it, best supported,
  for `agreement_days` consecutive days), or `none`;
- `max_escalation_rung`: the highest ladder rung among the model's own responses (0: none);
- `response_counts`: the number of response events by CAMEO code (every response code listed);
- `blocs`: the split of the actors into two camps that best balances (centred) trust at the
  horizon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, POWER_COLUMN, STATE_ROW, Actor
from sim.cameo import N_RUNGS, RESPONSE_INDEX, RESPONSES
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.events_log import EventKind, EventRecord
from sim.rules.day import CrisisState

AZE, RUS, TUR = INDEX[Actor.AZE], INDEX[Actor.RUS], INDEX[Actor.TUR]
BLOC_TOLERANCE = 1e-12  # splits scoring within this of the best count as ties (the first wins)


@dataclass(frozen=True, kw_only=True)
class RunOutcomes:
    """What one run came to (see the module docstring for each rule)."""

    scenario: str
    seed: int
    rupture: bool
    rupture_date: str | None
    corridor_arrangement: str
    corridor_date: str | None
    russia_influence_AZE: float  # noqa: N815 (actor codes are upper case everywhere)
    russia_influence_ARM: float  # noqa: N815
    max_escalation_rung: int
    response_counts: dict[str, int]
    trust_AZE_RUS_min: float  # noqa: N815
    trust_AZE_RUS_final: float  # noqa: N815
    trust_TUR_RUS_min: float  # noqa: N815
    blocs: list[list[str]]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def outcome_arrays(
    state: CrisisState, trust_aze_rus_min: np.ndarray, trust_tur_rus_min: np.ndarray, response_counts: np.ndarray
) -> dict[str, np.ndarray]:
    """Every outcome as an array over the batch axes of `state`.

    Args:
        state: the state at the end of the run (or of the days run so far).
        trust_aze_rus_min: the lowest AZE->RUS trust over the days run.
        trust_tur_rus_min: the lowest TUR->RUS trust over the days run.
        response_counts: [..., len(RESPONSES)], response events so far by response index.

    Returns:
        `rupture_day`, `corridor_index` and `corridor_day` (-1: none), `rupture`, the Russian
        influence shares, `max_escalation_rung`, the trust extremes, `response_counts` and
        `bloc_camps` ([..., n] camp of each actor, 0 for Russia's).
    """
    ladder_used = response_counts[..., :N_RUNGS] > 0
    return {
        "rupture": state.rupture_day >= 0,
        "rupture_day": state.rupture_day,
        "corridor_index": state.agreed,
        "corridor_day": state.agreed_day,
        "russia_influence_AZE": state.shares[..., STATE_ROW[Actor.AZE], POWER_COLUMN[Actor.RUS]],
        "russia_influence_ARM": state.shares[..., STATE_ROW[Actor.ARM], POWER_COLUMN[Actor.RUS]],
        "max_escalation_rung": np.where(ladder_used, np.arange(1, N_RUNGS + 1), 0).max(axis=-1),
        "trust_AZE_RUS_min": trust_aze_rus_min,
        "trust_AZE_RUS_final": state.trust[..., AZE, RUS],
        "trust_TUR_RUS_min": trust_tur_rus_min,
        "response_counts": response_counts,
        "bloc_camps": bloc_camps(state.trust),
    }


def run_outcomes(arrays: dict[str, np.ndarray], index: tuple[int, ...], scenario: str, seed: int, start: dt.date):
    """One replicate's `RunOutcomes` from `outcome_arrays` (`index` picks it; () when unbatched)."""
    at = {name: value[index] for name, value in arrays.items()}
    agreed = int(at["corridor_index"])
    return RunOutcomes(
        scenario=scenario,
        seed=seed,
        rupture=bool(at["rupture"]),
        rupture_date=_date(start, int(at["rupture_day"])),
        corridor_arrangement=ARRANGEMENTS[agreed].value if agreed >= 0 else Arrangement.NONE.value,
        corridor_date=_date(start, int(at["corridor_day"])),
        russia_influence_AZE=float(at["russia_influence_AZE"]),
        russia_influence_ARM=float(at["russia_influence_ARM"]),
        max_escalation_rung=int(at["max_escalation_rung"]),
        response_counts={r.cameo: int(n) for r, n in zip(RESPONSES, at["response_counts"], strict=True)},
        trust_AZE_RUS_min=float(at["trust_AZE_RUS_min"]),
        trust_AZE_RUS_final=float(at["trust_AZE_RUS_final"]),
        trust_TUR_RUS_min=float(at["trust_TUR_RUS_min"]),
        blocs=camps_to_blocs(at["bloc_camps"]),
    )


def outcome_columns(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Flat, one-dimensional columns of `outcome_arrays` over one batch axis (a table's columns).

    Days are float with NaN for "never"; the corridor arrangement and the blocs are strings
    (blocs as "RUS IRN | AZE ARM ..."); response counts become `n_<cameo>` columns.
    """
    columns: dict[str, np.ndarray] = {
        "rupture": np.atleast_1d(arrays["rupture"]).astype(bool),
        "rupture_day": _days(arrays["rupture_day"]),
        "corridor_arrangement": _arrangement_names(arrays["corridor_index"]),
        "corridor_day": _days(arrays["corridor_day"]),
    }
    for name, kind in SCALAR_OUTCOMES.items():
        columns[name] = np.atleast_1d(arrays[name]).astype(kind)
    counts = np.atleast_2d(arrays["response_counts"])
    for index, response in enumerate(RESPONSES):
        columns[f"n_{response.cameo}"] = counts[:, index].astype(np.int64)
    camps = np.atleast_2d(arrays["bloc_camps"])
    columns["blocs"] = np.array([" | ".join(" ".join(bloc) for bloc in camps_to_blocs(row)) for row in camps])
    return columns


SCALAR_OUTCOMES: dict[str, type] = {  # one number per run, and its column type
    "russia_influence_AZE": float,
    "russia_influence_ARM": float,
    "max_escalation_rung": np.int64,
    "trust_AZE_RUS_min": float,
    "trust_AZE_RUS_final": float,
    "trust_TUR_RUS_min": float,
}
OUTCOME_NAMES = (
    "rupture",
    "rupture_day",
    "corridor_arrangement",
    "corridor_day",
    *SCALAR_OUTCOMES,
    *(f"n_{response.cameo}" for response in RESPONSES),
    "blocs",
)


def _days(days: np.ndarray) -> np.ndarray:
    days = np.atleast_1d(days)
    return np.where(days >= 0, days, np.nan).astype(float)


def _arrangement_names(index: np.ndarray) -> np.ndarray:
    index = np.atleast_1d(index)
    names = np.array([a.value for a in ARRANGEMENTS])
    return names[np.where(index >= 0, index, ARRANGEMENTS.index(Arrangement.NONE))]


def response_counts_of(log: list[EventRecord]) -> np.ndarray:
    """Response events in a log, counted by response index."""
    counts = np.zeros(len(RESPONSES), dtype=np.int64)
    for record in log:
        if record.kind == EventKind.RESPONSE:
            counts[RESPONSE_INDEX[record.cameo]] += 1
    return counts


def russia_share(shares: np.ndarray, state: Actor) -> float:
    """Russia's influence share over `state` (AZE or ARM) in a [state, power] share array."""
    return float(shares[STATE_ROW[state], POWER_COLUMN[Actor.RUS]])


def _date(start: dt.date, day: int) -> str | None:
    return (start + dt.timedelta(days=day)).isoformat() if day >= 0 else None


@cache
def _splits() -> tuple[np.ndarray, np.ndarray]:
    """Every split of the actors into two camps with Russia (actor 0) in camp 0, and its sign matrix."""
    n = len(ACTORS)
    masks = np.arange(2 ** (n - 1))
    camps = np.zeros((masks.size, n), dtype=np.int64)
    camps[:, 1:] = (masks[:, None] >> np.arange(n - 1)) & 1
    same = np.where(camps[:, :, None] == camps[:, None, :], 1.0, -1.0)
    return camps, same


def bloc_camps(trust: np.ndarray) -> np.ndarray:
    """The camp (0: Russia's, 1: the other) of each actor in the best-balanced split, [..., n].

    Trust is symmetrised and centred on its mean off-diagonal value, so that camps form around
    relative alignment even when almost all trust is positive (Heider 1946). Of all splits of
    the actors into two camps, the one maximising centred trust within camps minus centred
    trust across them wins; splits within `BLOC_TOLERANCE` of the best tie, the first wins.
    """
    camps, same = _splits()
    n = trust.shape[-1]
    off = ~np.eye(n, dtype=bool)
    mutual = (trust + np.swapaxes(trust, -1, -2)) / 2.0
    centre = mutual[..., off].mean(axis=-1)
    mutual = np.where(off, mutual - centre[..., None, None], 0.0)
    score = np.einsum("...ij,mij->...m", mutual, same)
    best = np.argmax(score >= score.max(axis=-1, keepdims=True) - BLOC_TOLERANCE, axis=-1)
    return camps[best]


def camps_to_blocs(camps: np.ndarray) -> list[list[str]]:
    """Camp assignments as lists of actor codes, Russia's camp first."""
    sides = [side for side in (0, 1) if (camps == side).any()]
    return [[actor.value for actor, camp in zip(ACTORS, camps, strict=True) if camp == side] for side in sides]


def blocs(trust: np.ndarray) -> list[list[str]]:
    """The two camps that best balance one trust matrix (see `bloc_camps`)."""
    return camps_to_blocs(bloc_camps(trust))
