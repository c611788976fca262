"""Sweeps and runs under concurrency, damage and tampering (issue 14, items 1 and 2).

Two commands on one output directory: the second is refused (exit 2) naming the holder, the
first's dataset stays whole. A damaged, foreign or edited chunk is found: resume moves it to
quarantine/ and runs it again; `caucasus verify` and `caucasus analyze` name it. Real sweeps of
the model, in process through `main` or as real processes where the process matters.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from caucasus.cli import main
from experiments.store import LOCK, SweepStore, read_runs, read_sweep_results, temporary_name
from sim.locking import LOCK_SUFFIX, exclusive_lock
from tests.conftest import ROOT
from tests.test_sweeps import BASELINE, CLI_TIMEOUT_S, chunk_files, cli, snapshot, write_scenario, write_sweep

TRUST = {"parameters.trust_rate": {"min": 0.1, "max": 0.4}}


def small_sweep(folder: Path, name: str = "tiny.toml", master_seed: int = 7) -> Path:
    """8 runs of the 60-day plane crisis in 4 chunks of 2 (each chunk file is about 17 kB)."""
    scenario = write_scenario(folder)
    return write_sweep(
        folder, name, scenario, {"kind": "latin_hypercube", "samples": 4}, TRUST, master_seed=master_seed, chunk_runs=2
    )


@pytest.fixture
def finished(tmp_path, capsys):
    """A finished small sweep and, beside it, the same sweep run again as the reference."""
    config = small_sweep(tmp_path)
    out, reference = tmp_path / "out", tmp_path / "reference"
    assert main(["sweep", str(config), "--out", str(out)]) == 0
    assert main(["sweep", str(config), "--out", str(reference)]) == 0
    capsys.readouterr()
    return config, out, reference


def resume(config: Path, out: Path, capsys) -> str:
    """Rerun the sweep's command; the lines of its stderr about chunks (not the sweep's size)."""
    assert main(["sweep", str(config), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return "".join(line for line in err.splitlines(keepends=True) if f"{out}/runs/" in line)


# ---------------------------------------------------------------- 1: one command per directory


@pytest.mark.slow
def test_two_sweeps_started_into_one_directory_do_not_mix(tmp_path):
    """Two real sweeps (master seeds 3 and 4) started at once into one directory, then a third like the winner.

    One runs; the other is refused with exit 2: by the lock, naming its holder, or, if it looked
    after the winner's manifest was written, as another sweep. The third (the winner's own sweep,
    started while it runs) is refused by the lock, naming the winner. The dataset is the winner's, whole.
    """
    configs = {}
    for seed in (3, 4):
        configs[seed] = write_sweep(
            tmp_path,
            f"seed{seed}.toml",
            BASELINE,
            {"kind": "latin_hypercube", "samples": 256},
            TRUST | {"actors.AZE.sensitivity": {"min": 0.4, "max": 1.6}},
            replicates=64,
            master_seed=seed,
            chunk_runs=256,
        )  # 16,384 runs of the full year in 64 chunks: several seconds (4,096 ran out before a third command started)
    out = tmp_path / "shared"
    processes = {
        seed: subprocess.Popen(
            [sys.executable, "-m", "caucasus", "sweep", str(config), "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, config in configs.items()
    }
    try:
        deadline = time.monotonic() + 60
        while not (out / "manifest.json").exists():
            assert all(p.poll() in (None, 2) for p in processes.values()), "a sweep ended before writing anything"
            assert time.monotonic() < deadline, "no sweep wrote its manifest within 60 s"
            time.sleep(0.01)
        winner = json.loads((out / "manifest.json").read_text())["sweep"]["master_seed"]
        third = cli("sweep", configs[winner], "--out", out)
        still_running = processes[winner].poll() is None
        results = {seed: (p.communicate(timeout=CLI_TIMEOUT_S), p.returncode) for seed, p in processes.items()}
    finally:
        for process in processes.values():
            process.kill()
            process.wait(timeout=30)
    loser = 7 - winner
    (stdout, stderr), status = results[winner]
    assert status == 0, stderr
    assert "Ran 16384 runs" in stdout
    (loser_out, loser_err), loser_status = results[loser]
    assert loser_status == 2 and loser_out == "" and len(loser_err.splitlines()) == 1, loser_err
    holder = f"pid {processes[winner].pid} on {socket.gethostname()}, started 20"
    by_lock = f"caucasus: error: {out}: is in use by another caucasus command ({holder}"
    assert loser_err.startswith(by_lock) or "holds another sweep" in loser_err, loser_err
    assert still_running, "the first sweep ended before the third was tried: make it longer"
    assert third.returncode == 2 and third.stdout == "" and third.stderr.startswith(by_lock), third.stderr
    assert len(third.stderr.splitlines()) == 1 and "Traceback" not in third.stderr
    assert "wait for that one to finish" in third.stderr and "give another --out" in third.stderr
    # the winner's dataset is whole and all its own
    assert main(["verify", str(out)]) == 0
    sweep = read_sweep_results(out)
    assert sweep.runs["run_id"].tolist() == list(range(16384)) and sweep.manifest["sweep"]["master_seed"] == winner
    chunks = sorted((out / "runs").iterdir())
    assert [path.name for path in chunks] == [f"chunk-{i:06d}.parquet" for i in range(64)]
    hashes = {json.loads(pq.read_schema(path).metadata[b"caucasus.sweep"])["config_hash"] for path in chunks}
    assert hashes == {sweep.manifest["config_hash"]}
    assert not (out / LOCK).exists() and not list(out.rglob("*.tmp")) and not (out / "quarantine").exists()


def test_a_sweep_into_a_locked_directory_exits_2_naming_the_holder_and_writes_nothing(tmp_path, capsys):
    config = small_sweep(tmp_path)
    out = tmp_path / "out"
    with SweepStore(out).locked():
        before = snapshot(out)
        assert main(["sweep", str(config), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert snapshot(out) == before
    assert err.startswith(f"caucasus: error: {out}: is in use by another caucasus command (pid {os.getpid()} on ")
    assert err.count("\n") == 1
    assert not out.exists()  # the lock's holder made it and left it empty: removed
    assert main(["sweep", str(config), "--out", str(out)]) == 0  # free again
    assert len(read_runs(out)) == 8 and not (out / LOCK).exists()


def test_analysing_a_sweep_being_written_says_so_rather_than_to_rerun_it(finished, capsys):
    _, out, _ = finished
    (out / "runs" / "chunk-000003.parquet").unlink()
    with SweepStore(out).locked():
        assert main(["analyze", str(out), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"caucasus: error: {out}/runs: holds 6 of the sweep's 8 runs: the sweep is being written now")
    assert f"(pid {os.getpid()} on " in err and "analyse it once that command ends" in err and err.count("\n") == 1
    assert main(["analyze", str(out), "--no-figures"]) == 2  # the lock released: rerun the sweep
    assert "rerun the same `caucasus sweep` command" in capsys.readouterr().err


def test_a_run_into_a_directory_being_written_exits_2_naming_the_holder(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    out = tmp_path / "runs" / "one"
    out.parent.mkdir()
    with exclusive_lock(out.parent / f".one{LOCK_SUFFIX}", out, "another --out"):
        assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"caucasus: error: {out}: is in use by another caucasus command (pid {os.getpid()} on ")
    assert not out.exists() and sorted(os.listdir(out.parent)) == []
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet"]) == 0
    assert sorted(os.listdir(out.parent)) == ["one"]  # no lock left beside it


def test_temporary_names_are_unique_to_each_write():
    path = Path("/x/runs/chunk-000001.parquet")
    names = {temporary_name(path).name for _ in range(100)}
    assert len(names) == 100
    assert all(name.startswith(f".chunk-000001.parquet.{os.getpid()}.") and name.endswith(".tmp") for name in names)


# ---------------------------------------------------------------- 2: damaged, foreign and edited chunks


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_chunk_is_quarantined_and_run_again_on_resume(finished, capsys, damage):
    config, out, reference = finished
    chunk = out / "runs" / "chunk-000001.parquet"
    if damage == "truncate":
        assert chunk.stat().st_size > 12000
        os.truncate(chunk, 12000)
    else:
        chunk.write_bytes(b"garbage" * 100)
    damaged = chunk.read_bytes()
    (out / "complete.json").unlink()  # as after a power cut during the sweep
    err = resume(config, out, capsys)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"caucasus: {chunk}: cannot be read as Parquet (")
    assert err.endswith("moved to quarantine/chunk-000001.parquet and run again\n")
    assert (out / "quarantine" / "chunk-000001.parquet").read_bytes() == damaged  # kept, never deleted
    pd.testing.assert_frame_equal(read_runs(out), read_runs(reference), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs"), pd.read_parquet(reference / "runs"))
    assert main(["verify", str(out)]) == 0
    assert main(["analyze", str(out), "--no-figures"]) == 0


def test_a_chunk_from_another_sweep_is_refused_on_read_and_quarantined_on_resume(finished, tmp_path, capsys):
    config, out, reference = finished
    other = tmp_path / "other"
    assert main(["sweep", str(small_sweep(tmp_path, "other.toml", master_seed=8)), "--out", str(other)]) == 0
    chunk = out / "runs" / "chunk-000002.parquet"
    shutil.copyfile(other / "runs" / "chunk-000002.parquet", chunk)
    assert chunk.read_bytes() != (reference / "runs" / "chunk-000002.parquet").read_bytes()
    capsys.readouterr()
    assert main(["analyze", str(out), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"caucasus: error: {chunk}: holds runs of another sweep") and err.count("\n") == 1
    assert not (out / "analysis").exists()
    err = resume(config, out, capsys)
    assert err.startswith(f"caucasus: {chunk}: holds runs of another sweep (config hash ")
    assert err.count("\n") == 1 and "moved to quarantine/chunk-000002.parquet" in err
    pd.testing.assert_frame_equal(read_runs(out), read_runs(reference), check_exact=True)
    assert (out / "quarantine" / "chunk-000002.parquet").read_bytes() == (
        other / "runs" / "chunk-000002.parquet"
    ).read_bytes()


def test_an_edited_chunk_is_reported_by_verify_and_analyze_and_replaced_on_resume(finished, capsys):
    config, out, reference = finished
    chunk = out / "runs" / "chunk-000003.parquet"
    table = pq.read_table(chunk)  # its metadata (the sweep's provenance) kept
    frame = table.to_pandas()
    frame["seed"] = frame["seed"] + 1
    pq.write_table(
        type(table).from_pandas(frame, preserve_index=False).replace_schema_metadata(table.schema.metadata), chunk
    )
    assert main(["verify", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"problem: {chunk}: does not match its recorded SHA-256 checksum" in captured.out
    assert captured.err == f"caucasus: error: {out}: 1 problem found (listed above)\n"
    assert main(["analyze", str(out), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"caucasus: error: {chunk}: does not match its recorded SHA-256 checksum")
    assert err.count("\n") == 1
    err = resume(config, out, capsys)
    assert "moved to quarantine/chunk-000003.parquet and run again" in err
    pd.testing.assert_frame_equal(read_runs(out), read_runs(reference), check_exact=True)
    assert main(["verify", str(out)]) == 0


# ---------------------------------------------------------------- verify


def test_verify_passes_a_clean_sweep_run_and_comparison(finished, tmp_path, capsys):
    _, out, _ = finished
    assert main(["verify", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"OK: {out}: a complete sweep of 8 runs in 4 chunks, checksums match\n"
    assert captured.err == ""
    scenario = write_scenario(tmp_path, name="run.toml")
    run_dir = tmp_path / "a_run"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(run_dir), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["verify", str(run_dir)]) == 0
    assert capsys.readouterr().out == f"OK: {run_dir}: a complete run\n"
    comparison = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(scenario), "--seed", "1", "--out", str(comparison)]) == 0
    capsys.readouterr()
    assert main(["verify", str(comparison)]) == 0
    assert capsys.readouterr().out == f"OK: {comparison}: a complete comparison\n"


def test_verify_lists_every_problem_of_a_sweep(finished, capsys):
    _, out, _ = finished
    (out / "runs" / "chunk-000000.parquet").unlink()
    (out / "runs" / "notes.parquet").write_bytes(b"x")
    (out / "stray.txt").write_text("x")
    os.truncate(out / "runs" / "chunk-000001.parquet", 100)
    assert main(["verify", str(out)]) == 2
    report = capsys.readouterr().out
    assert report.startswith(f"{out}: 4 problems found\n")
    assert f"{out}/runs/chunk-000001.parquet: cannot be read as Parquet" in report
    assert "1 of the sweep's 4 chunks are missing (chunk-000000.parquet)" in report
    assert f"{out}/runs/notes.parquet: a stray file" in report and f"{out}/stray.txt: a stray file" in report


def test_verify_finds_a_run_file_from_another_run_and_a_missing_one(tmp_path, capsys):
    scenario = write_scenario(tmp_path)
    for seed in (1, 2):
        assert main(["run", str(scenario), "--seed", str(seed), "--out", str(tmp_path / f"s{seed}"), "--quiet"]) == 0
    outcomes = json.loads((tmp_path / "s1" / "outcomes.json").read_text())
    (tmp_path / "s1" / "corridor.parquet").unlink()
    outcomes["config_hash"] = "0" * 16
    (tmp_path / "s1" / "outcomes.json").write_text(json.dumps(outcomes))
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "s1")]) == 2
    report = capsys.readouterr().out
    assert f"{tmp_path}/s1/corridor.parquet: is missing" in report
    assert f"{tmp_path}/s1/outcomes.json: carries config hash '0000000000000000'" in report
    assert main(["verify", str(tmp_path / "s2")]) == 0
    assert main(["verify", str(tmp_path / "nowhere")]) == 2


@pytest.mark.slow
def test_the_real_verify_command_exits_2_without_a_traceback(finished):
    _, out, _ = finished
    assert cli("verify", out).returncode == 0
    os.truncate(out / "runs" / "chunk-000002.parquet", 12000)
    result = cli("verify", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"caucasus: error: {out}: 1 problem found (listed above)\n"
    assert chunk_files(out) == [f"chunk-{i:06d}.parquet" for i in range(4)]  # verify moves nothing


def test_the_documented_reader_ignores_a_stray_parquet_file_that_pandas_would_take_in(finished):
    """README: read a sweep with read_sweep_results, not pandas.read_parquet("DIR/runs") (issue 14, item 6)."""
    _, out, _ = finished
    before = read_sweep_results(out).runs
    stray = pd.DataFrame({"run_id": [999], "rupture": [True]})
    stray.to_parquet(out / "runs" / "old-copy.parquet")
    assert len(pd.read_parquet(out / "runs")) == len(before) + 1  # the undocumented reader takes it in
    pd.testing.assert_frame_equal(read_sweep_results(out).runs, before)
