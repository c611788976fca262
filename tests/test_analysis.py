"""Sweep analysis on small sweep directories written to disk from known functions."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from SALib.sample import latin, morris, sobol
from scipy import stats

from experiments.analysis import analyze, read_sweep_results, t_interval, wilson_interval
from sim.errors import ConfigError, MachineError
from sim.parameters import parameter_label

NAMES = ["parameters.trust_rate", "actors.RUS.distraction", "actors.USA.engagement"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}
CORRIDORS = ["russian_border_guards", "armenian_control", "neutral_operator", "none"]
CHUNK_ROWS = 1000


def crisis_outcomes(x: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Outcomes of known form: trust is 4*x1 + 2*x2 exactly, the third parameter does nothing."""
    x1, x2 = x[:, 0], x[:, 1]
    rupture = x1 + 0.3 * rng.standard_normal(len(x)) > 0.5
    corridor = np.select([x2 < 0.3, x2 < 0.7], ["russian_border_guards", "neutral_operator"], "none")
    return {
        "rupture": rupture,
        "rupture_day": np.where(rupture, 100.0 + 50.0 * x2, np.nan),
        "corridor_arrangement": corridor,
        "trust_AZE_RUS_min": 4.0 * x1 + 2.0 * x2,
        "russia_influence_AZE": x2 + 0.01 * rng.standard_normal(len(x)),
        "trust_AZE_RUS_final": rng.standard_normal(len(x)),  # replicate noise only
        "max_escalation_rung": np.full(len(x), 3, dtype=np.int64),
        "n_111": rng.poisson(5.0 + 10.0 * x1),
        "blocs": np.full(len(x), "AZE,TUR | ARM,RUS"),
    }


def write_sweep(
    root: Path,
    kind: str,
    design: np.ndarray,
    *,
    replicates: int = 2,
    second_order: bool = False,
    levels: int | None = None,
    samples: int | None = None,
    keep_rows: int | None = None,
) -> Path:
    """A sweep results directory as `caucasus sweep` writes it, with `keep_rows` rows (default: all)."""
    root.mkdir(parents=True)
    n_points, n_runs = len(design), len(design) * replicates
    points = pd.DataFrame({"point_id": np.arange(n_points)} | {name: design[:, j] for j, name in enumerate(NAMES)})
    points.to_parquet(root / "design.parquet", index=False)
    run_id = np.arange(n_runs)
    point_id, replicate = run_id // replicates, run_id % replicates
    runs = pd.DataFrame({"run_id": run_id, "point_id": point_id, "replicate": replicate, "seed": 1000 + replicate})
    runs = pd.concat([runs, points.iloc[point_id, 1:].reset_index(drop=True)], axis=1)
    runs = runs.assign(**crisis_outcomes(design[point_id], np.random.default_rng(7)))
    runs = runs.iloc[: n_runs if keep_rows is None else keep_rows]
    (root / "runs").mkdir()
    for index, start in enumerate(range(0, len(runs), CHUNK_ROWS)):
        table = pa.Table.from_pandas(runs.iloc[start : start + CHUNK_ROWS], preserve_index=False)
        provenance = {b"caucasus.sweep": json.dumps({"config_hash": "0" * 64, "chunk": index}).encode()}
        table = table.replace_schema_metadata(table.schema.metadata | provenance)  # checked against the manifest
        pq.write_table(table, root / "runs" / f"chunk-{index:06d}.parquet")
    outcomes = [name for name in runs.columns if name not in ("run_id", "point_id", "replicate", "seed", *NAMES)]
    manifest = {
        "kind": "caucasus-sweep",
        "config_hash": "0" * 64,
        "engine": "ensemble",
        "chunk_runs": CHUNK_ROWS,
        "n_points": n_points,
        "n_runs": n_runs,
        "problem": PROBLEM,
        "sweep": {
            "name": f"test_{kind}",
            "description": "a known function",
            "scenario": {"name": "baseline"},
            "design": {"kind": kind, "samples": samples, "second_order": second_order, "levels": levels, "seed": 3},
            "parameters": {name: {"min": 0.0, "max": 1.0, "integer": False} for name in NAMES},
            "replicates": replicates,
            "master_seed": 2025,
            "seeds": "common",
            "outcomes": outcomes,
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def sobol_sweep(root: Path, second_order: bool = False, **options) -> Path:
    design = sobol.sample(PROBLEM, 256, calc_second_order=second_order, seed=1)
    return write_sweep(root, "sobol", design, second_order=second_order, samples=256, **options)


def indices(result, outcome: str) -> pd.DataFrame:
    table = result.sensitivity
    return table[table["outcome"] == outcome].set_index("parameter")


@pytest.fixture(scope="module")
def sobol_analysis(tmp_path_factory):
    """A Sobol sweep analysed once, figures included."""
    directory = sobol_sweep(tmp_path_factory.mktemp("sweeps") / "sobol")
    return directory, analyze(directory)


# Sensitivity: known answers


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_sobol_indices_match_the_linear_function(sobol_analysis):
    _, result = sobol_analysis
    trust = indices(result, "trust_AZE_RUS_min")
    x1, x2, x3 = NAMES
    # Var(4 x1) = 16/12 and Var(2 x2) = 4/12: S1 = ST = 0.8 and 0.2, and 0 for the unused x3.
    assert trust.loc[x1, "S1"] == pytest.approx(0.8, abs=0.05)
    assert trust.loc[x2, "S1"] == pytest.approx(0.2, abs=0.05)
    assert trust.loc[x1, "ST"] == pytest.approx(0.8, abs=0.05)
    assert abs(trust.loc[x3, "ST"]) < 0.05 and abs(trust.loc[x3, "S1"]) < 0.05
    assert list(trust.sort_values("rank").index) == [x1, x2, x3]
    assert (trust["ST_conf"] >= 0).all()
    assert set(result.sensitivity["method"]) == {"sobol"}


def test_sobol_second_order_design_ranks_the_parameters(tmp_path):
    result = analyze(sobol_sweep(tmp_path / "sweep", second_order=True, replicates=1), figures=False)
    trust = indices(result, "trust_AZE_RUS_min")
    assert trust.loc[NAMES[0], "ST"] > trust.loc[NAMES[1], "ST"] > 0.1
    assert abs(trust.loc[NAMES[2], "ST"]) < 0.05


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_sensitivity_is_reproducible(sobol_analysis, tmp_path):
    directory, first = sobol_analysis
    again = analyze(directory, out=tmp_path / "again", figures=False)
    pd.testing.assert_frame_equal(first.sensitivity, again.sensitivity)


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_constant_and_nonnumeric_outcomes_are_skipped_and_reported(sobol_analysis):
    _, result = sobol_analysis
    analysed = set(result.sensitivity["outcome"])
    assert "max_escalation_rung" not in analysed
    assert "blocs" not in analysed and "blocs" not in set(result.outcomes["outcome"])
    not_analysed = result.text.split("Not analysed")[1]
    assert "constant across points" in not_analysed and "max_escalation_rung (3)" in not_analysed
    assert not result.sensitivity[["S1", "S1_conf", "ST", "ST_conf"]].isna().any().any()
    assert {"rupture", "trust_AZE_RUS_min", "corridor_neutral_operator", "n_111"} <= analysed


def test_morris_irrelevant_parameter_has_no_effect(tmp_path):
    design = morris.sample(PROBLEM, 20, num_levels=4, seed=2)
    result = analyze(write_sweep(tmp_path / "sweep", "morris", design, levels=4, samples=20), figures=False)
    trust = indices(result, "trust_AZE_RUS_min")
    assert trust.loc[NAMES[0], "mu_star"] == pytest.approx(4.0)  # elementary effect over the unit range
    assert trust.loc[NAMES[1], "mu_star"] == pytest.approx(2.0)
    assert trust.loc[NAMES[2], "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert trust.loc[NAMES[0], "rank"] == 1
    assert set(result.sensitivity["method"]) == {"morris"}


def test_latin_hypercube_uses_spearman_correlation(tmp_path):
    design = latin.sample(PROBLEM, 300, seed=3)
    result = analyze(write_sweep(tmp_path / "sweep", "latin_hypercube", design, samples=300), figures=False)
    trust = indices(result, "trust_AZE_RUS_min")
    assert trust.loc[NAMES[0], "rho"] > 0.7 and trust.loc[NAMES[0], "p_value"] < 1e-6
    assert abs(trust.loc[NAMES[2], "rho"]) < 0.15
    assert trust.loc[NAMES[0], "rank"] == 1
    # rupture_day is missing where no run ruptured: Spearman uses the points that have it.
    assert "rupture_day" in set(result.sensitivity["outcome"])


def test_full_factorial_ranks_by_absolute_rho(tmp_path):
    grid = np.array(np.meshgrid([0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.0, 1.0], indexing="ij")).reshape(3, -1).T
    result = analyze(write_sweep(tmp_path / "sweep", "full_factorial", grid), figures=False)
    trust = indices(result, "trust_AZE_RUS_min").sort_values("rank")
    assert list(trust.index[:2]) == NAMES[:2]
    assert trust.loc[NAMES[2], "rho"] == pytest.approx(0.0)


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_noise_share_flags_outcomes_that_are_replicate_noise(sobol_analysis):
    _, result = sobol_analysis
    noise = result.sensitivity.groupby("outcome")["noise_share"].first()
    assert noise["trust_AZE_RUS_min"] == 0.0  # identical replicates
    assert noise["russia_influence_AZE"] < 0.01
    assert noise["trust_AZE_RUS_final"] > 0.8
    assert "trust_AZE_RUS_final  (replicate noise" in result.text and "mostly reflect noise" in result.text


# Summaries and confidence intervals


def test_wilson_interval_known_values():
    low, high = wilson_interval(np.array([5, 0]), np.array([10, 10]))
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)
    assert low[1] == 0.0 and high[1] == pytest.approx(0.2775, abs=1e-4)


def test_t_interval_matches_scipy():
    sample = np.array([1.0, 2.0, 4.0, 7.0])
    low, high = t_interval(sample.mean(), sample.std(ddof=1), len(sample))
    expected = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
    assert (float(low), float(high)) == pytest.approx(expected)
    assert np.isnan(t_interval(1.0, np.nan, 1)[0])


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_shares_have_wilson_intervals_and_corridors_sum_to_one(sobol_analysis):
    directory, result = sobol_analysis
    shares = result.shares.set_index("outcome")
    runs = pd.read_parquet(directory / "runs")
    assert shares.loc["rupture", "share"] == pytest.approx(runs["rupture"].mean())
    assert ((shares["ci_low"] <= shares["share"]) & (shares["share"] <= shares["ci_high"])).all()
    corridors = shares.loc[[f"corridor_{name}" for name in CORRIDORS], "share"]
    assert corridors.sum() == pytest.approx(1.0)
    assert shares.loc["corridor_armenian_control", "share"] == 0.0
    assert (shares["n"] == len(runs)).all()
    assert (directory / "analysis" / "shares.csv").is_file()


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_point_summaries_per_design_point(sobol_analysis):
    directory, result = sobol_analysis
    points, design = result.points, pd.read_parquet(directory / "design.parquet")
    assert list(points["point_id"]) == list(range(len(design)))
    assert np.allclose(points[NAMES].to_numpy(), design[NAMES].to_numpy())
    expected_trust = 4 * design[NAMES[0]] + 2 * design[NAMES[1]]
    assert np.allclose(points["trust_AZE_RUS_min_mean"], expected_trust)
    assert (points["trust_AZE_RUS_min_n"] == 2).all()
    corridor_means = points[[f"corridor_{name}_mean" for name in CORRIDORS]].sum(axis=1)
    assert np.allclose(corridor_means, 1.0)
    for name in ("rupture", "n_111", "russia_influence_AZE"):
        assert (points[f"{name}_ci_low"] <= points[f"{name}_mean"] + 1e-12).all()
        assert (points[f"{name}_mean"] <= points[f"{name}_ci_high"] + 1e-12).all()
    # rupture_day is averaged over the runs that ruptured only.
    runs = pd.read_parquet(directory / "runs")
    assert (points["rupture_day_n"] == runs.groupby("point_id")["rupture"].sum().to_numpy()).all()
    assert pd.read_parquet(directory / "analysis" / "points.parquet").shape == points.shape


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_overall_outcome_summary(sobol_analysis):
    directory, result = sobol_analysis
    runs = pd.read_parquet(directory / "runs")
    outcomes = result.outcomes.set_index("outcome")
    n_111 = outcomes.loc["n_111"]
    assert n_111["mean"] == pytest.approx(runs["n_111"].mean())
    assert n_111["sd"] == pytest.approx(runs["n_111"].std())
    assert n_111["q05"] <= n_111["median"] <= n_111["q95"]
    assert n_111["ci_low"] < n_111["mean"] < n_111["ci_high"]
    assert outcomes.loc["rupture", "kind"] == "share" and outcomes.loc["n_111", "kind"] == "mean"
    assert outcomes.loc["max_escalation_rung", "sd"] == 0.0


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_report_names_the_sweep_and_ranks_parameters(sobol_analysis):
    directory, result = sobol_analysis
    text = result.text
    assert "test_sobol" in text and "Sobol (Saltelli), N = 256" in text
    block = text[text.index("\ntrust_AZE_RUS_min  (replicate noise: 0%") :]
    labels = [parameter_label(name) for name in NAMES]  # ranked by their readable names
    assert block.index(labels[0]) < block.index(labels[1]) < block.index(labels[2])
    assert "corridor_neutral_operator" in text.split("Outcomes over all runs")[0]  # in the shares table
    report = (directory / "analysis" / "report.md").read_text(encoding="utf-8")
    assert "test_sobol" in report and "![distributions](distributions.png)" in report


# Files and figures


@pytest.mark.slow  # the module's Sobol analysis with figures takes about 5 s
def test_figures_are_written_and_readable(sobol_analysis):
    directory, result = sobol_analysis
    figures = [path for path in result.files if path.suffix == ".png"]
    names = {path.name for path in figures}
    assert {"distributions.png", "parameters_vs_rupture.png", "sensitivity_rupture.png"} <= names
    assert {"sensitivity_trust_AZE_RUS_min.png", "sensitivity_corridor_neutral_operator.png"} <= names
    assert "sensitivity_overview.png" in names
    assert len(figures) < 15
    for path in figures:
        assert path.parent == directory / "analysis"
        assert path.stat().st_size > 5_000
        image = mpimg.imread(path)
        assert image.ndim == 3 and image.shape[1] > 800


def test_analysis_writes_only_into_its_out_directory(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    before = {path: path.stat().st_mtime_ns for path in directory.rglob("*")}
    out = tmp_path / "elsewhere" / "analysis"
    result = analyze(directory, out=out, figures=False)
    assert {path: path.stat().st_mtime_ns for path in directory.rglob("*")} == before
    assert {path.name for path in out.iterdir()} == {path.name for path in result.files}
    assert {"points.parquet", "points.csv", "outcomes.csv", "shares.csv", "sensitivity.csv", "report.md"} <= {
        path.name for path in result.files
    }
    assert [path.name for path in (tmp_path / "elsewhere").iterdir()] == ["analysis"], "no staging directory left"
    assert all(path.parent == out for path in result.files)
    assert f"Files written to {out}\n" in result.text and result.text in out.joinpath("report.md").read_text()


def test_a_new_analysis_replaces_the_previous_one_as_a_whole(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    first = analyze(directory, figures=False)
    out = directory / "analysis"
    (out / "sensitivity_gone.png").write_bytes(b"a figure of an earlier analysis")
    (out / "report.md").write_text("an earlier report", encoding="utf-8")
    again = analyze(directory, figures=False)
    assert sorted(path.name for path in out.iterdir()) == sorted(path.name for path in again.files)
    assert (out / "report.md").read_text(encoding="utf-8").count(again.text) == 1 and again.text == first.text
    assert sorted(path.name for path in directory.iterdir()) == ["analysis", "design.parquet", "manifest.json", "runs"]


def test_an_empty_out_directory_takes_the_analysis(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    (tmp_path / "empty").mkdir()
    result = analyze(directory, out=tmp_path / "empty", figures=False)
    assert sorted(path.name for path in (tmp_path / "empty").iterdir()) == sorted(path.name for path in result.files)


def test_a_failed_analysis_leaves_the_previous_one_and_names_the_file_where_it_was_to_be(tmp_path, monkeypatch):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    analyze(directory, figures=False)
    out = directory / "analysis"
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def full_disk(self, path, *args, **kwargs):
        Path(path).write_text("half a table")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(MachineError) as error:
        analyze(directory, figures=False)
    assert str(error.value) == f"{out / 'outcomes.csv'}: could not write the analysis (No space left on device)"
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(path.name for path in directory.iterdir()) == ["analysis", "design.parquet", "manifest.json", "runs"]
    nested = tmp_path / "new" / "deeper" / "analysis"
    with pytest.raises(MachineError, match="outcomes.csv: could not write the analysis"):
        analyze(directory, out=nested, figures=False)
    assert not (tmp_path / "new").exists(), "no parent it made"


# Errors


def test_missing_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as error:
        analyze(tmp_path / "nowhere")
    assert error.value.source == str(tmp_path / "nowhere")


def test_directory_without_manifest_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not a sweep results directory") as error:
        analyze(tmp_path)
    assert error.value.source.endswith("manifest.json")
    assert not (tmp_path / "analysis").exists()


def test_manifest_of_another_kind_is_a_config_error(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "caucasus-run"}), encoding="utf-8")
    with pytest.raises(ConfigError, match="not a sweep results directory") as error:
        analyze(tmp_path)
    assert error.value.key == "kind"


def test_incomplete_sweep_tells_the_user_to_rerun(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", keep_rows=1500)
    with pytest.raises(ConfigError, match=r"holds 1500 of the sweep's 2560 runs.*rerun the same `caucasus sweep`"):
        analyze(directory)
    assert not (directory / "analysis").exists()


def test_sweep_without_runs_is_incomplete(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", keep_rows=0)
    with pytest.raises(ConfigError, match="holds 0 of"):
        analyze(directory)


def test_corrupt_run_file_is_named(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep")
    (directory / "runs" / "chunk-000001.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ConfigError, match="cannot be read as Parquet") as error:
        analyze(directory)
    assert error.value.source.endswith("chunk-000001.parquet")


def test_missing_design_is_a_config_error(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep")
    (directory / "design.parquet").unlink()
    with pytest.raises(ConfigError, match="is missing") as error:
        analyze(directory)
    assert error.value.source.endswith("design.parquet")


def test_damaged_manifest_names_the_key(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    del manifest["problem"]["names"]
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        read_sweep_results(directory)
    assert error.value.key == "problem.names"


def test_out_that_is_a_file_is_a_config_error(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a directory"):
        analyze(directory, out=tmp_path / "taken")


def test_out_that_holds_anything_but_an_analysis_is_refused_untouched(tmp_path):
    directory = sobol_sweep(tmp_path / "sweep", replicates=1)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x", encoding="utf-8")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "plot.png").write_bytes(b"not from an analysis: no report beside it")
    (tmp_path / "link").symlink_to(tmp_path / "figures")
    before = sorted(str(path) for path in tmp_path.rglob("*"))
    for out, problem in [
        (tmp_path / "notes", "holds files that are not an analysis"),
        (tmp_path / "figures", "holds files that are not an analysis"),
        (directory, "holds files that are not an analysis"),  # the sweep itself: never replaced
        (tmp_path / "link", "is a symbolic link"),
        (Path("."), "names no directory of its own"),
    ]:
        with pytest.raises(ConfigError, match=problem):
            analyze(directory, out=out, figures=False)
    assert sorted(str(path) for path in tmp_path.rglob("*")) == before
