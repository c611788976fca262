"""A digest of the ensemble engine's numbers, to show that a change for speed changed none.

For every shipped scenario and the mechanisms' and series' studies, `digests` runs the ensemble
on seeds 1-256 and digests, bit for bit, its outcome columns, every field of the final state, the
running trust minima, the responses taken and the event logs of a few runs; on the baseline
it also runs 1,024 runs with per-run parameters from the Sobol study's design on ten shared
seeds (as a sweep does), the same cut short at 200 days (as a calibration does), and the Mesa
model's daily histories of one run. Faster than `experiments.equivalence` (seconds, not
minutes), and with larger batches, so it exercises the ensemble's batched paths.

    python -m experiments.ensemble_digest record before.json    # on the old commit
    python -m experiments.ensemble_digest check before.json     # on the new one: exit 0 when equal
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from experiments.runner import plan_sweep
from experiments.sweep_config import load_sweep
from sim.config import load_scenario
from sim.ensemble import EnsembleResult, run_ensemble
from sim.model import CaucasusModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "configs" / "scenarios").glob("*.toml")) + sorted(
    (ROOT / "configs" / "studies").glob("*/*.toml")
)
SOBOL = ROOT / "configs" / "sweeps" / "sobol_10_parameters.toml"
SEEDS = range(1, 257)
LOGGED_RUNS = (0, 7, 100, 255)


def array_digest(values: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes."""
    values = np.ascontiguousarray(values)
    head = f"{values.dtype.str}{values.shape}".encode()
    body = values.astype(str).tobytes() if values.dtype.kind in "OU" else values.tobytes()
    return hashlib.sha256(head + body).hexdigest()


def result_digests(result: EnsembleResult, prefix: str, logged: tuple[int, ...]) -> dict[str, str]:
    """Digests of a finished batch: outcomes, final state, trust minima, responses and some logs."""
    digests = {f"{prefix}/outcome/{k}": array_digest(v) for k, v in sorted(result.outcomes().items())}
    for field in dataclasses.fields(result.state):
        digests[f"{prefix}/state/{field.name}"] = array_digest(getattr(result.state, field.name))
    digests[f"{prefix}/trust_min"] = array_digest(result.simulation.recorder.trust_min)
    for name, column in result.simulation.journal.responses_taken().items():
        digests[f"{prefix}/responses/{name}"] = array_digest(column)
    for run in logged:
        text = json.dumps([dataclasses.asdict(r) for r in result.event_log(run)], default=str, sort_keys=True)
        digests[f"{prefix}/log{run}"] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def sobol_batch(points: int) -> tuple[dict[str, np.ndarray], list[int]]:
    """The first `points` design points of the Sobol study, on its ten common seeds."""
    plan = plan_sweep(load_sweep(SOBOL))
    work = plan.work(0)
    batch = {name: np.asarray(values)[:points] for name, values in work.parameters.items()}
    return batch, [int(s) for s in np.asarray(work.seeds)[:points]]


def digests() -> dict[str, str]:
    """Every digest (see the module docstring)."""
    found: dict[str, str] = {}
    for path in SCENARIOS:
        found |= result_digests(run_ensemble(load_scenario(path), seeds=SEEDS), path.stem, LOGGED_RUNS)
    baseline = load_scenario(ROOT / "configs" / "scenarios" / "baseline.toml")
    batch, seeds = sobol_batch(1024)
    found |= result_digests(run_ensemble(baseline, seeds, batch), "sobol1024", (0, 1, 513))
    short = dataclasses.replace(baseline, horizon_days=200)  # cut short after the plane, before the raid
    found |= result_digests(run_ensemble(short, seeds, batch), "sobol1024_120d", (3,))
    model = CaucasusModel(baseline, rng=1).run()
    recorder = model.simulation.recorder
    for name in ("trust", "shares", "support"):
        found[f"mesa/seed1/{name}"] = array_digest(getattr(recorder, name))
    return found


def main(argv: list[str] | None = None) -> int:
    """`record FILE` writes the digests; `check FILE` compares with them (exit 1 on a difference)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    found = digests()
    if args.action == "record":
        args.file.write_text(json.dumps(found, indent=1, sort_keys=True))
        print(f"{len(found)} digests written to {args.file}")
        return 0
    expected = json.loads(args.file.read_text())
    differing = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
    for key in differing[:40]:
        print(f"differs: {key}")
    print(f"{len(expected)} digests expected, {len(found)} made, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
