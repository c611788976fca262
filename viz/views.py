"""The live views, redrawn each step: network, influence, dyads, corridor, ladder, event log.

The chart options are built once per `tick` (not on every slider move) and drawn by ECharts
in the browser.
"""

from __future__ import annotations

import solara

from sim.actors import ACTORS, Actor
from viz.charts import corridor_option, dyads_option, ladder_option, network_option, shares_option
from viz.event_table import event_rows, event_table_html
from viz.live import LiveRun
from viz.session import Session

DYADS: list[str] = [f"{a}→{b}" for a in ACTORS for b in ACTORS if a != b]
DEFAULT_DYADS = ["AZE→RUS", "ARM→RUS"]
EVENT_ROWS_SHOWN = 200


def parse_dyad(label: str) -> tuple[Actor, Actor]:
    """'AZE→RUS' -> (Actor.AZE, Actor.RUS)."""
    actor, target = label.split("→")
    return Actor(actor), Actor(target)


def _chart(option: dict, height: int, css: str) -> solara.Element:
    return solara.FigureEcharts(option, attributes={"style": f"height: {height}px; width: 100%", "class": css})


def live_options(live: LiveRun, dyads: list[str]) -> dict[str, dict]:
    """Every chart's option for the current day, by view name."""
    model = live.model
    return {
        "network": network_option(model.state.trust, live.previous_trust),
        "shares_AZE": shares_option(model, Actor.AZE),
        "shares_ARM": shares_option(model, Actor.ARM),
        "dyads": dyads_option(model, [parse_dyad(d) for d in dyads]),
        "corridor": corridor_option(model),
        "ladder": ladder_option(model),
    }


@solara.component
def LiveViews(session: Session, tick: solara.Reactive[int]):
    """All live views of the session's run (redrawn when `tick` or the dyad choice changes)."""
    dyads = solara.use_reactive(DEFAULT_DYADS)
    live = session.live
    options = solara.use_memo(lambda: live_options(live, dyads.value), [live, tick.value, tuple(dyads.value)])
    rows = solara.use_memo(
        lambda: event_rows(live.model.log, live.model.events.pending, EVENT_ROWS_SHOWN), [live, tick.value]
    )
    with solara.Columns([5, 7]):
        with solara.Card("Trust network", margin=0, subtitle="arrow i → j: i's trust in j; glowing: moved today"):
            _chart(options["network"], 420, "view-network")
        with solara.Card("Trust through time", margin=0):
            solara.Tooltip(
                "Pick the pairs to plot: 'AZE→RUS' is Azerbaijan's trust in Russia.",
                children=[
                    solara.SelectMultiple("Pairs", values=dyads.value, all_values=DYADS, on_value=dyads.set, dense=True)
                ],
            )
            _chart(options["dyads"], 330, "view-dyads")
    with solara.Columns([1, 1]):
        with solara.Card("Influence over Azerbaijan", margin=0):
            _chart(options["shares_AZE"], 260, "view-shares-aze")
        with solara.Card("Influence over Armenia", margin=0):
            _chart(options["shares_ARM"], 260, "view-shares-arm")
    with solara.Columns([1, 1]):
        with solara.Card("The corridor: support for each arrangement", margin=0):
            _chart(options["corridor"], 280, "view-corridor")
        with solara.Card("The escalation ladder: highest standing rung", margin=0):
            _chart(options["ladder"], 280, "view-ladder")
    with solara.Card("Event log (newest first)", margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=event_table_html(rows),
            style="max-height: 420px; overflow-y: auto; font-size: 13px",
            classes=["event-log-box"],
        )
