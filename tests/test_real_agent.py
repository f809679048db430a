"""The packaged Netdata daemon (Debian's netdata-core 1.37.1), run unmodified, against `payload` byte for byte.

The daemon runs in a private mount and network namespace (`unshare -m -n`): private dirs are bind-mounted over
/etc/netdata (which hides the packaged opt-out file), /var/lib/netdata, /var/cache/netdata and /var/log/netdata, so
the host is not touched, and it has only its own loopback, so nothing it starts can leave the machine. Its web server
listens on that loopback; the tool reads it from a thread that joined the namespace. A `curl` stand-in first in PATH
stores each `-d` body and contacts nothing; it fails system-info.sh's cloud-metadata probes. START and ACLK_DISABLED
are sent at start, EXIT on SIGTERM (compared with `payload EXIT --agent-url`, read just before stopping).

1.37.1's ANALYTICS thread gathers the runtime values (collectors, alert counts, charts, metrics, parent state) once,
121 s after start, and sends them with META_START; EXIT (no new gathering) carries the same values. The second test
waits for META_START: its daemon starts with the session (tests/conftest.py), so in a whole run the wait is over by
the time the test runs; alone, it runs about 2 minutes.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from audit import channels
from audit.channels.backend import assemble as payload
from audit.plumbing import schemas
from audit.facts.collect import FactsRequest, gather
from tests.realscripts import CURL_STANDIN

DAEMON = Path("/usr/sbin/netdata")
MOUNTS = ("/etc/netdata", "/var/lib/netdata", "/var/cache/netdata", "/var/log/netdata")

UNSHARE = ("-m", "-n", "--propagation", "private")
CLONE_NEWNET = 0x40000000
PORT = 19999  # the daemon's own loopback: every port is free

pytestmark = [pytest.mark.real_agent, pytest.mark.installed_agent]


def _why_not() -> str | None:
    if not DAEMON.exists():
        return f"{DAEMON} missing: install Debian's netdata-core and netdata-plugins-bash (apt-get install)"
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs root, unshare(1) (util-linux) and ip(8) (iproute2) for private mount and network namespaces"
    probe = subprocess.run(["unshare", *UNSHARE, "true"], capture_output=True)
    if probe.returncode != 0:
        return f"mount or network namespaces unavailable here: {probe.stderr.decode().strip()}"
    if not Path("/usr/lib/netdata/plugins.d/anonymous-statistics.sh").exists():
        return "the packaged anonymous-statistics.sh is missing (apt-get install netdata-plugins-bash)"
    return None


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class Agent:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.captures = tmp / "captures"
        self.captures.mkdir()
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "curl").write_text(CURL_STANDIN)
        (self.bin / "curl").chmod(0o755)
        self.private = {m: tmp / m.strip("/").replace("/", "-") for m in MOUNTS}
        for d in self.private.values():
            d.mkdir()
        self.config = self.private["/etc/netdata"]
        (self.config / "netdata.conf").write_text(
            "[global]\n    run as user = root\n"
            f"[web]\n    bind to = 127.0.0.1:{PORT}\n"
            "[plugins]\n    enable running new plugins = no\n    python.d = no\n    charts.d = no\n"
            "    go.d = no\n    apps = no\n    ebpf = no\n    perf = no\n    slabinfo = no\n    cups = no\n"
            "    nfacct = no\n    fping = no\n    ioping = no\n")
        self.proc: subprocess.Popen | None = None
        self.log = None

    def start(self) -> None:
        binds = " && ".join(f"mount --bind {self.private[m]} {m}" for m in MOUNTS)
        command = f"ip link set lo up && {binds} && exec {DAEMON} -D -c /etc/netdata/netdata.conf"
        env = {"PATH": f"{self.bin}:/usr/bin:/bin:/usr/sbin:/sbin", "CAPTURE_DIR": str(self.captures),
               "LC_ALL": "C"}
        self.log = open(self.tmp / "daemon.err", "wb")
        self.proc = subprocess.Popen(["unshare", *UNSHARE, "sh", "-c", command],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)

    def facts(self, running: bool):
        """The tool's facts for this agent (`running`: with --agent-url), gathered where the agent's URL is
        reachable: in its network namespace."""
        guid = (self.private["/var/lib/netdata"] / "registry" / "netdata.public.unique.id").read_text().strip()
        url = f"http://127.0.0.1:{PORT}" if running else None
        request = FactsRequest(config_dir=str(self.config), machine_guid=guid, agent_url=url)
        with ThreadPoolExecutor(1) as pool:  # setns(2) moves only the calling thread: a throwaway one
            return pool.submit(self._in_netns, gather, request).result()

    def _in_netns(self, work, *args):
        libc = ctypes.CDLL(None, use_errno=True)
        with open(f"/proc/{self.proc.pid}/ns/net") as namespace:
            if libc.setns(namespace.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the daemon's network namespace")
        return work(*args)

    def bodies(self) -> dict[str, bytes]:
        out = {}
        # only whole bodies: the stand-in writes .partial-N and renames it, so a listing can race the rename
        for path in sorted(self.captures.glob("body-*"), key=lambda p: int(p.name.split("-")[1])):
            data = path.read_bytes()
            event = data.split(b'"event": "', 1)[1].split(b" ", 1)[0].decode()
            out.setdefault(event, data)
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None


def _running(agent: Agent):
    why = _why_not()
    if why:
        pytest.skip(why)
    agent.start()
    yield agent
    agent.stop()


@pytest.fixture
def agent(tmp_path):
    yield from _running(Agent(tmp_path))


# An API key section makes the daemon a configured parent (config_is_parent) with no child connected.
PARENT_KEY = "0d3c1f2e-5a4b-4c6d-8e7f-9a0b1c2d3e4f"
# Alerts whose statuses never change (calc is a constant): 3 normal, 2 warning, 1 critical; no notifications.
ALERT = "alarm: audit_{name}\n    on: system.uptime\n  calc: 1\n every: 1s\n  {condition}\n    to: silent\n\n"
ALERTS = {"normal_a": "warn: $this > 1", "normal_b": "warn: $this > 1", "normal_c": "warn: $this > 1",
          "warning_a": "warn: $this > 0", "warning_b": "warn: $this > 0", "critical_a": "crit: $this > 0"}


def _gathering(tmp: Path) -> Agent:
    """The daemon as a configured parent whose alert counts are fixed, so its first gathering is predictable."""
    agent = Agent(tmp)
    (agent.config / "stream.conf").write_text(f"[{PARENT_KEY}]\n    enabled = yes\n")
    (agent.config / "health.d").mkdir()
    (agent.config / "health.d" / "audit.conf").write_text(
        "".join(ALERT.format(name=name, condition=condition) for name, condition in ALERTS.items()))
    (tmp / "no-stock-alerts").mkdir()
    with open(agent.config / "netdata.conf", "a") as conf:
        conf.write(f"[directories]\n    stock health config = {tmp / 'no-stock-alerts'}\n")
    return agent


_EARLY: dict[str, Agent] = {}


def start_early(tmp: Path) -> None:
    """Started by conftest with the session when the gathering test is selected: the daemon's first gathering comes
    121 s after its start, and that wait then overlaps the rest of the suite instead of adding to it."""
    if _why_not() is None:
        _EARLY["gathering"] = _gathering(tmp)
        _EARLY["gathering"].start()


def stop_early() -> None:
    if (agent := _EARLY.pop("gathering", None)) is not None:
        agent.stop()


@pytest.fixture
def gathering_agent(tmp_path):
    agent = _EARLY.pop("gathering", None)
    if agent is None:
        yield from _running(_gathering(tmp_path))
    else:
        yield agent
        agent.stop()


def test_the_packaged_daemon_sends_what_payload_prints(agent):
    bodies = _wait(lambda: (b := agent.bodies()) and {"START", "ACLK_DISABLED"} <= b.keys() and b, 45,
                   "START and ACLK_DISABLED from the daemon")
    facts = agent.facts(running=False)
    assert facts["netdata_version"].value == "v1.37.1"  # found, not given
    assert payload.build(facts, "START").wire == bodies["START"]
    assert payload.build(facts, "ACLK_DISABLED").wire == bodies["ACLK_DISABLED"]

    running = agent.facts(running=True)
    agent.stop()
    exit_body = _wait(lambda: agent.bodies().get("EXIT"), 10, "EXIT after SIGTERM")
    assert payload.build(running, "EXIT", {"result": "OK"}).wire == exit_body
    for body in (bodies["START"], bodies["ACLK_DISABLED"], exit_body):  # v1.37.1's layout: api_key, no newer members
        assert b'"api_key"' in body and schemas.problems(json.loads(body), channels.schema_for(json.loads(body))) == []


def test_exit_after_the_first_analytics_gathering_is_what_payload_prints(gathering_agent):
    agent = gathering_agent
    meta = _wait(lambda: agent.bodies().get("META_START"), 180, "META_START (the first gathering, 121 s in)")
    running = agent.facts(running=True)
    value = lambda key: running[f"analytics.{key}"].value
    assert [value("alarms_normal"), value("alarms_warning"), value("alarms_critical")] == ["3", "2", "1"]
    assert int(value("host_charts_count")) > 0 and int(value("host_metrics_count")) > 0
    assert int(value("host_collectors_count")) > 0 and value("config_is_parent") == "true"
    assert payload.build(running, "META_START").wire == meta
    agent.stop()
    exit_body = _wait(lambda: agent.bodies().get("EXIT"), 10, "EXIT after SIGTERM")
    assert payload.build(running, "EXIT", {"result": "OK"}).wire == exit_body
    for body in (meta, exit_body):
        assert schemas.problems(json.loads(body), channels.schema_for(json.loads(body))) == []
