"""The `caucasus` command: run a scenario, compare two, run and analyse sweeps, benchmark.

`caucasus run CONFIG [--seed N] [--out DIR] [--set key=value ...] [--force] [--allow-edited-manifest]`
`caucasus run CONFIG --posterior DIR [--draws N] [--seed N] [--out DIR] [--set key=value ...] [--force]`
`caucasus compare FACTUAL COUNTERFACTUAL [--seed N] [--replicates N | --posterior DIR [--draws N]] [--out DIR]
    [--force]`
`caucasus sweep CONFIG --out DIR [--workers N | --scheduler ADDRESS] [--engine ensemble|mesa] [--yes]
    [--posterior DIR [--draws N]]`
`caucasus analyze DIR [--out DIR]`
`caucasus discover DIR --outcome EXPR [--out DIR] [--min-coverage F | --box N]`
`caucasus calibrate CONFIG --out DIR [--workers N | --scheduler ADDRESS]`
`caucasus verify DIR`
`caucasus forecast --posterior DIR --from DATE --until DATE --out OUT [--draws N] [--seed S] [--force]`
`caucasus score FORECAST RECORD.csv [--out OUT] [--force]`
`caucasus bench [--runs N] [--sobol]`
`caucasus dashboard [--port N] [--sweep DIR] [--posterior DIR [--draws N]]`

Exit status: 0 success; 2 a mistake in the user's input (bad config or override, an occupied
output directory, a directory holding another sweep, an unreachable --scheduler), printed as
one paragraph naming the file and key, before anything is written; 1 a failure of the machine
(disk full, permission denied, I/O error), printed as one paragraph without a traceback, with
nothing left half-written; 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from caucasus.posterior_options import (
    add_posterior_options,
    check_posterior_options,
    check_sweep_posterior,
    dashboard_posterior,
    posterior_compare_command,
    posterior_run_command,
    posterior_sweep_config,
    sweep_posterior_note,
)
from experiments.analysis import analyze
from experiments.backends import check_workers
from experiments.bench import benchmark
from experiments.calibration.forecast import (
    FORECAST_FILES,
    check_draws,
    check_forecast_dir,
    check_window,
    forecast_summary,
    load_forecast,
    open_posterior,
    run_forecast,
    write_forecast,
)
from experiments.counterfactual import check_comparison_dir, comparison_summary, prepare_comparison, write_comparison
from experiments.replicated import (
    REPLICATED_FILES,
    check_replicated_dir,
    check_replicates,
    prepare_replicated,
    replicated_report,
    run_pairs,
    write_replicated,
)
from experiments.runner import ENGINES, execute, plan_sweep
from experiments.store import SweepStore
from experiments.sweep_config import load_sweep
from experiments.sweep_size import check_size, sweep_size
from experiments.verify import verify
from sim.config import MAX_SEED, Scenario, parse_override
from sim.config.loading import read_run_config
from sim.errors import ConfigError, MachineError
from sim.model import CaucasusModel, keyword_overrides
from sim.outputs import RUN_FILES, check_out_dir, write_run
from sim.report import summary
from viz.server import DEFAULT_PORT, serve

EXIT_USAGE = 2
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `caucasus` command."""
    parser = argparse.ArgumentParser(prog="caucasus", description="South Caucasus crisis simulation (2024-25).")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one scenario and write its outputs")
    run.add_argument(
        "config", type=Path, help="scenario TOML file (e.g. configs/scenarios/baseline.toml) or a run's manifest.json"
    )
    run.add_argument("--seed", type=int, default=None, help="the run's seed (default: the scenario's)")
    run.add_argument("--out", type=Path, default=None, help="output directory (default: runs/<scenario>-seed<N>)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. parameters.trust_rate=0.3 or actors.RUS.distraction=0.2",
    )
    run.add_argument("--force", action="store_true", help="replace an existing run in --out")
    run.add_argument(
        "--allow-edited-manifest",
        action="store_true",
        help="rerun a manifest.json whose source_config was edited (it no longer hashes to its config_hash)",
    )
    run.add_argument("--quiet", action="store_true", help="print only the outcomes, not the event log")
    add_posterior_options(run, "default 200")
    versus = commands.add_parser("compare", help="run two scenarios on the same seed and compare them day by day")
    versus.add_argument("factual", type=Path, help="the factual scenario (e.g. configs/scenarios/baseline.toml)")
    versus.add_argument("counterfactual", type=Path, help="the counterfactual (e.g. configs/scenarios/no_raid.toml)")
    versus.add_argument(
        "--seed", type=int, default=None, help="the seed of both runs, or the master seed (default: the factual's)"
    )
    versus.add_argument(
        "--replicates",
        type=int,
        default=None,
        metavar="N",
        help="run both scenarios on N seeds spawned from --seed (common random numbers): shares with Wilson "
        "intervals, paired differences, the paired outcome table",
    )
    versus.add_argument(
        "--out", type=Path, default=None, help="output directory (default: runs/<cf>-vs-<f>-seed<N>[-x<replicates>])"
    )
    versus.add_argument("--force", action="store_true", help="replace an existing comparison in --out")
    add_posterior_options(versus, "default 200; the same draw and seed for run i of both")
    _add_sweep_parser(commands)
    return parser


def _add_sweep_parser(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser("sweep", help="run a parameter sweep and stream its results to a Parquet dataset")
    sweep.add_argument("config", type=Path, help="sweep TOML file (e.g. configs/sweeps/rupture_drivers.toml)")
    sweep.add_argument("--out", type=Path, required=True, help="results directory (rerun the command to resume)")
    _add_backend_options(sweep, "run")
    sweep.add_argument(
        "--engine", choices=ENGINES, default="ensemble", help="ensemble (batched, default) or mesa (reference)"
    )
    sweep.add_argument(
        "--yes", action="store_true", help="start a sweep beyond the size ceilings (time, disk, the design's memory)"
    )
    add_posterior_options(sweep, "default: the sweep's replicates; replicate r of every point takes draw r")
    analysis = commands.add_parser("analyze", help="summaries, sensitivity indices and figures of a finished sweep")
    analysis.add_argument("directory", type=Path, help="a `caucasus sweep` results directory")
    analysis.add_argument("--out", type=Path, default=None, help="where to write (default: DIRECTORY/analysis)")
    analysis.add_argument("--no-figures", action="store_true", help="tables and report only")
    _add_discover_parser(commands)
    _add_calibrate_parser(commands)
    _add_forecast_parsers(commands)
    checking = commands.add_parser("verify", help="check a sweep's or a run's directory: OK or a list of problems")
    checking.add_argument("directory", type=Path, help="a `caucasus sweep`, `run` or `compare` output directory")
    bench = commands.add_parser("bench", help="runs/s of mesa.batch_run, the Mesa engine and the ensemble engine")
    bench.add_argument("--mesa-runs", type=int, default=6, help="runs timed for mesa.batch_run and --engine mesa")
    bench.add_argument("--ensemble-runs", type=int, default=2048, help="runs timed for --engine ensemble")
    bench.add_argument("--sobol", action="store_true", help="also time the 225,280-run Sobol study (minutes)")
    bench.add_argument("--workers", type=int, default=None, help="workers for --sobol (default: all CPUs)")
    bench.add_argument(
        "--dashboard", action="store_true", help="instead: the dashboard's step + redraw time (needs Chromium)"
    )
    dashboard = commands.add_parser("dashboard", help="serve the live dashboard on 127.0.0.1 (works offline)")
    dashboard.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    dashboard.add_argument("--sweep", type=Path, default=None, help="a sweep results directory to open in the explorer")
    add_posterior_options(dashboard, "default 100: the fan on the time charts")


def _add_backend_options(command: argparse.ArgumentParser, what: str) -> None:
    """`--workers N` or `--scheduler ADDRESS`: where a sweep runs or a calibration computes its batches."""
    backend = command.add_mutually_exclusive_group()
    backend.add_argument(
        "--workers", type=int, default=None, help=f"{what} on N worker processes on this machine (at most its cores)"
    )
    backend.add_argument("--scheduler", default=None, help=f"{what} on an existing Dask cluster (tcp://host:port)")


def _add_calibrate_parser(commands: argparse._SubParsersAction) -> None:
    calibration = commands.add_parser(
        "calibrate", help="ABC-SMC calibration against the dated event record (rerun to resume)"
    )
    calibration.add_argument("config", type=Path, help="calibration TOML file (e.g. configs/calibration/baseline.toml)")
    calibration.add_argument("--out", type=Path, required=True, help="results directory (rerun the command to resume)")
    _add_backend_options(calibration, "compute batches")
    calibration.add_argument(
        "--screen", action="store_true", help="instead: Morris screening of the priors' parameters on the fit"
    )


def _add_discover_parser(commands: argparse._SubParsersAction) -> None:
    discovery = commands.add_parser(
        "discover", help="scenario discovery (PRIM and CART) on a finished sweep: where an outcome holds"
    )
    discovery.add_argument("directory", type=Path, help="a `caucasus sweep` results directory")
    discovery.add_argument(
        "--outcome",
        required=True,
        metavar="EXPR",
        help="the condition, e.g. rupture, or 'corridor_arrangement == \"neutral_operator\"'",
    )
    discovery.add_argument("--out", type=Path, default=None, help="where to write (default: DIRECTORY/discovery/EXPR)")
    choice = discovery.add_mutually_exclusive_group()
    choice.add_argument(
        "--min-coverage", type=float, default=None, help="choose the densest PRIM box with this coverage (0.5)"
    )
    choice.add_argument("--box", type=int, default=None, help="choose this box of PRIM's peeling trajectory")
    discovery.add_argument("--no-figures", action="store_true", help="tables and report only")


def _add_forecast_parsers(commands: argparse._SubParsersAction) -> None:
    forecast = commands.add_parser(
        "forecast", help="weekly event counts and named outcomes' probabilities under a calibration's posterior"
    )
    forecast.add_argument("--posterior", type=Path, required=True, help="a `caucasus calibrate` output directory")
    forecast.add_argument("--from", dest="first", type=_date, required=True, help="first day, after the cut-off")
    forecast.add_argument("--until", dest="last", type=_date, required=True, help="last day, within the horizon")
    forecast.add_argument("--out", type=Path, required=True, help="output directory")
    forecast.add_argument("--draws", type=int, default=1000, help="posterior draws, one run each (default 1000)")
    forecast.add_argument("--seed", type=int, default=None, help="master seed (default: the scenario's)")
    forecast.add_argument("--force", action="store_true", help="replace a previous forecast in --out")
    score = commands.add_parser("score", help="score a forecast against a record you bring, next to two null models")
    score.add_argument("forecast", type=Path, help="a `caucasus forecast` output directory")
    score.add_argument("record", type=Path, help="a record CSV (the columns of sim/data/events_record_to_*.csv)")
    score.add_argument("--out", type=Path, default=None, help="output directory (default: FORECAST/score)")
    score.add_argument("--force", action="store_true", help="replace previous scores in --out")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def forecast_command(args: argparse.Namespace) -> int:
    """Run the posterior's scenario for N draws; write the weekly counts and the named events' probabilities."""
    _check_seed(args.seed)
    check_draws(args.draws)
    posterior, scenario = open_posterior(args.posterior)
    window = check_window(posterior, scenario, args.first, args.last)
    check_forecast_dir(args.out, args.force)  # before the runs: a bad --out costs nothing
    master_seed = scenario.seed if args.seed is None else args.seed
    forecast = run_forecast(posterior, scenario, window, args.draws, master_seed)
    write_forecast(forecast, args.out, force=args.force, command=sys.argv)
    print(forecast_summary(forecast))
    print(f"Wrote {args.out}/: {' '.join(sorted(FORECAST_FILES - {'score'}))}")
    return 0


def score_command(args: argparse.Namespace) -> int:
    """Score a forecast against a record next to the null models; write the table and the reliability diagram."""
    from experiments.calibration.scoring import (  # matplotlib and scipy: loaded only when asked for
        SCORE_FILES,
        check_score_dir,
        score_forecast,
        score_report,
        write_scores,
    )

    forecast = load_forecast(args.forecast)
    out_dir = args.out or args.forecast / "score"
    check_score_dir(out_dir, args.force)
    scores = score_forecast(forecast, args.record)
    write_scores(scores, out_dir, force=args.force, command=sys.argv)
    print(score_report(scores))
    print(f"Wrote {out_dir}/: {' '.join(sorted(SCORE_FILES))}")
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Run one scenario, print its summary and write its directory."""
    _check_seed(args.seed)
    check_posterior_options(args, {"--allow-edited-manifest": args.allow_edited_manifest})
    overrides = dict(parse_override(text) for text in args.overrides)
    try:
        overrides = keyword_overrides(overrides)
    except ConfigError as error:
        raise ConfigError("--set", error.key, error.problem) from None
    if args.posterior is not None:
        return posterior_run_command(args, overrides)
    started = time.perf_counter()
    model = CaucasusModel(_run_config(args), rng=args.seed, **overrides)
    out_dir = args.out or Path("runs") / f"{model.config.name}-seed{model.seed}"
    check_out_dir(out_dir, args.force)
    model.run()
    outcomes = model.outcomes()
    elapsed = time.perf_counter() - started
    write_run(model, outcomes, out_dir, force=args.force, command=sys.argv)  # results first, then talk
    log = [] if args.quiet else model.log
    print(summary(f"Scenario {model.config.name}, seed {model.seed} ({model.config.source})", log, outcomes, elapsed))
    print(f"\nWrote {out_dir}/: {' '.join(sorted(RUN_FILES))}")
    return 0


def _run_config(args: argparse.Namespace) -> Path | Scenario:
    """The config to run: the path, or with --allow-edited-manifest the manifest's scenario (said on stderr)."""
    if not args.allow_edited_manifest:
        return args.config  # a manifest is checked against its config_hash when loaded
    if args.config.suffix != ".json":
        raise ConfigError("--allow-edited-manifest", None, "applies only to a run's manifest.json")
    scenario, note = read_run_config(args.config, allow_edited=True)
    if note:
        print(f"caucasus: warning: {note}", file=sys.stderr)
    return scenario


def compare_command(args: argparse.Namespace) -> int:
    """Run the factual and counterfactual scenarios on one seed (or N); print and write the comparison."""
    _check_seed(args.seed)
    check_posterior_options(args, {"--replicates": args.replicates})
    if args.posterior is not None:
        return posterior_compare_command(args)
    if args.replicates is not None:
        return replicated_compare_command(args)
    comparison = prepare_comparison(args.factual, args.counterfactual, seed=args.seed)
    factual, counterfactual = comparison.factual, comparison.counterfactual
    default = Path("runs") / f"{counterfactual.config.name}-vs-{factual.config.name}-seed{factual.seed}"
    out_dir = args.out or default
    check_comparison_dir(out_dir, args.force)  # before the runs: a bad --out costs nothing
    factual.run()
    counterfactual.run()
    write_comparison(comparison, out_dir, force=args.force, command=sys.argv)
    print(comparison_summary(comparison))
    print(f"\nWrote {out_dir}/: factual/ counterfactual/ trust_difference.parquet")
    return 0


def replicated_compare_command(args: argparse.Namespace) -> int:
    """Run both scenarios on N seeds spawned from the master seed; print the report, write the paired table."""
    check_replicates(args.replicates)
    factual, counterfactual, master, seeds = prepare_replicated(
        args.factual, args.counterfactual, args.replicates, args.seed
    )
    default = Path("runs") / f"{counterfactual.name}-vs-{factual.name}-seed{master}-x{args.replicates}"
    out_dir = args.out or default
    check_replicated_dir(out_dir, args.force)  # before the runs: a bad --out costs nothing
    comparison = run_pairs(factual, counterfactual, master, seeds)
    write_replicated(comparison, out_dir, force=args.force, command=sys.argv)
    print(replicated_report(comparison))
    print(f"Wrote {out_dir}/: {' '.join(sorted(REPLICATED_FILES))}")
    return 0


def sweep_command(args: argparse.Namespace) -> int:
    """Run (or finish) a sweep and report where its results are."""
    check_workers(args.workers)
    check_posterior_options(args, {})
    config = load_sweep(args.config)
    if args.posterior is not None:
        config = posterior_sweep_config(args, config)
    check_sweep_posterior(args.out, config)
    size = sweep_size(config, args.engine, workers=args.workers, scheduler=args.scheduler, out=args.out)
    check_size(size, yes=args.yes)  # before the design is sampled or anything written
    plan = plan_sweep(config, args.engine)
    report = execute(
        plan,
        SweepStore(args.out),
        workers=args.workers,
        scheduler=args.scheduler,
        command=sys.argv,
        statement=size.statement(),
    )
    resumed = f" ({report.runs_done_before} were already on disk)" if report.runs_done_before else ""
    print(
        f"Sweep {plan.config.name}: {plan.n_runs} runs ({plan.n_points} points x {plan.config.replicates} "
        f"replicates, {plan.config.design.kind}, engine {plan.engine}, {report.backend}){resumed}\n"
        f"Ran {report.runs_run} runs in {report.seconds:.1f} s ({report.runs_per_second:.0f} runs/s); "
        f"results in {args.out}/ (manifest.json, design.parquet, runs/)"
    )
    if plan.config.posterior is not None:
        print(sweep_posterior_note(plan.config))
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    """Analyse a finished sweep: print the report, write tables and figures."""
    result = analyze(args.directory, args.out, figures=not args.no_figures)
    print(result.text)
    return 0


def discover_command(args: argparse.Namespace) -> int:
    """Scenario discovery on a finished sweep: print what PRIM and CART found, write the report."""
    from experiments.discovery import MIN_COVERAGE, discover  # the EMA Workbench: loaded only when asked for
    from experiments.discovery_files import check_out, default_out, summary_text, write_discovery

    out_dir = args.out or default_out(args.directory, args.outcome)
    check_out(out_dir)  # before the work
    coverage = MIN_COVERAGE if args.min_coverage is None else args.min_coverage
    discovery = discover(args.directory, args.outcome, min_coverage=coverage, box=args.box)
    files = write_discovery(discovery, out_dir, figures=not args.no_figures)
    print(summary_text(discovery))
    print(f"\nWrote {out_dir}/: {' '.join(path.name for path in files)}")
    return 0


def calibrate_command(args: argparse.Namespace) -> int:
    """Run (or resume) a calibration and say where its posterior and report are."""
    from experiments.calibration.abc import calibrate  # ELFI: loaded only when asked for
    from experiments.calibration.config import load_calibration

    check_workers(args.workers)
    config = load_calibration(args.config)
    if args.screen:
        return screen_command(config, args)
    print(
        f"Calibration {config.name}: {len(config.priors)} parameters, {len(config.summaries)} summaries of the record "
        f"to {config.cut_off}; population {config.population}, {config.generations} generations"
    )
    result = calibrate(config, args.out, workers=args.workers, scheduler=args.scheduler, command=sys.argv)
    runs = sum(g.runs for g in result.generations) + config.pilot_runs
    print(
        f"Done in {result.seconds:.1f} s ({result.backend}; {runs:,} runs with the pilot). Posterior: "
        f"{args.out}/posterior.parquet; report: {args.out}/report.md; figures: {args.out}/figures/"
    )
    return 0


def screen_command(config, args: argparse.Namespace) -> int:
    """Morris screening of a calibration's priors: print and write the ranking."""
    from experiments.calibration.abc import screen_parameters
    from experiments.calibration.screening import screening_text

    if args.workers is not None or args.scheduler is not None:
        raise ConfigError("--screen", None, "screening runs in this process; leave out --workers and --scheduler")
    check_out_dir(args.out, force=False)
    screening = screen_parameters(config, args.out, sys.argv)
    print(screening_text(config, screening))
    print(f"Written to {args.out}/ (screening.csv, screening.md, manifest.json)")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Check a sweep's or a run's directory; print OK or its problems (exit 2 when there are any)."""
    verdict = verify(args.directory)
    print(verdict.text())
    if verdict.ok:
        return 0
    print(f"caucasus: error: {args.directory}: {verdict.summary} (listed above)", file=sys.stderr)
    return EXIT_USAGE


def bench_command(args: argparse.Namespace) -> int:
    """Run the benchmark and print its report."""
    if args.dashboard:
        from viz.benchmark import dashboard_benchmark  # Solara and a browser: loaded only when asked for

        try:
            print(dashboard_benchmark())
        except RuntimeError as error:  # no Playwright or Chromium here, or the server did not start
            print(f"caucasus: error: {error}", file=sys.stderr)
            return EXIT_FAILURE
        return 0
    for name in ("mesa_runs", "ensemble_runs"):
        if not 1 <= getattr(args, name) <= 10_000_000:
            raise ConfigError(f"--{name.replace('_', '-')}", None, "out of range; allowed: 1 to 10,000,000 runs")
    check_workers(args.workers)
    print(benchmark(args.mesa_runs, args.ensemble_runs, sobol=args.sobol, workers=args.workers))
    return 0


def _check_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ConfigError("--seed", None, f"{seed} is out of range; allowed: an integer in [0, 2^63)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `caucasus` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return run_command(args)
        if args.command == "compare":
            return compare_command(args)
        if args.command == "sweep":
            return sweep_command(args)
        if args.command == "analyze":
            return analyze_command(args)
        if args.command == "discover":
            return discover_command(args)
        if args.command == "calibrate":
            return calibrate_command(args)
        if args.command == "verify":
            return verify_command(args)
        if args.command == "forecast":
            return forecast_command(args)
        if args.command == "score":
            return score_command(args)
        if args.command == "bench":
            return bench_command(args)
        if args.command == "dashboard":
            check_posterior_options(args, {})
            serve(args.port, sweep_dir=args.sweep, posterior=dashboard_posterior(args))  # returns only by raising
        raise AssertionError(f"unhandled command {args.command}")
    except ConfigError as error:  # the user's input
        print(f"caucasus: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MachineError as error:  # the machine: disk full, permission denied, I/O error
        print(f"caucasus: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:  # what is on disk stays: a sweep resumes where it stopped
        print("caucasus: interrupted; results already written are kept (rerun a sweep to finish it)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`); the run is already written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except OSError as error:  # the machine, where no code above named the action: no traceback either
        where = f"{error.filename}: " if error.filename else ""
        reason = os.strerror(error.errno) if error.errno else str(error) or type(error).__name__
        print(f"caucasus: error: {where}{reason}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
