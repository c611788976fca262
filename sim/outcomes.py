"""The outcomes of a run, declared once: what each is, its unit, and how it is reduced.

Each `Outcome` names one thing a run came to, its type, its unit and meaning, and how it is
reduced from a finished (or partly run) batch of runs (`sim.core.Simulation`: its final state,
its recorder's running trust minima and its event journal). Everything that reports outcomes reads
this one registry, `OUTCOMES`: `outcomes.json` and `CaucasusModel.outcomes()` (`run_outcomes`),
the ensemble engine and a sweep's table (`outcome_table`, one column per run), the sweep
configs' list of allowed outcomes (`OUTCOME_NAMES`), the analysis, its figures and the
dashboard (`column_title`, `column_unit`). A new outcome is one entry of `OUTCOMES`.

Rules (also in docs/ODD.md §7.14):

- `rupture`: Azerbaijan-Russia relations rupture when they have stayed cut (either side stands
  at the freeze rung or above against the other, or holds the other's nationals) for
  `rupture_days` days; the rupture is dated to the cut's first day (the first rupture; `ruptures`
  counts them), and `restored` says whether the latest rupture had ended by the horizon, on the
  day its cut no longer held (observable events only: trust is not involved);
- `corridor_arrangement`: the arrangement agreed (both principals accepted it, the nearest such
  to the forecast, for `agreement_days` consecutive days), or `none`; `agreed_position`: its
  point on the dimension of control (NaN, null in `outcomes.json`, when none is agreed);
- `peace_progress`: the AZE-ARM treaty progress at the horizon;
- `max_escalation_rung`: the highest ladder rung among the model's own responses (0: none);
- `response_counts`: the number of response events by CAMEO code (every response code listed);
- `blocs`: the split of the actors into two camps that best balances (centred) trust at the
  horizon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.actors import INDEX, POWER_COLUMN, STATE_ROW, Actor
from sim.blocs import bloc_camps, camps_to_blocs
from sim.cameo import N_RUNGS, RESPONSE_INDEX, RESPONSES
from sim.corridor import ARRANGEMENTS, POSITION, Arrangement

if TYPE_CHECKING:
    from sim.core import Simulation

AZE, RUS, TUR = INDEX[Actor.AZE], INDEX[Actor.RUS], INDEX[Actor.TUR]
TRUST_UNIT = "trust, -1 to 1"
SHARE_UNIT = "share of runs"
NEVER = -1  # a day outcome of a run where the thing never happened


class Runs:
    """A batch of runs as the reducers see it: every array with a leading run axis."""

    def __init__(self, simulation: Simulation):
        """Read `simulation` (a single run gains a run axis of length 1)."""
        self.simulation = simulation
        state = simulation.state
        self.state = state.as_batch() if simulation.single else state
        lowest = simulation.recorder.trust_min
        self.trust_min = _with_run_axis(state.trust if lowest is None else lowest, simulation)  # none run: now
        self.size = simulation.size

    @cached_property
    def responses(self) -> dict[str, np.ndarray]:
        """The responses that have taken effect, as the journal's columns (read when an outcome needs them)."""
        return self.simulation.journal.responses_taken()

    def response_counts(self) -> np.ndarray:
        """[runs, len(RESPONSES)]: the responses that have taken effect, by response index."""
        flat = self.responses["run"] * len(RESPONSES) + self.responses["action"]
        counts = np.bincount(flat, minlength=self.size * len(RESPONSES))
        return counts.reshape(self.size, len(RESPONSES)).astype(np.int64)

    def first_response_day(self, actor: Actor, target: Actor, cameo: str) -> np.ndarray:
        """[runs]: the day `actor`'s response `cameo` against `target` first took effect (NEVER: not at all)."""
        rows = self.responses
        action = RESPONSE_INDEX[cameo]
        match = (rows["actor"] == INDEX[actor]) & (rows["target"] == INDEX[target]) & (rows["action"] == action)
        first = np.full(self.size, np.iinfo(np.int64).max)
        np.minimum.at(first, rows["run"][match], rows["day"][match])
        return np.where(first == np.iinfo(np.int64).max, NEVER, first)


def _with_run_axis(values: np.ndarray, simulation: Simulation) -> np.ndarray:
    return values[None] if simulation.single else values


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One outcome: its name (the table column), unit, meaning and reduction over a batch of runs."""

    name: str
    title: str
    unit: str
    meaning: str
    reduce: Callable[[Runs], np.ndarray]
    dtype: str = "float"  # of its table column: "bool", "int", "float" or "str"

    @property
    def column_names(self) -> tuple[str, ...]:
        """The table columns this outcome fills."""
        return (self.name,)

    def columns(self, runs: Runs) -> dict[str, np.ndarray]:
        """Its table column(s), one value per run."""
        return {self.name: np.asarray(self.reduce(runs)).astype(self.dtype)}

    @property
    def json_key(self) -> str:
        """Its key in `outcomes.json` (and the attribute of `RunOutcomes`)."""
        return self.name

    def json_item(self, columns: dict[str, np.ndarray], run: int, start: dt.date) -> tuple[str, Any]:
        """Its key and value in one run's `outcomes.json`."""
        return self.json_key, columns[self.name][run].item()

    def display(self, value: Any) -> str:
        """Its `outcomes.json` value as a person reads it (the dashboard's tables)."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:+.2f}" if self.unit == TRUST_UNIT else f"{value:.2f}"
        return str(value).replace("_", " ")


@dataclass(frozen=True, kw_only=True)
class DayOutcome(Outcome):
    """The day something first happened: a float column with NaN for never; a date in `outcomes.json`.

    `reduce` gives day indices with `NEVER` where it did not happen; `outcomes.json` names it
    with `_date` in place of `_day` and gives the ISO date (or null).
    """

    dtype: str = "float"

    def columns(self, runs: Runs) -> dict[str, np.ndarray]:
        """The day column: NaN where it never happened."""
        days = np.asarray(self.reduce(runs))
        return {self.name: np.where(days >= 0, days, np.nan).astype(float)}

    @property
    def json_key(self) -> str:
        """`NAME_date` for the column `NAME_day`."""
        return self.name.removesuffix("_day") + "_date"

    def json_item(self, columns: dict[str, np.ndarray], run: int, start: dt.date) -> tuple[str, Any]:
        """The ISO date, or None."""
        day = columns[self.name][run]
        return self.json_key, (start + dt.timedelta(days=int(day))).isoformat() if np.isfinite(day) else None

    def display(self, value: Any) -> str:
        """The date, or "never"."""
        return value or "never"


@dataclass(frozen=True, kw_only=True)
class MaybeOutcome(Outcome):
    """A number that a run may not have (NaN in a table); null in `outcomes.json`, "none" to read."""

    def json_item(self, columns: dict[str, np.ndarray], run: int, start: dt.date) -> tuple[str, Any]:
        """The number, or None where the run has none."""
        value = float(columns[self.name][run])
        return self.json_key, value if np.isfinite(value) else None

    def display(self, value: Any) -> str:
        """The number, or "none"."""
        return "none" if value is None else f"{value:.2f}"


@dataclass(frozen=True, kw_only=True)
class CategoryOutcome(Outcome):
    """One of a fixed set of named values (a string column); analysed as one 0/1 indicator per value.

    The indicator of value V is the column `<indicator_prefix>_<V>` (e.g. `corridor_none`).
    """

    categories: tuple[str, ...]
    indicator_prefix: str
    dtype: str = "str"

    def indicator_name(self, value: str) -> str:
        """The analysis column that is 1 where a run came to `value`."""
        return f"{self.indicator_prefix}_{value}"


@dataclass(frozen=True, kw_only=True)
class ResponseCountsOutcome(Outcome):
    """The responses of a run by CAMEO code: columns `n_<cameo>`; a dict in `outcomes.json`."""

    dtype: str = "int"

    @property
    def column_names(self) -> tuple[str, ...]:
        """One column per response code."""
        return tuple(f"n_{response.cameo}" for response in RESPONSES)

    def columns(self, runs: Runs) -> dict[str, np.ndarray]:
        """The count columns."""
        counts = self.reduce(runs)
        return {name: counts[:, i].astype(np.int64) for i, name in enumerate(self.column_names)}

    def json_item(self, columns: dict[str, np.ndarray], run: int, start: dt.date) -> tuple[str, Any]:
        """`response_counts`: {cameo: count}."""
        return self.name, {r.cameo: int(columns[f"n_{r.cameo}"][run]) for r in RESPONSES}

    def display(self, value: Any) -> str:
        """The total, and the count of each code that occurred."""
        chosen = ", ".join(f"{code}: {count}" for code, count in value.items() if count)
        return f"{sum(value.values())} ({chosen})" if chosen else "0"


@dataclass(frozen=True, kw_only=True)
class BlocsOutcome(Outcome):
    """The two camps: a string column ("RUS AZE | ARM ..."); lists of actor codes in `outcomes.json`."""

    dtype: str = "str"

    def columns(self, runs: Runs) -> dict[str, np.ndarray]:
        """The blocs column."""
        splits, split_of_run = np.unique(self.reduce(runs), axis=0, return_inverse=True)  # each split written once
        labels = np.array([" | ".join(" ".join(bloc) for bloc in camps_to_blocs(split)) for split in splits])
        return {self.name: labels[split_of_run.reshape(-1)] if len(splits) else labels}

    def json_item(self, columns: dict[str, np.ndarray], run: int, start: dt.date) -> tuple[str, Any]:
        """`blocs`: a list of camps, each a list of actor codes."""
        return self.name, [camp.split(" ") for camp in str(columns[self.name][run]).split(" | ")]

    def display(self, value: Any) -> str:
        """The camps, as "RUS AZE vs ARM USA EU"."""
        return " vs ".join(" ".join(camp) for camp in value)


def _arrangement_names(runs: Runs) -> np.ndarray:
    names = np.array([a.value for a in ARRANGEMENTS])
    agreed = runs.state.agreed
    return names[np.where(agreed >= 0, agreed, ARRANGEMENTS.index(Arrangement.NONE))]


def _agreed_position(runs: Runs) -> np.ndarray:
    positions = np.array([POSITION[a] for a in ARRANGEMENTS])
    agreed = runs.state.agreed
    return np.where(agreed >= 0, positions[np.maximum(agreed, 0)], np.nan)


def _max_rung(runs: Runs) -> np.ndarray:
    ladder_used = runs.response_counts()[:, :N_RUNGS] > 0
    return np.where(ladder_used, np.arange(1, N_RUNGS + 1), 0).max(axis=-1)


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        name="rupture",
        title="Azerbaijan-Russia rupture",
        unit=SHARE_UNIT,
        meaning="relations ruptured: cut by either side (a freeze or worse, or nationals held) for rupture_days days",
        reduce=lambda runs: runs.state.rupture_day >= 0,
        dtype="bool",
    ),
    DayOutcome(
        name="rupture_day",
        title="Day of the rupture",
        unit="days from scenario start; runs with a rupture",
        meaning="the first day of the cut that became the rupture",
        reduce=lambda runs: runs.state.rupture_day,
    ),
    Outcome(
        name="ruptures",
        title="Azerbaijan-Russia ruptures",
        unit="ruptures per run",
        meaning="how many times relations ruptured (each cut lasting rupture_days counts once)",
        reduce=lambda runs: runs.state.ruptures,
        dtype="int",
    ),
    Outcome(
        name="restored",
        title="Azerbaijan-Russia relations restored",
        unit=SHARE_UNIT,
        meaning="relations had ruptured and the latest rupture had ended by the horizon (an agreement, with releases)",
        reduce=lambda runs: runs.state.restored_day >= 0,
        dtype="bool",
    ),
    DayOutcome(
        name="restored_day",
        title="Day relations were restored",
        unit="days from scenario start; runs whose latest rupture ended",
        meaning="the day the latest rupture's cut ended",
        reduce=lambda runs: runs.state.restored_day,
    ),
    CategoryOutcome(
        name="corridor_arrangement",
        title="Corridor arrangement agreed",
        unit=SHARE_UNIT,
        meaning="the corridor arrangement agreed, or none",
        reduce=_arrangement_names,
        categories=tuple(a.value for a in ARRANGEMENTS),
        indicator_prefix="corridor",
    ),
    DayOutcome(
        name="corridor_day",
        title="Day the corridor was agreed",
        unit="days from scenario start; runs with an agreement",
        meaning="the day the corridor arrangement was agreed",
        reduce=lambda runs: runs.state.agreed_day,
    ),
    MaybeOutcome(
        name="agreed_position",
        title="Agreed corridor position",
        unit="0 Armenian control to 1 a foreign service; runs with an agreement",
        meaning="the agreed arrangement's point on the dimension of control over the route",
        reduce=_agreed_position,
    ),
    Outcome(
        name="peace_progress",
        title="Peace treaty progress",
        unit="treaty progress at horizon, 0 to 1",
        meaning="the progress of the Armenia-Azerbaijan peace treaty track at the last day run",
        reduce=lambda runs: runs.state.progress,
    ),
    DayOutcome(
        name="aze_detains_rus_day",
        title="Day Azerbaijan first detained Russians",
        unit="days from scenario start; runs with a detention",
        meaning="the first day Azerbaijan's own detention (CAMEO 173) of Russian nationals took effect",
        reduce=lambda runs: runs.first_response_day(Actor.AZE, Actor.RUS, "173"),
    ),
    Outcome(
        name="russia_influence_AZE",
        title="Russia's influence over Azerbaijan",
        unit="influence share at horizon, 0 to 1",
        meaning="Russia's share of influence over Azerbaijan at the last day run",
        reduce=lambda runs: russia_share(runs.state.shares, Actor.AZE),
    ),
    Outcome(
        name="russia_influence_ARM",
        title="Russia's influence over Armenia",
        unit="influence share at horizon, 0 to 1",
        meaning="Russia's share of influence over Armenia at the last day run",
        reduce=lambda runs: russia_share(runs.state.shares, Actor.ARM),
    ),
    Outcome(
        name="max_escalation_rung",
        title="Highest escalation rung",
        unit="ladder rung, 0 none to 7 military force",
        meaning="the highest ladder rung among the actors' own responses (scripted shocks excluded)",
        reduce=_max_rung,
        dtype="int",
    ),
    ResponseCountsOutcome(
        name="response_counts",
        title="Responses",
        unit="events per run",
        meaning="the number of response events by CAMEO code, every response code listed",
        reduce=Runs.response_counts,
    ),
    Outcome(
        name="trust_AZE_RUS_min",
        title="Lowest AZE->RUS trust",
        unit=TRUST_UNIT,
        meaning="the lowest trust of Azerbaijan in Russia over the days run",
        reduce=lambda runs: runs.trust_min[:, AZE, RUS],
    ),
    Outcome(
        name="trust_AZE_RUS_final",
        title="AZE->RUS trust at the horizon",
        unit=TRUST_UNIT,
        meaning="the trust of Azerbaijan in Russia at the last day run",
        reduce=lambda runs: runs.state.trust[:, AZE, RUS],
    ),
    Outcome(
        name="trust_TUR_RUS_min",
        title="Lowest TUR->RUS trust",
        unit=TRUST_UNIT,
        meaning="the lowest trust of Turkey in Russia over the days run",
        reduce=lambda runs: runs.trust_min[:, TUR, RUS],
    ),
    BlocsOutcome(
        name="blocs",
        title="Blocs",
        unit="camps",
        meaning="the split of the actors into two camps that best balances trust at the last day run",
        reduce=lambda runs: bloc_camps(runs.state.trust),
    ),
)
OUTCOME_OF_COLUMN: dict[str, Outcome] = {column: o for o in OUTCOMES for column in o.column_names}
OUTCOME_NAMES: tuple[str, ...] = tuple(OUTCOME_OF_COLUMN)  # every table column, in registry order
SHARE_OUTCOMES = frozenset(o.name for o in OUTCOMES if o.dtype == "bool")  # 0/1: reported as shares of runs
NUMERIC_OUTCOMES = tuple(o.name for o in OUTCOMES if o.dtype in ("int", "float") and o.column_names == (o.name,))
CAMEO_TEXT = {
    "111": "denunciations",
    "114": "envoy summonses",
    "161": "frozen channels",
    "173": "detentions",
    "166": "expulsions",
    "163": "sanctions",
    "190": "uses of force",
    "040": "leader calls",
    "055": "apologies",
    "0841": "releases",
    "057": "agreements",
}


def outcome_table(simulation: Simulation, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The outcome columns of every run of `simulation`, one value per run, in registry order.

    Every column, or only the outcomes that give one of the columns `names` (a sweep keeps a few).
    """
    wanted = None if names is None else {OUTCOME_OF_COLUMN[name] for name in names}
    runs = Runs(simulation)
    columns: dict[str, np.ndarray] = {}
    for outcome in OUTCOMES:
        if wanted is None or outcome in wanted:
            columns |= outcome.columns(runs)
    return columns


class RunOutcomes(Mapping[str, Any]):
    """What one run came to: a flat mapping of scalars, and the readable form of `outcomes.json`.

    As a mapping (`keys()`, `items()`, `outcomes["n_173"]`, `dict(outcomes)`) its keys are the
    outcome table's columns, `OUTCOME_NAMES`, in registry order (the columns of a sweep's runs and of
    `EnsembleResult.outcomes()`; `python -m sim.outcomes` lists them), and its values are Python
    scalars as those tables hold them: bool (`rupture`), int (`max_escalation_rung`, one `n_<cameo>`
    per response code), float (trust, influence; a day outcome `<name>_day` is the day index from
    the scenario's start, NaN where it never happened) and str (`corridor_arrangement`; `blocs` as
    "RUS AZE | ARM USA EU"). As attributes (`outcomes.rupture_date`, `outcomes.response_counts`)
    and in `to_dict()` it keeps the keys and values of `outcomes.json`.
    """

    def __init__(self, scenario: str, seed: int, row: Mapping[str, Any], start: dt.date):
        """One run's outcomes.

        Args:
            scenario: the scenario's name.
            seed: the run's seed.
            row: the run's value of every outcome column (`OUTCOME_NAMES`), as Python scalars.
            start: the scenario's start date (day 0), for the dates of `outcomes.json`.
        """
        self.scenario = scenario
        self.seed = seed
        self.start = start
        self._row = {name: row[name] for name in OUTCOME_NAMES}
        columns = {name: np.array([value]) for name, value in self._row.items()}
        self.json_values = dict(outcome.json_item(columns, 0, start) for outcome in OUTCOMES)

    def __getitem__(self, name: str) -> Any:
        return self._row[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def __getattr__(self, key: str) -> Any:
        values = self.__dict__.get("json_values", {})
        if key in values:
            return values[key]
        raise AttributeError(key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunOutcomes) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"RunOutcomes({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (`outcomes.json`): scenario, seed, then every outcome in registry order."""
        return {"scenario": self.scenario, "seed": self.seed, **self.json_values}


def run_outcomes(columns: dict[str, np.ndarray], run: int, scenario: str, seed: int, start: dt.date) -> RunOutcomes:
    """One run's `RunOutcomes` from `outcome_table` columns."""
    return RunOutcomes(scenario, seed, {name: columns[name][run].item() for name in OUTCOME_NAMES}, start)


def category_indicator(name: str) -> tuple[CategoryOutcome, str] | None:
    """The category outcome and value an indicator column (`corridor_none`) stands for, if it is one."""
    for outcome in OUTCOMES:
        if isinstance(outcome, CategoryOutcome) and name.startswith(f"{outcome.indicator_prefix}_"):
            value = name.removeprefix(f"{outcome.indicator_prefix}_")
            if name not in OUTCOME_OF_COLUMN:
                return outcome, value
    return None


def column_title(name: str) -> str:
    """A readable title of an outcome column, or of a category's indicator (`corridor_<arrangement>`)."""
    if name.startswith("n_") and OUTCOME_OF_COLUMN.get(name) is not None:
        code = name.removeprefix("n_")
        return f"CAMEO {code} responses" + (f" ({CAMEO_TEXT[code]})" if code in CAMEO_TEXT else "")
    if name in OUTCOME_OF_COLUMN:
        return OUTCOME_OF_COLUMN[name].title
    if (indicator := category_indicator(name)) is not None:
        value = indicator[1]
        return "No corridor agreement" if value == "none" else f"Corridor: {value.replace('_', ' ')}"
    return name.replace("_", " ")


def column_unit(name: str) -> str:
    """What an outcome column's values measure (for axis labels)."""
    if name in OUTCOME_OF_COLUMN:
        return OUTCOME_OF_COLUMN[name].unit
    if category_indicator(name) is not None:
        return SHARE_UNIT
    return "value"


def registry_table() -> str:
    """The registry as the Markdown table of docs/ODD.md §7.14 (`python -m sim.outcomes` prints it)."""
    lines = ["| outcome (table column) | in `outcomes.json` | type | unit | meaning |", "|---|---|---|---|---|"]
    for outcome in OUTCOMES:
        columns = outcome.column_names
        shown = f"`{columns[0]}` … `{columns[-1]}`" if len(columns) > 1 else f"`{outcome.name}`"
        kind = "day (NaN: never)" if isinstance(outcome, DayOutcome) else outcome.dtype
        lines.append(f"| {shown} | `{outcome.json_key}` | {kind} | {outcome.unit} | {outcome.meaning} |")
    return "\n".join(lines)


def russia_share(shares: np.ndarray, state: Actor) -> np.ndarray:
    """Russia's influence share over `state` (AZE or ARM) in [..., state, power] share arrays."""
    return shares[..., STATE_ROW[state], POWER_COLUMN[Actor.RUS]]


if __name__ == "__main__":
    print(registry_table())
