"""Loading a scenario: a TOML file (with `extends` and overrides) or a run's manifest."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

from sim.config.build import SCENARIO_SECTIONS, actors_path, build_scenario, interdependence_path
from sim.config.fields import read_string, read_table
from sim.config.limits import MAX_EXTENDS, MAX_NESTING, depth_exceeded, parse_json, read_text
from sim.config.schema import Scenario
from sim.config.source import read_toml, referred
from sim.errors import ConfigError, MachineError


def scenario_named_by(config_path: Path, head: dict[str, Any], prefix: str, source: str) -> tuple[Path, Scenario]:
    """The scenario a sweep's or a calibration's `PREFIX.scenario` names (relative to its file), and its path.

    A mistake in the scenario file (or one it names) is a ConfigError that also says which key
    of which file named it.
    """
    scenario_path = (Path(config_path).parent / read_string(head, "scenario", source, prefix)).resolve()
    try:
        return scenario_path, load_scenario(scenario_path)
    except ConfigError as error:
        raise referred(error, f"{prefix}scenario", source) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: the scenario's TOML file.
        overrides: dotted keys (`parameters.trust_rate`, `actors.RUS.distraction`,
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
        return build_scenario(raw, str(path), path.parent, inherited=inherited)
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
                str(path), "scenario.drop_shocks", "only allowed with scenario.extends (it drops the base's shocks)"
            )
        return raw
    base_path = _base_path(head, path, seen)
    try:
        base = expand(read_toml(base_path), base_path, (*seen, path.resolve()))
    except ExtendsTooLongError:
        raise
    except ConfigError as error:
        raise referred(error, "scenario.extends", str(path)) from None
    drop = _dropped_ids(head, base, path, base_path)
    if not isinstance(raw.get("shocks", []), list):
        raise ConfigError(str(path), "shocks", "must be an array of tables ([[shocks]])")
    merged = _merge(base, {k: v for k, v in raw.items() if k != "shocks"})
    merged["scenario"] = {k: v for k, v in merged["scenario"].items() if k not in ("extends", "drop_shocks")}
    if "name" not in head:  # a scenario is named after its own file, not its base
        merged["scenario"]["name"] = path.stem
    base_head = read_table(base, "scenario", str(base_path), required=True)
    if "actors_file" not in head:  # the base's actors file, found relative to the base
        merged["scenario"]["actors_file"] = str(actors_path(base_head, str(base_path), base_path.parent))
    if "interdependence" not in head and "interdependence" in base_head:  # the base's, relative to the base
        found = interdependence_path(base_head, str(base_path), base_path.parent, base_path.parent)
        merged["scenario"]["interdependence"] = str(found)
    kept = [shock for shock in base.get("shocks", []) if not (isinstance(shock, dict) and shock.get("id") in drop)]
    merged["shocks"] = kept + list(raw.get("shocks", []))
    return merged


class ExtendsTooLongError(ConfigError):
    """A `scenario.extends` chain beyond `MAX_EXTENDS`, reported once, about the file that starts it."""


def _base_path(head: dict[str, Any], path: Path, seen: tuple[Path, ...]) -> Path:
    """The existing, non-cyclic scenario file that `scenario.extends` names."""
    if not isinstance(head["extends"], str):
        raise ConfigError(str(path), "scenario.extends", f"{head['extends']!r} is not a string; give a file path")
    base_path = (path.parent / head["extends"]).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ConfigError(str(path), "scenario.extends", f"{base_path} extends itself in a cycle")
    if len(seen) >= MAX_EXTENDS:
        raise ExtendsTooLongError(
            str(seen[0]),
            "scenario.extends",
            f"starts a chain of more than {MAX_EXTENDS} scenario files extending one another (the limit, "
            f"reached at {path})",
        )
    if not base_path.is_file():
        raise ConfigError(str(path), "scenario.extends", f"{base_path} not found; give a scenario file path")
    return base_path


def _dropped_ids(head: dict[str, Any], base: dict[str, Any], path: Path, base_path: Path) -> set[str]:
    """The ids in `scenario.drop_shocks`, each of which must name a shock of the base."""
    drop = head.get("drop_shocks", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        raise ConfigError(str(path), "scenario.drop_shocks", "must be a list of shock ids (strings)")
    base_ids = {shock.get("id") for shock in base.get("shocks", []) if isinstance(shock, dict)}
    for shock_id in drop:
        if shock_id not in base_ids:
            known = sorted(i for i in base_ids if i)
            raise ConfigError(
                str(path), "scenario.drop_shocks", f"no shock with id {shock_id!r} in {base_path}; ids: {known}"
            )
    return set(drop)


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
    except RecursionError:
        parsed = None
    if parsed is None or depth_exceeded(parsed):
        raise ConfigError("--set", key.strip(), f"the value nests more than {MAX_NESTING} levels deep (the limit)")
    return key.strip(), parsed


def with_overrides(scenario: Scenario, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
    """A new scenario with dotted-key overrides applied to the raw config and re-validated."""
    raw = copy.deepcopy(scenario.raw)
    apply_overrides(raw, overrides, origin)
    actors = None if "scenario.actors_file" in overrides else (scenario.actors_raw, scenario.actors_source)
    files_moved = {"scenario.actors_file", "scenario.interdependence"} & set(overrides)
    ties = None if files_moved else (scenario.interdependence_raw, scenario.interdependence_source)
    return build_scenario(raw, scenario.source, Path(scenario.source).parent, actors=actors, interdependence=ties)


def load_run_config(
    path: str | Path, overrides: dict[str, Any] | None = None, *, allow_edited: bool = False
) -> Scenario:
    """Rebuild the scenario of a finished run from its `manifest.json` (`source_config`).

    The run's inputs travel inside the manifest, so this reproduces the run even after the
    scenario or actors files have changed. Overrides apply on top, as for a TOML file.

    Args:
        path: the run's `manifest.json`.
        overrides: dotted keys and values, as for `load_scenario`.
        allow_edited: accept a manifest whose `source_config` does not hash to its recorded
            `config_hash` (edited by hand); refused (ConfigError) otherwise.
    """
    path = Path(path)
    scenario, _ = read_run_config(path, allow_edited=allow_edited)
    if not overrides:
        return scenario
    raw = copy.deepcopy(scenario.raw)
    apply_overrides(raw, overrides, f"{path} (override)")
    return build_scenario(
        raw,
        str(path),
        path.parent,
        actors=(scenario.actors_raw, scenario.actors_source),
        interdependence=(scenario.interdependence_raw, scenario.interdependence_source),
    )


def read_run_config(path: Path, *, allow_edited: bool = False) -> tuple[Scenario, str | None]:
    """The scenario a run's manifest records, checked against the manifest's `config_hash`.

    Args:
        path: the run's `manifest.json`.
        allow_edited: accept a `source_config` that does not hash to `config_hash`.

    Returns:
        The scenario and None; or, for an edited manifest accepted with `allow_edited`, the
        scenario and a sentence saying that it was edited and which hash the new run records.

    Raises:
        ConfigError: a missing, malformed, oversized or too deeply nested manifest, one without
            `source_config`, or (unless `allow_edited`) one whose `source_config` was edited.
    """
    manifest = _read_manifest_json(path)
    inputs = manifest.get("source_config") if isinstance(manifest, dict) else None
    tables = ("scenario", "actors", "interdependence")
    if not (isinstance(inputs, dict) and all(isinstance(inputs.get(k), dict) for k in tables)):
        raise ConfigError(
            str(path),
            "source_config",
            "missing (or without its scenario, actors or interdependence); give the manifest.json that "
            "`caucasus run` wrote",
        )
    actors = (inputs["actors"], f"{path} (source_config.actors)")
    ties = (inputs["interdependence"], f"{path} (source_config.interdependence)")
    scenario = build_scenario(
        copy.deepcopy(inputs["scenario"]), str(path), path.parent, actors=actors, interdependence=ties
    )
    recorded, actual = manifest.get("config_hash"), scenario.config_hash()
    if recorded == actual:
        return scenario, None
    shown = f"{recorded[:12]}..." if isinstance(recorded, str) else repr(recorded)
    if not allow_edited:
        raise ConfigError(
            str(path),
            "config_hash",
            f"{shown} is not the hash of this manifest's source_config ({actual[:12]}...): the manifest was "
            "edited (or damaged) after the run, so rerunning it would not repeat that run; restore it, or "
            "give --allow-edited-manifest to run the edited inputs (the new run records their own hash)",
        )
    note = (
        f"{path}: source_config was edited after the run (recorded config_hash {shown}); running the edited "
        f"inputs, recorded under their own hash {actual}"
    )
    return scenario, note


def _read_manifest_json(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found (give a run's manifest.json or a scenario TOML file)")
    try:
        return parse_json(read_text(path, "run manifest"), str(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), None, f"not a JSON run manifest: {error}") from None
    except OSError as error:
        raise MachineError.from_os_error(path, "read the run's manifest", error) from None
