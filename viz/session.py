"""One browser session's state: its live run and what the page shows about it.

`Session` is plain Python (made once per page with `solara.use_memo`); the page keeps a
`tick` counter in Solara state and bumps it after each change, which redraws the views. The
lock serialises the play loop's thread against button clicks on the same run. A failed
action leaves the run as it was and sets `error` for the page to show.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from sim.config import MAX_SEED
from sim.errors import ConfigError
from viz.clock import DATE_FORMAT, day_number
from viz.live import KNOBS, LiveRun, RunSettings, scenario_named
from viz.whatif import Change, WhatIf, branch

#: Play speeds offered, in days per second; "max" steps as many days as fit a frame.
SPEEDS: dict[str, float] = {"1 day/s": 1, "2 days/s": 2, "5 days/s": 5, "10 days/s": 10, "30 days/s": 30, "max": 0}
#: The play loop redraws at most this often; faster speeds step several days per frame. A
#: redraw takes the browser 0.06–0.09 s here (README, Measured): frames sent faster pile up and make Pause lag.
FRAME_SECONDS = 0.25
#: Days per frame at "max" (about 2 ms a day: the model stays well inside one frame).
MAX_DAYS_PER_FRAME = 15


def parse_seed(typed: str | int | None) -> int:
    """A seed as typed in the page: a whole number from 0 to `MAX_SEED`, or ValueError saying why not.

    The field holds text, not a number: "abc" must be refused by Reset, not replaced by the last
    valid seed behind the user's back.
    """
    text = str(typed if typed is not None else "").strip()
    try:
        seed = int(text)
    except ValueError:
        shown = f"'{text}' is not a whole number" if text else "no seed is given"
        raise ValueError(f"Seed: {shown}; enter a whole number from 0 to {MAX_SEED}.") from None
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"Seed: {seed} is not allowed; enter a whole number from 0 to {MAX_SEED}.")
    return seed


def seed_problem(typed: str | int | None) -> str:
    """Why a typed seed would be refused, or "" when it is a valid seed."""
    try:
        parse_seed(typed)
    except ValueError as error:
        return str(error)
    return ""


def days_per_frame(speed: str) -> tuple[int, float]:
    """(days to step, seconds per frame) for a speed label of `SPEEDS`."""
    per_second = SPEEDS[speed]
    if per_second == 0:
        return MAX_DAYS_PER_FRAME, FRAME_SECONDS
    days = max(1, math.ceil(per_second * FRAME_SECONDS))
    return days, days / per_second  # exactly the chosen speed


@dataclass
class Session:
    """A browser session's live run, its last what-if branch and its messages."""

    live: LiveRun = field(default_factory=lambda: LiveRun(RunSettings()))
    whatif: WhatIf | None = None
    error: str = ""
    notice: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)

    def _ok(self, notice: str = "") -> bool:
        self.error, self.notice = "", notice
        return True

    def fail(self, error: Exception | str) -> bool:
        """Show `error` as the page's message (the run is left as it was); returns False."""
        self.error, self.notice = str(error), ""
        return False

    def step(self, days: int = 1) -> int:
        """Run up to `days` days; returns the days run."""
        with self.lock:
            run = self.live.step(days)
        self.error = "" if run else "The run has reached its horizon; press Reset to start again."
        self.notice = ""  # what it said (e.g. a queued shock) has now happened
        return run

    def step_to_next_shock(self) -> int:
        """Run through the next scripted shock."""
        with self.lock:
            run = self.live.step_to_next_shock()
        self.error, self.notice = "", ""
        return run

    def reset(self, scenario: str, typed_seed: str | int | None, values: dict[str, float]) -> bool:
        """Start a new run; on a bad scenario, seed (as typed, `parse_seed`) or value keep the run and say why."""
        try:
            seed = parse_seed(typed_seed)
        except ValueError as error:
            return self.fail(error)
        try:
            defaults = scenario_named(scenario)
            overrides = tuple(
                (knob.keyword, float(values[knob.keyword]))
                for knob in KNOBS
                if knob.keyword in values and float(values[knob.keyword]) != knob.value_in(defaults)
            )
            live = LiveRun(RunSettings(scenario, seed, overrides))
        except (ConfigError, ValueError, TypeError) as error:
            return self.fail(error)
        with self.lock:
            self.live, self.whatif = live, None
        changed = ", ".join(f"{k}={v:g}" for k, v in overrides) or "scenario values"
        return self._ok(f"New run: {scenario}, seed {seed}, {changed}.")

    def inject(self, actor: str | None, target: str | None, cameo: str | None) -> bool:
        """Queue a shock for the next step; a bad one is refused with a message."""
        if not (actor and target and cameo):
            return self.fail("Pick an actor, a target and an action to inject.")
        try:
            with self.lock:
                record = self.live.inject(actor, target, cameo)
        except ValueError as error:
            return self.fail(error)
        when = f"tomorrow, day {day_number(record.day)} ({record.date:{DATE_FORMAT}})"
        return self._ok(f"Queued for {when}: {record.description}.")

    def branch(self, change: Change) -> bool:
        """Branch the live run from today with and without the change."""
        if self.live.finished:
            return self.fail("The run has reached its horizon: there is nothing left to branch.")
        started = time.perf_counter()
        try:
            with self.lock:
                whatif = branch(self.live, change)
        except (ConfigError, ValueError) as error:
            return self.fail(error)
        self.whatif = whatif
        seconds = time.perf_counter() - started
        return self._ok(f"Branched after day {whatif.branch_day} in {seconds:.1f} s.")
