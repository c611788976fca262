"""`caucasus dashboard`: served on 127.0.0.1, offline, refused with exit 2 on a bad port."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

import pytest

from viz.server import free_port, server_command, server_environment, start_server, wait_until_serving


def dashboard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "caucasus.cli", "dashboard", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow  # a real `caucasus dashboard` process (imports Solara)
@pytest.mark.parametrize("port", ["0", "70000"])
def test_out_of_range_port_is_refused(port):
    result = dashboard("--port", port)
    assert result.returncode == 2 and "--port" in result.stderr and "65535" in result.stderr


@pytest.mark.slow
def test_busy_port_is_refused():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = dashboard("--port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "not free" in result.stderr


def test_server_command_is_local_production_and_quiet():
    command = server_command("127.0.0.1", 8765)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert {"--production", "--no-open", "--no-check-version"} <= set(command)
    assert server_environment(None)["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


@pytest.mark.browser  # a real Solara server
@pytest.mark.slow
def test_the_server_serves_the_page_and_its_assets_locally(tmp_path):
    port, log = free_port(), tmp_path / "server.log"
    server = start_server(port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base + "/", server, log)
        for asset in ("/_solara/cdn/echarts@5.4.0/dist/echarts.js", "/_solara/cdn/requirejs@2.3.6/require.js"):
            with urllib.request.urlopen(base + asset, timeout=10) as response:  # from solara-assets, not a CDN
                assert response.status == 200 and len(response.read()) > 10_000
    finally:
        server.terminate()
        server.wait(30)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # closed connections may linger
        probe.bind(("127.0.0.1", port))  # the port is free again: no server left behind


def test_dashboard_benchmark_without_chromium_says_so(monkeypatch, capsys, tmp_path):
    import viz.benchmark
    from caucasus.cli import main

    monkeypatch.setattr(viz.benchmark, "CHROMIUM", tmp_path / "no-chromium")
    assert main(["bench", "--dashboard"]) == 1
    assert "apt-get install -y chromium" in capsys.readouterr().err
