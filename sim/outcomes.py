"""Named outcomes of a run, computed from the final state and the event log.

Rules (also in docs/ODD.md):
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
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, POWER_COLUMN, STATE_ROW, Actor
from sim.cameo import RESPONSES, ladder_rung
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.events_log import EventKind, EventRecord
from sim.rules.day import CrisisState


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


def compute_outcomes(
    *,
    scenario_name: str,
    seed: int,
    start: dt.date,
    state: CrisisState,
    trust_history: np.ndarray,
    log: list[EventRecord],
) -> RunOutcomes:
    """Outcomes of a finished (or stopped) run of one replicate."""
    responses = [r for r in log if r.kind == EventKind.RESPONSE]
    aze, rus, tur = INDEX[Actor.AZE], INDEX[Actor.RUS], INDEX[Actor.TUR]
    agreed = int(state.agreed)
    return RunOutcomes(
        scenario=scenario_name,
        seed=seed,
        rupture=bool(state.rupture_day >= 0),
        rupture_date=_date(start, int(state.rupture_day)),
        corridor_arrangement=ARRANGEMENTS[agreed].value if agreed >= 0 else Arrangement.NONE.value,
        corridor_date=_date(start, int(state.agreed_day)),
        russia_influence_AZE=russia_share(state.shares, Actor.AZE),
        russia_influence_ARM=russia_share(state.shares, Actor.ARM),
        max_escalation_rung=max((ladder_rung(r.cameo) for r in responses), default=0),
        response_counts={code: sum(r.cameo == code for r in responses) for code in (x.cameo for x in RESPONSES)},
        trust_AZE_RUS_min=float(trust_history[:, aze, rus].min()),
        trust_AZE_RUS_final=float(trust_history[-1, aze, rus]),
        trust_TUR_RUS_min=float(trust_history[:, tur, rus].min()),
        blocs=blocs(state.trust),
    )


def russia_share(shares: np.ndarray, state: Actor) -> float:
    """Russia's influence share over `state` (AZE or ARM) in a [state, power] share array."""
    return float(shares[STATE_ROW[state], POWER_COLUMN[Actor.RUS]])


def _date(start: dt.date, day: int) -> str | None:
    return (start + dt.timedelta(days=day)).isoformat() if day >= 0 else None


def blocs(trust: np.ndarray) -> list[list[str]]:
    """The two camps that best balance the trust network (Heider 1946).

    Trust is symmetrised and centred on its mean off-diagonal value, so that camps form around
    relative alignment even when almost all trust is positive. Of all splits of the actors into
    two camps, the one maximising centred trust within camps minus centred trust across them
    wins (ties: the first found). The camp holding Russia comes first.
    """
    n = len(ACTORS)
    off = ~np.eye(n, dtype=bool)
    mutual = (trust + trust.T) / 2.0
    mutual = np.where(off, mutual - mutual[off].mean(), 0.0)
    best, best_score = None, -np.inf
    for mask in range(2 ** (n - 1)):  # actor 0 (Russia) always in camp 0: halves the search
        camp = np.array([(mask >> (i - 1)) & 1 if i else 0 for i in range(n)])
        same = np.where(camp[:, None] == camp[None, :], 1.0, -1.0)
        score = float((same * mutual).sum())
        if score > best_score + 1e-12:
            best, best_score = camp, score
    return [[ACTORS[i].value for i in range(n) if best[i] == side] for side in (0, 1) if (best == side).any()]
