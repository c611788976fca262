"""The Zangezur corridor: a dimension of control over the route, and the proposals on it.

The route across Armenia's Syunik province is bargained over on one dimension x in [0, 1], the
control a foreign service has over it (docs/ODD.md §7.12):

- x = 0: full Armenian sovereignty, Armenian customs and border control (Armenia's "Crossroads
  of Peace", presented October 2023; record, 8 October 2024);
- x = 0.5: a third-party operator under Armenian law and jurisdiction;
- x = 1: extraterritorial control by a foreign service (clause 9 of the 10 November 2020
  statement: Russia's FSB border guards control the route; Azerbaijan's demand of "unimpeded"
  passage without Armenian checks).

An `Arrangement` is a tabled proposal: a point on the dimension (`POSITION`) with its sponsors
(`SPONSORS`). The names stay as the outcome's categories. `NONE` is the status quo: no point on
the dimension, always on the table and never "agreed".
"""

from __future__ import annotations

import math
from enum import StrEnum

from sim.actors import INDEX, Actor


class Arrangement(StrEnum):
    """Named corridor arrangements, in the order of the corridor arrays."""

    RUSSIAN_BORDER_GUARDS = "russian_border_guards"
    ARMENIAN_CONTROL = "armenian_control"
    NEUTRAL_OPERATOR = "neutral_operator"
    NONE = "none"


ARRANGEMENTS: tuple[Arrangement, ...] = tuple(Arrangement)
N_ARRANGEMENTS = len(ARRANGEMENTS)
ARRANGEMENT_INDEX: dict[Arrangement, int] = {a: i for i, a in enumerate(ARRANGEMENTS)}
NONE_INDEX = ARRANGEMENT_INDEX[Arrangement.NONE]

#: Each arrangement's point on the dimension of control (NaN: the status quo is no point).
POSITION: dict[Arrangement, float] = {
    # clause 9 of the 10 Nov 2020 statement: the FSB's border guards control the route
    Arrangement.RUSSIAN_BORDER_GUARDS: 1.0,
    # "Crossroads of Peace": Armenian sovereignty, customs and border control
    Arrangement.ARMENIAN_CONTROL: 0.0,
    # judgement: the US proposal of a neutral (US-linked) operator "under US and European security
    # parameters" (record, 11 July 2025) puts more under foreign control than an operator under
    # Armenian law alone (0.5): a tenth of the dimension more
    Arrangement.NEUTRAL_OPERATOR: 0.6,
    Arrangement.NONE: math.nan,
}

#: Sponsors of each arrangement: Russia's FSB under the 2020 statement; Armenia's own customs;
#: the US proposal of a neutral operator under US and European security parameters.
SPONSORS: dict[Arrangement, tuple[Actor, ...]] = {
    Arrangement.RUSSIAN_BORDER_GUARDS: (Actor.RUS,),
    Arrangement.ARMENIAN_CONTROL: (Actor.ARM,),
    Arrangement.NEUTRAL_OPERATOR: (Actor.USA, Actor.EU),
    Arrangement.NONE: (),
}

#: On the table when a run starts: the 2020 statement's border guards, Armenia's own proposal
#: ("Crossroads of Peace") and the status quo. The neutral operator enters with the shock
#: that proposes it (a shock with `corridor = "neutral_operator"`).
INITIALLY_ON_TABLE: tuple[Arrangement, ...] = (
    Arrangement.RUSSIAN_BORDER_GUARDS,
    Arrangement.ARMENIAN_CONTROL,
    Arrangement.NONE,
)


def arrangement_positions() -> list[float]:
    """Each arrangement's point on the dimension, in array order (NaN for the status quo)."""
    return [POSITION[a] for a in ARRANGEMENTS]


def sponsor_mask() -> list[list[bool]]:
    """Rows: arrangements; columns: actors; True where the actor sponsors the arrangement."""
    return [[actor in SPONSORS[arrangement] for actor in INDEX] for arrangement in ARRANGEMENTS]
