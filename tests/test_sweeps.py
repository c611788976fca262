"""Sweeps end to end, on the real model: backends, engines, resuming, designs, seeds, sensitivity, bad input.

Every test builds small sweep files in pytest's tmp_path over short-horizon scenarios that extend
the baseline (runs stay fast; the properties do not need 365 days), except where the property
needs the whole year (resuming after `kill -9` needs a sweep that takes a few seconds; the known
sensitivity is checked on the full baseline). Nothing is mocked: sweeps run through
`plan_sweep`/`execute`, the `caucasus` command (in process through `main`, or as a subprocess
where the process itself matters), real local worker processes and a real Dask cluster.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caucasus.cli import main
from experiments.analysis import analyze
from experiments.design import design_size, sample_design
from experiments.replicates import spawned_seeds
from experiments.runner import execute, plan_sweep, run_chunk
from experiments.store import SweepStore, read_manifest, read_runs
from experiments.sweep_config import load_sweep
from sim.model import CaucasusModel
from sim.outputs import write_run
from tests.conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
CLI_TIMEOUT_S = 120

# The crisis up to day 240 without the raid: the plane, the US corridor proposal and an agreed
# corridor on a day set by agreement_days (Armenia's reservation value raised to the operator's
# point, so it accepts it when tabled; no sponsor-trust floor, so Azerbaijan does too). The raid's
# detentions would rupture relations in every run; without them, whether the plane's downing does
# depends on the parameters: ruptures at some points, not at others.
CRISIS_240 = (
    f'[scenario]\nextends = "{BASELINE}"\nhorizon_days = 240\ndrop_shocks = ["raid", "deaths", "autopsy"]\n'
    "[parameters]\nsponsor_trust_floor = -1.0\n"
    '[actors.ARM]\ncorridor = { reservation = 0.6, reason = "an agreement for the tests to compare" }\n'
)
# The plane crisis only: 60 days, the base's later shocks dropped (they would fall outside the run).
PLANE_60 = (
    f'[scenario]\nextends = "{BASELINE}"\nhorizon_days = 60\n'
    'drop_shocks = ["raid", "deaths", "autopsy", "us_proposal", "treaty_text_arm", "treaty_text_aze"]\n'
)


# ---------------------------------------------------------------- writing sweep files


def toml_value(value) -> str:
    """A Python value as TOML text (strings, numbers, booleans, lists, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def sweep_text(scenario: Path | str, design: dict, parameters: dict, **sweep) -> str:
    """A sweep file's text: `[sweep]` (scenario plus `sweep`), `[design]` and `[parameters]`."""
    head = {"scenario": str(scenario), "replicates": 2, "master_seed": 7} | sweep
    lines = ["[sweep]", *(f"{key} = {toml_value(value)}" for key, value in head.items() if value is not None)]
    lines += ["", "[design]", *(f"{key} = {toml_value(value)}" for key, value in design.items())]
    lines += ["", "[parameters]", *(f"{json.dumps(name)} = {toml_value(spec)}" for name, spec in parameters.items())]
    return "\n".join(lines) + "\n"


def write_scenario(folder: Path, text: str = PLANE_60, name: str = "short.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_sweep(folder: Path, name: str, scenario: Path, design: dict, parameters: dict, **sweep) -> Path:
    path = folder / name
    path.write_text(sweep_text(scenario, design, parameters, **sweep), encoding="utf-8")
    return path


def run_sweep(config: Path, out: Path, engine: str = "ensemble", **backend) -> Path:
    """Run a sweep in this process (serially unless `workers` or `scheduler` is given)."""
    execute(plan_sweep(load_sweep(config), engine), SweepStore(out), progress=False, **backend)
    return out


def cli(*args: str | Path, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    """`python -m caucasus ARGS` as a real process with pipes (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "caucasus", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under root (itself included) with its size and mtime in ns."""
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root)): (p.stat().st_size if p.is_file() else -1, p.stat().st_mtime_ns) for p in paths}


def chunk_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "runs").glob("chunk-*.parquet"))


# ---------------------------------------------------------------- 1, 2, 9: one sweep, every backend and engine

CRISIS_PARAMETERS = {
    "actors.AZE.sensitivity": {"min": 0.4, "max": 1.6},
    "parameters.max_rung_step": {"min": 1, "max": 3},
    "parameters.agreement_days": {"min": 5, "max": 30},
}


@pytest.fixture(scope="module")
def crisis_sweep(tmp_path_factory) -> Path:
    """Latin hypercube, 12 points x 2 replicates over CRISIS_240, in chunks of 5 (the last holds 4)."""
    folder = tmp_path_factory.mktemp("crisis")
    scenario = write_scenario(folder, CRISIS_240)
    design = {"kind": "latin_hypercube", "samples": 12}
    return write_sweep(folder, "crisis.toml", scenario, design, CRISIS_PARAMETERS, chunk_runs=5)


@pytest.fixture(scope="module")
def serial_ensemble(crisis_sweep, tmp_path_factory) -> Path:
    return run_sweep(crisis_sweep, tmp_path_factory.mktemp("serial") / "out")


@pytest.fixture(scope="module")
def scheduler_cli(crisis_sweep, dask_cluster, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`caucasus sweep --scheduler ADDRESS` against the module's cluster, as a real process."""
    out = tmp_path_factory.mktemp("scheduler") / "out"
    result = cli("sweep", crisis_sweep, "--out", out, "--scheduler", dask_cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def mesa_cli(crisis_sweep, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`caucasus sweep --engine mesa`, serially, as a real process."""
    out = tmp_path_factory.mktemp("mesa") / "out"
    result = cli("sweep", crisis_sweep, "--out", out, "--engine", "mesa")
    assert result.returncode == 0, result.stderr
    return out, result


# Every Dask scheduler serves HTTP on :8787 even without a dashboard; the second cluster warns and takes another port.
@pytest.mark.slow  # a Dask cluster, a real process
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
def test_serial_local_processes_and_a_dask_scheduler_write_exactly_the_same_dataset(
    crisis_sweep, serial_ensemble, scheduler_cli, tmp_path
):
    local = run_sweep(crisis_sweep, tmp_path / "local", workers=2)
    remote, _ = scheduler_cli
    serial = read_runs(serial_ensemble)
    assert len(serial) == 24 and serial["run_id"].tolist() == list(range(24))
    assert serial["rupture"].any() and not serial["rupture"].all()  # a sweep where the parameters matter
    pd.testing.assert_frame_equal(read_runs(local), serial, check_exact=True)
    pd.testing.assert_frame_equal(read_runs(remote), serial, check_exact=True)
    # the same chunks (fixed by the sweep, not by the workers) and the same design
    assert (
        chunk_files(serial_ensemble)
        == chunk_files(local)
        == chunk_files(remote)
        == [f"chunk-{i:06d}.parquet" for i in range(5)]
    )
    design = pd.read_parquet(serial_ensemble / "design.parquet")
    for other in (local, remote):
        pd.testing.assert_frame_equal(pd.read_parquet(other / "design.parquet"), design, check_exact=True)
    backends = [json.loads((d / "complete.json").read_text())["backend_last"] for d in (serial_ensemble, local, remote)]
    assert backends[0] == "serial"
    assert backends[1] == "2 local worker processes"
    assert backends[2].startswith("dask scheduler tcp://")


@pytest.mark.slow
def test_the_mesa_engine_gives_the_ensemble_engines_outcomes(serial_ensemble, mesa_cli):
    mesa_dir, _ = mesa_cli
    assert read_manifest(mesa_dir)["engine"] == "mesa" and read_manifest(serial_ensemble)["engine"] == "ensemble"
    assert read_manifest(mesa_dir)["config_hash"] == read_manifest(serial_ensemble)["config_hash"]
    mesa, ensemble = read_runs(mesa_dir), read_runs(serial_ensemble)
    assert list(mesa.columns) == list(ensemble.columns) and len(mesa) == len(ensemble) == 24
    pd.testing.assert_series_equal(mesa.dtypes, ensemble.dtypes)
    for name in mesa.columns:
        if pd.api.types.is_float_dtype(ensemble[name]):
            np.testing.assert_allclose(mesa[name], ensemble[name], rtol=0, atol=1e-9, equal_nan=True, err_msg=name)
        else:  # ids, seeds, integer parameters, booleans, counts, the corridor and the blocs
            pd.testing.assert_series_equal(mesa[name], ensemble[name], check_exact=True)
    assert ensemble["corridor_day"].nunique() > 1 and ensemble["max_escalation_rung"].nunique() > 1


@pytest.mark.slow
def test_a_piped_sweep_prints_no_progress_bar_and_ends_with_where_the_results_are(mesa_cli, scheduler_cli):
    for out, result in (mesa_cli, scheduler_cli):
        assert "\r" not in result.stderr and "\r" not in result.stdout
        assert "it/s" not in result.stderr and "run/s" not in result.stderr and "%|" not in result.stderr
        assert "Traceback" not in result.stderr
        lines = result.stdout.strip().splitlines()
        assert lines[0].startswith("Sweep crisis: 24 runs (12 points x 2 replicates, latin_hypercube")
        assert lines[-1].startswith("Ran 24 runs in ")
        assert lines[-1].endswith(f"results in {out}/ (manifest.json, design.parquet, runs/)")
    assert mesa_cli[1].stderr.startswith("caucasus: sweep crisis: 12 design points x 2 replicates = 24 runs")
    assert len(mesa_cli[1].stderr.splitlines()) == 1  # the size statement, and nothing else


def test_progress_goes_to_stderr_only_when_asked_for(tmp_path, capsys):
    config = write_sweep(
        tmp_path,
        "tiny.toml",
        write_scenario(tmp_path),
        {"kind": "latin_hypercube", "samples": 3},
        {"parameters.trust_rate": {"min": 0.1, "max": 0.4}},
        chunk_runs=2,
    )
    plan = plan_sweep(load_sweep(config))
    execute(plan, SweepStore(tmp_path / "quiet"))  # default: stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    execute(plan, SweepStore(tmp_path / "bar"), progress=True)
    err = capsys.readouterr().err
    assert "6/6" in err and "run" in err


@pytest.mark.slow
def test_on_a_terminal_the_command_draws_a_progress_bar_with_rate_and_time_left(tmp_path):
    """A real pseudo-terminal (one that reports no size, as some do): the bar shows runs/s and the time left."""
    import pty

    config = write_sweep(
        tmp_path,
        "tiny.toml",
        write_scenario(tmp_path),
        {"kind": "latin_hypercube", "samples": 3},
        {"parameters.trust_rate": {"min": 0.1, "max": 0.4}},
        chunk_runs=2,
    )
    command = [sys.executable, "-m", "caucasus", "sweep", str(config), "--out", str(tmp_path / "out")]
    terminal, child_side = pty.openpty()
    child = subprocess.Popen(command, cwd=ROOT, stdin=child_side, stdout=child_side, stderr=child_side)
    os.close(child_side)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    status = child.wait(timeout=CLI_TIMEOUT_S)
    os.close(terminal)
    text = shown.decode()
    assert status == 0, text
    assert "6/6 [" in text and "run/s]" in text and "100%|" in text
    assert "Ran 6 runs in " in text


# ---------------------------------------------------------------- 3: resuming after kill -9


def long_sweep(folder: Path, samples: int, chunk_runs: int) -> Path:
    """A sweep of the full year, long enough to be interrupted: `samples` points x 4 replicates."""
    return write_sweep(
        folder,
        "long.toml",
        BASELINE,
        {"kind": "latin_hypercube", "samples": samples},
        {"actors.AZE.sensitivity": {"min": 0.4, "max": 1.6}, "parameters.trust_rate": {"min": 0.1, "max": 0.4}},
        replicates=4,
        master_seed=3,
        chunk_runs=chunk_runs,
    )


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_to_the_uninterrupted_dataset(tmp_path):
    """64 runs of the full year in 8 chunks of 8: killed once the first chunk is on disk, then rerun."""
    config = long_sweep(tmp_path, samples=16, chunk_runs=8)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "caucasus", "sweep", str(config), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not chunk_files(out):
            assert process.poll() is None, "the sweep ended before any chunk was seen"
            assert time.monotonic() < deadline, "no chunk written within 60 s"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    on_disk = chunk_files(out)
    assert 1 <= len(on_disk) < 8, "the kill came too late to interrupt the sweep"
    assert not (out / "complete.json").exists()
    partial = read_runs(out)
    assert len(partial) == 8 * len(on_disk) < 64
    # analysing it now is refused: it says to rerun the sweep
    assert main(["analyze", str(out), "--no-figures"]) == 2
    assert not (out / "analysis").exists()

    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({8 * len(on_disk)} were already on disk)" in resumed.stdout
    assert f"Ran {64 - 8 * len(on_disk)} runs in " in resumed.stdout
    assert (out / "complete.json").exists()
    assert not list(out.rglob("*.tmp"))
    assert chunk_files(out) == [f"chunk-{i:06d}.parquet" for i in range(8)]

    runs = read_runs(out)
    assert runs["run_id"].tolist() == list(range(64))  # none missing, none twice
    pd.testing.assert_frame_equal(runs.iloc[: len(partial)], partial, check_exact=True)
    uninterrupted = run_sweep(config, tmp_path / "uninterrupted")
    pd.testing.assert_frame_equal(runs, read_runs(uninterrupted), check_exact=True)

    # a complete sweep run again runs nothing and leaves its files alone
    before = snapshot(out / "runs")
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert again.returncode == 0 and "(64 were already on disk)" in again.stdout and "Ran 0 runs" in again.stdout
    assert snapshot(out / "runs") == before


@pytest.mark.slow
def test_a_sweep_whose_worker_process_is_killed_stops_cleanly_and_resumes(tmp_path):
    """A worker killed with SIGKILL as the sweep starts: exit 1, one paragraph, no traceback; the rerun completes it."""
    import psutil

    config = long_sweep(tmp_path, samples=64, chunk_runs=4)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "caucasus", "sweep", str(config), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        statement = process.stderr.readline()  # the sweep's size, once the workers are up (64 chunks to go)
        assert statement.startswith("caucasus: sweep long:"), statement
        children = psutil.Process(process.pid).children(recursive=True)
        workers = [child for child in children if "spawn_main" in " ".join(child.cmdline())]
        assert len(workers) == 2, [child.cmdline() for child in children]
        workers[0].kill()
        _, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 1, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert "--workers: could not finish the work (a worker process died" in stderr, stderr
    assert not (out / "complete.json").exists()
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(read_runs(out), read_runs(run_sweep(config, tmp_path / "serial")), check_exact=True)


@pytest.mark.parametrize("leftovers", [[".manifest.json.tmp"], ["manifest.json", ".design.parquet.tmp"]])
def test_a_sweep_killed_while_writing_its_manifest_or_design_can_be_rerun(tmp_path, capsys, leftovers):
    """What `kill -9` can leave before the first chunk: a manifest cut short, or a manifest and a design cut short.

    The store promises that a sweep killed at any moment and started again runs only what is missing;
    the same command must take its own directory back.
    """
    config = write_sweep(
        tmp_path,
        "tiny.toml",
        write_scenario(tmp_path),
        {"kind": "latin_hypercube", "samples": 3},
        {"parameters.trust_rate": {"min": 0.1, "max": 0.4}},
    )
    out = tmp_path / "out"
    if "manifest.json" in leftovers:  # the manifest was written whole: take it from a finished sweep
        assert main(["sweep", str(config), "--out", str(tmp_path / "whole")]) == 0
        out.mkdir()
        (out / "manifest.json").write_bytes((tmp_path / "whole" / "manifest.json").read_bytes())
    out.mkdir(exist_ok=True)
    for name in leftovers:
        if name.endswith(".tmp"):
            (out / name).write_bytes(b"PAR1")  # a file cut short
    capsys.readouterr()
    status = main(["sweep", str(config), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert len(read_runs(out)) == 6 and not list(out.rglob("*.tmp"))


@pytest.mark.parametrize(
    ("engine", "seeds", "replicates", "chunk"),
    [
        ("ensemble", "common", 10, 1024),  # the seeds make no difference: runs draw where they use
        ("ensemble", "common", 513, 1024),
        ("ensemble", "independent", 10, 1024),
        ("mesa", "common", 10, 16),
    ],
)
def test_default_chunks_depend_on_the_sweep_alone(engine, seeds, replicates, chunk):
    config = dataclasses.replace(
        load_sweep(ROOT / "configs" / "sweeps" / "rupture_drivers.toml"), seeds=seeds, replicates=replicates
    )
    assert plan_sweep(config, engine).chunk_runs == chunk
    assert plan_sweep(dataclasses.replace(config, chunk_runs=100), engine).chunk_runs == 100


def test_chunks_past_the_millionth_are_found_on_disk(tmp_path):
    """A valid sweep can have more than a million chunks (2 points x 500,001 replicates, chunk_runs = 1)."""
    config = write_sweep(
        tmp_path,
        "many.toml",
        write_scenario(tmp_path),
        {"kind": "full_factorial"},
        {"parameters.trust_rate": {"values": [0.2, 0.3]}},
        replicates=500_001,
        chunk_runs=1,
    )
    plan = plan_sweep(load_sweep(config))
    assert plan.n_chunks == 1_000_002
    store = SweepStore(tmp_path / "out")
    store.initialise(plan.manifest(), plan.design)
    last = plan.n_chunks - 1
    provenance = {"config_hash": plan.config.config_hash(), "chunk": last}  # checked against the manifest
    store.write_chunk(last, run_chunk(plan.work(last)), provenance)
    assert (store.runs_dir / f"chunk-{last}.parquet").is_file()
    assert store.done_chunks({last: 1}) == {last}
    assert read_runs(store.root)["run_id"].tolist() == [1_000_001]


# ---------------------------------------------------------------- 4: designs

FLOAT_PARAMETERS = {
    "actors.AZE.sensitivity": {"min": 0.4, "max": 1.6},
    "parameters.escalation_cost": {"min": 0.0, "max": 10.0},
    "actors.RUS.distraction": {"min": 0.5, "max": 1.0},
}
INTEGER_PARAMETERS = {
    "parameters.max_rung_step": {"min": 1, "max": 3},
    "parameters.agreement_days": {"min": 5, "max": 60},
}
DESIGNS = {
    "latin_hypercube": ({"kind": "latin_hypercube", "samples": 37}, FLOAT_PARAMETERS | INTEGER_PARAMETERS),
    "sobol": ({"kind": "sobol", "samples": 16}, FLOAT_PARAMETERS | INTEGER_PARAMETERS),
    "sobol_second_order": (
        {"kind": "sobol", "samples": 8, "second_order": True},
        FLOAT_PARAMETERS | INTEGER_PARAMETERS,
    ),
    "morris": ({"kind": "morris", "samples": 6, "levels": 4}, FLOAT_PARAMETERS),  # refuses integers
}


def expected_points(design: dict, k: int) -> int:
    """SALib's numbers of points: Saltelli N(k+2), or N(2k+2) with second order; Morris r(k+1)."""
    if design["kind"] == "sobol":
        return design["samples"] * (2 * k + 2 if design.get("second_order") else k + 2)
    if design["kind"] == "morris":
        return design["samples"] * (k + 1)
    return design["samples"]


def check_within_bounds_and_typed(frame: pd.DataFrame, parameters: dict) -> None:
    assert frame["point_id"].tolist() == list(range(len(frame)))
    for name, spec in parameters.items():
        column = frame[name]
        low, high = spec.get("min", min(spec.get("values", [0]))), spec.get("max", max(spec.get("values", [0])))
        assert column.between(low, high).all(), (name, column.min(), column.max())
        if name in INTEGER_PARAMETERS:
            assert pd.api.types.is_integer_dtype(column), (name, column.dtype)
        else:
            assert pd.api.types.is_float_dtype(column), (name, column.dtype)


@pytest.mark.parametrize("case", DESIGNS)
def test_sampled_designs_stay_within_bounds_and_have_salibs_number_of_points(case, tmp_path):
    design, parameters = DESIGNS[case]
    config = load_sweep(write_sweep(tmp_path, "design.toml", write_scenario(tmp_path), design, parameters))
    frame = sample_design(config)
    assert len(frame) == design_size(config) == expected_points(design, len(parameters))
    assert list(frame.columns) == ["point_id", *parameters]
    check_within_bounds_and_typed(frame, parameters)
    if "parameters.max_rung_step" in parameters:  # rounding to 1, 2, 3 still reaches both ends
        assert sorted(frame["parameters.max_rung_step"].unique()) == [1, 2, 3]
    pd.testing.assert_frame_equal(sample_design(load_sweep(config.source)), frame)  # the sampler is seeded
    if design["kind"] == "morris":  # Morris points lie on the grid of `levels` levels
        for name, spec in parameters.items():
            grid = np.linspace(spec["min"], spec["max"], design["levels"])
            distance = np.abs(frame[name].to_numpy()[:, None] - grid[None, :]).min(axis=1)
            assert distance.max() < 1e-9, name


def test_a_full_factorial_is_exactly_the_product_of_the_value_lists(tmp_path):
    parameters = {
        "actors.AZE.sensitivity": {"values": [0.4, 0.8, 1.6]},
        "parameters.thaw_rate": {"min": 0.0, "max": 2.0, "levels": 3},
        "parameters.max_rung_step": {"min": 1, "max": 3, "levels": 5},  # integer: 1, 1.5, 2, 2.5, 3 -> 1, 2, 3
        "parameters.agreement_days": {"values": [7, 21]},
    }
    config = load_sweep(
        write_sweep(tmp_path, "ff.toml", write_scenario(tmp_path), {"kind": "full_factorial"}, parameters)
    )
    frame = sample_design(config)
    levels = [[0.4, 0.8, 1.6], [0.0, 1.0, 2.0], [1, 2, 3], [7, 21]]
    expected = list(itertools.product(*levels))
    assert len(frame) == design_size(config) == 3 * 3 * 3 * 2
    got = [tuple(row) for row in frame[list(parameters)].itertuples(index=False)]
    assert len(set(got)) == len(got)
    np.testing.assert_allclose(np.array(sorted(got)), np.array(sorted(expected)), rtol=0, atol=1e-12)
    check_within_bounds_and_typed(frame, parameters)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["latin_hypercube", "sobol"]),
    samples=st.sampled_from([1, 2, 4, 8]),
    low=st.floats(0.0, 2.0, exclude_max=True),
    width=st.floats(1e-3, 2.0),
    days=st.tuples(st.integers(1, 365), st.integers(1, 365)).filter(lambda d: d[0] != d[1]).map(sorted),
)
def test_any_range_the_model_allows_is_sampled_within_it(kind, samples, low, width, days):
    high = min(2.0, low + width)
    parameters = {
        "actors.AZE.sensitivity": {"min": low, "max": high},
        "parameters.agreement_days": {"min": days[0], "max": days[1]},
    }
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = load_sweep(
            write_sweep(folder, "any.toml", write_scenario(folder), {"kind": kind, "samples": samples}, parameters)
        )
        frame = sample_design(config)
    assert len(frame) == design_size(config)
    check_within_bounds_and_typed(frame, parameters)


# ---------------------------------------------------------------- 5: seeds


@pytest.fixture(scope="module")
def seed_sweeps(tmp_path_factory):
    """3 design points x 3 replicates over the plane crisis, common and independent seeds, two chunk sizes."""
    folder = tmp_path_factory.mktemp("seeds")
    scenario = write_scenario(folder)
    design, parameters = {"kind": "full_factorial"}, {"actors.AZE.sensitivity": {"values": [0.5, 1.0, 1.5]}}

    def sweep(name, **keys):
        config = write_sweep(folder, f"{name}.toml", scenario, design, parameters, replicates=3, master_seed=99, **keys)
        return run_sweep(config, folder / name)

    return {
        "common": sweep("common", seeds="common", chunk_runs=2),
        "common_4": sweep("common_4", seeds="common", chunk_runs=4),
        "independent": sweep("independent", seeds="independent", chunk_runs=2),
        "independent_default": sweep("independent_default", seeds="independent"),
    }


def test_common_seeds_give_replicate_r_the_same_seed_at_every_point(seed_sweeps):
    runs = read_runs(seed_sweeps["common"])
    assert len(runs) == 9
    assert (runs.groupby("replicate")["seed"].nunique() == 1).all()
    per_replicate = runs.groupby("replicate")["seed"].first()
    assert per_replicate.is_unique
    assert per_replicate.tolist() == spawned_seeds(99, np.arange(3)).tolist()
    # common random numbers: replicate r differs between points only through the parameters
    assert runs.groupby("replicate")["trust_AZE_RUS_min"].nunique().eq(3).all()


def test_independent_seeds_are_all_different(seed_sweeps):
    runs = read_runs(seed_sweeps["independent"])
    assert runs["seed"].is_unique and len(runs) == 9
    assert runs["seed"].tolist() == spawned_seeds(99, runs["run_id"].to_numpy()).tolist()
    assert ((runs["seed"] >= 0) & (runs["seed"] < 2**63)).all()


@pytest.mark.parametrize(
    ("small", "large", "files"), [("common", "common_4", (5, 3)), ("independent", "independent_default", (5, 1))]
)
def test_rows_do_not_depend_on_the_chunk_size(seed_sweeps, small, large, files):
    first, second = seed_sweeps[small], seed_sweeps[large]
    assert (len(chunk_files(first)), len(chunk_files(second))) == files
    pd.testing.assert_frame_equal(read_runs(first), read_runs(second), check_exact=True)


# ---------------------------------------------------------------- 6: known sensitivity on the real model


def test_sobol_finds_that_sensitivity_drives_trust_and_the_rupture_duration_does_not(tmp_path):
    """`rupture_days` only defines the rupture outcome: trust cannot depend on it; AZE's sensitivity drives it."""
    config = write_sweep(
        tmp_path,
        "sobol.toml",
        BASELINE,
        {"kind": "sobol", "samples": 32},
        {"actors.AZE.sensitivity": {"min": 0.4, "max": 1.6}, "parameters.rupture_days": {"min": 7, "max": 28}},
        replicates=2,
        master_seed=11,
        seeds="common",
        outcomes=["trust_AZE_RUS_min", "rupture"],
    )
    out = run_sweep(config, tmp_path / "sobol")
    result = analyze(out, figures=False)
    table = result.sensitivity
    trust = table[table["outcome"] == "trust_AZE_RUS_min"].set_index("parameter")
    assert set(trust["method"]) == {"sobol"}
    assert abs(trust.loc["parameters.rupture_days", "ST"]) < 0.05
    assert abs(trust.loc["parameters.rupture_days", "S1"]) < 0.05
    assert trust.loc["actors.AZE.sensitivity", "ST"] > 0.5
    assert trust.loc["actors.AZE.sensitivity", "rank"] == 1
    assert (out / "analysis" / "sensitivity.csv").is_file() and (out / "analysis" / "report.md").is_file()


# ---------------------------------------------------------------- 7: one sweep per directory


@pytest.fixture()
def finished(tmp_path) -> tuple[Path, Path]:
    """A finished tiny sweep (its file and its directory)."""
    config = write_sweep(
        tmp_path,
        "first.toml",
        write_scenario(tmp_path),
        {"kind": "latin_hypercube", "samples": 3},
        {"parameters.trust_rate": {"min": 0.1, "max": 0.4}},
        chunk_runs=2,
    )
    return config, run_sweep(config, tmp_path / "out")


@pytest.mark.parametrize(
    ("change", "extra", "key"),
    [
        ("master_seed = 7", "master_seed = 8", "config_hash"),
        ("replicates = 2", "replicates = 3", "config_hash"),
        ("chunk_runs = 2", "chunk_runs = 3", "chunk_runs"),
        (None, "--engine mesa", "engine"),
    ],
)
def test_another_sweep_into_a_sweeps_directory_is_refused_and_changes_nothing(finished, change, extra, key, capsys):
    config, out = finished
    args = ["sweep", str(config), "--out", str(out)]
    if change is None:
        args += extra.split()
    else:
        other = config.with_name("other.toml")
        other.write_text(config.read_text().replace(change, extra), encoding="utf-8")
        assert other.read_text() != config.read_text()
        args[1] = str(other)
    before = snapshot(out)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("caucasus: error: ") and err.count("\n") == 1
    assert f"key '{key}'" in err and "holds another sweep" in err and "give another --out" in err
    assert snapshot(out) == before


@pytest.mark.slow
def test_another_sweep_is_refused_by_the_real_command(finished):
    config, out = finished
    other = config.with_name("other.toml")
    other.write_text(config.read_text().replace("master_seed = 7", "master_seed = 8"), encoding="utf-8")
    before = snapshot(out)
    result = cli("sweep", other, "--out", out)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("caucasus: error: ") and len(result.stderr.splitlines()) == 1
    assert "holds another sweep" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(out) == before


def test_a_non_empty_directory_without_a_manifest_is_refused(finished, tmp_path, capsys):
    config, _ = finished
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine\n")
    before = snapshot(occupied)
    assert main(["sweep", str(config), "--out", str(occupied)]) == 2
    assert "is not empty and holds no sweep" in capsys.readouterr().err
    assert snapshot(occupied) == before
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert main(["sweep", str(config), "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err and a_file.read_text() == "x"


def test_a_caucasus_run_directory_is_not_taken_for_a_sweep(finished, tmp_path, capsys):
    config, _ = finished
    model = CaucasusModel(write_scenario(tmp_path, name="run.toml"), rng=1).run()
    run_dir = write_run(model, model.outcomes(), tmp_path / "a_run")
    before = snapshot(run_dir)
    assert main(["sweep", str(config), "--out", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "not a sweep results directory" in err
    assert snapshot(run_dir) == before


def test_an_empty_directory_is_accepted(finished, tmp_path):
    config, out = finished
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["sweep", str(config), "--out", str(empty)]) == 0
    pd.testing.assert_frame_equal(read_runs(empty), read_runs(out), check_exact=True)


def test_analysing_an_incomplete_sweep_fails_and_says_to_rerun_it(finished, capsys):
    _, out = finished
    (out / "runs" / "chunk-000001.parquet").unlink()
    (out / "complete.json").unlink()
    before = snapshot(out)
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("caucasus: error: ") and err.count("\n") == 1
    assert "holds 4 of the sweep's 6 runs" in err and "rerun the same `caucasus sweep` command" in err
    assert snapshot(out) == before  # no analysis folder either


# ---------------------------------------------------------------- 8: bad input

LHS = {"kind": "latin_hypercube", "samples": 4}
TRUST = {"parameters.trust_rate": {"min": 0.1, "max": 0.4}}
TWO = TRUST | {"actors.AZE.sensitivity": {"min": 0.4, "max": 1.6}}

# (id, the sweep file: (design, parameters, [sweep] keys), None for a good file, "missing", or raw text;
#  extra arguments; texts the one-line error must carry: the key and what is wrong)
BAD = [
    (
        "unknown-parameter",
        (LHS, {"parameters.trust_rat": {"min": 0.1, "max": 0.4}}, {}),
        [],
        ("key 'parameters.\"parameters.trust_rat\"'", "unknown parameter"),
    ),
    (
        "unknown-actor",
        (LHS, {"actors.XYZ.sensitivity": {"min": 0.1, "max": 0.4}}, {}),
        [],
        ("key 'parameters.\"actors.XYZ.sensitivity\"'", "unknown parameter"),
    ),
    (
        "min-above-max",
        (LHS, {"parameters.trust_rate": {"min": 0.4, "max": 0.1}}, {}),
        [],
        ("key 'parameters.\"parameters.trust_rate\"'", "min 0.4 is above max 0.1"),
    ),
    (
        "max-out-of-range",
        (LHS, {"parameters.trust_rate": {"min": 0.1, "max": 1.5}}, {}),
        [],
        ("key 'parameters.\"parameters.trust_rate\".max'", "[0.0, 1.0]"),
    ),
    (
        "min-out-of-range",
        (LHS, {"actors.AZE.sensitivity": {"min": -0.1, "max": 1}}, {}),
        [],
        ("key 'parameters.\"actors.AZE.sensitivity\".min'", "[0.0, 2.0]"),
    ),
    (
        "integer-as-float",
        (LHS, {"parameters.max_rung_step": {"min": 1.5, "max": 3}}, {}),
        [],
        ("key 'parameters.\"parameters.max_rung_step\".min'", "not an integer"),
    ),
    ("sobol-not-power-of-2", ({"kind": "sobol", "samples": 12}, TWO, {}), [], ("key 'design'", "power of 2")),
    ("replicates-0", (LHS, TRUST, {"replicates": 0}), [], ("key 'sweep.replicates'", "[1, 1000000]")),
    (
        "unknown-design",
        ({"kind": "random", "samples": 4}, TRUST, {}),
        [],
        ("key 'design.kind'", "full_factorial, latin_hypercube, sobol, morris"),
    ),
    (
        "unknown-outcome",
        (LHS, TRUST, {"outcomes": ["rupture", "trust_min"]}),
        [],
        ("key 'sweep.outcomes'", "'trust_min' is not an outcome"),
    ),
    ("morris-odd-levels", ({"kind": "morris", "samples": 4, "levels": 3}, TWO, {}), [], ("key 'design.levels'", "odd")),
    ("unknown-seed-policy", (LHS, TRUST, {"seeds": "shared"}), [], ("key 'sweep.seeds'", "common, independent")),
    ("chunk-runs-0", (LHS, TRUST, {"chunk_runs": 0}), [], ("key 'sweep.chunk_runs'", "out of range")),
    (
        "unreachable-scheduler",
        None,
        ["--scheduler", "tcp://127.0.0.1:1"],
        ("--scheduler", "tcp://127.0.0.1:1", "no Dask scheduler answered"),
    ),
    ("workers-0", None, ["--workers", "0"], ("--workers", f"1 to {os.cpu_count()} worker processes")),
    ("missing-file", "missing", [], ("missing.toml", "not found")),
    ("malformed-toml", "[sweep\nreplicates = 2\n", [], ("bad.toml, line 1", "malformed TOML")),
]
SLOW_BAD = {"unreachable-scheduler": pytest.mark.slow}  # waits out the scheduler timeout (10 s)


@pytest.mark.parametrize(
    ("sweep", "extra", "says"),
    [pytest.param(*case[1:], id=case[0], marks=SLOW_BAD.get(case[0], ())) for case in BAD],
)
def test_bad_input_is_one_line_naming_the_key_exit_2_and_nothing_written(tmp_path, capsys, sweep, extra, says):
    path = tmp_path / "bad.toml"
    if sweep is None:
        path.write_text(sweep_text(write_scenario(tmp_path), LHS, TRUST), encoding="utf-8")
    elif sweep == "missing":
        path = tmp_path / "missing.toml"
    elif isinstance(sweep, str):
        path.write_text(sweep, encoding="utf-8")
    else:
        design, parameters, keys = sweep
        path.write_text(sweep_text(write_scenario(tmp_path), design, parameters, **keys), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("caucasus: error: ") and captured.err.count("\n") == 1, captured.err
    for text in says:
        assert text in captured.err, (text, captured.err)
    assert not out.exists()


@pytest.mark.slow
def test_bad_input_from_the_real_command_is_one_line_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(sweep_text(write_scenario(tmp_path), LHS, {"parameters.trust_rate": {"min": 0.4, "max": 0.1}}))
    out = tmp_path / "out"
    result = cli("sweep", bad, "--out", out)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"caucasus: error: {bad}: key ") and len(result.stderr.splitlines()) == 1
    assert "min 0.4 is above max 0.1" in result.stderr
    assert not out.exists()


def test_damaged_run_files_are_config_errors(tmp_path):
    """Chunks without run ids, or whose column types disagree, are named as damaged, not a traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from experiments.store import RUNS, SweepStore, read_runs
    from sim.errors import ConfigError

    runs = tmp_path / RUNS
    runs.mkdir()
    pq.write_table(pa.table({"point_id": [0]}), runs / "chunk-000000.parquet")
    with pytest.raises(ConfigError, match="run_id"):
        read_runs(tmp_path)
    pq.write_table(pa.table({"run_id": [0], "rupture": [True]}), runs / "chunk-000000.parquet")
    pq.write_table(pa.table({"run_id": [1], "rupture": ["yes"]}), runs / "chunk-000001.parquet")
    with pytest.raises(ConfigError, match="disagree"):
        read_runs(tmp_path)
    assert SweepStore(str(tmp_path)).runs_dir == runs
