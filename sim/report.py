"""A run's readable summary for the terminal: the event log, then the outcomes."""

from __future__ import annotations

from sim.events_log import EventRecord
from sim.outcomes import RunOutcomes


def event_line(record: EventRecord) -> str:
    """One log line: date, kind, actor -> target, CAMEO code and Goldstein score, description."""
    return (
        f"{record.date}  {record.kind.value:<8}  {record.actor.value:>3} -> {record.target.value:<3}  "
        f"{record.cameo:>4} ({record.goldstein:+5.1f})  {record.description}"
    )


def summary(title: str, log: list[EventRecord], outcomes: RunOutcomes, seconds: float | None = None) -> str:
    """The event log and the outcomes as plain text."""
    lines = [title, "", f"Event log ({len(log)} events):"]
    lines += ["  " + event_line(r) for r in log]
    counts = ", ".join(f"{code}: {n}" for code, n in outcomes.response_counts.items() if n) or "none"
    lines += [
        "",
        "Outcomes:",
        f"  rupture (AZE-RUS)       {outcomes.rupture}"
        + (f" on {outcomes.rupture_date}" if outcomes.rupture else "")
        + (f" ({outcomes.ruptures} ruptures)" if outcomes.ruptures > 1 else ""),
        f"  latest rupture ended    {outcomes.restored}"
        + (f" on {outcomes.restored_date}" if outcomes.restored else ""),
        f"  corridor arrangement    {outcomes.corridor_arrangement}"
        + (f" agreed {outcomes.corridor_date}, x = {outcomes.agreed_position:.2f}" if outcomes.corridor_date else ""),
        f"  peace treaty progress   {outcomes.peace_progress:.3f}",
        f"  Russia's influence      AZE {outcomes.russia_influence_AZE:.3f}   ARM {outcomes.russia_influence_ARM:.3f}",
        f"  trust AZE->RUS          min {outcomes.trust_AZE_RUS_min:+.2f}   final {outcomes.trust_AZE_RUS_final:+.2f}",
        f"  trust TUR->RUS          min {outcomes.trust_TUR_RUS_min:+.2f}",
        f"  max escalation rung     {outcomes.max_escalation_rung}",
        f"  responses by CAMEO      {counts}",
        f"  blocs                   {' | '.join(' '.join(b) for b in outcomes.blocs)}",
    ]
    if seconds is not None:
        lines.append(f"  run time                {seconds:.2f} s")
    return "\n".join(lines)
