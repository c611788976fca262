"""The two kinds of error a command reports without a traceback: the user's mistake, the machine's failure."""

from __future__ import annotations

import os


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


class MachineError(OSError):
    """A failure of the machine, not of the user's input: disk full, permission denied, I/O error.

    The command line prints `str(error)` as one paragraph (what failed, on which path, and the
    system's reason) and exits with status 1, without a traceback; whatever was already written
    whole stays, and nothing is left half-written. It is an OSError (without an errno), so code
    that handles the system's errors (`except OSError`) handles it too.
    """

    def __init__(self, path: str, action: str, reason: str):
        self.path = path
        self.action = action
        self.reason = reason
        super().__init__(f"{path}: could not {action} ({reason})")

    def __reduce__(self) -> tuple:
        return type(self), (self.path, self.action, self.reason)  # pickles (e.g. from a Dask worker)

    @classmethod
    def from_os_error(cls, path: str, action: str, error: OSError) -> MachineError:
        """Wrap an OSError raised while reading or writing `path`.

        The reason is the system's short text for the error number ("No space left on device"),
        also when a library (pyarrow) wraps it in a longer message of its own.
        """
        reason = os.strerror(error.errno) if error.errno else (error.strerror or str(error) or type(error).__name__)
        return cls(str(path), action, reason)
