"""Validation: a raw config (TOML tables) and its actors file become a `Scenario`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim import interdependence as interdependence_file  # a module: it imports sim.config.fields in turn
from sim.actors import ACTORS, STATES, Actor, actor_codes
from sim.config.adjustments import adjustment_triples, read_adjustments
from sim.config.fields import (
    check_keys,
    read_actor,
    read_cameo,
    read_date,
    read_date_in_run,
    read_flag,
    read_number,
    read_string,
    read_table,
)
from sim.config.mechanisms import apply_mechanisms
from sim.config.schema import ActorProfile, CorridorStance, Figure, Scenario, Shock
from sim.config.series import read_series
from sim.config.source import read_toml, referred
from sim.corridor import Arrangement
from sim.errors import ConfigError
from sim.parameters import Disposition, ModelParams, param_names

SCENARIO_SECTIONS = ("scenario", "parameters", "mechanisms", "actors", "shocks", "series")
SCENARIO_KEYS = (
    "name",
    "description",
    "start_date",
    "horizon_days",
    "seed",
    "actors_file",
    "interdependence",
    "extends",
    "drop_shocks",
)
SHOCK_KEYS = ("id", "date", "actor", "target", "cameo", "salience", "affront", "description", "corridor")
FIGURE_KEYS = ("gdp_usd_bn", "milex_usd_bn", "population")
PROFILE_KEYS = ("name", *FIGURE_KEYS, "ideal_point", "kin", "corridor")
CORRIDOR_KEYS = ("position", "salience", "reservation", "reason")
MAX_HORIZON_DAYS = 3650
MAX_SEED = 2**63 - 1  # the largest seed of a run, a sweep's master seed included (a signed 64-bit integer)


def build_scenario(
    raw: dict[str, Any],
    source: str,
    base_dir: Path,
    inherited: int = 0,
    actors: tuple[dict[str, Any], str] | None = None,
    interdependence: tuple[dict[str, Any], str] | None = None,
) -> Scenario:
    """Validate a raw config; its first `inherited` shocks come from `scenario.extends`.

    `actors` gives the actors file's content and name already read; by default it is read
    from `scenario.actors_file`. `interdependence` likewise gives the interdependence file's
    content and name; by default it is read from `scenario.interdependence`, or, where the
    scenario names none, from `interdependence.toml` next to the actors file.
    """
    check_keys(raw, SCENARIO_SECTIONS, source, "")
    head = read_table(raw, "scenario", source, required=True)
    check_keys(head, SCENARIO_KEYS, source, "scenario.")
    for key in ("extends", "drop_shocks"):  # `expand` resolves and removes them when reading a file
        if key in head:
            raise ConfigError(source, f"scenario.{key}", "only allowed in a scenario TOML file")
    start = read_date(head, "start_date", source, "scenario.")
    horizon = int(read_number(head, "horizon_days", source, "scenario.", 1, MAX_HORIZON_DAYS, integer=True))
    seed = int(read_number(head, "seed", source, "scenario.", 0, MAX_SEED, integer=True, default=0))
    try:
        horizon_end = start + dt.timedelta(days=horizon - 1)
    except OverflowError:
        raise ConfigError(source, "scenario.start_date", f"{start} plus {horizon} days runs past 9999-12-31") from None
    given = read_table(raw, "parameters", source)
    params, model, switched_off = apply_mechanisms(
        read_table(raw, "mechanisms", source), _params(given, source), given, source
    )
    try:
        actors_raw, actors_src = actors or _read_actors(head, source, base_dir)
        profiles = _profiles(actors_raw, actors_src, read_table(raw, "actors", source), source)
        trust = baseline_trust(profiles, adjustment_triples(read_adjustments(actors_raw, actors_src)))
    except ConfigError as error:  # in the actors file: say which key of which file named it
        raise (error if actors else referred(error, "scenario.actors_file", source)) from None
    try:
        ties_raw, ties_src = interdependence or _read_interdependence(head, source, base_dir, actors_src)
        ties = interdependence_file.build_interdependence(ties_raw, ties_src)
    except ConfigError as error:  # in the interdependence file: say which key of which file named it
        raise (error if interdependence else referred(error, "scenario.interdependence", source)) from None
    inherited_src = f"{source} (a shock inherited through scenario.extends)"
    shocks = tuple(
        _shock(entry, i - inherited, source, start, horizon_end)
        if i >= inherited
        else _shock(entry, i, inherited_src, start, horizon_end)
        for i, entry in enumerate(_shock_list(raw, source))
    )
    return Scenario(
        name=_name(head, source, default=Path(source).stem),
        description=read_string(head, "description", source, "scenario.", default=""),
        start_date=start,
        horizon_days=horizon,
        seed=seed,
        params=params,
        profiles=profiles,
        baseline_trust=trust,
        shocks=tuple(sorted(_unique_ids(shocks, source), key=lambda s: s.date)),
        series=read_series(raw, source, start, horizon_end),
        source=source,
        raw=raw,
        actors_raw=actors_raw,
        actors_source=actors_src,
        interdependence=ties,
        interdependence_raw=ties_raw,
        interdependence_source=ties_src,
        model=model,
        switched_off=switched_off,
    )


def _name(head: dict[str, Any], source: str, default: str) -> str:
    """The scenario's name: it names output directories, so letters, digits, '_', '-' and '.'."""
    name = read_string(head, "name", source, "scenario.", default=default)
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*", name):
        raise ConfigError(source, "scenario.name", f"{name!r}: allowed: letters, digits, '_', '-' and '.' (not first)")
    return name


def _unique_ids(shocks: tuple[Shock, ...], source: str) -> tuple[Shock, ...]:
    seen: set[str] = set()
    for shock in shocks:
        if shock.shock_id and shock.shock_id in seen:
            raise ConfigError(source, "shocks", f"shock id {shock.shock_id!r} is used twice; ids must be unique")
        seen.add(shock.shock_id)
    return shocks


def _read_actors(head: dict[str, Any], source: str, base_dir: Path) -> tuple[dict[str, Any], str]:
    path = actors_path(head, source, base_dir)
    if not path.is_file():
        raise ConfigError(source, "scenario.actors_file", f"{path} not found; give the actors TOML file's path")
    return read_toml(path), str(path)


def actors_path(head: dict[str, Any], source: str, base_dir: Path) -> Path:
    """The actors file a scenario names (`scenario.actors_file`, relative to `base_dir`)."""
    name = read_string(head, "actors_file", source, "scenario.", default="../actors.toml")
    return (base_dir / name).resolve() if not Path(name).is_absolute() else Path(name)


def _read_interdependence(
    head: dict[str, Any], source: str, base_dir: Path, actors_src: str
) -> tuple[dict[str, Any], str]:
    path = interdependence_path(head, source, base_dir, Path(actors_src).parent)
    if not path.is_file():
        raise ConfigError(
            source, "scenario.interdependence", f"{path} not found; give the interdependence TOML file's path"
        )
    return read_toml(path), str(path)


def interdependence_path(head: dict[str, Any], source: str, base_dir: Path, actors_dir: Path) -> Path:
    """The interdependence file a scenario names (relative to `base_dir`), or the one next to its actors file."""
    if "interdependence" not in head:
        return actors_dir / interdependence_file.DEFAULT_FILE
    name = read_string(head, "interdependence", source, "scenario.")
    return (base_dir / name).resolve() if not Path(name).is_absolute() else Path(name)


def _params(table: dict[str, Any], source: str) -> ModelParams:
    return _dataclass_from(ModelParams, table, source, "parameters.")


def _dataclass_from(cls: type, table: dict[str, Any], source: str, prefix: str, base: Any = None):
    check_keys(table, param_names(cls), source, prefix)
    values = {}
    for f in fields(cls):
        if f.name in table:
            low, high = f.metadata["range"]
            integer = isinstance(f.default, int)
            value = read_number(table, f.name, source, prefix, low, high, integer=integer)
            values[f.name] = int(value) if integer else float(value)  # 0 and 0.0: one config, one hash
    return replace(base, **values) if base is not None else cls(**values)


def _profiles(
    actors_raw: dict[str, Any], actors_src: str, scenario_actors: dict[str, Any], source: str
) -> tuple[ActorProfile, ...]:
    check_keys(actors_raw, ("actors", "trust_adjustments", "sources"), actors_src, "")
    table = read_table(actors_raw, "actors", actors_src, required=True)
    check_keys(table, actor_codes(), actors_src, "actors.")
    check_keys(scenario_actors, actor_codes(), source, "actors.")
    profiles = []
    for actor in ACTORS:
        if actor.value not in table:
            raise ConfigError(actors_src, f"actors.{actor.value}", "missing; every actor needs a baseline")
        entry = table[actor.value]
        override = scenario_actors.get(actor.value, {})
        if not isinstance(override, dict):
            raise ConfigError(source, f"actors.{actor.value}", "must be a table of disposition overrides")
        check_keys(override, param_names(Disposition) + ["kin", "corridor"], source, f"actors.{actor.value}.")
        profiles.append(_profile(actor, entry, actors_src, override, source))
    return tuple(profiles)


def _profile(actor: Actor, entry: Any, src: str, override: dict[str, Any], scenario_src: str) -> ActorProfile:
    prefix = f"actors.{actor.value}."
    if not isinstance(entry, dict):
        raise ConfigError(src, prefix[:-1], "must be a table")
    check_keys(entry, list(PROFILE_KEYS) + param_names(Disposition), src, prefix)
    base_disposition = _dataclass_from(
        Disposition, {k: v for k, v in entry.items() if k in param_names(Disposition)}, src, prefix
    )
    disposition = _dataclass_from(
        Disposition,
        {k: v for k, v in override.items() if k in param_names(Disposition)},
        scenario_src,
        prefix,
        base=base_disposition,
    )
    kin = _actor_weights(entry.get("kin", {}), src, prefix + "kin")
    kin.update(_actor_weights(override.get("kin", {}), scenario_src, prefix + "kin"))
    stance = _corridor_stance(actor, entry.get("corridor"), src, prefix + "corridor", None)
    if "corridor" in override:
        stance = _corridor_stance(actor, override["corridor"], scenario_src, prefix + "corridor", stance)
    return ActorProfile(
        actor=actor,
        name=read_string(entry, "name", src, prefix, default=actor.value),
        **{key: _figure(entry, key, src, prefix) for key in (*FIGURE_KEYS, "ideal_point")},
        disposition=disposition,
        kin=kin,
        corridor=stance,
    )


def _figure(entry: dict[str, Any], key: str, src: str, prefix: str) -> Figure:
    table = read_table(entry, key, src, required=True, prefix=prefix)
    check_keys(table, ("value", "year", "source", "placeholder"), src, f"{prefix}{key}.")
    low = -10.0 if key == "ideal_point" else 0.0
    return Figure(
        value=read_number(table, "value", src, f"{prefix}{key}.", low, 1e12),
        year=int(read_number(table, "year", src, f"{prefix}{key}.", 1945, 2100, integer=True)),
        source=read_string(table, "source", src, f"{prefix}{key}."),
        placeholder=read_flag(table, "placeholder", src, f"{prefix}{key}."),
    )


def _actor_weights(table: Any, src: str, key: str) -> dict[Actor, float]:
    if not isinstance(table, dict):
        raise ConfigError(src, key, "must be a table of actor codes to numbers")
    check_keys(table, actor_codes(), src, key + ".")
    return {Actor(code): read_number(table, code, src, key + ".", 0.0, 1.0) for code in table}


def _corridor_stance(actor: Actor, table: Any, src: str, key: str, base: CorridorStance | None) -> CorridorStance:
    """An actor's corridor stance: position and salience in [0, 1], a reason, a principal's reservation.

    With `base` (a scenario's override), the keys given replace the base's; the reason is then
    optional (the override's own reason, if any, replaces it).
    """
    allowed = "a table with position and salience in [0, 1], a reason, and (AZE and ARM only) a reservation in [0, 1]"
    if not isinstance(table, dict):
        raise ConfigError(src, key, f"{'missing' if table is None else 'must be a table'}; give {allowed}")
    check_keys(table, CORRIDOR_KEYS, src, key + ".")
    principal = actor in STATES
    if "reservation" in table and not principal:
        raise ConfigError(src, key + ".reservation", "only the principals (AZE, ARM) hold a reservation value")

    def number(name: str, old: float | None) -> float:
        return read_number(table, name, src, key + ".", 0.0, 1.0, default=old)

    reason = read_string(table, "reason", src, key + ".", default=None if base is None else base.reason)
    if not reason.strip():
        raise ConfigError(src, key + ".reason", "is empty; give the stance's reason or source")
    if base is None:
        if principal and "reservation" not in table:
            raise ConfigError(src, key + ".reservation", "missing; a principal's worst accepted point, in [0, 1]")
        return CorridorStance(
            position=number("position", None),
            salience=number("salience", None),
            reservation=number("reservation", None) if principal else None,
            reason=reason,
        )
    return CorridorStance(
        position=number("position", base.position),
        salience=number("salience", base.salience),
        reservation=number("reservation", base.reservation) if principal else None,
        reason=reason,
    )


def baseline_trust(profiles: tuple[ActorProfile, ...], adjustments: list[tuple[int, int, float]]) -> np.ndarray:
    """Baseline trust: UN voting affinity plus documented adjustments (`sim.config.adjustments`), clipped to [-1, 1].

    Affinity is 1 - 2 d / d_max, with d the distance between two actors' UNGA ideal points and
    d_max the largest distance among the eight; the diagonal is 1.
    """
    points = np.array([p.ideal_point.value for p in profiles])
    distance = np.abs(points[:, None] - points[None, :])
    trust = 1.0 - 2.0 * distance / max(distance.max(), 1e-12)
    for source, target, value in adjustments:
        trust[source, target] += value
    np.fill_diagonal(trust, 1.0)
    return np.clip(trust, -1.0, 1.0)


def _shock_list(raw: dict[str, Any], source: str) -> list[Any]:
    shocks = raw.get("shocks", [])
    if not isinstance(shocks, list):
        raise ConfigError(source, "shocks", "must be an array of tables ([[shocks]])")
    return shocks


def _shock(entry: Any, i: int, source: str, start: dt.date, end: dt.date) -> Shock:
    prefix = f"shocks[{i}]."
    if not isinstance(entry, dict):
        raise ConfigError(source, prefix[:-1], "must be a table")
    check_keys(entry, SHOCK_KEYS, source, prefix)
    date = read_date_in_run(entry, "date", source, prefix, start, end)
    actor, target = read_actor(entry, "actor", source, prefix), read_actor(entry, "target", source, prefix)
    if actor == target:
        raise ConfigError(source, prefix + "target", "an actor cannot act on itself")
    corridor = entry.get("corridor")
    if corridor is not None and (not isinstance(corridor, str) or corridor not in {a.value for a in Arrangement}):
        raise ConfigError(
            source,
            prefix + "corridor",
            f"'{corridor}' is not an arrangement; allowed: {', '.join(a.value for a in Arrangement)}",
        )
    return Shock(
        shock_id=read_string(entry, "id", source, prefix, default=""),
        date=date,
        actor=actor,
        target=target,
        cameo=read_cameo(entry, source, prefix),
        salience=read_number(entry, "salience", source, prefix, 0.0, 5.0, default=1.0),
        affront=read_number(entry, "affront", source, prefix, 0.0, 1.0, default=0.0),
        description=read_string(entry, "description", source, prefix, default=""),
        corridor=Arrangement(corridor) if corridor else None,
    )
