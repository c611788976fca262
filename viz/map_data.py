"""The region's borders for the dashboard's map: shipped Natural Earth outlines, read once.

`viz/data/caucasus.geojson` holds the countries around the South Caucasus, Azerbaijan's exclave
Nakhchivan as a feature of its own and Armenia's Syunik province, cut to the region's box from
Natural Earth (public domain; provenance and licence in `viz/data/README.md`, built by
`scripts/build_map_data.py`). Nothing is downloaded: the file ships in the package. The
geometry never changes during a run, so it is read, and turned into the JSON the browser
registers with ECharts, once per process.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

#: The name the browser registers the geometry under (ECharts' `registerMap`).
MAP_NAME = "caucasus"
MAP_FILE = "data/caucasus.geojson"
#: The map's box in degrees: (west, south, east, north), as cut by scripts/build_map_data.py.
BOX = (38.0, 36.0, 52.0, 45.0)

#: The corridor's route (longitude, latitude), west to east: from Nakhchivan (near Ordubad)
#: across Syunik along the Araks, past Meghri, into Azerbaijan's Zangilan district. An
#: approximation drawn by hand from the shipped outlines (judgement), a little north of the
#: river border so that it reads inside Syunik; not a surveyed or agreed alignment.
CORRIDOR_ROUTE: tuple[tuple[float, float], ...] = (
    (45.88, 38.96),
    (46.15, 38.89),
    (46.245, 38.915),  # Meghri
    (46.38, 38.945),
    (46.49, 38.91),
    (46.62, 38.96),
    (46.76, 39.10),
)


@lru_cache(maxsize=1)
def region_geojson() -> dict[str, Any]:
    """The shipped FeatureCollection (read once; callers must not change it)."""
    return json.loads(region_geojson_text())


@lru_cache(maxsize=1)
def region_geojson_text() -> str:
    """The shipped GeoJSON as text: what the map widget sends to the browser, once per page."""
    return files("viz").joinpath(MAP_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def maps_json() -> str:
    """The maps the map widget registers, as JSON text: {MAP_NAME: the GeoJSON} (built once)."""
    return f'{{"{MAP_NAME}": {region_geojson_text()}}}'


def region_features() -> list[dict[str, Any]]:
    """The features' properties (name, country, actor, kind, cp), in drawing order."""
    return [feature["properties"] for feature in region_geojson()["features"]]


@cache
def label_point(name: str) -> tuple[float, float]:
    """Where a feature's label sits (its largest polygon's centroid, `cp` in the data)."""
    (point,) = [tuple(p["cp"]) for p in region_features() if p["name"] == name]
    return point
