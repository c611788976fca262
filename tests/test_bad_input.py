"""Bad user input: one clear paragraph naming file, key and what is allowed; exit 2; nothing written.

The finer cases call `sim.config.load_scenario` and check the `ConfigError`'s key and source;
a handful of representative cases run `caucasus run` as a real subprocess to check the exit
status, stderr (no traceback) and that the --out directory is left untouched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import load_scenario, parse_override
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "scenarios" / "baseline.toml"
ACTORS = ROOT / "configs" / "actors.toml"

# The baseline runs 2024-12-20 .. 2025-12-19 (365 days).
EXTENDS = f'[scenario]\nextends = "{BASELINE}"\n'
STANDALONE = f'[scenario]\nstart_date = 2024-12-20\nhorizon_days = 365\nactors_file = "{ACTORS}"\n'
SHOCK = {"date": "2025-01-05", "actor": '"RUS"', "target": '"AZE"', "cameo": '"190"'}
OUTSIDE = "outside the run (2024-12-20 to 2025-12-19)"


def shock(**fields: str) -> str:
    """A [[shocks]] entry: a valid one with `fields` replaced (values as TOML text; None drops)."""
    entry = {**SHOCK, **fields}
    return "[[shocks]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items() if v is not None)


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, overrides: dict | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scenario(path, overrides)
    return info.value


# ---------------------------------------------------------------- in-process: key and source

# (id, scenario text, key the error must name, text the message must carry: what is allowed)
CASES = [
    # 1. unknown keys
    (
        "unknown-top-table",
        EXTENDS + "[bogus]\nx = 1\n",
        "bogus",
        "allowed: scenario, parameters, mechanisms, actors, shocks, series",
    ),
    ("unknown-scenario-key", EXTENDS + "horizon = 30\n", "scenario.horizon", "horizon_days"),
    ("unknown-parameter", EXTENDS + "[parameters]\ntrust_rat = 0.3\n", "parameters.trust_rat", "trust_rate"),
    ("unknown-actor-key", EXTENDS + "[actors.RUS]\nsensitivty = 0.9\n", "actors.RUS.sensitivty", "sensitivity"),
    ("unknown-kin-actor", EXTENDS + "[actors.RUS]\nkin = { XYZ = 0.3 }\n", "actors.RUS.kin.XYZ", "RUS, AZE"),
    ("unknown-shock-key", EXTENDS + shock(when="2025-01-05"), "shocks[0].when", "allowed: id, date"),
    # 2. unknown actor codes
    ("unknown-shock-actor", EXTENDS + shock(actor='"XYZ"'), "shocks[0].actor", "allowed: RUS, AZE, ARM"),
    ("unknown-shock-target", EXTENDS + shock(target='"rus"'), "shocks[0].target", "allowed: RUS, AZE, ARM"),
    ("missing-shock-actor", EXTENDS + shock(actor=None), "shocks[0].actor", "allowed: RUS"),
    ("unknown-actor-table", EXTENDS + "[actors.XYZ]\nsensitivity = 0.5\n", "actors.XYZ", "allowed: RUS, AZE"),
    # 3. CAMEO code not on the scale
    ("cameo-999", EXTENDS + shock(cameo='"999"'), "shocks[0].cameo", "not a CAMEO code on the scale"),
    ("cameo-bool", EXTENDS + shock(cameo="true"), "shocks[0].cameo", "allowed (as strings): 010"),
    ("cameo-short", EXTENDS + shock(cameo="10"), "shocks[0].cameo", "allowed (as strings): 010"),
    # 4. shock dates outside the run, or not dates
    ("date-before-start", EXTENDS + shock(date="2024-12-19"), "shocks[0].date", OUTSIDE),
    ("date-after-end", EXTENDS + shock(date="2025-12-20"), "shocks[0].date", OUTSIDE),
    ("date-not-a-date", EXTENDS + shock(date='"2025-13-01"'), "shocks[0].date", "a date like"),
    ("datetime-not-date", EXTENDS + shock(date="2025-01-05T10:00:00"), "shocks[0].date", "a date like"),
    # 5. values out of range
    ("trust-rate-7", EXTENDS + "[parameters]\ntrust_rate = 7\n", "parameters.trust_rate", "[0.0, 1.0]"),
    ("trust-rate-nan", EXTENDS + "[parameters]\ntrust_rate = nan\n", "parameters.trust_rate", "[0.0, 1.0]"),
    ("negative-salience", EXTENDS + shock(salience="-0.5"), "shocks[0].salience", "[0.0, 5.0]"),
    ("affront-2", EXTENDS + shock(affront="2"), "shocks[0].affront", "[0.0, 1.0]"),
    ("horizon-0", EXTENDS + "horizon_days = 0\n", "scenario.horizon_days", "[1, 3650]"),
    ("horizon-too-long", EXTENDS + "horizon_days = 3651\n", "scenario.horizon_days", "[1, 3650]"),
    ("negative-seed", EXTENDS + "seed = -1\n", "scenario.seed", "out of range"),
    ("distraction-1.5", EXTENDS + "[actors.RUS]\ndistraction = 1.5\n", "actors.RUS.distraction", "[0.0, 1.0]"),
    (
        "corridor-position-2",
        EXTENDS + "[actors.RUS]\ncorridor = { position = 2 }\n",
        "actors.RUS.corridor.position",
        "[0.0, 1.0]",
    ),
    ("start-overflows", STANDALONE.replace("2024-12-20", "9999-12-01"), "scenario.start_date", "9999-12-31"),
    # 5. wrong types
    ("trust-rate-string", EXTENDS + '[parameters]\ntrust_rate = "high"\n', "parameters.trust_rate", "not a number"),
    ("trust-rate-bool", EXTENDS + "[parameters]\ntrust_rate = true\n", "parameters.trust_rate", "not a number"),
    ("horizon-float", EXTENDS + "horizon_days = 3.5\n", "scenario.horizon_days", "not an integer"),
    ("salience-string", EXTENDS + shock(salience='"big"'), "shocks[0].salience", "a number in [0.0, 5.0]"),
    ("name-number", EXTENDS + "name = 5\n", "scenario.name", "not a string"),
    ("start-date-string", STANDALONE.replace("2024-12-20", '"tomorrow"'), "scenario.start_date", "a date like"),
    ("parameters-not-table", EXTENDS.replace("[scenario]", "parameters = 3\n[scenario]"), "parameters", "table"),
    ("actor-entry-not-table", EXTENDS + "[actors]\nRUS = 1\n", "actors.RUS", "must be a table"),
    ("kin-not-table", EXTENDS + "[actors.RUS]\nkin = 0.3\n", "actors.RUS.kin", "actor codes to numbers"),
    ("shocks-not-array", EXTENDS + "[shocks]\nx = 1\n", "shocks", "array of tables"),
    ("corridor-unknown", EXTENDS + shock(corridor='"tunnel"'), "shocks[0].corridor", "neutral_operator"),
    ("corridor-list", EXTENDS + shock(corridor="[1]"), "shocks[0].corridor", "neutral_operator"),
    ("extends-not-string", '[scenario]\nextends = ["baseline.toml"]\n', "scenario.extends", "not a string"),
    ("drop-unknown-id", EXTENDS + 'drop_shocks = ["nope"]\n', "scenario.drop_shocks", "ids: ['autopsy'"),
    ("drop-without-extends", STANDALONE + 'drop_shocks = ["raid"]\n', "scenario.drop_shocks", "scenario.extends"),
    # 10. an actor acting on itself
    ("self-action", EXTENDS + shock(target='"RUS"'), "shocks[0].target", "cannot act on itself"),
    # a standalone file: the index is the entry's own
    ("second-shock-self", STANDALONE + shock() + shock(actor='"EU"', target='"EU"'), "shocks[1].target", "itself"),
]


@pytest.mark.parametrize(("text", "key", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_names_file_key_and_what_is_allowed(tmp_path, text, key, allowed):
    path = write(tmp_path, text)
    error = config_error(path)
    assert error.source == str(path)
    assert error.key == key
    assert allowed in error.problem
    message = str(error)
    assert message.startswith(f"{path}: key '{key}': ")
    assert "\n" not in message


def test_shock_inherited_from_base_that_falls_outside_a_shortened_run_is_named_as_inherited(tmp_path):
    error = config_error(write(tmp_path, EXTENDS + "horizon_days = 100\n"))
    assert error.key == "shocks[3].date"  # the raid, the base's fourth shock
    assert "inherited through scenario.extends" in error.source
    assert "2025-06-27 is outside the run (2024-12-20 to 2025-03-29)" in error.problem


def test_first_and_last_day_of_the_run_are_valid_shock_dates(tmp_path):
    text = EXTENDS + shock(date="2024-12-20", id='"first"') + shock(date="2025-12-19", id='"last"')
    scenario = load_scenario(write(tmp_path, text))
    dates = {s.shock_id: s.date.isoformat() for s in scenario.shocks}
    assert dates["first"] == "2024-12-20"
    assert dates["last"] == "2025-12-19"


# ---------------------------------------------------------------- malformed TOML: the line


MALFORMED = [
    ("double-equals", EXTENDS + "horizon_days = = 3\n", 3),
    ("unclosed-string", EXTENDS + '\n[parameters]\ntrust_rate = 0.2\nname = "oops\n', 6),
    ("duplicate-key", EXTENDS + "seed = 1\nseed = 2\n", 4),
    ("bare-word-value", STANDALONE + "[parameters]\ntrust_rate = high\n", 6),
    ("unclosed-table-header", EXTENDS + "[actors.RUS\nsensitivity = 0.5\n", 3),
]


@pytest.mark.parametrize(("text", "line"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_toml_names_the_file_and_line(tmp_path, text, line):
    path = write(tmp_path, text)
    error = config_error(path)
    assert error.source == str(path)
    assert error.line == line
    assert str(error).startswith(f"{path}, line {line}: malformed TOML: ")
    assert "\n" not in str(error)


def test_malformed_base_file_is_named_with_its_line(tmp_path):
    base = write(tmp_path, "[scenario]\nname = 'base'\nseed = \n", "base.toml")
    error = config_error(write(tmp_path, '[scenario]\nextends = "base.toml"\n'))
    assert error.source == str(base.resolve())
    assert error.line == 3


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(EXTENDS.encode() + b"name = '\xe9'\n")
    error = config_error(path)
    assert error.source == str(path)
    assert "UTF-8" in error.problem


# ---------------------------------------------------------------- missing files


def test_missing_scenario_file(tmp_path):
    path = tmp_path / "nope.toml"
    error = config_error(path)
    assert (error.source, error.key) == (str(path), None)
    assert "file not found" in error.problem


def test_scenario_path_that_is_a_directory(tmp_path):
    error = config_error(tmp_path)
    assert (error.source, error.key) == (str(tmp_path), None)
    assert "file not found" in error.problem


def test_missing_extends_target_names_the_key_and_the_path(tmp_path):
    path = write(tmp_path, '[scenario]\nextends = "no_such_base.toml"\n')
    error = config_error(path)
    assert (error.source, error.key) == (str(path), "scenario.extends")
    assert str(tmp_path / "no_such_base.toml") in error.problem
    assert "not found" in error.problem


def test_extends_cycle_is_refused(tmp_path):
    write(tmp_path, '[scenario]\nextends = "b.toml"\n', "a.toml")
    path = write(tmp_path, '[scenario]\nextends = "a.toml"\n', "b.toml")
    error = config_error(path)
    assert error.key == "scenario.extends"
    assert "cycle" in error.problem


def test_missing_actors_file_names_the_key(tmp_path):
    path = write(tmp_path, STANDALONE.replace(str(ACTORS), "no_actors.toml"))
    error = config_error(path)
    assert (error.source, error.key) == (str(path), "scenario.actors_file")
    assert str(tmp_path / "no_actors.toml") in error.problem


def test_extending_from_another_directory_keeps_the_bases_actors_file(tmp_path):
    scenario = load_scenario(write(tmp_path, EXTENDS + 'name = "elsewhere"\n'))
    baseline = load_scenario(BASELINE)
    assert scenario.name == "elsewhere"
    assert scenario.profiles == baseline.profiles
    assert scenario.shocks == baseline.shocks


# ---------------------------------------------------------------- overrides (--set)

OVERRIDES = [
    ("unknown-parameter", {"parameters.bogus": 1}, "parameters.bogus", "trust_rate"),
    ("out-of-range", {"parameters.trust_rate": 7}, "parameters.trust_rate", "[0.0, 1.0]"),
    ("wrong-type", {"actors.RUS.sensitivity": "high"}, "actors.RUS.sensitivity", "not a number"),
    ("unknown-actor", {"actors.XYZ.sensitivity": 0.5}, "actors.XYZ", "RUS, AZE"),
    ("actor-not-table", {"actors.RUS": 1}, "actors.RUS", "must be a table"),
    ("horizon-0", {"scenario.horizon_days": 0}, "scenario.horizon_days", "[1, 3650]"),
    ("no-section", {"trust_rate": 0.4}, "trust_rate", "parameters.KEY"),
    ("shocks", {"shocks.date": "2025-01-01"}, "shocks.date", "parameters.KEY"),
    ("extends", {"scenario.extends": "other.toml"}, "scenario.extends", "not scenario.extends"),
    ("into-a-value", {"scenario.name.x": 1}, "scenario.name.x", "does not name a table"),
]


@pytest.mark.parametrize(("overrides", "key", "allowed"), [c[1:] for c in OVERRIDES], ids=[c[0] for c in OVERRIDES])
def test_bad_override_is_named_as_an_override(overrides, key, allowed):
    error = config_error(BASELINE, overrides)
    assert error.source == f"{BASELINE} (override)"
    assert error.key == key
    assert allowed in error.problem


@pytest.mark.parametrize("text", ["parameters.trust_rate", "=0.3", " = 1", ""])
def test_set_without_key_and_value_is_refused(text):
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    assert (info.value.source, info.value.key) == ("--set", text)
    assert "KEY=VALUE" in info.value.problem


def test_set_values_are_read_as_toml():
    assert parse_override("parameters.trust_rate=0.4") == ("parameters.trust_rate", 0.4)
    assert parse_override("scenario.name=my run") == ("scenario.name", "my run")


# ---------------------------------------------------------------- end to end: the command line


def caucasus(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "caucasus", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("caucasus: error: ")
    assert len(message.splitlines()) == 1, "one paragraph"
    for text in expected:
        assert text in message


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# (id, scenario: TOML text, None for the baseline or a Path not written, extra args, texts stderr must carry)
CLI_CASES = [
    (
        "unknown-parameter",
        EXTENDS + "[parameters]\ntrust_rat = 0.3\n",
        [],
        ["bad.toml", "'parameters.trust_rat'", "allowed: trust_rate"],
    ),
    ("malformed-toml", EXTENDS + "horizon_days = = 3\n", [], ["bad.toml, line 3: malformed TOML"]),
    ("shock-after-end", EXTENDS + shock(date="2026-01-01"), [], ["bad.toml", "'shocks[0].date'", OUTSIDE]),
    ("missing-file", Path("missing.toml"), [], ["missing.toml: file not found"]),
    (
        "set-out-of-range",
        None,
        ["--set", "parameters.trust_rate=7"],
        ["baseline.toml (override)", "'parameters.trust_rate'", "[0.0, 1.0]"],
    ),
    ("set-unknown-key", None, ["--set", "sensitivity=0.9"], ["--set", "'sensitivity'", "allowed:"]),
    ("set-no-equals", None, ["--set", "parameters.trust_rate"], ["--set", "expected KEY=VALUE"]),
]


@pytest.mark.slow  # real `caucasus run` processes, as every test below that calls caucasus()
@pytest.mark.parametrize(("text", "args", "expected"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_bad_input_with_status_2_and_writes_nothing(tmp_path, text, args, expected):
    if text is None:
        config = BASELINE
    elif isinstance(text, Path):
        config = tmp_path / text
    else:
        config = write(tmp_path, text)
    out = tmp_path / "out"
    result = caucasus(str(config), "--out", str(out), "--quiet", *args)
    assert_refused(result, *expected)
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")], "no staging directory left"


def short_scenario(tmp_path: Path) -> str:
    """A valid 30-day scenario with one shock (a quick run)."""
    return str(write(tmp_path, STANDALONE.replace("365", "30") + shock(), "short.toml"))


@pytest.mark.slow
def test_cli_refuses_out_below_a_file(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    result = caucasus(short_scenario(tmp_path), "--out", str(tmp_path / "file" / "run"))
    assert_refused(result, "is not a directory", "choose another --out")
    assert (tmp_path / "file").read_text() == "not a directory"


@pytest.mark.slow
def test_cli_refuses_an_existing_run_unless_force(tmp_path):
    config, out = short_scenario(tmp_path), tmp_path / "run"
    first = caucasus(config, "--out", str(out), "--seed", "1", "--quiet")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert {"manifest.json", "outcomes.json", "events.parquet", "trust.parquet"} <= set(before)

    refused = caucasus(config, "--out", str(out), "--seed", "2", "--quiet")
    assert_refused(refused, str(out), "already holds files", "--force")
    assert snapshot(out) == before

    bad_forced = caucasus(
        config, "--out", str(out), "--seed", "2", "--force", "--quiet", "--set", "parameters.trust_rate=7"
    )
    assert_refused(bad_forced, "'parameters.trust_rate'")
    assert snapshot(out) == before, "a refused --force run leaves the old run alone"

    forced = caucasus(config, "--out", str(out), "--seed", "2", "--force", "--quiet")
    assert forced.returncode == 0, forced.stderr
    after = snapshot(out)
    assert set(after) == set(before)
    manifest = json.loads(after["manifest.json"])
    assert manifest["seed"] == 2
    assert manifest["days_run"] == 30
    assert after["events.parquet"] != before["events.parquet"] or after["trust.parquet"] != before["trust.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "short.toml"], "no staging directory left"


# ---------------------------------------------------------------- rerunning from a manifest

MANIFESTS = [
    ("malformed-json", '{"seed": 1,', None, "not a JSON run manifest"),
    ("no-source-config", json.dumps({"seed": 1}), "source_config", "manifest.json that `caucasus run` wrote"),
    ("bad-value-inside", None, "parameters.trust_rate", "out of range"),
]


@pytest.mark.parametrize(("text", "key", "allowed"), [c[1:] for c in MANIFESTS], ids=[c[0] for c in MANIFESTS])
def test_a_bad_manifest_is_refused_with_its_key(tmp_path, text, key, allowed):
    if text is None:  # a real manifest's inputs, edited by hand into an impossible value
        from sim.model import CaucasusModel

        inputs = CaucasusModel(BASELINE, rng=1).config.source_config()
        inputs["scenario"]["parameters"] = {"trust_rate": 9.0}
        text = json.dumps({"source_config": inputs})
    error = config_error(write(tmp_path, text, "manifest.json"))
    assert error.source == str(tmp_path / "manifest.json") and error.key == key
    assert allowed in str(error)


@pytest.mark.slow
def test_force_never_replaces_a_directory_that_is_not_a_run(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    result = caucasus(short_scenario(tmp_path), "--out", str(out), "--force")
    assert_refused(result, "not a run", "--force only replaces")
    assert (out / "thesis.tex").read_text() == "years of work"


def test_config_values_are_validated_beyond_their_ranges(tmp_path):
    cases = [
        (EXTENDS + 'name = "../../elsewhere"\n', "scenario.name"),
        (EXTENDS + shock(id='"x"') + shock(id='"x"'), "shocks"),
    ]
    for text, key in cases:
        assert config_error(write(tmp_path, text)).key == key
