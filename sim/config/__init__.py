"""Scenario and actor configs: TOML read once, at the edge, into validated typed objects.

`load_scenario(path, overrides)` returns a `Scenario`: start date, horizon, seed, model
parameters, the eight `ActorProfile`s (sourced figures from the actors file plus the
scenario's disposition overrides), the baseline trust matrix and the dated `Shock`s. Every
user mistake raises `ConfigError` naming the file, the key (and line) and what is allowed;
nothing downstream reads raw dicts.

Modules: `source` (reading TOML), `fields` (typed field readers), `schema` (the typed
objects), `adjustments` (the trust adjustments and their scale of relation kinds), `build`
(validation into a `Scenario`), `loading` (files, `extends`, overrides,
manifests).
"""

from sim.config.build import MAX_SEED, baseline_trust
from sim.config.loading import (
    apply_overrides,
    load_run_config,
    load_scenario,
    parse_override,
    scenario_named_by,
    with_overrides,
)
from sim.config.schema import ActorProfile, Figure, Scenario, Shock

__all__ = [
    "MAX_SEED",
    "ActorProfile",
    "Figure",
    "Scenario",
    "Shock",
    "apply_overrides",
    "baseline_trust",
    "load_run_config",
    "load_scenario",
    "parse_override",
    "scenario_named_by",
    "with_overrides",
]
