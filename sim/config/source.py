"""Reading TOML files, turning a missing or malformed file into a `ConfigError`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning a missing or malformed file into a `ConfigError`."""
    if not path.is_file():
        raise ConfigError(str(path), None, "file not found (give the path of a TOML file)")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"at line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise ConfigError(str(path), None, f"malformed TOML: {error}", line=line) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not a UTF-8 text file") from None
