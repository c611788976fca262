"""The known-answer check as a benchmark: coverage of the calibration's credible intervals.

    python -m experiments.coverage_check --repetitions 20 --out runs/coverage
        [--config configs/calibration/coverage.toml] [--workers N | --scheduler ADDR]

Runs `experiments.calibration.coverage.run_check` (each repetition: a truth drawn from the
priors, one run at it written as a synthetic record, a calibration against it) with the small
configuration `configs/calibration/coverage.toml` (four parameters the summaries identify,
population 300, three generations; its comments say why), then prints the coverage per
parameter and overall at 50% and 90% with Clopper-Pearson intervals, the wall time and the peak
memory. The tables and the rank histograms are written to `--out` (see the module above).
A bad config or `--out` exits with status 2 and a message naming it; a killed check resumes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from experiments.calibration.config import load_calibration
from experiments.calibration.coverage import LEVELS, run_check
from sim.errors import ConfigError, MachineError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "calibration" / "coverage.toml"


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line's arguments."""
    parser = argparse.ArgumentParser(prog="python -m experiments.coverage_check", description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=20, help="known-answer repetitions (default 20)")
    parser.add_argument("--out", type=Path, required=True, help="a new or empty directory, or a check to resume")
    parser.add_argument("--config", type=Path, default=CONFIG, help="the calibration config (default: %(default)s)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="calibrate on N worker processes on this machine")
    where.add_argument("--scheduler", help="calibrate on the Dask scheduler at ADDR")
    return parser.parse_args(argv)


def peak_memory_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its largest finished child), MiB (Linux reports KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def summary_lines(table) -> list[str]:
    """One line per row of the coverage table."""
    lines = []
    for _, row in table.iterrows():
        parts = [
            f"{round(100 * level)}%: {row[f'coverage_{round(100 * level)}']:.2f} "
            f"[{row[f'ci_low_{round(100 * level)}']:.2f}, {row[f'ci_high_{round(100 * level)}']:.2f}]"
            for level in LEVELS
        ]
        lines.append(f"  {row['parameter']:32s} n={row['n']:3d}  " + "  ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the check and print its coverage, time and memory; the exit status."""
    args = parse(argv)
    started = time.perf_counter()
    try:
        config = load_calibration(args.config)
        check = run_check(config, args.repetitions, args.out, workers=args.workers, scheduler=args.scheduler)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except MachineError as error:
        print(error, file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"known-answer check of {config.name}: {args.repetitions} repetitions, {len(config.priors)} parameters")
    print("coverage (share of truths inside the central interval) [95% Clopper-Pearson]:")
    print("\n".join(summary_lines(check.table)))
    print(f"wall time {seconds:.0f} s ({seconds / args.repetitions:.1f} s a repetition)")
    memory = f"peak memory: this process {peak_memory_mib():.0f} MiB"
    if args.workers or args.scheduler:  # local worker processes are this process's children
        memory += f", largest finished child {peak_memory_mib(resource.RUSAGE_CHILDREN):.0f} MiB"
    print(memory)
    print(f"written: {args.out / 'coverage.md'}, {args.out / 'coverage.csv'}, {args.out / 'figures' / 'ranks.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
