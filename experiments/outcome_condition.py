"""A condition on a sweep's outcome columns, from a small, safe expression language.

`caucasus discover DIR --outcome EXPR` takes the runs where EXPR holds as the cases of interest.
EXPR is parsed with Python's `ast` and only these forms are accepted (nothing is executed):

- a column name: an outcome column the sweep kept (`rupture`, `n_173`, `corridor_arrangement`);
  alone it must be true/false (`rupture`);
- a literal: a number, a quoted string or True/False;
- comparisons `==`, `!=`, `<`, `<=`, `>`, `>=` (chains as in Python: `1 <= n_173 < 4`);
- `and`, `or`, `not`, and parentheses.

Examples: `rupture`, `corridor_arrangement == "neutral_operator"`, `not rupture`,
`rupture and max_escalation_rung >= 4`, `trust_AZE_RUS_min <= -0.7`. A comparison with a missing
value (a `_day` outcome where the thing never happened) is false. A string compared with a
category outcome must be one of its values. Anything else is a ConfigError naming the allowed
columns (or values).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.outcomes import OUTCOME_OF_COLUMN, CategoryOutcome

SOURCE = "--outcome"
MAX_LENGTH = 500  # characters: a condition is one line (judgement)
COMPARISONS: dict[type, Callable[[object, object], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, the columns it reads, and its value for every run of a table."""

    text: str
    tree: ast.expr
    columns: tuple[str, ...]

    def holds(self, runs: pd.DataFrame) -> np.ndarray:
        """[runs] bool: where the condition holds (a missing value compares false)."""
        value = _evaluate(self.tree, runs)
        return np.broadcast_to(np.asarray(value, dtype=bool), (len(runs),)).copy()


def parse_condition(text: str, columns: Sequence[str], dtypes: pd.Series | None = None) -> Condition:
    """Parse `text` against the outcome columns a sweep kept.

    Args:
        text: the expression.
        columns: the outcome columns that may be named.
        dtypes: their dtypes (a bare column must be boolean); unchecked when None.

    Raises:
        ConfigError: a syntax error, a construct outside the grammar, an unknown column, a bare
            column that is not true/false, or a string that is not a value of the category compared.
    """
    allowed = f"allowed columns: {', '.join(columns)}"
    if not text.strip() or len(text) > MAX_LENGTH:
        raise ConfigError(SOURCE, None, f"give a condition of 1 to {MAX_LENGTH} characters, e.g. `rupture`; {allowed}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ConfigError(SOURCE, None, f"{text!r} is not an expression ({error.msg}); {allowed}") from None
    names = _check(tree, text, columns, allowed)
    if dtypes is not None:
        _check_bare_columns(tree, text, dtypes)
    return Condition(text.strip(), tree, tuple(dict.fromkeys(names)))


def _check(node: ast.expr, text: str, columns: Sequence[str], allowed: str) -> list[str]:
    """The column names the expression reads; a ConfigError at the first construct outside the grammar."""
    match node:
        case ast.Name(id=name):
            if name not in columns:
                raise ConfigError(SOURCE, name, f"is not an outcome column of this sweep; {allowed}")
            return [name]
        case ast.Constant(value=value) if isinstance(value, (bool, int, float, str)):
            return []
        case ast.UnaryOp(op=ast.Not(), operand=operand) | ast.UnaryOp(op=ast.USub(), operand=operand):
            return _check(operand, text, columns, allowed)
        case ast.BoolOp(values=values):
            return [name for value in values for name in _check(value, text, columns, allowed)]
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            if not all(type(op) in COMPARISONS for op in ops):
                raise ConfigError(SOURCE, None, f"{text!r}: compare with == != < <= > >= only; {allowed}")
            operands = [left, *comparators]
            names = [name for operand in operands for name in _check(operand, text, columns, allowed)]
            for a, b in zip(operands, operands[1:], strict=False):
                _check_category_value(a, b)
                _check_category_value(b, a)
            return names
    shown = ast.get_source_segment(text.strip(), node) or type(node).__name__
    raise ConfigError(
        SOURCE,
        None,
        f"{text!r}: `{shown}` is not allowed (only column names, literals, comparisons, and/or/not); {allowed}",
    )


def _check_category_value(column: ast.expr, literal: ast.expr) -> None:
    """A string compared with a category outcome must be one of its values."""
    if not (isinstance(column, ast.Name) and isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
        return
    outcome = OUTCOME_OF_COLUMN.get(column.id)
    if isinstance(outcome, CategoryOutcome) and literal.value not in outcome.categories:
        raise ConfigError(
            SOURCE, column.id, f"has no value {literal.value!r}; allowed: {', '.join(map(repr, outcome.categories))}"
        )


def _check_bare_columns(node: ast.expr, text: str, dtypes: pd.Series) -> None:
    """Columns used as conditions on their own (not compared) must be boolean."""
    match node:
        case ast.Name(id=name) if not pd.api.types.is_bool_dtype(dtypes[name]):
            raise ConfigError(
                SOURCE, name, f"is not true/false: compare it (e.g. `{name} > 0` or `{name} == ...`) in {text!r}"
            )
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            _check_bare_columns(operand, text, dtypes)
        case ast.BoolOp(values=values):
            for value in values:
                _check_bare_columns(value, text, dtypes)


def _evaluate(node: ast.expr, runs: pd.DataFrame) -> object:
    match node:
        case ast.Name(id=name):
            return runs[name].to_numpy()
        case ast.Constant(value=value):
            return value
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return ~np.asarray(_evaluate(operand, runs), dtype=bool)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -np.asarray(_evaluate(operand, runs))
        case ast.BoolOp(op=op, values=values):
            parts = [np.asarray(_evaluate(value, runs), dtype=bool) for value in values]
            combine = np.logical_and if isinstance(op, ast.And) else np.logical_or
            return combine.reduce(parts)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            operands = [_evaluate(operand, runs) for operand in (left, *comparators)]
            parts = [
                np.asarray(COMPARISONS[type(op)](a, b), dtype=bool)
                for op, a, b in zip(ops, operands, operands[1:], strict=False)
            ]
            return np.logical_and.reduce(parts)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # _check admits nothing else
