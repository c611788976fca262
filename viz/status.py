"""The Live run tab's status strip: the run's outcome so far, in words, after every step.

Plain functions from a model to short lines (the page draws them; the tests read them):
relations between the rupture pair (cut, ruptured, restored, with dates), the corridor (agreed,
or the arrangement in the lead and what is on the table), the peace treaty's progress, the
highest rung each actor has taken so far, and the days since the raid. Dates follow
`viz.clock`: the state is that at the close of the last completed day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.actors import ACTORS
from sim.cameo import LADDER, ladder_rung
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.events_log import EventKind, EventRecord
from sim.model import CaucasusModel
from viz.clock import date_text

#: The scripted shock whose day the strip counts from (configs/scenarios/baseline.toml, id "raid").
RAID_ID = "raid"
#: How the strip and the charts name an arrangement.
ARRANGEMENT_NAMES: dict[Arrangement, str] = {a: a.value.replace("_", " ") for a in ARRANGEMENTS}


@dataclass(frozen=True)
class StatusItem:
    """One cell of the strip: a heading and its text (`key` is its CSS class suffix)."""

    key: str
    heading: str
    text: str


def status_items(model: CaucasusModel) -> list[StatusItem]:
    """The strip's cells for the run as it stands after the days run so far."""
    pair = "–".join(ACTORS[i].value for i in model.inputs.rupture_pair)
    return [
        StatusItem("relations", f"{pair} relations", relations_text(model)),
        StatusItem("corridor", "Corridor", corridor_text(model)),
        StatusItem("treaty", "Peace treaty", f"{float(model.state.progress):.0%} of the way"),
        StatusItem("rungs", "Highest rung so far", highest_rungs_text(model.log)),
        StatusItem("raid", "The raid", raid_text(model)),
    ]


def relations_text(model: CaucasusModel) -> str:
    """'normal', 'cut since …', 'ruptured on … (cut since …)' or 'restored on … after a rupture on …'."""
    state, config = model.state, model.config
    if model.day == 0:
        return "normal (nothing run yet)"
    last = model.day - 1
    cut_since, ruptures = int(state.cut_since), int(state.ruptures)
    first = int(state.rupture_day)
    earlier = f"; {ruptures} ruptures so far, the first from {date_text(config, first)}" if ruptures > 1 else ""
    if ruptures == 1 and first != cut_since:  # an earlier rupture, since restored
        earlier = f"; an earlier rupture from {date_text(config, first)}"
    if cut_since >= 0 and last - cut_since + 1 >= config.params.rupture_days:
        return f"RUPTURED on {date_text(config, cut_since)} (cut ever since){earlier}"
    if cut_since >= 0:
        days = last - cut_since + 1
        still_cut = f"cut since {date_text(config, cut_since)} ({days} of the {config.params.rupture_days} days"
        return f"{still_cut} that make a rupture){earlier}"
    restored = int(state.restored_day)
    if ruptures and restored >= 0:
        after = f"after {_ruptures(ruptures)}, the first on {date_text(config, first)}"
        return f"restored on {date_text(config, restored)} {after}"
    if ruptures:
        return f"not cut; {_ruptures(ruptures)} so far, the first on {date_text(config, first)}"
    return "normal: not cut, no rupture"


def _ruptures(count: int) -> str:
    return "a rupture" if count == 1 else f"{count} ruptures"


def corridor_text(model: CaucasusModel) -> str:
    """The arrangement agreed and when, or the one in the lead (highest support among those tabled)."""
    state, config = model.state, model.config
    agreed = int(state.agreed)
    if agreed >= 0:
        return f"AGREED: {ARRANGEMENT_NAMES[ARRANGEMENTS[agreed]]} on {date_text(config, int(state.agreed_day))}"
    tabled = [a for i, a in enumerate(ARRANGEMENTS) if a != Arrangement.NONE and bool(state.on_table[i])]
    off = [ARRANGEMENT_NAMES[a] for a in ARRANGEMENTS if a != Arrangement.NONE and a not in tabled]
    off_text = f"; not on the table: {', '.join(off)}" if off else "; every arrangement is on the table"
    if not tabled:
        return f"nothing agreed; no arrangement on the table{off_text}"
    support = np.asarray(state.support, dtype=float)
    lead = max(tabled, key=lambda a: support[ARRANGEMENTS.index(a)])
    streak = int(np.max(state.streak))
    accepted = ""
    if streak > 0:
        both = ARRANGEMENT_NAMES[ARRANGEMENTS[int(np.argmax(state.streak))]]
        accepted = f"; both sides accept {both}: {streak} of {config.params.agreement_days} days in a row"
    support_text = f"support {support[ARRANGEMENTS.index(lead)]:.2f}"
    return f"nothing agreed; in the lead: {ARRANGEMENT_NAMES[lead]} ({support_text}, on the table){accepted}{off_text}"


def highest_rungs(log: list[EventRecord]) -> dict[str, EventRecord]:
    """Each actor's highest rung of the ladder taken by its own choice so far (its first such act)."""
    best: dict[str, EventRecord] = {}
    for record in log:
        if record.kind != EventKind.RESPONSE or not ladder_rung(record.cameo):
            continue
        held = best.get(record.actor.value)
        if held is None or ladder_rung(record.cameo) > ladder_rung(held.cameo):
            best[record.actor.value] = record
    return best


def highest_rungs_text(log: list[EventRecord]) -> str:
    """'AZE 5 expels … RUS (2 Jul) · RUS 4 …', actors in the page's order; 'none yet' before any."""
    best = highest_rungs(log)
    parts = []
    for actor in ACTORS:
        record = best.get(actor.value)
        if record is not None:
            rung = ladder_rung(record.cameo)
            label = LADDER[rung - 1].label
            parts.append(f"{actor.value} {rung} ({label} {record.target.value}, {record.date:%d %b})")
    return " · ".join(parts) if parts else "nobody has climbed the ladder yet"


def raid_text(model: CaucasusModel) -> str:
    """Days since the raid, 'before the raid (due …)', or that the scenario has none."""
    config = model.config
    raid = next((s for s in config.shocks if s.shock_id == RAID_ID), None)
    if raid is None:
        return "no raid in this scenario"
    raid_day = config.day_of(raid.date)
    last = model.day - 1
    if last < raid_day:
        return f"before the raid (due {date_text(config, raid_day)})"
    since = last - raid_day
    return f"the raid's day ({date_text(config, raid_day)})" if since == 0 else f"{since} days since the raid"
