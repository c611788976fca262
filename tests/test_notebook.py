"""The tutorial notebook (notebooks/tutorial.ipynb) runs from top to bottom and says what its text says.

The slow test executes it in a real Jupyter kernel with nbclient, against this checkout's code
(PYTHONPATH), in a temporary directory of its own (TMPDIR), and checks a few named cells
(cell tags) against the model run here directly. The fast test keeps the stored notebook free
of outputs, so the repository stays small and its diffs readable.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest
from nbclient import NotebookClient

from sim.model import CaucasusModel
from sim.outcomes import OUTCOME_NAMES
from sim.outputs import run_tables
from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "tutorial.ipynb"
CELL_TIMEOUT_S = 120  # judgement: the slowest cell (the sweep and its analysis) takes a few seconds here
NOTEBOOK_BUDGET_S = 60  # the budget for the whole notebook on this 2-core machine
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _cells_by_tag(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {tag: cell for cell in notebook.cells for tag in cell.get("metadata", {}).get("tags", [])}


def _text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed or showed as plain text."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def test_stored_notebook_is_valid_and_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "the tutorial has code cells"
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> tuple[nbformat.NotebookNode, float]:
    """The tutorial executed in a fresh kernel, and the seconds it took."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    scratch = tmp_path_factory.mktemp("notebook")
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits the environment
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        patch.setenv("TMPDIR", str(scratch))  # the sweep's temporary directory lands here
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        started = time.perf_counter()
        client.execute()  # raises CellExecutionError naming the cell on any error
        return notebook, time.perf_counter() - started


@pytest.mark.slow
def test_every_cell_ran_without_error_within_budget(executed):
    notebook, seconds = executed
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)
    errors = [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    assert seconds < NOTEBOOK_BUDGET_S


@pytest.mark.slow
def test_outcomes_and_tables_are_those_of_the_run(executed):
    notebook, _ = executed
    cells = _cells_by_tag(notebook)
    model = CaucasusModel("baseline", rng=1).run()  # what the notebook's first run is
    outcomes = model.outcomes()
    shown = _text(cells["outcomes"])
    assert all(f"'{name}':" in shown for name in OUTCOME_NAMES)  # the flat mapping, every key
    assert f"'rupture': {outcomes['rupture']}" in shown
    dated = _text(cells["outcome-dates"])
    assert f"rupture: {outcomes.rupture} first dated {outcomes.rupture_date} | ruptures: {outcomes.ruptures}" in dated
    shapes = {name: table.shape for name, table in run_tables(model).items()}
    assert str(shapes) in _text(cells["tables"])


@pytest.mark.slow
def test_counterfactual_sweep_and_analysis_cells_say_what_the_text_says(executed):
    notebook, _ = executed
    cells = _cells_by_tag(notebook)
    assert _text(cells["compare"]).startswith(
        "Counterfactual putin_apologises against baseline, seed 1 (same random numbers in both)"
    )
    shares = _text(cells["replicated-shares"]).splitlines()
    assert shares[1].split()[:2] == ["0", "rupture"] and "50" in shares[1].split()  # 50 pairs
    assert "60 points x 5 replicates = 300 runs" in _text(cells["sweep"])
    assert "Latin hypercube, 60 points" in _text(cells["analysis"])
    rhos = _text(cells["sensitivity"])
    assert "spearman" in rhos and "rupture_day" in rhos


@pytest.mark.slow
def test_dashboard_views_render_as_widgets(executed):
    notebook, _ = executed
    cells = _cells_by_tag(notebook)
    for tag in ("chart", "live-views"):
        assert any(WIDGET_VIEW in output.get("data", {}) for output in cells[tag].outputs), tag
    assert "day 197, 2025-07-04" in _text(cells["live-views"])
