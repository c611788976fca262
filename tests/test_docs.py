"""The documentation stays true to the code: ODD parameter tables, README commands, CI."""

from __future__ import annotations

from dataclasses import fields

import pytest

from sim.model import resolve_scenario
from sim.parameters import Disposition, ModelParams
from tests.conftest import ROOT

ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


def table_rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows keyed by their first cell (backticks stripped)."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


@pytest.mark.parametrize("cls", [ModelParams, Disposition])
def test_odd_lists_every_parameter_with_its_default_range_and_reason(cls):
    rows = table_rows(ODD)
    for field in fields(cls):
        assert field.name in rows, f"docs/ODD.md has no row for {field.name}"
        default, allowed, _kind, reason = rows[field.name][:4]
        assert float(default) == field.default, field.name
        low, high = field.metadata["range"]
        assert allowed == f"[{low}, {high}]", field.name
        assert reason == field.metadata["doc"], field.name


@pytest.mark.parametrize("cls", [ModelParams, Disposition])
def test_every_parameter_has_a_unit_for_the_reports(cls):
    from sim.parameters import UNITS

    assert {f.name for f in fields(cls)} <= set(UNITS)


def test_odd_per_actor_table_matches_the_actors_config():
    section = ODD[ODD.index("### 8.3") : ODD.index("### 8.4")]
    names = [f.name for f in fields(Disposition)]
    header = next(line for line in section.splitlines() if line.startswith("| Actor |"))
    columns = [cell.strip().strip("`") for cell in header.strip("|").split("|")][1:]
    assert columns == names
    for profile in resolve_scenario("baseline").profiles:
        line = next(line for line in section.splitlines() if line.startswith(f"| {profile.actor.value} |"))
        values = [float(cell) for cell in line.strip("|").split("|")[1:]]
        assert values == [getattr(profile.disposition, name) for name in names], profile.actor


def test_readme_commands_exist_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/run-baseline" in readme and "./scripts/test" in readme
    for script in ("scripts/run-baseline", "scripts/test", "scripts/setup-env", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_odd_outcome_table_is_the_registry():
    """docs/ODD.md §7.14 holds exactly the table the outcome registry prints (`python -m sim.outcomes`)."""
    from sim.outcomes import registry_table

    begin, end = "<!-- outcomes:begin -->\n", "\n<!-- outcomes:end -->"
    shown = ODD[ODD.index(begin) + len(begin) : ODD.index(end)]
    assert shown == registry_table(), "regenerate the table with `python -m sim.outcomes`"
