"""Fuzzing the command line with mutated scenario, sweep and manifest files (issue 14).

Each case writes a valid small input mutated once (a flipped byte, a truncation, a deleted or
duplicated line or key, a value of the wrong type, tables or arrays nested deeply) and calls
`caucasus.cli.main` in-process. Whatever the mutation, the command ends with status 0 (the
mutation left a valid input) or 2 (one line naming the file): never a traceback or an exception
out of `main`, never status 1 (the machine does not fail here), and nothing written on error.
Seeded, 300 cases in all; about 30 s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import shutil
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from caucasus.cli import main
from tests.conftest import ROOT

ACTORS = ROOT / "configs" / "actors.toml"
SCENARIO = f"""[scenario]
name = "short"
start_date = 2024-12-20
horizon_days = 10
seed = 3
actors_file = "{ACTORS}"

[parameters]
trust_rate = 0.2

[actors.RUS]
distraction = 0.6

[[shocks]]
id = "plane"
date = 2024-12-25
actor = "RUS"
target = "AZE"
cameo = "190"
salience = 1.5
"""
SWEEP = """[sweep]
scenario = "{scenario}"
replicates = 2
master_seed = 5
chunk_runs = 2

[design]
kind = "full_factorial"

[parameters]
"parameters.trust_rate" = {{ values = [0.2, 0.3] }}
"""
CASES = {"scenario": 120, "sweep": 80, "manifest": 100}  # 300 in all
TEXT_MUTATIONS = ("flip", "truncate", "duplicate_line", "delete_line")
TREE_MUTATIONS = ("delete_key", "duplicate_key", "wrong_type", "deep")
WRONG_VALUES = (
    "text",
    "",
    -1,
    0,
    3,
    10**30,
    -(10**30),
    1.5,
    -0.0,
    math.inf,
    math.nan,
    True,
    [],
    [1, "a"],
    {},
    {"x": 1},
    dt.date(2024, 1, 1),
)


class Raw(str):
    """Text written into a TOML document as is (deep nesting beyond what recursion allows)."""


def toml_value(value: Any) -> str:
    """A value as TOML: tables inline, strings as JSON-escaped basic strings."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else "inf" if value > 0 else "-inf")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)} = {toml_value(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


def toml_document(data: dict[str, Any]) -> str:
    """A TOML document of top-level keys with inline values (tables and arrays of tables inline)."""
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in data.items())


def json_default(value: Any) -> Any:
    """JSON for what json cannot write (dates; raw text, parsed back)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def node_paths(data: Any, path: tuple = ()) -> list[tuple]:
    """Every key or index path below `data` (tables and arrays), the root excluded."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found.append((*path, key))
        found.extend(node_paths(value, (*path, key)))
    return found


def deep_value(depth: int, kind: str, raw: bool, suffix: str) -> Any:
    """Tables or arrays nested `depth` deep, as data or (for very deep ones) as raw TOML or JSON text."""
    if raw:
        opening = '{"a": ' if suffix == ".json" else "{a = "
        return Raw(opening * depth + "1" + "}" * depth if kind == "table" else "[" * depth + "]" * depth)
    value: Any = 1
    for _ in range(depth):
        value = {"a": value} if kind == "table" else [value]
    return value


def mutate_text(text: str, data: st.DataObject) -> str:
    """One byte flipped, a truncation, or a line deleted or duplicated."""
    kind = data.draw(st.sampled_from(TEXT_MUTATIONS), label="text mutation")
    raw = text.encode()
    if kind == "flip":
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        bit = data.draw(st.integers(1, 255), label="xor")
        raw = raw[:at] + bytes([raw[at] ^ bit]) + raw[at + 1 :]
        return raw.decode("utf-8", errors="surrogateescape")
    if kind == "truncate":
        return raw[: data.draw(st.integers(0, len(raw) - 1), label="length")].decode("utf-8", "surrogateescape")
    lines = text.splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    if kind == "duplicate_line":
        return "".join(lines[: at + 1] + lines[at:])
    return "".join(lines[:at] + lines[at + 1 :])


def mutate_tree(tree: Any, data: st.DataObject, suffix: str, prefer: tuple = ()) -> Any:
    """One key deleted or duplicated (under another name), a value of the wrong type, or deep nesting."""
    kind = data.draw(st.sampled_from(TREE_MUTATIONS), label="tree mutation")
    paths = node_paths(tree)
    preferred = [p for p in paths if p[: len(prefer)] == prefer] if prefer else []
    if preferred and data.draw(st.booleans(), label="prefer"):
        paths = preferred
    path = data.draw(st.sampled_from(paths), label="path")
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if kind == "delete_key":
        del parent[last]
    elif kind == "duplicate_key":
        if isinstance(parent, dict):
            parent[f"{last}_copy"] = parent[last]
        else:
            parent.append(parent[last])
    elif kind == "wrong_type":
        parent[last] = data.draw(st.sampled_from(WRONG_VALUES), label="value")
    else:
        raw = data.draw(st.booleans(), label="raw")
        depth = data.draw(st.sampled_from([5000, 100_000]) if raw else st.integers(2, 120), label="depth")
        parent[last] = deep_value(depth, data.draw(st.sampled_from(["table", "array"]), label="kind"), raw, suffix)
    return tree


def serialise(tree: Any, suffix: str) -> str:
    """The mutated tree as a TOML or JSON document; raw text (deep nesting) written unquoted."""
    if suffix != ".json":
        return toml_document(tree)
    text = json.dumps(tree, default=json_default)
    for raw in {node for node in _values(tree) if isinstance(node, Raw)}:
        text = text.replace(json.dumps(str(raw)), str(raw))
    return text


def _values(data: Any) -> list[Any]:
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    return [data, *(value for item in items for value in _values(item))]


class Fuzzer:
    """Runs the command on each mutated input and checks status, stderr and the files left."""

    def __init__(self, work: Path, target: str, argv: list[str], original: str, suffix: str):
        self.work, self.target, self.argv, self.original, self.suffix = work, target, argv, original, suffix
        self.input = work / f"input{suffix}"
        self.cases = 0
        self.statuses: Counter[int] = Counter()
        self.tracebacks = 0

    def case(self, data: st.DataObject, extra: list[str] | None = None, prefer: tuple = ()) -> None:
        if data.draw(st.booleans(), label="mutate the text (else the parsed tree)"):
            text = mutate_text(self.original, data)
        else:
            tree = json.loads(self.original) if self.suffix == ".json" else tomllib.loads(self.original)
            text = serialise(mutate_tree(tree, data, self.suffix, prefer), self.suffix)
        self.input.write_bytes(text.encode("utf-8", errors="surrogateescape"))
        self.run(extra or [])

    def run(self, extra: list[str]) -> None:
        self.cases += 1
        out = self.work / f"out{self.cases}"
        before = set(self.work.iterdir())
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main([*self.argv, str(self.input), "--out", str(out), *extra])  # nothing may escape
        err = stderr.getvalue()
        self.statuses[status] += 1
        self.tracebacks += "Traceback" in err
        assert "Traceback" not in err, err
        assert status in (0, 2), f"status {status}: {err}"
        if status == 2:
            assert err.startswith("caucasus: error: ") and err.count("\n") == 1, err
            assert not out.exists(), f"{out} written on error: {err}"
            assert set(self.work.iterdir()) == before, f"files written on error: {err}"
        else:
            shutil.rmtree(out)

    def report(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return f"fuzz {self.target}: {self.cases} cases, exit codes {{{codes}}}, tracebacks {self.tracebacks}"


def _fuzz(fuzzer: Fuzzer, max_examples: int, extra: st.SearchStrategy | None = None, prefer: tuple = ()) -> None:
    extra = extra if extra is not None else st.just([])

    @seed(14)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(data=st.data(), options=extra)
    def case(data, options):
        fuzzer.case(data, options, prefer)

    case()
    print(fuzzer.report())
    assert fuzzer.cases >= max_examples and fuzzer.tracebacks == 0


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def scenario_file(work) -> Path:
    path = work / "short.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.mark.slow
def test_fuzzed_scenarios(work, scenario_file):
    directory = work / "scenario"
    directory.mkdir()
    fuzzer = Fuzzer(directory, "scenario", ["run", "--quiet"], SCENARIO, ".toml")
    _fuzz(fuzzer, CASES["scenario"])


@pytest.mark.slow
def test_fuzzed_sweeps(work, scenario_file):
    directory = work / "sweep"
    directory.mkdir()
    fuzzer = Fuzzer(directory, "sweep", ["sweep"], SWEEP.format(scenario=scenario_file), ".toml")
    _fuzz(fuzzer, CASES["sweep"])


@pytest.mark.slow
def test_fuzzed_run_manifests(work, scenario_file):
    directory = work / "manifest"
    directory.mkdir()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", str(scenario_file), "--out", str(work / "run"), "--quiet"]) == 0
    original = (work / "run" / "manifest.json").read_text(encoding="utf-8")
    fuzzer = Fuzzer(directory, "manifest", ["run", "--quiet"], original, ".json")
    allow = st.sampled_from([[], ["--allow-edited-manifest"]])  # the edited inputs are checked too
    _fuzz(fuzzer, CASES["manifest"], allow, prefer=("source_config",))
