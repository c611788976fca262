"""Runs under a posterior: `caucasus run`, `compare` and `sweep` with `--posterior DIR [--draws N]`.

The posteriors here are synthetic (`write_posterior`, as a calibration writes them) over a
60-day version of the baseline, so every command runs in about a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caucasus.cli import main
from experiments.analysis import analyze
from experiments.calibration.posterior import load_posterior, posterior_manifest, write_posterior
from experiments.posterior_runs import QUANTILES, draw_from, prepare_draws, run_under_posterior
from experiments.replicates import replicate_seeds
from experiments.store import read_sweep_results
from sim.config import load_scenario
from sim.model import CaucasusModel
from tests.conftest import SCENARIOS

CALIBRATED = ("parameters.escalation_cost", "actors.AZE.sensitivity")
LATER_SHOCKS = ["raid", "deaths", "autopsy", "us_proposal", "treaty_text_arm", "treaty_text_aze"]


def make_scenario(folder: Path, name: str = "short", drop: tuple[str, ...] = (), extra: str = "") -> Path:
    """The baseline's first 60 days (without the shocks after them, and without `drop`)."""
    path = folder / f"{name}.toml"
    dropped = json.dumps([*LATER_SHOCKS, *drop])
    text = f'[scenario]\nname = "{name}"\nextends = "{SCENARIOS / "baseline.toml"}"\nhorizon_days = 60\n'
    path.write_text(text + f"drop_shocks = {dropped}\n" + extra, encoding="utf-8")
    return path


def make_posterior(folder: Path, scenario_path: Path, particles: pd.DataFrame, weights: np.ndarray) -> Path:
    """A finished calibration's directory: its manifest and posterior.parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(scenario_path)
    manifest = posterior_manifest(scenario, scenario_path, dt.date(2025, 2, 1), list(particles.columns))
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_posterior(folder, particles, weights)
    return folder


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> dict[str, Path]:
    """A short scenario, a counterfactual of it, and a posterior of 30 particles over two parameters."""
    folder = tmp_path_factory.mktemp("posterior")
    scenario = make_scenario(folder)
    counterfactual = make_scenario(folder, "short_no_plane", ("plane",))
    rng = np.random.default_rng(5)
    particles = pd.DataFrame({CALIBRATED[0]: rng.uniform(0.3, 2.0, 30), CALIBRATED[1]: rng.uniform(0.5, 1.5, 30)})
    posterior = make_posterior(folder / "calibration", scenario, particles, rng.uniform(0.1, 1.0, 30))
    return {"folder": folder, "scenario": scenario, "counterfactual": counterfactual, "posterior": posterior}


def cli(*argv: object) -> int:
    return main([str(arg) for arg in argv])


# ---------------------------------------------------------------- drawing and running


def test_draws_follow_the_weights_and_the_master_seed(setting, tmp_path):
    particles = pd.DataFrame({CALIBRATED[0]: [0.5, 1.0, 1.5], CALIBRATED[1]: [0.6, 0.9, 1.2]})
    posterior = load_posterior(make_posterior(tmp_path / "p", setting["scenario"], particles, np.array([0, 1, 3])))
    draws = draw_from(posterior, 400, master_seed=11)
    assert set(draws.values[CALIBRATED[0]]) <= {1.0, 1.5}  # a particle of weight 0 is never drawn
    share = np.mean(draws.values[CALIBRATED[0]] == 1.5)
    assert 0.75 - 0.07 < share < 0.75 + 0.07  # weight 3 of 4; 3 binomial standard errors at n = 400
    again = draw_from(posterior, 400, master_seed=11)
    pd.testing.assert_frame_equal(draws.values, again.values)
    assert not draws.values.equals(draw_from(posterior, 400, master_seed=12).values)


def test_each_run_is_its_seed_and_its_draw_and_reruns_alone(setting):
    scenario = load_scenario(setting["scenario"])
    draws = prepare_draws(setting["posterior"], [(scenario, "short")], 6, 3)
    runs = run_under_posterior(scenario, draws)
    assert runs.runs["seed"].tolist() == replicate_seeds(3, 6)
    for row in (0, 5):
        values = {name: float(runs.runs.at[row, name]) for name in CALIBRATED}
        alone = CaucasusModel(scenario, rng=int(runs.runs.at[row, "seed"]), **values).run().outcomes()
        for name in ("rupture", "max_escalation_rung", "trust_AZE_RUS_min", "peace_progress"):
            assert runs.runs.at[row, name] == pytest.approx(alone[name]), name


def test_fan_is_the_runs_daily_quantiles(setting):
    scenario = load_scenario(setting["scenario"])
    draws = prepare_draws(setting["posterior"], [(scenario, "short")], 8, 4)
    fan = run_under_posterior(scenario, draws, series=True).fan
    assert fan.trust.shape == (len(QUANTILES), 60, 8, 8) and fan.runs == 8
    assert np.all(np.diff(fan.trust, axis=0) >= 0) and np.all(np.diff(fan.shares, axis=0) >= 0)
    histories = []
    for row in range(8):
        values = {name: float(draws.values.at[row, name]) for name in CALIBRATED}
        histories.append(CaucasusModel(scenario, rng=replicate_seeds(4, 8)[row], **values).run().trust_history)
    expected = np.quantile(np.stack(histories, axis=1), 0.5, axis=1)
    np.testing.assert_allclose(fan.trust[2], expected, atol=1e-6)  # kept as float32


# ---------------------------------------------------------------- caucasus run --posterior


def test_run_under_posterior_writes_the_runs_summary_and_manifest(setting, tmp_path, capsys):
    out = tmp_path / "runs"
    assert (
        cli("run", setting["scenario"], "--posterior", setting["posterior"], "--draws", 12, "--seed", 9, "--out", out)
        == 0
    )
    printed = capsys.readouterr().out
    assert "12 runs, each with its own posterior draw" in printed and "95% Wilson" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["path"] == str(setting["posterior"].resolve())
    assert (
        manifest["posterior"]["sha256"]
        == hashlib.sha256((setting["posterior"] / "posterior.parquet").read_bytes()).hexdigest()
    )
    assert manifest["seeds"] == replicate_seeds(9, 12) and manifest["series_quantiles"] is True
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 12 and set(CALIBRATED) <= set(runs.columns)
    shares = pd.read_parquet(out / "shares.parquet").set_index("outcome")
    assert shares.at["rupture", "runs"] == runs["rupture"].sum()
    assert shares.at["rupture", "ci_low"] <= shares.at["rupture", "share"] <= shares.at["rupture", "ci_high"]
    intervals = pd.read_parquet(out / "intervals.parquet").set_index("outcome")
    row = intervals.loc["trust_AZE_RUS_min"]
    assert row["q05"] <= row["q25"] <= row["median"] <= row["q75"] <= row["q95"]
    assert row["median"] == pytest.approx(runs["trust_AZE_RUS_min"].median())
    series = pd.read_parquet(out / "series_quantiles.parquet")
    assert set(series["series"]) == {"trust", "influence"} and len(series["date"].unique()) == 60
    assert cli("verify", out) == 0


def test_without_posterior_run_is_unchanged(setting, tmp_path):
    assert cli("run", setting["scenario"], "--seed", 2, "--out", tmp_path / "one", "--quiet") == 0
    assert (tmp_path / "one" / "events.parquet").exists() and not (tmp_path / "one" / "runs.parquet").exists()


# ---------------------------------------------------------------- compare and sweep


def test_compare_under_posterior_shares_draws_and_seeds(setting, tmp_path, capsys):
    out = tmp_path / "compare"
    argv = ["compare", setting["scenario"], setting["counterfactual"], "--posterior", setting["posterior"]]
    assert cli(*argv, "--draws", 10, "--seed", 5, "--out", out) == 0
    assert "common parameters" in capsys.readouterr().out
    paired = pd.read_parquet(out / "paired_outcomes.parquet")
    scenario, counterfactual = load_scenario(setting["scenario"]), load_scenario(setting["counterfactual"])
    draws = prepare_draws(setting["posterior"], [(scenario, "f")], 10, 5)
    np.testing.assert_array_equal(paired[CALIBRATED[0]], draws.values[CALIBRATED[0]])
    for side, chosen in (("factual", scenario), ("counterfactual", counterfactual)):
        alone = run_under_posterior(chosen, draws, series=False).runs
        np.testing.assert_allclose(paired[f"{side}_trust_AZE_RUS_min"], alone["trust_AZE_RUS_min"])
    assert json.loads((out / "manifest.json").read_text())["posterior"]["draws"] == 10
    assert cli("verify", out) == 0


SWEEP = """[sweep]
scenario = "{scenario}"
replicates = 2
master_seed = 21
outcomes = ["rupture", "trust_AZE_RUS_min"]

[design]
kind = "latin_hypercube"
samples = 3

[parameters]
"parameters.escalation_cost" = {{ min = 0.5, max = 1.5 }}
"actors.RUS.distraction" = {{ min = 0.0, max = 0.9 }}
"""


def test_sweep_under_posterior_draws_per_replicate_and_keeps_the_design(setting, tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(SWEEP.format(scenario=setting["scenario"]), encoding="utf-8")
    out = tmp_path / "sweep"
    assert cli("sweep", config, "--out", out, "--posterior", setting["posterior"], "--draws", 4) == 0
    assert "varied by the design, so not drawn: parameters.escalation_cost" in capsys.readouterr().out
    sweep = read_sweep_results(out)
    posterior = sweep.manifest["sweep"]["posterior"]
    assert posterior["overridden_by_design"] == ["parameters.escalation_cost"]
    assert sweep.drawn == ["actors.AZE.sensitivity"] and len(sweep.runs) == 3 * 4
    draws = prepare_draws(setting["posterior"], [(load_scenario(setting["scenario"]), "s")], 4, 21)
    expected = draws.values[CALIBRATED[1]].to_numpy()[sweep.runs["replicate"]]
    np.testing.assert_array_equal(sweep.runs["actors.AZE.sensitivity"], expected)
    design = sweep.design.set_index("point_id")["parameters.escalation_cost"]
    np.testing.assert_array_equal(sweep.runs["parameters.escalation_cost"], design[sweep.runs["point_id"]].to_numpy())
    analysis = analyze(out, tmp_path / "analysis", figures=False)
    assert "replicate r of every point takes draw r of actors.AZE.sensitivity" in analysis.text
    assert "actors.AZE.sensitivity" not in analysis.text.split("Outcomes over all runs")[1].split("Sensitivity")[0]
    # a resumed sweep refuses another posterior, other draws, or none
    other = make_posterior(
        tmp_path / "other", setting["scenario"], pd.DataFrame({CALIBRATED[1]: [0.7, 0.8]}), np.array([1.0, 1.0])
    )
    for extra in (["--posterior", other, "--draws", 4], ["--posterior", setting["posterior"], "--draws", 5], []):
        assert cli("sweep", config, "--out", out, *extra) == 2
    assert "--posterior" in capsys.readouterr().err
    assert cli("sweep", config, "--out", out, "--posterior", setting["posterior"], "--draws", 4) == 0  # a resume


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--posterior", "{empty}"], "--posterior"),
        (["--posterior", "{scenario}"], "--posterior"),
        (["--posterior", "{posterior}", "--draws", "0"], "--draws"),
        (["--posterior", "{posterior}", "--draws", "100001"], "--draws"),
        (["--draws", "5"], "--draws"),
        (["--posterior", "{posterior}", "--allow-edited-manifest"], "--allow-edited-manifest"),
        (["--posterior", "{posterior}", "--set", "parameters.escalation_cost=1.0"], "parameters.escalation_cost"),
    ],
)
def test_run_refuses_bad_posterior_input_and_writes_nothing(setting, tmp_path, capsys, argv, named):
    (tmp_path / "empty").mkdir()
    places = {"empty": tmp_path / "empty", "scenario": setting["scenario"], "posterior": setting["posterior"]}
    out = tmp_path / "out"
    argv = [arg.format(**places) for arg in argv]
    assert cli("run", setting["scenario"], *argv, "--out", out) == 2
    error = capsys.readouterr().err
    assert named in error and "Traceback" not in error
    assert not out.exists()


def test_another_start_date_is_refused_everywhere(setting, tmp_path, capsys):
    early = ("plane", "kadyrov_call", "half_apology")
    later = make_scenario(tmp_path, "later", early, extra="start_date = 2025-01-10\n")
    out = tmp_path / "out"
    assert cli("run", later, "--posterior", setting["posterior"], "--draws", 3, "--out", out) == 2
    assert "--posterior" in capsys.readouterr().err
    assert cli("compare", later, later, "--posterior", setting["posterior"], "--out", out) == 2
    assert "starts on 2025-01-10" in capsys.readouterr().err and not out.exists()
    config = tmp_path / "sweep.toml"
    config.write_text(SWEEP.format(scenario=later), encoding="utf-8")
    assert cli("sweep", config, "--out", out, "--posterior", setting["posterior"]) == 2
    assert "--posterior" in capsys.readouterr().err and not out.exists()


def test_compare_refuses_replicates_with_posterior(setting, tmp_path, capsys):
    argv = ["compare", setting["scenario"], setting["counterfactual"], "--posterior", setting["posterior"]]
    assert cli(*argv, "--replicates", 5, "--out", tmp_path / "out") == 2
    assert "--replicates" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_dashboard_refuses_a_bad_posterior_before_serving(setting, tmp_path, capsys):
    assert cli("dashboard", "--posterior", tmp_path) == 2
    assert "--posterior" in capsys.readouterr().err
    assert cli("dashboard", "--posterior", setting["posterior"], "--draws", 0) == 2
    assert "--draws" in capsys.readouterr().err


# ---------------------------------------------------------------- the dashboard's fan


def test_time_charts_draw_bands_under_the_live_line(setting):
    from sim.actors import INDEX, Actor
    from viz.charts import dyads_option, shares_option

    short = load_scenario(setting["scenario"])
    model = CaucasusModel(short, rng=1)
    for _ in range(20):
        model.step()
    draws = prepare_draws(setting["posterior"], [(short, "short")], 6, 1)
    fan = run_under_posterior(short, draws, series=True).fan
    option = dyads_option(model, [(Actor.AZE, Actor.RUS)], window=-1, fan=fan)
    lines = [series for series in option["series"] if series.get("z") == 3]
    bands = [series for series in option["series"] if "posterior" in series["name"]]
    assert [line["name"] for line in lines] == ["AZE → RUS"] and option["series"][-1] is lines[0]
    assert option["legend"]["data"] == ["AZE → RUS"]
    assert len(bands) == 5 and all(band["stackStrategy"] == "all" for band in bands if "stack" in band)
    low, width = bands[0]["data"], bands[1]["data"]
    assert len(low) == 60  # the whole year's window: the fan runs ahead of the live line (20 days)
    upper = fan.trust[4, :, INDEX[Actor.AZE], INDEX[Actor.RUS]]
    assert np.allclose(np.array(low) + np.array(width), upper, atol=2e-4)  # the chart rounds to 4 places
    shares = shares_option(model, Actor.AZE, fan=fan)
    assert sum("RUS posterior" in series["name"] for series in shares["series"]) == 5
    assert len(dyads_option(model, [(Actor.AZE, Actor.RUS)])["series"]) == 1  # without a fan: the line alone


@pytest.mark.slow
def test_dashboard_fan_runs_the_live_settings_under_the_posterior(setting):
    from viz.live import RunSettings
    from viz.posterior_fan import FanSource, fan_for

    source = FanSource(setting["posterior"], 4)
    fan = fan_for(RunSettings("baseline", 1, (("RUS_distraction", 0.1),)), source)
    assert fan.runs == 4 and fan.trust.shape[1] == 365
    assert fan is fan_for(RunSettings("baseline", 1, (("RUS_distraction", 0.1),)), source)  # made once per settings
