"""The Live run tab's map of the region: the picker and the map, redrawn on every step.

Only `RegionChart` reads the session's `tick`; the card and the picker are drawn once. The
geometry is sent to the browser with the widget, once per page (`viz.map_data.maps_json`); each
step sends the option of `viz.map_chart.region_option` alone (a few kilobytes).
"""

from __future__ import annotations

import solara

from viz.controls import tip
from viz.echarts import chart
from viz.map_chart import MAP_COLOURINGS, region_option
from viz.map_data import maps_json
from viz.session import Session

MAP_HEIGHT = 560
#: The picker's label (the About page names it).
COLOURING_LABEL = "Colour the states by"
DEFAULT_COLOURING = next(iter(MAP_COLOURINGS))


@solara.component
def RegionChart(session: Session, tick: solara.Reactive[int], colouring: str):
    """The map (CSS class `view-map`), coloured by `colouring` (a label of `MAP_COLOURINGS`), redrawn each tick."""
    live = session.live
    option = solara.use_memo(
        lambda: region_option(live.model, MAP_COLOURINGS[colouring]), [live, tick.value, colouring]
    )
    return chart(option, MAP_HEIGHT, "view-map", maps_json(), responsive=True)


@solara.component
def RegionMap(session: Session, tick: solara.Reactive[int]):
    """The card: where the actors are, coloured by influence or by trust in one actor."""
    colouring = solara.use_reactive(DEFAULT_COLOURING)
    with solara.Card(
        "The region",
        subtitle="Syunik (dashed outline) lies between Azerbaijan and its exclave Nakhchivan; the corridor "
        "route (approximate) crosses it along the Araks",
        margin=0,
        classes=["region-map"],
    ):
        with solara.Div(style="max-width: 260px", classes=["map-colouring"]):
            tip(
                "Colour the states by the outside power with most influence over them (Azerbaijan and Armenia; "
                "deeper for a larger share), or by each actor's trust in the actor you pick (red distrust, blue "
                "trust). The corridor route is drawn in the colour of the arrangement agreed (solid) or in the "
                "lead (dashed); the line between Azerbaijan and Russia turns red when relations rupture.",
                solara.Select(COLOURING_LABEL, values=list(MAP_COLOURINGS), value=colouring),
            )
        RegionChart(session, tick, colouring.value)
