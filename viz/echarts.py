"""ECharts charts whose option travels as JSON text, from the server to the browser.

Reacton walks every argument of every element on each render, looking for child elements:
an option holding thousands of numbers cost ~30 ms a redraw in that walk alone. Passing the
option as one JSON string makes the walk (and the "has it changed?" test) a string compare.
The string is also what is synced: the browser parses it (viz/echarts.vue), so the server
never parses it back nor walks it to send it, and Vue never makes its numbers reactive. The
front end draws with the ECharts that Solara serves locally (solara-assets), and merges an
option into the chart it has when only values changed (see echarts.vue). A map's geometry
travels as JSON text too (`maps_json`), once per widget: ECharts registers it when the chart
is created, and each step sends only the option.
"""

from __future__ import annotations

import json
from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget


class EchartsFromJSON(EchartsWidget):
    """Solara's ECharts widget, fed with `option_json` (synced) and `maps_json` instead of `option` and `maps`."""

    template_file = (__file__, "echarts.vue")
    option_json = traitlets.Unicode("{}").tag(sync=True)
    maps_json = traitlets.Unicode("{}")

    @property
    def option(self) -> dict[str, Any]:
        """The option drawn, parsed from `option_json` (for tests and notebooks; never synced)."""
        return json.loads(self.option_json)

    @traitlets.observe("maps_json")
    def _parse_maps(self, change: dict[str, Any]) -> None:
        self.maps = json.loads(change["new"])


def chart(
    option: dict[str, Any], height: int, css_class: str, maps_json: str = "{}", responsive: bool = False
) -> solara.Element:
    """One chart, `height` pixels tall and as wide as its container, with a CSS class for tests.

    `maps_json` is a JSON object of map name to GeoJSON, registered before the option is drawn
    (the same text on every redraw costs one string compare); a `responsive` chart follows its
    container's size (a map must, or it is cut off). A plain function, not a
    component: a component would hold the option among its own arguments, and reacton would
    walk it again.
    """
    return EchartsFromJSON.element(
        option_json=json.dumps(option),
        maps_json=maps_json,
        responsive=responsive,
        attributes={"style": f"height: {height}px; width: 100%", "class": css_class},
    )
