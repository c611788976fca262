"""The event log as the page shows it: newest first, with the event a response answers."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from sim.cameo import describe
from sim.events_log import EventKind, EventRecord
from viz.clock import day_number, queued_text

KIND_COLOURS = {
    EventKind.SCRIPTED: "#1565c0",
    EventKind.RESPONSE: "#6d4c41",
    EventKind.INJECTED: "#e65100",
    EventKind.ROUTINE: "#78909c",
}


@dataclass(frozen=True)
class EventRow:
    """One line of the event table."""

    date: str
    day: int
    who: str
    action: str
    goldstein: float
    kind: str
    cause: str
    description: str = ""
    queued: bool = False


def event_rows(records: list[EventRecord], pending: list[EventRecord], limit: int = 200) -> list[EventRow]:
    """Rows for the table: events queued for the next step first, then the log newest first."""
    by_id = {record.event_id: record for record in records}
    newest = [*reversed(pending), *reversed(records[-limit:])]
    return [_row(record, by_id, queued=record in pending) for record in newest[:limit]]


def _row(record: EventRecord, by_id: dict[int, EventRecord], *, queued: bool) -> EventRow:
    cause = by_id.get(record.cause_id) if record.cause_id is not None else None
    answers = f"#{cause.event_id} {cause.actor} → {cause.target} {cause.cameo} ({cause.date:%d %b})" if cause else ""
    return EventRow(
        date=record.date.isoformat(),
        day=day_number(record.day),  # numbered as the clock numbers days: day 1 is the start date
        who=f"{record.actor} → {record.target}",
        action=f"{record.cameo} {describe(record.cameo)}",
        goldstein=record.goldstein,
        kind=record.kind.value,
        cause=answers,
        description=record.description,
        queued=queued,
    )


def event_table_html(rows: list[EventRow]) -> str:
    """An HTML table of the rows (escaped), queued events marked."""
    head = "".join(
        f"<th>{name}</th>"
        for name in ("Date", "Day", "Actor → target", "Action (CAMEO)", "Goldstein", "Source", "Answers")
    )
    body = "".join(_row_html(row) for row in rows) or '<tr><td colspan="7">No events yet: press Step.</td></tr>'
    return f'<table class="event-log"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _row_html(row: EventRow) -> str:
    kind = f'<span style="color:{KIND_COLOURS[EventKind(row.kind)]};font-weight:600">{row.kind}</span>'
    if row.queued:
        kind += f" <em>({html.escape(queued_text(dt.date.fromisoformat(row.date)))})</em>"
    cells = (row.date, str(row.day), row.who)
    escaped = "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
    escaped += f'<td>{html.escape(row.action)}<br><small style="color:#666">{html.escape(row.description)}</small></td>'
    escaped += f"<td>{row.goldstein:+.1f}</td>"
    return f'<tr class="event-{row.kind}">{escaped}<td>{kind}</td><td>{html.escape(row.cause)}</td></tr>'
