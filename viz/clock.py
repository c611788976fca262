"""The dashboard's one convention for days and dates, used by every page.

The clock shows the **last completed day**: "Day N" is the N-th day run, and its date is the
start date plus N − 1 days (day 1 is the start date). Before the first step no day is done
("Day 0 … nothing run yet"). What Step runs next is **tomorrow**: the day after the last
completed one (day N + 1). Queued shocks, injected or branched on, take effect tomorrow.
The event log numbers its rows the same way (a record of day index d is day d + 1).
"""

from __future__ import annotations

import datetime as dt

from sim.config import Scenario

#: How the page writes a date: weekday, day, month and year.
DATE_FORMAT = "%a %d %b %Y"


def day_number(day_index: int) -> int:
    """The page's number of a day index (day index 0, the start date, is day 1)."""
    return day_index + 1


def date_text(config: Scenario, day_index: int) -> str:
    """'Fri 20 Dec 2024': the date of a day index."""
    return f"{config.date_of(day_index):{DATE_FORMAT}}"


def done_text(config: Scenario, days_run: int) -> str:
    """The last completed day: 'Fri 27 Jun 2025 done', or 'nothing run yet' before the first step."""
    return f"{date_text(config, days_run - 1)} done" if days_run else "nothing run yet"


def tomorrow_text(config: Scenario, days_run: int, horizon: int) -> str:
    """What Step runs next: 'next Sat 28 Jun 2025', or 'run over' at the horizon."""
    return f"next {date_text(config, days_run)}" if days_run < horizon else "run over"


def clock_line(config: Scenario, days_run: int, horizon: int) -> str:
    """'Day 190 of 365 · Fri 27 Jun 2025 done · next Sat 28 Jun 2025' for the header."""
    done, tomorrow = done_text(config, days_run), tomorrow_text(config, days_run, horizon)
    return f"Day {days_run} of {horizon} · {done} · {tomorrow}"


def queued_text(date: dt.date) -> str:
    """How the event log marks a queued row: it takes effect tomorrow."""
    return f"queued for tomorrow, {date:{DATE_FORMAT}}"


def branch_text(config: Scenario, days_run: int) -> str:
    """What-if's branch point: 'after day 190 (Fri 27 Jun 2025); the change acts tomorrow, day 191 (…)'."""
    after = f"after day {days_run} ({date_text(config, days_run - 1)})" if days_run else "before day 1"
    return f"{after}; the change acts tomorrow, day {day_number(days_run)} ({date_text(config, days_run)})"
