"""The live views, redrawn each step: network, dyads, map, influence, corridor, ladder, event log.

The cards, titles and pickers are drawn once; only the small components inside them read
the session's `tick`, so a step redraws the charts and the log and nothing else. Chart
options are built from the run's state and drawn by ECharts in the browser.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara

from sim.actors import ACTORS, Actor
from viz.charts import (
    WINDOWS,
    changes_text,
    corridor_option,
    dyads_option,
    ladder_option,
    largest_changes,
    network_legend_html,
    network_option,
    shares_option,
)
from viz.controls import tip
from viz.echarts import chart
from viz.event_table import event_rows, event_table_html
from viz.live import LiveRun
from viz.map_view import RegionMap
from viz.session import Session
from viz.status import status_items

DYADS: list[str] = [f"{a}→{b}" for a in ACTORS for b in ACTORS if a != b]
DEFAULT_DYADS = ("AZE→RUS", "ARM→RUS")
#: The network's actor picker: every tie, or one actor's ties alone.
ALL_TIES = "all"
NETWORK_FOCUS: list[str] = [ALL_TIES, *(a.value for a in ACTORS)]
EVENT_ROWS_SHOWN = 200


def parse_dyad(label: str) -> tuple[Actor, Actor]:
    """'AZE→RUS' -> (Actor.AZE, Actor.RUS)."""
    actor, target = label.split("→")
    return Actor(actor), Actor(target)


#: Each live chart's option, by view name, from the run and the picked dyads.
VIEW_OPTIONS: dict[str, Callable[[LiveRun, tuple[str, ...], int], dict]] = {
    "network": lambda live, dyads, window: network_option(
        live.model.state.trust, live.previous_trust, live.last_step_days
    ),
    "shares-aze": lambda live, dyads, window: shares_option(live.model, Actor.AZE, window, live.fan),
    "shares-arm": lambda live, dyads, window: shares_option(live.model, Actor.ARM, window, live.fan),
    "dyads": lambda live, dyads, window: dyads_option(live.model, [parse_dyad(d) for d in dyads], window, live.fan),
    "corridor": lambda live, dyads, window: corridor_option(live.model, window),
    "ladder": lambda live, dyads, window: ladder_option(live.model),
}


@solara.component
def LiveChart(
    session: Session, tick: solara.Reactive[int], view: str, height: int, dyads: tuple[str, ...] = (), window: int = 0
):
    """One live chart (CSS class `view-<view>`), redrawn on every tick; time charts show `window` (`WINDOWS`)."""
    live = session.live
    option = solara.use_memo(lambda: VIEW_OPTIONS[view](live, dyads, window), [live, tick.value, dyads, window])
    return chart(option, height, f"view-{view}")


def focus_actor(label: str) -> Actor | None:
    """The actor picked in the network's picker, or None for all ties."""
    return None if label == ALL_TIES else Actor(label)


@solara.component
def NetworkChart(session: Session, tick: solara.Reactive[int], focus: str):
    """The trust network (every tie, or `focus`'s alone) and a line naming its labelled changes."""
    live = session.live
    actor = focus_actor(focus)

    def build() -> tuple[dict, str]:
        trust, previous, days = live.model.state.trust, live.previous_trust, live.last_step_days
        return network_option(trust, previous, days, actor), changes_text(largest_changes(trust, previous, actor), days)

    option, caption = solara.use_memo(build, [live, tick.value, focus])
    with solara.Column(gap="0px") as column:
        chart(option, 420, "view-network")
        solara.Text(caption, classes=["network-changes"], style="font-size: 12px; color: #e65100")
    return column


@solara.component
def EventLogTable(session: Session, tick: solara.Reactive[int]):
    """The event log, newest first, with what is queued for the next step on top."""
    model = session.live.model
    rows = event_rows(model.log, model.events.pending, EVENT_ROWS_SHOWN)
    _ = tick.value
    solara.HTML(
        tag="div",
        unsafe_innerHTML=event_table_html(rows),
        style="max-height: 420px; overflow-y: auto; font-size: 13px",
        classes=["event-log-box"],
    )


@solara.component
def StatusStrip(session: Session, tick: solara.Reactive[int]):
    """The run's outcome so far in words (relations, corridor, treaty, rungs, the raid), redrawn each step."""
    _ = tick.value
    items = status_items(session.live.model)
    cells = "".join(
        f'<div class="status-{item.key}" style="flex: 1 1 0; min-width: 160px; padding: 4px 8px; '
        f'border-left: 3px solid #90a4ae"><div style="font-size: 11px; color: #607d8b; text-transform: uppercase">'
        f"{html.escape(item.heading)}</div><div>{html.escape(item.text)}</div></div>"
        for item in items
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=cells,
        style="display: flex; flex-wrap: wrap; gap: 6px; font-size: 13px; margin: 4px 0 8px 0",
        classes=["status-strip"],
    )


@solara.component
def LiveViews(session: Session, tick: solara.Reactive[int]):
    """All live views of the session's run."""
    dyads = solara.use_reactive(list(DEFAULT_DYADS))
    focus = solara.use_reactive(ALL_TIES)
    window_label = solara.use_reactive(next(iter(WINDOWS)))
    window = WINDOWS[window_label.value]
    StatusStrip(session, tick)
    with solara.Div(style="max-width: 320px", classes=["time-window"]):
        tip(
            "How much of the year the time charts show: the days run so far, the whole year (the lines end "
            "at today), or the last 90 or 30 days.",
            solara.Select("Time charts show", values=list(WINDOWS), value=window_label),
            "right",
        )
    with solara.Columns([5, 7]):
        with solara.Card("Trust network", margin=0, subtitle="arrow i → j: i's trust in j", classes=["network-card"]):
            tip(
                "Show one actor's ties alone (its trust in the others and theirs in it), or all of them.",
                solara.Select("Ties of", values=NETWORK_FOCUS, value=focus, classes=["network-focus"]),
                "top",
            )
            NetworkChart(session, tick, focus.value)
            solara.HTML(
                tag="div", unsafe_innerHTML=network_legend_html(), style="font-size: 12px", classes=["network-legend"]
            )
        with solara.Card("Trust through time", margin=0):
            tip(
                "Pick the pairs to plot: 'AZE→RUS' is Azerbaijan's trust in Russia.",
                solara.SelectMultiple("Pairs", values=dyads.value, all_values=DYADS, on_value=dyads.set, dense=True),
                "top",
            )
            LiveChart(session, tick, "dyads", 330, tuple(dyads.value), window)
    with solara.Columns([7, 5]):
        RegionMap(session, tick)
        with solara.Div():
            with solara.Card("Influence over Azerbaijan", margin=0):
                LiveChart(session, tick, "shares-aze", 260, window=window)
            with solara.Card("Influence over Armenia", margin=0):
                LiveChart(session, tick, "shares-arm", 260, window=window)
    with solara.Columns([1, 1]):
        with solara.Card("The corridor: support for each arrangement on the table", margin=0):
            LiveChart(session, tick, "corridor", 280, window=window)
        with solara.Card("The escalation ladder: highest standing rung", margin=0):
            LiveChart(session, tick, "ladder", 280)
    with solara.Card("Event log (newest first)", margin=0):
        EventLogTable(session, tick)
