"""Trust adjustments: kinds of relation that UN voting affinity misses, each on one ordinal scale.

Baseline trust is UN voting affinity plus, for a few ordered pairs, the value of the kind of
relation between them (`[[trust_adjustments]]` in the actors file; docs/ODD.md §5, §8.4). Each
adjustment names who trusts (`actor`), whom (`target`), the `kind` of relation, a `reason` and
the public `source` (with its `source_date`) that documents the fact the reason states. Its value
follows from its kind: the scale below is a judgement, to be calibrated against the event record
(issue 13), not a measurement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.actors import INDEX, Actor
from sim.config.fields import check_keys, read_actor, read_date, read_string
from sim.errors import ConfigError

# Judgement: an ordinal scale of relation kinds, hostile to cooperative, in equal steps of 0.25
# (no evidence yet for unequal spacing; issue 13 calibrates it). War is the largest step: with it
# any pair whose voting affinity is below +0.25 starts at the floor of trust (-1).
RELATION_KINDS: dict[str, float] = {
    "war": -1.25,
    "sanctions": -1.0,
    "broken_alliance": -0.75,
    "rivalry": -0.5,
    "friction": -0.25,
    "support": 0.25,
    "partnership": 0.5,
    "alliance": 0.75,
}

KIND_MEANINGS: dict[str, str] = {
    "war": "the two fought a war, or one took territory the other held, within the decade before the run",
    "sanctions": "sanctions or an embargo in force by one on the other, or war by proxy (arms for the other's enemy)",
    "broken_alliance": "an alliance between them frozen, suspended or broken by one side",
    "rivalry": (
        "opposite sides in third-party wars, military threats or drills aimed at the other, "
        "or reduced diplomatic relations, without sanctions or war between them"
    ),
    "friction": "official accusations that the other breaks its commitments, inside a treaty relation",
    "support": "declared backing of the other's territorial integrity or security, without a treaty",
    "partnership": "a signed strategic partnership treaty, agreement, charter or joint statement",
    "alliance": "a ratified alliance treaty or declaration with a mutual-assistance clause",
}

CITATION = "the public source of the reason: outlet or author, title, date, address"
ADJUSTMENT_KEYS = ("actor", "target", "kind", "value", "reason", "source", "source_date")


@dataclass(frozen=True, kw_only=True)
class TrustAdjustment:
    """One documented adjustment: `actor`'s trust in `target` moves by the value of `kind`."""

    actor: Actor
    target: Actor
    kind: str
    reason: str
    source: str
    source_date: dt.date

    @property
    def value(self) -> float:
        """The adjustment, as the scale gives it for the kind."""
        return RELATION_KINDS[self.kind]


def read_adjustments(actors_raw: dict[str, Any], src: str) -> tuple[TrustAdjustment, ...]:
    """The `[[trust_adjustments]]` of an actors file, validated (none when absent)."""
    entries = actors_raw.get("trust_adjustments", [])
    if not isinstance(entries, list):
        raise ConfigError(src, "trust_adjustments", "must be an array of tables ([[trust_adjustments]])")
    adjustments: list[TrustAdjustment] = []
    for i, entry in enumerate(entries):
        adjustment = _adjustment(entry, src, f"trust_adjustments[{i}].")
        _refuse_second_kind(adjustment, adjustments, src, f"trust_adjustments[{i}].")
        adjustments.append(adjustment)
    return tuple(adjustments)


def adjustment_triples(adjustments: tuple[TrustAdjustment, ...]) -> list[tuple[int, int, float]]:
    """(row, column, value) of each adjustment, as `baseline_trust` adds them."""
    return [(INDEX[a.actor], INDEX[a.target], a.value) for a in adjustments]


def _adjustment(entry: Any, src: str, prefix: str) -> TrustAdjustment:
    if not isinstance(entry, dict):
        raise ConfigError(src, prefix[:-1], "must be a table")
    check_keys(entry, ADJUSTMENT_KEYS, src, prefix)
    if "actor" not in entry:
        who = "missing; give the code of the actor who trusts (the key 'source' holds the citation)"
        raise ConfigError(src, prefix + "actor", who)
    actor, target = read_actor(entry, "actor", src, prefix), read_actor(entry, "target", src, prefix)
    if actor == target:
        raise ConfigError(src, prefix + "target", "an actor's trust in itself is fixed at 1; name another actor")
    kind = _kind(entry, src, prefix)
    _check_value(entry, kind, src, prefix)
    return TrustAdjustment(
        actor=actor,
        target=target,
        kind=kind,
        reason=_text(entry, "reason", src, prefix, "the fact voting affinity misses"),
        source=_text(entry, "source", src, prefix, CITATION),
        source_date=read_date(entry, "source_date", src, prefix),
    )


def _kind(entry: dict[str, Any], src: str, prefix: str) -> str:
    kind = entry.get("kind")
    if kind not in RELATION_KINDS:
        allowed = ", ".join(f"{name} ({value:+g})" for name, value in RELATION_KINDS.items())
        raise ConfigError(src, prefix + "kind", f"{kind!r} is not a kind of relation; allowed: {allowed}")
    return kind


def _check_value(entry: dict[str, Any], kind: str, src: str, prefix: str) -> None:
    """A `value` is optional; given, it must be the one the kind's place on the scale sets."""
    if "value" not in entry:
        return
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != RELATION_KINDS[kind]:
        raise ConfigError(
            src,
            prefix + "value",
            f"{value!r} is not the value of kind '{kind}'; allowed: {RELATION_KINDS[kind]:+g} (or leave it out)",
        )


def _text(entry: dict[str, Any], key: str, src: str, prefix: str, what: str) -> str:
    if key not in entry:
        raise ConfigError(src, prefix + key, f"missing; give {what}")
    text = read_string(entry, key, src, prefix)
    if not text.strip():
        raise ConfigError(src, prefix + key, f"is empty; give {what}")
    return text


def _refuse_second_kind(new: TrustAdjustment, earlier: list[TrustAdjustment], src: str, prefix: str) -> None:
    for j, old in enumerate(earlier):
        if (old.actor, old.target) == (new.actor, new.target):
            raise ConfigError(
                src,
                prefix + "target",
                f"{new.actor.value}->{new.target.value} is already adjusted by trust_adjustments[{j}]; "
                "a pair has one kind of relation",
            )
