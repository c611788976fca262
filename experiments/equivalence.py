"""Digests of everything the model produces, to show a refactoring changed no number.

`record` runs every shipped scenario for seeds 1-5 on the Mesa model (its four tables and its
outcomes, as `caucasus run` writes them) and on the ensemble engine (its outcome columns and
each run's event log), and both example studies' sweeps (their run datasets), and writes one
SHA-256 digest per table to a JSON file; `check` does the same again and compares. Tables are
digested from their CSV text with every float written exactly (`repr`), their column names and
their dtypes, so two digests agree only when the tables are identical value for value (the
ensemble's outcome columns are sorted by name first, so that a new order of the registry's
columns alone does not count as a change).
Provenance (versions, git commit, times) is left out: it changes with every commit.

    python -m experiments.equivalence record before.json     # on the old commit
    python -m experiments.equivalence check before.json      # on the new one: exit 0 when equal
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore, read_runs
from experiments.sweep_config import load_sweep
from sim.config import load_scenario
from sim.ensemble import run_ensemble
from sim.model import CaucasusModel
from sim.outputs import EVENT_COLUMNS, run_tables

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "configs" / "scenarios").glob("*.toml"))
STUDIES = tuple(ROOT / "configs" / "sweeps" / f"{name}.toml" for name in ("rupture_drivers", "corridor_arrangement"))
SEEDS = (1, 2, 3, 4, 5)


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table's columns, dtypes and exact values."""
    head = json.dumps([[str(name), str(dtype)] for name, dtype in table.dtypes.items()])
    body = table.to_csv(index=False, float_format=repr, lineterminator="\n")
    return hashlib.sha256((head + "\n" + body).encode()).hexdigest()


def scenario_digests(path: Path) -> dict[str, str]:
    """Digests of one scenario's Mesa runs and ensemble runs for `SEEDS`."""
    digests = {}
    for seed in SEEDS:
        model = CaucasusModel(path, rng=seed).run()
        for name, table in run_tables(model).items():
            digests[f"{path.stem}/seed{seed}/mesa/{name}"] = table_digest(table)
        outcomes = json.dumps(model.outcomes().to_dict(), sort_keys=True)
        digests[f"{path.stem}/seed{seed}/mesa/outcomes"] = hashlib.sha256(outcomes.encode()).hexdigest()
    result = run_ensemble(load_scenario(path), SEEDS)
    columns = result.outcomes()
    digests[f"{path.stem}/ensemble/outcomes"] = table_digest(pd.DataFrame(columns).sort_index(axis=1))
    for run, seed in enumerate(SEEDS):
        rows = [[getattr(record, column) for column in EVENT_COLUMNS] for record in result.event_log(run)]
        log = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
        digests[f"{path.stem}/seed{seed}/ensemble/events"] = table_digest(log.astype(str))
    return digests


def study_digest(path: Path) -> dict[str, str]:
    """Digest of one study's sweep dataset, run serially on the ensemble engine."""
    with tempfile.TemporaryDirectory() as directory:
        execute(plan_sweep(load_sweep(path)), SweepStore(Path(directory) / "sweep"), progress=False)
        runs = read_runs(Path(directory) / "sweep")
    return {f"study/{path.stem}/runs": table_digest(runs), f"study/{path.stem}/n_runs": str(len(runs))}


def all_digests() -> dict[str, str]:
    """Every digest, in a fixed order."""
    digests: dict[str, str] = {}
    for path in SCENARIOS:
        digests |= scenario_digests(path)
        print(f"  {path.stem}: done", file=sys.stderr)
    for path in STUDIES:
        digests |= study_digest(path)
        print(f"  {path.stem}: done", file=sys.stderr)
    return digests


def compare(reference: dict[str, str], now: dict[str, str]) -> list[str]:
    """The keys whose digests differ or are missing on either side."""
    return sorted(key for key in reference.keys() | now.keys() if reference.get(key) != now.get(key))


def main(argv: list[str] | None = None) -> int:
    """`record FILE` or `check FILE`; check exits 1 and lists the tables that differ."""
    parser = argparse.ArgumentParser(prog="python -m experiments.equivalence", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    now = all_digests()
    if args.action == "record":
        args.file.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(now)} digests in {args.file}")
        return 0
    reference = json.loads(args.file.read_text())
    differing = compare(reference, now)
    for key in differing:
        print(f"DIFFERS  {key}")
    print(f"{len(reference) - len(differing)} of {len(reference)} digests identical")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
