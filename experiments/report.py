"""The analysis report of a sweep: the plain text `caucasus analyze` prints and `report.md`.

The text has the sweep's header (design, runs, parameters), the shares of runs with a rupture and
each corridor arrangement, every numeric outcome over all runs, the parameters ranked by the
design's sensitivity method (at most `MAX_RANKED_IN_REPORT` per outcome, with the replicate noise
share) and the files written. What a method's indices look like in the text is the method's
(`SensitivityMethod.report_title`, `.report_columns`).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from experiments.formatting import ZERO_NOTE, interval, number, plus_minus, text_table
from experiments.labels import date_of, is_day_column, parameter_text, sweep_start_date, value_text
from experiments.sensitivity import CONSTANT, SensitivityMethod
from experiments.store import Sweep
from experiments.summaries import seed_layout
from sim.parameters import parameter_label

MAX_RANKED_IN_REPORT = 5
NOISY = 0.5  # replicate noise share above which the report warns that indices mostly reflect noise
NOISE_STATISTIC = {
    "common": "Replicate noise (common random numbers): the seed x point interaction over the replicates, as a share "
    "of the variance of the point means. A seed's effect shared by every point cancels between points and "
    "does not blur the indices; only the part that differs from point to point does. Not given for an outcome "
    "some runs never reached.",
    "independent": "Replicate noise (independent seeds): the within-point variance over the replicates, as a share "
    "of the variance of the point means.",
    "mixed": "Replicate noise: not given (the seeds are neither common to every point nor all different).",
}


def report_text(
    sweep: Sweep,
    outcomes: pd.DataFrame,
    shares: pd.DataFrame,
    sensitivity: pd.DataFrame,
    skipped: dict[str, str],
    left_out: Sequence[str],
    files: Sequence[Path],
) -> str:
    """The plain-text report: the sweep, the shares, the outcomes and the ranked parameters."""
    start = sweep_start_date(sweep.manifest)
    layout = seed_layout(sweep.runs["point_id"].to_numpy(), sweep.runs["seed"].to_numpy())
    sections = [
        _header_section(sweep),
        _shares_section(shares),
        _outcomes_section(outcomes, left_out, start),
        _sensitivity_section(sweep.sensitivity_method, sensitivity, skipped, layout),
        _files_section(files),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def report_markdown(sweep: Sweep, text: str, files: Sequence[Path]) -> str:
    """`report.md`: the text report in a code block, then the figures."""
    images = [f"![{path.stem}]({path.name})" for path in files if path.suffix == ".png"]
    return "\n\n".join([f"# Sweep analysis: {sweep.name}", f"```text\n{text.rstrip()}\n```", *images]) + "\n"


def _header_section(sweep: Sweep) -> str:
    manifest, head = sweep.manifest, sweep.manifest["sweep"]
    replicates = head.get("replicates") or manifest["n_runs"] // manifest["n_points"]
    lines = [f"Sweep analysis: {sweep.name}"]
    if head.get("description"):
        lines.append(f"  {head['description']}")
    lines += [
        f"  design      {_design_text(sweep)}",
        f"  runs        {manifest['n_points']:,} points x {replicates} replicate{'s' if replicates != 1 else ''}"
        f" = {manifest['n_runs']:,} runs"
        f" (engine {manifest.get('engine', '?')}, seeds {head.get('seeds', '?')})",
        f"  config hash {manifest.get('config_hash', '?')}",
        f"  parameters  {len(sweep.parameters)}:",
    ]
    rows = [
        [name, f"{number(low)} .. {number(high)}", parameter_text(name)]
        for name, (low, high) in zip(sweep.parameters, manifest["problem"]["bounds"], strict=True)
    ]
    lines.append(text_table(["name", "range", "label (unit)"], rows, indent=4, left=3))
    posterior = head.get("posterior")
    if posterior:  # `caucasus sweep --posterior`: the replicates are draws
        overridden = ", ".join(posterior.get("overridden_by_design") or []) or "none"
        lines.append(
            f"  posterior   {posterior.get('path')}: replicate r of every point takes draw r of "
            f"{', '.join(sweep.drawn) or 'no parameter'} (varied by the design instead: {overridden})"
        )
    return "\n".join(lines)


def _design_text(sweep: Sweep) -> str:
    seed = sweep.design_spec.get("seed")
    return sweep.design_kind.describe(sweep.design_spec) + (f"; sampler seed {seed}" if seed is not None else "")


def _shares_section(shares: pd.DataFrame) -> str:
    if shares.empty:
        return ""
    rows = [
        [row.outcome, number(row.share), interval(row.ci_low, row.ci_high), f"{row.runs:,} / {int(row.n):,}"]
        for row in shares.itertuples()
    ]
    return "Shares of runs (95% Wilson CI)\n" + text_table(["outcome", "share", "95% CI", "runs"], rows)


def _outcomes_section(outcomes: pd.DataFrame, left_out: Sequence[str], start: dt.date | None) -> str:
    same = outcomes["min"] == outcomes["max"]
    rows = [
        [
            row.outcome,
            number(row.mean),
            interval(row.ci_low, row.ci_high),
            number(row.sd),
            number(row.median),
            number(row.q05),
            number(row.q95),
            f"{row.n:,}",
        ]
        for row in outcomes[~same].itertuples()
    ]
    headers = ["outcome", "mean", "95% CI", "sd", "median", "5%", "95%", "n"]
    text = "Outcomes over all runs (shares: Wilson CI; others: Student t CI)\n" + text_table(headers, rows)
    text += "".join(
        f"\n  {row.outcome}: all {row.n:,} runs: {value_text(row.outcome, row.min, start)}"
        for row in outcomes[same].itertuples()
    )
    text += _dates_text(outcomes[~same], start)
    if left_out:
        text += f"\n  not numeric, left out: {', '.join(left_out)}"
    return text + f"\n  ({ZERO_NOTE})"


def _dates_text(outcomes: pd.DataFrame, start: dt.date | None) -> str:
    """The day outcomes' median and 5%-95% range as dates (day 0 is the scenario's start)."""
    days = outcomes[[is_day_column(name) for name in outcomes["outcome"]]].dropna(subset=["median"])
    if start is None or days.empty:
        return ""
    lines = [f"\n  days as dates (day 0 = {start.isoformat()}):"]
    for row in days.itertuples():
        q05, median, q95 = (date_of(day, start).isoformat() for day in (row.q05, row.median, row.q95))
        lines.append(f"    {row.outcome}: median {median}, 5%-95% {q05} .. {q95}")
    return "\n".join(lines)


def _sensitivity_section(
    method: SensitivityMethod, sensitivity: pd.DataFrame, skipped: dict[str, str], layout: str
) -> str:
    blocks = [
        method.report_title
        + "\n"
        + textwrap.fill(NOISE_STATISTIC[layout], 100, initial_indent="  ", subsequent_indent="  ")
    ]
    headers = ["", "parameter", *(column.header for column in method.report_columns)]
    for outcome, table in sensitivity.groupby("outcome", sort=False):
        rows = [
            [f"{row['rank']}.", parameter_label(row["parameter"]), *_index_cells(method, row)]
            for _, row in table.iterrows()
        ]
        shown = rows[:MAX_RANKED_IN_REPORT]
        header = _outcome_header(outcome, table["noise_share"].iloc[0] if "noise_share" in table else math.nan)
        block = header + "\n" + text_table(headers, shown, indent=4, left=2)
        if len(rows) > len(shown):
            block += f"\n    ... {len(rows) - len(shown)} more in sensitivity.csv"
        blocks.append(block)
    if skipped:
        blocks.append(_skipped_text(skipped))
    return "\n\n".join(blocks)


def _index_cells(method: SensitivityMethod, row: pd.Series) -> list[str]:
    return [
        plus_minus(row[column.index], row[column.half_width], column.spec)
        if column.half_width
        else number(row[column.index], column.spec, column.tolerance)
        for column in method.report_columns
    ]


def _skipped_text(skipped: dict[str, str]) -> str:
    constant = {name: reason for name, reason in skipped.items() if reason.startswith(CONSTANT)}
    lines = [f"  {name}: {reason}" for name, reason in skipped.items() if name not in constant]
    if constant:
        values = ", ".join(f"{name} {reason.removeprefix(CONSTANT).strip()}" for name, reason in constant.items())
        lines += textwrap.wrap(f"{CONSTANT}: {values}", width=100, initial_indent="  ", subsequent_indent="    ")
    return "Not analysed\n" + "\n".join(lines)


def _outcome_header(outcome: str, noise_share: float) -> str:
    if not math.isfinite(noise_share):
        return outcome
    note = f"{outcome}  (replicate noise: {noise_share:.0%} of the variance of the point means"
    return note + ("; the indices mostly reflect noise)" if noise_share > NOISY else ")")


def _files_section(files: Sequence[Path]) -> str:
    if not files:
        return ""
    names = textwrap.wrap(
        ", ".join(path.name for path in files), width=100, initial_indent="  ", subsequent_indent="  "
    )
    return f"Files written to {files[0].parent}\n" + "\n".join(names)
