"""The known-answer check (simulation-based calibration): its arithmetic, its synthetic records, one repetition."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.abc import observed_summaries, simulator_for
from experiments.calibration.config import load_calibration
from experiments.calibration.coverage import (
    Truth,
    binomial_interval,
    coverage_table,
    known_answer_repetition,
    parameter_rows,
    rank_band,
    run_check,
    truths,
    weighted_rank,
    write_results,
)
from experiments.calibration.synthetic import against_record, write_synthetic_record
from experiments.coverage_check import main
from sim.errors import ConfigError
from sim.record import load_record

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "calibration" / "coverage.toml"


@pytest.fixture(scope="module")
def config():
    return load_calibration(CONFIG)


def hand_made_posterior(config, values, weights) -> tuple[pd.DataFrame, np.ndarray]:
    """Every parameter's particles at `values` (the same for each), with `weights`."""
    particles = pd.DataFrame({name: np.asarray(values, float) for name in config.parameter_names})
    return particles, np.asarray(weights, float)


def test_weighted_rank_is_the_posterior_weight_below_the_truth_ties_half():
    values = np.array([0.0, 1.0, 2.0, 3.0])
    weights = np.array([7.0, 1.0, 1.0, 1.0])  # normalised inside: 0.7, 0.1, 0.1, 0.1
    assert weighted_rank(values, weights, -1.0) == 0.0
    assert weighted_rank(values, weights, 0.5) == pytest.approx(0.7)
    assert weighted_rank(values, weights, 0.0) == pytest.approx(0.35)  # a tie counts half
    assert weighted_rank(values, weights, 3.5) == pytest.approx(1.0)


def test_intervals_and_ranks_of_a_hand_made_posterior(config):
    # 100 equally weighted particles at 1..100: the weighted quantile q is the value at rank
    # ceil(100 q), so the central 50% interval is [25, 75] and the 90% one [5, 95]; a truth on a
    # particle counts half of that particle's weight in its rank (10: 9 particles below and one tie).
    particles, weights = hand_made_posterior(config, np.arange(1, 101), np.full(100, 0.01))
    n = len(config.priors)
    cases = [(50.5, True, True, 0.5), (10.0, False, True, 0.095), (3.0, False, False, 0.025)]
    for truth, inside_50, inside_90, rank in cases:
        rows = parameter_rows(config, particles, weights, Truth(0, np.full(n, truth), 1, 2))
        assert [(r["q05"], r["q25"], r["q75"], r["q95"]) for r in rows] == [(5, 25, 75, 95)] * n
        assert {(r["inside_50"], r["inside_90"]) for r in rows} == {(inside_50, inside_90)}
        assert [r["rank"] for r in rows] == pytest.approx([rank] * n)


def test_a_posterior_with_most_weight_on_one_particle(config):
    # Weights 0.7, 0.1, 0.1, 0.1 on 0, 1, 2, 3: cumulative 0.7, 0.8, 0.9, 1.0, so the 5% and 25%
    # quantiles are 0, the 75% one 1 and the 95% one 3.
    particles, weights = hand_made_posterior(config, [0, 1, 2, 3], [0.7, 0.1, 0.1, 0.1])
    rows = parameter_rows(config, particles, weights, Truth(0, np.full(len(config.priors), 1.5), 1, 2))
    first = rows[0]
    assert (first["q05"], first["q25"], first["q75"], first["q95"]) == (0, 0, 1, 3)
    assert (first["inside_50"], first["inside_90"], first["rank"]) == (False, True, pytest.approx(0.8))
    prior = config.priors[0]
    assert first["width_90_of_prior"] == pytest.approx(3 / (prior.high - prior.low))


def test_coverage_table_counts_per_parameter_and_overall_with_clopper_pearson_intervals():
    # 10 repetitions of two parameters: "a" inside the 90% interval 9 times and the 50% one 5
    # times, "b" always inside both. Clopper-Pearson 95% for 9/10 is [0.5550, 0.9975] and for
    # 10/10 [0.025^(1/10), 1] = [0.6915, 1] (textbook values).
    rows = [
        {"repetition": r, "parameter": name, "inside_50": inside_50, "inside_90": inside_90, "width_90_of_prior": 0.5}
        for r in range(10)
        for name, inside_50, inside_90 in [("a", r < 5, r < 9), ("b", True, True)]
    ]
    table = coverage_table(pd.DataFrame(rows)).set_index("parameter")
    assert list(table.index) == ["a", "b", "all parameters"]
    assert table.loc["a", "coverage_90"] == 0.9 and table.loc["a", "coverage_50"] == 0.5
    assert (table.loc["a", "ci_low_90"], table.loc["a", "ci_high_90"]) == pytest.approx((0.5550, 0.9975), abs=1e-4)
    assert (table.loc["b", "ci_low_90"], table.loc["b", "ci_high_90"]) == pytest.approx((0.025**0.1, 1.0))
    assert table.loc["all parameters", "n"] == 20 and table.loc["all parameters", "coverage_90"] == 0.95
    assert binomial_interval(0, 10)[0] == 0.0


def test_rank_band_holds_the_uniform_expectation():
    low, high = rank_band(100, 5)  # Binomial(100, 0.2): mean 20, standard deviation 4
    assert low < 20 < high and low >= 8 and high <= 32  # within 3 standard deviations


def test_truths_come_from_the_priors_and_their_own_streams(config):
    drawn = truths(config, 3)
    again = truths(config, 4)
    for first, second in zip(drawn, again, strict=False):
        assert np.array_equal(first.values, second.values) and first.run_seed == second.run_seed
    values = np.array([t.values for t in again])
    assert np.all(values >= [p.low for p in config.priors]) and np.all(values <= [p.high for p in config.priors])
    assert len({t.run_seed for t in again}) == 4


def test_a_synthetic_record_reads_back_as_the_summaries_of_its_run(config, tmp_path):
    """The whole chain: run -> record CSV -> load_record -> record_events -> summaries equals the run's own."""
    truth = truths(config, 1)[0]
    path = write_synthetic_record(config, truth.values, truth.run_seed, tmp_path / "record.csv")
    record = load_record(path, until=None)  # every row valid: an actor, a CAMEO code, a source, a confidence
    assert record and all(e.source.startswith("synthetic: ") for e in record)
    scripted = {(s.date, s.actor, s.target, s.cameo) for s in config.scenario.shocks}
    assert not scripted & {(e.date, e.actor, e.target, e.cameo) for e in record}
    assert max(e.date for e in record) <= config.cut_off
    synthetic = against_record(config, path, 7)
    run = simulator_for(config).summaries_of(truth.values[None, :], [truth.run_seed])[0]
    assert np.array_equal(observed_summaries(synthetic), run)
    assert synthetic.config_hash() != config.config_hash()


def shipped_value(config, name: str) -> float:
    """The scenario's own value of a calibrated parameter (dotted name)."""
    kind, *rest = name.split(".")
    if kind == "parameters":
        return float(getattr(config.scenario.params, rest[0]))
    profile = next(p for p in config.scenario.profiles if p.actor.value == rest[0])
    return float(getattr(profile.disposition, rest[1]))


@pytest.mark.slow
def test_one_known_answer_repetition_contracts_around_the_truth(config, tmp_path):
    """A repetition at small settings whose known answer is the shipped parameter values.

    The shipped values (the point the model was built at, inside every prior) make the record
    with the seed of the check's first repetition. actors.AZE.sensitivity moves Azerbaijan's
    answers to Russia (its rank correlation with the highest rung AZE>RUS and with the plane
    crisis's material conflict is about 0.65 under the prior), so the posterior must hold the
    truth in its 90% interval and that interval must be narrower than the prior's central 90%
    (0.9 of its range): a posterior no narrower learnt nothing. One repetition cannot test
    coverage (a calibrated 90% interval misses one truth in ten); the benchmark
    `experiments/coverage_check.py` does, over twenty.
    """
    small = dataclasses.replace(config, population=100, generations=2, pilot_runs=200, batch_size=200)
    seeds = truths(config, 1)[0]
    shipped = np.array([shipped_value(config, name) for name in config.parameter_names])
    truth = Truth(0, shipped, seeds.run_seed, seeds.calibration_seed)
    posterior = known_answer_repetition(small, truth, tmp_path / "repetition")
    assert (tmp_path / "repetition" / "record.csv").is_file()
    rows = {row["parameter"]: row for row in parameter_rows(small, posterior.particles, posterior.weights, truth)}
    sensitivity = rows["actors.AZE.sensitivity"]
    assert sensitivity["inside_90"]
    assert sensitivity["width_90_of_prior"] < 0.9


def test_the_results_are_written_as_tables_and_a_figure(config, tmp_path):
    rows = [
        {"repetition": r, "parameter": name, "inside_50": r % 2 == 0, "inside_90": True}
        | {"width_90_of_prior": 0.6, "rank": (r + 0.5) / 4}
        for r in range(4)
        for name in config.parameter_names
    ]
    ranks = pd.DataFrame(rows)
    write_results(tmp_path, config, ranks, coverage_table(ranks))
    assert len(pd.read_csv(tmp_path / "ranks.csv")) == 4 * len(config.priors)
    written = pd.read_csv(tmp_path / "coverage.csv")
    assert list(written.parameter) == [*config.parameter_names, "all parameters"]
    assert set(written.coverage_50) == {0.5} and set(written.coverage_90) == {1.0}
    markdown = (tmp_path / "coverage.md").read_text()
    assert "4 repetitions" in markdown and "| all parameters | 16 | 0.50 (" in markdown
    assert (tmp_path / "figures" / "ranks.png").stat().st_size > 0


def test_the_check_refuses_a_foreign_out_and_no_repetitions(config, tmp_path):
    (tmp_path / "other.txt").write_text("not a check")
    with pytest.raises(ConfigError, match="not empty"):
        run_check(config, 1, tmp_path)
    with pytest.raises(ConfigError, match="--repetitions"):
        run_check(config, 0, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_the_benchmark_exits_2_on_a_bad_config(tmp_path, capsys):
    assert main(["--repetitions", "1", "--out", str(tmp_path / "out"), "--config", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_check_refuses_an_out_that_is_a_file_or_another_checks(config, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        run_check(config, 1, tmp_path / "file")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "check.json").write_text('{"config_hash": "another"}')
    with pytest.raises(ConfigError, match="another config"):
        run_check(config, 1, tmp_path / "other")
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "check.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        run_check(config, 1, tmp_path / "damaged")
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["check.json"]
