"""Interdependence from sourced data (issue 12, items 1 and 7a): validation, dependence, wiring.

The file's figures are the data's (configs/interdependence.toml, from
../shared/data/interdependence_to_2024.csv); the asymmetries asserted here are facts of those
figures, each bound derived from a single channel's sourced share and weight.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from caucasus.cli import main
from sim.actors import INDEX, POWER_COLUMN, POWERS, STATE_ROW, STATES, Actor
from sim.config import load_scenario
from sim.errors import ConfigError
from sim.inputs import initially_on_table, rule_inputs
from sim.interdependence import CHANNEL_INDEX, CHANNELS, build_interdependence, dependence_matrix, load_interdependence
from sim.model import CaucasusModel
from sim.rules import influence
from sim.rules.day import initial_state
from tests.conftest import ROOT, SCENARIOS

FILE = ROOT / "configs" / "interdependence.toml"
ACTORS = ROOT / "configs" / "actors.toml"
RUS, AZE, ARM = (INDEX[a] for a in (Actor.RUS, Actor.AZE, Actor.ARM))
SHORT = f"""[scenario]
name = "short"
start_date = 2024-12-20
horizon_days = 5
actors_file = "{ACTORS}"
"""


def naming(ties: str) -> str:
    """The short scenario, naming `ties` as its interdependence file."""
    return SHORT.replace("[scenario]\n", f'[scenario]\ninterdependence = "{ties}"\n')


@pytest.fixture(scope="module")
def shipped():
    ties, raw = load_interdependence(FILE)
    return ties, raw


def _raw() -> dict:
    return tomllib.loads(FILE.read_text(encoding="utf-8"))


def _error(raw: dict) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build_interdependence(raw, "ties.toml")
    return info.value


# ---------------------------------------------------------------- validation: file, key, what is allowed


def _set(raw: dict, dotted: str, value) -> dict:
    *path, last = dotted.split(".")
    table = raw
    for part in path:
        table = table[part]
    if value is None:
        del table[last]
    else:
        table[last] = value
    return raw


FIGURE = {"value": 0.1, "unit": "share", "year": 2023, "source": "a page", "confidence": "medium"}

# (id, dotted key to set, value (None: delete), key the error must name, text it must carry)
CASES = [
    ("unknown-partner", "shares.trade.ARM.XYZ", FIGURE, "shares.trade.ARM.XYZ", "allowed: RUS, AZE"),
    ("unknown-actor", "shares.trade.XYZ", {"RUS": FIGURE}, "shares.trade.XYZ", "allowed: RUS, AZE"),
    ("self-dyad", "shares.trade.ARM.ARM", FIGURE, "shares.trade.ARM.ARM", "unknown dyad"),
    ("unknown-channel", "shares.tourism", {"ARM": {"RUS": FIGURE}}, "shares.tourism", "allowed: trade"),
    ("unknown-channel-table", "channels.tourism", {"description": "x"}, "channels.tourism", "allowed: trade"),
    ("missing-source", "shares.trade.ARM.RUS.source", None, "shares.trade.ARM.RUS.source", "missing"),
    ("empty-source", "shares.trade.ARM.RUS.source", " ", "shares.trade.ARM.RUS.source", "name the figure's source"),
    ("missing-year", "shares.arms.ARM.RUS.year", None, "shares.arms.ARM.RUS.year", "missing"),
    ("year-after-cutoff", "shares.trade.AZE.EU.year", 2026, "shares.trade.AZE.EU.year", "after 2025"),
    ("share-above-one", "shares.trade.ARM.RUS.value", 1.5, "shares.trade.ARM.RUS.value", "allowed: [0.0, 1.0]"),
    ("share-negative", "shares.gas.AZE.EU.value", -0.1, "shares.gas.AZE.EU.value", "allowed: [0.0, 1.0]"),
    ("weight-above-one", "weights.trade.AZE.value", 1.2, "weights.trade.AZE.value", "allowed: [0.0, 1.0]"),
    ("no-figure-not-zero", "shares.trade.ARM.TUR.value", 0.2, "shares.trade.ARM.TUR.value", "allowed: 0"),
    ("bad-confidence", "shares.trade.ARM.RUS.confidence", "sure", "shares.trade.ARM.RUS.confidence", "high"),
    ("unknown-figure-key", "shares.trade.ARM.RUS.valu", 0.3, "shares.trade.ARM.RUS.valu", "allowed: value"),
    ("missing-channel", "channels.arms", None, "channels.arms", "missing table"),
]


@pytest.mark.parametrize(("dotted", "value", "key", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_figure_is_a_config_error_naming_file_and_key(dotted, value, key, allowed):
    error = _error(_set(_raw(), dotted, value))
    assert (error.source, error.key) == ("ties.toml", key), str(error)
    assert allowed in error.problem, str(error)


def test_a_scenario_naming_a_bad_file_names_that_file_and_the_referring_key(tmp_path):
    bad = tmp_path / "ties.toml"
    bad.write_text(FILE.read_text(encoding="utf-8").replace("year = 2023,", "year = 2031,", 1), encoding="utf-8")
    scenario = _write(tmp_path / "s.toml", naming("ties.toml"))
    with pytest.raises(ConfigError) as info:
        load_scenario(scenario)
    assert info.value.source == str(bad) and "after 2025" in info.value.problem
    assert f"named by key 'scenario.interdependence' in {scenario}" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            "[shares.trade.ARM]\nRUS = { value = 0.35,",
            "[shares.trade.ARM]\nRUS = { value = 3.5,",
            "shares.trade.ARM.RUS",
        ),
        ("[shares.arms.ARM]\nRUS", "[shares.arms.ARM]\nARM", "shares.arms.ARM.ARM"),
        ("[shares.diaspora.RUS]", "[shares.diaspora.XYZ]", "shares.diaspora.XYZ"),
    ],
    ids=["value-out-of-range", "self-dyad", "unknown-actor"],
)
def test_the_cli_refuses_a_bad_file_with_exit_2_and_writes_nothing(tmp_path, capsys, old, new, named):
    text = FILE.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "ties.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    scenario = _write(tmp_path / "s.toml", naming(str(bad)))
    out = tmp_path / "out"
    status = main(["run", str(scenario), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("caucasus: error: ") and "Traceback" not in err
    assert str(bad) in err and f"key '{named}" in err, err
    assert not out.exists()


def test_a_missing_file_is_a_config_error_on_the_scenario_key(tmp_path):
    scenario = _write(tmp_path / "s.toml", naming("none.toml"))
    with pytest.raises(ConfigError) as info:
        load_scenario(scenario)
    assert (info.value.source, info.value.key) == (str(scenario), "scenario.interdependence")


# ---------------------------------------------------------------- the shipped file


def test_every_shipped_figure_has_a_source_and_a_year_up_to_2025(shipped):
    ties, _ = shipped
    assert ties.figures
    for key, tie in ties.figures.items():
        assert tie.source.strip() and tie.year <= 2025, key
        assert tie.no_figure == (tie.confidence == "none") or key[0] != "shares", key


def test_the_file_covers_the_channels_the_issue_names(shipped):
    ties, _ = shipped
    for name in ("trade", "remittances", "gas", "transit", "arms", "diaspora"):
        assert ties.shares[CHANNEL_INDEX[name]].any(), name  # at least one sourced share


# ---------------------------------------------------------------- dependence: invariants


def test_dependence_lies_in_the_unit_interval_with_a_zero_diagonal(shipped):
    dependence = shipped[0].dependence()
    assert dependence.shape == (8, 8)
    assert np.all((dependence >= 0) & (dependence <= 1))
    assert np.all(np.diag(dependence) == 0)


def test_dependence_is_the_union_of_the_channels_losses():
    shares = np.zeros((len(CHANNELS), 8, 8))
    weights = np.ones((len(CHANNELS), 8))
    shares[0, 1, 0], shares[1, 1, 0] = 0.5, 0.5
    assert dependence_matrix(shares, weights)[1, 0] == pytest.approx(1 - 0.5 * 0.5)
    assert dependence_matrix(shares, np.zeros_like(weights)).max() == 0  # no weight, no dependence


@pytest.mark.parametrize("channel", CHANNELS)
def test_dependence_rises_with_a_share_and_only_for_its_dyad(shipped, channel):
    ties = shipped[0]
    before = ties.dependence()
    shares = ties.shares.copy()
    c = CHANNEL_INDEX[channel]
    shares[c, AZE, RUS] = min(1.0, shares[c, AZE, RUS] + 0.2)
    after = dependence_matrix(shares, ties.weights)
    changed = ~np.isclose(after, before)
    if ties.weights[c, AZE] > 0:
        assert after[AZE, RUS] > before[AZE, RUS]
        assert changed.sum() == 1
    else:  # a channel that weighs nothing for Azerbaijan moves nothing
        assert not changed.any()


# ---------------------------------------------------------------- dependence: the asymmetries of the data


def test_armenia_depends_on_russia_far_more_than_russia_on_armenia(shipped):
    ties = shipped[0]
    dependence = ties.dependence()
    trade = CHANNEL_INDEX["trade"]
    # Russia's 35% of Armenia's trade alone, at Armenia's openness (capped at 1), is a floor
    assert dependence[ARM, RUS] >= ties.weights[trade, ARM] * 0.35
    # Armenia is ~1% of Russia's trade and <1% of its population: every channel is small for Russia
    assert dependence[RUS, ARM] < 0.05 < 0.35 < dependence[ARM, RUS]


def test_azerbaijan_depends_on_russia_more_than_russia_on_azerbaijan(shipped):
    ties = shipped[0]
    dependence = ties.dependence()
    # Russia's stake in Azerbaijan is transit (at most Russia-Iran trade, 0.5% of Russia's) and
    # the diaspora (0.3% of Russia's population); Azerbaijan's is 8.8% of its trade, 17% of its
    # arms, half its remittances
    assert dependence[AZE, RUS] > 5 * dependence[RUS, AZE] > 0
    assert ties.shares[CHANNEL_INDEX["transit"], RUS, AZE] > 0 and ties.shares[CHANNEL_INDEX["diaspora"], RUS, AZE] > 0


def test_azerbaijan_depends_most_on_the_eu_its_oil_and_gas_buyer(shipped):
    dependence = shipped[0].dependence()
    assert dependence[AZE].argmax() == INDEX[Actor.EU]


# ---------------------------------------------------------------- wiring: scenario, hash, manifest, inputs


def test_the_baseline_carries_the_shipped_files_dependence(shipped):
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    assert scenario.interdependence_source == str(FILE)
    np.testing.assert_array_equal(rule_inputs(scenario).dependence, shipped[0].dependence())


def test_a_scenario_may_name_another_file_relative_to_itself(tmp_path):
    other = tmp_path / "data" / "ties.toml"
    other.parent.mkdir()
    other.write_text(FILE.read_text(encoding="utf-8").replace("value = 0.94,", "value = 0.5,", 1), encoding="utf-8")
    scenario = _write(tmp_path / "s.toml", naming("data/ties.toml"))
    loaded, default = load_scenario(scenario), load_scenario(_write(tmp_path / "d.toml", SHORT))
    assert loaded.interdependence_source == str(other.resolve())
    assert loaded.interdependence.dependence()[ARM, RUS] < default.interdependence.dependence()[ARM, RUS]
    assert loaded.config_hash() != default.config_hash()  # the hash covers the file's contents


def test_a_scenario_extending_another_keeps_the_bases_file(tmp_path):
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    (base_dir / "ties.toml").write_text(FILE.read_text(encoding="utf-8"), encoding="utf-8")
    base = _write(base_dir / "base.toml", naming("ties.toml"))
    child = _write(tmp_path / "child.toml", f'[scenario]\nextends = "{base}"\n')
    assert load_scenario(child).interdependence_source == str((base_dir / "ties.toml").resolve())


def test_a_run_manifest_carries_the_file_and_reruns_to_the_same_hash(tmp_path, capsys):
    scenario = _write(tmp_path / "s.toml", SHORT)
    assert main(["run", str(scenario), "--out", str(tmp_path / "a")]) == 0
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["source_config"]["interdependence"] == json.loads(json.dumps(_raw()))
    assert main(["run", str(tmp_path / "a" / "manifest.json"), "--out", str(tmp_path / "b")]) == 0
    again = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert again["config_hash"] == manifest["config_hash"]
    capsys.readouterr()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- ties and influence


def test_ties_rows_sum_to_one_over_the_six_powers(shipped):
    ties = shipped[0].ties()
    assert ties.shape == (len(STATES), len(POWERS))
    assert np.all(ties >= 0)
    np.testing.assert_allclose(ties.sum(axis=1), 1.0)


def test_ties_follow_the_data(shipped):
    ties = shipped[0].ties()
    arm, aze = STATE_ROW[Actor.ARM], STATE_ROW[Actor.AZE]
    # Russia: 35% of Armenia's trade and 94% of its arms (SIPRI 2016-20), no other power close
    assert POWERS[ties[arm].argmax()] == Actor.RUS and ties[arm, POWER_COLUMN[Actor.RUS]] > 0.5
    # the EU: 44.8% of Azerbaijan's trade, more than Russia's trade and arms shares together (8.8% + 17%)
    assert POWERS[ties[aze].argmax()] == Actor.EU
    # no trade or arms figure between Armenia and Turkey (a closed border): no tie
    assert ties[arm, POWER_COLUMN[Actor.TUR]] == 0


def test_a_tie_of_zero_gives_a_finite_target_share():
    trust = np.zeros((2, 6))
    ties = np.array([[1.0, 0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0, 0]])
    target = influence.target_shares(trust, np.ones(6), 2.0, 1.0, ties=ties, tie_weight=3.0)
    assert np.all(np.isfinite(target)) and np.all(target > 0)
    np.testing.assert_allclose(target.sum(axis=-1), 1.0)
    # with equal trust and reach and tie weight 1, the target is proportional to the floored ties
    even = influence.target_shares(trust, np.ones(6), 2.0, 1.0, ties=ties, tie_weight=1.0)
    floored = np.maximum(ties, influence.TIE_FLOOR)
    np.testing.assert_allclose(even, floored / floored.sum(axis=-1, keepdims=True))


def test_the_tie_weight_moves_the_target_toward_the_ties(shipped):
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    inputs = rule_inputs(scenario)
    ties = shipped[0].ties()
    on = initial_state(inputs, initially_on_table()).shares
    off = initial_state(_with(inputs, influence_tie_weight=0.0), initially_on_table()).shares
    arm, rus = STATE_ROW[Actor.ARM], POWER_COLUMN[Actor.RUS]
    assert ties[arm, rus] > off[arm, rus] and on[arm, rus] > off[arm, rus]


def test_influence_shares_start_at_target_and_stay_there_without_events(tmp_path):
    quiet = SHORT.replace("horizon_days = 5", "horizon_days = 365") + "[parameters]\nroutine_scale = 0.0\n"
    model = CaucasusModel(_write(tmp_path / "quiet.toml", quiet), rng=1).run()
    assert not model.log  # no shock, no grievance: nobody acts
    history = model.shares_history
    target = initial_state(model.inputs, initially_on_table()).shares
    np.testing.assert_allclose(history, np.broadcast_to(target, history.shape), atol=1e-12)


def _with(inputs, **params):
    return replace(inputs, params=replace(inputs.params, **params))
