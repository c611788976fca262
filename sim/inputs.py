"""Turn a validated `Scenario` into the arrays the rules consume (`RuleInputs`)."""

from __future__ import annotations

import numpy as np

from sim.actors import ACTORS, INDEX, Actor
from sim.capability import capability_index
from sim.config import Scenario
from sim.corridor import ARRANGEMENT_INDEX, ARRANGEMENTS, INITIALLY_ON_TABLE, N_ARRANGEMENTS, sponsor_matrix
from sim.rules.day import RuleInputs
from sim.rules.trust import retention


def rule_inputs(scenario: Scenario) -> RuleInputs:
    """Per-actor vectors, kin and utility matrices and parameters of a scenario."""
    profiles = scenario.profiles

    def vector(name: str) -> np.ndarray:
        return np.array([getattr(p.disposition, name) for p in profiles], dtype=float)

    return RuleInputs(
        params=scenario.params,
        baseline_trust=scenario.baseline_trust,
        kin=_kin_matrix(scenario),
        sensitivity=vector("sensitivity"),
        reciprocity=vector("reciprocity"),
        restraint=vector("restraint"),
        conciliation=vector("conciliation"),
        threshold=vector("response_threshold"),
        keep=retention(vector("memory_half_life_days")),
        capability=capability_index(
            [p.gdp_usd_bn.value for p in profiles],
            [p.milex_usd_bn.value for p in profiles],
            [p.population.value for p in profiles],
        ),
        presence=vector("presence"),
        distraction=vector("distraction"),
        engagement=vector("engagement"),
        utility=np.array([[p.corridor_utility[a] for a in ARRANGEMENTS] for p in profiles]),
        sponsors=np.array(sponsor_matrix()),
        rupture_pair=(INDEX[Actor.AZE], INDEX[Actor.RUS]),
    )


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
