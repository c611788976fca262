"""ECharts option of the region map: the states coloured by the run's live state, the corridor, the rupture.

The geometry (`viz.map_data`) reaches the browser once per page; this option, rebuilt each
step, holds only what changes: a colour and a label per state, the corridor route's style and
the rupture pair's tie. Colours move with their labels' rounding (a share's percent, trust's
hundredths), so on most days the option is unchanged and the browser redraws nothing. Two
colourings (`MAP_COLOURINGS`):

- "most influence": Azerbaijan (Nakhchivan too) and Armenia (Syunik too) in the colour of the
  outside power with the largest influence share over them, deeper for a larger share; Russia,
  Turkey and Iran in their own colours (the legend names the others, which lie off the map).
- "trust in X": every actor on the map coloured by its trust in X (red distrust, grey, blue
  trust: the trust network's scale); X itself is outlined.

The corridor route (`CORRIDOR_ROUTE`, an approximation) is drawn in the colour of the
arrangement agreed (solid) or in the lead among those on the table (dashed), grey and dotted
while none is tabled. A line between the rupture pair's labels is grey while relations are
normal, orange and dashed while cut, red with a cross once ruptured, green once restored.
Neighbours the model does not hold as actors (Georgia, Iraq, Syria, Kazakhstan) stay grey.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, POWERS, STATE_ROW, Actor
from sim.corridor import ARRANGEMENTS, Arrangement
from sim.model import CaucasusModel
from viz.charts import ARRANGEMENT_COLOURS, MARK_COLOURS, POWER_COLOURS, trust_colour
from viz.clock import date_text
from viz.map_data import BOX, CORRIDOR_ROUTE, MAP_NAME, label_point, region_features
from viz.status import ARRANGEMENT_NAMES

#: The colourings offered, by label: None colours by influence, an actor by trust in it.
MAP_COLOURINGS: dict[str, Actor | None] = {
    "most influence": None,
    **{f"trust in {actor.value}": actor for actor in ACTORS},
}
#: Land the model holds no actor for, and the sea behind the map.
NEUTRAL_LAND = "#eceff1"
SEA = "#e3f2fd"
#: How deep a power's own territory is tinted (its colour key on the map), and the least tint
#: of a state coloured by influence (a share of 0 would otherwise vanish into white): judgement.
OWN_TINT = 0.35
LEAST_TINT = 0.25
#: The relations tie's colour by phase (rupture and restoration as on the time charts' marks).
PHASE_COLOURS = {"normal": "#78909c", "cut": "#e65100", **MARK_COLOURS}
NO_ARRANGEMENT_COLOUR = "#9e9e9e"
#: Labels set beside their point: the two small neighbours would cover each other's, and
#: Kazakhstan's sits at the map's edge (judgement).
LABEL_SIDES = {"Nakhchivan": "left", "Syunik": "right", "Kazakhstan": "left"}


def tint(colour: str, strength: float) -> str:
    """`colour` (#rrggbb) mixed with white: strength 0 is white, 1 the colour itself."""
    strength = min(max(float(strength), 0.0), 1.0)
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(255 + strength * (channel - 255)) for channel in channels)
    return f"#{r:02x}{g:02x}{b:02x}"


def leading_power(model: CaucasusModel, state: Actor) -> tuple[Actor, float]:
    """The outside power with the largest influence share over `state` now, and that share."""
    shares = np.asarray(model.state.shares[STATE_ROW[state]], dtype=float)
    column = int(np.argmax(shares))
    return POWERS[column], float(shares[column])


def region_colours(model: CaucasusModel, colouring: Actor | None) -> dict[str, tuple[str, str]]:
    """(fill colour, label) of every feature of the map, by feature name, for a colouring of `MAP_COLOURINGS`."""
    colours = {}
    for feature in region_features():
        actor = Actor(feature["actor"]) if feature["actor"] else None
        if actor is None:
            colours[feature["name"]] = (NEUTRAL_LAND, feature["name"])
        elif colouring is None:
            colours[feature["name"]] = _influence_colour(model, actor, feature)
        else:
            colours[feature["name"]] = _trust_colour(model, actor, colouring, feature)
    return colours


def _influence_colour(model: CaucasusModel, actor: Actor, feature: dict[str, Any]) -> tuple[str, str]:
    name = feature["name"]
    if actor in STATE_ROW:
        power, share = leading_power(model, actor)
        share = round(share, 2)  # the colour moves with the label's percent, not with every tiny drift
        fill = tint(POWER_COLOURS[power], LEAST_TINT + (1 - LEAST_TINT) * share)
        return fill, _label(feature, f"{power.value} {share:.0%}")
    return tint(POWER_COLOURS[actor], OWN_TINT), name


def _trust_colour(model: CaucasusModel, actor: Actor, target: Actor, feature: dict[str, Any]) -> tuple[str, str]:
    if actor == target:
        return "#ffffff", _label(feature, f"({target.value})")
    trust = round(float(model.state.trust[INDEX[actor], INDEX[target]]), 2)  # as the label shows it
    return trust_colour(trust), _label(feature, f"{trust:+.2f}".replace("-", "−"))


def _label(feature: dict[str, Any], number: str) -> str:
    """A state's name over its number; a province or exclave shows its name alone (its state's label has the number)."""
    return f"{feature['name']}\n{number}" if feature["kind"] == "actor" else feature["name"]


def corridor_style(model: CaucasusModel) -> tuple[str, str, str]:
    """(colour, line type, words) of the corridor route: agreed, in the lead, or nothing on the table."""
    state = model.state
    agreed = int(state.agreed)
    if agreed >= 0:
        return ARRANGEMENT_COLOURS[agreed], "solid", f"agreed: {ARRANGEMENT_NAMES[ARRANGEMENTS[agreed]]}"
    tabled = [i for i, a in enumerate(ARRANGEMENTS) if a != Arrangement.NONE and bool(state.on_table[i])]
    if not tabled:
        return NO_ARRANGEMENT_COLOUR, "dotted", "no arrangement on the table"
    support = np.asarray(state.support, dtype=float)
    lead = max(tabled, key=lambda i: support[i])
    words = f"in the lead, not agreed: {ARRANGEMENT_NAMES[ARRANGEMENTS[lead]]} (support {support[lead]:.2f})"
    return ARRANGEMENT_COLOURS[lead], "dashed", words


def relations_phase(model: CaucasusModel) -> str:
    """The rupture pair's relations now: 'normal', 'cut', 'rupture' (ruptured) or 'restored'."""
    state = model.state
    if model.day == 0:
        return "normal"
    cut_since = int(state.cut_since)
    if cut_since >= 0:
        days_cut = model.day - cut_since
        return "rupture" if days_cut >= model.config.params.rupture_days else "cut"
    if int(state.ruptures) and int(state.restored_day) >= 0:
        return "restored"
    return "normal"


def relations_words(model: CaucasusModel, phase: str) -> str:
    """A few words on the rupture pair's relations for the map (the status strip says more)."""
    state, config = model.state, model.config
    if phase == "rupture":
        return f"RUPTURED since {date_text(config, int(state.cut_since))}"
    if phase == "cut":  # the status strip counts the days: the map changes only when the phase does
        return f"cut since {date_text(config, int(state.cut_since))}"
    if phase == "restored":
        return f"restored on {date_text(config, int(state.restored_day))}"
    return "not cut"


def region_option(model: CaucasusModel, colouring: Actor | None = None) -> dict[str, Any]:
    """The map's option for the run as it stands: coloured states, labels, the corridor and the tie."""
    colours = region_colours(model, colouring)
    regions = [_region(name, fill, name == "Syunik", colouring) for name, (fill, _) in colours.items()]
    corridor_colour, corridor_type, corridor_words = corridor_style(model)
    phase = relations_phase(model)
    pair = [ACTORS[i] for i in model.inputs.rupture_pair]
    option = _base_option()
    option["geo"] = {**option["geo"], "regions": regions}
    option["title"] = {
        "text": f"Corridor route (approximate): {corridor_words}",
        "subtext": f"{'–'.join(a.value for a in pair)} relations: {relations_words(model, phase)}",
        "left": 8,
        "bottom": 4,
        "textStyle": {"fontSize": 12, "color": corridor_colour},
        "subtextStyle": {"fontSize": 12, "color": PHASE_COLOURS[phase]},
    }
    option["series"] = [
        _labels(colours),
        *_corridor(corridor_colour, corridor_type, corridor_words),
        _tie(pair, phase),
        *_legend_series(colouring),
    ]
    option["legend"] = {"top": 0, "left": "center", "data": [series["name"] for series in _legend_series(colouring)]}
    return option


@lru_cache(maxsize=1)
def _base_option_cached() -> tuple[tuple[str, Any], ...]:
    west, south, east, north = BOX
    middle = math.radians((south + north) / 2)
    geo = {
        "map": MAP_NAME,
        "roam": False,
        "boundingCoords": [[west, north], [east, south]],
        "aspectScale": round(math.cos(middle), 3),  # degrees of longitude are shorter this far north
        "left": 8,
        "right": 8,
        "top": 28,
        "bottom": 44,
        "label": {"show": False},
        "itemStyle": {"areaColor": NEUTRAL_LAND, "borderColor": "#78909c", "borderWidth": 0.6},
        "emphasis": {"disabled": True},
        "select": {"disabled": True},
        "tooltip": {"show": False},
    }
    return (("animation", False), ("backgroundColor", SEA), ("tooltip", {"trigger": "item"}), ("geo", geo))


def _base_option() -> dict[str, Any]:
    """The parts that never change (made once; each call gets a fresh top-level dict)."""
    return dict(_base_option_cached())


def _region(name: str, fill: str, province: bool, colouring: Actor | None) -> dict[str, Any]:
    chosen = colouring is not None and any(
        f["name"] == name and f["actor"] == colouring.value for f in region_features()
    )
    style = {"areaColor": fill}
    if province:
        style.update(borderColor="#263238", borderWidth=1.6, borderType="dashed")
    elif chosen:
        style.update(borderColor="#263238", borderWidth=2.2)
    return {"name": name, "itemStyle": style}


def _labels(colours: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Each feature's name (and its number) at its label point, as a scatter without symbols."""
    data = [_label_item(name, label) for name, (_, label) in colours.items()]
    return {
        "name": "labels",
        "type": "scatter",
        "coordinateSystem": "geo",
        "symbolSize": 0,
        "silent": True,
        "data": data,
        "label": {
            "show": True,
            "formatter": "{b}",
            "fontSize": 11,
            "lineHeight": 13,
            "color": "#263238",
            "fontWeight": "bold",
        },
        "tooltip": {"show": False},
        "z": 5,
    }


def _label_item(name: str, label: str) -> dict[str, Any]:
    """A label at the feature's label point; Nakhchivan's and Syunik's sit beside theirs, apart."""
    item: dict[str, Any] = {"name": label, "value": [*label_point(name), 0]}
    side = LABEL_SIDES.get(name)
    if side:
        item["label"] = {"position": side, "fontSize": 10, "distance": 4}
    return item


def _corridor(colour: str, line_type: str, words: str) -> list[dict[str, Any]]:
    """The route on a white halo (it must read on any state's colour), then in the arrangement's colour."""
    route = {
        "type": "lines",
        "coordinateSystem": "geo",
        "polyline": True,
        "data": [{"coords": [list(point) for point in CORRIDOR_ROUTE], "name": "corridor route"}],
        "tooltip": {"formatter": f"Corridor route (approximate): {words}"},
    }
    halo = {**route, "name": "corridor halo", "silent": True, "z": 3}
    halo["lineStyle"] = {"color": "#ffffff", "width": 8, "opacity": 0.9}
    line = {**route, "name": "corridor route", "z": 4}
    line["lineStyle"] = {"color": colour, "width": 4, "type": line_type, "opacity": 1}
    return [halo, line]


def _tie(pair: list[Actor], phase: str) -> dict[str, Any]:
    """The line between the rupture pair's labels, styled by the phase of their relations."""
    names = [_feature_of(actor) for actor in pair]
    colour = PHASE_COLOURS[phase]
    words = {"normal": "", "cut": "cut", "rupture": "✕ ruptured", "restored": "restored"}[phase]
    return {
        "name": "relations",
        "type": "lines",
        "coordinateSystem": "geo",
        "data": [
            {"coords": _inner_part(*(label_point(name) for name in names)), "name": "–".join(a.value for a in pair)}
        ],
        "lineStyle": {
            "color": colour,
            "width": 4 if phase == "rupture" else 2,
            "type": "dashed" if phase in ("cut", "rupture") else "solid",
            "opacity": 0.9,
        },
        "label": {
            "show": bool(words),
            "position": "middle",
            "formatter": words,
            "color": colour,
            "fontSize": 13,
            "backgroundColor": "#ffffff",
            "padding": 2,
        },
        "tooltip": {"formatter": f"{'–'.join(a.value for a in pair)} relations: {phase}"},
        "z": 4,
    }


def _inner_part(start: tuple[float, float], end: tuple[float, float], margin: float = 0.15) -> list[list[float]]:
    """The segment between two label points without its ends, so that the line leaves the labels readable."""
    (x1, y1), (x2, y2) = start, end
    return [[round(x1 + t * (x2 - x1), 3), round(y1 + t * (y2 - y1), 3)] for t in (margin, 1 - margin)]


def _feature_of(actor: Actor) -> str:
    """The name of an actor's main feature on the map (kind 'actor')."""
    (name,) = [f["name"] for f in region_features() if f["actor"] == actor.value and f["kind"] == "actor"]
    return name


def _legend_series(colouring: Actor | None) -> list[dict[str, Any]]:
    """Empty series whose names and colours make the legend: the powers, or the trust scale."""
    if colouring is None:
        keys = [(power.value, POWER_COLOURS[power]) for power in POWERS]
    else:
        keys = [(f"distrust of {colouring.value}", trust_colour(-1)), ("0", trust_colour(0))]
        keys.append((f"trust in {colouring.value}", trust_colour(1)))
    return [
        {"name": name, "type": "scatter", "coordinateSystem": "geo", "data": [], "itemStyle": {"color": colour}}
        for name, colour in keys
    ]
