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
from sim.corridor import POSITION, Arrangement
from sim.ensemble import run_ensemble
from sim.model import CaucasusModel, resolve_scenario
from sim.parameters import ModelParams, param_names
from sim.rules import corridor
from sim.rules.day import STATE_ROWS
from tests.conftest import ROOT, SCENARIOS
from viz.info import InfoPage, info_sections, info_text
from viz.map_chart import MAP_COLOURINGS
from viz.map_data import region_features
from viz.map_view import COLOURING_LABEL

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
    # the Controls list names every scenario, so the picker and the page agree
    picker = next(line for line in sections["Controls"].split("\n- ") if "**Scenario**" in line)
    assert set(re.findall(r"`([a-z_]+)`", picker)) == scenarios
    for path in re.findall(r"`[^`]*?(configs/\S+\.toml)", info_text()):
        assert (ROOT / path).exists(), path


# ------------------------------------------------------------------ "What to notice": baseline, seed 1


def flat(text: str) -> str:
    """The page's text with its line breaks and runs of spaces as single spaces (claims span lines)."""
    return " ".join(text.split())


def rungs(log, actor: Actor, target: Actor, since: dt.date = dt.date.min, until: dt.date = dt.date.max):
    """(date, cameo) of an actor's ladder answers to a target, in order, between two dates."""
    return [(r.date, r.cameo) for r in responses_in(log, actor, target) if r.cameo in RUNG and since <= r.date <= until]


def responses_in(log, actor: Actor | None = None, target: Actor | None = None, kind: str = "response"):
    """An event log's records of one kind, optionally from one actor to one target."""
    return [
        r
        for r in log
        if r.kind == kind and (actor is None or r.actor == actor) and (target is None or r.target == target)
    ]


def highest(answers) -> int:
    """The highest ladder rung among (date, cameo) answers (0: none)."""
    return max((RUNG[cameo] for _, cameo in answers), default=0)


def test_the_winter_freeze_is_a_rupture_and_an_agreement_ends_it(sections, baseline):
    notice = flat(sections["What to notice"])
    plane, raid = shock_day(baseline, "plane"), shock_day(baseline, "raid")
    trust = baseline.trust_history[:, AZE, RUS]
    assert (minus(trust[plane - 1]), minus(trust[plane])) == ("0.36", "0.10") and "0.36 to 0.10" in notice
    winter = rungs(baseline.log, Actor.AZE, Actor.RUS, until=dt.date(2025, 1, 31))
    assert [c for _, c in winter[:3]] == ["111", "114", "161"], winter
    for day, _ in winter[:3]:
        assert long_date(day, year=False) in notice
    half_apology = baseline.config.date_of(shock_day(baseline, "half_apology"))
    assert half_apology == winter[2][0] and "28 December, the day Putin's half-apology arrives" in notice
    outcomes = baseline.outcomes()
    assert outcomes.rupture_date == "2024-12-28" and "rupture dated 28 December 2024" in notice
    gestures = [(r.date, r.actor, r.cameo) for r in responses_in(baseline.log) if r.cameo not in RUNG]
    before_raid = [g for g in gestures if g[0] < baseline.config.date_of(raid)]
    assert before_raid == [
        (dt.date(2025, 1, 3), Actor.AZE, "040"),
        (dt.date(2025, 2, 18), Actor.RUS, "040"),
        (dt.date(2025, 3, 23), Actor.AZE, "057"),
    ], before_raid
    assert "3 January" in notice and "18 February" in notice and "**23 March 2025**" in notice


def test_the_raid_and_azerbaijans_climb(sections, baseline):
    notice = flat(sections["What to notice"])
    raid = shock_day(baseline, "raid")
    trust = baseline.trust_history[:, AZE, RUS]
    assert (minus(trust[raid - 1]), minus(trust[raid])) == ("0.26", "−0.44") and "0.26 to −0.44" in notice
    assert baseline.outcomes().ruptures == 2, "the raid's cut is the year's second rupture"
    climb = rungs(baseline.log, Actor.AZE, Actor.RUS, since=baseline.config.date_of(raid))[:6]
    assert [c for _, c in climb] == ["111", "114", "161", "173", "166", "166"], climb
    assert climb[0][0] == dt.date(2025, 6, 28) and "28 June 2025" in notice
    assert [d for d, _ in climb[1:]] == [dt.date(2025, 6, d) for d in (29, 30)] + [
        dt.date(2025, 7, d) for d in (1, 2, 3)
    ]
    for phrase in ("(29 June)", "(30 June)", "(1 July)", "(2 and 3 July)"):
        assert phrase in notice
    assert baseline.outcomes().aze_detains_rus_date == "2025-07-01"


def test_russia_goes_as_far_as_detentions(sections, baseline):
    notice = flat(sections["What to notice"])
    raid = baseline.config.date_of(shock_day(baseline, "raid"))
    russia = rungs(baseline.log, Actor.RUS, Actor.AZE, since=raid)
    assert [c for _, c in russia[:5]] == ["111", "114", "161", "173", "173"], russia
    assert russia[0][0] == dt.date(2025, 7, 2) and "2 July 2025" in notice
    assert [d for d, _ in russia[1:5]] == [dt.date(2025, 7, d) for d in (3, 4, 5, 9)]
    for phrase in ("(3 July)", "(4 July)", "(5 and 9 July)"):
        assert phrase in notice
    assert highest(russia) == RUNG["173"] and "detains Azerbaijanis" in notice
    assert not rungs(baseline.log, Actor.RUS, Actor.AZE, until=raid), "Russia answered the plane"


def test_lowest_trust_and_taking_sides(sections, baseline):
    notice = flat(sections["What to notice"])
    trust = baseline.trust_history[:, AZE, RUS]
    assert (
        f"bottoms out at {minus(trust.min())} on {long_date(baseline.config.date_of(int(trust.argmin())), False)}"
        in notice
    )
    raid = shock_day(baseline, "raid")
    turkey = baseline.trust_history[:, TUR, RUS]
    assert f"from {minus(turkey[raid - 1])} to {minus(turkey[raid])}" in notice and turkey.min() < 0
    assert (
        f"lowest {minus(turkey.min())} on {long_date(baseline.config.date_of(int(turkey.argmin())), False)}" in notice
    )
    tur = rungs(baseline.log, Actor.TUR, Actor.RUS)
    irn = rungs(baseline.log, Actor.IRN, Actor.AZE)
    aze_irn = rungs(baseline.log, Actor.AZE, Actor.IRN)
    assert [c for _, c in tur] == ["111", "114"] and [c for _, c in irn] == ["111", "114", "114"]
    assert [d for d, _ in tur] == [dt.date(2025, 7, 4), dt.date(2025, 7, 15)]
    assert [d for d, _ in irn] == [dt.date(2025, 7, d) for d in (9, 17, 21)]
    assert [d for d, _ in aze_irn] == [dt.date(2025, 7, 18), dt.date(2025, 7, 27)]
    for phrase in ("on 4 July", "on 15 July", "on 9 July", "on 17 and 21 July", "on 18 and 27 July"):
        assert phrase in notice


def test_azerbaijan_takes_the_way_back(sections, baseline):
    notice = flat(sections["What to notice"])
    raid = baseline.config.date_of(shock_day(baseline, "raid"))
    after = [r for r in responses_in(baseline.log) if r.date > raid and r.cameo not in RUNG]
    assert {r.actor for r in after} == {Actor.AZE} and {r.target for r in after} == {Actor.RUS}, "Russia reached out"
    release = [r.date for r in after if r.cameo == "0841"]
    calls = [r.date for r in after if r.cameo == "040"]
    assert release == [dt.date(2025, 8, 1)] and "1 August" in notice
    assert (
        len(calls) == 11 and {d.month for d in calls} == {8, 9, 10} and "11 times between August and October" in notice
    )
    outcomes = baseline.outcomes()
    assert outcomes.restored and outcomes.restored_date == "2025-12-10" and "**10 December 2025**" in notice
    assert abs(outcomes.trust_AZE_RUS_final) < 0.05, "AZE->RUS trust is no longer 'about zero' at the end"
    routine = responses_in(baseline.log, kind="routine")
    assert f"holds {len(routine)} routine acts" in notice
    pair = {Actor.AZE, Actor.RUS}
    named = [(r.date, r.actor) for r in routine if {r.actor, r.target} == pair and r.cameo == "040"]
    assert named == [
        (dt.date(2025, 1, 17), Actor.AZE),
        (dt.date(2025, 7, 20), Actor.RUS),
        (dt.date(2025, 11, 11), Actor.RUS),
    ], named
    russia_after = responses_in(baseline.log, Actor.RUS, Actor.AZE, kind="routine")
    assert all(r.cameo == "040" for r in russia_after if r.date > raid)
    for day, _ in named:
        assert long_date(day, year=False) in notice


def armenia_reaches_the_operator(seed: int) -> dt.date | None:
    """The first date Armenia's band (its reservation value widened by the peace track) reaches the operator's point."""
    model = CaucasusModel("baseline", rng=seed)
    armenia = STATE_ROWS.index(INDEX[Actor.ARM])
    operator = POSITION[Arrangement.NEUTRAL_OPERATOR]
    while model.running:
        model.step()
        state, inputs = model.simulation.state, model.simulation.inputs
        position = inputs.position[..., STATE_ROWS]
        band = corridor.radius(
            state.reservation, position, inputs.salience[..., STATE_ROWS], state.progress, inputs.params.peace_widening
        )
        if abs(operator - np.ravel(position)[armenia]) <= np.ravel(band)[armenia]:
            return model.date
    return None


def test_corridor_and_influence(sections, baseline):
    notice = flat(sections["What to notice"])
    assert baseline.outcomes().corridor_arrangement == "none" and "**nothing is agreed**" in notice
    seeds = list(range(1, 31))
    result = run_ensemble(resolve_scenario("baseline"), seeds)
    assert {result.run_outcomes(i).corridor_arrangement for i in range(len(seeds))} == {"none"}
    assert "seeds 1 to 30" in notice
    assert armenia_reaches_the_operator(1).month == 9 and "Armenia's limit reaches it only in September" in notice
    usa = baseline.trust_history[:, AZE, INDEX[Actor.USA]]
    floor = baseline.config.params.sponsor_trust_floor
    assert minus(usa[0]) == "−0.55" and "about −0.55" in notice and usa.max() <= floor, "AZE's trust in the US"
    assert long_date(baseline.config.date_of(shock_day(baseline, "us_proposal"))) in notice
    params, how = baseline.config.params, flat(sections["How it works"])
    assert params.sponsor_trust_floor == -0.5 and "(`sponsor_trust_floor`, −0.5)" in how
    assert params.agreement_days == 21 and "after 21 days in a row" in how
    assert params.rupture_days == 14 and "lasts two weeks (`rupture_days`)" in how
    lower = {"parameters.sponsor_trust_floor": np.full(len(seeds), -0.6)}
    runs, _ = _runs("baseline", seeds, lower)
    agreed = sorted(
        dt.date.fromisoformat(run.corridor_date) for run in runs if run.corridor_arrangement == "neutral_operator"
    )
    assert len(agreed) == len(seeds), "with the floor at -0.6 the operator is no longer agreed in every run"
    assert (agreed[0].month, agreed[-1].month) == (9, 10) and agreed[0].day > 20 and agreed[-1].day > 20
    assert (
        "with the line at −0.6 the operator is agreed in every run, between late September and late October 2025"
        in flat(sections["Keep in mind"])
    )
    shares = baseline.shares_history  # [day, state (AZE, ARM), power (RUS, TUR, ...)]
    raid = shock_day(baseline, "raid")
    russia = shares[:, 0, 0]
    assert f"{percent(russia[0])} at the start and {percent(russia[raid - 1])} on the" in notice
    low = long_date(baseline.config.date_of(int(russia.argmin())), year=False)
    assert f"falls to {percent(russia.min())} on {low} and ends the year at {percent(russia[-1])}" in notice
    assert f"from {percent(shares[0, 0, 1])} to {percent(shares[-1, 0, 1])}" in notice  # Turkey's
    assert f"{percent(shares[0, 1, 0])} at the start, {percent(shares[-1, 1, 0])} at the end" in notice  # Armenia


# ------------------------------------------------------------------ "Things to try"


def _runs(scenario: str, seeds, batch=None):
    """The scenario's ensemble run on the seeds: its outcomes per run and the result (for logs)."""
    result = run_ensemble(resolve_scenario(scenario), list(seeds), batch)
    return [result.run_outcomes(i) for i in range(len(seeds))], result


def test_scenarios_about_the_crisis_do_what_the_page_says(sections):
    text = flat(sections["Things to try"])
    (base,), _ = _runs("baseline", [1])
    (no_raid,), _ = _runs("no_raid", [1])
    assert no_raid.ruptures == 1 and no_raid.restored_date == "2025-03-23" and no_raid.aze_detains_rus_date is None
    assert f"{percent(no_raid.russia_influence_AZE)} of the influence" in text and "instead of 15%" in text
    (apology,), result = _runs("putin_apologises", [1])
    winter = rungs(result.event_log(0), Actor.AZE, Actor.RUS, until=dt.date(2025, 1, 31))
    assert [(d.day, c) for d, c in winter] == [(26, "111"), (27, "111")], winter
    assert apology.rupture_date == "2025-06-27" and apology.ruptures == 1, "no winter rupture"
    summer = rungs(result.event_log(0), Actor.AZE, Actor.RUS, since=dt.date(2025, 6, 1))
    assert [d for d, c in summer if c == "161"][:1] == [dt.date(2025, 6, 30)] and "freezes channels (30 June)" in text
    assert apology.aze_detains_rus_date == "2025-07-01" and "detains Russians (1 July)" in text
    assert highest(rungs(result.event_log(0), Actor.RUS, Actor.AZE)) == RUNG["161"]
    assert minus(apology.trust_AZE_RUS_min) == "−0.45" and "−0.45" in text
    assert apology.restored_date == "2025-09-22" and "restored on 22 September" in text
    (retaliates,), result = _runs("russia_retaliates", [1])
    russia = rungs(result.event_log(0), Actor.RUS, Actor.AZE)
    assert [(d, c) for d, c in russia[:2]] == [(dt.date(2024, 12, 31), "111"), (dt.date(2025, 1, 2), "114")]
    assert "a denunciation on 31 December, a summons on 2 January" in text
    assert highest(russia) == 7 and highest(rungs(result.event_log(0), Actor.AZE, Actor.RUS)) == 7
    assert retaliates.trust_TUR_RUS_min < 0 and not retaliates.restored
    (undistracted,), result = _runs("russia_undistracted", [1])
    log = result.event_log(0)
    assert highest(rungs(log, Actor.AZE, Actor.RUS, until=dt.date(2025, 1, 31))) == RUNG["114"]
    assert undistracted.rupture_date == "2025-06-27" and undistracted.ruptures == 1 and "27 June 2025" in text
    expels = [d for d, c in rungs(log, Actor.RUS, Actor.AZE) if c == "166"]
    assert expels[:1] == [dt.date(2025, 7, 12)] and "(12 July)" in text
    assert f"and ends with {percent(undistracted.russia_influence_AZE)}." in text
    (china,), _ = _runs("china_backs_middle_corridor", [1])
    assert (china.rupture_date, china.restored_date) == (base.rupture_date, base.restored_date)
    assert china.russia_influence_AZE < base.russia_influence_AZE
    assert f"{percent(china.russia_influence_AZE)} instead of {percent(base.russia_influence_AZE)}" in text


def test_scenarios_about_the_corridor_and_rest_do_what_the_page_says(sections, baseline):
    text = flat(sections["Things to try"])
    (base,), _ = _runs("baseline", [1])
    (disengages,), _ = _runs("us_disengages", [1])
    assert disengages.response_counts == base.response_counts and disengages.restored_date == "2025-12-10"
    assert disengages.corridor_arrangement == "none"
    refuses, _ = _runs("armenia_refuses_operator", range(1, 11))
    assert all(run.corridor_arrangement == "none" for run in refuses)
    (iran,), result = _runs("iran_escalates", [1])
    assert iran.corridor_arrangement == "none"
    log = result.event_log(0)
    threat = [
        r.date for r in log if r.kind == "scripted" and r.actor == Actor.IRN and r.target in (Actor.AZE, Actor.ARM)
    ]
    assert threat == [dt.date(2025, 7, 15)] * 2 and "on 15 July" in text
    iran_first = {c: d for d, c in reversed(rungs(log, Actor.IRN, Actor.AZE))}
    assert [iran_first[c] for c in ("161", "173", "166")] == [dt.date(2025, 7, d) for d in (19, 21, 24)]
    azerbaijan = rungs(log, Actor.AZE, Actor.IRN)
    assert [d for d, c in azerbaijan if c == "163"][:1] == [dt.date(2025, 7, 27)]
    for phrase in ("(19 July)", "(21 July)", "(24 July)", "(27 July)"):
        assert phrase in text
    last = max(d for d, _ in (*azerbaijan, *rungs(log, Actor.IRN, Actor.AZE)))
    assert f"until {long_date(last, year=False)}" in text
    (calm,), result = _runs("calm", [1])
    log = result.event_log(0)
    assert not responses_in(log) and calm.max_escalation_rung == 0 and not calm.rupture
    assert f"only routine acts happen ({len(responses_in(log, kind='routine'))} in seed 1)" in text
    start = baseline.trust_history[0, AZE, RUS]  # the scenarios share the start and its trust
    assert abs(calm.trust_AZE_RUS_final - start) < 0.05 and calm.trust_AZE_RUS_min > start - 0.05, "trust drifted"


def test_thirty_seeds_of_the_baseline(sections):
    text = flat(sections["Things to try"])
    runs, result = _runs("baseline", range(1, 31))
    assert all(run.ruptures == 2 and run.rupture_date == "2024-12-28" for run in runs)
    assert all(run.aze_detains_rus_date is not None for run in runs)
    restored = sorted(dt.date.fromisoformat(run.restored_date) for run in runs if run.restored)
    assert f"restored in {len(restored)} of the 30 runs" in text
    assert restored[0].month == 8 and restored[0].day > 20, "not 'late August'"
    assert restored[-1].month == 12 and restored[-1].day <= 20, "not 'mid-December'"


SLIDERS = {  # label: the override of the baseline's value
    "default": {},
    "cost 10": {"parameters.escalation_cost": 10.0},
    "cost 0": {"parameters.escalation_cost": 0.0},
    "thaw 0": {"parameters.thaw_rate": 0.0},
    "thaw 2": {"parameters.thaw_rate": 2.0},
    "AZE sensitivity 0.5": {"actors.AZE.sensitivity": 0.5},
    "AZE sensitivity 1.5": {"actors.AZE.sensitivity": 1.5},
    "RUS sensitivity 0.2": {"actors.RUS.sensitivity": 0.2},
    "RUS sensitivity 1.0": {"actors.RUS.sensitivity": 1.0},
    "memory 30": {"actors.AZE.memory_half_life_days": 30.0},
    "memory 365": {"actors.AZE.memory_half_life_days": 365.0},
    "distraction 0.9": {"actors.RUS.distraction": 0.9},
    "US engagement 0": {"actors.USA.engagement": 0.0},
    "US engagement 3": {"actors.USA.engagement": 3.0},
    "trust rate 0.1": {"parameters.trust_rate": 0.1},
    "trust rate 0.3": {"parameters.trust_rate": 0.3},
}


@pytest.fixture(scope="module")
def sliders():
    """Seed 1 of the baseline once per slider setting of the page: (outcomes, event log) by label."""
    scenario = resolve_scenario("baseline")
    keys = sorted({key for override in SLIDERS.values() for key in override})
    defaults = {key: _value(scenario, key) for key in keys}
    batch = {key: np.array([override.get(key, defaults[key]) for override in SLIDERS.values()]) for key in keys}
    result = run_ensemble(scenario, [1] * len(SLIDERS), batch)
    return {label: (result.run_outcomes(i), result.event_log(i)) for i, label in enumerate(SLIDERS)}


def _value(scenario, key: str) -> float:
    """A scenario's value of a dotted batch key (`parameters.x`, `actors.AZE.x`)."""
    part = key.split(".")
    if part[0] == "parameters":
        return float(getattr(scenario.params, part[1]))
    (profile,) = [p for p in scenario.profiles if p.actor == Actor(part[1])]
    return float(getattr(profile.disposition, part[2]))


def test_cost_of_escalation_and_the_way_back(sections, sliders):
    text = flat(sections["Things to try"])
    out, log = sliders["cost 10"]
    assert {c for _, c in rungs(log, Actor.AZE, Actor.RUS, until=dt.date(2025, 1, 31))} == {"111"}
    assert highest(rungs(log, Actor.AZE, Actor.RUS)) == RUNG["114"]
    assert (out.rupture_date, out.restored_date) == ("2025-06-27", "2025-09-16") and "restored on 16 September" in text
    assert highest(rungs(sliders["cost 0"][1], Actor.AZE, Actor.RUS)) == RUNG["163"]
    out, log = sliders["thaw 0"]
    assert not [r for r in responses_in(log) if r.cameo not in RUNG], "someone reached out with thaw_rate 0"
    assert out.rupture_date == "2024-12-28" and out.ruptures == 1 and not out.restored
    out, log = sliders["thaw 2"]
    calls = [r for r in responses_in(log, Actor.AZE, Actor.RUS) if r.cameo == "040"]
    assert len(calls) > 11 and out.restored_date == "2025-11-04" and "restored on 4 November" in text


def test_sensitivity_memory_and_distraction(sections, sliders):
    text = flat(sections["Things to try"])
    out, log = sliders["AZE sensitivity 0.5"]
    assert minus(out.trust_AZE_RUS_min) == "−0.12" and "about −0.12" in text
    assert highest(rungs(log, Actor.AZE, Actor.RUS, until=dt.date(2025, 1, 31))) < RUNG["161"]
    assert out.restored_date == "2025-08-24" and "restored on 24 August" in text
    out, log = sliders["AZE sensitivity 1.5"]
    assert out.max_escalation_rung == 7 and responses_in(log)[-1].date >= dt.date(2025, 12, 1)
    out, log = sliders["RUS sensitivity 0.2"]
    assert rungs(log, Actor.RUS, Actor.AZE) == [(dt.date(2025, 7, 9), "111")] and "a denunciation on 9 July" in text
    out, log = sliders["RUS sensitivity 1.0"]
    assert rungs(log, Actor.RUS, Actor.AZE)[0][0] < dt.date(2025, 1, 1) and out.max_escalation_rung == 7
    assert not out.restored
    out, _ = sliders["memory 30"]
    assert out.restored_date == "2025-08-12" and "restored on 12 August" in text
    assert f"keeps {percent(out.russia_influence_AZE)} of the influence" in text
    out, _ = sliders["memory 365"]
    assert out.ruptures == 1 and not out.restored and out.trust_AZE_RUS_final < 0
    assert f"falls to {percent(out.russia_influence_AZE)}" in text
    out, log = sliders["distraction 0.9"]
    assert highest(rungs(log, Actor.RUS, Actor.AZE)) == RUNG["114"]
    assert f"{percent(out.russia_influence_AZE)} of the influence over Azerbaijan" in text


def test_us_engagement_and_the_trust_rate(sections, sliders):
    text = flat(sections["Things to try"])
    default, log = sliders["default"]
    for label in ("US engagement 0", "US engagement 3"):
        out, other = sliders[label]
        assert out.corridor_arrangement == "none" and out.response_counts == default.response_counts
        assert [(r.date, r.cameo) for r in responses_in(other)] == [(r.date, r.cameo) for r in responses_in(log)]
    for label, shown in (("trust rate 0.1", "−0.25"), ("trust rate 0.3", "−0.85")):
        out, _ = sliders[label]
        assert minus(out.trust_AZE_RUS_min) == shown and shown in text
        assert (out.rupture_date, out.ruptures, out.restored_date) == (
            default.rupture_date,
            default.ruptures,
            default.restored_date,
        )


def first_difference(a: np.ndarray, b: np.ndarray) -> int:
    """The first day index on which two daily histories differ (-1: never)."""
    differs = np.abs(a - b).reshape(len(a), -1).max(axis=1) > 0
    return int(np.argmax(differs)) if differs.any() else -1


def test_what_if_lines_part_where_the_page_says(sections, baseline):
    text = flat(sections["Things to try"])
    no_raid = CaucasusModel("no_raid", rng=1).run()
    assert first_difference(no_raid.trust_history, baseline.trust_history) == shock_day(baseline, "raid")
    undistracted = CaucasusModel("baseline", rng=1, RUS_distraction=0.0).run()
    assert first_difference(undistracted.shares_history, baseline.shares_history) == 0
    parted = baseline.config.date_of(first_difference(undistracted.trust_history, baseline.trust_history))
    assert parted == dt.date(2024, 12, 28) and "the trust lines from 28 December" in text
    start, end = undistracted.shares_history[0, 0, 0], undistracted.shares_history[-1, 0, 0]
    assert f"starts with {percent(start)} of the influence over Azerbaijan and ends with {percent(end)}" in text


def test_an_apology_injected_the_day_after_the_raid(sections):
    text = flat(sections["Things to try"])
    model = CaucasusModel("baseline", rng=1)
    raid = shock_day(model, "raid")
    while model.day <= raid:
        model.step()
    assert model.date == dt.date(2025, 6, 27)
    record = model.inject("RUS", "AZE", "055")
    assert record.date == dt.date(2025, 6, 28) and long_date(record.date, year=False) in text
    outcomes = model.run().outcomes()
    assert outcomes.aze_detains_rus_date == "2025-07-01" and outcomes.response_counts["166"] == 0
    assert highest(rungs(model.log, Actor.RUS, Actor.AZE)) == RUNG["161"]
    assert outcomes.restored_date == "2025-10-12" and "12 October instead of 10 December" in text


# ------------------------------------------------------------------ the map


def test_the_map_is_described_as_it_is_drawn(sections):
    controls = flat(sections["Controls"])
    assert "**The map**" in controls and f'"{COLOURING_LABEL}"' in controls
    first, *others = MAP_COLOURINGS
    assert f"**{first}**" in controls and all(label.startswith("trust in ") for label in others)
    assert "**trust in** an actor" in controls
    for place in ("Syunik", "Nakhchivan", "Araks", "Russia, Georgia, Turkey, Iran"):
        assert place in controls, place
    assert {f["name"] for f in region_features()} >= {"Syunik", "Nakhchivan", "Russia", "Georgia", "Turkey", "Iran"}
    keep_in_mind = flat(sections["Keep in mind"])
    note = (ROOT / "viz" / "data" / "README.md").read_text(encoding="utf-8")
    for provenance in ("Natural Earth", "public domain", "1:10m", "4.1.0", "viz/data/README.md"):
        assert provenance in keep_in_mind, provenance
        assert provenance == "viz/data/README.md" or provenance in note, provenance
    assert "drawn by hand" in keep_in_mind and "by hand" in note


# ------------------------------------------------------------------ rendering


def test_info_page_renders_the_markdown():
    box, rc = solara.render(InfoPage(), handle_error=False)
    try:
        pages = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "md-text" in w.attributes["class"]]
        assert len(pages) == 1 and "<h2>What is it?</h2>" in pages[0] and "Keep in mind" in pages[0]
    finally:
        rc.close()
