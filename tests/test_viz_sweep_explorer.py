"""The sweep explorer page on small real sweeps: its frames and chart options, then the page itself.

The sweeps run the real model (the ensemble engine, through `plan_sweep`/`execute` as
tests/test_sweeps.py does) over the crisis without the Yekaterinburg raid (the no_raid scenario)
cut to 240 days; they are made once per module. Without the raid, whose detentions rupture
relations in every run, whether the downing of the airliner does varies with Azerbaijan's
sensitivity, so the rupture outcome varies and some runs have no rupture day.
The page is rendered with Solara's test helpers (no browser): controls are driven through their
widgets and the page is read back through reacton's finder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from reacton.find import Finder
from solara.components.echarts import EchartsWidget

from experiments.analysis import outcome_values, point_summaries, sensitivity_indices, share_summary
from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore
from experiments.sweep_config import load_sweep
from sim.model import CaucasusModel
from sim.outputs import write_run
from tests.conftest import SCENARIOS
from viz.sweep_charts import histogram_option, scatter_option, sensitivity_option, shares_option
from viz.sweep_data import (
    MAX_SCATTER_POINTS,
    NOT_OPENED,
    SLIDER_STEPS,
    filter_mask,
    histogram_frame,
    numeric_outcomes,
    open_sweep,
    parameter_grids,
    run_count_text,
    scatter_frame,
    share_frame,
    shares_markdown,
    slider_grid,
    subset_values,
    sweep_heading,
    sweep_summary,
    thinned,
    try_open,
)
from viz.sweep_explorer import SweepExplorer
from viz.sweep_sensitivity import compute_sensitivity, sensitivity_markdown, sensitivity_problem, sensitivity_rows

# The 240-day crisis without the raid, with an agreed corridor (Armenia's reservation value raised
# to the operator's point, and no sponsor-trust floor: both accept the operator when tabled, so the
# corridor is agreed the same day in every run).
CRISIS_240 = (
    f'[scenario]\nextends = "{SCENARIOS / "no_raid.toml"}"\nhorizon_days = 240\n'
    "[parameters]\nsponsor_trust_floor = -1.0\n"
    '[actors.ARM]\ncorridor = { reservation = 0.6, reason = "an agreement for the tests to compare" }\n'
)
SENSITIVITY = "actors.AZE.sensitivity"
PARAMETERS = {
    SENSITIVITY: "{ min = 0.4, max = 1.6 }",
    "parameters.trust_rate": "{ min = 0.1, max = 0.35 }",
    "actors.USA.engagement": "{ min = 0.0, max = 3.0 }",
}


def make_sweep(folder: Path, name: str, design: str, *, replicates: int = 2, outcomes: str = "") -> Path:
    """Write a sweep over the 240-day crisis into folder and run it serially; returns its results directory."""
    scenario = folder / "crisis.toml"
    scenario.write_text(CRISIS_240, encoding="utf-8")
    head = f'[sweep]\nscenario = "{scenario}"\nreplicates = {replicates}\nmaster_seed = 7\n{outcomes}\n'
    parameters = "\n".join(f'"{key}" = {value}' for key, value in PARAMETERS.items())
    config = folder / f"{name}.toml"
    config.write_text(f"{head}\n[design]\n{design}\n\n[parameters]\n{parameters}\n", encoding="utf-8")
    execute(plan_sweep(load_sweep(config)), SweepStore(folder / name), progress=False)
    return folder / name


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """Morris (16 points x 2), Sobol (20 points x 1) and a sweep that kept only the (non-numeric) blocs."""
    folder = tmp_path_factory.mktemp("sweeps")
    return {
        "morris": make_sweep(folder, "morris", 'kind = "morris"\nsamples = 4\nlevels = 4'),
        "sobol": make_sweep(folder, "sobol", 'kind = "sobol"\nsamples = 4', replicates=1),
        "blocs": make_sweep(
            folder, "blocs", 'kind = "latin_hypercube"\nsamples = 3', replicates=1, outcomes='outcomes = ["blocs"]'
        ),
    }


@pytest.fixture(scope="module")
def morris(sweeps):
    return open_sweep(sweeps["morris"])


@pytest.fixture(scope="module")
def run_directory(tmp_path_factory) -> Path:
    """What `caucasus run` writes (a run, not a sweep)."""
    folder = tmp_path_factory.mktemp("run")
    scenario = folder / "short.toml"
    plane_crisis = (
        'horizon_days = 60\ndrop_shocks = ["raid", "deaths", "autopsy", "us_proposal", "treaty_text_arm", '
        '"treaty_text_aze"]\n'
    )
    scenario.write_text(f'[scenario]\nextends = "{SCENARIOS / "baseline.toml"}"\n{plane_crisis}', "utf-8")
    model = CaucasusModel(scenario, rng=1).run()
    return write_run(model, model.outcomes(), folder / "a_run")


def parameter_values(opened, name: str) -> np.ndarray:
    return opened.sweep.runs[name].to_numpy(dtype=float)


def assert_json_for_the_browser(option: dict) -> None:
    """A chart option the browser can take: plain JSON, no NaN, no animation, a tooltip."""
    json.dumps(option, allow_nan=False)
    assert option["animation"] is False
    assert "tooltip" in option


# ---------------------------------------------------------------- filters and counts


def test_filter_mask_keeps_exactly_the_runs_inside_every_range(morris):
    runs = morris.sweep.runs
    ranges = {SENSITIVITY: (0.8, 1.2), "parameters.trust_rate": (0.1, 0.2)}
    mask = filter_mask(runs, ranges)
    expected = runs[SENSITIVITY].between(0.8, 1.2) & runs["parameters.trust_rate"].between(0.1, 0.2)
    np.testing.assert_array_equal(mask, expected.to_numpy())
    assert 0 < mask.sum() < len(runs)
    assert filter_mask(runs, {}).all()
    assert not filter_mask(runs, {SENSITIVITY: (0.9, 1.1)}).any()  # Morris' 4-level grid: 0.4, 0.8, 1.2, 1.6
    single = filter_mask(runs, {SENSITIVITY: (0.8, 0.8)})  # both ends included
    np.testing.assert_array_equal(single, (runs[SENSITIVITY] == 0.8).to_numpy())


def test_slider_grids_cover_every_run_on_a_grid_of_their_step(morris):
    grids = parameter_grids(morris.sweep)
    assert [grid.name for grid in grids] == morris.sweep.parameters
    for grid in grids:
        values = parameter_values(morris, grid.name)
        assert grid.minimum <= values.min() and values.max() <= grid.maximum
        steps = (grid.maximum - grid.minimum) / grid.step
        assert SLIDER_STEPS <= steps <= 10 * SLIDER_STEPS + 2 and abs(steps - round(steps)) < 1e-6
    assert filter_mask(morris.sweep.runs, {grid.name: grid.full_range for grid in grids}).all()
    assert slider_grid("fixed", 0.2, 0.2).step == 0
    awkward = slider_grid("x", 0.1234567, 0.9876543)  # ends off the grid are widened outwards
    assert awkward.minimum <= 0.1234567 and awkward.maximum >= 0.9876543 and awkward.step == 0.001


def test_the_summary_and_the_header_name_the_sweeps_own_scenario(morris):
    """Not the live run's "baseline, seed 1": the scenario the manifest records (the crisis file here)."""
    recorded = morris.sweep.manifest["sweep"]["scenario"]
    assert recorded["name"] == "crisis" and recorded["horizon_days"] == 240
    summary = sweep_summary(morris)
    assert "Scenario **crisis** (" in summary and "240 days from 2024-12-20, master seed 7" in summary
    assert sweep_heading(morris) == "Sweep explorer · morris · scenario crisis · 32 runs"
    assert sweep_heading(None) == "Sweep explorer · no sweep opened"


def test_opening_a_sweep_hands_the_header_its_line(sweeps):
    lines: list[str] = []
    solara.render(SweepExplorer(initial_directory=str(sweeps["morris"]), on_heading=lines.append), handle_error=False)
    assert lines[-1] == "Sweep explorer · morris · scenario crisis · 32 runs"


def test_run_count_text():
    assert run_count_text(32, 32) == "32 of 32 runs"
    assert run_count_text(1234, 225280) == "1,234 of 225,280 runs"


# ---------------------------------------------------------------- distribution


def test_histogram_counts_every_shown_value_once_in_bins_fixed_by_all_runs(morris):
    frame = morris.values.frame
    mask = filter_mask(morris.sweep.runs, {SENSITIVITY: (0.4, 0.8)})
    full = histogram_frame(frame["trust_AZE_RUS_min"])
    shown = histogram_frame(frame.loc[mask, "trust_AZE_RUS_min"], frame["trust_AZE_RUS_min"])
    assert full["runs"].sum() == len(frame) and shown["runs"].sum() == mask.sum()
    assert shown["label"].tolist() == full["label"].tolist()
    assert (shown["runs"] <= full["runs"]).all()

    rungs = histogram_frame(frame["max_escalation_rung"])  # whole numbers: one bar per value, gaps included
    low, high = frame["max_escalation_rung"].min(), frame["max_escalation_rung"].max()
    assert rungs["label"].tolist() == [f"{value:g}" for value in np.arange(low, high + 1)]
    assert rungs["runs"].sum() == len(frame)
    rupture = histogram_frame(frame["rupture"])
    assert rupture["label"].tolist() == ["0", "1"] and rupture["runs"].tolist() == [
        (frame["rupture"] == 0).sum(),
        (frame["rupture"] == 1).sum(),
    ]


def test_histogram_leaves_missing_values_out_and_its_option_has_one_bar_per_bin(morris):
    days = morris.values.frame["rupture_day"]
    histogram = histogram_frame(days)
    assert histogram["runs"].sum() == days.notna().sum() < len(days)
    option = histogram_option(histogram, "rupture_day", missing=int(days.isna().sum()))
    assert_json_for_the_browser(option)
    assert option["xAxis"]["name"] == "rupture_day" and option["yAxis"]["name"] == "runs"
    assert len(option["xAxis"]["data"]) == len(option["series"][0]["data"]) == len(histogram)
    assert f"{days.isna().sum()} runs without a value" in option["title"]["subtext"]
    assert histogram_frame(days.iloc[:0]).empty


# ---------------------------------------------------------------- parameter against outcome


def test_scatter_of_point_means_matches_point_summaries_of_the_filtered_runs(morris):
    mask = filter_mask(morris.sweep.runs, {"parameters.trust_rate": (0.1, 0.2)})
    points = scatter_frame(morris, mask, SENSITIVITY, "trust_AZE_RUS_min", per_point=True)
    kept_points = np.unique(morris.point_ids[mask])
    assert len(points) == len(kept_points)
    summaries = point_summaries(morris.sweep.design, morris.values, morris.point_ids).set_index("point_id")
    expected = summaries.loc[kept_points]
    np.testing.assert_allclose(points["y"], expected["trust_AZE_RUS_min_mean"])
    np.testing.assert_allclose(points["x"], expected[SENSITIVITY])
    assert (points["runs"] == 2).all() and (points["ci_low"] <= points["y"]).all()

    option = scatter_option(points, SENSITIVITY, "trust_AZE_RUS_min")
    assert_json_for_the_browser(option)
    (series,) = option["series"]
    assert series["type"] == "scatter" and len(series["data"]) == len(points)
    assert series["dimensions"][:2] == [SENSITIVITY, "mean trust_AZE_RUS_min"]
    assert option["xAxis"]["name"] == SENSITIVITY and option["yAxis"]["name"] == "trust_AZE_RUS_min"


def test_scatter_of_every_run_has_one_row_per_run_with_a_value(morris):
    mask = filter_mask(morris.sweep.runs, {SENSITIVITY: (0.8, 1.6)})
    runs = scatter_frame(morris, mask, SENSITIVITY, "trust_AZE_RUS_min", per_point=False)
    assert runs["run_id"].tolist() == morris.sweep.runs.loc[mask, "run_id"].tolist()
    days = scatter_frame(morris, mask, SENSITIVITY, "rupture_day", per_point=False)
    assert len(days) == morris.values.frame.loc[mask, "rupture_day"].notna().sum()
    option = scatter_option(days, SENSITIVITY, "rupture_day")
    assert_json_for_the_browser(option)
    assert len(option["series"][0]["data"]) == len(days)


def test_many_runs_are_thinned_evenly_and_the_chart_says_so():
    frame = pd.DataFrame({"x": np.arange(25_001.0), "y": np.zeros(25_001), "run_id": np.arange(25_001)})
    shown = thinned(frame)
    assert len(shown) <= MAX_SCATTER_POINTS and shown["run_id"].iloc[0] == 0
    assert np.unique(np.diff(shown["run_id"])).size == 1
    option = scatter_option(shown, "p", "o", total=len(frame))
    assert "25,001" in option["title"]["subtext"]
    assert thinned(frame.iloc[:10]).equals(frame.iloc[:10])


# ---------------------------------------------------------------- shares


def test_shares_are_share_summary_of_the_filtered_runs(morris):
    mask = filter_mask(morris.sweep.runs, {SENSITIVITY: (1.2, 1.6)})
    shares = share_frame(subset_values(morris.values, mask))
    expected = share_summary(outcome_values(morris.sweep.runs[mask], morris.sweep.parameters))
    pd.testing.assert_frame_equal(shares.drop(columns="label").reset_index(drop=True), expected)
    assert (shares["n"] == mask.sum()).all()
    assert "rupture" in shares["label"].tolist() and "corridor: neutral operator" in shares["label"].tolist()
    corridors = shares[shares["outcome"].str.startswith("corridor_")]
    assert corridors["share"].sum() == pytest.approx(1.0)

    option = shares_option(shares)
    assert_json_for_the_browser(option)
    assert len(option["dataset"]["source"]) == len(shares)
    assert option["xAxis"]["name"] == "share of runs"
    table = shares_markdown(shares)
    assert table.count("\n") == len(shares) + 1 and f"of {mask.sum()}" in table


# ---------------------------------------------------------------- sensitivity


@pytest.mark.parametrize("kind", ["morris", "sobol"])
def test_sensitivity_table_is_sensitivity_indices_of_the_point_means(sweeps, kind):
    opened = open_sweep(sweeps[kind])
    result = compute_sensitivity(opened)
    point_means = opened.values.frame.groupby(opened.point_ids, sort=True).mean()
    table, skipped = sensitivity_indices(opened.sweep, point_means)
    pd.testing.assert_frame_equal(result.table, table)
    assert result.skipped == skipped and result.method == kind and result.error is None

    rows = sensitivity_rows(result, "trust_AZE_RUS_min")
    assert rows["rank"].tolist() == list(range(1, len(opened.sweep.parameters) + 1))
    assert set(rows["parameter"]) == set(opened.sweep.parameters)
    option = sensitivity_option(rows, kind, "trust_AZE_RUS_min")
    assert_json_for_the_browser(option)
    names = {"morris": ["mu_star", "sigma"], "sobol": ["S1", "ST"]}[kind]
    assert [series["name"] for series in option["series"]] == names
    assert len(option["dataset"]["source"]) == len(rows)
    assert option["dataset"]["source"][0][0] == rows["parameter"].iloc[0]
    assert sensitivity_markdown(rows, kind).count("+-") == len(rows) * (2 if kind == "sobol" else 1)
    assert sensitivity_problem(result, "trust_AZE_RUS_min") is None


def test_an_outcome_without_indices_says_why(morris):
    result = compute_sensitivity(morris)
    assert "corridor_day" in result.skipped  # the corridor is agreed the same day everywhere here
    problem = sensitivity_problem(result, "corridor_day")
    assert problem.startswith("No morris indices for corridor_day") and result.skipped["corridor_day"] in problem
    assert sensitivity_rows(result, "corridor_day").empty


# ---------------------------------------------------------------- opening directories


def test_opening_problems_do_not_tell_which_server_paths_exist(tmp_path, run_directory, capsys):
    """Anyone who can reach the port types paths: a missing one, a file, an empty directory, a run's
    directory, a foreign or damaged manifest and an unreadable directory all read alike on the page;
    the exact reason goes to the server's stderr."""
    targets = {"missing": tmp_path / "no_such_sweep", "empty": tmp_path / "empty", "run": run_directory}
    targets["empty"].mkdir()
    targets["file"] = tmp_path / "x.txt"
    targets["file"].write_text("not a sweep", encoding="utf-8")
    for name, manifest in {"foreign": '{"kind": "other"}', "damaged": "{not json"}.items():
        targets[name] = tmp_path / name
        targets[name].mkdir()
        (targets[name] / "manifest.json").write_text(manifest, encoding="utf-8")
    for name, target in targets.items():
        opened, error = try_open(str(target))
        assert opened is None and error == NOT_OPENED.format(directory=target), name
        assert "does not exist" not in error and "manifest" not in error
    err = capsys.readouterr().err
    assert f"{targets['missing']}: does not exist" in err and "not a sweep results directory" in err
    assert try_open("   ")[1].startswith("Enter the directory")


def test_damaged_run_files_are_a_message_not_a_crash(sweeps, tmp_path):
    no_run_id = tmp_path / "no_run_id"
    shutil.copytree(sweeps["morris"], no_run_id)
    chunk = next((no_run_id / "runs").glob("chunk-*.parquet"))
    pd.read_parquet(chunk).drop(columns="run_id").to_parquet(chunk)
    opened, error = try_open(str(no_run_id))
    assert opened is None and str(no_run_id) in error and "damaged" in error

    clashing = tmp_path / "clashing"
    shutil.copytree(sweeps["morris"], clashing)
    chunk = next((clashing / "runs").glob("chunk-*.parquet"))
    runs = pd.read_parquet(chunk)
    runs.iloc[:10].astype({"rupture": str}).to_parquet(chunk)
    runs.iloc[10:].to_parquet(chunk.with_name("chunk-000001.parquet"))
    opened, error = try_open(str(clashing))
    # rewritten without the sweep's provenance, the chunk is refused before its columns are compared
    assert opened is None and f"{clashing}/runs/chunk-000000.parquet: carries no sweep provenance" in error


def test_a_sweep_without_numeric_outcomes_has_nothing_to_plot(sweeps):
    opened = open_sweep(sweeps["blocs"])
    assert numeric_outcomes(opened.values) == [] and opened.values.left_out == ("blocs",)
    assert compute_sensitivity(opened).table.empty


# ---------------------------------------------------------------- the page


def render(directory: str | Path = ""):
    return solara.render(SweepExplorer(initial_directory=str(directory)), handle_error=False)


def open_in_page(rc, directory: str | Path) -> None:
    """Type the directory (the field commits on Enter or leaving it), then press Open."""
    field = rc.find(v.TextField, class_="sweep-dir").widget
    field.v_model = str(directory)
    field.fire_event("keyup.enter", None)
    rc.find(v.Btn, children=["Open"]).widget.click()


def count_text(rc) -> str:
    return rc.find(v.Html, class_="sweep-count").widget.children[0]


def charts(rc) -> list[EchartsWidget]:
    return rc.find(EchartsWidget).widgets


def alerts(rc, kind: str) -> list[str]:
    return [" ".join(map(str, alert.children)) for alert in rc.find(v.Alert).widgets if alert.type == kind]


def test_opening_a_sweep_shows_its_charts_and_run_count(sweeps):
    box, rc = render()
    assert charts(rc) == [] and rc.find(v.Html, class_="sweep-count").widgets == []
    assert alerts(rc, "info") and not alerts(rc, "error")
    open_in_page(rc, sweeps["morris"])
    assert count_text(rc) == "32 of 32 runs"
    titles = [widget.option["title"]["text"] for widget in charts(rc)]
    assert titles == [
        "Distribution of rupture",
        "rupture against actors.AZE.sensitivity (replicate means)",
        "Share of runs",
        "Sensitivity of rupture",
    ]
    for widget in charts(rc):
        assert_json_for_the_browser(widget.option)
        assert widget.attributes == {"style": "height: 320px; width: 100%", "class": "sweep-chart"}
    assert alerts(rc, "error") == []


def test_a_missing_directory_shows_an_error_naming_it_and_keeps_the_sweep_shown(sweeps, tmp_path):
    box, rc = render(sweeps["morris"])
    before = [widget.option for widget in charts(rc)]
    missing = tmp_path / "not_there"
    open_in_page(rc, missing)
    (error,) = alerts(rc, "error")
    assert error == NOT_OPENED.format(directory=missing)  # the same as for any path that holds no sweep
    assert rc.find(v.Html, children=[f"Still showing the sweep opened before: {sweeps['morris']}"]).widgets
    assert count_text(rc) == "32 of 32 runs"
    assert [widget.option for widget in charts(rc)] == before


@pytest.mark.parametrize("what", ["empty directory", "run directory", "a file"])
def test_a_directory_that_is_not_a_sweep_shows_the_generic_message(what, tmp_path, run_directory):
    target = {"empty directory": tmp_path, "run directory": run_directory, "a file": tmp_path / "x.txt"}[what]
    if what == "a file":
        target.write_text("not a sweep", encoding="utf-8")
    box, rc = render()
    open_in_page(rc, target)
    (error,) = alerts(rc, "error")
    assert error == try_open(str(target))[1] and str(target) in error
    assert charts(rc) == []


def test_an_unopenable_initial_directory_shows_the_error_at_once(tmp_path):
    box, rc = render(tmp_path / "nowhere")
    (error,) = alerts(rc, "error")
    assert str(tmp_path / "nowhere") in error and charts(rc) == []


def test_narrowing_a_parameter_range_reduces_the_count_and_an_empty_range_warns(morris, sweeps):
    box, rc = render(sweeps["morris"])
    slider = rc.find(v.RangeSlider, label=f"{SENSITIVITY}: 0.4 to 1.6").widget
    slider.v_model = [1.1, 1.6]
    assert slider.label == f"{SENSITIVITY}: 1.1 to 1.6"
    expected = int(filter_mask(morris.sweep.runs, {SENSITIVITY: (1.1, 1.6)}).sum())
    assert 0 < expected < 32 and count_text(rc) == f"{expected} of 32 runs"
    histogram = charts(rc)[0].option
    assert sum(histogram["series"][0]["data"]) == expected

    slider.v_model = [0.9, 1.1]
    assert count_text(rc) == "0 of 32 runs"
    (warning,) = alerts(rc, "warning")
    assert "No run lies inside the chosen parameter ranges" in warning
    assert [widget.option["title"]["text"] for widget in charts(rc)] == ["Sensitivity of rupture"]


def test_choices_of_outcome_parameter_and_mode_change_the_charts(morris, sweeps):
    box, rc = render(sweeps["morris"])
    selects = {select.label: select for select in rc.find(v.Select).widgets}
    selects["Outcome"].v_model = "trust_AZE_RUS_min"
    selects["Parameter"].v_model = "parameters.trust_rate"
    selects["Scatter shows"].v_model = "every run"
    histogram, scatter, _, sensitivity = (widget.option for widget in charts(rc))
    assert histogram["xAxis"]["name"] == "trust_AZE_RUS_min"
    assert scatter["xAxis"]["name"] == "parameters.trust_rate" and len(scatter["series"][0]["data"]) == 32
    assert sensitivity["title"]["text"] == "Sensitivity of trust_AZE_RUS_min"

    selects["Outcome"].v_model = "corridor_day"  # constant: no indices, and the page says why
    (warning,) = alerts(rc, "warning")
    assert "No morris indices for corridor_day" in warning and "constant" in warning


def test_a_sweep_without_numeric_outcomes_shows_a_warning(sweeps):
    box, rc = render(sweeps["blocs"])
    (warning,) = alerts(rc, "warning")
    assert "no numeric outcome" in warning and "blocs" in warning
    assert count_text(rc) == "3 of 3 runs" and charts(rc) == []


def test_every_control_has_a_tooltip_saying_what_it_changes(sweeps):
    box, rc = render(sweeps["morris"])
    controls = [
        *rc.find(v.TextField).widgets,
        *rc.find(v.Btn).widgets,
        *rc.find(v.Select).widgets,
        *rc.find(v.RangeSlider).widgets,
    ]
    assert len(controls) == 1 + 1 + 3 + 3 + 2  # + the discovery panel's condition and button
    tooltips = rc.find(v.Tooltip).widgets
    under_tooltips = {
        id(widget)
        for tooltip in tooltips
        for kind in (v.TextField, v.Btn, v.Select, v.RangeSlider)
        for widget in Finder([tooltip]).find(kind).widgets
    }
    assert all(id(control) in under_tooltips for control in controls)
    assert all(tooltip.children and tooltip.children[0].strip() for tooltip in tooltips)
