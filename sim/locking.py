"""An exclusive lock on an output directory, held while a command writes there.

A lock is a small hidden file (`fcntl.flock`, exclusive, never waited for) that holds who took
it: pid, host, start time and command line. A second command that finds it held is refused at
once with a ConfigError (exit 2) naming the holder and how to proceed; two commands never write
into one directory at the same time. The kernel releases the lock when its process ends, even
by `kill -9`, so a lock is never stale; the file is removed by its holder on release (a waiter
that opened the removed file sees that the path no longer names it and tries again).
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.errors import ConfigError, MachineError
from sim.provenance import utc_now

LOCK_SUFFIX = ".caucasus-lock"
_ATTEMPTS = 50
_HOLDER_WAIT_S = 1.0  # how long to wait for a new holder to write its name into the lock


@contextmanager
def exclusive_lock(path: Path, directory: Path, remedy: str) -> Iterator[None]:
    """Hold the lock file `path` for `directory` for the block; refuse (ConfigError) if another process holds it.

    Args:
        path: the lock file (its folder must exist).
        directory: the directory it protects, named in the messages.
        remedy: what to do when it is held, e.g. "give another --out".
    """
    fd = _acquire(Path(path), Path(directory), remedy)
    try:
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": utc_now(), "command": _command()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        yield
    finally:
        with suppress(OSError):
            Path(path).unlink()  # while still held: whoever opened it before sees it gone and retries
        os.close(fd)


def _acquire(path: Path, directory: Path, remedy: str) -> int:
    for _ in range(_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise MachineError.from_os_error(directory, "lock the output directory", error) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise ConfigError(
                str(directory),
                None,
                f"is in use by another caucasus command ({holder}; lock file {path.name}); two commands never "
                f"write into one directory: wait for that one to finish (or stop it) and run this again, or {remedy}",
            ) from None
        except OSError as error:  # e.g. a file system without locks
            os.close(fd)
            raise MachineError.from_os_error(directory, "lock the output directory", error) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # its holder removed it as it finished: lock the file now at the path
    raise MachineError(str(directory), "lock the output directory", f"{path.name} keeps changing; try again")


def holder_of(path: Path) -> str | None:
    """Who holds the lock file `path` (None when nobody does)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None


def _holder(fd: int) -> str:
    """The holder's description read from its lock file (it writes it just after taking the lock)."""
    deadline = time.monotonic() + _HOLDER_WAIT_S
    while True:
        try:
            holder = json.loads(os.pread(fd, 65536, 0))
            return f"pid {holder['pid']} on {holder['host']}, started {holder['started']}: {holder['command']}"
        except (OSError, ValueError, KeyError, TypeError):
            if time.monotonic() > deadline:
                return "a process that has not yet written its name"
            time.sleep(0.02)


def _command() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0] = "caucasus"
    return shlex.join(argv)[:300]
