import socket

import pytest

from audit.channels.agent_events.gate import CI_VARIABLES


@pytest.fixture(autouse=True)
def hermetic(monkeypatch, tmp_path):
    """No test sees the developer's telemetry settings, writes outside tmp_path, or reaches beyond loopback."""
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK", "NETDATA_DISABLE_TELEMETRY", "VIRTUALIZATION", "container",
                 "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "NETDATA_OFFICIAL_IMAGE", "NO_COLOR",
                 *CI_VARIABLES):  # CI=true (as in CI runs) would change the agent-events gate's verdict
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))

    real_connect = socket.socket.connect

    def loopback_only(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")) \
                and sock.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"test tried to reach {address}; only loopback is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


@pytest.fixture(autouse=True)
def no_installed_agent(request, monkeypatch):
    """Tests do not see a Netdata installed on the machine running them, unless marked `installed_agent`."""
    if request.node.get_closest_marker("installed_agent") is None:
        monkeypatch.setattr("audit.facts.installed.BINARY_PATHS", ())
        monkeypatch.setattr("audit.facts.installed.SCRIPT_PATHS", ())
        monkeypatch.setattr("audit.facts.installed.DPKG_INFO", "/nonexistent/dpkg/info")


@pytest.fixture(scope="session", autouse=True)
def daemon_gathering_started_early(request, tmp_path_factory):
    """The packaged daemon of the analytics-gathering test starts with the session (see tests/test_real_agent.py)."""
    wanted = "test_exit_after_the_first_analytics_gathering_is_what_payload_prints"
    module = next((item.module for item in request.session.items if item.originalname == wanted), None)
    if module is not None:
        module.start_early(tmp_path_factory.mktemp("gathering-agent"))
    yield
    if module is not None:
        module.stop_early()


def pytest_terminal_summary(terminalreporter):
    """The skip count, before pytest's own closing line (which CI reads) and its list of reasons (-rs)."""
    skipped = len(terminalreporter.stats.get("skipped", []))
    terminalreporter.write_line(f"skipped: {skipped}" + (" (each reason below names what to install or set)"
                                                          if skipped else ""))
