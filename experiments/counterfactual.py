"""Counterfactuals: two scenarios run on the same seed, compared day by day.

Every run draws all of its random numbers up front, in a fixed order, from its seed; two
scenarios with the same seed, start date and horizon therefore see the same noise and the same
decision draws (common random numbers), and every difference between them is the effect of
what the scenarios change: a shock dropped, a disposition altered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.actors import ACTORS
from sim.config import Scenario
from sim.errors import ConfigError
from sim.model import CaucasusModel
from sim.outputs import check_out_dir, provenance, staged_directory, write_run, write_table


@dataclass(frozen=True)
class Comparison:
    """A factual and a counterfactual run of the same seed, both finished."""

    factual: CaucasusModel
    counterfactual: CaucasusModel

    def trust_difference(self) -> pd.DataFrame:
        """Rows (date, source, target, factual, counterfactual, difference) for every day and dyad."""
        days = self.factual.day
        dates = [self.factual.config.date_of(d) for d in range(days)]
        codes = [actor.value for actor in ACTORS]
        index = pd.MultiIndex.from_product([dates, codes, codes], names=["date", "source", "target"])
        table = pd.DataFrame(
            {
                "factual": self.factual.trust_history[:days].reshape(-1),
                "counterfactual": self.counterfactual.trust_history[:days].reshape(-1),
            },
            index=index,
        ).reset_index()
        table["difference"] = table["counterfactual"] - table["factual"]
        return table[table["source"] != table["target"]].reset_index(drop=True)

    def largest_differences(self, count: int = 5) -> pd.DataFrame:
        """The dyads whose trust differs most, with the day of the largest gap and its size."""
        table = self.trust_difference()
        table["gap"] = table["difference"].abs()
        peaks = table.loc[table.groupby(["source", "target"])["gap"].idxmax()]
        return peaks.sort_values(["gap", "source", "target"], ascending=[False, True, True]).head(count)

    def first_divergence(self) -> str | None:
        """The first date on which any trust differs between the runs (None if never)."""
        days = self.factual.day
        differs = np.any(self.factual.trust_history[:days] != self.counterfactual.trust_history[:days], axis=(1, 2))
        return self.factual.config.date_of(int(np.argmax(differs))).isoformat() if differs.any() else None


def comparison_summary(comparison: Comparison) -> str:
    """Both runs' outcomes side by side, the first divergence and the largest trust gaps."""
    factual, counterfactual = comparison.factual, comparison.counterfactual
    left, right = factual.outcomes(), counterfactual.outcomes()
    rows = [
        ("rupture (AZE-RUS)", _dated(left.rupture, left.rupture_date), _dated(right.rupture, right.rupture_date)),
        ("corridor", _dated(left.corridor_arrangement, left.corridor_date),
         _dated(right.corridor_arrangement, right.corridor_date)),
        ("Russia's influence AZE", f"{left.russia_influence_AZE:.3f}", f"{right.russia_influence_AZE:.3f}"),
        ("Russia's influence ARM", f"{left.russia_influence_ARM:.3f}", f"{right.russia_influence_ARM:.3f}"),
        ("lowest trust AZE->RUS", f"{left.trust_AZE_RUS_min:+.2f}", f"{right.trust_AZE_RUS_min:+.2f}"),
        ("max escalation rung", str(left.max_escalation_rung), str(right.max_escalation_rung)),
        ("responses", str(sum(left.response_counts.values())), str(sum(right.response_counts.values()))),
    ]  # fmt: skip
    lines = [
        f"Counterfactual {counterfactual.config.name} against {factual.config.name}, seed {factual.seed} "
        "(same random numbers in both)",
        f"First divergence: {comparison.first_divergence() or 'never'}",
        "",
        f"  {'outcome':<24}{factual.config.name:<30}{counterfactual.config.name}",
        *(f"  {name:<24}{a:<30}{b}" for name, a, b in rows),
        "",
        "Largest trust differences (counterfactual - factual):",
    ]
    for row in comparison.largest_differences().itertuples():
        lines.append(f"  {row.source}->{row.target}  {row.difference:+.2f} on {row.date}")
    return "\n".join(lines)


def _dated(value: object, date: str | None) -> str:
    return f"{value} {date}" if date else str(value)


def compare(factual: str | Path, counterfactual: str | Path, seed: int | None = None) -> Comparison:
    """Run both scenarios to their horizon on the same seed (the factual scenario's by default)."""
    comparison = prepare_comparison(factual, counterfactual, seed)
    comparison.factual.run()
    comparison.counterfactual.run()
    return comparison


def prepare_comparison(factual: str | Path, counterfactual: str | Path, seed: int | None = None) -> Comparison:
    """Both scenarios built on the same seed, checked to span the same days, not yet run."""
    first = CaucasusModel(factual, rng=seed)
    second = CaucasusModel(counterfactual, rng=first.seed)
    check_same_span(first.config, second.config, factual, counterfactual)
    return Comparison(first, second)


def check_same_span(first: Scenario, second: Scenario, factual: str | Path, counterfactual: str | Path) -> None:
    """Refuse a counterfactual whose start date or horizon differs from the factual's (a ConfigError)."""
    if (first.start_date, first.horizon_days) != (second.start_date, second.horizon_days):
        raise ConfigError(
            str(counterfactual),
            "scenario.start_date",
            f"must match {factual}: same start date and horizon ({first.start_date}, {first.horizon_days} days)",
        )


COMPARISON_ENTRIES = frozenset({"factual", "counterfactual", "trust_difference.parquet"})


def check_comparison_dir(out_dir: Path, force: bool) -> None:
    """Refuse a directory that holds anything but a previous comparison (which `force` replaces)."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), None, "exists and is not a plain directory; choose another --out")
    held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    if held and not force:
        raise ConfigError(str(out_dir), None, "already holds files; choose another --out (or --force)")
    if not held <= COMPARISON_ENTRIES:
        raise ConfigError(str(out_dir), None, "holds files that are not a comparison; --force only replaces one")
    for name in ("factual", "counterfactual"):
        check_out_dir(out_dir / name, force)


def write_comparison(
    comparison: Comparison, out_dir: Path, *, force: bool = False, command: list[str] | None = None
) -> Path:
    """Write both runs (as `caucasus run` would) and the day-by-day trust difference.

    The comparison is written whole into a staging directory and renamed into place (replacing
    a previous comparison only with `force`), so a failure of the machine (a MachineError)
    leaves no half-written comparison.
    """
    out_dir = Path(out_dir)
    check_comparison_dir(out_dir, force)
    with staged_directory(out_dir, "write the comparison") as staging:
        for name, model in (("factual", comparison.factual), ("counterfactual", comparison.counterfactual)):
            write_run(model, model.outcomes(), staging / name, command=command)
        origin = {"factual": provenance(comparison.factual), "counterfactual": provenance(comparison.counterfactual)}
        write_table(comparison.trust_difference(), staging / "trust_difference.parquet", origin)
    return out_dir
