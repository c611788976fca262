"""The corridor as bargaining on a dimension of control, inside the peace track (docs/ODD.md §7.12).

Invariants of the rules (reservation values stay on the dimension; nothing outside both
principals' bands and nothing from a distrusted sponsor is accepted; support only for what is on
the table), the same invariants along whole runs, the scenario where Armenia refuses any
third-party operator, and the config errors of the corridor stances.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.actors import INDEX, Actor
from sim.config import load_scenario
from sim.core import Simulation
from sim.corridor import ARRANGEMENT_INDEX, NONE_INDEX, POSITION, Arrangement
from sim.errors import ConfigError
from sim.rules import corridor
from sim.rules.day import STATE_ROWS, advance, initial_state
from sim.rules.events import DayEvents

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
ACTORS = ROOT / "configs" / "actors.toml"
AZE, ARM, RUS = INDEX[Actor.AZE], INDEX[Actor.ARM], INDEX[Actor.RUS]
GUARDS = ARRANGEMENT_INDEX[Arrangement.RUSSIAN_BORDER_GUARDS]
OPERATOR = ARRANGEMENT_INDEX[Arrangement.NEUTRAL_OPERATOR]
SEEDS = np.arange(1, 13)


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def extends_baseline(tmp_path: Path, body: str) -> Path:
    """A scenario file that extends the baseline with `body` (TOML text)."""
    return write(tmp_path, f'[scenario]\nextends = "{BASELINE}"\n{body}')


def bands_today(simulation: Simulation, progress_before: np.ndarray) -> np.ndarray:
    """The principals' acceptance radius [runs, state] used on the day just run."""
    inputs, state = simulation.inputs, simulation.state
    return corridor.radius(
        state.reservation,
        inputs.position[..., STATE_ROWS],
        inputs.salience[..., STATE_ROWS],
        progress_before,
        inputs.params.peace_widening,
    )


# ---------------------------------------------------------------- the rules on random inputs


def test_pressure_keeps_reservations_on_the_dimension_at_the_extremes_of_the_parameters():
    """With the largest rate, engagement and pull allowed, a reservation never leaves [0, 1]."""
    rng = np.random.default_rng(5)
    reservation = rng.choice([0.0, 1.0, 0.5], size=(2000, 2))
    shares = rng.dirichlet(np.ones(6), size=(2000, 2))
    pull = 3.0 * rng.choice([0.0, 1.0], size=(2000, 6))  # engagement 3 x salience 1, or nothing
    positions = rng.choice([0.0, 1.0], size=(2000, 6))
    salience = np.zeros(2)
    for _ in range(200):
        reservation = corridor.pull_reservations(reservation, shares, pull, positions, salience, 0.1)
        assert np.all((reservation >= 0.0) & (reservation <= 1.0))


def test_nothing_outside_a_band_or_from_a_distrusted_sponsor_is_accepted():
    rng = np.random.default_rng(7)
    runs = 5000
    band = rng.uniform(0, 1, (runs, 2))
    position = rng.uniform(0, 1, (runs, 2))
    trust_in_sponsors = rng.uniform(-1, 1, (runs, 2, 4))
    arrangement_position = np.array([POSITION[a] for a in Arrangement])
    on_table = rng.uniform(0, 1, (runs, 4)) < 0.7
    accepts = corridor.acceptance(band, position, trust_in_sponsors, -0.5, arrangement_position, on_table)
    distance = np.abs(arrangement_position - position[..., None])
    assert not np.any(accepts & (distance > band[..., None]))
    assert not np.any(accepts & (trust_in_sponsors <= -0.5))
    assert not np.any(accepts & ~on_table[:, None, :])
    assert not np.any(accepts[..., NONE_INDEX]), "the status quo is no proposal"
    assert np.any(accepts), "some arrangement is accepted somewhere (the check is not empty)"


def test_support_is_nan_exactly_off_the_table():
    rng = np.random.default_rng(3)
    on_table = rng.uniform(0, 1, (100, 4)) < 0.5
    weight = rng.uniform(0.1, 1, 8)
    support = corridor.support(np.array([POSITION[a] for a in Arrangement]), rng.uniform(0, 1, 8), weight, on_table)
    points = np.ones(4, dtype=bool)
    points[NONE_INDEX] = False
    assert np.array_equal(np.isnan(support), ~(on_table & points))
    assert np.all((support[~np.isnan(support)] >= 0.0) & (support[~np.isnan(support)] <= 1.0))


def test_treaty_progress_stays_in_0_1_and_moves_with_the_pair_s_events():
    cooperation, hostility = np.zeros((3, 8, 8)), np.zeros((3, 8, 8))
    cooperation[0, ARM, AZE] = cooperation[0, AZE, ARM] = 0.7  # the text agreed, both directions
    hostility[1, ARM, AZE] = 5.0  # far more hostility than progress there is
    progress = np.array([0.5, 0.5, 0.5])
    moved = corridor.step_progress(progress, cooperation, hostility, (AZE, ARM), 0.5, np.array([0, 0, 1]), 0.25)
    assert moved[0] > 0.5 and moved[1] == 0.0 and moved[2] == 0.75


# ---------------------------------------------------------------- trust in the sponsors


def test_azerbaijan_does_not_accept_the_guards_of_a_russia_it_has_broken_with(tmp_path):
    """Armenia accepting everything and Russia's guards inside Azerbaijan's band: only trust decides.

    With Azerbaijan's trust in Russia held below the floor (its baseline trust set there: relaxation
    keeps it there), the guards never gain a day of streak and are never agreed; trusted, they are
    agreed after `agreement_days` days.
    """
    scenario = load_scenario(extends_baseline(tmp_path, "[actors.ARM]\ncorridor = { reservation = 1.0 }\n"))
    simulation = Simulation(scenario, 1)
    inputs = simulation.inputs
    days = inputs.params.agreement_days + 5
    outcomes = {}
    for trust_level in (inputs.params.sponsor_trust_floor - 0.2, 0.3):
        baseline = inputs.baseline_trust.copy()
        baseline[AZE, RUS] = trust_level
        held = replace(inputs, baseline_trust=baseline)
        state = initial_state(held, simulation.state.on_table)
        streaks = []
        for day in range(days):
            state = advance(state, DayEvents.empty(8), held, 1, day)
            streaks.append(int(state.streak[GUARDS]))
        outcomes[trust_level > inputs.params.sponsor_trust_floor] = (streaks, int(state.agreed))
    distrusted_streaks, distrusted_agreed = outcomes[False]
    assert max(distrusted_streaks) == 0 and distrusted_agreed == -1
    trusted_streaks, trusted_agreed = outcomes[True]
    assert trusted_agreed == GUARDS and max(trusted_streaks) >= inputs.params.agreement_days


def test_along_whole_runs_no_streak_for_the_guards_while_azerbaijan_distrusts_russia(tmp_path):
    """Armenia accepting everything: in the baseline crisis, whenever AZE's trust in Russia is at or
    below the floor, the guards hold no streak (a long `agreement_days` keeps the talks open)."""
    scenario = load_scenario(
        extends_baseline(
            tmp_path, "[parameters]\nagreement_days = 365\n[actors.ARM]\ncorridor = { reservation = 1.0 }\n"
        )
    )
    simulation = Simulation(scenario, SEEDS)
    floor = scenario.params.sponsor_trust_floor
    distrusting_days = trusting_streak_days = 0
    while not simulation.finished:
        simulation.run_day()
        state = simulation.state
        distrusts = state.trust[:, AZE, RUS] <= floor
        assert not np.any(distrusts & (state.streak[:, GUARDS] > 0))
        distrusting_days += int(distrusts.sum())
        trusting_streak_days += int((~distrusts & (state.streak[:, GUARDS] > 0)).sum())
    assert distrusting_days > 0, "the crisis brings AZE's trust in Russia below the floor in some run"
    assert trusting_streak_days > 0, "otherwise the guards do gain streaks"


# ---------------------------------------------------------------- whole runs: bands, table, refusal


def test_agreements_lie_inside_both_bands_and_reservations_stay_on_the_dimension(tmp_path):
    """Armenia accepting up to 0.7 (the operator is then inside its band), over varied bargaining rates.

    The sponsor-trust floor is at its lowest (-1), so that only the bands decide acceptance here.
    """
    stances = "[parameters]\nsponsor_trust_floor = -1.0\n[actors.ARM]\ncorridor = { reservation = 0.7 }\n"
    scenario = load_scenario(extends_baseline(tmp_path, stances))
    rates = np.linspace(0.0, 0.1, SEEDS.size)
    widening = np.linspace(1.0, 0.0, SEEDS.size)
    simulation = Simulation(
        scenario, SEEDS, batch={"parameters.concession_rate": rates, "parameters.peace_widening": widening}
    )
    positions = np.array([POSITION[a] for a in Arrangement])
    principals = simulation.inputs.position[STATE_ROWS]
    agreements = 0
    while not simulation.finished:
        before = copy.deepcopy(simulation.state)  # a batch's state is written in place
        simulation.run_day()
        state = simulation.state
        assert np.all((state.reservation >= 0.0) & (state.reservation <= 1.0))
        assert np.all((state.progress >= 0.0) & (state.progress <= 1.0))
        new = (before.agreed < 0) & (state.agreed >= 0)
        if new.any():
            band = bands_today(simulation, before.progress)
            distance = np.abs(positions[state.agreed[new], None] - principals)
            assert np.all(distance <= band[new])
            agreements += int(new.sum())
    assert agreements > 0, "the operator is agreed in some run (the check is not empty)"


def test_support_for_the_neutral_operator_is_nan_until_it_is_tabled():
    scenario = load_scenario(BASELINE)
    tabled = scenario.day_of(next(s.date for s in scenario.shocks if s.shock_id == "us_proposal"))
    simulation = Simulation(scenario, 1, histories=True)
    simulation.run()
    support = simulation.recorder.support
    assert np.all(np.isnan(support[:tabled, OPERATOR]))
    assert np.all(np.isfinite(support[tabled:, OPERATOR]))
    assert np.all(np.isnan(support[:, NONE_INDEX]))


def test_the_corridor_chart_draws_no_line_for_an_arrangement_off_the_table():
    from sim.model import CaucasusModel
    from viz.charts import corridor_option

    model = CaucasusModel("baseline", rng=1)
    tabled = model.config.day_of(next(s.date for s in model.config.shocks if s.shock_id == "us_proposal"))
    for _ in range(tabled + 3):
        model.step()
    (operator,) = [s for s in corridor_option(model)["series"] if s["name"] == "neutral operator"]
    assert operator["data"][:tabled] == [None] * tabled
    assert all(value is not None for value in operator["data"][tabled:])


def test_when_armenia_refuses_any_operator_the_neutral_operator_is_never_agreed():
    """By construction (reservation 0, salience 1: no pressure or treaty moves it), at the extremes
    of the bargaining parameters too."""
    scenario = load_scenario(SCENARIOS / "armenia_refuses_operator.toml")
    stance = next(p.corridor for p in scenario.profiles if p.actor == Actor.ARM)
    assert stance.reservation == 0.0 and stance.salience == 1.0
    batch = {
        "parameters.concession_rate": np.where(SEEDS % 2 == 0, 0.1, 0.0077),
        "parameters.peace_widening": np.where(SEEDS % 3 == 0, 1.0, 0.5),
    }
    simulation = Simulation(scenario, SEEDS, batch=batch).run()
    assert not np.any(simulation.state.agreed == OPERATOR)
    assert np.all(simulation.state.reservation[:, 1] == 0.0)


# ---------------------------------------------------------------- config errors


@pytest.mark.parametrize(
    ("body", "key", "allowed"),
    [
        ("[actors.AZE]\ncorridor = { position = 1.5 }\n", "actors.AZE.corridor.position", "[0.0, 1.0]"),
        ("[actors.ARM]\ncorridor = { reservation = -0.1 }\n", "actors.ARM.corridor.reservation", "[0.0, 1.0]"),
        ("[actors.USA]\ncorridor = { salience = 2 }\n", "actors.USA.corridor.salience", "[0.0, 1.0]"),
        ("[actors.RUS]\ncorridor = { reservation = 0.5 }\n", "actors.RUS.corridor.reservation", "AZE, ARM"),
        ("[actors.TUR]\ncorridor = { ideal = 0.5 }\n", "actors.TUR.corridor.ideal", "position"),
        ("[actors.TUR]\ncorridor = 0.5\n", "actors.TUR.corridor", "position and salience"),
        ('[actors.TUR]\ncorridor = { reason = " " }\n', "actors.TUR.corridor.reason", "reason or source"),
    ],
)
def test_a_bad_corridor_stance_in_a_scenario_names_file_key_and_what_is_allowed(tmp_path, body, key, allowed):
    path = extends_baseline(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and allowed in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("reservation = 0.4, ", "", "actors.AZE.corridor.reservation"),  # a principal without its veto
        ('reason = "Azerbaijan', 'note = "Azerbaijan', "actors.AZE.corridor.note"),
        (
            "position = 0.9, salience = 0.8, reservation = 0.4",
            "position = 0.9, salience = 0.8, reservation = 1.2",
            "actors.AZE.corridor.reservation",
        ),
    ],
)
def test_a_bad_corridor_stance_in_the_actors_file_is_refused(tmp_path, old, new, key):
    text = ACTORS.read_text(encoding="utf-8")
    assert old in text
    actors = write(tmp_path, text.replace(old, new, 1), "actors.toml")
    scenario = write(tmp_path, f'[scenario]\nstart_date = 2024-12-20\nhorizon_days = 30\nactors_file = "{actors}"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(scenario)
    assert info.value.key == key
    assert "actors.toml" in str(info.value)


def test_the_actors_file_gives_every_stance_a_reason_and_only_the_principals_a_reservation():
    for profile in load_scenario(BASELINE).profiles:
        assert profile.corridor.reason.strip()
        assert (profile.corridor.reservation is not None) == (profile.actor in (Actor.AZE, Actor.ARM))


@pytest.mark.slow
def test_the_cli_refuses_a_position_off_the_dimension_with_status_2_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    config = extends_baseline(tmp_path, "[actors.ARM]\ncorridor = { position = -0.2 }\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "caucasus", "run", str(config), "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "actors.ARM.corridor.position" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
