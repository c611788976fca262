"""The one error type for mistakes in user input (configs, scenario files, overrides)."""

from __future__ import annotations


class ConfigError(Exception):
    """A user mistake in a config: names the file, the key (and line) and what is allowed.

    The command line prints `str(error)` as one paragraph and exits with status 2; nothing
    is written. Code that reads user input raises only this for a user's mistake.
    """

    def __init__(self, source: str, key: str | None, problem: str, *, line: int | None = None):
        self.source = source
        self.key = key
        self.problem = problem
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
        if self.key:
            return f"{where}: key '{self.key}': {self.problem}"
        return f"{where}: {self.problem}"
