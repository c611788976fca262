"""Hostile inputs (issue 14, items 4-6): edited manifests, deep nesting and long chains, oversized
files, errors in referred files, too-long output names. Each is one line naming the file and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caucasus.cli import main
from sim.config import load_scenario
from sim.config.limits import MAX_EXTENDS, MAX_FILE_BYTES, MAX_NESTING
from tests.conftest import ROOT, SCENARIOS

ACTORS = ROOT / "configs" / "actors.toml"
BASELINE = SCENARIOS / "baseline.toml"
SHORT = f"""[scenario]
name = "short"
start_date = 2024-12-20
horizon_days = 12
seed = 3
actors_file = "{ACTORS}"

[parameters]
trust_rate = 0.2

[[shocks]]
id = "plane"
date = 2024-12-25
actor = "RUS"
target = "AZE"
cameo = "190"
salience = 1.5
"""


def _run(argv: list[str], capsys) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


def _refused(argv: list[str], capsys, *named: str) -> str:
    """Exit 2 with one line naming `named`, no traceback."""
    status, err = _run(argv, capsys)
    assert status == 2, err
    assert err.startswith("caucasus: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for text in named:
        assert text in err, err
    return err


@pytest.fixture
def short(tmp_path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT, encoding="utf-8")
    return path


@pytest.fixture
def run_manifest(tmp_path, short, capsys) -> Path:
    assert main(["run", str(short), "--out", str(tmp_path / "r1"), "--quiet"]) == 0
    capsys.readouterr()
    return tmp_path / "r1" / "manifest.json"


# ------------------------------------------------------------------ item 4: edited manifests


def test_an_edited_manifest_is_refused_unless_allowed(tmp_path, run_manifest, capsys):
    manifest = json.loads(run_manifest.read_text())
    manifest["source_config"]["scenario"]["parameters"]["trust_rate"] = 0.9
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(manifest))
    out = tmp_path / "r2"
    _refused(
        ["run", str(edited), "--out", str(out)], capsys, str(edited), "key 'config_hash'", "--allow-edited-manifest"
    )
    assert not out.exists()

    status, err = _run(["run", str(edited), "--out", str(out), "--quiet", "--allow-edited-manifest"], capsys)
    assert status == 0 and err.startswith("caucasus: warning: ") and "edited" in err
    rerun = json.loads((out / "manifest.json").read_text())
    assert rerun["config_hash"] != manifest["config_hash"]
    assert rerun["source_config"]["scenario"]["parameters"]["trust_rate"] == 0.9
    assert rerun["config_hash"] in err


def test_an_unedited_manifest_reruns_and_the_flag_needs_a_manifest(tmp_path, run_manifest, short, capsys):
    status, _ = _run(["run", str(run_manifest), "--out", str(tmp_path / "again"), "--quiet"], capsys)
    assert status == 0
    assert (
        json.loads((tmp_path / "again" / "manifest.json").read_text())["config_hash"]
        == json.loads(run_manifest.read_text())["config_hash"]
    )
    status, err = _run(["run", str(run_manifest), "--seed", "4", "--out", str(tmp_path / "s4"), "--quiet"], capsys)
    assert status == 0 and err == ""  # another seed: a new run, not an edited manifest
    _refused(["run", str(short), "--allow-edited-manifest", "--out", str(tmp_path / "x")], capsys, "manifest.json")


def test_a_manifest_with_a_damaged_hash_is_refused(tmp_path, run_manifest, capsys):
    manifest = json.loads(run_manifest.read_text())
    for value in ("0" * 64, None, 7):
        manifest["config_hash"] = value
        damaged = tmp_path / "damaged.json"
        damaged.write_text(json.dumps(manifest))
        _refused(["run", str(damaged), "--out", str(tmp_path / "r")], capsys, "key 'config_hash'")
        assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------ item 5: nesting, size, chains


def _deep_toml(depth: int) -> str:
    return "{a = " * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 5000])
def test_deeply_nested_scenario_and_actors_files_are_refused(tmp_path, short, capsys, depth):
    deep = tmp_path / "deep.toml"
    deep.write_text(SHORT.replace("trust_rate = 0.2", f"trust_rate = {_deep_toml(depth)}"))
    _refused(["run", str(deep), "--out", str(tmp_path / "o")], capsys, str(deep), f"{MAX_NESTING} levels")
    actors = tmp_path / "actors.toml"
    actors.write_text(ACTORS.read_text() + f"\nsources = {_deep_toml(depth)}\n")
    scenario = tmp_path / "own_actors.toml"
    scenario.write_text(SHORT.replace(str(ACTORS), str(actors)))
    _refused(["run", str(scenario), "--out", str(tmp_path / "o")], capsys, str(actors), "scenario.actors_file")
    assert not (tmp_path / "o").exists()


def test_deeply_nested_manifests_are_refused(tmp_path, run_manifest, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    _refused(["run", str(deep), "--out", str(tmp_path / "o")], capsys, str(deep), f"{MAX_NESTING} levels")
    manifest = json.loads(run_manifest.read_text())
    manifest["extra"] = json.loads("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))
    deep.write_text(json.dumps(manifest))
    _refused(["run", str(deep), "--out", str(tmp_path / "o")], capsys, str(deep), f"{MAX_NESTING} levels")
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text('{"kind": "caucasus-sweep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _refused(["analyze", str(sweep)], capsys, str(sweep / "manifest.json"), f"{MAX_NESTING} levels")
    assert sorted(p.name for p in sweep.iterdir()) == ["manifest.json"]


def test_deeply_nested_sweep_files_and_overrides_are_refused(tmp_path, short, capsys):
    sweep = tmp_path / "deep_sweep.toml"
    sweep.write_text(f'[sweep]\nscenario = "{short}"\nreplicates = 1\n[design]\nkind = {_deep_toml(5000)}\n')
    _refused(["sweep", str(sweep), "--out", str(tmp_path / "o")], capsys, str(sweep), f"{MAX_NESTING} levels")
    _refused(["run", str(short), "--set", "parameters.trust_rate=" + "[" * 5000], capsys, "--set")
    _refused(["run", str(short), "--set", "parameters.trust_rate=" + "[" * 65 + "]" * 65], capsys, "--set")
    assert not (tmp_path / "o").exists()


def test_oversized_files_are_refused(tmp_path, short, capsys):
    big = tmp_path / "big.toml"
    big.write_text(SHORT + "# " + "x" * MAX_FILE_BYTES + "\n")
    _refused(["run", str(big), "--out", str(tmp_path / "o")], capsys, str(big), "16 MiB")
    big_json = tmp_path / "big.json"
    big_json.write_text('{"x": "' + "x" * MAX_FILE_BYTES + '"}')
    _refused(["run", str(big_json), "--out", str(tmp_path / "o")], capsys, str(big_json), "16 MiB")
    assert not (tmp_path / "o").exists()


def _chain(directory: Path, length: int) -> Path:
    """A chain of `length` files, each extending the one before; the first is SHORT."""
    (directory / "c0.toml").write_text(SHORT)
    for i in range(1, length + 1):
        (directory / f"c{i}.toml").write_text(f'[scenario]\nextends = "c{i - 1}.toml"\n')
    return directory / f"c{length}.toml"


def test_a_long_extends_chain_is_refused_naming_the_file_that_starts_it(tmp_path, capsys):
    assert load_scenario(_chain(tmp_path, MAX_EXTENDS)).name == f"c{MAX_EXTENDS}"  # at the limit: fine
    top = _chain(tmp_path, 1500)
    err = _refused(["run", str(top), "--out", str(tmp_path / "o")], capsys, "scenario.extends", f"{MAX_EXTENDS}")
    assert err.startswith(f"caucasus: error: {top.resolve()}: key 'scenario.extends': starts a chain")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ item 6: referring keys, long names


def test_an_error_in_an_extended_file_names_the_referring_key_and_file(tmp_path, capsys):
    (tmp_path / "base.toml").write_text("[scenario\n")
    (tmp_path / "middle.toml").write_text('[scenario]\nextends = "base.toml"\n')
    top = tmp_path / "top.toml"
    top.write_text('[scenario]\nextends = "middle.toml"\n')
    err = _refused(["run", str(top)], capsys, str(tmp_path / "base.toml"), "line 1", "malformed TOML")
    assert f"named by key 'scenario.extends' in {tmp_path / 'middle.toml'}" in err
    assert f"itself named by key 'scenario.extends' in {top}" in err


def test_an_error_in_the_actors_file_names_the_referring_key_and_file(tmp_path, capsys):
    actors = tmp_path / "actors.toml"
    actors.write_text(ACTORS.read_text().replace("value = 2173.8", "value = -3"))
    scenario = tmp_path / "s.toml"
    scenario.write_text(SHORT.replace(str(ACTORS), str(actors)))
    err = _refused(["run", str(scenario)], capsys, str(actors), "actors.RUS.gdp_usd_bn.value")
    assert f"named by key 'scenario.actors_file' in {scenario}" in err
    actors.write_text("[actors\n")
    _refused(["run", str(scenario)], capsys, "malformed TOML", f"named by key 'scenario.actors_file' in {scenario}")


def test_an_error_in_a_sweeps_scenario_names_the_referring_key_and_file(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SHORT.replace("horizon_days = 12", "horizon_days = -1"))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        f'[sweep]\nscenario = "{scenario}"\nreplicates = 1\n[design]\nkind = "full_factorial"\n'
        '[parameters]\n"parameters.trust_rate" = { values = [0.2, 0.3] }\n'
    )
    err = _refused(["sweep", str(sweep), "--out", str(tmp_path / "o")], capsys, str(scenario), "scenario.horizon_days")
    assert f"named by key 'sweep.scenario' in {sweep}" in err and not (tmp_path / "o").exists()


def test_a_scenario_name_too_long_for_the_default_out_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    long = tmp_path / "long.toml"
    long.write_text(SHORT.replace('name = "short"', f'name = "{"x" * 300}"'))
    err = _refused(["run", str(long), "--quiet"], capsys, "--out", "scenario.name")
    assert "Scenario" not in err and not (tmp_path / "runs").exists()
    _refused(["run", str(long), "--quiet", "--out", str(tmp_path / ("y" * 250))], capsys, "--out")
    assert list(tmp_path.iterdir()) == [long]


def test_a_comparison_whose_default_out_is_too_long_is_refused_before_the_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    short, long = tmp_path / "short.toml", tmp_path / "long.toml"
    short.write_text(SHORT)
    long.write_text(SHORT.replace('name = "short"', f'name = "{"x" * 300}"'))
    err = _refused(["compare", str(short), str(long)], capsys, "--out", "scenario.name")
    assert "Scenario" not in err and not (tmp_path / "runs").exists()
