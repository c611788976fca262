"""`caucasus forecast` and `caucasus score`: a synthetic posterior, synthetic records drawn from the model itself."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from caucasus.cli import main
from experiments.calibration.forecast import (
    DYAD_NAMES,
    FORECAST_FILES,
    QUADS,
    check_window,
    load_forecast,
    open_posterior,
    posterior_hash,
    run_forecast,
)
from experiments.calibration.named_events import EVENT_NAMES
from experiments.calibration.observed import observed_rung
from experiments.calibration.posterior import load_posterior, posterior_manifest, write_posterior
from experiments.calibration.scoring import (
    SCORE_FILES,
    brier,
    crps_poisson,
    crps_samples,
    log_score,
    score_forecast,
)
from experiments.replicates import replicate_seeds
from sim.config import load_scenario
from sim.ensemble import run_ensemble
from sim.events_log import EventKind
from sim.record import RECORD_COLUMNS, quad_class
from tests.conftest import SCENARIOS

# Day 239 is 2025-08-15: the window below holds the raid (27 June, day 189) and six weeks after it.
HORIZON = 240
CUT_OFF = dt.date(2025, 6, 13)
FIRST, LAST = dt.date(2025, 6, 14), dt.date(2025, 8, 8)  # eight weeks
DRAWS = 200
MASTER = 5
PARAMETERS = ("parameters.escalation_cost", "actors.AZE.sensitivity")


@pytest.fixture(scope="module")
def posterior_dir(tmp_path_factory) -> Path:
    """A synthetic posterior of two parameters on the baseline cut to HORIZON days, cut off on CUT_OFF."""
    folder = tmp_path_factory.mktemp("posterior")
    scenario_path = folder / "short.toml"
    scenario_path.write_text(
        f'[scenario]\nextends = "{SCENARIOS / "baseline.toml"}"\nhorizon_days = {HORIZON}\n', encoding="utf-8"
    )
    rng = np.random.default_rng(0)
    particles = pd.DataFrame({PARAMETERS[0]: rng.uniform(2.0, 4.0, 40), PARAMETERS[1]: rng.uniform(0.4, 0.8, 40)})
    write_posterior(folder, particles, rng.uniform(0.5, 1.0, 40))
    manifest = posterior_manifest(load_scenario(scenario_path), scenario_path, CUT_OFF, list(PARAMETERS))
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def forecast_argv(posterior: Path, out: Path, *extra: str) -> list[str]:
    return [
        "forecast",
        "--posterior",
        str(posterior),
        "--from",
        FIRST.isoformat(),
        "--until",
        LAST.isoformat(),
        "--out",
        str(out),
        "--draws",
        str(DRAWS),
        "--seed",
        str(MASTER),
        *extra,
    ]


@pytest.fixture(scope="module")
def forecast_dir(posterior_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forecast") / "forecast"
    assert main(forecast_argv(posterior_dir, out)) == 0
    return out


def write_record(path: Path, logs: list) -> Path:
    """A record CSV of runs' event logs (scripted shocks included, as a real record holds them)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(RECORD_COLUMNS)
        for log in logs:
            for e in log:
                writer.writerow(
                    [e.date, e.actor.value, e.target.value, e.cameo, e.goldstein, e.description, "synthetic", "high"]
                )
    return path


@pytest.fixture(scope="module")
def synthetic_runs(posterior_dir):
    """Four runs drawn as the forecast's are (parameters from the posterior) but on seeds of their own."""
    posterior = load_posterior(posterior_dir)
    batch = posterior.draw(4, np.random.default_rng(12345))
    return run_ensemble(posterior.scenario(), replicate_seeds(999, 4), batch)


@pytest.fixture(scope="module")
def record_path(synthetic_runs, tmp_path_factory) -> Path:
    return write_record(tmp_path_factory.mktemp("record") / "record.csv", [synthetic_runs.event_log(0)])


def week_of(date: dt.date) -> int:
    return (date - FIRST).days // 7


def test_the_forecast_writes_its_files_in_their_formats(forecast_dir, posterior_dir):
    assert {p.name for p in forecast_dir.iterdir()} == FORECAST_FILES - {"score"}
    counts = pd.read_parquet(forecast_dir / "counts.parquet")
    weeks = 8
    assert list(counts.columns) == ["draw", "week_start", "dyad", "quad", "count"]
    assert len(counts) == DRAWS * weeks * len(DYAD_NAMES) * len(QUADS)
    assert {"AZE>RUS", "RUS>AZE", "AZE>ARM", "ARM>AZE", "IRN>AZE", "AZE>IRN", "RUS>ARM", "ARM>RUS"} <= set(DYAD_NAMES)
    assert (counts["count"] >= 0).all() and counts["count"].sum() > 0
    assert sorted(pd.to_datetime(counts["week_start"]).dt.date.unique()) == [
        FIRST + dt.timedelta(days=7 * w) for w in range(weeks)
    ]
    summary = pd.read_csv(forecast_dir / "counts_summary.csv")
    quantiles = summary[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    assert (np.diff(quantiles, axis=1) >= 0).all()
    means = counts.groupby(["week_start", "dyad", "quad"], observed=True)["count"].mean()
    assert np.allclose(np.sort(means.to_numpy()), np.sort(summary["mean"].to_numpy()))
    events = pd.read_csv(forecast_dir / "events.csv")
    assert set(events["event"]) == set(EVENT_NAMES)
    for _, rows in events.groupby("event"):
        assert (np.diff(rows["probability"].to_numpy()) >= 0).all()  # cumulative: has it happened by then
        assert rows["probability"].between(0, 1).all()
    manifest = json.loads((forecast_dir / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == posterior_hash(posterior_dir)
    assert (manifest["from"], manifest["until"], manifest["draws"], manifest["master_seed"]) == (
        FIRST.isoformat(),
        LAST.isoformat(),
        DRAWS,
        MASTER,
    )
    draws = pd.read_parquet(forecast_dir / "draws.parquet")
    assert draws["seed"].tolist() == replicate_seeds(MASTER, DRAWS)


def test_the_counts_and_events_are_those_of_each_draws_own_run(forecast_dir):
    """A draw rerun alone (its seed and parameters) logs the events the forecast counted for it."""
    forecast = load_forecast(forecast_dir)
    draws = pd.read_parquet(forecast_dir / "draws.parquet")
    chosen = [0, 7, 123]
    batch = {name: draws[name].to_numpy()[chosen] for name in PARAMETERS}
    result = run_ensemble(
        load_posterior(forecast.manifest["posterior"]["path"]).scenario(), draws["seed"][chosen], batch
    )
    firsts = pd.read_parquet(forecast_dir / "event_draws.parquet")
    for run, draw in enumerate(chosen):
        expected = np.zeros_like(forecast.counts[draw])
        cuts = []
        for e in result.event_log(run):
            dyad = f"{e.actor.value}>{e.target.value}"
            if e.kind == EventKind.SCRIPTED or not FIRST <= e.date <= LAST:
                continue
            if dyad in DYAD_NAMES:
                expected[week_of(e.date), DYAD_NAMES.index(dyad), int(quad_class(e.cameo)) - 1] += 1
            if {e.actor.value, e.target.value} == {"AZE", "RUS"} and observed_rung(e.cameo) >= 3:
                cuts.append(e.date)
        assert (forecast.counts[draw] == expected).all()
        cut = firsts[(firsts["draw"] == draw) & (firsts["event"] == "relations_cut")]["date"].iloc[0]
        assert (None if pd.isna(cut) else cut.date()) == (min(cuts) if cuts else None)


@pytest.mark.slow  # three forecasts: about 2 s
def test_the_same_seed_gives_the_same_numbers(posterior_dir):
    posterior, scenario = open_posterior(posterior_dir)
    window = check_window(posterior, scenario, FIRST, LAST)
    first, again, other = (run_forecast(posterior, scenario, window, 24, seed) for seed in (3, 3, 4))
    assert (first.counts == again.counts).all()
    assert all((first.first_days[name] == again.first_days[name]).all() for name in EVENT_NAMES)
    assert first.parameters[PARAMETERS[0]].tolist() == again.parameters[PARAMETERS[0]].tolist()
    assert not (first.counts == other.counts).all()


def test_the_crps_of_samples_is_the_sample_formula():
    rng = np.random.default_rng(1)
    samples = rng.poisson(rng.uniform(0, 4, 30), size=(50, 30))
    observed = rng.poisson(2, 30)
    spread = np.abs(samples[:, None, :] - samples[None, :, :]).mean(axis=(0, 1))
    formula = np.abs(samples - observed).mean(axis=0) - spread / 2
    assert np.allclose(crps_samples(samples, observed), formula)


def test_the_crps_of_a_poisson_is_its_expectation_formula():
    means, observed = np.array([0.0, 0.3, 2.5, 9.0]), np.array([0, 2, 1, 9])
    support = np.arange(200)
    expected = []
    for mean, y in zip(means, observed, strict=True):
        pmf = poisson.pmf(support, mean)
        spread = (pmf[:, None] * pmf[None, :] * np.abs(support[:, None] - support[None, :])).sum()
        expected.append((pmf * np.abs(support - y)).sum() - spread / 2)
    assert np.allclose(crps_poisson(means, observed), expected, atol=1e-9)


def test_brier_and_log_scores():
    happened = np.array([True, False, True])
    probability = np.array([0.8, 0.8, 0.0])
    assert np.allclose(brier(probability, happened), [0.04, 0.64, 1.0])
    assert np.allclose(log_score(probability, happened, 0.01), [-np.log(0.8), -np.log(0.2), -np.log(0.01)])


def test_the_model_beats_or_matches_the_nulls_on_records_drawn_from_it(forecast_dir, synthetic_runs, tmp_path):
    """The bound's reason: each record is a run of the forecast's own model, its parameters drawn from the same
    posterior and its seed fresh, so the forecast is the distribution the record's counts were drawn from, and
    the CRPS is proper (no forecast has a lower expected score than that distribution). The nulls know the
    record's past, which the forecast does not, but the window holds the raid: a scripted shock the model
    knows is coming and rates from the weeks before it cannot. Averaged over four records."""
    forecast = load_forecast(forecast_dir)
    totals = {"model": 0.0, "persistence": 0.0, "base_rate": 0.0}
    for run in range(synthetic_runs.size):
        path = write_record(tmp_path / f"record{run}.csv", [synthetic_runs.event_log(run)])
        cells = score_forecast(forecast, path).count_scores
        for name in totals:
            totals[name] += cells[name].mean()
    assert totals["model"] <= totals["persistence"] and totals["model"] <= totals["base_rate"]


def test_score_writes_the_table_the_markdown_and_the_reliability_diagram(forecast_dir, record_path, tmp_path, capsys):
    out = tmp_path / "scores"
    assert main(["score", str(forecast_dir), str(record_path), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == SCORE_FILES
    assert (out / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(out / "scores.csv")
    assert {"CRPS", "Brier", "log"} == set(table["measure"])
    assert {"all dyads", "all events", *DYAD_NAMES} <= set(table["subject"])
    assert "corridor_agreed" not in set(table["subject"])  # forecast, never scored
    for null in ("persistence", "base_rate"):
        scored = table[table[null] > 0]
        assert np.allclose(scored[f"skill_vs_{null}"], 1 - scored["model"] / scored[null])
    assert "| measure | subject |" in (out / "scores.md").read_text()
    assert "Not scored: `corridor_agreed`" in capsys.readouterr().out


def test_the_records_scripted_shocks_never_count_and_rows_outside_the_window_feed_only_the_nulls(
    forecast_dir, synthetic_runs, tmp_path
):
    forecast = load_forecast(forecast_dir)
    log = synthetic_runs.event_log(1)
    base = score_forecast(forecast, write_record(tmp_path / "base.csv", [log]))
    expected = np.zeros(forecast.counts.shape[1:], dtype=int)
    for e in log:
        dyad = f"{e.actor.value}>{e.target.value}"
        if e.kind != EventKind.SCRIPTED and FIRST <= e.date <= LAST and dyad in DYAD_NAMES:
            expected[week_of(e.date), DYAD_NAMES.index(dyad), int(quad_class(e.cameo)) - 1] += 1
    assert (base.count_scores["observed"].to_numpy() == expected.reshape(-1)).all()
    before = [e for e in synthetic_runs.event_log(2) if e.date < FIRST and e.kind != EventKind.SCRIPTED]
    after = [e for e in synthetic_runs.event_log(2) if e.date > LAST]
    more = score_forecast(forecast, write_record(tmp_path / "more.csv", [log, before, after]))
    assert np.allclose(more.count_scores["model"], base.count_scores["model"])
    assert (more.count_scores["observed"] == base.count_scores["observed"]).all()
    assert not np.allclose(more.count_scores["base_rate"], base.count_scores["base_rate"])


@pytest.mark.parametrize(
    ("options", "named", "says"),
    [
        (["--from", CUT_OFF.isoformat()], "--from", "before the cut-off"),
        (["--from", "2025-01-10"], "--from", "before the cut-off"),
        (["--until", "2025-06-01"], "--until", "before --from"),
        (["--until", "2025-09-01"], "--until", "past the horizon"),
        (["--draws", "0"], "--draws", "out of range"),
    ],
)
def test_a_bad_forecast_option_exits_2_naming_it_and_writes_nothing(
    posterior_dir, tmp_path, capsys, options, named, says
):
    out = tmp_path / "out"
    status = main([*forecast_argv(posterior_dir, out), *options])  # argparse keeps the last of a repeated option
    error = capsys.readouterr().err
    assert status == 2 and named in error and says in error and "Traceback" not in error
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["empty", "another kind"])
def test_a_directory_that_is_not_a_posterior_exits_2_and_writes_nothing(tmp_path, capsys, kind):
    fake = tmp_path / "fake"
    fake.mkdir()
    if kind == "another kind":
        (fake / "manifest.json").write_text(json.dumps({"kind": "caucasus-run"}))
    out = tmp_path / "out"
    assert main(forecast_argv(fake, out)) == 2
    error = capsys.readouterr().err
    assert str(fake) in error and "--posterior" in error
    assert not out.exists()


def test_a_date_that_is_not_a_date_is_a_usage_error(posterior_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*forecast_argv(posterior_dir, tmp_path / "out"), "--from", "2025-13-01"])
    assert stop.value.code == 2 and "--from" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_score_refuses_a_bad_forecast_or_record_and_writes_nothing(forecast_dir, record_path, tmp_path, capsys):
    out = tmp_path / "scores"
    assert main(["score", str(tmp_path), str(record_path), "--out", str(out)]) == 2
    assert "not a forecast directory" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text(record_path.read_text() + "2025-07-01,AZE,XYZ,111,-2.0,x,y,high\n")
    assert main(["score", str(forecast_dir), str(bad), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert str(bad) in error and "target" in error and "line" in error
    late = tmp_path / "late.csv"
    late.write_text(",".join(RECORD_COLUMNS) + "\n2025-07-01,AZE,RUS,111,-2.0,x,y,high\n")
    assert main(["score", str(forecast_dir), str(late), "--out", str(out)]) == 2
    assert "no rows before --from" in capsys.readouterr().err
    broken = tmp_path / "broken"
    shutil.copytree(forecast_dir, broken)
    (broken / "counts.parquet").write_bytes(b"not parquet")
    assert main(["score", str(broken), str(record_path), "--out", str(out)]) == 2
    assert "counts.parquet" in capsys.readouterr().err
    assert not out.exists()


def test_the_named_events_are_read_off_a_record_by_their_definitions(forecast_dir, tmp_path, capsys):
    rows = [
        ("2025-05-01", "AZE", "RUS", "040"),  # before the window: for the nulls only
        ("2025-06-15", "AZE", "RUS", "057"),  # week 0: conciliatory; no cut yet, so not a restoration
        ("2025-06-20", "RUS", "AZE", "111"),  # rung 1: neither a cut nor above rung 2
        ("2025-06-27", "RUS", "AZE", "173"),  # the scripted raid: an input, never counted
        ("2025-07-02", "AZE", "RUS", "161"),  # week 2: relations cut
        ("2025-07-20", "RUS", "AZE", "0841"),  # week 5: a release after the cut: restored
        ("2025-07-25", "ARM", "AZE", "057"),  # week 5: the corridor's sign on a record (not scored)
    ]
    path = tmp_path / "hand.csv"
    lines = [",".join(RECORD_COLUMNS)] + [f"{d},{a},{t},{c},0,hand-made,test,high" for d, a, t, c in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scores = score_forecast(load_forecast(forecast_dir), path)
    weeks = np.arange(8)
    happened = {name: table["happened"].tolist() for name, table in scores.event_scores.groupby("event")}
    assert happened["conciliatory_AZE_RUS"] == (weeks >= 0).tolist()
    assert happened["relations_cut"] == (weeks >= 2).tolist()
    assert happened["relations_restored"] == (weeks >= 5).tolist()
    assert happened["russia_above_rung_2"] == [False] * 8
    assert scores.record.happened["corridor_agreed"].tolist() == (weeks >= 5).tolist()
    observed = scores.count_scores.set_index(["week_start", "dyad", "quad"])["observed"]
    assert observed.sum() == 5  # the six rows in the window less the scripted raid
    assert observed[(dt.date(2025, 6, 21), "RUS>AZE", "material_conflict")] == 0
