"""Each alternative scenario does what it says, compared with the baseline on the same seeds.

Ten replicates a scenario (master seed 7). Russia's highest rung in the baseline is bounded by the
record: by 11 July 2025 Russia's answers had gone as far as a detention (173, rung 4: the head of a
diaspora organisation in Yekaterinburg, 1 July), never to expulsions, sanctions or force; when it
retaliates it must climb higher than in the baseline, and an undistracted Russia at least as high.
Measured when first written (old model, means over the ten): Russia's highest rung 1.9 in the
baseline and 5.9 when it retaliates; Azerbaijan's lowest
trust in Iran -0.25 in the baseline and -0.61 when Iran escalates; China's share of influence
over Azerbaijan 0.17 in the baseline and 0.38 when it backs the Middle Corridor. The corridor
(docs/ODD.md §7.12): the neutral operator is agreed in no run once the US disengages (it is never
tabled), and in the baseline not within `agreement_days` of being tabled (Armenia insisted on
its sovereignty and jurisdiction the day of the proposal, 11 July 2025: the operator lies outside
its band); support for it on day 240 is lower when Iran, far from it on the dimension, gains
weight.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from experiments.replicates import replicate_seeds, run_replicates
from sim.actors import INDEX, POWER_COLUMN, STATE_ROW, Actor
from sim.cameo import ladder_rung
from sim.corridor import ARRANGEMENT_INDEX, Arrangement
from sim.events_log import EventKind

pytestmark = pytest.mark.slow  # 6 scenarios x 10 whole-year replicates

SEEDS = replicate_seeds(7, 10)
NEUTRAL = ARRANGEMENT_INDEX[Arrangement.NEUTRAL_OPERATOR]
PROPOSAL = dt.date(2025, 7, 11)  # the US proposal of a neutral operator (baseline shock `us_proposal`)


def measure(model) -> dict[str, float]:
    russian = [ladder_rung(r.cameo) for r in model.log if r.kind == EventKind.RESPONSE and r.actor == Actor.RUS]
    return {
        "russia_max_rung": max(russian, default=0),
        "neutral_operator_agreed": model.outcomes().corridor_arrangement == Arrangement.NEUTRAL_OPERATOR,
        "neutral_operator_agreed_at_once": model.state.agreed == NEUTRAL
        and model.state.agreed_day == model.config.day_of(PROPOSAL) + model.config.params.agreement_days - 1,
        "aze_trust_in_iran_min": model.trust_history[:, INDEX[Actor.AZE], INDEX[Actor.IRN]].min(),
        "neutral_support_day_240": model.support_history[240, NEUTRAL],
        "china_share_over_aze": model.state.shares[STATE_ROW[Actor.AZE], POWER_COLUMN[Actor.CHN]],
    }


@pytest.fixture(scope="module")
def runs():
    """Mean of each measurement per scenario."""
    names = [
        "baseline",
        "russia_retaliates",
        "russia_undistracted",
        "us_disengages",
        "iran_escalates",
        "china_backs_middle_corridor",
    ]
    means = {}
    for name in names:
        rows = [measure(m) for m in run_replicates(name, SEEDS)]
        means[name] = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
    return means


def test_the_baseline_does_not_agree_the_operator_at_once_and_russia_stays_low(runs):
    assert runs["baseline"]["neutral_operator_agreed_at_once"] == 0.0
    assert runs["baseline"]["russia_max_rung"] <= ladder_rung("173")


def test_when_russia_retaliates_it_climbs_the_ladder(runs):
    assert runs["russia_retaliates"]["russia_max_rung"] > runs["baseline"]["russia_max_rung"]


def test_an_undistracted_russia_climbs_at_least_as_high(runs):
    assert runs["russia_undistracted"]["russia_max_rung"] >= runs["baseline"]["russia_max_rung"]


def test_when_the_us_disengages_no_neutral_operator_is_agreed(runs):
    assert runs["us_disengages"]["neutral_operator_agreed"] == 0.0


def test_when_iran_escalates_baku_distrusts_it_and_the_neutral_operator_loses_support(runs):
    assert runs["iran_escalates"]["aze_trust_in_iran_min"] <= runs["baseline"]["aze_trust_in_iran_min"] - 0.2
    assert runs["iran_escalates"]["neutral_support_day_240"] < runs["baseline"]["neutral_support_day_240"]


def test_when_china_backs_the_middle_corridor_its_influence_over_baku_grows(runs):
    assert runs["china_backs_middle_corridor"]["china_share_over_aze"] >= 1.5 * runs["baseline"]["china_share_over_aze"]
