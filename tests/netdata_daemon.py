"""Debian's packaged Netdata daemon, unmodified, in a private mount and network namespace (test helper).

The daemon gets a private config dir bind-mounted over /etc/netdata (so the packaged opt-out file is hidden or
shown as the test chooses), a network namespace with only loopback (nothing it or its scripts start can leave the
machine), and `curl`/`wget` stand-ins first in PATH that record what the statistics script would send and contact
nothing. Commands that must reach the daemon run in its network namespace through `nsenter`.
"""

import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

NETDATA = "/usr/sbin/netdata"
PLUGINS_DIR = "/usr/lib/netdata/plugins.d"
STOCK_CONFIG = "/usr/lib/netdata/conf.d"
WEB_DIR = "/usr/share/netdata/web"
HOSTNAME = "audit-observed-host"
PORT = 19999  # a fresh network namespace: every port is free
OPT_OUT_FILE = ".opt-out-from-anonymous-statistics"

STAND_IN = """#!/bin/sh
# Records its command line and contacts nothing.
n=$(date +%s%N)
printf '%s\\n' "$0" "$@" > "{sent}/$n.args"
echo 200
exit 0
"""

CONF = """[global]
    run as user = root
    hostname = {hostname}
    memory mode = ram
    history = 600
    update every = 1
[web]
    bind to = 127.0.0.1:{port}
    web files owner = root
    web files group = root
[directories]
    config = /etc/netdata
    stock config = {stock}
    web = {web}
    log = {tmp}/log
    cache = {tmp}/cache
    lib = {tmp}/lib
    home = {tmp}/lib
    plugins = {plugins}
[plugins]
    enable running new plugins = no
    proc = yes
    apps = no
    charts.d = no
    python.d = no
    go.d = no
    diskspace = no
    cgroups = no
    tc = no
    idlejitter = no
    statsd = no
    timex = no
    netdata monitoring = no
[health]
    enabled = no
[ml]
    enabled = no
[environment variables]
    PATH = {stub}:/usr/sbin:/usr/bin:/sbin:/bin
"""


def missing() -> str | None:
    """Why the packaged daemon cannot be run here, or None."""
    if not Path(NETDATA).exists() or not Path(WEB_DIR, "index.html").exists():
        return "Debian's netdata-core and netdata-web are not installed (apt-get install netdata-core netdata-web)"
    if os.geteuid() != 0:
        return "running the packaged daemon in private namespaces needs root"
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (util-linux, iproute2)"
    return None


@dataclass
class Daemon:
    process: subprocess.Popen
    tmp: Path
    url: str

    def in_netns(self) -> list[str]:
        """Prefix for a command that must run in the daemon's network namespace."""
        return ["nsenter", "-t", str(self.process.pid), "-n", "--"]

    def script_sends(self) -> list[list[str]]:
        """The command lines the curl/wget stand-ins recorded (what the statistics script tried to send)."""
        return [p.read_text().splitlines() for p in sorted((self.tmp / "sent").glob("*.args"))]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(tmp: Path, opted_out: bool, extra_conf: str = "", timeout: float = 30) -> Daemon:
    etc, stub, sent = tmp / "etc", tmp / "stub", tmp / "sent"
    for d in (etc, stub, sent, tmp / "log", tmp / "cache", tmp / "lib"):
        d.mkdir(parents=True)
    for name in ("curl", "wget"):
        (stub / name).write_text(STAND_IN.format(sent=sent))
        (stub / name).chmod(0o755)
    (etc / "netdata.conf").write_text(CONF.format(hostname=HOSTNAME, port=PORT, stock=STOCK_CONFIG, web=WEB_DIR,
                                                  tmp=tmp, plugins=PLUGINS_DIR, stub=stub) + extra_conf)
    if opted_out:
        (etc / OPT_OUT_FILE).touch()
    env = {"PATH": f"{stub}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp / "lib"), "VIRTUALIZATION": "none",
           "LC_ALL": "C"}
    script = (f"ip link set lo up && mount --bind {etc} /etc/netdata && "
              f"exec {NETDATA} -D -c /etc/netdata/netdata.conf -u root")
    with open(tmp / "daemon.out", "wb") as log:
        process = subprocess.Popen(["unshare", "-m", "-n", "--", "sh", "-c", script], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    daemon = Daemon(process, tmp, f"http://127.0.0.1:{PORT}")
    _wait_until_serving(daemon, timeout)
    return daemon


def _wait_until_serving(daemon: Daemon, timeout: float) -> None:
    probe = daemon.in_netns() + ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  daemon.url + "/api/v1/registry?action=hello"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.process.poll() is not None:
            raise RuntimeError("netdata exited: " + (daemon.tmp / "daemon.out").read_text()[-2000:])
        if subprocess.run(probe, capture_output=True, text=True).stdout == "200":
            return
        time.sleep(0.2)
    daemon.stop()
    raise RuntimeError(f"netdata did not answer within {timeout}s")
