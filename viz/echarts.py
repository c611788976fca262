"""ECharts charts whose option travels as JSON text.

Reacton walks every argument of every element on each render, looking for child elements:
an option holding thousands of numbers cost ~30 ms a redraw in that walk alone. Passing the
option as one JSON string makes the walk (and the "has it changed?" test) a string compare;
the widget parses it back into the option that Solara's ECharts front end draws (served
locally from solara-assets). A map's geometry travels the same way (`maps_json`), once per
widget: ECharts registers it when the chart is created, and each step sends only the option.
"""

from __future__ import annotations

import json
from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget


class EchartsFromJSON(EchartsWidget):
    """Solara's ECharts widget, fed with `option_json` and `maps_json` (not synced) instead of `option` and `maps`."""

    option_json = traitlets.Unicode("{}")
    maps_json = traitlets.Unicode("{}")

    @traitlets.observe("option_json")
    def _parse_option(self, change: dict[str, Any]) -> None:
        self.option = json.loads(change["new"])

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
