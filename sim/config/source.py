"""Reading TOML files, turning a missing, malformed, oversized or too deeply nested file into a `ConfigError`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.config.limits import parse_toml, read_text
from sim.errors import ConfigError, MachineError


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning a missing or malformed file into a `ConfigError`.

    A file beyond the limits of `sim.config.limits` (size, nesting) is a `ConfigError` too; one
    the machine cannot read (permission denied, I/O error) is a `MachineError`.
    """
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found (give the path of a TOML file)")
    try:
        text = read_text(path, "TOML file")
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not a UTF-8 text file") from None
    except OSError as error:
        raise MachineError.from_os_error(path, "read the file", error) from None
    return parse_toml(text, str(path))


REFERRED = "this file is named by key"


def referred(error: ConfigError, key: str, referrer: str) -> ConfigError:
    """`error`, in a file another one names, saying which key of which file named it."""
    if error.source == referrer:  # raised about the referring file itself
        return error
    if error.problem.endswith(")") and REFERRED in error.problem:  # already named by a file in a chain
        problem = f"{error.problem[:-1]}, itself named by key '{key}' in {referrer})"
    else:
        problem = f"{error.problem} ({REFERRED} '{key}' in {referrer})"
    return ConfigError(error.source, error.key, problem, line=error.line)
