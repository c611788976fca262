"""Provenance of a run: package and Python versions, the git commit, the time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("caucasus-crisis", "mesa", "numpy", "pandas", "pyarrow")


def versions() -> dict[str, str]:
    """Python's version and those of the packages a run depends on."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> dict[str, str | bool] | None:
    """The project's git commit and whether the work tree had changes, or None outside git."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode != 0:
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def canonical_hash(data: Any) -> str:
    """SHA-256 of `data` as canonical JSON (keys sorted, no spaces): a config's identity."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def utc_now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
