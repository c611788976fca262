"""Typed readers of config fields: each raises `ConfigError` naming the file, key and what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sim.actors import Actor, actor_codes
from sim.cameo import GOLDSTEIN
from sim.errors import ConfigError


def check_keys(table: dict[str, Any], allowed: Any, source: str, prefix: str) -> None:
    """Refuse any key of `table` not in `allowed`."""
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            raise ConfigError(source, prefix + key, f"unknown key; allowed: {', '.join(allowed)}")


def read_table(
    parent: dict[str, Any], key: str, source: str, required: bool = False, prefix: str = ""
) -> dict[str, Any]:
    """The table at `key` ({} when absent and not required)."""
    if key not in parent:
        if required:
            raise ConfigError(source, prefix + key, "missing table")
        return {}
    value = parent[key]
    if not isinstance(value, dict):
        raise ConfigError(source, prefix + key, "must be a table")
    return value


def read_number(
    table: dict[str, Any],
    key: str,
    source: str,
    prefix: str,
    low: float,
    high: float,
    *,
    integer: bool = False,
    default: float | None = None,
) -> float:
    """A number in [low, high] (an integer if `integer`), or `default` when absent."""
    if key not in table:
        if default is None:
            raise ConfigError(source, prefix + key, f"missing; give a number in [{low}, {high}]")
        return default
    value = table[key]
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ConfigError(source, prefix + key, f"{value!r} is not {kind}; allowed: {kind} in [{low}, {high}]")
    if not (low <= value <= high) or value != value:
        raise ConfigError(source, prefix + key, f"{value} is out of range; allowed: [{low}, {high}]")
    return value


def read_string(table: dict[str, Any], key: str, source: str, prefix: str, default: str | None = None) -> str:
    """A string, or `default` when absent."""
    if key not in table:
        if default is None:
            raise ConfigError(source, prefix + key, "missing; give a string")
        return default
    if not isinstance(table[key], str):
        raise ConfigError(source, prefix + key, f"{table[key]!r} is not a string")
    return table[key]


def read_flag(table: dict[str, Any], key: str, source: str, prefix: str) -> bool:
    """A boolean (false when absent)."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(source, prefix + key, f"{value!r} is not a boolean; allowed: true or false")
    return value


def read_date(table: dict[str, Any], key: str, source: str, prefix: str) -> dt.date:
    """A date, given as a TOML date or an ISO string."""
    value = table.get(key)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ConfigError(source, prefix + key, f"{value!r} is not a date; allowed: a date like 2025-06-27")


def read_date_in_run(
    table: dict[str, Any], key: str, source: str, prefix: str, start: dt.date, end: dt.date
) -> dt.date:
    """A date (`read_date`) that falls inside the run, from `start` to `end`."""
    date = read_date(table, key, source, prefix)
    if not start <= date <= end:
        raise ConfigError(source, prefix + key, f"{date} is outside the run ({start} to {end})")
    return date


def read_actor(table: dict[str, Any], key: str, source: str, prefix: str) -> Actor:
    """An actor code."""
    value = table.get(key)
    if value not in actor_codes():
        raise ConfigError(source, prefix + key, f"{value!r} is not an actor; allowed: {', '.join(actor_codes())}")
    return Actor(value)


def read_cameo(table: dict[str, Any], source: str, prefix: str) -> str:
    """A CAMEO code on the scale (a string; an integer is read as its digits)."""
    value = table.get("cameo")
    code = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if code not in GOLDSTEIN:
        raise ConfigError(
            source,
            prefix + "cameo",
            f"{value!r} is not a CAMEO code on the scale; allowed (as strings): {', '.join(GOLDSTEIN)}",
        )
    return code
