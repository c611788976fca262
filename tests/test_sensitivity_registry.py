"""The registry of designs and sensitivity methods, and who is to blame when the analysis cannot be written."""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pytest
from SALib.sample import latin

from caucasus.cli import main
from experiments import analysis_files
from experiments.analysis import INDEX_COLUMNS, analyze
from experiments.sensitivity import DESIGNS, METHODS
from experiments.sweep_config import DESIGNS as CONFIG_DESIGNS
from sim.errors import ConfigError, MachineError
from tests.test_analysis import PROBLEM, write_sweep


@pytest.fixture
def small_sweep(tmp_path) -> Path:
    """A Latin hypercube sweep of 40 points x 2 replicates (Spearman indices)."""
    return write_sweep(tmp_path / "sweep", "latin_hypercube", latin.sample(PROBLEM, 40, seed=1), samples=40)


def test_every_design_kind_a_config_accepts_has_a_registered_method():
    assert tuple(DESIGNS) == CONFIG_DESIGNS
    for design in DESIGNS.values():
        assert METHODS[design.method.name] is design.method
    assert {name: method.index_columns for name, method in METHODS.items()} == INDEX_COLUMNS


def test_every_method_ranks_and_reports_from_its_own_index_columns():
    for method in METHODS.values():
        table = pd.DataFrame({"parameter": ["a", "b"]} | {column: [0.1, -0.5] for column in method.index_columns})
        assert len(method.ranking_score(table)) == 2
        for column in method.report_columns:
            assert column.index in method.index_columns
            assert column.half_width is None or column.half_width in method.index_columns
        assert method.overview_index in method.index_columns


def test_a_disk_that_fails_while_writing_is_the_machines_fault(small_sweep, monkeypatch):
    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "shares.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(MachineError, match="could not write the analysis .No space left on device."):
        analyze(small_sweep, figures=False)


def test_a_directory_that_cannot_be_created_is_the_machines_fault(small_sweep, monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(MachineError, match="Permission denied") as error:
        analysis_files.prepare_out(small_sweep / "analysis")
    assert error.value.path == str(small_sweep / "analysis")


def test_a_figure_that_cannot_be_saved_is_the_machines_fault(small_sweep, monkeypatch):
    def failing_save(figure, path):
        raise OSError(errno.EIO, "Input/output error", str(path))

    monkeypatch.setattr("experiments.figures.save", failing_save)
    with pytest.raises(MachineError, match=r"distributions.png: could not write the analysis \(Input/output error\)"):
        analyze(small_sweep)


def test_an_out_inside_a_file_is_the_users_mistake(small_sweep, tmp_path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"taken is a file\); choose another --out"):
        analyze(small_sweep, out=tmp_path / "taken" / "analysis", figures=False)
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "x"


def test_the_command_line_exits_1_without_a_traceback_when_the_analysis_cannot_be_written(
    small_sweep, monkeypatch, capsys
):
    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    assert main(["analyze", str(small_sweep), "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert "outcomes.csv: could not write the analysis (No space left on device)" in err
    assert "Traceback" not in err
