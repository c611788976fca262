"""What `caucasus analyze` says about a real small sweep: honest replicate noise under common random
numbers, no degenerate panels, readable parameter labels and dates, a signed heat map, no 1e-19."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import analyze
from experiments.figures import distributions_figure, parameters_figure, sensitivity_overview_figure
from experiments.formatting import ZERO_NOTE, ZERO_TOLERANCE, number
from experiments.labels import parameter_text, sweep_start_date
from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore, read_sweep_results
from experiments.summaries import outcome_values, replicate_noise_share, seed_layout
from experiments.sweep_config import load_sweep
from sim.parameters import parameter_label, parameter_unit
from tests.conftest import SCENARIOS

PARAMETERS = {
    "actors.RUS.distraction": (0.0, 0.9),
    "parameters.trust_rate": (0.1, 0.35),
    "actors.AZE.memory_half_life_days": (30.0, 365.0),
}
START = dt.date(2024, 12, 20)  # configs/scenarios/baseline.toml: start_date


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A real Latin hypercube sweep of the baseline up to day 240 (past the raid), common seeds."""
    folder = tmp_path_factory.mktemp("readable")
    scenario = folder / "crisis.toml"
    scenario.write_text(f'[scenario]\nextends = "{SCENARIOS / "baseline.toml"}"\nhorizon_days = 240\n')
    ranges = "\n".join(f'"{name}" = {{ min = {low}, max = {high} }}' for name, (low, high) in PARAMETERS.items())
    config = folder / "sweep.toml"
    config.write_text(
        f'[sweep]\nscenario = "{scenario}"\nreplicates = 4\nmaster_seed = 7\nseeds = "common"\n\n'
        f'[design]\nkind = "latin_hypercube"\nsamples = 32\nseed = 3\n\n[parameters]\n{ranges}\n'
    )
    out = folder / "out"
    execute(plan_sweep(load_sweep(config)), SweepStore(out), progress=False)
    return out


@pytest.fixture(scope="module")
def analysis(sweep_dir):
    return analyze(sweep_dir)


# Replicate noise under common random numbers


def test_the_sweeps_seeds_are_common_random_numbers(sweep_dir):
    runs = read_sweep_results(sweep_dir).runs
    assert seed_layout(runs["point_id"].to_numpy(), runs["seed"].to_numpy()) == "common"


def test_seed_layouts():
    points = np.repeat([0, 1, 2], 2)
    assert seed_layout(points, np.tile([5, 9], 3)) == "common"
    assert seed_layout(points, np.arange(6)) == "independent"
    assert seed_layout(points, None) == "independent"
    assert seed_layout(points, np.array([5, 9, 5, 8, 5, 9])) == "mixed"


@pytest.mark.slow  # a real sweep
def test_under_common_seeds_an_effect_every_point_shares_is_not_noise(sweep_dir):
    sweep = read_sweep_results(sweep_dir)
    values = outcome_values(sweep.runs, sweep.parameters)
    points, seeds = sweep.runs["point_id"].to_numpy(), sweep.runs["seed"].to_numpy()
    unique, seed_index = np.unique(seeds, return_inverse=True)
    shift = 5.0 * np.random.default_rng(0).normal(size=len(unique))[seed_index]  # one draw per seed, at every point
    frame = values.frame[["trust_AZE_RUS_min"]].assign(shifted=values.frame["trust_AZE_RUS_min"] + shift)
    shifted = type(values)(frame, values.shares, values.left_out)
    common = replicate_noise_share(shifted, points, seeds)
    # the shared shift moves every point mean alike: the differences between points, and the noise in them, stay
    assert common["shifted"] == pytest.approx(common["trust_AZE_RUS_min"], abs=1e-9)
    # the within-point statistic (right for independent seeds) mistakes the shared shift for noise
    independent = replicate_noise_share(shifted, points)
    assert independent["shifted"] > 0.5 > common["shifted"]


def test_with_independent_seeds_the_noise_is_the_within_point_variance():
    points = np.repeat(np.arange(4), 3)
    y = np.array([1.0, 1.2, 0.8, 2.0, 2.4, 2.2, 3.0, 2.9, 3.1, 4.0, 4.5, 3.5])
    values = outcome_values(pd.DataFrame({"trust_AZE_RUS_min": y}), [])
    share = replicate_noise_share(values, points, np.arange(12))["trust_AZE_RUS_min"]
    grouped = pd.Series(y).groupby(points)
    assert share == pytest.approx((grouped.var() / 3).mean() / grouped.mean().var())


@pytest.mark.slow  # a real sweep
def test_a_strong_correlation_is_never_called_mostly_noise(analysis):
    table = analysis.sensitivity
    strong = table.groupby("outcome")["rho"].apply(lambda rho: rho.abs().max() >= 0.9)
    assert strong.any()  # trust_rate scales every event's effect on trust: the lowest TUR->RUS trust follows it
    for outcome, rows in table.groupby("outcome"):
        noise = rows["noise_share"].iloc[0]
        if strong[outcome]:  # then most of the point means' variance follows the parameter
            assert not noise >= 0.5, outcome
            assert f"{outcome}  (replicate noise: {noise:.0%} of the variance of the point means)" in analysis.text
    assert "seed x point interaction" in analysis.text  # the report says which statistic it gives


@pytest.mark.slow  # a real sweep
def test_under_common_seeds_no_noise_is_claimed_for_an_outcome_some_runs_never_reached(analysis, sweep_dir):
    runs = read_sweep_results(sweep_dir).runs
    noise = analysis.sensitivity.groupby("outcome")["noise_share"].first()
    for outcome in noise.index:
        if outcome in runs and runs[outcome].isna().any():
            assert np.isnan(noise[outcome]), outcome


# Degenerate panels, labels, dates


def test_a_histogram_where_every_run_has_one_value_is_replaced_by_the_value_as_a_date():
    runs = pd.DataFrame({"corridor_day": np.full(50, 223.0), "trust_AZE_RUS_min": np.linspace(-1, 0, 50)})
    figure = distributions_figure(runs, pd.DataFrame(columns=["outcome", "share", "ci_low", "ci_high"]), START)
    titles = [axis.get_title() for axis in figure.axes if axis.get_visible()]
    assert titles == ["Lowest AZE->RUS trust"]  # no panel for the corridor day
    assert "Day the corridor was agreed, all runs: 223 (2025-07-31)" in figure._suptitle.get_text()


def test_day_histograms_have_dates_on_their_axis():
    runs = pd.DataFrame({"rupture_day": [190.0, 195.0, 200.0, np.nan]})
    figure = distributions_figure(runs, pd.DataFrame(columns=["outcome", "share", "ci_low", "ci_high"]), START)
    axis = figure.axes[0]
    assert axis.xaxis.get_major_formatter()(223, 0) == "31 Jul\n223"
    assert "2024-12-20" in axis.get_xlabel()


@pytest.mark.slow  # a real sweep
def test_the_report_gives_one_line_for_an_outcome_every_run_shares(analysis):
    same = analysis.outcomes[analysis.outcomes["min"] == analysis.outcomes["max"]]
    section = analysis.text.split("Outcomes over all runs")[1].split("Sensitivity")[0]
    table_rows = {line.split()[0] for line in section.splitlines()[2:] if line.startswith("  ") and "[" in line}
    for row in same.itertuples():
        assert f"  {row.outcome}: all {row.n:,} runs: " in section
        assert row.outcome not in table_rows


@pytest.mark.slow  # a real sweep
def test_parameters_have_readable_labels_and_units(analysis, sweep_dir):
    for name in PARAMETERS:
        assert parameter_unit(name) and parameter_label(name) != name
        assert parameter_text(name) in analysis.text
    assert parameter_label("actors.RUS.distraction") == "RUS distraction"
    assert parameter_unit("actors.AZE.memory_half_life_days") == "days"
    sweep = read_sweep_results(sweep_dir)
    point_means = pd.read_parquet(sweep_dir / "analysis" / "points.parquet")
    means = point_means.rename(columns=lambda c: c.removesuffix("_mean"))
    figure = parameters_figure("trust_AZE_RUS_min", means, sweep.design, sweep.parameters)
    shown = [(axis.get_title(), axis.get_xlabel()) for axis in figure.axes if axis.get_visible()]
    assert shown == [(parameter_label(name), parameter_unit(name)) for name in sweep.parameters]
    days = parameters_figure("aze_detains_rus_day", means, sweep.design, sweep.parameters, START)
    assert days.axes[0].yaxis.get_major_formatter()(192, 0) == "30 Jun\n192"  # 2024-12-20 + 192 days


def test_the_start_date_comes_from_the_sweeps_manifest(sweep_dir):
    assert sweep_start_date(read_sweep_results(sweep_dir).manifest) == START
    assert sweep_start_date({"sweep": {}}) is None


# The signed heat map


@pytest.mark.slow  # a real sweep
def test_the_overview_heat_map_keeps_the_sign_of_rho(analysis, sweep_dir):
    sweep = read_sweep_results(sweep_dir)
    table = analysis.sensitivity
    assert (table["rho"] < 0).any()  # a parameter that lowers some outcome (trust_rate lowers the lowest trust)
    figure = sensitivity_overview_figure(table, "spearman", sweep.parameters)
    axis = figure.axes[0]
    image = axis.images[0]
    assert image.get_clim() == (-1, 1)
    rho = table.pivot(index="outcome", columns="parameter", values="rho")
    rho = rho.reindex(list(dict.fromkeys(table["outcome"])))[sweep.parameters].to_numpy()
    cells = np.asarray(image.get_array())
    assert np.all(cells[rho < 0] < 0) and np.all(cells[rho > 0] > 0)
    labels = [tick.get_text() for tick in axis.get_xticklabels()]
    assert labels == [parameter_label(name) for name in sweep.parameters]


# Tiny numbers


def test_tiny_magnitudes_print_as_zero_but_p_values_do_not():
    assert number(1.08e-19) == "0"
    assert number(-2.7e-17, "+.3f") == "+0.000" and number(-0.0004, ".3f") == "0.000"
    assert number(ZERO_TOLERANCE * 10) != "0"
    assert number(1e-267, ".2g", tolerance=0) == "1e-267"


@pytest.mark.slow  # a real sweep
def test_the_report_prints_no_floating_point_residue(analysis):
    outcomes_section = analysis.text.split("Outcomes over all runs")[1].split("Sensitivity")[0]
    assert not re.search(r"e-(1[3-9]|[2-9]\d)\b", outcomes_section)
    assert ZERO_NOTE in analysis.text
    tiny_p = analysis.sensitivity[analysis.sensitivity["p_value"] < ZERO_TOLERANCE]
    for row in tiny_p.itertuples():  # printed as they are: a tiny p-value is the point
        assert f"{row.p_value:.2g}" in analysis.text
