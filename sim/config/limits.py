"""Limits on every file the command line reads: size, nesting depth and `extends` depth.

A config or manifest beyond a limit is a user's mistake (`ConfigError`, exit status 2) named
by its file, never a `RecursionError` or `MemoryError` traceback. The limits are far above
anything the project writes or needs (a scenario nests 4 levels deep, a sweep's manifest 8,
the longest `extends` chain in `configs/` is 1 file) and are documented in the README.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

MAX_FILE_BYTES = 16 * 2**20  # a scenario, actors, sweep TOML file or a manifest JSON file: 16 MiB
MAX_NESTING = 64  # tables and arrays inside one another, in any file read
MAX_EXTENDS = 32  # scenario files in one `scenario.extends` chain, beyond the first


def read_text(path: Path, what: str = "file") -> str:
    """The text of a file of at most `MAX_FILE_BYTES` bytes.

    Args:
        path: the file.
        what: what the file is, for the message ("scenario file", "run manifest").

    Raises:
        ConfigError: the file is larger than the limit.
        UnicodeDecodeError: the file is not UTF-8 text.
        OSError: the machine cannot read it.
    """
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            str(path), None, f"this {what} is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit for a file read"
        )
    return data.decode("utf-8")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text, refusing it (ConfigError naming `source`) if malformed or nested too deeply."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise ConfigError(source, None, f"malformed TOML: {error}", line=line) from None
    except RecursionError:
        raise _too_deep(source) from None
    check_nesting(data, source)
    return data


def parse_json(text: str, source: str) -> Any:
    """Parse JSON text, refusing it if nested too deeply (ConfigError naming `source`).

    Raises:
        json.JSONDecodeError: malformed JSON (the caller words the message for its kind of file).
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(source) from None
    check_nesting(data, source)
    return data


def check_nesting(data: Any, source: str) -> None:
    """Refuse data whose tables and arrays nest more than `MAX_NESTING` levels deep."""
    if depth_exceeded(data):
        raise _too_deep(source)


def depth_exceeded(data: Any) -> bool:
    """Whether tables (dicts) and arrays (lists) nest more than `MAX_NESTING` levels deep (no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > MAX_NESTING:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _too_deep(source: str) -> ConfigError:
    return ConfigError(source, None, f"tables or arrays nested more than {MAX_NESTING} levels deep (the limit)")
