"""Serve the dashboard: `caucasus dashboard [--port N] [--sweep DIR] [--posterior DIR [--draws N]]`.

Runs `solara run viz.app` on 127.0.0.1 in production mode, offline: the front-end assets come
from the `solara-assets` package, telemetry and the version check are off.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

DEFAULT_PORT = 8765
#: The sweep directory the sweep explorer opens first (set by `--sweep`).
SWEEP_DIR_VARIABLE = "CAUCASUS_DASHBOARD_SWEEP"
#: The posterior of the time charts' fan and its number of draws (set by `--posterior DIR --draws N`).
POSTERIOR_VARIABLE = "CAUCASUS_DASHBOARD_POSTERIOR"
DRAWS_VARIABLE = "CAUCASUS_DASHBOARD_DRAWS"
#: Runs a fan is drawn from unless `--draws` says otherwise: a 90% band from 100 runs, in a few seconds.
DASHBOARD_DRAWS = 100


def check_port(host: str, port: int) -> None:
    """Refuse a port outside 1-65535 or one already in use, naming the flag."""
    if not 1 <= port <= 65535:
        raise ConfigError("--port", None, f"{port} is out of range; allowed: 1 to 65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: lingering closes are fine
        try:
            probe.bind((host, port))
        except OSError as error:
            problem = f"{port} on {host} is not free ({error.strerror}); pick another"
            raise ConfigError("--port", None, problem) from None


def server_command(host: str, port: int) -> list[str]:
    """The `solara run` command line that serves the app."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "viz.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def server_environment(sweep_dir: Path | None, posterior: tuple[Path, int] | None = None) -> dict[str, str]:
    """The server's environment: no telemetry, the sweep to open first and the posterior of the fan, if any."""
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_TELEMETRY_ENABLED": "False"}
    if sweep_dir is not None:
        env[SWEEP_DIR_VARIABLE] = str(sweep_dir.resolve())
    for name in (POSTERIOR_VARIABLE, DRAWS_VARIABLE):
        env.pop(name, None)
    if posterior is not None:
        env[POSTERIOR_VARIABLE], env[DRAWS_VARIABLE] = str(posterior[0].resolve()), str(posterior[1])
    return env


def serve(
    port: int = DEFAULT_PORT,
    *,
    host: str = "127.0.0.1",
    sweep_dir: Path | None = None,
    posterior: tuple[Path, int] | None = None,
) -> None:
    """Serve the dashboard until interrupted: this process becomes the Solara server.

    Replacing the process (rather than starting a child) means Ctrl+C and `kill` reach the
    server itself and no orphan is left holding the port.
    """
    check_port(host, port)
    print(f"Dashboard: http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    command = server_command(host, port)
    os.execve(command[0], command, server_environment(sweep_dir, posterior))


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now (for tests and benchmarks that start their own server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_server(
    port: int, log: Path, *, sweep_dir: Path | None = None, posterior: tuple[Path, int] | None = None
) -> subprocess.Popen:
    """Start `caucasus dashboard` in the background, its output to `log`.

    `wait_until_serving` tells when it answers; stop it with `terminate()`.
    """
    command = [sys.executable, "-m", "caucasus.cli", "dashboard", "--port", str(port)]
    if sweep_dir is not None:
        command += ["--sweep", str(sweep_dir)]
    if posterior is not None:
        command += ["--posterior", str(posterior[0]), "--draws", str(posterior[1])]
    with log.open("wb") as output:  # the child keeps its own handle
        return subprocess.Popen(command, env=server_environment(None), stdout=output, stderr=subprocess.STDOUT)


@contextmanager
def serving(log: Path, *, timeout: float = 90.0, **options: Any) -> Iterator[str]:
    """A dashboard server on a free port (`start_server`'s `options`), its URL once it answers; stopped after."""
    port = free_port()
    server = start_server(port, log, **options)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, server, log, timeout=timeout)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # it would not stop: make sure no server is left behind
            server.kill()
            server.wait()


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Wait until the page answers 200; RuntimeError with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with status {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"the dashboard did not answer at {url} within {timeout:.0f} s")
