"""The Zangezur corridor: the arrangements under negotiation and who sponsors each.

An `Arrangement` is one way of running the route across Armenia's Syunik province. Each has
sponsors, the actors whose standing it extends; an actor's utility for an arrangement shifts
with its trust in the sponsors (`sim.rules.corridor`). `NONE` is the status quo: always on the
table and never "agreed".
"""

from __future__ import annotations

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


def sponsor_matrix() -> list[list[float]]:
    """Rows: arrangements; columns: actors; each row averages the arrangement's sponsors."""
    rows = []
    for arrangement in ARRANGEMENTS:
        row = [0.0] * len(INDEX)
        for sponsor in SPONSORS[arrangement]:
            row[INDEX[sponsor]] = 1.0 / len(SPONSORS[arrangement])
        rows.append(row)
    return rows
