"""Turn a validated `Scenario` into the arrays the rules consume (`RuleInputs`).

`rule_inputs(scenario)` gives one run's inputs. With `batch`, a mapping of dotted parameter
names (`parameters.trust_rate`, `actors.RUS.distraction`) to arrays of per-replicate values, it
gives inputs along a leading batch axis: what the ensemble engine feeds the rules when a sweep
varies parameters from one run to the next. Both go through the same assembly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np

from sim.actors import ACTORS, INDEX, STATES, Actor
from sim.capability import capability_index
from sim.config import Scenario
from sim.config.mechanisms import NULL_MODEL
from sim.corridor import ARRANGEMENT_INDEX, INITIALLY_ON_TABLE, N_ARRANGEMENTS, arrangement_positions, sponsor_mask
from sim.errors import ConfigError
from sim.parameters import Disposition, ModelParams, param_names
from sim.routine import base_rates
from sim.rules.day import RuleInputs
from sim.rules.trust import retention

ROUTINE_RATES = base_rates()  # (cooperation, friction) [actor, target], from the shipped record's calm windows


def rule_inputs(scenario: Scenario, batch: Mapping[str, np.ndarray] | None = None) -> RuleInputs:
    """Per-actor vectors, kin matrix, corridor stances and parameters of a scenario.

    Args:
        scenario: the validated scenario.
        batch: optional per-replicate values, each a 1-D array of the same length B, keyed by
            `parameters.NAME` or `actors.CODE.NAME` (a disposition); the inputs they touch gain
            a leading axis of length B. Values are taken as valid (check ranges first).
    """
    profiles = scenario.profiles
    dispositions = {
        name: np.array([getattr(p.disposition, name) for p in profiles], dtype=float)
        for name in param_names(Disposition)
    }
    params = scenario.params
    if batch:
        refuse_switched_off(scenario, batch, "batch")
        dispositions, params = _batched(dispositions, params, batch)
    return RuleInputs(
        params=params,
        baseline_trust=scenario.baseline_trust,
        kin=_kin_matrix(scenario),
        dependence=scenario.interdependence.dependence(),
        routine_cooperation=ROUTINE_RATES[0],
        routine_friction=ROUTINE_RATES[1],
        ties=scenario.interdependence.ties(),
        sensitivity=dispositions["sensitivity"],
        reciprocity=dispositions["reciprocity"],
        threshold=dispositions["response_threshold"],
        keep=retention(dispositions["memory_half_life_days"]),
        capability=capability_index(
            [p.gdp_usd_bn.value for p in profiles],
            [p.milex_usd_bn.value for p in profiles],
            [p.population.value for p in profiles],
        ),
        presence=dispositions["presence"],
        distraction=dispositions["distraction"],
        engagement=dispositions["engagement"],
        position=np.array([p.corridor.position for p in profiles]),
        salience=np.array([p.corridor.salience for p in profiles]),
        reservation=np.array([profiles[INDEX[s]].corridor.reservation for s in STATES]),
        arrangement_position=np.array(arrangement_positions()),
        sponsors=np.array(sponsor_mask()),
        rupture_pair=(INDEX[Actor.AZE], INDEX[Actor.RUS]),
        reciprocal=scenario.model == NULL_MODEL,
    )


def refuse_switched_off(scenario: Scenario, names: Iterable[str], source: str, key: str | None = None) -> None:
    """ConfigError if a dotted name varies a parameter the scenario's `[mechanisms]` switches off.

    The error names `source` and `key` (default: the dotted name itself).
    """
    for name in names:
        if name.startswith("parameters.") and name.removeprefix("parameters.") in scenario.switched_off:
            raise ConfigError(
                source,
                key or name,
                f"{scenario.name}'s [mechanisms] switch this parameter off; "
                f"varying it would switch the mechanism back on (switched off: {', '.join(scenario.switched_off)})",
            )


def _batched(
    dispositions: dict[str, np.ndarray], params: ModelParams, batch: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], ModelParams]:
    """Dispositions and parameters with the batch's values along a leading axis."""
    sizes = {np.shape(values) for values in batch.values()}
    if len(sizes) != 1 or len(next(iter(sizes))) != 1:
        raise ValueError(f"batch values must be 1-D arrays of one length; got shapes {sorted(sizes)}")
    (size,) = sizes.pop()
    dispositions = dict(dispositions)
    changed_params = {}
    for key, values in batch.items():
        section, *rest = key.split(".")
        if section == "parameters" and len(rest) == 1 and rest[0] in param_names(ModelParams):
            changed_params[rest[0]] = np.asarray(values)
        elif section == "actors" and len(rest) == 2 and rest[0] in INDEX and rest[1] in param_names(Disposition):
            code, name = rest
            matrix = np.broadcast_to(dispositions[name], (size, len(ACTORS))).copy()
            matrix[:, INDEX[code]] = values
            dispositions[name] = matrix
        else:
            raise ConfigError(
                "batch", key, "unknown parameter; allowed: parameters.NAME or actors.CODE.NAME (a disposition)"
            )
    return dispositions, replace(params, **changed_params)


def _kin_matrix(scenario: Scenario) -> np.ndarray:
    """Kin/solidarity ties, made symmetric by taking the larger of the two declared weights."""
    kin = np.zeros((len(ACTORS), len(ACTORS)))
    for profile in scenario.profiles:
        for other, weight in profile.kin.items():
            kin[INDEX[profile.actor], INDEX[other]] = weight
    return np.maximum(kin, kin.T)


def initially_on_table() -> np.ndarray:
    """Boolean mask of the arrangements on the table at day 0."""
    mask = np.zeros(N_ARRANGEMENTS, dtype=bool)
    for arrangement in INITIALLY_ON_TABLE:
        mask[ARRANGEMENT_INDEX[arrangement]] = True
    return mask
