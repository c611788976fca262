"""Interdependence among the eight actors: what a break with another actor would cost each one.

The figures come from `configs/interdependence.toml` (sourced; see its header and docs/ODD.md
section 6). Each channel c (trade, remittances, gas, oil, electricity, transit, arms, diaspora)
gives a share s_c[i, j] in [0, 1]: the part of actor i's own aggregate in that channel tied to
j (j's share of i's trade, of i's remittance inflows, of i's gas exports or supply, ...). Each
channel weighs w_c[i] in [0, 1] for actor i: a sourced ratio where one exists (trade: goods
trade / GDP; remittances: inflows / GDP), else the channel's stated judgement weight. Then

    dependence[i, j] = 1 - prod_c (1 - w_c[i] s_c[i, j]),      dependence[i, i] = 0,

Keohane & Nye's (1977) sensitivity interdependence read as the chance-like union of the
channels' losses: a break with j that cuts a fraction w_c s_c of i's economy or security in each
channel leaves i with prod_c (1 - w_c s_c) of what it had; dependence is what it loses. It lies
in [0, 1], is 0 where no channel ties i to j, rises with every share and weight, and is
asymmetric as the data are (Armenia's aggregates are small and tied to Russia; Russia's are
large and barely tied to Armenia). For trade and remittances w_c s_c is the share of i's GDP
that flows with j. A dyad without a figure counts 0 (flagged in the file where it was looked
for and not found: `no_figure = true`), never a guess.

`ties[s, p]` (for the two states and the six powers, in `sim.actors` order) is each power's
share of the state's external ties: the mean of its trade share and its arms-import share, over
the six powers, rows summing to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.actors import INDEX, N_ACTORS, POWER_INDEX, STATE_INDEX, actor_codes
from sim.config.fields import check_keys, read_flag, read_number, read_string, read_table
from sim.config.source import read_toml
from sim.errors import ConfigError

#: The channels of interdependence, in the order of the arrays' first axis.
CHANNELS: tuple[str, ...] = ("trade", "remittances", "gas", "oil", "electricity", "transit", "arms", "diaspora")
CHANNEL_INDEX: dict[str, int] = {name: i for i, name in enumerate(CHANNELS)}
#: The channels whose shares make up a state's external ties (`ties`): goods trade and arms imports.
TIE_CHANNELS: tuple[str, ...] = ("trade", "arms")
CONFIDENCE: tuple[str, ...] = ("high", "medium", "low", "judgement", "none")
FIGURE_KEYS: tuple[str, ...] = (
    "value",
    "unit",
    "year",
    "period",
    "source",
    "confidence",
    "placeholder",
    "no_figure",
    "note",
)
SECTIONS: tuple[str, ...] = ("channels", "weights", "shares")
CHANNEL_KEYS: tuple[str, ...] = ("description", "weight")
FIRST_YEAR = 1990  # the oldest figure a tie may rest on (the actors' independence, 1991, and before)
LAST_YEAR = 2025  # the project's cut-off: 11 July 2025; no figure may cover a later year
DEFAULT_FILE = "interdependence.toml"  # looked for next to the actors file when a scenario names none


@dataclass(frozen=True, kw_only=True)
class Tie:
    """One sourced figure of the file: a share or a weight, with its provenance."""

    value: float
    unit: str
    year: int
    source: str
    confidence: str
    placeholder: bool = False
    no_figure: bool = False
    note: str = ""
    period: str = ""


@dataclass(frozen=True, kw_only=True)
class Interdependence:
    """The validated interdependence of one file.

    Attributes:
        shares: [channel, i, j], j's share of i's aggregate in the channel (0 where no figure).
        weights: [channel, i], how much the channel weighs for i.
        figures: every figure of the file by (section, channel, actor, partner); the partner
            is "" for a weight, and the actor too for a channel's default weight.
        source: the file it was read from.
    """

    shares: np.ndarray
    weights: np.ndarray
    figures: dict[tuple[str, str, str, str], Tie] = field(repr=False)
    source: str

    def dependence(self) -> np.ndarray:
        """dependence[i, j] in [0, 1]: what i would lose from a break with j (zero diagonal)."""
        return dependence_matrix(self.shares, self.weights)

    def ties(self) -> np.ndarray:
        """ties[state, power]: each power's share of the state's external ties (rows sum to one)."""
        return external_ties(self.shares)

    def without_figure(self) -> list[tuple[str, str, str]]:
        """(channel, actor, partner) of every share looked for and not found (`no_figure = true`)."""
        return sorted(key[1:] for key, tie in self.figures.items() if key[0] == "shares" and tie.no_figure)


def dependence_matrix(shares: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """1 - prod_c (1 - w_c[i] s_c[i, j]) over the channels, with a zero diagonal.

    Args:
        shares: [channel, i, j] in [0, 1].
        weights: [channel, i] in [0, 1].
    """
    kept = 1.0 - weights[:, :, None] * shares
    dependence = 1.0 - np.prod(kept, axis=0)
    np.fill_diagonal(dependence, 0.0)
    return np.clip(dependence, 0.0, 1.0)


def external_ties(shares: np.ndarray) -> np.ndarray:
    """ties[s, p]: the mean of power p's trade and arms-import shares of state s, normalised over the powers.

    A state with no figure for any power (not the case in the shipped file) gets equal ties.
    """
    states, powers = list(STATE_INDEX), list(POWER_INDEX)
    raw = np.mean([shares[CHANNEL_INDEX[c]][np.ix_(states, powers)] for c in TIE_CHANNELS], axis=0)
    total = raw.sum(axis=1, keepdims=True)
    equal = np.full_like(raw, 1.0 / len(powers))
    return np.where(total > 0, raw / np.where(total > 0, total, 1.0), equal)


def load_interdependence(path: str | Path) -> tuple[Interdependence, dict[str, Any]]:
    """Read and validate an interdependence file; returns it and the raw tables it came from."""
    path = Path(path)
    raw = read_toml(path)
    return build_interdependence(raw, str(path)), raw


def build_interdependence(raw: dict[str, Any], source: str) -> Interdependence:
    """Validate the tables of an interdependence file (ConfigError naming the file and key)."""
    check_keys(raw, SECTIONS, source, "")
    figures: dict[tuple[str, str, str, str], Tie] = {}
    defaults = _channels(read_table(raw, "channels", source, required=True), source, figures)
    weights = _weights(read_table(raw, "weights", source), defaults, source, figures)
    shares = _shares(read_table(raw, "shares", source), source, figures)
    return Interdependence(shares=shares, weights=weights, figures=figures, source=source)


def _channels(table: dict[str, Any], source: str, figures: dict) -> dict[str, float]:
    check_keys(table, CHANNELS, source, "channels.")
    defaults = {}
    for name in CHANNELS:
        entry = read_table(table, name, source, required=True, prefix="channels.")
        prefix = f"channels.{name}."
        check_keys(entry, CHANNEL_KEYS, source, prefix)
        read_string(entry, "description", source, prefix)
        tie = read_tie(entry, "weight", source, prefix)
        figures["channels", name, "", ""] = tie
        defaults[name] = tie.value
    return defaults


def _weights(table: dict[str, Any], defaults: dict[str, float], source: str, figures: dict) -> np.ndarray:
    check_keys(table, CHANNELS, source, "weights.")
    weights = np.array([[defaults[name]] * N_ACTORS for name in CHANNELS])
    for name in table:
        entries = read_table(table, name, source, prefix="weights.")
        check_keys(entries, actor_codes(), source, f"weights.{name}.")
        for code in entries:
            tie = read_tie(entries, code, source, f"weights.{name}.")
            figures["weights", name, code, ""] = tie
            weights[CHANNEL_INDEX[name], INDEX[code]] = tie.value
    return weights


def _shares(table: dict[str, Any], source: str, figures: dict) -> np.ndarray:
    check_keys(table, CHANNELS, source, "shares.")
    shares = np.zeros((len(CHANNELS), N_ACTORS, N_ACTORS))
    for name in table:
        by_actor = read_table(table, name, source, prefix="shares.")
        check_keys(by_actor, actor_codes(), source, f"shares.{name}.")
        for code in by_actor:
            partners = read_table(by_actor, code, source, prefix=f"shares.{name}.")
            prefix = f"shares.{name}.{code}."
            check_keys(partners, actor_codes(), source, prefix)
            for partner in partners:
                if partner == code:
                    raise ConfigError(source, prefix + partner, "unknown dyad: an actor has no tie to itself")
                tie = read_tie(partners, partner, source, prefix)
                figures["shares", name, code, partner] = tie
                shares[CHANNEL_INDEX[name], INDEX[code], INDEX[partner]] = tie.value
    return shares


def read_tie(table: dict[str, Any], key: str, source: str, prefix: str) -> Tie:
    """One figure: a table with value in [0, 1], unit, year (to 2025), source and confidence."""
    entry = read_table(table, key, source, required=True, prefix=prefix)
    where = f"{prefix}{key}."
    check_keys(entry, FIGURE_KEYS, source, where)
    value = float(read_number(entry, "value", source, where, 0.0, 1.0))
    no_figure = read_flag(entry, "no_figure", source, where)
    if no_figure and value != 0.0:
        raise ConfigError(source, where + "value", f"{value} with no_figure = true; allowed: 0 (a missing figure)")
    source_text = read_string(entry, "source", source, where)
    if not source_text.strip():
        raise ConfigError(source, where + "source", "empty; name the figure's source (or 'judgement: ...')")
    confidence = read_string(entry, "confidence", source, where)
    if confidence not in CONFIDENCE:
        raise ConfigError(source, where + "confidence", f"{confidence!r}; allowed: {', '.join(CONFIDENCE)}")
    return Tie(
        value=value,
        unit=read_string(entry, "unit", source, where),
        year=_year(entry, source, where),
        source=source_text,
        confidence=confidence,
        placeholder=read_flag(entry, "placeholder", source, where),
        no_figure=no_figure,
        note=read_string(entry, "note", source, where, default=""),
        period=read_string(entry, "period", source, where, default=""),
    )


def _year(entry: dict[str, Any], source: str, where: str) -> int:
    year = int(read_number(entry, "year", source, where, FIRST_YEAR, 9999, integer=True))
    if year > LAST_YEAR:
        raise ConfigError(
            source,
            where + "year",
            f"{year} is after {LAST_YEAR}: the project's cut-off is 11 July 2025; allowed: {FIRST_YEAR} to {LAST_YEAR}",
        )
    return year
