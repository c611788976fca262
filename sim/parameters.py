"""Typed, range-checked parameters: model-wide rates and each actor's disposition.

Every field carries its default, its allowed range and the reason for its default in the
field's metadata; `docs/ODD.md` lists the same table, and `sim.config` checks user values
against the ranges here. Nothing else in the project holds a parameter default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _param(default: float, low: float, high: float, doc: str) -> Any:
    return field(default=default, metadata={"range": (low, high), "doc": doc})


@dataclass(frozen=True, kw_only=True)
class ModelParams:
    """Model-wide rates, thresholds and switches (the `[parameters]` table of a scenario)."""

    trust_rate: float = _param(
        0.2,
        0.0,
        1.0,
        "Share of an event's normalised impulse that moves the target's trust in the actor.",
    )
    solidarity: float = _param(
        0.35,
        0.0,
        1.0,
        "Weight of third parties' reaction to an event against those they trust or are kin to "
        "(structural balance; 0 switches it off).",
    )
    balance_rate: float = _param(
        0.002,
        0.0,
        0.05,
        "Daily rate of continuous structural-balance dynamics dT = r (T T / (n - 2))(1 - T^2) "
        "(Kulakowski et al. 2005; 0 switches it off).",
    )
    noise_sd: float = _param(
        0.01,
        0.0,
        0.2,
        "Standard deviation of the daily trust noise (each draw clipped to +-3 sd).",
    )
    catharsis: float = _param(
        1.0,
        0.0,
        3.0,
        "How much of a response's severity it takes off the responder's grievance "
        "(answering in kind settles the account).",
    )
    forgiveness: float = _param(
        0.6,
        0.0,
        1.0,
        "Share of a grievance lifted by a fully cooperative act (Goldstein +10, salience 1).",
    )
    deterrence: float = _param(
        0.25,
        0.0,
        2.0,
        "Exponent of the power ratio in a responder's boldness: the weak hold back against "
        "the strong, the strong bully (Goldstein & Pevehouse 1997).",
    )
    max_rung_step: int = _param(
        1,
        1,
        7,
        "Most rungs an actor may climb above its standing rung in one response.",
    )
    influence_rate: float = _param(
        0.02,
        0.0,
        1.0,
        "Daily share of the gap between influence shares and their target closed each day.",
    )
    influence_trust_weight: float = _param(
        2.0,
        0.0,
        10.0,
        "How strongly a state's trust in a power raises that power's target influence share.",
    )
    influence_capability_weight: float = _param(
        1.0,
        0.0,
        2.0,
        "Exponent of effective regional capability in a power's target influence share.",
    )
    influence_tie_weight: float = _param(
        1.0,
        0.0,
        3.0,
        "Exponent of a power's share of the state's external ties (trade and arms imports, "
        "sim.interdependence) in its target influence share: 1 makes the target proportional to the "
        "ties when trust and capability are equal (Hirschman 1945: trade dependence is influence); "
        "0 switches the ties off.",
    )
    sponsor_trust_weight: float = _param(
        0.5,
        0.0,
        2.0,
        "How much an actor's trust in an arrangement's sponsor shifts its corridor utility.",
    )
    lobby_weight: float = _param(
        0.5,
        0.0,
        5.0,
        "Weight of outside powers' influence-weighted lobbying in a principal's acceptance.",
    )
    agreement_days: int = _param(
        21,
        1,
        365,
        "Consecutive days both principals must accept an arrangement before it is agreed.",
    )
    rupture_trust: float = _param(
        -0.5,
        -1.0,
        0.0,
        "Trust level at or below which AZE-RUS relations count as ruptured (with relations cut).",
    )


@dataclass(frozen=True, kw_only=True)
class Disposition:
    """One actor's tunable disposition and regional standing (overridable per scenario)."""

    presence: float = _param(
        0.5,
        0.0,
        1.0,
        "Share of the actor's capability that reaches the South Caucasus.",
    )
    distraction: float = _param(
        0.0,
        0.0,
        1.0,
        "Share of regional capability drained elsewhere (Russia: the war in Ukraine).",
    )
    engagement: float = _param(
        1.0,
        0.0,
        3.0,
        "Effort the actor puts into lobbying over the corridor.",
    )
    sensitivity: float = _param(
        0.6,
        0.0,
        2.0,
        "Sensitivity to humiliation: how hard a hostile act or an affront hits.",
    )
    reciprocity: float = _param(
        0.6,
        0.0,
        2.0,
        "Urge to answer in kind: scales the severity of the chosen response.",
    )
    restraint: float = _param(
        0.5,
        0.0,
        1.0,
        "Damping of answers: the desired severity is multiplied by (1 - restraint).",
    )
    conciliation: float = _param(
        0.03,
        0.0,
        1.0,
        "Daily probability of a conciliatory act toward an actor that holds a grievance, and of "
        "signing an agreement where relations stand cut and both sides have calmed down.",
    )
    memory_half_life_days: float = _param(
        90.0,
        1.0,
        3650.0,
        "Half-life of grievances, standing rungs and trust deviations from baseline.",
    )
    response_threshold: float = _param(
        0.5,
        0.01,
        10.0,
        "Grievance above which the actor answers; the answer's probability grows with "
        "(grievance - threshold) / threshold.",
    )


def param_names(cls: type) -> list[str]:
    """The field names of `ModelParams` or `Disposition`, in declaration order."""
    return [f.name for f in fields(cls)]
