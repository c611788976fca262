"""`caucasus discover`: PRIM and CART of the EMA Workbench on a small real sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caucasus.cli import main
from experiments.discovery import discover
from experiments.discovery_files import REPORT, default_out, write_discovery
from experiments.outcome_condition import parse_condition
from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore
from experiments.sweep_config import load_sweep
from sim.errors import ConfigError
from sim.model import SCENARIO_DIR

SWEEP = f"""[sweep]
scenario = "{SCENARIO_DIR / "baseline.toml"}"
replicates = 2
master_seed = 11
outcomes = ["rupture", "restored", "rupture_day", "corridor_arrangement", "n_173", "max_escalation_rung"]

[design]
kind = "latin_hypercube"
samples = 60
seed = 5

[parameters]
"actors.AZE.sensitivity" = {{ min = 0.4, max = 1.6 }}
"parameters.trust_rate" = {{ min = 0.05, max = 0.4 }}
"actors.RUS.distraction" = {{ min = 0.0, max = 0.9 }}
"parameters.thaw_rate" = {{ min = 0.0, max = 2.0 }}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A real sweep: 60 Latin hypercube points x 2 replicates of the baseline."""
    folder = tmp_path_factory.mktemp("discover")
    config = folder / "small.toml"
    config.write_text(SWEEP, encoding="utf-8")
    execute(plan_sweep(load_sweep(config)), SweepStore(folder / "small"), progress=False)
    return folder / "small"


@pytest.mark.slow
def test_the_chosen_box_covers_and_is_as_dense_as_prim_reports(sweep_dir):
    found = discover(sweep_dir, "restored")
    runs = found.sweep.runs
    assert np.array_equal(found.cases, runs["restored"].to_numpy())
    stats = found.chosen_stats
    inside = np.ones(len(runs), dtype=bool)  # the box's limits applied to the runs afresh
    for row in found.box.itertuples():
        inside &= runs[row.parameter].between(row.box_min, row.box_max).to_numpy()
    hits = int((inside & found.cases).sum())
    assert hits == stats["k"] and inside.sum() == stats["n"]
    assert hits / found.cases.sum() == pytest.approx(stats["coverage"])
    assert hits / inside.sum() == pytest.approx(stats["density"])
    assert stats["coverage"] >= 0.5  # the default choice: densest box covering half the cases
    covering = found.trajectory[found.trajectory["coverage"] >= 0.5]
    assert stats["density"] == covering["density"].max()
    assert set(found.box["parameter"]) <= set(found.sweep.parameters)
    assert ((found.box["qp_lower"].fillna(0) <= 1) & (found.box["qp_upper"].fillna(0) <= 1)).all()


def test_cart_leaves_partition_the_runs(sweep_dir):
    found = discover(sweep_dir, "restored")
    assert found.leaves["mass"].sum() == pytest.approx(1.0)
    assert found.leaves["coverage"].sum() == pytest.approx(1.0)
    assert (found.leaves["mass"] >= 0.05 - 1e-9).all()  # mass_min


def test_a_condition_on_several_columns_marks_the_runs_pandas_marks(sweep_dir):
    runs = pd.read_parquet(sweep_dir / "runs")
    found = discover(sweep_dir, 'corridor_arrangement != "russian_border_guards" and n_173 >= 2')
    expected = (runs["corridor_arrangement"] != "russian_border_guards") & (runs["n_173"] >= 2)
    assert 0 < expected.sum() < len(runs)  # the condition splits the runs (else there is nothing to discover)
    assert np.array_equal(found.cases, expected.to_numpy())


def test_the_condition_grammar_reads_comparisons_and_logic():
    frame = pd.DataFrame({"rupture": [True, False, True], "n_173": [0, 3, 5], "rupture_day": [190.0, np.nan, 200.0]})
    columns = list(frame.columns)
    holds = parse_condition("rupture and (n_173 >= 3 or not rupture)", columns, frame.dtypes).holds(frame)
    assert holds.tolist() == [False, False, True]
    assert parse_condition("1 <= n_173 < 5", columns).holds(frame).tolist() == [False, True, False]
    assert parse_condition("rupture_day > 0", columns).holds(frame).tolist() == [True, False, True]  # NaN: false


@pytest.mark.parametrize(
    "expression",
    [
        "rupture_dya",
        "n_173",
        "__import__('os').system('true')",
        "rupture +",
        "n_173 + 1 > 2",
        'corridor_arrangement == "x"',
    ],
)
def test_a_bad_condition_exits_2_naming_the_allowed_columns_and_writes_nothing(sweep_dir, expression, capsys):
    status = main(["discover", str(sweep_dir), "--outcome", expression, "--no-figures"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("caucasus: error: --outcome") and err.count("\n") == 1
    assert "allowed" in err or "compare it" in err
    assert not (sweep_dir / "discovery").exists()


@pytest.mark.slow
def test_discover_writes_the_report_tables_and_figures(sweep_dir, tmp_path, capsys):
    status = main(["discover", str(sweep_dir), "--outcome", "restored"])
    out = capsys.readouterr().out
    assert status == 0
    written = default_out(sweep_dir, "restored")
    assert written == sweep_dir / "discovery" / "restored"
    names = {path.name for path in written.iterdir()}
    assert names == {REPORT, "trajectory.csv", "box.csv", "cart_leaves.csv", "tradeoff.png", "box.png", "cart_tree.png"}
    report = (written / REPORT).read_text()
    found = discover(sweep_dir, "restored")
    assert f"Chosen box {found.chosen} of {len(found.trajectory)}" in report and "## CART" in report
    assert pd.read_csv(written / "box.csv")["parameter"].tolist() == found.box["parameter"].tolist()
    assert "holds in" in out and str(written) in out
    assert main(["verify", str(sweep_dir)]) == 0  # a discovery/ is part of a sweep directory


def test_a_failed_discovery_leaves_the_previous_one(sweep_dir, tmp_path):
    out = tmp_path / "found"
    found = discover(sweep_dir, "restored")
    write_discovery(found, out, figures=False)
    before = (out / REPORT).read_text()

    class Broken:  # a figure that cannot be drawn fails the write halfway
        def __getattr__(self, name):
            raise RuntimeError("drawing failed")

    broken = type(found)(**{**found.__dict__, "prim_box": Broken()})
    with pytest.raises(RuntimeError):
        write_discovery(broken, out, figures=True)
    assert (out / REPORT).read_text() == before
    assert sorted(p.name for p in out.iterdir()) == sorted([REPORT, "trajectory.csv", "box.csv", "cart_leaves.csv"])


def test_an_out_holding_other_files_is_refused_before_the_work(sweep_dir, tmp_path, capsys):
    out = tmp_path / "occupied"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["discover", str(sweep_dir), "--outcome", "restored", "--out", str(out)]) == 2
    assert "not a discovery" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_box_off_the_trajectory_is_a_config_error(sweep_dir):
    with pytest.raises(ConfigError) as error:
        discover(sweep_dir, "restored", box=10_000)
    assert error.value.source == "--box"
