"""ECharts options for the live views, built from a model's state and histories.

Plain functions from numbers to option dicts: the browser draws them (ECharts is served
locally with Solara's assets), so a redraw costs the server only the time to build a dict.
Animation is off, so each step shows the new state at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.actors import ACTORS, INDEX, POWER_COLUMN, POWERS, STATE_ROW, STATES, Actor
from sim.cameo import LADDER
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.events_log import EventKind
from sim.model import CaucasusModel

if TYPE_CHECKING:
    from experiments.posterior_runs import SeriesFan

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
        "grid": {"left": 58, "right": 40, "top": 40, "bottom": 28},  # room for the last date's label
        "xAxis": {"type": "category", "data": dates, "boundaryGap": False, "axisLabel": {"hideOverlap": True}},
        # The name runs up beside the axis: at its top (ECharts' default) it collides with the legend.
        "yAxis": {"type": "value", "name": y_name, "nameLocation": "middle", "nameGap": 38, **y},
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


MINUS = "\u2212"  # a true minus sign, as the page writes negative numbers
#: How many of the largest trust changes the network labels: with more, the labels overlap.
CHANGES_LABELLED = 5
#: The trust values the network's legend shows a colour and a width for.
LEGEND_TRUST = (-1.0, -0.5, 0.0, 0.5, 1.0)


def trust_width(trust: float) -> float:
    """An arrow's width in pixels: 0.5 for no trust either way, 5 for full trust or distrust."""
    return 0.5 + 4.5 * min(abs(float(trust)), 1.0)


def shown_pairs(focus: Actor | None = None) -> list[tuple[Actor, Actor]]:
    """The (actor, target) arrows the network draws: every pair, or only `focus`'s ties both ways."""
    return [(a, b) for a in ACTORS for b in ACTORS if a != b and focus in (None, a, b)]


def largest_changes(
    trust: np.ndarray, previous: np.ndarray, focus: Actor | None = None, count: int = CHANGES_LABELLED
) -> list[tuple[Actor, Actor, float]]:
    """The `count` arrows shown whose trust moved most, by size of the change, as (actor, target, change).

    Only changes of at least `CHANGE_SHOWN` count (smaller ones are daily noise); ties keep the
    order of `ACTORS`, so the same state always labels the same arrows.
    """
    moves = [(a, b, float(trust[INDEX[a], INDEX[b]] - previous[INDEX[a], INDEX[b]])) for a, b in shown_pairs(focus)]
    moved = [move for move in moves if abs(move[2]) >= CHANGE_SHOWN]
    return sorted(moved, key=lambda move: -abs(move[2]))[:count]


def change_span(days: int) -> str:
    """What a change on the network spans: 'on the last day', 'over the last 181 days'."""
    return "on the last day" if days == 1 else f"over the last {days} days"


def changes_text(changes: Sequence[tuple[Actor, Actor, float]], days: int) -> str:
    """One line naming the labelled changes: 'Largest changes over the last 181 days: AZE→RUS −0.70, …'."""
    if days <= 0:
        return "Nothing run yet: the labels will show the largest changes of trust."
    if not changes:
        return f"No arrow moved by {CHANGE_SHOWN:g} or more {change_span(days)}."
    listed = ", ".join(f"{a}→{b} {signed(change)}" for a, b, change in changes)
    return f"Largest changes {change_span(days)}: {listed}"


def signed(value: float) -> str:
    """A change with its sign and a true minus: '+0.12', '−0.70'."""
    return f"{value:+.2f}".replace("-", MINUS)


def network_option(
    trust: np.ndarray, previous: np.ndarray, days: int = 1, focus: Actor | None = None
) -> dict[str, Any]:
    """The trust network: an arrow i → j per pair (or per tie of `focus`), coloured and sized by i's trust in j.

    `previous` is the trust `days` days ago, before the last step (Step, a jump to the next shock
    or a frame of Play). Only the `CHANGES_LABELLED` largest changes since then glow and carry
    the change as a label, however long the step; every arrow's tooltip gives its own change.
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
    labelled = {(a, b) for a, b, _ in largest_changes(trust, previous, focus)}
    span = change_span(days)
    links = [_trust_link(a, b, trust, previous, (a, b) in labelled, span) for a, b in shown_pairs(focus)]
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


def _trust_link(
    actor: Actor, target: Actor, trust: np.ndarray, previous: np.ndarray, labelled: bool, span: str
) -> dict[str, Any]:
    value = float(trust[INDEX[actor], INDEX[target]])
    change = value - float(previous[INDEX[actor], INDEX[target]])
    link: dict[str, Any] = {
        "source": actor.value,
        "target": target.value,
        "value": round(value, 2),
        "tooltip": {"formatter": f"{actor} → {target}: trust {value:+.2f} ({change:+.3f} {span})"},
        "lineStyle": {
            "color": trust_colour(value),
            "width": trust_width(value),
            "curveness": 0.12,
            "opacity": 0.95 if labelled else _edge_opacity(value),
        },
    }
    if labelled:
        link["lineStyle"].update(shadowBlur=10, shadowColor="#ff9800")
        link["label"] = {"show": True, "formatter": signed(change), "color": "#e65100", "fontWeight": "bold"}
    return link


def _edge_opacity(trust: float) -> float:
    """Weak ties fade into the background so the strong (and the broken) ones read at a glance."""
    return 0.08 if abs(trust) < WEAK_TIE else 0.35 + 0.55 * abs(trust)


def network_legend_html() -> str:
    """The network's legend as HTML: an arrow's colour and width for a few trust values, and the labels.

    Drawn with `trust_colour`, `trust_width` and `_edge_opacity`, the functions that draw the
    arrows, so the legend cannot drift from the chart.
    """
    samples = "".join(
        f'<span class="legend-sample" style="display: inline-flex; align-items: center; gap: 4px">'
        f'<svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{trust_colour(value)}" '
        f'stroke-width="{trust_width(value):g}" stroke-opacity="{max(_edge_opacity(value), 0.3):g}"/></svg>'
        f"{f'{value:+g}'.replace('-', MINUS) if value else '0'}</span>"
        for value in LEGEND_TRUST
    )
    return (
        '<div style="display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center">'
        f"<span>Trust: red distrust, blue trust, wider = stronger:</span>{samples}</div>"
        f"<div>Faint: |trust| under {WEAK_TIE:g}. Glowing, with the change as a label: the "
        f"{CHANGES_LABELLED} largest changes (of {CHANGE_SHOWN:g} or more) since the last step.</div>"
    )


def shares_option(model: CaucasusModel, state: Actor, window: int = 0, fan: SeriesFan | None = None) -> dict[str, Any]:
    """The six powers' influence shares over one state, day by day (stacked to 1), over a window of `WINDOWS`.

    With a posterior `fan`, Russia's share (the bottom of the stack, so its line is its share) gets
    its posterior bands over the window.
    """
    first, count = window_days(model, window)
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
    if fan is not None:
        quantiles = fan.shares[:, first : first + count, STATE_ROW[state], POWER_COLUMN[Actor.RUS]]
        _with_fan(option, [fan_bands("RUS", quantiles, POWER_COLOURS[Actor.RUS])])
    return option


def dyads_option(
    model: CaucasusModel, dyads: Sequence[tuple[Actor, Actor]], window: int = 0, fan: SeriesFan | None = None
) -> dict[str, Any]:
    """Trust through time for the chosen (actor, target) pairs, over a window of `WINDOWS`.

    With a posterior `fan`, each pair's line is drawn over its posterior bands (in its colour).
    """
    first, count = window_days(model, window)
    history = model.trust_history[first : model.day]
    series = [
        {
            "name": f"{a} → {b}",
            "type": "line",
            "showSymbol": False,
            "color": LINE_COLOURS[number % len(LINE_COLOURS)],
            "data": _values(history[:, INDEX[a], INDEX[b]]),
        }
        for number, (a, b) in enumerate(dyads)
    ]
    option = _time_axes(window_dates(model, window), "trust", min=-1, max=1)
    with_marks(series, event_marks(model, window))
    option.update(legend={"top": 0}, series=series)
    if fan is not None:
        bands = [
            fan_bands(f"{a} → {b}", fan.trust[:, first : first + count, INDEX[a], INDEX[b]], line["color"])
            for (a, b), line in zip(dyads, series, strict=True)
        ]
        _with_fan(option, bands)
    return option


#: ECharts' default palette: the dyads' lines keep the colours they had before a fan shared them.
LINE_COLOURS = ("#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc")
#: The fan's bands: the 90% interval (quantiles 5-95%) faint, the 50% interval (25-75%) stronger.
FAN_OPACITY = {"90%": 0.12, "50%": 0.28}


def fan_bands(name: str, quantiles: np.ndarray, colour: str) -> list[dict[str, Any]]:
    """Band series for one line: 90% and 50% intervals and the median, from [5 quantiles, days].

    Each band is a transparent lower edge with the band's width stacked on it (ECharts draws the
    area between them; `stackStrategy` "all" so a band below zero stacks too). The series are
    silent and left out of the tooltip and legend: the live line stays the chart's subject.
    """
    q05, q25, median, q75, q95 = (np.asarray(row, dtype=float) for row in quantiles)
    quiet = {"type": "line", "showSymbol": False, "silent": True, "tooltip": {"show": False}, "z": 1}
    series = []
    for label, low, high in (("90%", q05, q95), ("50%", q25, q75)):
        stack = {**quiet, "stack": f"fan {label} {name}", "stackStrategy": "all", "lineStyle": {"opacity": 0}}
        series.append({**stack, "name": f"{name} posterior {label}", "data": _values(low)})
        area = {"color": colour, "opacity": FAN_OPACITY[label]}
        series.append({**stack, "name": f"{name} posterior {label}", "data": _values(high - low), "areaStyle": area})
    line = {"color": colour, "type": "dotted", "width": 1}
    series.append(
        {**quiet, "name": f"{name} posterior median", "color": colour, "lineStyle": line, "data": _values(median)}
    )
    return series


def _with_fan(option: dict[str, Any], bands: list[list[dict[str, Any]]]) -> None:
    """Put the bands under the option's lines (drawn first, lower z) and keep the legend to the lines."""
    lines = option["series"]
    option["legend"]["data"] = [line["name"] for line in lines]
    for line in lines:
        line["z"] = 3
    option["series"] = [*(band for group in bands for band in group), *lines]


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
        "grid": {"left": 44, "right": 150, "top": 10, "bottom": 42},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": len(LADDER),
            "interval": 1,
            "name": "rung (0 = calm)",
            "nameLocation": "middle",
            "nameGap": 24,  # below the tick labels, not in their row between two of them
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
