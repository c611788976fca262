"""ECharts options for the live views, built from a model's state and histories.

Plain functions from numbers to option dicts: the browser draws them (ECharts is served
locally with Solara's assets), so a redraw costs the server only the time to build a dict.
Animation is off, so each step shows the new state at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, POWERS, STATE_ROW, STATES, Actor
from sim.cameo import LADDER
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.events_log import EventKind
from sim.model import CaucasusModel

#: Where each actor sits in the trust network: the South Caucasus states in the middle,
#: the powers around them roughly where they lie on a map (Russia north, Iran south, ...).
LAYOUT: dict[Actor, tuple[float, float]] = {
    Actor.ARM: (-0.28, 0.0),
    Actor.AZE: (0.28, 0.0),
    Actor.RUS: (0.0, 0.95),
    Actor.EU: (-0.85, 0.6),
    Actor.USA: (-1.0, -0.15),
    Actor.TUR: (-0.6, -0.8),
    Actor.IRN: (0.35, -0.95),
    Actor.CHN: (1.0, 0.35),
}
#: Arrows for trust weaker than this (either sign) are drawn faint.
WEAK_TIE = 0.2
#: A daily trust change at least this large is drawn as a change (daily noise is ~0.006).
CHANGE_SHOWN = 0.03
POWER_COLOURS = {
    Actor.RUS: "#c62828",
    Actor.TUR: "#ef6c00",
    Actor.IRN: "#2e7d32",
    Actor.CHN: "#f9a825",
    Actor.USA: "#1565c0",
    Actor.EU: "#6a1b9a",
}
ARRANGEMENT_COLOURS = ["#c62828", "#ef6c00", "#1565c0", "#9e9e9e"]
#: The vertical marks on the time charts, by kind: scripted shocks, injected shocks, rupture and restoration.
MARK_COLOURS = {"scripted": "#1565c0", "injected": "#e65100", "rupture": "#b71c1c", "restored": "#2e7d32"}


def trust_colour(trust: float) -> str:
    """Red for distrust, grey near zero, blue for trust (a diverging scale over [-1, 1])."""
    strength = min(abs(float(trust)), 1.0)
    end = (198, 40, 40) if trust < 0 else (21, 101, 192)
    r, g, b = (round(189 + strength * (channel - 189)) for channel in end)  # from grey #bdbdbd
    return f"#{r:02x}{g:02x}{b:02x}"


def _values(array: np.ndarray) -> list[float | None]:
    """Rounded values for a chart; NaN (nothing to show that day) becomes None, a gap in the line."""
    rounded = np.round(np.asarray(array, dtype=float), 4)
    finite = np.isfinite(rounded)
    if finite.all():  # the usual case: no gap, no per-value test
        return rounded.tolist()
    return [value if shown else None for value, shown in zip(rounded.tolist(), finite.tolist(), strict=True)]


#: The time charts' windows, by label: the days shown back from the last completed day, with
#: 0 for the run so far (from day 1) and -1 for the whole horizon (the lines end at today).
WINDOWS: dict[str, int] = {"run so far": 0, "whole year": -1, "last 90 days": 90, "last 30 days": 30}


def window_days(model: CaucasusModel, window: int = 0) -> tuple[int, int]:
    """(first day index shown, days on the axis) for a window of `WINDOWS`."""
    if window > 0:
        first = max(0, model.day - window)
        return first, model.day - first
    return 0, model.horizon if window < 0 else model.day


def window_dates(model: CaucasusModel, window: int = 0) -> list[str]:
    """The ISO dates on a time chart's axis for a window of `WINDOWS`."""
    first, count = window_days(model, window)
    return list(_iso_dates(model.config.start_date, model.horizon)[first : first + count])


def date_labels(model: CaucasusModel, days: int | None = None) -> list[str]:
    """ISO dates of the model's first `days` days (the days run so far by default)."""
    count = model.day if days is None else days
    return list(_iso_dates(model.config.start_date, model.horizon)[:count])


@lru_cache(maxsize=64)
def _iso_dates(start: dt.date, horizon: int) -> tuple[str, ...]:
    """Every day's ISO date, made once per run length (four charts ask for them on every step)."""
    return tuple((start + dt.timedelta(days=day)).isoformat() for day in range(horizon))


def _time_axes(dates: list[str], y_name: str, **y: Any) -> dict[str, Any]:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 40, "top": 40, "bottom": 28},  # room for the last date's label
        "xAxis": {"type": "category", "data": dates, "boundaryGap": False, "axisLabel": {"hideOverlap": True}},
        "yAxis": {"type": "value", "name": y_name, **y},
    }


def event_marks(model: CaucasusModel, window: int = 0) -> list[dict[str, Any]]:
    """Vertical lines for the days run so far: scripted shocks, injected shocks, the rupture(s), the restoration.

    Shocks of one day share one line, labelled with their ids (scripted) or actor, target and
    code (injected). The ruptures drawn are the first one and, while relations stay ruptured,
    the current one (`state.rupture_day`, `state.cut_since`; docs/ODD.md §7.13). Only the
    days inside the chart's window (`WINDOWS`) are marked.
    """
    dates = date_labels(model)
    first, _ = window_days(model, window)
    labels: dict[tuple[int, str], list[str]] = {}
    for day, shocks in model.config.shocks_by_day().items():
        if 0 <= day < model.day:
            labels.setdefault((day, "scripted"), []).extend(s.shock_id or s.cameo for s in shocks)
    for record in model.log:
        if record.kind == EventKind.INJECTED:
            labels.setdefault((record.day, "injected"), []).append(f"{record.actor}→{record.target} {record.cameo}")
    for day, kind in _relation_marks(model):
        labels.setdefault((day, kind), []).append(kind)
    marks = sorted(labels.items())
    return [_mark(dates[day], kind, ", ".join(names)) for (day, kind), names in marks if day >= first]


def _relation_marks(model: CaucasusModel) -> list[tuple[int, str]]:
    """(day, "rupture" or "restored") for the days run: the first rupture, the current one, the restoration."""
    state, last = model.state, model.day - 1
    marks = []
    first, since, restored = int(state.rupture_day), int(state.cut_since), int(state.restored_day)
    if 0 <= first <= last:
        marks.append((first, "rupture"))
    if since >= 0 and since != first and last - since + 1 >= model.config.params.rupture_days:
        marks.append((since, "rupture"))
    if 0 <= restored <= last:
        marks.append((restored, "restored"))
    return marks


def _mark(date: str, kind: str, label: str) -> dict[str, Any]:
    colour = MARK_COLOURS[kind]
    return {
        "xAxis": date,
        "lineStyle": {"color": colour, "type": "solid" if kind in ("rupture", "restored") else "dashed", "width": 1},
        "label": {"formatter": label, "color": colour, "fontSize": 9, "position": "insideEndTop"},
    }


def with_marks(series: list[dict[str, Any]], marks: list[dict[str, Any]]) -> None:
    """Draw `marks` (vertical lines) on the first series, after any marks it already has."""
    if not series or not marks:
        return
    line = series[0].setdefault("markLine", {"symbol": "none", "silent": True, "data": []})
    line.setdefault("symbol", "none")
    line["data"] = [*line.get("data", []), *marks]


def network_option(trust: np.ndarray, previous: np.ndarray) -> dict[str, Any]:
    """The trust network: an arrow i → j per pair, coloured and sized by i's trust in j.

    Arrows whose trust moved by at least `CHANGE_SHOWN` since the last step glow and carry
    the change as a label.
    """
    nodes = [
        {
            "name": actor.value,
            "x": LAYOUT[actor][0] * 100,
            "y": -LAYOUT[actor][1] * 100,
            "symbolSize": 54 if actor in STATES else 44,
            "itemStyle": {"color": "#37474f" if actor in STATES else POWER_COLOURS[actor]},
        }
        for actor in ACTORS
    ]
    links = [_trust_link(a, b, trust, previous) for a in ACTORS for b in ACTORS if a != b]
    return {
        "animation": False,
        "tooltip": {},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "data": nodes,
                "links": links,
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 7,
                "label": {"show": True, "color": "#fff", "fontWeight": "bold"},
                "edgeLabel": {"fontSize": 10},
                "left": 40,
                "right": 40,
                "top": 30,
                "bottom": 30,
            }
        ],
    }


def _trust_link(actor: Actor, target: Actor, trust: np.ndarray, previous: np.ndarray) -> dict[str, Any]:
    value = float(trust[INDEX[actor], INDEX[target]])
    change = value - float(previous[INDEX[actor], INDEX[target]])
    changed = abs(change) >= CHANGE_SHOWN
    link: dict[str, Any] = {
        "source": actor.value,
        "target": target.value,
        "value": round(value, 2),
        "tooltip": {"formatter": f"{actor} → {target}: trust {value:+.2f} ({change:+.3f} since last step)"},
        "lineStyle": {
            "color": trust_colour(value),
            "width": 0.5 + 4.5 * abs(value),
            "curveness": 0.12,
            "opacity": 0.95 if changed else _edge_opacity(value),
        },
    }
    if changed:
        link["lineStyle"].update(shadowBlur=10, shadowColor="#ff9800")
        link["label"] = {"show": True, "formatter": f"{change:+.2f}", "color": "#e65100"}
    return link


def _edge_opacity(trust: float) -> float:
    """Weak ties fade into the background so the strong (and the broken) ones read at a glance."""
    return 0.08 if abs(trust) < WEAK_TIE else 0.35 + 0.55 * abs(trust)


def shares_option(model: CaucasusModel, state: Actor, window: int = 0) -> dict[str, Any]:
    """The six powers' influence shares over one state, day by day (stacked to 1), over a window of `WINDOWS`."""
    first, _ = window_days(model, window)
    history = model.shares_history[first : model.day, STATE_ROW[state]]
    series = [
        {
            "name": power.value,
            "type": "line",
            "stack": "shares",
            "areaStyle": {"opacity": 0.6},
            "showSymbol": False,
            "lineStyle": {"width": 0.5},
            "color": POWER_COLOURS[power],
            "data": _values(history[:, column]),
        }
        for column, power in enumerate(POWERS)
    ]
    option = _time_axes(window_dates(model, window), "share", min=0, max=1)
    with_marks(series, event_marks(model, window))
    option.update(legend={"top": 0}, series=series)
    return option


def dyads_option(model: CaucasusModel, dyads: Sequence[tuple[Actor, Actor]], window: int = 0) -> dict[str, Any]:
    """Trust through time for the chosen (actor, target) pairs, over a window of `WINDOWS`."""
    first, _ = window_days(model, window)
    history = model.trust_history[first : model.day]
    series = [
        {
            "name": f"{a} → {b}",
            "type": "line",
            "showSymbol": False,
            "data": _values(history[:, INDEX[a], INDEX[b]]),
        }
        for a, b in dyads
    ]
    option = _time_axes(window_dates(model, window), "trust", min=-1, max=1)
    with_marks(series, event_marks(model, window))
    option.update(legend={"top": 0}, series=series)
    return option


def corridor_option(model: CaucasusModel, window: int = 0) -> dict[str, Any]:
    """Support for each corridor arrangement while it is on the table, with the agreement once reached.

    Support is NaN for an arrangement not on the table (docs/ODD.md §7.12): its line has a gap
    there, so an arrangement nobody has tabled is never drawn as if it were supported.
    """
    first, _ = window_days(model, window)
    history = model.support_history[first : model.day]
    series = [
        {
            "name": arrangement.value.replace("_", " "),
            "type": "line",
            "showSymbol": False,
            "color": ARRANGEMENT_COLOURS[index],
            "data": _values(history[:, index]),
        }
        for index, arrangement in enumerate(ARRANGEMENTS)
        if arrangement != Arrangement.NONE
    ]
    agreed = int(model.state.agreed)
    option = _time_axes(window_dates(model, window), "support (tabled only)", min=0, max=1)
    option["title"] = {"text": corridor_outcome(model), "left": "center", "bottom": 0, "textStyle": {"fontSize": 12}}
    option["grid"]["bottom"] = 44
    if agreed >= 0 and series and int(model.state.agreed_day) >= first:
        day = int(model.state.agreed_day)
        series[0]["markLine"] = {
            "symbol": "none",
            "lineStyle": {"color": "#333"},
            "label": {"formatter": "agreed"},
            "data": [{"xAxis": model.config.date_of(day).isoformat()}],
        }
    with_marks(series, event_marks(model, window))
    option.update(legend={"top": 0}, series=series)
    return option


def corridor_outcome(model: CaucasusModel) -> str:
    """One line: the arrangement agreed and when, or that none is agreed yet."""
    agreed = int(model.state.agreed)
    if agreed < 0:
        return "No arrangement agreed yet"
    date = model.config.date_of(int(model.state.agreed_day))
    return f"Agreed: {ARRANGEMENTS[agreed].value.replace('_', ' ')} on {date.isoformat()}"


def ladder_option(model: CaucasusModel) -> dict[str, Any]:
    """Where each actor stands on the escalation ladder: its highest standing rung, and at whom."""
    standing = model.state.standing
    bars = []
    for actor in ACTORS:
        row = standing[INDEX[actor]]
        target = ACTORS[int(np.argmax(row))]
        rung = float(row.max())
        label = f"{LADDER[round(rung) - 1].label} {target}" if rung >= 0.5 else "calm"
        bars.append({"value": round(rung, 2), "label": {"show": True, "position": "right", "formatter": label}})
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 44, "right": 150, "top": 10, "bottom": 36},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": len(LADDER),
            "interval": 1,
            "name": "rung",
            "nameLocation": "middle",
        },
        "yAxis": {"type": "category", "data": [a.value for a in ACTORS], "inverse": True},
        "series": [{"type": "bar", "data": bars, "itemStyle": {"color": "#8d6e63"}}],
    }


def whatif_option(dates: list[str], as_run: np.ndarray, changed: np.ndarray, metric: str, branch_day: int) -> dict:
    """Both continuations of a what-if (top) and their difference, changed minus as run (bottom)."""
    branch = {
        "symbol": "none",
        "lineStyle": {"color": "#333", "type": "dashed"},
        "label": {"formatter": "branch"},
        "data": [{"xAxis": dates[min(branch_day, len(dates) - 1)]}],
    }
    line = {"type": "line", "showSymbol": False}
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "axisPointer": {"link": [{"xAxisIndex": "all"}]},
        "grid": [
            {"left": 56, "right": 16, "top": 36, "height": "48%"},
            {"left": 56, "right": 16, "top": "70%", "bottom": 28},
        ],
        "xAxis": [
            {"type": "category", "data": dates, "gridIndex": 0, "axisLabel": {"show": False}},
            {"type": "category", "data": dates, "gridIndex": 1},
        ],
        "yAxis": [
            {"type": "value", "name": metric, "gridIndex": 0, "scale": True},
            {"type": "value", "name": "difference", "gridIndex": 1, "scale": True},
        ],
        "series": [
            {**line, "name": "as run", "data": _values(as_run), "color": "#607d8b", "markLine": branch},
            {**line, "name": "what-if", "data": _values(changed), "color": "#e65100"},
            {
                **line,
                "name": "what-if − as run",
                "data": _values(changed - as_run),
                "xAxisIndex": 1,
                "yAxisIndex": 1,
                "color": "#6a1b9a",
                "areaStyle": {"opacity": 0.25},
            },
        ],
    }
