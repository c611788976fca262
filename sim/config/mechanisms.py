"""Structural switches: a scenario's `[mechanisms]` table turns mechanisms off or picks the null model.

Each switch names a mechanism and the parameters whose null values remove it, so that a switch
off is exactly the documented reduced model (docs/ODD.md, structural switches):

| switch | off means |
|---|---|
| `solidarity` | `solidarity = 0`: third parties do not take in acts against those they identify with |
| `balance_drift` | `balance_rate = 0`: no structural-balance drift |
| `catharsis` | `catharsis = 0`: answering settles no grievance |
| `escalation_costs` | `escalation_cost = 0`: interdependence restrains no answer |
| `way_back` | `thaw_rate = 0`: no actor ever reaches out |
| `routine_interaction` | `routine_scale = 0`: no routine acts |

`model = "reciprocity"` is the null model: pure reciprocity on the Goldstein scale, no trust.
Every actor answers the day's acts against it in kind (`sim.rules.reciprocity`), trust never
moves (`trust_rate`, `solidarity`, `balance_rate`, `noise_sd` are 0) and nothing else decides:
escalation costs and the way back are off. It runs through the same CLI, sweeps and outputs.

A switched-off mechanism whose parameter the scenario also sets to another value is an error.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sim.config.fields import check_keys, read_string
from sim.errors import ConfigError
from sim.parameters import ModelParams

SWITCHES: dict[str, dict[str, float]] = {
    "solidarity": {"solidarity": 0.0},
    "balance_drift": {"balance_rate": 0.0},
    "catharsis": {"catharsis": 0.0},
    "escalation_costs": {"escalation_cost": 0.0},
    "way_back": {"thaw_rate": 0.0},
    "routine_interaction": {"routine_scale": 0.0},
}
CRISIS_MODEL, NULL_MODEL = "crisis", "reciprocity"
MODELS = (CRISIS_MODEL, NULL_MODEL)
NULL_MODEL_PARAMETERS: dict[str, float] = {
    "trust_rate": 0.0,
    "solidarity": 0.0,
    "balance_rate": 0.0,
    "noise_sd": 0.0,
    "escalation_cost": 0.0,
    "thaw_rate": 0.0,
}


def apply_mechanisms(
    table: dict[str, Any], params: ModelParams, given: dict[str, Any], source: str
) -> tuple[ModelParams, str, tuple[str, ...]]:
    """The parameters with the switched-off mechanisms' null values, the model's name and those parameters' names.

    A switched-off parameter cannot be set again, neither here nor by a sweep's design
    (`Scenario.switched_off`, checked by `sim.inputs.rule_inputs` and the sweep config).

    Args:
        table: the scenario's `[mechanisms]` table.
        params: the parameters as the scenario sets them.
        given: the scenario's `[parameters]` table (to refuse a value for a switched-off mechanism).
        source: the file, for errors.
    """
    check_keys(table, ("model", *SWITCHES), source, "mechanisms.")
    model = read_string(table, "model", source, "mechanisms.", default=CRISIS_MODEL)
    if model not in MODELS:
        raise ConfigError(source, "mechanisms.model", f"{model!r}: allowed: {', '.join(MODELS)}")
    nulls: dict[str, float] = dict(NULL_MODEL_PARAMETERS) if model == NULL_MODEL else {}
    for switch, values in SWITCHES.items():
        on = _switch(table, switch, source)
        if on and switch in table and model == NULL_MODEL and set(values) <= set(NULL_MODEL_PARAMETERS):
            raise ConfigError(
                source, f"mechanisms.{switch}", 'the null model (model = "reciprocity") switches it off; leave it out'
            )
        if not on:
            nulls.update(values)
    for name, value in nulls.items():
        if name in given and float(given[name]) != value:
            raise ConfigError(
                source,
                f"parameters.{name}",
                f"{given[name]} sets a mechanism that [mechanisms] switches off (it must be {value:g})",
            )
    return replace(params, **nulls), model, tuple(sorted(nulls))


def _switch(table: dict[str, Any], name: str, source: str) -> bool:
    """A switch: true (on) when absent."""
    value = table.get(name, True)
    if not isinstance(value, bool):
        raise ConfigError(source, f"mechanisms.{name}", f"{value!r} is not a boolean; allowed: true or false")
    return value
