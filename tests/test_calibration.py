"""`caucasus calibrate`: the record's summaries, the same reading of runs, the config's checks, resuming."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caucasus.cli import main
from experiments.calibration.abc import calibrate, observed_summaries
from experiments.calibration.config import load_calibration
from experiments.calibration.observed import journal_events, record_events
from experiments.calibration.posterior import load_posterior
from experiments.calibration.simulator import MIN_SCALE, distance_for
from experiments.calibration.summaries import Conciliatory, Count, Delay, MaxRung, Window, summary_matrix
from sim.config import load_scenario
from sim.ensemble import run_ensemble
from sim.events_log import EventKind
from sim.record import RecordedEvent, load_record
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = SCENARIOS / "baseline.toml"
CUT_OFF = dt.date(2025, 7, 11)
RAID = dt.date(2025, 6, 27)

TINY = f"""
[calibration]
description = "a tiny calibration for the tests"
scenario = "{BASELINE}"
cut_off = 2025-07-11
master_seed = 7
population = 40
generations = 3
quantile = 0.5
pilot_runs = 80
batch_size = 40

[windows]
raid_crisis = {{ first = 2025-06-27, last = 2025-07-11, reason = "the raid to the cut-off" }}
whole = {{ first = 2024-12-20, last = 2025-07-11, reason = "the run" }}

[[summaries]]
kind = "delay"
dyads = ["AZE>RUS"]
min_rungs = [2, 3, 4]
windows = ["raid_crisis"]

[[summaries]]
kind = "max_rung"
dyads = ["RUS>AZE", "AZE>RUS"]
windows = ["whole"]

[[summaries]]
kind = "count"
dyads = ["AZE>RUS"]
quads = ["verbal_conflict", "material_conflict"]
windows = ["raid_crisis"]

[priors]
"actors.AZE.response_threshold" = {{ min = 0.05, max = 1.5, reason = "test" }}
"parameters.escalation_cost" = {{ min = 0.0, max = 10.0, reason = "test" }}
"actors.RUS.distraction" = {{ min = 0.0, max = 0.9, reason = "test" }}
"""


def tiny_config(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def as_recorded(event) -> RecordedEvent:
    """A shock or a logged event (anything with a date, actor, target and CAMEO code) as a record row."""
    return RecordedEvent(
        date=event.date,
        actor=event.actor,
        target=event.target,
        cameo=event.cameo,
        goldstein=0.0,
        event="",
        source="test",
        confidence="high",
    )


# --- the record's summaries: read off the data file by hand -------------------------------------


def test_record_summaries_are_the_dated_facts():
    """From the record (sim/data): after the raid on 27 June, Baku summoned Russia's envoy on 28 June
    (CAMEO 114, rung 2), cancelled cultural events on 29 June (161, rung 3) and detained Sputnik's staff
    on 30 June (173, rung 4); Russia's highest act toward Azerbaijan in the run, the raid itself left
    out as a scripted shock, is the 1 July detention (173, rung 4); between them, in the run's span,
    three conciliatory acts (the calls of 25 and 29 December and mid-March; the 28 December
    half-apology is a scripted shock)."""
    scenario = load_scenario(BASELINE)
    events = record_events(load_record(), scenario, CUT_OFF)
    raid = Window("raid", scenario.day_of(RAID), scenario.day_of(CUT_OFF))
    whole = Window("whole", 0, scenario.day_of(CUT_OFF))
    summaries = [Delay("AZE", "RUS", rung, raid) for rung in (2, 3, 4)]
    summaries += [MaxRung("RUS", "AZE", whole), Conciliatory("AZE", "RUS", whole)]
    assert summary_matrix(summaries, events)[0].tolist() == [1.0, 2.0, 3.0, 4.0, 3.0]


def test_scripted_shocks_never_count():
    """A record row that is one of the scenario's shocks is an input: adding the shocks changes nothing."""
    scenario = load_scenario(BASELINE)
    record = list(load_record())
    shocks = [as_recorded(shock) for shock in scenario.shocks]
    plain = record_events(record, scenario, CUT_OFF)
    with_shocks = record_events(record + shocks, scenario, CUT_OFF)
    assert len(plain) == len(with_shocks)


def test_runs_are_read_as_the_record_is():
    """A run's own log, written out as a record, gives the same summaries as its journal: one reading."""
    scenario = load_scenario(BASELINE)
    result = run_ensemble(scenario, seeds=[3, 4])
    last = scenario.day_of(CUT_OFF)
    whole = Window("whole", 0, last)
    summaries = [
        Count(actor, target, (quad,), whole)
        for actor, target in (("AZE", "RUS"), ("RUS", "AZE"), ("ARM", "AZE"))
        for quad in ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
    ]
    summaries += [MaxRung("AZE", "RUS", whole), Conciliatory("AZE", "RUS", whole), Delay("AZE", "RUS", 3, whole)]
    from_journal = summary_matrix(summaries, journal_events(result.simulation.journal, 0, last))
    for run in range(2):
        rows = [as_recorded(r) for r in result.event_log(run) if r.kind != EventKind.SCRIPTED]
        from_log = summary_matrix(summaries, record_events(rows, scenario, CUT_OFF))[0]
        np.testing.assert_array_equal(from_log, from_journal[run])


def test_distance_scale_is_robust_with_a_floor():
    """The scale is the MAD's normal equivalent, at least one unit; a summary that never varies is left out."""
    pilot = np.array([[0, 5, 1], [0, 7, 1], [0, 9, 1], [0, 1000, 1], [0, 6, 2]], dtype=float)
    distance = distance_for(pilot, [1.0, 1.0, 1.0])
    assert distance.weights.tolist() == [0.0, 1.0, 1.0]
    assert distance.scales[1] == pytest.approx(1.4826 * 2.0)  # median 7; deviations 2, 0, 2, 993, 1: median 2
    assert distance.scales[2] == MIN_SCALE
    assert distance(np.array([[0, 7, 1]]), np.array([[0, 7, 1]]))[0] == 0.0


# --- the config's checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('"parameters.escalation_cost"', '"parameters.no_such_thing"'), 'priors."parameters.no_such_thing"'),
        (("min = 0.0, max = 10.0", "min = 0.0, max = 30.0"), 'priors."parameters.escalation_cost".max'),
        (("cut_off = 2025-07-11", "cut_off = 2024-01-01"), "calibration.cut_off"),
        (("cut_off = 2025-07-11", "cut_off = 2026-06-01"), "calibration.cut_off"),
        (('windows = ["raid_crisis"]', 'windows = ["nowhere"]'), "summaries[0].windows"),
        (('dyads = ["AZE>RUS"]', 'dyads = ["AZE>XYZ"]'), "summaries[0].dyads"),
        (('"actors.RUS.distraction" = {', '"parameters.max_rung_step" = {'), 'priors."parameters.max_rung_step"'),
    ],
)
def test_bad_config_exits_2_naming_the_key_and_writes_nothing(tmp_path, capsys, change, key):
    path = tiny_config(tmp_path, TINY.replace(*change))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    assert key in capsys.readouterr().err
    assert not out.exists()


def test_an_empty_summary_set_is_refused(tmp_path, capsys):
    text = TINY.split("[[summaries]]")[0] + TINY.split("[priors]")[1].join(["[priors]", ""])
    path = tiny_config(tmp_path, text)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "summaries" in capsys.readouterr().err


def test_a_record_with_an_unknown_actor_is_refused(tmp_path, capsys):
    record = tmp_path / "record.csv"
    record.write_text(
        "date,actor,target,cameo,goldstein,event,source,confidence\n2025-01-02,AZE,XXX,111,-2,x,somewhere,high\n",
        encoding="utf-8",
    )
    path = tiny_config(tmp_path, TINY.replace("master_seed = 7", f'master_seed = 7\nrecord = "{record}"'))
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "record.csv" in error and "target" in error


# --- a whole (tiny) calibration ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("calibration")
    config = tiny_config(folder)
    out = folder / "out"
    assert main(["calibrate", str(config), "--out", str(out)]) == 0
    return config, out


@pytest.mark.slow
def test_a_calibration_writes_its_posterior_diagnostics_checks_and_figures(finished):
    config_path, out = finished
    config = load_calibration(config_path)
    posterior = load_posterior(out)
    assert list(posterior.parameters) == config.parameter_names
    assert posterior.weights.sum() == pytest.approx(1.0)
    for prior in config.priors:  # every particle inside its prior's range
        assert posterior.particles[prior.name].between(prior.low, prior.high).all()
    diagnostics = pd.read_csv(out / "diagnostics.csv")
    assert len(diagnostics) == config.generations
    assert (np.diff(diagnostics.tolerance) <= 0).all()  # ABC-SMC's tolerances never grow
    assert ((diagnostics.acceptance_rate > 0) & (diagnostics.acceptance_rate <= 1)).all()
    checks = pd.read_csv(out / "checks.csv")
    np.testing.assert_array_equal(checks.observed, observed_summaries(config))
    for figure in ("marginals", "pairs", "checks", "generations"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 1000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["config_hash"] == config.config_hash()
    assert "versions" in manifest and manifest["master_seed"] == 7


@pytest.mark.slow
def test_a_killed_calibration_resumes_to_the_same_numbers(finished, tmp_path):
    """Keep only what a kill after the first generation leaves; rerunning ends with the same posterior."""
    config, out = finished
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    for name in ("manifest.json", "observed.csv", "pilot.parquet"):
        shutil.copy(out / name, resumed / name)
    (resumed / "generations").mkdir()
    for suffix in ("json", "parquet", "pkl"):
        shutil.copy(out / "generations" / f"000.{suffix}", resumed / "generations" / f"000.{suffix}")
    assert main(["calibrate", str(config), "--out", str(resumed)]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(resumed / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )


@pytest.mark.slow
def test_the_same_config_and_seed_give_the_same_numbers(finished, tmp_path):
    config, out = finished
    again = calibrate(load_calibration(config), tmp_path / "again", progress=lambda line: None)
    assert again.generations[-1].tolerance == pd.read_csv(out / "diagnostics.csv").tolerance.iloc[-1]
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "again" / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )


@pytest.mark.slow
def test_a_directory_holding_another_calibration_is_refused(finished, tmp_path, capsys):
    config, out = finished
    other = tiny_config(tmp_path, TINY.replace("master_seed = 7", "master_seed = 8"))
    before = sorted(p.name for p in out.iterdir())
    assert main(["calibrate", str(other), "--out", str(out)]) == 2
    assert "another calibration" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == before


@pytest.mark.slow
def test_screening_ranks_every_prior_by_its_effect_on_the_fit(tmp_path, capsys):
    """`--screen`: a Morris ranking of every prior's parameter, written whole, the same on a rerun."""
    config = tiny_config(tmp_path)
    first, second = tmp_path / "screen", tmp_path / "again"
    assert main(["calibrate", str(config), "--screen", "--out", str(first)]) == 0
    assert main(["calibrate", str(config), "--screen", "--out", str(second)]) == 0
    table = pd.read_csv(first / "screening.csv")
    assert sorted(table.parameter) == sorted(load_calibration(config).parameter_names)
    assert (table.mu_star >= 0).all() and table.mu_star.is_monotonic_decreasing
    pd.testing.assert_frame_equal(table, pd.read_csv(second / "screening.csv"))
    assert json.loads((first / "manifest.json").read_text())["kind"] == "caucasus-screening"
    assert main(["calibrate", str(config), "--screen", "--out", str(first)]) == 2  # never over a result
    assert "--out" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("where", ["--workers", "--scheduler"])
def test_worker_processes_and_a_dask_cluster_give_the_numbers_of_a_serial_calibration(
    finished, where, request, tmp_path
):
    """Batches computed on two local worker processes, or on a real Dask cluster: the posterior made in this process."""
    config, out = finished
    backend = (
        ["--workers", "2"]
        if where == "--workers"
        else ["--scheduler", request.getfixturevalue("dask_cluster").scheduler_address]
    )
    parallel = tmp_path / "parallel"
    done = subprocess.run(
        [sys.executable, "-m", "caucasus.cli", "calibrate", str(config), "--out", str(parallel), *backend],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(parallel / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )


@pytest.mark.slow
def test_a_calibration_killed_mid_run_resumes_to_the_same_numbers(finished, tmp_path):
    """SIGKILL once the first generation is written; rerunning the command ends with the same posterior."""
    config, out = finished
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "caucasus.cli", "calibrate", str(config), "--out", str(killed)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = killed / "generations" / "000.json"
    deadline = time.monotonic() + 300
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "posterior.parquet").exists()  # killed before the end
    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming after generation" in rerun.stdout
    pd.testing.assert_frame_equal(
        pd.read_parquet(killed / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )


@pytest.mark.slow
def test_a_damaged_generation_file_is_refused_with_what_to_do(finished, tmp_path, capsys):
    """A generation file that cannot be read: exit 2 naming it, the directory left as it was."""
    config, out = finished
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    (damaged / "generations" / "001.json").write_text("{not json", encoding="utf-8")
    before = sorted(str(p.relative_to(damaged)) for p in damaged.rglob("*"))
    assert main(["calibrate", str(config), "--out", str(damaged)]) == 2
    error = capsys.readouterr().err
    assert "001.json" in error and "delete it" in error
    assert sorted(str(p.relative_to(damaged)) for p in damaged.rglob("*")) == before
