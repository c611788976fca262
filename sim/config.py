"""Scenario and actor configs: TOML read once, at the edge, into validated typed objects.

`load_scenario(path, overrides)` returns a `Scenario`: start date, horizon, seed, model
parameters, the eight `ActorProfile`s (sourced figures from the actors file plus the
scenario's disposition overrides), the baseline trust matrix and the dated `Shock`s. Every
user mistake raises `ConfigError` naming the file, the key (and line) and what is allowed;
nothing downstream reads raw dicts.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, Actor, actor_codes
from sim.cameo import GOLDSTEIN
from sim.corridor import Arrangement
from sim.errors import ConfigError
from sim.parameters import Disposition, ModelParams, param_names

SCENARIO_SECTIONS = ("scenario", "parameters", "actors", "shocks")
SCENARIO_KEYS = (
    "name",
    "description",
    "start_date",
    "horizon_days",
    "seed",
    "actors_file",
    "extends",
    "drop_shocks",
)
SHOCK_KEYS = ("id", "date", "actor", "target", "cameo", "salience", "affront", "description", "corridor")
FIGURE_KEYS = ("gdp_usd_bn", "milex_usd_bn", "population")
PROFILE_KEYS = ("name", *FIGURE_KEYS, "ideal_point", "kin", "corridor_utility")
ADJUSTMENT_KEYS = ("source", "target", "value", "reason")
MAX_HORIZON_DAYS = 3650


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A sourced real figure: its value, year and source (placeholder when estimated)."""

    value: float
    year: int
    source: str
    placeholder: bool = False


@dataclass(frozen=True, kw_only=True)
class ActorProfile:
    """One actor's sourced baseline and its disposition for this scenario."""

    actor: Actor
    name: str
    gdp_usd_bn: Figure
    milex_usd_bn: Figure
    population: Figure
    ideal_point: Figure
    disposition: Disposition
    kin: dict[Actor, float]
    corridor_utility: dict[Arrangement, float]


@dataclass(frozen=True, kw_only=True)
class Shock:
    """A dated, scripted event: `actor` does CAMEO action `cameo` to `target` on `date`."""

    date: dt.date
    actor: Actor
    target: Actor
    cameo: str
    shock_id: str = ""
    salience: float = 1.0
    affront: float = 0.0
    description: str = ""
    corridor: Arrangement | None = None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A validated scenario: everything one run needs, and the raw text it came from."""

    name: str
    description: str
    start_date: dt.date
    horizon_days: int
    seed: int
    params: ModelParams
    profiles: tuple[ActorProfile, ...]
    baseline_trust: np.ndarray
    shocks: tuple[Shock, ...]
    source: str
    raw: dict[str, Any]
    actors_raw: dict[str, Any]
    actors_source: str

    def day_of(self, date: dt.date) -> int:
        """Day index of a date (0 = start date)."""
        return (date - self.start_date).days

    def date_of(self, day: int) -> dt.date:
        """Calendar date of a day index."""
        return self.start_date + dt.timedelta(days=day)

    def resolved(self) -> dict[str, Any]:
        """The scenario as resolved (all defaults filled in), as plain JSON-ready data."""
        return {
            "name": self.name,
            "description": self.description,
            "start_date": self.start_date.isoformat(),
            "horizon_days": self.horizon_days,
            "seed": self.seed,
            "parameters": asdict(self.params),
            "actors": {p.actor.value: _profile_dict(p) for p in self.profiles},
            "baseline_trust": self.baseline_trust.round(12).tolist(),
            "shocks": [_shock_dict(s) for s in self.shocks],
        }

    def config_hash(self) -> str:
        """SHA-256 of the resolved scenario (seed included), canonical JSON."""
        text = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_overrides(self, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
        """A new scenario with dotted-key overrides applied to the raw config and re-validated."""
        raw = copy.deepcopy(self.raw)
        apply_overrides(raw, overrides, origin)
        actors = None if "scenario.actors_file" in overrides else (self.actors_raw, self.actors_source)
        return _build_scenario(raw, self.source, Path(self.source).parent, actors=actors)

    def source_config(self) -> dict[str, Any]:
        """The validated inputs as JSON-ready data, from which `load_run_config` rebuilds this scenario.

        That is the scenario (extends resolved, overrides applied) and the actors file it used.
        """
        scenario = copy.deepcopy(self.raw)
        scenario["scenario"] = {k: v for k, v in scenario["scenario"].items() if k != "actors_file"}
        return _jsonable({"scenario": scenario, "actors": self.actors_raw})


def _jsonable(value: Any) -> Any:
    """TOML data as JSON data: dates as ISO strings, tables and arrays recursively."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _profile_dict(profile: ActorProfile) -> dict[str, Any]:
    data = asdict(profile)
    data["actor"] = profile.actor.value
    data["kin"] = {k.value: v for k, v in profile.kin.items()}
    data["corridor_utility"] = {k.value: v for k, v in profile.corridor_utility.items()}
    return data


def _shock_dict(shock: Shock) -> dict[str, Any]:
    data = asdict(shock)
    data["date"] = shock.date.isoformat()
    data["actor"] = shock.actor.value
    data["target"] = shock.target.value
    data["corridor"] = shock.corridor.value if shock.corridor else None
    return data


# ---------------------------------------------------------------- reading files


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning a missing or malformed file into a `ConfigError`."""
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found (give the path of a TOML file)")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise ConfigError(str(path), None, f"malformed TOML: {error}", line=line) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not a UTF-8 text file") from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: the scenario's TOML file.
        overrides: dotted keys (`parameters.trust_rate`, `actors.RUS.restraint`,
            `scenario.horizon_days`) with values that replace the file's.
    """
    path = Path(path)
    if path.suffix == ".json":
        return load_run_config(path, overrides)
    own = read_toml(path)
    raw = expand(own, path, ())
    inherited = 0 if raw is own else len(raw["shocks"]) - len(own.get("shocks", []))
    if overrides:
        apply_overrides(raw, overrides, f"{path} (override)")
    try:
        return _build_scenario(raw, str(path), path.parent, inherited=inherited)
    except ConfigError as error:
        if error.key and any(_related(error.key, key) for key in overrides or {}):
            raise ConfigError(f"{path} (override)", error.key, error.problem) from None
        if overrides:  # the override may be the cause (a shorter horizon, say): show them
            shown = ", ".join(f"{key}={value!r}" for key, value in overrides.items())
            raise ConfigError(error.source, error.key, f"{error.problem} (with overrides {shown})") from None
        raise


def _related(key: str, other: str) -> bool:
    """Whether one dotted key is the other or a table above it."""
    return f"{key}.".startswith(f"{other}.") or f"{other}.".startswith(f"{key}.")


def expand(raw: dict[str, Any], path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Resolve `scenario.extends` into one self-contained raw config.

    The result holds the base file's tables overridden key by key by this file's, and the
    base's shocks minus those whose `id` is in `scenario.drop_shocks`, then this file's.
    """
    head = raw.get("scenario", {})
    if not isinstance(head, dict) or "extends" not in head:
        if isinstance(head, dict) and "drop_shocks" in head:
            raise ConfigError(
                str(path),
                "scenario.drop_shocks",
                "only allowed with scenario.extends (it drops the base's shocks)",
            )
        return raw
    if not isinstance(head["extends"], str):
        raise ConfigError(
            str(path),
            "scenario.extends",
            f"{head['extends']!r} is not a string; give a scenario file path",
        )
    base_path = (path.parent / head["extends"]).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ConfigError(str(path), "scenario.extends", f"{base_path} extends itself in a cycle")
    if not base_path.is_file():
        raise ConfigError(str(path), "scenario.extends", f"{base_path} not found; give a scenario file path")
    base = expand(read_toml(base_path), base_path, (*seen, path.resolve()))
    drop = head.get("drop_shocks", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        raise ConfigError(str(path), "scenario.drop_shocks", "must be a list of shock ids (strings)")
    base_ids = {shock.get("id") for shock in base.get("shocks", []) if isinstance(shock, dict)}
    for shock_id in drop:
        if shock_id not in base_ids:
            raise ConfigError(
                str(path),
                "scenario.drop_shocks",
                f"no shock with id {shock_id!r} in {base_path}; ids: {sorted(i for i in base_ids if i)}",
            )
    if not isinstance(raw.get("shocks", []), list):
        raise ConfigError(str(path), "shocks", "must be an array of tables ([[shocks]])")
    merged = _merge(base, {k: v for k, v in raw.items() if k != "shocks"})
    merged["scenario"] = {k: v for k, v in merged["scenario"].items() if k not in ("extends", "drop_shocks")}
    if "name" not in head:  # a scenario is named after its own file, not its base
        merged["scenario"]["name"] = path.stem
    if "actors_file" not in head:  # the base's actors file, found relative to the base
        base_head = _table(base, "scenario", str(base_path), required=True)
        merged["scenario"]["actors_file"] = str(_actors_path(base_head, str(base_path), base_path.parent))
    kept = [shock for shock in base.get("shocks", []) if not (isinstance(shock, dict) and shock.get("id") in drop)]
    merged["shocks"] = kept + list(raw.get("shocks", []))
    return merged


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any], origin: str) -> None:
    """Write dotted-key overrides into a raw config dict, creating tables as needed."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if (
            len(parts) < 2
            or parts[0] not in SCENARIO_SECTIONS
            or parts[0] == "shocks"
            or dotted in ("scenario.extends", "scenario.drop_shocks")
        ):
            raise ConfigError(
                origin,
                dotted,
                "overrides take the form scenario.KEY, parameters.KEY or actors.CODE.KEY "
                "(not scenario.extends or scenario.drop_shocks)",
            )
        table = raw
        for part in parts[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise ConfigError(origin, dotted, "this key does not name a table")
        table[parts[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line `key=value`; the value is read as TOML (bare words as strings)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError("--set", text, "expected KEY=VALUE, e.g. parameters.trust_rate=0.4")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip(), parsed


# ---------------------------------------------------------------- validation


def _build_scenario(
    raw: dict[str, Any],
    source: str,
    base_dir: Path,
    inherited: int = 0,
    actors: tuple[dict[str, Any], str] | None = None,
) -> Scenario:
    """Validate a raw config; its first `inherited` shocks come from `scenario.extends`.

    `actors` gives the actors file's content and name already read; by default it is read
    from `scenario.actors_file`.
    """
    _check_keys(raw, SCENARIO_SECTIONS, source, "")
    head = _table(raw, "scenario", source, required=True)
    _check_keys(head, SCENARIO_KEYS, source, "scenario.")
    for key in ("extends", "drop_shocks"):  # `expand` resolves and removes them when reading a file
        if key in head:
            raise ConfigError(source, f"scenario.{key}", "only allowed in a scenario TOML file")
    start = _date(head, "start_date", source, "scenario.")
    horizon = int(_number(head, "horizon_days", source, "scenario.", 1, MAX_HORIZON_DAYS, integer=True))
    seed = int(_number(head, "seed", source, "scenario.", 0, 2**63 - 1, integer=True, default=0))
    try:
        horizon_end = start + dt.timedelta(days=horizon - 1)
    except OverflowError:
        raise ConfigError(source, "scenario.start_date", f"{start} plus {horizon} days runs past 9999-12-31") from None
    params = _params(_table(raw, "parameters", source), source)
    actors_raw, actors_src = actors or _read_actors(head, source, base_dir)
    profiles = _profiles(actors_raw, actors_src, _table(raw, "actors", source), source)
    trust = baseline_trust(profiles, _adjustments(actors_raw, actors_src))
    inherited_src = f"{source} (a shock inherited through scenario.extends)"
    shocks = tuple(
        _shock(entry, i - inherited, source, start, horizon_end)
        if i >= inherited
        else _shock(entry, i, inherited_src, start, horizon_end)
        for i, entry in enumerate(_shock_list(raw, source))
    )
    return Scenario(
        name=_name(head, source, default=Path(source).stem),
        description=_string(head, "description", source, "scenario.", default=""),
        start_date=start,
        horizon_days=horizon,
        seed=seed,
        params=params,
        profiles=profiles,
        baseline_trust=trust,
        shocks=tuple(sorted(_unique_ids(shocks, source), key=lambda s: s.date)),
        source=source,
        raw=raw,
        actors_raw=actors_raw,
        actors_source=actors_src,
    )


def _name(head: dict[str, Any], source: str, default: str) -> str:
    """The scenario's name: it names output directories, so letters, digits, '_', '-' and '.'."""
    name = _string(head, "name", source, "scenario.", default=default)
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
    actors_path = _actors_path(head, source, base_dir)
    if not actors_path.is_file():
        raise ConfigError(source, "scenario.actors_file", f"{actors_path} not found; give the actors TOML file's path")
    return read_toml(actors_path), str(actors_path)


def load_run_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Rebuild the scenario of a finished run from its `manifest.json` (`source_config`).

    The run's inputs travel inside the manifest, so this reproduces the run even after the
    scenario or actors files have changed. Overrides apply on top, as for a TOML file.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found (give a run's manifest.json or a scenario TOML file)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), None, f"not a JSON run manifest: {error}") from None
    inputs = manifest.get("source_config") if isinstance(manifest, dict) else None
    if not (isinstance(inputs, dict) and all(isinstance(inputs.get(k), dict) for k in ("scenario", "actors"))):
        raise ConfigError(str(path), "source_config", "missing; give the manifest.json that `caucasus run` wrote")
    raw = copy.deepcopy(inputs["scenario"])
    if overrides:
        apply_overrides(raw, overrides, f"{path} (override)")
    return _build_scenario(raw, str(path), path.parent, actors=(inputs["actors"], f"{path} (source_config.actors)"))


def _actors_path(head: dict[str, Any], source: str, base_dir: Path) -> Path:
    name = _string(head, "actors_file", source, "scenario.", default="../actors.toml")
    return (base_dir / name).resolve() if not Path(name).is_absolute() else Path(name)


def _params(table: dict[str, Any], source: str) -> ModelParams:
    return _dataclass_from(ModelParams, table, source, "parameters.")


def _dataclass_from(cls: type, table: dict[str, Any], source: str, prefix: str, base: Any = None):
    _check_keys(table, param_names(cls), source, prefix)
    values = {}
    for f in fields(cls):
        if f.name in table:
            low, high = f.metadata["range"]
            integer = isinstance(f.default, int)
            value = _number(table, f.name, source, prefix, low, high, integer=integer)
            values[f.name] = int(value) if integer else float(value)  # 0 and 0.0: one config, one hash
    return replace(base, **values) if base is not None else cls(**values)


def _profiles(
    actors_raw: dict[str, Any], actors_src: str, scenario_actors: dict[str, Any], source: str
) -> tuple[ActorProfile, ...]:
    _check_keys(actors_raw, ("actors", "trust_adjustments", "sources"), actors_src, "")
    table = _table(actors_raw, "actors", actors_src, required=True)
    _check_keys(table, actor_codes(), actors_src, "actors.")
    _check_keys(scenario_actors, actor_codes(), source, "actors.")
    profiles = []
    for actor in ACTORS:
        if actor.value not in table:
            raise ConfigError(actors_src, f"actors.{actor.value}", "missing; every actor needs a baseline")
        entry = table[actor.value]
        override = scenario_actors.get(actor.value, {})
        if not isinstance(override, dict):
            raise ConfigError(source, f"actors.{actor.value}", "must be a table of disposition overrides")
        _check_keys(override, param_names(Disposition) + ["kin", "corridor_utility"], source, f"actors.{actor.value}.")
        profiles.append(_profile(actor, entry, actors_src, override, source))
    return tuple(profiles)


def _profile(actor: Actor, entry: Any, src: str, override: dict[str, Any], scenario_src: str) -> ActorProfile:
    prefix = f"actors.{actor.value}."
    if not isinstance(entry, dict):
        raise ConfigError(src, prefix[:-1], "must be a table")
    _check_keys(entry, list(PROFILE_KEYS) + param_names(Disposition), src, prefix)
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
    utility = _utilities(entry.get("corridor_utility"), src, prefix + "corridor_utility", required=True)
    utility.update(_utilities(override.get("corridor_utility", {}), scenario_src, prefix + "corridor_utility"))
    return ActorProfile(
        actor=actor,
        name=_string(entry, "name", src, prefix, default=actor.value),
        **{key: _figure(entry, key, src, prefix) for key in (*FIGURE_KEYS, "ideal_point")},
        disposition=disposition,
        kin=kin,
        corridor_utility=utility,
    )


def _figure(entry: dict[str, Any], key: str, src: str, prefix: str) -> Figure:
    table = _table(entry, key, src, required=True, prefix=prefix)
    _check_keys(table, ("value", "year", "source", "placeholder"), src, f"{prefix}{key}.")
    low = -10.0 if key == "ideal_point" else 0.0
    return Figure(
        value=_number(table, "value", src, f"{prefix}{key}.", low, 1e12),
        year=int(_number(table, "year", src, f"{prefix}{key}.", 1945, 2100, integer=True)),
        source=_string(table, "source", src, f"{prefix}{key}."),
        placeholder=_flag(table, "placeholder", src, f"{prefix}{key}."),
    )


def _actor_weights(table: Any, src: str, key: str) -> dict[Actor, float]:
    if not isinstance(table, dict):
        raise ConfigError(src, key, "must be a table of actor codes to numbers")
    _check_keys(table, actor_codes(), src, key + ".")
    return {Actor(code): _number(table, code, src, key + ".", 0.0, 1.0) for code in table}


def _utilities(table: Any, src: str, key: str, required: bool = False) -> dict[Arrangement, float]:
    names = [a.value for a in Arrangement]
    if not isinstance(table, dict):
        raise ConfigError(src, key, f"must be a table with keys {', '.join(names)}")
    _check_keys(table, names, src, key + ".")
    if required and set(table) != set(names):
        missing = sorted(set(names) - set(table))
        raise ConfigError(src, key, f"missing utilities for {', '.join(missing)}")
    return {Arrangement(name): _number(table, name, src, key + ".", -1.0, 1.0) for name in table}


def _adjustments(actors_raw: dict[str, Any], src: str) -> list[tuple[int, int, float]]:
    entries = actors_raw.get("trust_adjustments", [])
    if not isinstance(entries, list):
        raise ConfigError(src, "trust_adjustments", "must be an array of tables ([[trust_adjustments]])")
    result = []
    for i, entry in enumerate(entries):
        prefix = f"trust_adjustments[{i}]."
        if not isinstance(entry, dict):
            raise ConfigError(src, prefix[:-1], "must be a table")
        _check_keys(entry, ADJUSTMENT_KEYS, src, prefix)
        source = _actor(entry, "source", src, prefix)
        target = _actor(entry, "target", src, prefix)
        _string(entry, "reason", src, prefix)
        result.append((INDEX[source], INDEX[target], _number(entry, "value", src, prefix, -2.0, 2.0)))
    return result


def baseline_trust(profiles: tuple[ActorProfile, ...], adjustments: list[tuple[int, int, float]]) -> np.ndarray:
    """Baseline trust: UN voting affinity plus documented adjustments, clipped to [-1, 1].

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
    _check_keys(entry, SHOCK_KEYS, source, prefix)
    date = _date(entry, "date", source, prefix)
    if not start <= date <= end:
        raise ConfigError(source, prefix + "date", f"{date} is outside the run ({start} to {end})")
    actor, target = _actor(entry, "actor", source, prefix), _actor(entry, "target", source, prefix)
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
        shock_id=_string(entry, "id", source, prefix, default=""),
        date=date,
        actor=actor,
        target=target,
        cameo=_cameo(entry, source, prefix),
        salience=_number(entry, "salience", source, prefix, 0.0, 5.0, default=1.0),
        affront=_number(entry, "affront", source, prefix, 0.0, 1.0, default=0.0),
        description=_string(entry, "description", source, prefix, default=""),
        corridor=Arrangement(corridor) if corridor else None,
    )


# ---------------------------------------------------------------- field checks


def _check_keys(table: dict[str, Any], allowed: Any, source: str, prefix: str) -> None:
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            raise ConfigError(source, prefix + key, f"unknown key; allowed: {', '.join(allowed)}")


def _table(parent: dict[str, Any], key: str, source: str, required: bool = False, prefix: str = "") -> dict[str, Any]:
    if key not in parent:
        if required:
            raise ConfigError(source, prefix + key, "missing table")
        return {}
    value = parent[key]
    if not isinstance(value, dict):
        raise ConfigError(source, prefix + key, "must be a table")
    return value


def _number(
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


def _string(table: dict[str, Any], key: str, source: str, prefix: str, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise ConfigError(source, prefix + key, "missing; give a string")
        return default
    if not isinstance(table[key], str):
        raise ConfigError(source, prefix + key, f"{table[key]!r} is not a string")
    return table[key]


def _flag(table: dict[str, Any], key: str, source: str, prefix: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(source, prefix + key, f"{value!r} is not a boolean; allowed: true or false")
    return value


def _date(table: dict[str, Any], key: str, source: str, prefix: str) -> dt.date:
    value = table.get(key)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ConfigError(source, prefix + key, f"{value!r} is not a date; allowed: a date like 2025-06-27")


def _actor(table: dict[str, Any], key: str, source: str, prefix: str) -> Actor:
    value = table.get(key)
    if value not in actor_codes():
        raise ConfigError(source, prefix + key, f"{value!r} is not an actor; allowed: {', '.join(actor_codes())}")
    return Actor(value)


def _cameo(table: dict[str, Any], source: str, prefix: str) -> str:
    value = table.get("cameo")
    code = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if code not in GOLDSTEIN:
        raise ConfigError(
            source,
            prefix + "cameo",
            f"{value!r} is not a CAMEO code on the scale; allowed (as strings): {', '.join(GOLDSTEIN)}",
        )
    return code
