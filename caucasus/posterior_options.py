"""`--posterior DIR [--draws N]` on `caucasus run`, `compare`, `sweep` and `dashboard`.

Each run takes a parameter vector drawn from a calibration's posterior
(`experiments.posterior_runs`). Without `--posterior` the commands are unchanged. Every mistake
(a directory that is not a posterior, a scenario with another start date, `--draws` out of range
or without `--posterior`, an option that cannot go with it) is a ConfigError naming the option,
raised before anything is run or written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from experiments.posterior_files import POSTERIOR_RUN_FILES, check_posterior_out, posterior_report, write_posterior_runs
from experiments.posterior_runs import (
    DEFAULT_DRAWS,
    PosteriorDraws,
    check_draws,
    load_given_posterior,
    prepare_draws,
    run_under_posterior,
)
from experiments.replicated import (
    REPLICATED_FILES,
    check_replicated_dir,
    prepare_replicated,
    replicated_report,
    run_pairs,
    write_replicated,
)
from experiments.store import MANIFEST
from experiments.sweep_config import SweepConfig, with_posterior
from sim.config import Scenario
from sim.errors import ConfigError
from sim.model import resolve_scenario
from viz.server import DASHBOARD_DRAWS


def add_posterior_options(parser: argparse.ArgumentParser, draws_default: str) -> None:
    """Add `--posterior DIR` and `--draws N` to a command's parser."""
    parser.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="DIR",
        help="a calibration's output directory: each run takes a parameter vector drawn from its posterior",
    )
    parser.add_argument(
        "--draws", type=int, default=None, metavar="N", help=f"runs under --posterior, one draw each ({draws_default})"
    )


def check_posterior_options(args: argparse.Namespace, refused: dict[str, object]) -> None:
    """Refuse --draws without --posterior, --draws out of range, and `refused` options given with --posterior.

    `refused` maps an option's name (e.g. `--replicates`) to its value in `args` (None when not given).
    """
    if args.posterior is None:
        if args.draws is not None:
            raise ConfigError("--draws", None, "applies only with --posterior DIR")
        return
    if args.draws is not None:
        check_draws(args.draws)
    for option, value in refused.items():
        if value not in (None, False, []):
            raise ConfigError(option, None, f"cannot be combined with --posterior ({_why(option)})")


def _why(option: str) -> str:
    reasons = {
        "--replicates": "--draws sets the number of runs, each with its own draw and seed",
        "--allow-edited-manifest": "give the scenario's TOML file",
        "--engine": "runs under a posterior use the ensemble engine",
    }
    return reasons.get(option, "not supported with a posterior")


def posterior_run_command(args: argparse.Namespace, overrides: dict[str, object]) -> int:
    """`caucasus run SCENARIO --posterior DIR`: N runs, each with its own draw and seed; print and write the summary."""
    scenario = resolve_scenario(args.config, overrides or None)
    draws = scenario_draws(args, scenario, str(args.config), DEFAULT_DRAWS)
    calibrated = sorted(set(overrides) & set(draws.names))
    if calibrated:
        raise ConfigError(
            "--set", calibrated[0], "is calibrated by --posterior: its values are drawn from the posterior"
        )
    default = Path("runs") / f"{scenario.name}-posterior-seed{draws.master_seed}-x{draws.count}"
    out_dir = args.out or default
    check_posterior_out(out_dir, args.force)  # before the runs: a bad --out costs nothing
    runs = run_under_posterior(scenario, draws)
    write_posterior_runs(runs, out_dir, force=args.force, command=sys.argv)
    print(posterior_report(runs), end="")
    written = sorted(name for name in POSTERIOR_RUN_FILES if (out_dir / name).exists())
    print(f"\nWrote {out_dir}/: {' '.join(written)}")
    return 0


def scenario_draws(args: argparse.Namespace, scenario: Scenario, source: str, default_draws: int) -> PosteriorDraws:
    """The posterior's draws for `scenario` (checked against it), master seed --seed or the scenario's."""
    master = scenario.seed if args.seed is None else args.seed
    count = default_draws if args.draws is None else args.draws
    return prepare_draws(args.posterior, [(scenario, source)], count, master)


def posterior_compare_command(args: argparse.Namespace) -> int:
    """`caucasus compare F CF --posterior DIR`: run i of both takes draw i and seed i; paired differences."""
    count = DEFAULT_DRAWS if args.draws is None else args.draws
    factual, counterfactual, master, seeds = prepare_replicated(args.factual, args.counterfactual, count, args.seed)
    sides = [(factual, str(args.factual)), (counterfactual, str(args.counterfactual))]
    draws = prepare_draws(args.posterior, sides, count, master)
    default = Path("runs") / f"{counterfactual.name}-vs-{factual.name}-posterior-seed{master}-x{count}"
    out_dir = args.out or default
    check_replicated_dir(out_dir, args.force)  # before the runs: a bad --out costs nothing
    comparison = run_pairs(factual, counterfactual, master, seeds, draws)
    write_replicated(comparison, out_dir, force=args.force, command=sys.argv)
    print(replicated_report(comparison))
    print(f"Wrote {out_dir}/: {' '.join(sorted(REPLICATED_FILES))}")
    return 0


def posterior_sweep_config(args: argparse.Namespace, config: SweepConfig) -> SweepConfig:
    """The sweep under --posterior: one replicate per draw (--draws, default the sweep's replicates).

    The draws are made from the sweep's master seed; the calibrated parameters the design varies
    keep the design's values (the manifest's `sweep.posterior.overridden_by_design` names them).
    """
    count = config.replicates if args.draws is None else args.draws
    draws = prepare_draws(args.posterior, [(config.scenario, config.source)], count, config.master_seed)
    return with_posterior(config, draws)


def check_sweep_posterior(out_dir: Path, config: SweepConfig) -> None:
    """Refuse to resume a sweep in `out_dir` under another posterior than `config`'s (or with one and without).

    The sweep's config hash already differs then (`SweepConfig.config_hash`); this says why, naming --posterior.
    """
    try:
        held = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["sweep"].get("posterior")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return  # no sweep there, or not one to compare: the store's own checks say what is wrong
    given = config.posterior.identity() if config.posterior is not None else None
    if held is None and given is None:
        return
    if held is None:
        raise ConfigError("--posterior", None, f"{out_dir} holds a sweep run without a posterior; give another --out")
    if given is None:
        raise ConfigError(
            str(out_dir), None, f"holds a sweep under the posterior {held.get('path')}: give --posterior to resume it"
        )
    if (held.get("sha256"), held.get("draws")) != (given["sha256"], given["draws"]):
        raise ConfigError(
            "--posterior",
            None,
            f"{out_dir} holds this sweep under another posterior or number of draws ({held.get('path')}, "
            f"{held.get('draws')} draws, posterior.parquet SHA-256 {str(held.get('sha256'))[:16]}...); "
            "results are never mixed: give another --out",
        )


def sweep_posterior_note(config: SweepConfig) -> str:
    """One line on what the posterior set in a sweep (empty without one)."""
    if config.posterior is None:
        return ""
    overridden = [name for name in config.posterior.names if name in config.parameter_names]
    kept = f"; varied by the design, so not drawn: {', '.join(overridden)}" if overridden else ""
    return (
        f"Under the posterior {config.posterior.path}: replicate r of every point takes draw r of "
        f"{', '.join(config.drawn_names) or 'no parameter'}{kept}"
    )


def dashboard_posterior(args: argparse.Namespace) -> tuple[Path, int] | None:
    """The posterior the dashboard draws its fan from, and how many draws (checked now: a bad one exits 2)."""
    if args.posterior is None:
        return None
    load_given_posterior(args.posterior)
    return args.posterior, DASHBOARD_DRAWS if args.draws is None else args.draws
