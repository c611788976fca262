"""ECharts charts whose option travels as JSON text.

Reacton walks every argument of every element on each render, looking for child elements:
an option holding thousands of numbers cost ~30 ms a redraw in that walk alone. Passing the
option as one JSON string makes the walk (and the "has it changed?" test) a string compare;
the widget parses it back into the option that Solara's ECharts front end draws (served
locally from solara-assets).
"""

from __future__ import annotations

import json
from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget


class EchartsFromJSON(EchartsWidget):
    """Solara's ECharts widget, fed with `option_json` (not synced) instead of `option`."""

    option_json = traitlets.Unicode("{}")

    @traitlets.observe("option_json")
    def _parse_option(self, change: dict[str, Any]) -> None:
        self.option = json.loads(change["new"])


def chart(option: dict[str, Any], height: int, css_class: str) -> solara.Element:
    """One chart, `height` pixels tall and as wide as its container, with a CSS class for tests.

    A plain function, not a component: a component would hold the option among its own
    arguments, and reacton would walk it again.
    """
    return EchartsFromJSON.element(
        option_json=json.dumps(option), attributes={"style": f"height: {height}px; width: 100%", "class": css_class}
    )
