"""Five sysroots that stand for five hosts of a fleet (used by the report, fleet and Ansible tests).

Each host: its sysroot files, the Netdata version the inventory gives (--netdata-version: commands are not run under
--root), the environment the inventory declares, and what the report must say per channel today. The agent-events
channel sends from v2.4 unless opted out and never claimed, or `[global] crash reports = off`.
"""

import json
from pathlib import Path

OPT_OUT = "etc/netdata/.opt-out-from-anonymous-statistics"
CLAIM_ID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
CLAIM_TOKEN = "tok-9f8e7d6c5b4a39281706"

HOSTS = {
    # Debian's own package ships the opt-out file.
    "deb-pkg": {
        "version": "v1.37.1",
        "env": {},
        "files": {"etc/hostname": "deb-pkg\n", "usr/sbin/netdata": "", OPT_OUT: "",
                  "etc/netdata/netdata.conf": "[global]\n    run as user = netdata\n",
                  "etc/os-release": 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'},
        "expect": {"backend": "suppressed", "installer": "not applicable", "dashboard": "suppressed",
                   "agent-events": "inactive"},
    },
    # A claimed v2.11 agent with the opt-out file: its saved status names the claim id, so agent-events still
    # sends (the opt-out file does not stop it) until the fix sets [global] crash reports = off.
    "cloud-claimed": {
        "version": "v2.11.0",
        "env": {},
        "files": {"etc/hostname": "cloud-claimed\n", "usr/sbin/netdata": "", OPT_OUT: "",
                  "var/lib/netdata/status-netdata.json": json.dumps(
                      {"version": 29, "agent": {"claim_id": CLAIM_ID, "node_id": None, "status": "running"}}),
                  "var/lib/netdata/cloud.d/claimed_id": CLAIM_ID + "\n"},
        "expect": {"backend": "inactive", "installer": "not applicable", "dashboard": "sends",
                   "agent-events": "sends"},
    },
    # An old agent whose admin relies on DO_NOT_TRACK=1 (declared in the inventory, not in any file).
    "dnt-only": {
        "version": "v1.43.0",
        "env": {"DO_NOT_TRACK": "1"},
        "files": {"etc/hostname": "dnt-only\n", "opt/netdata/bin/netdata": "",
                  "etc/netdata/.install-type": "INSTALL_TYPE='kickstart-static'\n"},
        "expect": {"backend": "suppressed", "installer": "suppressed", "dashboard": "sends",
                   "agent-events": "inactive"},
    },
    # Installed with a claim token that the installer recorded in clear text, on an image whose os-release names
    # its builder (an e-mail address the START event would carry).
    "token-host": {
        "version": "v2.5.4",
        "env": {},
        "files": {"etc/hostname": "token-host\n", "usr/sbin/netdata": "",
                  # the daemon runs the statistics script only when it is in its plugins dir (issue 21)
                  "usr/libexec/netdata/plugins.d/anonymous-statistics.sh": "#!/bin/sh\n",
                  "etc/os-release": 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'
                                    'VERSION="12 (image by ops@example.com)"\n',
                  "etc/netdata/.install-type": "INSTALL_TYPE='kickstart-static'\n",
                  "etc/netdata/.environment":
                      f'REINSTALL_OPTIONS="--stable-channel --claim-token {CLAIM_TOKEN} --claim-rooms r1"\n'},
        "expect": {"backend": "sends", "installer": "sends", "dashboard": "sends", "agent-events": "sends"},
    },
    # No Netdata at all.
    "bare": {
        "version": None,
        "env": {},
        "files": {"etc/hostname": "bare\n", "etc/os-release": 'NAME="Debian GNU/Linux"\nID=debian\n'},
        "expect": {"backend": "no agent", "installer": "no agent", "dashboard": "no agent",
                   "agent-events": "no agent"},
    },
}


def build(base: Path) -> dict[str, Path]:
    """Each host's sysroot under base/<name>; returns name -> root."""
    roots = {}
    for name, host in HOSTS.items():
        root = base / name
        for rel, text in host["files"].items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (root / "etc/netdata").mkdir(parents=True, exist_ok=True) if host["version"] else None
        roots[name] = root
    return roots


def report_args(name: str, root: Path) -> list[str]:
    host = HOSTS[name]
    args = ["report", "--json", "--root", str(root), "--env-file", "/etc/environment"]
    args += ["--netdata-version", host["version"]] if host["version"] else []
    args += [f"--env={k}={v}" for k, v in host["env"].items()]
    return args
