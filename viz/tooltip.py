"""The page's tooltips: shown on hover after a delay, on a chosen side, narrow, never over a neighbour.

Solara's own `Tooltip` opens at once, below its control, as wide as its text: Step's covered
"To next shock" and the Action picker's covered Inject. Here every tooltip waits
`OPEN_DELAY_MS` (a pointer passing over a control on its way elsewhere opens nothing), closes
as soon as the pointer leaves, is at most `MAX_WIDTH_PX` wide, and opens on the side its caller
names: the side where no other control sits (above a row of buttons, beside a stacked field).
"""

from __future__ import annotations

import reacton.ipyvuetify as v
import solara

#: How long the pointer rests on a control before its tooltip opens (Material's guidance is ~0.5 s; judgement).
OPEN_DELAY_MS = 600
#: Tooltips wrap at this width, so a long one grows down rather than across the neighbouring controls.
MAX_WIDTH_PX = 300
SIDES = ("top", "bottom", "left", "right")


@solara.component
def Hint(text: str, control: solara.Element, side: str = "bottom", style: str = ""):
    """`control` (wrapped in a div with `style`) with a tooltip saying `text`, opening on `side`.

    The div carries the CSS class `has-tip` and the tooltip's content `tip-<side>`, so tests can
    find them and check where the tooltip opens.
    """
    if side not in SIDES:
        raise ValueError(f"side {side!r}: use one of {', '.join(SIDES)}")
    wrapper = solara.Div(children=[control], style=style, classes=["has-tip"])

    def listen() -> None:  # the div opens and closes the tooltip (as solara.Tooltip does with its children)
        solara.get_widget(wrapper).v_on = "tooltip.on"

    solara.use_effect(listen, None)  # after every render, as solara.Tooltip does
    return v.Tooltip(
        open_delay=OPEN_DELAY_MS,
        max_width=MAX_WIDTH_PX,
        content_class=f"tip-{side}",
        v_slots=[{"name": "activator", "variable": "tooltip", "children": [wrapper]}],
        children=[text],
        **{side: True},
    )
