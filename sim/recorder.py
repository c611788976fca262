"""What a batch of runs keeps of its days: the event journal, running trust minima, histories.

The day loop hands the recorder each day's state. It always keeps the event journal (written
as events are queued, `sim.journal`) and the running minimum of every trust value (which the
fused day lowers in place, `lowest_trust`); with
`histories`, it also keeps the whole daily trust, influence and corridor series
(what the Mesa model's tables and charts show; the ensemble engine does without them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from sim.journal import EventJournal
from sim.rules.day import CrisisState


class Recorder:
    """The record of a batch of `runs` runs over `horizon` days."""

    def __init__(
        self, initial: CrisisState, runs: int, horizon: int, date_of: Callable[[int], dt.date], *, histories: bool
    ):
        """Start an empty record of runs that start in state `initial`; `date_of` maps a day index to its date."""
        self.journal = EventJournal(runs, date_of)
        self._lowest = np.empty(initial.trust.shape)  # the running trust minima, lowered by the day loop
        self._days = 0
        self.histories = histories
        if histories:  # [horizon, ...]: day d's values at index d, once day d has been run
            self.trust = np.empty((horizon, *initial.trust.shape))
            self.shares = np.empty((horizon, *initial.shares.shape))
            self.support = np.empty((horizon, *initial.support.shape))

    @property
    def trust_min(self) -> np.ndarray | None:
        """[..., n, n]: each trust value's minimum over the days run (None before the first)."""
        return self._lowest if self._days else None

    def lowest_trust(self, single: bool) -> np.ndarray:
        """The running minima as [runs, n, n], for the day loop to lower in place (`sim.rules.fused.open_day`)."""
        return self._lowest[None] if single else self._lowest

    def record(self, day: int, state: CrisisState) -> None:
        """Keep what the record holds of `day`, which has just been run (its trust minima lowered already)."""
        self._days = day + 1
        if self.histories:
            self.trust[day], self.shares[day], self.support[day] = state.trust, state.shares, state.support
        self.journal.days_run = day + 1
