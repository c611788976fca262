"""The dashboard's info page: its sections, its scenario names, and its claims against the model.

"What to notice" quotes dates and numbers from the baseline run with seed 1, and "Things to try"
quotes what a few scenarios, seeds, sliders and one injected shock do. These tests rerun the
model and check that the page still says what the code does: when a rule or a parameter changes,
they name the claim to rewrite in `viz/info.md`.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
import solara

from sim.actors import INDEX, Actor
from sim.cameo import LADDER
from sim.ensemble import run_ensemble
from sim.model import CaucasusModel, resolve_scenario
from sim.parameters import ModelParams, param_names
from tests.conftest import ROOT, SCENARIOS
from viz.info import InfoPage, info_sections, info_text

NETLOGO_SECTIONS = ("What is it?", "How it works", "What to notice", "Things to try")
RUNG = {response.cameo: response.rung for response in LADDER}
RUS, AZE, TUR, IRN = (INDEX[a] for a in (Actor.RUS, Actor.AZE, Actor.TUR, Actor.IRN))


def long_date(day: dt.date, year: bool = True) -> str:
    """A date as the page writes it: '28 June 2025' (or '28 June')."""
    text = f"{day.day} {day:%B}"
    return f"{text} {day.year}" if year else text


def minus(value: float) -> str:
    """A signed number as the page writes it, with a true minus sign: '−0.55'."""
    return f"{'−' if value < 0 else ''}{abs(value):.2f}"


def percent(share: float) -> str:
    return f"{round(100 * share)}%"


@pytest.fixture(scope="module")
def sections() -> dict[str, str]:
    return info_sections()


@pytest.fixture(scope="module")
def baseline() -> CaucasusModel:
    """The run the page describes: the baseline with seed 1 (the dashboard's start)."""
    return CaucasusModel("baseline", rng=1).run()


def responses(model: CaucasusModel, actor: Actor | None = None, target: Actor | None = None, since: int = 0):
    return [
        r
        for r in model.log
        if r.kind == "response"
        and r.day >= since
        and (actor is None or r.actor == actor)
        and (target is None or r.target == target)
    ]


def shock_day(model: CaucasusModel, shock_id: str) -> int:
    (shock,) = [s for s in model.config.shocks if s.shock_id == shock_id]
    return model.config.day_of(shock.date)


# ------------------------------------------------------------------ structure


def test_netlogo_sections_exist_and_are_not_empty(sections):
    for heading in (*NETLOGO_SECTIONS, "Controls", "Keep in mind"):
        assert heading in sections, f"viz/info.md has no '## {heading}' section"
        assert len(sections[heading].split()) >= 30, f"'## {heading}' is (nearly) empty"
    order = list(sections)
    assert [order.index(h) for h in NETLOGO_SECTIONS] == sorted(order.index(h) for h in NETLOGO_SECTIONS)


def test_info_sections_splits_on_level_two_headings_only():
    text = "intro\n## One\nbody one\n### deeper\nstill one\n## Two\n\nbody two\n"
    assert info_sections(text) == {"One": "body one\n### deeper\nstill one", "Two": "body two"}


def test_every_scenario_named_exists_and_every_scenario_is_named(sections):
    scenarios = {path.stem for path in SCENARIOS.glob("*.toml")}
    sweeps = {path.stem for path in (ROOT / "configs" / "sweeps").glob("*.toml")}
    # every `identifier` in the text is a scenario, a sweep study or a model parameter
    for token in re.findall(r"`([a-z_]+)`", info_text()):
        assert token in scenarios | sweeps | set(param_names(ModelParams)), f"`{token}` is no scenario or sweep"
    # each "Things to try" entry headed by a name is about a scenario that exists
    for name in re.findall(r"^- \*\*`([^`]+)`\.\*\*", sections["Things to try"], re.MULTILINE):
        assert name in scenarios, f"Things to try: no scenario {name!r} in configs/scenarios"
    # the Controls list names all seven, so the picker and the page agree
    picker = next(line for line in sections["Controls"].split("\n- ") if "**Scenario**" in line)
    assert set(re.findall(r"`([a-z_]+)`", picker)) == scenarios
    for path in re.findall(r"`[^`]*?(configs/\S+\.toml)", info_text()):
        assert (ROOT / path).exists(), path


# ------------------------------------------------------------------ "What to notice": baseline, seed 1


def test_winter_answers_and_the_raid(sections, baseline):
    notice = sections["What to notice"]
    plane, raid = shock_day(baseline, "plane"), shock_day(baseline, "raid")
    first_winter = responses(baseline, Actor.AZE, Actor.RUS, since=plane)[0]
    assert first_winter.cameo == "111" and long_date(first_winter.date, year=False) in notice
    trust = baseline.trust_history[:, AZE, RUS]
    assert minus(trust[raid - 1]) == "0.30" and "0.30" in notice, "eve-of-raid trust AZE->RUS"
    assert minus(trust[raid]) == "−0.42" and "−0.42" in notice, "trust AZE->RUS on the day of the raid"


def test_azerbaijan_climbs_one_rung_a_day_after_the_raid(sections, baseline):
    notice = sections["What to notice"]
    raid = shock_day(baseline, "raid")
    hostile = [r for r in responses(baseline, Actor.AZE, Actor.RUS, since=raid) if r.cameo in RUNG]
    first = hostile[0]
    assert first.day == raid + 1 and first.cameo == "114", "Azerbaijan's first answer: a summons, the next day"
    assert long_date(first.date) in notice, f"the first Azerbaijani answer is on {first.date}"
    climb = [(r.date, r.cameo) for r in hostile[:5]]
    assert [c for _, c in climb] == ["114", "161", "173", "173", "173"], climb
    for day, _ in climb[1:]:
        assert long_date(day, year=False) in notice


def test_russia_stays_at_the_summons(sections, baseline):
    notice = sections["What to notice"]
    russia = responses(baseline, Actor.RUS, since=shock_day(baseline, "raid"))
    assert long_date(russia[0].date) in notice and russia[0].cameo == "111"
    assert max(RUNG[r.cameo] for r in russia if r.cameo in RUNG) == 2, "Russia goes above the summons"
    assert [r.date for r in russia if r.cameo == "114"][:2] == [dt.date(2025, 7, 3), dt.date(2025, 7, 4)]


def test_rupture_and_lowest_trust(sections, baseline):
    notice = sections["What to notice"]
    outcomes = baseline.outcomes()
    assert outcomes.rupture and long_date(dt.date.fromisoformat(outcomes.rupture_date)) in notice
    trust = baseline.trust_history[:, AZE, RUS]
    assert minus(trust.min()) in notice
    assert long_date(baseline.config.date_of(int(trust.argmin())), year=False) in notice


def test_turkey_and_iran_take_sides(sections, baseline):
    notice = sections["What to notice"]
    raid = shock_day(baseline, "raid")
    turkey = baseline.trust_history[:, TUR, RUS]
    assert f"{turkey[raid]:.2f}" in notice and f"{turkey.min():.2f}" == "0.14"
    assert long_date(baseline.config.date_of(int(turkey.argmin())), year=False) in notice
    tur, irn = responses(baseline, Actor.TUR, Actor.RUS), responses(baseline, Actor.IRN, Actor.AZE)
    assert [r.cameo for r in tur[:2]] == ["111", "114"] and [r.cameo for r in irn[:2]] == ["111", "114"]
    for record in (*tur[:2], *irn[:2]):
        assert long_date(record.date, year=False) in notice


def test_corridor_influence_and_the_ebb(sections, baseline):
    notice = sections["What to notice"]
    outcomes = baseline.outcomes()
    assert outcomes.corridor_arrangement == "none" and "nothing is agreed" in notice
    assert long_date(baseline.config.date_of(shock_day(baseline, "us_proposal"))) in notice
    shares = baseline.shares_history  # [day, state (AZE, ARM), power (RUS, TUR, ...)]
    for share in (shares[0, 0, 0], shares[shock_day(baseline, "raid") - 1, 0, 0], shares[-1, 0, 0]):
        assert percent(share) in notice, f"Russia's share over Azerbaijan {share:.3f}"
    assert percent(shares[0, 0, 1]) in notice and percent(shares[-1, 0, 1]) in notice  # Turkey's
    assert percent(shares[0, 1, 0]) in notice and percent(shares[-1, 1, 0]) in notice  # over Armenia
    assert round(100 * shares[:, 0, 0].min()) == 9
    last = responses(baseline)[-1]
    assert long_date(last.date) in notice and (last.actor, last.target, last.cameo) == (Actor.AZE, Actor.IRN, "040")
    gestures = {r.cameo for r in responses(baseline) if RUNG.get(r.cameo) is None}
    assert gestures == {"040"}, "a gesture other than a call (apology, release, agreement)"
    assert abs(baseline.trust_history[-1, AZE, RUS]) < 0.05, "AZE->RUS trust is no longer 'about zero' at the end"


# ------------------------------------------------------------------ "Things to try"


def _outcomes(scenario: str, seeds, batch=None):
    result = run_ensemble(resolve_scenario(scenario), list(seeds), batch)
    return [result.run_outcomes(i) for i in range(len(seeds))]


def test_scenarios_do_what_the_page_says(sections):
    text = sections["Things to try"]
    (no_raid,) = _outcomes("no_raid", [1])
    assert not no_raid.rupture and percent(no_raid.russia_influence_AZE) == "24%"
    (apology,) = _outcomes("putin_apologises", [1])
    assert not apology.rupture and apology.response_counts["173"] == 0 and apology.response_counts["0841"] == 1
    assert minus(apology.trust_AZE_RUS_min) == "−0.40" and "−0.40" in text
    (retaliates,) = _outcomes("russia_retaliates", [1])
    assert long_date(dt.date.fromisoformat(retaliates.rupture_date)) in text and retaliates.trust_TUR_RUS_min < 0
    assert retaliates.max_escalation_rung == 6
    (disengages,) = _outcomes("us_disengages", [1])
    assert disengages.rupture_date == "2025-07-04" and disengages.corridor_arrangement == "none"
    (iran,) = _outcomes("iran_escalates", [1])
    assert iran.corridor_arrangement == "none"
    refuses = _outcomes("armenia_refuses_operator", range(1, 6))
    assert all(run.corridor_arrangement != "neutral_operator" for run in refuses)


def test_seeds_and_sliders_do_what_the_page_says(sections):
    text = sections["Things to try"]
    runs = {  # label: (seed, AZE restraint, trust rate, AZE memory half-life)
        "seed 24": (24, 0.55, 0.2, 120),
        "AZE restraint 0.9": (1, 0.9, 0.2, 120),
        "trust rate 0.15": (1, 0.55, 0.15, 120),
        "trust rate 0.3": (1, 0.55, 0.3, 120),
        "memory 30": (1, 0.55, 0.2, 30),
        "memory 365": (1, 0.55, 0.2, 365),
    }
    seeds, restraint, rate, memory = (np.array(column) for column in zip(*runs.values(), strict=True))
    batch = {
        "actors.AZE.restraint": restraint,
        "parameters.trust_rate": rate,
        "actors.AZE.memory_half_life_days": memory,
    }
    out = dict(zip(runs, _outcomes("baseline", seeds.tolist(), batch), strict=True))
    assert "seed 24" in text and not out["seed 24"].rupture and out["seed 24"].max_escalation_rung == 3
    assert not out["AZE restraint 0.9"].rupture and out["AZE restraint 0.9"].max_escalation_rung == 2
    assert minus(out["trust rate 0.15"].trust_AZE_RUS_min) in text and not out["trust rate 0.15"].rupture
    assert out["trust rate 0.3"].rupture_date == "2025-06-29" and minus(out["trust rate 0.3"].trust_AZE_RUS_min) in text
    assert not out["memory 30"].rupture and percent(out["memory 30"].russia_influence_AZE) == "20%"
    assert out["memory 365"].rupture_date == "2025-06-29" and out["memory 365"].trust_AZE_RUS_final < 0


def first_difference(a: np.ndarray, b: np.ndarray) -> int:
    """The first day index on which two daily histories differ (-1: never)."""
    differs = np.abs(a - b).reshape(len(a), -1).max(axis=1) > 0
    return int(np.argmax(differs)) if differs.any() else -1


def test_what_if_lines_part_where_the_page_says(sections, baseline):
    text = sections["Things to try"]
    no_raid = CaucasusModel("no_raid", rng=1).run()
    assert first_difference(no_raid.trust_history, baseline.trust_history) == shock_day(baseline, "raid")
    restrained = CaucasusModel("baseline", rng=1, AZE_restraint=0.9).run()
    parted = baseline.config.date_of(first_difference(restrained.trust_history, baseline.trust_history))
    assert parted == dt.date(2025, 6, 29) and long_date(parted, year=False) in text
    assert minus(restrained.outcomes().trust_AZE_RUS_min) == "−0.55" and "−0.55" in text
    undistracted = CaucasusModel("baseline", rng=1, RUS_distraction=0.0).run()
    assert first_difference(undistracted.shares_history, baseline.shares_history) == 0
    assert baseline.config.date_of(first_difference(undistracted.trust_history, baseline.trust_history)).month == 7
    share = undistracted.shares_history[:, 0, 0]
    assert f"{percent(share[0])} of the influence" in text and f"ends with {percent(share[-1])}" in text


def test_an_apology_injected_the_day_after_the_raid_prevents_the_rupture(sections):
    model = CaucasusModel("baseline", rng=1)
    raid = shock_day(model, "raid")
    while model.day <= raid:
        model.step()
    assert model.date == dt.date(2025, 6, 27)
    record = model.inject("RUS", "AZE", "055")
    assert record.date == dt.date(2025, 6, 28) and long_date(record.date, year=False) in sections["Things to try"]
    outcomes = model.run().outcomes()
    assert not outcomes.rupture and outcomes.response_counts["173"] == 0 and outcomes.max_escalation_rung == 3


# ------------------------------------------------------------------ rendering


def test_info_page_renders_the_markdown():
    box, rc = solara.render(InfoPage(), handle_error=False)
    try:
        pages = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "md-text" in w.attributes["class"]]
        assert len(pages) == 1 and "<h2>What is it?</h2>" in pages[0] and "Keep in mind" in pages[0]
    finally:
        rc.close()
