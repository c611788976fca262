"""The observed event record: dated, sourced, CAMEO-coded events among the eight actors.

`sim/data/events_record_to_2025-07-11.csv` is a copy of the project's reference record
(`../shared/data/events_record_to_2025-07-11.csv`; its README gives the coding conventions and
caveats): 63 events from February 2024 to the cut-off of 11 July 2025, each with its date,
actor, target, CAMEO code, Goldstein weight, description, sources and confidence ("high": two
reports or an official statement; "medium": one credible report; "low": unclear date or
attribution). It is what the model is compared with (and, for the routine base rates of
`sim.routine`, what its calm months are estimated from); rows are added only with a source.

CAMEO's quad classes group the codes by their two-digit root: 01-05 verbal cooperation,
06-09 material cooperation, 10-14 verbal conflict, 15-20 material conflict (Schrodt 2012,
CAMEO manual; the classes of GDELT's QuadClass).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from pathlib import Path

from sim.actors import Actor
from sim.errors import ConfigError

RECORD_FILE = "data/events_record_to_2025-07-11.csv"
CUT_OFF = dt.date(2025, 7, 11)
RECORD_COLUMNS = ("date", "actor", "target", "cameo", "goldstein", "event", "source", "confidence")
CONFIDENCE_LEVELS = ("high", "medium", "low")


class Quad(IntEnum):
    """CAMEO quad classes."""

    VERBAL_COOPERATION = 1
    MATERIAL_COOPERATION = 2
    VERBAL_CONFLICT = 3
    MATERIAL_CONFLICT = 4


def quad_class(cameo: str) -> Quad:
    """The quad class of a CAMEO code, from its two-digit root (01-05, 06-09, 10-14, 15-20)."""
    root = int(cameo[:2])
    if not 1 <= root <= 20:
        raise ValueError(f"CAMEO code {cameo!r}: its root must be 01-20")
    if root <= 5:
        return Quad.VERBAL_COOPERATION
    if root <= 9:
        return Quad.MATERIAL_COOPERATION
    return Quad.VERBAL_CONFLICT if root <= 14 else Quad.MATERIAL_CONFLICT


@dataclass(frozen=True, kw_only=True)
class RecordedEvent:
    """One row of the record."""

    date: dt.date
    actor: Actor
    target: Actor
    cameo: str
    goldstein: float
    event: str
    source: str
    confidence: str

    @property
    def quad(self) -> Quad:
        """The event's CAMEO quad class."""
        return quad_class(self.cameo)


def load_record(path: Path | str | None = None, until: dt.date | None = CUT_OFF) -> tuple[RecordedEvent, ...]:
    """The record's events in file order (the shipped record by default); ConfigError on a bad row.

    A row dated after `until` is refused (the model's record ends at the cut-off); `until=None`
    reads a record of any date, as a user's record to score a forecast against.
    """
    if path is None:
        text, name = resources.files("sim").joinpath(RECORD_FILE).read_text(), f"sim/{RECORD_FILE}"
    else:
        name = str(path)
        try:
            text = Path(path).read_text()
        except OSError as error:
            raise ConfigError(name, None, f"cannot be read ({error.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != RECORD_COLUMNS:
        raise ConfigError(name, "header", f"must be {','.join(RECORD_COLUMNS)}")
    return tuple(_event(row, name, line, until) for line, row in enumerate(reader, start=2))


def _event(row: dict[str, str], name: str, line: int, until: dt.date | None) -> RecordedEvent:
    if None in row or None in row.values():  # DictReader's marks of a row with too many or too few fields
        raise ConfigError(
            name, "row", f"expected the {len(RECORD_COLUMNS)} columns {','.join(RECORD_COLUMNS)}", line=line
        )
    try:
        return _checked_event(row, name, until)
    except ConfigError as error:
        raise ConfigError(error.source, error.key, error.problem, line=line) from None


def _checked_event(row: dict[str, str], name: str, until: dt.date | None) -> RecordedEvent:
    try:
        date = dt.date.fromisoformat(row["date"])
    except ValueError:
        raise ConfigError(name, "date", f"{row['date']!r} is not a date YYYY-MM-DD") from None
    if until is not None and date > until:
        raise ConfigError(name, "date", f"{date} is after the cut-off {until}")
    actor, target = (_actor(row[key], name, key) for key in ("actor", "target"))
    try:
        if not (row["cameo"].isdigit() and 2 <= len(row["cameo"]) <= 4):
            raise ValueError(row["cameo"])
        quad_class(row["cameo"])
        goldstein = float(row["goldstein"])
    except ValueError:
        problem = (
            f"{row['cameo']!r} with Goldstein {row['goldstein']!r}: a CAMEO code (2-4 digits, root 01-20) and a number"
        )
        raise ConfigError(name, "cameo", problem) from None
    if not row["source"].strip():
        raise ConfigError(name, "source", "every recorded event needs its source")
    if row["confidence"] not in CONFIDENCE_LEVELS:
        raise ConfigError(name, "confidence", f"must be one of {', '.join(CONFIDENCE_LEVELS)}")
    return RecordedEvent(
        date=date,
        actor=actor,
        target=target,
        cameo=row["cameo"],
        goldstein=goldstein,
        event=row["event"],
        source=row["source"],
        confidence=row["confidence"],
    )


def _actor(code: str, name: str, key: str) -> Actor:
    try:
        return Actor(code)
    except ValueError:
        raise ConfigError(
            name, key, f"{code!r} is not one of the eight actors ({', '.join(a.value for a in Actor)})"
        ) from None
