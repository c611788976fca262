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
        "Daily rate of continuous structural-balance dynamics on departures from the baseline, "
        "dT = r ((T T - B B) / (n - 2))(1 - T^2) (Kulakowski et al. 2005; 0 switches it off).",
    )
    noise_sd: float = _param(
        0.0,
        0.0,
        0.2,
        "Standard deviation of a daily latent trust noise (each draw clipped to +-3 sd); off by "
        "default: the model's day-to-day variation comes from observable routine interaction.",
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
        1.0,
        0.0,
        3.0,
        "Exponent of an actor's share of the dyad's backed capability in its boldness: "
        "boldness = (2 x share)^deterrence, 1 at parity; the weak hold back, the strong bully "
        "(Goldstein & Pevehouse 1997). Judgement (1: boldness proportional to the share), to be "
        "calibrated.",
    )
    escalation_cost: float = _param(
        3.0,
        0.0,
        20.0,
        "Exponent of what escalation would cost: restraint[i, j] = 1 - (1 - dependence[i, j])^c, "
        "dependence from sourced interdependence (Keohane & Nye 1977). Judgement (3: a dyad "
        "carrying a fifth of an actor's external ties halves its answers), to be calibrated; 0 "
        "switches the cost of escalation off.",
    )
    thaw_rate: float = _param(
        0.5,
        0.0,
        5.0,
        "Daily hazard of a conciliatory act per unit of its net benefit (what the breach costs "
        "the actor, dependence x stake, less the audience cost): p = 1 - exp(-rate x net). "
        "Judgement, to be calibrated; 0 switches the way back off.",
    )
    audience_cost: float = _param(
        0.1,
        0.0,
        2.0,
        "Cost of backing down after escalating in public (Fearon 1994): subtracted from a "
        "conciliatory act's benefit, times the actor's standing rung against the other / 7. "
        "Judgement, to be calibrated.",
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
    concession_rate: float = _param(
        0.0077,
        0.0,
        0.1,
        "Daily share of the gap between a principal's corridor reservation value and the powers' "
        "positions closed per unit of pressure, for salience 0 (judgement: half the gap in a "
        "season, ln 2 / 90 days).",
    )
    sponsor_trust_floor: float = _param(
        -0.5,
        -1.0,
        1.0,
        "A principal accepts a corridor arrangement only if it trusts each sponsor above this "
        "(judgement: halfway from indifference to complete distrust; the trust level at which "
        "the model used to count AZE-RUS relations as ruptured).",
    )
    peace_widening: float = _param(
        0.5,
        0.0,
        1.0,
        "How far treaty progress 1 widens a principal's corridor band, times (1 - salience) "
        "(judgement: a signed treaty moves an actor of salience 0 half the dimension).",
    )
    progress_rate: float = _param(
        0.021,
        0.0,
        1.0,
        "Treaty progress per unit of AZE-ARM cooperation minus hostility: the two 046 events of "
        "13 March 2025 (0.7 each) close the text's last 2 of 17 articles, 0.25 x 2/17 / 1.4.",
    )
    corridor_progress: float = _param(
        0.25,
        0.0,
        1.0,
        "Treaty progress an agreed corridor adds: one of the track's four items (the text, the "
        "corridor, Armenia's constitution, the Minsk Group).",
    )
    initial_progress: float = _param(
        0.22,
        0.0,
        1.0,
        "Treaty progress on the start date: 15 of the text's 17 articles agreed (the last two "
        "settled 13 March 2025, record), the text one of four items: 0.25 x 15/17.",
    )
    agreement_days: int = _param(
        21,
        1,
        365,
        "Consecutive days both principals must accept an arrangement before it is agreed.",
    )
    rupture_days: int = _param(
        14,
        1,
        365,
        "Days relations between AZE and RUS must stay cut (a freeze or worse standing, or "
        "nationals held, by either side) before the cut counts as a rupture, dated to its first "
        "day. Judgement: two weeks separates a rupture from a spat.",
    )
    routine_scale: float = _param(
        1.0,
        0.0,
        5.0,
        "Multiplier on the dyads' base rates of routine acts (calls, visits, criticism), "
        "estimated from the event record's calm windows (sim.routine); 1 takes the rates as "
        "estimated; 0 switches routine interaction off and leaves the dyads silent unless "
        "something happens.",
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


# Short readable labels and units of the parameters, for tables and figures (the `doc` in each
# field's metadata says what the parameter does). A label defaults to the name with spaces.
LABELS: dict[str, str] = {
    "noise_sd": "trust noise sd",
    "max_rung_step": "rungs climbed per response",
    "memory_half_life_days": "memory half-life",
}
UNITS: dict[str, str] = {
    "trust_rate": "share of an event's impulse, 0-1",
    "solidarity": "weight, 0-1",
    "balance_rate": "per day",
    "noise_sd": "trust units per day",
    "catharsis": "grievance per unit of severity",
    "forgiveness": "share of a grievance, 0-1",
    "deterrence": "exponent of the capability share",
    "escalation_cost": "exponent on dependence",
    "thaw_rate": "hazard per unit of net benefit",
    "audience_cost": "benefit per rung stood on, over 7",
    "max_rung_step": "rungs",
    "influence_rate": "share of the gap per day",
    "influence_trust_weight": "weight",
    "influence_capability_weight": "exponent",
    "influence_tie_weight": "exponent of the tie share",
    "concession_rate": "share of the gap per day",
    "sponsor_trust_floor": "trust, -1 to 1",
    "peace_widening": "share of the dimension at progress 1",
    "progress_rate": "progress per unit of net cooperation",
    "corridor_progress": "treaty progress, 0-1",
    "initial_progress": "treaty progress, 0-1",
    "agreement_days": "days",
    "rupture_days": "days",
    "routine_scale": "multiplier of the base rates",
    "presence": "share of capability, 0-1",
    "distraction": "share of capability, 0-1",
    "engagement": "effort, 0-3",
    "sensitivity": "multiplier of a hostile act's impact",
    "reciprocity": "multiplier of the response's severity",
    "memory_half_life_days": "days",
    "response_threshold": "grievance",
}


def parameter_label(dotted: str) -> str:
    """A readable name of a dotted parameter: `actors.RUS.distraction` -> "RUS distraction"; unknown names as given."""
    parts = dotted.split(".")
    field_name = parts[-1]
    if field_name not in UNITS:
        return dotted
    label = LABELS.get(field_name, field_name.replace("_", " "))
    return f"{parts[1]} {label}" if parts[0] == "actors" and len(parts) == 3 else label


def parameter_unit(dotted: str) -> str:
    """The unit of a dotted parameter (empty when unknown)."""
    return UNITS.get(dotted.split(".")[-1], "")
