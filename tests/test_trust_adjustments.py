"""Trust adjustments (issue 12, item 7b): each names a kind of relation on one ordinal scale and a
dated public source; the loader refuses one without a source or with an unknown kind, and the
baseline trust it builds is voting affinity plus the scale's value for each adjustment.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from caucasus.cli import main
from sim.actors import INDEX, Actor
from sim.config import load_scenario
from sim.config.adjustments import KIND_MEANINGS, RELATION_KINDS
from sim.errors import ConfigError
from tests.conftest import ROOT

ACTORS = ROOT / "configs" / "actors.toml"
INTERDEPENDENCE = ROOT / "configs" / "interdependence.toml"
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
CUTOFF = dt.date(2025, 7, 11)  # the project's information cut-off (COMMON rules)
ACTORS_TEXT = ACTORS.read_text(encoding="utf-8")
PROFILES_TEXT = ACTORS_TEXT[: ACTORS_TEXT.index("[[trust_adjustments]]")]  # the actors, no adjustment
SHIPPED = tomllib.loads(ACTORS_TEXT)["trust_adjustments"]
VALID = {
    "actor": '"AZE"',
    "target": '"ARM"',
    "kind": '"war"',
    "reason": '"The September 2023 offensive"',
    "source": '"An outlet, a title, 2023-09-30, https://example.org/a"',
    "source_date": "2023-09-30",
}


def adjustment(**fields: str | None) -> str:
    """A [[trust_adjustments]] table: a valid one with `fields` replaced (TOML text; None drops)."""
    entry = {**VALID, **fields}
    return "\n[[trust_adjustments]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items() if v is not None)


def scenario_with(tmp_path: Path, adjustments: str) -> Path:
    """A one-year scenario whose actors file is the shipped one with `adjustments` instead of its own."""
    actors = tmp_path / "actors.toml"
    actors.write_text(PROFILES_TEXT + adjustments, encoding="utf-8")
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        f'[scenario]\nname = "adj"\nstart_date = 2024-12-20\nhorizon_days = 30\nactors_file = "{actors}"\n'
        f'interdependence = "{INTERDEPENDENCE}"\n',
        encoding="utf-8",
    )
    return scenario


def refused(tmp_path: Path, adjustments: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scenario(scenario_with(tmp_path, adjustments))
    assert info.value.source == str(tmp_path / "actors.toml")
    return info.value


@pytest.mark.parametrize("source", [None, '""', '"   "'])
def test_an_adjustment_without_a_source_is_refused(tmp_path, source):
    error = refused(tmp_path, adjustment(source=source))
    assert error.key == "trust_adjustments[0].source"
    assert "the public source of the reason" in error.problem


def test_an_adjustment_without_a_source_date_is_refused(tmp_path):
    error = refused(tmp_path, adjustment(source_date=None))
    assert error.key == "trust_adjustments[0].source_date"
    assert "a date like" in error.problem


def test_an_unknown_kind_is_refused_with_the_list_of_kinds(tmp_path):
    error = refused(tmp_path, adjustment() + adjustment(target='"TUR"', kind='"feud"'))
    assert error.key == "trust_adjustments[1].kind"
    assert "'feud' is not a kind of relation" in error.problem
    for kind in RELATION_KINDS:
        assert kind in error.problem


def test_a_value_other_than_the_kinds_is_refused(tmp_path):
    error = refused(tmp_path, adjustment(value="-1.3"))
    assert error.key == "trust_adjustments[0].value"
    assert "allowed: -1.25" in error.problem


def test_the_old_form_naming_the_actor_by_source_is_refused(tmp_path):
    """`source` held the truster's code before the citation; such a file now says what to write."""
    error = refused(tmp_path, adjustment(actor=None, source='"AZE"'))
    assert error.key == "trust_adjustments[0].actor"
    assert "'source' holds the citation" in error.problem


def test_a_pair_with_two_kinds_is_refused(tmp_path):
    error = refused(tmp_path, adjustment() + adjustment(kind='"rivalry"'))
    assert error.key == "trust_adjustments[1].target"
    assert "already adjusted by trust_adjustments[0]" in error.problem


def test_the_cli_refuses_an_unsourced_adjustment_with_status_2_and_writes_nothing(tmp_path, capsys):
    scenario = scenario_with(tmp_path, adjustment(source=None))
    out = tmp_path / "out"
    status = main(["run", str(scenario), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "trust_adjustments[0].source" in err and str(tmp_path / "actors.toml") in err
    assert "Traceback" not in err
    assert not out.exists()


def affinity(tmp_path: Path) -> np.ndarray:
    """Baseline trust with no adjustment: voting affinity alone (the diagonal is 1)."""
    (tmp_path / "none").mkdir(exist_ok=True)
    return load_scenario(scenario_with(tmp_path / "none", "")).baseline_trust


def expected_trust(base: np.ndarray, tables: list[dict]) -> np.ndarray:
    """Affinity plus the scale's value of each adjustment's kind, diagonal 1, clipped to [-1, 1]."""
    trust = base.copy()
    for table in tables:
        trust[INDEX[Actor(table["actor"])], INDEX[Actor(table["target"])]] += RELATION_KINDS[table["kind"]]
    np.fill_diagonal(trust, 1.0)
    return np.clip(trust, -1.0, 1.0)


def test_the_shipped_baseline_trust_is_affinity_plus_each_kinds_value(tmp_path):
    shipped = tmp_path / "shipped.toml"
    shipped.write_text(f'[scenario]\nstart_date = 2024-12-20\nhorizon_days = 30\nactors_file = "{ACTORS}"\n')
    loaded = load_scenario(shipped).baseline_trust
    np.testing.assert_allclose(loaded, expected_trust(affinity(tmp_path), SHIPPED), rtol=0, atol=1e-12)


def unclipped_pairs(base: np.ndarray) -> list[dict]:
    """One adjustment of each kind, each on its own pair whose affinity plus the value stays inside (-1, 1)."""
    codes = [actor.value for actor in INDEX]
    free = [(i, j) for i in range(len(codes)) for j in range(len(codes)) if i != j]
    tables = []
    for kind, value in RELATION_KINDS.items():
        i, j = next((i, j) for i, j in free if -1.0 < base[i, j] + value < 1.0)
        free.remove((i, j))
        tables.append({"actor": codes[i], "target": codes[j], "kind": kind})
    return tables


def test_each_kind_adds_its_value_to_its_pair_and_nothing_else(tmp_path):
    base = affinity(tmp_path)
    tables = unclipped_pairs(base)
    text = "".join(
        adjustment(actor=f'"{t["actor"]}"', target=f'"{t["target"]}"', kind=f'"{t["kind"]}"') for t in tables
    )
    shift = load_scenario(scenario_with(tmp_path, text)).baseline_trust - base
    expected = np.zeros_like(shift)
    for table in tables:
        expected[INDEX[Actor(table["actor"])], INDEX[Actor(table["target"])]] = RELATION_KINDS[table["kind"]]
    np.testing.assert_allclose(shift, expected, rtol=0, atol=1e-12)


def test_the_scale_is_ordinal_from_hostile_to_cooperative_and_each_kind_is_defined():
    values = list(RELATION_KINDS.values())
    assert values == sorted(values) and len(set(values)) == len(values)
    assert set(KIND_MEANINGS) == set(RELATION_KINDS)


@pytest.mark.parametrize("table", SHIPPED, ids=lambda t: f"{t['actor']}-{t['target']}")
def test_every_shipped_adjustment_has_a_kind_a_reason_and_a_source_dated_by_the_cutoff(table):
    assert table["kind"] in RELATION_KINDS
    assert table["reason"].strip() and table["source"].strip()
    assert isinstance(table["source_date"], dt.date) and table["source_date"] <= CUTOFF
    assert "value" not in table or table["value"] == RELATION_KINDS[table["kind"]]


def test_odd_section_8_4_lists_each_shipped_adjustment_with_its_kind_and_value():
    section = ODD[ODD.index("### 8.4") : ODD.index("## 9.")]
    rows = [line for line in section.splitlines() if re.match(r"\| [A-Z]{2,3} → [A-Z]{2,3} \|", line)]
    assert len(rows) == len(SHIPPED)
    for table in SHIPPED:
        row = next(r for r in rows if r.startswith(f"| {table['actor']} → {table['target']} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] == f"`{table['kind']}`"
        assert float(cells[2].replace("−", "-")) == RELATION_KINDS[table["kind"]]
