"""The sweep explorer's scenario discovery panel, on a small real sweep (Solara's test helpers, no browser)."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from experiments.discovery import discover
from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore, read_sweep_results
from experiments.sweep_config import load_sweep
from sim.model import SCENARIO_DIR
from viz.sweep_discovery import default_condition, discovery_markdown, run_discovery
from viz.sweep_explorer import SweepExplorer

SWEEP = f"""[sweep]
scenario = "{SCENARIO_DIR / "baseline.toml"}"
replicates = 2
master_seed = 3
outcomes = ["rupture", "n_173", "trust_AZE_RUS_min"]

[design]
kind = "latin_hypercube"
samples = 40
seed = 2

[parameters]
"actors.AZE.sensitivity" = {{ min = 0.4, max = 1.6 }}
"parameters.trust_rate" = {{ min = 0.05, max = 0.4 }}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A real sweep: 40 Latin hypercube points x 2 replicates of the baseline."""
    folder = tmp_path_factory.mktemp("panel")
    (folder / "small.toml").write_text(SWEEP, encoding="utf-8")
    execute(plan_sweep(load_sweep(folder / "small.toml")), SweepStore(folder / "small"), progress=False)
    return folder / "small"


def test_the_panel_shows_the_box_the_command_finds(sweep_dir):
    sweep = read_sweep_results(sweep_dir)
    assert default_condition(sweep) == "rupture"
    markdown, error = run_discovery(sweep, "rupture")
    found = discover(sweep, "rupture")
    assert error is None and markdown == discovery_markdown(found)
    assert f"**PRIM box {found.chosen}** of {len(found.trajectory)}" in markdown
    for row in found.box.itertuples():
        assert f"| {row.parameter} |" in markdown


def test_a_bad_condition_shows_the_allowed_columns(sweep_dir):
    markdown, error = run_discovery(read_sweep_results(sweep_dir), "ruptured")
    assert markdown is None and "allowed columns: rupture, n_173, trust_AZE_RUS_min" in error


def shown_box(rc) -> list[str]:
    """The panel's Markdown, as rendered HTML (none before Discover is pressed)."""
    widgets = rc.find(solara.widgets.HTML).widgets
    return [w.unsafe_innerHTML for w in widgets if "discover-box" in w.attributes["class"]]


def test_the_discover_button_runs_on_the_opened_sweep_and_shows_the_box(sweep_dir):
    box, rc = solara.render(SweepExplorer(initial_directory=str(sweep_dir)), handle_error=False)
    assert shown_box(rc) == []  # nothing runs until asked
    rc.find(v.Btn, children=["Discover"]).widget.click()
    (shown,) = shown_box(rc)
    found = discover(sweep_dir, "rupture")
    assert f"PRIM box {found.chosen}</strong> of {len(found.trajectory)}" in shown
    field = rc.find(v.TextField, class_="discover-condition").widget
    field.v_model = "n_173 >= 99999"
    field.fire_event("keyup.enter", None)
    rc.find(v.Btn, children=["Discover"]).widget.click()
    errors = [" ".join(map(str, a.children)) for a in rc.find(v.Alert).widgets if a.type == "error"]
    assert len(errors) == 1 and "holds in no run" in errors[0]
