"""Exit codes mean one thing across commands: 2 the user's input, 1 the machine, 130 interrupted.

A mistake in the user's input (a config, an argument, an unreachable --scheduler) exits 2; a
failure of the machine (permission denied, disk full, I/O error) exits 1. Both print one
paragraph, `caucasus: error: ...`, without a traceback, and leave no partial output.

The machine's failures are real, not mocked, and happen to root too: sysfs refuses to create
anything under /sys (EPERM), and a file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so
a write past it fails with EFBIG, "File too large") makes a write fail halfway through.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from caucasus.cli import main
from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore
from experiments.sweep_config import load_sweep
from tests.conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
# The plane crisis only: 30 days, the baseline's later shocks dropped.
SHORT = (
    f'[scenario]\nextends = "{BASELINE}"\nhorizon_days = 30\n'
    'drop_shocks = ["raid", "deaths", "autopsy", "us_proposal", "treaty_text_arm", "treaty_text_aze"]\n'
)
SWEEP = """[sweep]
scenario = "{scenario}"
replicates = 2
master_seed = 7

[design]
kind = "latin_hypercube"
samples = 4

[parameters]
"parameters.trust_rate" = {{ min = 0.1, max = 0.4 }}
"actors.AZE.sensitivity" = {{ min = 0.4, max = 1.6 }}
"""
UNWRITABLE = Path("/sys/caucasus-test")  # sysfs: mkdir fails with EPERM, even for root
FILE_LIMIT = 2048  # bytes: every run writes files larger than this


def cli(*args: str | Path, file_limit: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m caucasus ARGS` as a real process, optionally unable to write files over `file_limit` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run(
        [sys.executable, "-m", "caucasus", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if file_limit is not None else None,
    )


def assert_one_paragraph(result: subprocess.CompletedProcess, status: int, *expected: str) -> None:
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("caucasus: error: ") and len(message.splitlines()) == 1, message
    for text in expected:
        assert text in message, (text, message)


def entries(folder: Path) -> list[str]:
    """Everything under `folder`, staging directories and temporary files included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def unwritable() -> Path:
    """A path nothing can be created in, not even by root (skipped where /sys would allow it)."""
    try:
        os.mkdir(UNWRITABLE)
    except OSError:
        return UNWRITABLE / "out"
    os.rmdir(UNWRITABLE)
    pytest.skip("/sys accepts new directories here")


@pytest.fixture
def short(tmp_path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A finished sweep (4 points x 2 replicates of the 30-day scenario)."""
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "short.toml").write_text(SHORT, encoding="utf-8")
    config = folder / "sweep.toml"
    config.write_text(SWEEP.format(scenario=folder / "short.toml"), encoding="utf-8")
    out = folder / "out"
    execute(plan_sweep(load_sweep(config), "ensemble"), SweepStore(out), progress=False)
    return out


# ---------------------------------------------------------------- in process: every command, the same status


def test_every_command_exits_1_where_it_cannot_write(unwritable, short, sweep_dir, capsys):
    sweep_config = sweep_dir.parent / "sweep.toml"
    commands = [  # (arguments, what the message says could not be written)
        (["run", str(short), "--out", str(unwritable), "--quiet"], "could not write the run"),
        (["compare", str(short), str(short), "--out", str(unwritable)], "could not write the comparison"),
        (["sweep", str(sweep_config), "--out", str(unwritable)], "could not write the sweep's results"),
        (["analyze", str(sweep_dir), "--out", str(unwritable), "--no-figures"], ""),
    ]
    for args, what in commands:
        status = main(args)
        err = capsys.readouterr().err
        assert status == 1, (args, err)
        assert err.startswith(f"caucasus: error: {unwritable}") and err.count("\n") == 1, err
        assert what in err and "Operation not permitted" in err, err
    assert not UNWRITABLE.exists()


def test_a_sweep_the_machine_cannot_read_exits_1_and_the_explorer_says_why(tmp_path, capsys):
    """A manifest that reads as an I/O error: /proc/self/mem fails with EIO at offset 0, even for root."""
    from viz.sweep_data import try_open

    broken = tmp_path / "sweep"
    broken.mkdir()
    (broken / "manifest.json").symlink_to("/proc/self/mem")
    try:
        (broken / "manifest.json").read_bytes()
    except OSError as error:
        if error.strerror != "Input/output error":
            pytest.skip(f"/proc/self/mem fails otherwise here: {error}")
    else:
        pytest.skip("/proc/self/mem reads here")
    assert main(["analyze", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err == f"caucasus: error: {broken}/manifest.json: could not read the sweep's manifest (Input/output error)\n"
    opened, message = try_open(str(broken))  # the page does not say which server paths exist; stderr does
    assert opened is None and "Input/output error" not in message and "Input/output error" in capsys.readouterr().err
    assert sorted(p.name for p in broken.iterdir()) == ["manifest.json"]


def test_the_users_mistakes_still_exit_2(short, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["run", str(short), "--out", str(tmp_path / "file" / "run"), "--quiet"]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep results directory" in capsys.readouterr().err
    assert (tmp_path / "file").read_text() == "x"


# ---------------------------------------------------------------- the real command: no traceback, nothing half-written


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "analyze"])
def test_the_real_command_exits_1_without_a_traceback_where_it_cannot_write(command, unwritable, short, sweep_dir):
    if command == "run":
        result = cli("run", short, "--out", unwritable, "--quiet")
        assert_one_paragraph(result, 1, str(unwritable), "could not write the run", "Operation not permitted")
    else:
        result = cli("analyze", sweep_dir, "--out", unwritable)
        assert_one_paragraph(result, 1, str(unwritable), "Operation not permitted")
    assert result.stdout == ""
    assert not UNWRITABLE.exists()


@pytest.mark.slow
def test_a_run_whose_disk_fills_halfway_exits_1_and_leaves_nothing(short, tmp_path):
    out = tmp_path / "deeper" / "run"
    result = cli("run", short, "--out", out, "--quiet", file_limit=FILE_LIMIT)
    assert_one_paragraph(result, 1, str(out), "could not write the run", "File too large")
    assert entries(tmp_path) == ["short.toml"], "no run, no staging directory, no parent it made"


@pytest.mark.slow
def test_a_forced_run_whose_disk_fills_halfway_keeps_the_previous_run(short, tmp_path):
    out = tmp_path / "run"
    assert cli("run", short, "--out", out, "--quiet").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = cli("run", short, "--out", out, "--seed", "2", "--force", "--quiet", file_limit=FILE_LIMIT)
    assert_one_paragraph(result, 1, str(out), "File too large")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert entries(tmp_path) == ["run", *(f"run/{name}" for name in sorted(before)), "short.toml"]


@pytest.mark.slow
def test_a_comparison_whose_disk_fills_halfway_exits_1_and_leaves_nothing(short, tmp_path):
    out = tmp_path / "comparison"
    result = cli("compare", short, short, "--out", out, file_limit=FILE_LIMIT)
    assert_one_paragraph(result, 1, str(out), "could not write the comparison", "File too large")
    assert entries(tmp_path) == ["short.toml"]


@pytest.mark.slow
def test_an_analysis_whose_disk_fills_halfway_exits_1(sweep_dir, tmp_path):
    out = tmp_path / "analysis"
    result = cli("analyze", sweep_dir, "--out", out, file_limit=FILE_LIMIT)
    assert_one_paragraph(result, 1, str(out), "File too large")
    assert f"{out}/points.parquet: could not write the analysis" in result.stderr, "the file, where it was to be"


@pytest.mark.slow
@pytest.mark.parametrize("where", ["analysis", "deeper/analysis"])
def test_an_analysis_whose_disk_fills_halfway_leaves_nothing(where, sweep_dir, tmp_path):
    out = tmp_path / where
    assert cli("analyze", sweep_dir, "--out", out, file_limit=FILE_LIMIT).returncode == 1
    assert entries(tmp_path) == [], "no analysis, no staging directory, no parent it made"


@pytest.mark.slow
def test_a_reanalysis_whose_disk_fills_halfway_keeps_the_previous_analysis(sweep_dir, tmp_path):
    out = tmp_path / "analysis"
    assert cli("analyze", sweep_dir, "--out", out, "--no-figures").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = cli("analyze", sweep_dir, "--out", out, file_limit=FILE_LIMIT)
    assert_one_paragraph(result, 1, str(out), "File too large")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert entries(tmp_path) == ["analysis", *(f"analysis/{name}" for name in sorted(before))]


# ---------------------------------------------------------------- an unreachable scheduler is the user's mistake


@pytest.mark.slow
def test_a_scheduler_address_that_never_answers_exits_2_without_a_traceback(sweep_dir, tmp_path):
    """A port that accepts connections but never answers (Dask alone would wait forever)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        out = tmp_path / "out"
        result = cli("sweep", sweep_dir.parent / "sweep.toml", "--out", out, "--scheduler", address, timeout=60)
    assert_one_paragraph(result, 2, "--scheduler", address, "no Dask scheduler answered")
    assert result.stdout == "" and not out.exists()
