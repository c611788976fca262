"""The dashboard's map of the region: its shipped borders, the corridor route and the colours of the run's state.

The geometry's checks come from the map's purpose (Syunik between Azerbaijan and its exclave
Nakhchivan, the neighbours around them, all inside the map's box, small enough to ship); the
colours are checked against states the test sets or reaches by running the model.
"""

from __future__ import annotations

import json
import tomllib
from fnmatch import fnmatch
from importlib.resources import files

import numpy as np
import pytest

from sim.actors import INDEX, POWERS, STATE_ROW, Actor
from sim.corridor import ARRANGEMENT_INDEX, Arrangement
from sim.model import CaucasusModel
from tests.conftest import ROOT
from viz.charts import ARRANGEMENT_COLOURS, POWER_COLOURS, trust_colour
from viz.map_chart import (
    LEAST_TINT,
    MAP_COLOURINGS,
    NEUTRAL_LAND,
    OWN_TINT,
    PHASE_COLOURS,
    region_colours,
    region_option,
    relations_phase,
    tint,
)
from viz.map_data import BOX, CORRIDOR_ROUTE, MAP_FILE, MAP_NAME, maps_json, region_geojson

#: The brief's ceiling on the shipped file (it travels to every browser session once).
MAX_BYTES = 300_000
#: Two outlines "touch" where their vertices come this close (degrees; the data is rounded to 0.001).
TOUCH = 0.002


def features() -> dict[str, dict]:
    return {feature["properties"]["name"]: feature for feature in region_geojson()["features"]}


def polygons(name: str) -> list[list[list[list[float]]]]:
    return features()[name]["geometry"]["coordinates"]


def contains(ring: list[list[float]], point: tuple[float, float]) -> bool:
    """Even-odd rule: whether a point lies inside a ring."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def inside(name: str, point: tuple[float, float]) -> bool:
    """Whether a point lies in a feature (in an outer ring, not in a hole)."""
    return any(contains(p[0], point) and not any(contains(h, point) for h in p[1:]) for p in polygons(name))


def touches(a: str, b: str) -> bool:
    """Whether two features share a border: some vertex of one lies on a vertex of the other."""
    points_b = np.array([pt for p in polygons(b) for ring in p for pt in ring])
    for p in polygons(a):
        for x, y in p[0]:
            if np.min(np.hypot(points_b[:, 0] - x, points_b[:, 1] - y)) <= TOUCH:
                return True
    return False


# ---------------------------------------------------------------- the shipped geometry


def test_the_shipped_file_loads_and_is_small():
    path = files("viz").joinpath(MAP_FILE)
    assert len(path.read_bytes()) < MAX_BYTES
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert json.loads(maps_json()) == {MAP_NAME: collection}


def test_it_holds_the_states_the_students_look_for():
    names = set(features())
    assert {"Armenia", "Azerbaijan", "Nakhchivan", "Syunik", "Georgia", "Iran", "Turkey", "Russia"} <= names
    props = {name: f["properties"] for name, f in features().items()}
    assert props["Nakhchivan"]["country"] == "AZE" and props["Nakhchivan"]["actor"] == "AZE"
    assert props["Syunik"]["country"] == "ARM" and props["Syunik"]["kind"] == "province"
    assert props["Georgia"]["actor"] is None, "Georgia is a neighbour, not an actor of the model"
    for actor in ("RUS", "AZE", "ARM", "TUR", "IRN"):
        assert [n for n, p in props.items() if p["actor"] == actor and p["kind"] == "actor"], actor


def test_nakhchivan_is_a_polygon_apart_and_syunik_lies_between_it_and_azerbaijan():
    (exclave,) = polygons("Nakhchivan")
    assert not any(inside("Azerbaijan", tuple(point)) for point in exclave[0]), "Nakhchivan overlaps Azerbaijan"
    assert not touches("Nakhchivan", "Azerbaijan"), "Nakhchivan should be cut off from Azerbaijan"
    assert touches("Syunik", "Nakhchivan") and touches("Syunik", "Azerbaijan") and touches("Syunik", "Iran")
    west_to_east = [features()[name]["properties"]["cp"][0] for name in ("Nakhchivan", "Syunik", "Azerbaijan")]
    assert west_to_east == sorted(west_to_east), west_to_east
    assert inside("Armenia", tuple(features()["Syunik"]["properties"]["cp"])), "Syunik is in Armenia"


def test_every_point_lies_in_the_box():
    west, south, east, north = BOX
    for name, feature in features().items():
        points = np.array([pt for p in feature["geometry"]["coordinates"] for ring in p for pt in ring])
        assert points[:, 0].min() >= west and points[:, 0].max() <= east, name
        assert points[:, 1].min() >= south and points[:, 1].max() <= north, name
        x, y = feature["properties"]["cp"]
        assert inside(name, (x, y)), f"{name}'s label point is outside it"


def test_the_corridor_route_runs_from_nakhchivan_across_syunik_into_azerbaijan():
    legs = ("Nakhchivan", "Syunik", "Azerbaijan")
    where = [[leg for leg in legs if inside(leg, point)] for point in CORRIDOR_ROUTE]
    assert all(len(found) == 1 for found in where), where
    order = [legs.index(found[0]) for found in where]
    assert order == sorted(order) and set(order) == {0, 1, 2}, where


def test_the_data_ships_with_the_package_and_its_provenance():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["viz"]
    assert any(fnmatch(MAP_FILE, pattern) for pattern in package_data)
    assert any(fnmatch("data/README.md", pattern) for pattern in package_data)
    note = files("viz").joinpath("data/README.md").read_text(encoding="utf-8")
    for needed in ("Natural Earth", "4.1.0", "public domain", "qgis-common", "3.22.16+dfsg-1", "by hand"):
        assert needed in note, needed


# ---------------------------------------------------------------- colours from the run's state


@pytest.fixture
def model() -> CaucasusModel:
    return CaucasusModel("baseline", rng=1)


def test_influence_colours_follow_the_leading_power(model):
    shares = model.state.shares
    for leader in (Actor.TUR, Actor.RUS):
        shares[STATE_ROW[Actor.AZE]] = [0.9 if power == leader else 0.02 for power in POWERS]
        colours = region_colours(model, None)
        expected = tint(POWER_COLOURS[leader], LEAST_TINT + (1 - LEAST_TINT) * 0.9)
        assert colours["Azerbaijan"][0] == colours["Nakhchivan"][0] == expected
        assert f"{leader.value} 90%" in colours["Azerbaijan"][1]
    assert colours["Georgia"][0] == NEUTRAL_LAND
    assert colours["Iran"][0] == tint(POWER_COLOURS[Actor.IRN], OWN_TINT), "a power's own land is its colour key"


def test_a_larger_share_deepens_the_colour(model):
    row = STATE_ROW[Actor.ARM]
    model.state.shares[row] = [0.4, 0.3, 0.1, 0.1, 0.05, 0.05]
    weak = region_colours(model, None)["Armenia"][0]
    model.state.shares[row] = [0.8, 0.1, 0.05, 0.03, 0.01, 0.01]
    strong = region_colours(model, None)["Armenia"][0]
    assert sum(int(strong[i : i + 2], 16) for i in (1, 3, 5)) < sum(int(weak[i : i + 2], 16) for i in (1, 3, 5))


def test_trust_colours_follow_each_actors_trust_in_the_chosen_one(model):
    trust = model.state.trust
    trust[INDEX[Actor.AZE], INDEX[Actor.RUS]] = -0.8
    trust[INDEX[Actor.ARM], INDEX[Actor.RUS]] = 0.6
    colours = region_colours(model, MAP_COLOURINGS["trust in RUS"])
    assert colours["Azerbaijan"][0] == colours["Nakhchivan"][0] == trust_colour(-0.8)
    assert colours["Armenia"][0] == colours["Syunik"][0] == trust_colour(0.6)
    assert "−0.80" in colours["Azerbaijan"][1] and "+0.60" in colours["Armenia"][1]
    assert colours["Russia"][0] == "#ffffff", "the chosen actor is left white (and outlined)"
    option = region_option(model, Actor.RUS)
    (russia,) = [r for r in option["geo"]["regions"] if r["name"] == "Russia"]
    assert russia["itemStyle"]["borderWidth"] > 1


def test_the_map_follows_the_baseline_past_the_raid(model):
    start = region_option(model)
    assert relations_phase(model) == "normal" and "not cut" in start["title"]["subtext"]
    raid = model.config.day_of(next(s.date for s in model.config.shocks if s.shock_id == "raid"))
    while model.day <= raid:
        model.step()
    assert relations_phase(model) == "cut"
    while model.day <= raid + model.config.params.rupture_days:
        model.step()
    after = region_option(model)
    assert relations_phase(model) == "rupture" and "RUPTURED since Fri 27 Jun 2025" in after["title"]["subtext"]
    (tie,) = [s for s in after["series"] if s["name"] == "relations"]
    assert tie["lineStyle"]["color"] == PHASE_COLOURS["rupture"] and tie["label"]["show"]
    (route,) = [s for s in after["series"] if s["name"] == "corridor route"]
    assert route["data"][0]["coords"] == [list(point) for point in CORRIDOR_ROUTE]
    assert route["lineStyle"]["type"] == "dashed", "an arrangement in the lead, not agreed, is dashed"
    assert json.dumps(after) != json.dumps(start)


def test_an_agreed_arrangement_is_drawn_solid_in_its_colour():
    model = CaucasusModel("baseline", rng=1, sponsor_trust_floor=-0.6)  # the operator is agreed (About page)
    while int(model.state.agreed) < 0 and model.day < model.horizon:
        model.step()
    agreed = int(model.state.agreed)
    assert agreed == ARRANGEMENT_INDEX[Arrangement.NEUTRAL_OPERATOR]
    (route,) = [s for s in region_option(model)["series"] if s["name"] == "corridor route"]
    assert route["lineStyle"] == {**route["lineStyle"], "type": "solid", "color": ARRANGEMENT_COLOURS[agreed]}
    assert "agreed: neutral operator" in region_option(model)["title"]["text"]


def test_the_option_carries_no_geometry():
    option = json.dumps(region_option(CaucasusModel("baseline", rng=1)))
    assert len(option) < 10_000, "the geometry must travel once with the widget, not with every step"
    assert option.count("[") < 200


def test_on_most_days_the_map_is_unchanged_and_the_browser_redraws_nothing():
    """Colours move with their labels' rounding: a day's drift in shares leaves the option as it was."""
    model = CaucasusModel("baseline", rng=1)
    options = []
    while model.day < model.horizon:
        model.step()
        options.append(json.dumps(region_option(model)))
    changed = sum(a != b for a, b in zip(options, options[1:], strict=False))
    assert 0 < changed < len(options) / 4, changed
