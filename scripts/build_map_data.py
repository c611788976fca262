"""Build viz/data/caucasus.geojson, the dashboard map's borders, from Natural Earth via QGIS's world map.

The source is `world_map.gpkg` from Debian's `qgis-common` package (3.22.16+dfsg-1), which QGIS
made from Natural Earth's 1:10m Admin 1 - States, Provinces v4.1.0 (public domain), generalised
and dissolved to countries (see viz/data/README.md). Run once, by hand, when the data changes:

    apt-get download qgis-common && dpkg -x qgis-common_*.deb /tmp/qgis
    python scripts/build_map_data.py /tmp/qgis/usr/share/qgis/resources/data/world_map.gpkg

Only the standard library: the GeoPackage is SQLite, its geometries are WKB behind a short header.
The countries are cut to the region's box (`BOX`) and rounded to `DECIMALS`; Azerbaijan's exclave
Nakhchivan becomes a feature of its own (the polygon holding Natural Earth's Nakhchivan City), and
Syunik comes from the provinces layer, drawn over Armenia.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import sys
from pathlib import Path

#: The map's box: (west, south, east, north) in degrees (the brief: roughly 38-52 E, 36-45 N).
BOX = (38.0, 36.0, 52.0, 45.0)
#: Coordinates kept to 0.001 degree (about 100 m): far below a pixel of the dashboard's map.
DECIMALS = 3
OUT = Path(__file__).resolve().parents[1] / "viz" / "data" / "caucasus.geojson"
#: Countries kept, by Natural Earth's ISO_A3, with the model's actor code where it has one.
COUNTRIES = {
    "RUS": ("Russia", "RUS"),
    "GEO": ("Georgia", None),
    "ARM": ("Armenia", "ARM"),
    "AZE": ("Azerbaijan", "AZE"),
    "TUR": ("Turkey", "TUR"),
    "IRN": ("Iran", "IRN"),
    "IRQ": ("Iraq", None),
    "SYR": ("Syria", None),
    "KAZ": ("Kazakhstan", None),
}
ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}

Ring = list[tuple[float, float]]
Polygon = list[Ring]


def read_geometry(blob: bytes) -> list[Polygon]:
    """The polygons of a GeoPackage (multi)polygon blob: header, envelope, then WKB."""
    flags = blob[3]
    envelope = ENVELOPE_DOUBLES[(flags >> 1) & 0b111]
    polygons, _ = _read_wkb(blob, 8 + 8 * envelope)
    return polygons


def _read_wkb(blob: bytes, at: int) -> tuple[list[Polygon], int]:
    order = "<" if blob[at] == 1 else ">"
    kind = struct.unpack_from(order + "I", blob, at + 1)[0] % 1000
    at += 5
    if kind == 6:  # MultiPolygon: a count, then polygons with their own headers
        (count,) = struct.unpack_from(order + "I", blob, at)
        at += 4
        polygons: list[Polygon] = []
        for _ in range(count):
            more, at = _read_wkb(blob, at)
            polygons.extend(more)
        return polygons, at
    if kind != 3:
        raise ValueError(f"unexpected WKB geometry type {kind}")
    (rings,) = struct.unpack_from(order + "I", blob, at)
    at += 4
    polygon: Polygon = []
    for _ in range(rings):
        (points,) = struct.unpack_from(order + "I", blob, at)
        at += 4
        values = struct.unpack_from(order + f"{2 * points}d", blob, at)
        at += 16 * points
        polygon.append(list(zip(values[0::2], values[1::2], strict=True)))
    return [polygon], at


def clip_ring(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman: the ring cut to the box (a convex window, so one pass per side)."""
    west, south, east, north = box
    sides = [
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    ]
    points = ring[:-1] if ring and ring[0] == ring[-1] else list(ring)
    for inside, cross in sides:
        if not points:
            break
        kept: Ring = []
        for index, current in enumerate(points):
            previous = points[index - 1]
            if inside(current):
                if not inside(previous):
                    kept.append(cross(previous, current))
                kept.append(current)
            elif inside(previous):
                kept.append(cross(previous, current))
        points = kept
    return points


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def tidy(ring: Ring) -> list[list[float]]:
    """Rounded, without repeated points, closed (GeoJSON's ring); [] when too little is left."""
    rounded: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    return [*rounded, rounded[0]] if len(rounded) >= 3 else []


def cut(polygons: list[Polygon]) -> list[list[list[list[float]]]]:
    """The polygons cut to `BOX` and tidied; polygons whose outer ring vanishes are dropped."""
    kept = []
    for polygon in polygons:
        rings = [tidy(clip_ring(ring, BOX)) for ring in polygon]
        if rings and rings[0]:
            kept.append([ring for ring in rings if ring])
    return kept


def contains(ring: list[list[float]], point: tuple[float, float]) -> bool:
    """Whether a point lies inside a ring (even-odd rule)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def centre(ring: list[list[float]]) -> list[float]:
    """The area centroid of a ring, rounded (a label's place: ECharts reads it as `cp`)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        step = x1 * y2 - x2 * y1
        area += step
        cx += (x1 + x2) * step
        cy += (y1 + y2) * step
    return [round(cx / (3 * area), 2), round(cy / (3 * area), 2)]


def feature(name: str, country: str, actor: str | None, kind: str, polygons: list) -> dict:
    """A GeoJSON feature with the properties the dashboard reads; `cp` is its largest polygon's centroid."""
    largest = max(polygons, key=lambda polygon: abs(_area(polygon[0])))
    properties = {"name": name, "country": country, "actor": actor, "kind": kind, "cp": centre(largest[0])}
    return {"type": "Feature", "properties": properties, "geometry": {"type": "MultiPolygon", "coordinates": polygons}}


def _area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def build(gpkg: Path) -> dict:
    """The region's features: the countries in the box, Nakhchivan split off Azerbaijan, then Syunik."""
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
        query = f"SELECT ISO_A3, geom FROM countries WHERE ISO_A3 IN ({_marks(COUNTRIES)})"
        rows = dict(db.execute(query, [*COUNTRIES]))
        (syunik,) = db.execute("SELECT geom FROM states_provinces WHERE adm0_a3 = 'ARM' AND name = 'Syunik'").fetchone()
        (city,) = db.execute("SELECT geom FROM states_provinces WHERE gn_name = 'Nakhchivan City'").fetchone()
    features = []
    for code, (name, actor) in COUNTRIES.items():
        polygons = cut(read_geometry(rows[code]))
        if code == "AZE":
            inside = centre(tidy(read_geometry(city)[0][0]))
            exclave = [p for p in polygons if contains(p[0], tuple(inside))]
            polygons = [p for p in polygons if p not in exclave]
            features.append(feature("Nakhchivan", code, actor, "exclave", exclave))
        kind = "actor" if actor else "neighbour"
        features.append(feature(name, code, actor, kind, polygons))
    features.append(feature("Syunik", "ARM", "ARM", "province", cut(read_geometry(syunik))))
    return {"type": "FeatureCollection", "features": features}


def _marks(items: dict) -> str:
    return ", ".join("?" for _ in items)


def main() -> None:
    """Write the cut to viz/data/caucasus.geojson and say how big it is."""
    collection = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(collection['features'])} features, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
