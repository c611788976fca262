"""A sweep's size: stated before it starts, refused beyond the ceilings unless --yes, designs made a block at a time.

Issue 14, item 3: a full factorial of 8 parameters x 1,000 levels was built whole in memory (a
MemoryError after taking all of it), a Sobol design of N = 2^23 was sampled and written before
the first chunk, 1,000,000 replicates started silently and `--workers 1024` was accepted. Each
test here failed on the code before (`4e7b449`); the huge cases are refused from the config
alone (the design kinds' counts), before anything is sampled, started or written. A guard in
the tests (no chunk may run, no cluster may start) makes the old code fail at once instead of
running for days.

The new names (`experiments.sweep_size`, `experiments.design.Design`) are imported inside the
tests, so that each test fails on the old code for its own reason.
"""

from __future__ import annotations

import itertools
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from caucasus.cli import main
from experiments.design import sample_design
from experiments.runner import plan_sweep
from experiments.sweep_config import load_sweep
from sim.outcomes import OUTCOME_NAMES
from tests.conftest import ROOT
from tests.test_sweeps import write_scenario, write_sweep

SWEEPS = sorted((ROOT / "configs" / "sweeps").glob("*.toml"))
EIGHT = [  # eight parameters a full factorial can grid (the rupture study's)
    ("actors.RUS.distraction", 0.0, 0.9),
    ("parameters.escalation_cost", 0.0, 10.0),
    ("parameters.deterrence", 0.0, 2.0),
    ("actors.AZE.sensitivity", 0.5, 1.5),
    ("actors.AZE.response_threshold", 0.1, 1.0),
    ("actors.AZE.memory_half_life_days", 30.0, 365.0),
    ("parameters.trust_rate", 0.1, 0.35),
    ("parameters.thaw_rate", 0.0, 2.0),
]
TWO = {"parameters.trust_rate": {"min": 0.1, "max": 0.4}, "actors.RUS.distraction": {"min": 0.5, "max": 1.0}}
MB = 2**20


def grid(levels: int) -> dict:
    """The eight parameters, each with `levels` evenly spaced values."""
    return {name: {"min": low, "max": high, "levels": levels} for name, low, high in EIGHT}


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.fixture
def no_runs(monkeypatch):
    """Fail at once if a chunk runs or worker processes start (the old code would run a huge sweep for days)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sweep started: a chunk ran or worker processes were started")

    monkeypatch.setattr("experiments.runner.run_chunk", refuse)
    monkeypatch.setattr("experiments.backends.LocalProcesses", refuse)


def refused(capsys, config: Path, out: Path, *extra: str) -> str:
    """Run `caucasus sweep` in process; assert exit 2, one error line, nothing written; the message."""
    assert main(["sweep", str(config), "--out", str(out), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("caucasus: error: ") and "Traceback" not in captured.err
    assert not out.exists(), "nothing is written for a refused sweep"
    return captured.err


# ---------------------------------------------------------------- refused before anything is built


def test_a_huge_full_factorial_is_refused_at_once_in_little_memory(tmp_path, capsys, no_runs):
    """8 parameters x 1,000 levels: 10^24 points, counted (a product of levels), never built."""
    config = write_sweep(
        tmp_path, "huge.toml", write_scenario(tmp_path), {"kind": "full_factorial"}, grid(1000), replicates=1
    )
    before, started = peak_rss_bytes(), time.perf_counter()
    message = refused(capsys, config, tmp_path / "out")
    assert time.perf_counter() - started < 2
    assert peak_rss_bytes() - before < 100 * MB  # the old code took all memory, then raised MemoryError
    assert f"caucasus: error: {config}: key 'parameters': " in message
    assert f"{1000**8:,} design points x 1 replicate" in message
    assert "more than a 64-bit run id can number" in message
    assert main(["sweep", str(config), "--out", str(tmp_path / "out"), "--yes"]) == 2  # --yes cannot number them
    assert "64-bit run id" in capsys.readouterr().err


def test_a_full_factorial_above_the_ceilings_is_refused_unless_yes_which_starts_it(
    tmp_path, capsys, monkeypatch, no_runs
):
    """8 x 100 levels (10^16 points): over a day and 20 GB; --yes starts it, its design made a block at a time."""
    config = write_sweep(
        tmp_path, "big.toml", write_scenario(tmp_path), {"kind": "full_factorial"}, grid(100), replicates=1
    )
    before = peak_rss_bytes()
    message = refused(capsys, config, tmp_path / "out")
    assert f"key 'parameters': the sweep is {100**8:,} design points x 1 replicate" in message
    assert "above the ceiling of 24 h" in message and "above the ceiling of 20.0 GB" in message
    assert "give --yes to start it anyway" in message
    # with --yes it starts: the manifest, then the design written a block at a time (10^16 rows: stopped
    # here after two blocks, as a user would stop it, and the blocks checked against the grid)
    written = []

    def two_blocks(tables, path):
        tables = iter(tables)
        written.extend([next(tables), next(tables)])
        raise KeyboardInterrupt

    monkeypatch.setattr("experiments.store.writing._write_parquet", two_blocks)
    assert main(["sweep", str(config), "--out", str(tmp_path / "yes"), "--yes"]) == 130
    assert "interrupted" in capsys.readouterr().err
    blocks = pd.concat([table.to_pandas() for table in written], ignore_index=True)
    assert blocks["point_id"].tolist() == list(range(2 * 65_536))
    for point in (0, 1, 99, 100, 65_535, 131_071):  # point i: its digits in base 100, the last parameter fastest
        digits = [point // 100 ** (7 - column) % 100 for column in range(8)]
        expected = [np.linspace(low, high, 100)[digit] for (_, low, high), digit in zip(EIGHT, digits, strict=True)]
        assert blocks.iloc[point, 1:].tolist() == expected
    assert peak_rss_bytes() - before < 200 * MB
    from experiments.sweep_size import sweep_size

    statement = sweep_size(load_sweep(config)).statement()
    assert statement.startswith(f"caucasus: sweep big: {100**8:,} design points x 1 replicate = {100**8:,} runs in ")
    assert statement.endswith("the design made 65,536 points at a time (about 9.4 MB of memory)")


def test_sobol_with_n_2_23_is_refused_before_it_is_sampled_or_anything_written(tmp_path, capsys, no_runs):
    design = {"kind": "sobol", "samples": 2**23}
    config = write_sweep(tmp_path, "sobol.toml", write_scenario(tmp_path), design, TWO, replicates=1)
    started = time.perf_counter()
    message = refused(capsys, config, tmp_path / "out")
    assert time.perf_counter() - started < 2  # SALib takes minutes and gigabytes for 33 million points
    assert f"key 'design.samples': the sweep is {2**23 * 4:,} design points x 1 replicate" in message
    assert "sampling its design whole (SALib) needs about 3.2 GB of memory, above the ceiling of 2.0 GB" in message


def test_a_million_replicates_are_refused_unless_yes(tmp_path, capsys, no_runs):
    scenario = write_scenario(tmp_path)
    config = write_sweep(tmp_path, "many.toml", scenario, {"kind": "sobol", "samples": 128}, TWO, replicates=10**6)
    message = refused(capsys, config, tmp_path / "out")
    assert f"key 'sweep.replicates': the sweep is 512 design points x 1,000,000 replicates = {512 * 10**6:,} runs" in (
        message
    )
    # --yes lets it through the check; its chunks are counted, never listed (512,000,000 runs, 500,000 chunks)
    from experiments.sweep_size import check_size, sweep_size

    sweep = load_sweep(config)
    check_size(sweep_size(sweep), yes=True)
    plan = plan_sweep(sweep)
    rows = plan.chunk_rows()
    assert len(rows) == plan.n_chunks == 500_000 and rows[499_999] == 1024 and rows.get(500_000) is None
    work = plan.work(499_999)
    assert work.run_ids[-1] == 512 * 10**6 - 1 and set(work.point_ids) == {511}
    assert work.parameters["parameters.trust_rate"][0] == sample_design(sweep)["parameters.trust_rate"].iloc[511]


def test_workers_beyond_the_machines_cores_are_refused(tmp_path, capsys, no_runs):
    config = write_sweep(tmp_path, "ok.toml", write_scenario(tmp_path), {"kind": "latin_hypercube", "samples": 4}, TWO)
    workers = max(1024, (os.cpu_count() or 1) + 1)
    message = refused(capsys, config, tmp_path / "out", "--workers", str(workers))
    cores = os.cpu_count()
    assert message == (
        f"caucasus: error: --workers: {workers} is out of range; allowed: 1 to {cores} worker processes "
        "(this machine's cores, os.cpu_count()); for more, start a Dask cluster and give --scheduler\n"
    )
    assert main(["sweep", str(config), "--out", str(tmp_path / "out"), "--workers", str(workers), "--yes"]) == 2
    assert main(["bench", "--sobol", "--workers", str(workers)]) == 2
    assert f"--workers: {workers} is out of range" in capsys.readouterr().err


# ---------------------------------------------------------------- the statement, and --yes


def test_a_sweep_states_its_size_on_stderr_before_its_first_chunk(tmp_path, capsys, monkeypatch):
    from experiments import runner

    config = write_sweep(
        tmp_path,
        "tiny.toml",
        write_scenario(tmp_path),
        {"kind": "latin_hypercube", "samples": 6},
        TWO,
        chunk_runs=4,
        outcomes=["rupture", "trust_AZE_RUS_min"],
    )
    seen_first = []
    run_chunk = runner.run_chunk

    def spy(work):
        if not seen_first:
            seen_first.append(capsys.readouterr().err)  # what stderr held when the first chunk began
        return run_chunk(work)

    monkeypatch.setattr(runner, "run_chunk", spy)
    assert main(["sweep", str(config), "--out", str(tmp_path / "out")]) == 0
    statement = seen_first[0]
    results = 12 * (4 + 2 + 2) * 8 + 6 * 3 * 8  # 8 bytes a value: ids, parameters, outcomes; the design
    assert results == 912
    from experiments.sweep_size import ENSEMBLE_RUNS_PER_S, MIN_RATE_HORIZON_DAYS, RATE_HORIZON_DAYS

    rate = ENSEMBLE_RUNS_PER_S * RATE_HORIZON_DAYS / MIN_RATE_HORIZON_DAYS  # the documented rate, short horizon
    assert statement.startswith(
        "caucasus: sweep tiny: 6 design points x 2 replicates = 12 runs in 3 chunks of up to 4 runs; about 1 s "
        f"serially (at {rate:,.0f} runs/s a worker, the ensemble engine's documented rate); "
        "results up to 912 bytes on disk ("
    ), statement
    assert statement.endswith("free); the design sampled whole by SALib (about 576 bytes of memory)\n")
    assert statement.count("\n") == 1
    assert capsys.readouterr().err == ""  # nothing else on stderr (no progress bar: not a terminal)


def test_yes_starts_a_sweep_beyond_a_ceiling_and_its_results_are_the_same(tmp_path, capsys, monkeypatch):
    """With the time ceiling lowered to 0.36 ms, a 12-run sweep is refused; --yes runs it, rows as without one."""
    config = write_sweep(
        tmp_path, "tiny.toml", write_scenario(tmp_path), {"kind": "latin_hypercube", "samples": 6}, TWO, chunk_runs=4
    )
    assert main(["sweep", str(config), "--out", str(tmp_path / "plain")]) == 0
    capsys.readouterr()
    monkeypatch.setattr("experiments.sweep_size.MAX_HOURS", 1e-7)
    message = refused(capsys, config, tmp_path / "out")
    assert f"{config}: key 'sweep.replicates': the sweep is 6 design points x 2 replicates = 12 runs" not in message
    assert f"{config}: key 'design.samples': the sweep is 6 design points x 2 replicates = 12 runs" in message
    assert "above the ceiling of 1e-07 h" in message
    assert main(["sweep", str(config), "--out", str(tmp_path / "out"), "--yes"]) == 0
    capsys.readouterr()
    for name in ("design.parquet", "runs"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "out" / name), pd.read_parquet(tmp_path / "plain" / name), check_exact=True
        )


@pytest.mark.parametrize("path", SWEEPS, ids=[path.stem for path in SWEEPS])
def test_the_shipped_sweeps_are_within_the_ceilings_and_sized_as_built(path):
    from experiments.sweep_size import check_size, sweep_size

    config = load_sweep(path)
    size = sweep_size(config)
    check_size(size)  # no --yes needed for any shipped sweep
    plan = plan_sweep(config)
    design = sample_design(config)
    assert size.n_points == plan.n_points == len(design)
    assert size.n_runs == plan.n_runs and size.n_chunks == plan.n_chunks == len(plan.chunk_rows())
    pd.testing.assert_frame_equal(plan.design.frame(), design, check_exact=True)
    pd.testing.assert_frame_equal(pd.concat(plan.design.blocks(97), ignore_index=True), design, check_exact=True)


# ---------------------------------------------------------------- a design made a block at a time


def whole_grid(config) -> pd.DataFrame:
    """The full factorial as the old code built it: itertools.product of every value list, whole."""
    from experiments.sensitivity.designs import grid_values

    specs = config.parameters
    matrix = np.array(list(itertools.product(*(grid_values(p) for p in specs))), dtype=float)
    frame = pd.DataFrame({"point_id": np.arange(len(matrix), dtype=np.int64)})
    for column, spec in enumerate(specs):
        frame[spec.name] = np.rint(matrix[:, column]).astype(np.int64) if spec.integer else matrix[:, column]
    return frame


FACTORIAL = {
    "parameters.trust_rate": {"min": 0.1, "max": 0.35, "levels": 7},
    "actors.AZE.sensitivity": {"values": [0.4, 0.8, 1.2]},
    "parameters.max_rung_step": {"min": 1, "max": 3, "levels": 3},  # an integer parameter
    "actors.RUS.distraction": {"min": 0.5, "max": 1.0, "levels": 5},
}


def test_a_full_factorial_made_block_by_block_equals_the_whole_grid_row_for_row(tmp_path):
    from experiments.design import Design

    config = load_sweep(
        write_sweep(tmp_path, "ff.toml", write_scenario(tmp_path), {"kind": "full_factorial"}, FACTORIAL)
    )
    whole = whole_grid(config)
    assert len(whole) == 7 * 3 * 3 * 5
    design = Design(config)
    assert len(design) == design.n_points == len(whole)
    for size in (1, 7, 44, 1000):
        pd.testing.assert_frame_equal(pd.concat(design.blocks(size), ignore_index=True), whole, check_exact=True)
    pd.testing.assert_frame_equal(design.rows(100, 150), whole.iloc[100:150].reset_index(drop=True), check_exact=True)
    pd.testing.assert_frame_equal(sample_design(config), whole, check_exact=True)
    assert design.rows(0, 1)["parameters.max_rung_step"].dtype == np.int64


def test_a_chunk_of_a_full_factorial_takes_its_points_from_the_block_it_needs(tmp_path):
    """Every chunk's per-run parameters equal the whole design's rows at its runs' points."""
    config = load_sweep(
        write_sweep(
            tmp_path,
            "ff.toml",
            write_scenario(tmp_path),
            {"kind": "full_factorial"},
            FACTORIAL,
            replicates=3,
            chunk_runs=50,
        )
    )
    plan = plan_sweep(config)
    whole = whole_grid(config)
    assert plan.n_runs == 3 * len(whole) and plan.n_chunks == -(-plan.n_runs // 50)
    for index in range(plan.n_chunks):
        work = plan.work(index)
        for name in config.parameter_names:
            expected = whole[name].to_numpy()[work.point_ids]
            assert work.parameters[name].dtype == expected.dtype
            np.testing.assert_array_equal(work.parameters[name], expected)


def test_design_parquet_is_written_in_row_groups_equal_to_the_whole_design(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("experiments.design.DESIGN_BLOCK_ROWS", 40)
    config_path = write_sweep(
        tmp_path,
        "ff.toml",
        write_scenario(tmp_path),
        {"kind": "full_factorial"},
        FACTORIAL,
        replicates=1,
        outcomes=["rupture"],
    )
    assert main(["sweep", str(config_path), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    metadata = pq.read_metadata(tmp_path / "out" / "design.parquet")
    assert metadata.num_row_groups == -(-315 // 40) and metadata.num_rows == 315
    config = load_sweep(config_path)
    whole = whole_grid(config)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "design.parquet"), whole, check_exact=True)
    runs = pd.read_parquet(tmp_path / "out" / "runs").sort_values("run_id", ignore_index=True)
    for name in config.parameter_names:
        np.testing.assert_array_equal(runs[name].to_numpy(), whole[name].to_numpy()[runs["point_id"].to_numpy()])


@pytest.mark.parametrize(
    "design",
    [
        {"kind": "latin_hypercube", "samples": 50},
        {"kind": "sobol", "samples": 16, "second_order": True},
        {"kind": "morris", "samples": 6, "levels": 4},
    ],
    ids=lambda design: design["kind"],
)
def test_salibs_designs_read_in_blocks_equal_the_whole_sample(tmp_path, design):
    from experiments.design import Design

    config = load_sweep(write_sweep(tmp_path, "s.toml", write_scenario(tmp_path), design, TWO))
    whole = sample_design(config)
    pd.testing.assert_frame_equal(pd.concat(Design(config).blocks(7), ignore_index=True), whole, check_exact=True)


def test_the_size_counts_the_design_kinds_points_without_sampling(tmp_path, monkeypatch):
    """Full factorial: the product of levels; Sobol N(k + 2), N(2k + 2); Morris r(k + 1); Latin hypercube: samples."""
    from experiments.sweep_size import sweep_size

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled")

    scenario = write_scenario(tmp_path)
    cases = [
        ({"kind": "full_factorial"}, grid(1000), 1000**8),
        ({"kind": "sobol", "samples": 2**23}, TWO, 2**23 * 4),
        ({"kind": "sobol", "samples": 2**23, "second_order": True}, TWO, 2**23 * 6),
        ({"kind": "morris", "samples": 10**7, "levels": 4}, TWO, 10**7 * 3),
        ({"kind": "latin_hypercube", "samples": 10**7}, TWO, 10**7),
    ]
    from experiments.sensitivity import DESIGNS

    for kind in DESIGNS.values():
        monkeypatch.setattr(kind, "sample", no_sampling)
    for number, (design, parameters, points) in enumerate(cases):
        config = load_sweep(write_sweep(tmp_path, f"c{number}.toml", scenario, design, parameters, replicates=3))
        size = sweep_size(config)
        assert size.n_points == points and size.n_runs == 3 * points
        assert (
            size.results_bytes
            == 3 * points * (4 + len(parameters) + len(OUTCOME_NAMES)) * 8 + points * (len(parameters) + 1) * 8
        )
