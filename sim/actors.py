"""The eight actors of the model and their fixed order in every array.

`Actor` is the enum of actor codes used everywhere (configs, arrays, tables, plots);
`ACTORS` fixes the index of each actor along the actor axes of the model's arrays.
`STATES` are the two South Caucasus states whose influence shares and corridor vetoes the
model tracks; `POWERS` are the outside powers competing for influence over them.
"""

from __future__ import annotations

from enum import StrEnum


class Actor(StrEnum):
    """ISO-like code of each actor."""

    RUS = "RUS"
    AZE = "AZE"
    ARM = "ARM"
    TUR = "TUR"
    IRN = "IRN"
    CHN = "CHN"
    USA = "USA"
    EU = "EU"


ACTORS: tuple[Actor, ...] = tuple(Actor)
N_ACTORS = len(ACTORS)
INDEX: dict[Actor, int] = {actor: i for i, actor in enumerate(ACTORS)}

STATES: tuple[Actor, ...] = (Actor.AZE, Actor.ARM)
POWERS: tuple[Actor, ...] = (Actor.RUS, Actor.TUR, Actor.IRN, Actor.CHN, Actor.USA, Actor.EU)
STATE_INDEX: tuple[int, ...] = tuple(INDEX[s] for s in STATES)
#: Row of each state and column of each power in the influence-share arrays [..., state, power].
STATE_ROW: dict[Actor, int] = {s: i for i, s in enumerate(STATES)}
POWER_COLUMN: dict[Actor, int] = {p: i for i, p in enumerate(POWERS)}
POWER_INDEX: tuple[int, ...] = tuple(INDEX[p] for p in POWERS)


def actor_codes() -> list[str]:
    """All actor codes, in array order (for error messages and tables)."""
    return [actor.value for actor in ACTORS]
