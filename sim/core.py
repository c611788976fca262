"""The one day loop of the model, over a batch of runs: both engines run it.

`Simulation` holds a batch of runs of one scenario (one run for the Mesa model, thousands for
the ensemble engine): their seeds, state and inputs, and the `Recorder` that keeps their days.
A day d is run in this order (docs/ODD.md, process overview):

0. the scenario's dated series change a disposition from day d on, if any (`sim.config.series`);
1. the events queued for day d take effect, in the order they were queued: the responses
   chosen at the close of day d - 1, the routine acts drawn for day d, the scenario's scripted
   shocks for day d, then any event injected by hand since (`inject`);
2. the rules advance the state (`sim.rules.day.advance`), with the day's latent trust noise
   (off by default);
3. the recorder keeps the day;
4. unless d is the last day, every actor of every run chooses its action for day d + 1 from
   the state and its draws for the day (`all_actors_choose`), and the routine acts of day
   d + 1 are drawn at the dyads' base rates (`sim.rules.routine`); the choices, the routine
   acts and then the scripted shocks of day d + 1 are queued in the journal.

The rules run fused, per run, in place on the state (`sim.rules.fused`; the rule-by-rule
functions `sim.rules.day.advance`, `all_actors_choose` and `draw_routine` are the reference
they match bit for bit, `tests/test_fused.py`): a batch's `state` arrays hold its latest day.

Every random number is made where it is used, from the run's seed, the day and what it is for
(`sim.rules.stream`): a run's numbers do not depend on the batch it is run in.

Everything a run does is thus written in one place, in the order it happens; the Mesa model
(`sim.model.CaucasusModel`) and the ensemble engine (`sim.ensemble.run_ensemble`) differ only
in the size of the batch and in whether the recorder keeps daily histories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from sim.actors import INDEX, N_ACTORS
from sim.config import MAX_SEED, Scenario, Shock
from sim.corridor import ARRANGEMENT_INDEX
from sim.events_log import EventKind, default_description
from sim.inputs import initially_on_table, rule_inputs
from sim.journal import SharedEvent
from sim.recorder import Recorder
from sim.rules import fused
from sim.rules.day import CrisisState, RuleInputs, initial_state
from sim.rules.events import DayEvents, ShockInput, shock_events
from sim.rules.no_alias import arrays_of, check_no_overlap
from sim.rules.reciprocity import tit_for_tat
from sim.rules.responses import NO_ACTION


class Simulation:
    """A batch of runs of one scenario, advanced one day at a time."""

    def __init__(
        self,
        scenario: Scenario,
        seeds: Sequence[int] | int,
        batch: Mapping[str, np.ndarray] | None = None,
        *,
        histories: bool = False,
    ):
        """Set up the runs at day 0.

        Args:
            scenario: the validated scenario (its shocks and horizon are shared by all runs).
            seeds: each run's integer seed; one integer for a single run without a batch axis
                (the Mesa model's: its arrays then have the shapes of one run).
            batch: optional per-run values of parameters or dispositions, keyed by dotted name
                (`parameters.trust_rate`, `actors.RUS.distraction`), each of length len(seeds).
            histories: keep the daily trust, influence and corridor series.
        """
        self.scenario = scenario
        self.single = np.ndim(seeds) == 0
        self.seeds = _checked_seeds(seeds)
        self.batch_shape = () if self.single else (self.size,)
        self._series = scenario.series_by_day()
        self._unseries_inputs = rule_inputs(scenario, batch)  # before any dated change
        self.inputs: RuleInputs = self._with_series(self._unseries_inputs, through_day=0)
        self.rule_seeds = self.seeds[0] if self.single else self.seeds  # what the rules key their numbers by
        self.state = _copy_state(initial_state(self.inputs, initially_on_table(), self.batch_shape))  # contiguous
        self.recorder = Recorder(self.state, self.size, self.horizon, scenario.date_of, histories=histories)
        self.journal = self.recorder.journal
        self.day = 0  # days run so far: the index of the next day to run
        self._queued = fused.Queued(  # what the next day takes in: the responses chosen for it, its routine acts
            actions=np.full((self.size, N_ACTORS), NO_ACTION, dtype=np.int64),
            targets=np.full((self.size, N_ACTORS), NO_ACTION, dtype=np.int64),
            cooperates=np.zeros((self.size, N_ACTORS, N_ACTORS), dtype=bool),
            criticises=np.zeros((self.size, N_ACTORS, N_ACTORS), dtype=bool),
            routine=np.zeros(self.size, dtype=bool),
        )
        self._day_inputs: tuple[RuleInputs, fused.DayInputs] | None = None
        self._views: tuple[tuple[np.ndarray, ...], fused.DayState] | None = None  # the state's arrays and their views
        arrangements = self.state.on_table.shape[-1]
        self._work = fused.new_work(self.size, N_ACTORS, arrangements)  # the fused day's working arrays
        self._shocks = scenario.shocks_by_day()
        self._queue_shocks(0)

    @property
    def size(self) -> int:
        """Number of runs."""
        return self.seeds.size

    @property
    def horizon(self) -> int:
        """Number of days in each run."""
        return self.scenario.horizon_days

    @property
    def finished(self) -> bool:
        """Whether every day has been run."""
        return self.day >= self.horizon

    def run(self) -> Simulation:
        """Run the remaining days and return self."""
        while not self.finished:
            self.run_day()
        return self

    @property
    def actions(self) -> np.ndarray:
        """The action each actor chose for the next day, [..., n] (-1: none)."""
        return self._queued.actions[0] if self.single else self._queued.actions

    @property
    def targets(self) -> np.ndarray:
        """The target of each actor's action for the next day, [..., n] (-1: none)."""
        return self._queued.targets[0] if self.single else self._queued.targets

    @property
    def routine(self) -> tuple[np.ndarray, np.ndarray]:
        """The routine acts of the next day: (cooperates, criticises), booleans [..., actor, target]."""
        acts = (self._queued.cooperates, self._queued.criticises)
        return tuple(kind[0] for kind in acts) if self.single else acts

    def run_day(self) -> None:
        """Run the next day (see the module docstring for the order); a finished batch refuses.

        The rules run fused (`sim.rules.fused`), in place: a batch's `state` arrays hold the
        latest day (copy them to keep a day's), a single run's state is new every day.
        """
        if self.finished:
            raise ValueError(f"the runs have reached their horizon ({self.horizon} days)")
        day = self.day
        if day and day in self._series:  # day 0's are in the inputs from the start (initial state included)
            self.inputs = self._with_series(self.inputs, through_day=day, from_day=day)
        if self.single:
            self.state = _copy_state(self.state)
        self._run_rules(day, self.state)
        self.recorder.record(day, self.state)
        self.day = day + 1
        if self.day < self.horizon:
            self._queue_shocks(self.day)

    def _run_rules(self, day: int, state: CrisisState) -> None:
        """The fused day (`sim.rules.fused`) on `state`, with the next day's choices and routine acts."""
        inputs, queued, work = self._fused_inputs(), self._queued, self._work
        new = self._state_views(state)
        shared = self.journal.shared_on(day)
        kept = np.empty((2, self.size if self.inputs.reciprocal else 0, N_ACTORS, N_ACTORS))
        events = fused.shared_events(shared_day_events(shared)) if shared else _NO_SHARED
        lowest = self.recorder.lowest_trust(self.single)
        choice = fused.NO_CHOICE if day + 1 >= self.horizon else fused.MODEL_CHOICE
        if choice and self.inputs.reciprocal:
            choice = fused.CHOSEN  # by the null model, after the first pass
        fused.open_day(day, self.seeds, inputs, new, queued, events, bool(shared), kept, lowest, day == 0, choice, work)
        np.exp(work.score, out=work.weight)  # numpy's, as in the reference
        if choice == fused.CHOSEN:
            queued.actions[:], queued.targets[:] = tit_for_tat(kept[0], kept[1], new.standing, new.holding)
        fused.close_day(day, self.seeds, inputs, new, queued, choice, work)
        if choice != fused.NO_CHOICE:
            self._queue_rows(day + 1, work.rows, work.counted)

    def _queue_rows(self, day: int, rows: np.ndarray, counted: np.ndarray) -> None:
        """Queue the responses and routine acts of `day` the fused day wrote as rows (copied: `rows` is reused)."""
        responses, cooperative, critical = counted.tolist()
        if responses:
            self.journal.queue_response_rows(day, *rows[0, :, :responses].copy())
        if cooperative or critical:  # the journal joins the two kinds into rows of its own
            self.journal.queue_routine_rows(day, rows[1, :3, :cooperative], rows[2, :3, :critical])

    def _state_views(self, state: CrisisState) -> fused.DayState:
        """`fused.day_state` of `state`, made again only when one of its arrays is another array."""
        arrays = tuple(getattr(state, name) for name in fused.DayState._fields)
        if self._views is None or any(a is not b for a, b in zip(arrays, self._views[0], strict=True)):
            self._views = (arrays, fused.day_state(state, self.single))
        return self._views[1]

    def _fused_inputs(self) -> fused.DayInputs:
        """The fused day's view of the current inputs, worked out again when they change."""
        if self._day_inputs is None or self._day_inputs[0] is not self.inputs:
            self._day_inputs = (self.inputs, fused.day_inputs(self.inputs))
            written = arrays_of(self.state, self._queued, self._work, self.recorder.lowest_trust(self.single))
            check_no_overlap(written, arrays_of(self._day_inputs[1], self.seeds))  # the passes' promise
        return self._day_inputs[1]

    def _with_series(
        self, inputs: RuleInputs, through_day: int, from_day: int = 0, *, keep_changed: bool = False
    ) -> RuleInputs:
        """`inputs` with the dated series' values of days `from_day` to `through_day` set, in date order, in every run.

        With `keep_changed`, a value that differs from the scenario's own (an intervention changed
        it) is kept: the intervention is newer than the series.
        """
        for day in sorted(d for d in self._series if from_day <= d <= through_day):
            for point in self._series[day]:
                index = INDEX[point.actor]
                own = getattr(self._unseries_inputs, point.parameter)[..., index]
                if keep_changed and not np.array_equal(getattr(inputs, point.parameter)[..., index], own):
                    continue
                values = np.array(getattr(inputs, point.parameter), dtype=float)
                values[..., index] = point.value
                inputs = replace(inputs, **{point.parameter: values})
        return inputs

    def inject(self, event: SharedEvent) -> None:
        """Queue an event by hand for the next day, in every run of the batch."""
        if self.finished:
            raise ValueError(f"the runs have reached their horizon ({self.horizon} days)")
        if event.day != self.day:
            raise ValueError(f"an injected event takes effect on the next day ({self.day}), not on day {event.day}")
        self.journal.queue_shared(event)

    def change_inputs(self, inputs: RuleInputs) -> None:
        """Run on from the next day with other inputs (a mid-run intervention).

        `scenario` stays the one the runs started from: its shocks, dates and horizon cannot change.
        The dated series set so far (up to the last day run) are set on the new inputs too, except
        where the intervention itself changed the value (it is the newer).
        """
        self.inputs = self._with_series(inputs, through_day=self.day - 1, keep_changed=True)

    def _queue_shocks(self, day: int) -> None:
        for shock in self._shocks.get(day, []):
            self.journal.queue_shared(scripted_event(day, shock))


def _copy_state(state: CrisisState) -> CrisisState:
    """A state with contiguous arrays of its own, the same values."""
    return CrisisState(**{name: np.array(getattr(state, name), order="C") for name in CrisisState.__dataclass_fields__})


def _checked_seeds(seeds: Sequence[int] | int) -> np.ndarray:
    """The seeds as an int64 array of at least one axis; ValueError unless each is an integer in [0, 2^63)."""
    values = np.atleast_1d(np.asarray(seeds, dtype=object))
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) and 0 <= v <= MAX_SEED for v in values):
        raise ValueError(f"seeds must be integers in [0, 2^63); got {values[:5].tolist()}")
    return values.astype(np.int64)


def scripted_event(day: int, shock: Shock) -> SharedEvent:
    """A scenario's scripted shock as a journal entry for `day`."""
    return SharedEvent(
        day=day,
        kind=EventKind.SCRIPTED,
        actor=shock.actor,
        target=shock.target,
        cameo=shock.cameo,
        description=shock.description or default_description(shock.actor, shock.cameo, shock.target),
        salience=shock.salience,
        affront=shock.affront,
        corridor=shock.corridor,
    )


def shared_day_events(events: Sequence[SharedEvent]) -> DayEvents:
    """A day's scripted and injected events as the rules' arrays (the same in every run)."""
    return shock_events(
        [
            ShockInput(
                actor=INDEX[event.actor],
                target=INDEX[event.target],
                cameo=event.cameo,
                salience=event.salience,
                affront=event.affront,
                proposes=ARRANGEMENT_INDEX[event.corridor] if event.corridor else None,
            )
            for event in events
        ],
        N_ACTORS,
    )


_NO_SHARED = fused.shared_events(DayEvents.empty(N_ACTORS))  # a day without scripted or injected events
