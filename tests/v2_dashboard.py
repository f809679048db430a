"""The v2 dashboard that Netdata v1.47.0 bundled, extracted from the netdata/netdata mirror into a temp dir at test
time (never committed), and a loopback stand-in for the agent's web server that serves it (test helper).

Debian's 1.37.1 daemon can serve any web dir, but its registry hello has no `agent` object, and v1.47's
v2/index.html reads `data.agent.machine_guid` from it: against 1.37.1 the page stops at the hello and loads no
dashboard code (v1.37.1:registry/registry.c registry_request_hello_json). So the stand-in answers the hello as
v1.47.0's daemon does (v1.47.0:src/registry/registry.c:164-212), with anonymous_statistics=false when the opt-out
file exists in its config dir (as the daemon decides at start), and serves the bundle's files; every other API
call answers 404 (the dashboard's error paths).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.mirror import HOW, MIRROR, present
TAG = "v1.47.0"
V2_DIR = "src/web/gui/v2"
OPT_OUT_FILE = ".opt-out-from-anonymous-statistics"


def missing() -> str | None:
    if not present():
        return f"no Netdata mirror at {MIRROR}: the v1.47.0 bundle is read from it: {HOW}"
    r = subprocess.run(["git", "-C", str(MIRROR), "cat-file", "-e", f"{TAG}:{V2_DIR}/index.html"],
                       capture_output=True)
    return None if r.returncode == 0 else f"the mirror at {MIRROR} has no {TAG}:{V2_DIR}"


def extract(dest: Path) -> Path:
    """The bundle's files under dest/v2 and the root loader as dest/index.html (the few blobs public mirrors lack
    are skipped)."""
    root = subprocess.run(["git", "-C", str(MIRROR), "show", f"{TAG}:src/web/gui/index.html"], capture_output=True,
                          check=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "index.html").write_bytes(root)
    names = subprocess.run(["git", "-C", str(MIRROR), "ls-tree", "-r", "--name-only", TAG, "--", V2_DIR],
                           capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        blob = subprocess.run(["git", "-C", str(MIRROR), "show", f"{TAG}:{name}"], capture_output=True)
        if blob.returncode == 0:
            target = dest / "v2" / name[len(V2_DIR) + 1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
    return dest


def bundle_file(pattern: str) -> bytes:
    """One file of the bundle by glob (e.g. '7471.*.chunk.js'), read from the mirror."""
    names = subprocess.run(["git", "-C", str(MIRROR), "ls-tree", "-r", "--name-only", TAG, "--", V2_DIR],
                           capture_output=True, text=True, check=True).stdout.split()
    [name] = [n for n in names if Path(n).match(pattern)]
    return subprocess.run(["git", "-C", str(MIRROR), "show", f"{TAG}:{name}"], capture_output=True, check=True).stdout


def hello(machine_guid: str, hostname: str, opted_out: bool, registry: str, cloud_base_url: str) -> dict:
    """v1.47.0's registry hello, member for member (no node_id: an unclaimed agent)."""
    return {"action": "hello", "status": "ok", "hostname": hostname, "machine_guid": machine_guid,
            "agent": {"machine_guid": machine_guid, "bearer_protection": False}, "cloud_status": "available",
            "cloud_base_url": cloud_base_url, "registry": registry, "anonymous_statistics": not opted_out,
            "X-Netdata-Auth": True, "nodes": [{"machine_guid": machine_guid, "hostname": hostname}]}


SERVER = r'''
import http.server, json, os, sys
from pathlib import Path
web, config_dir, answer_file, port_file = sys.argv[1:5]
answer = json.loads(Path(answer_file).read_text())
answer["anonymous_statistics"] = not os.path.exists(os.path.join(config_dir, ".opt-out-from-anonymous-statistics"))
class Agent(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=web, **k)
    def do_POST(self):  # recorded: a push whose destination ([cloud] url) is this server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        with open(port_file + ".posts", "a") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        self.send_response(204); self.end_headers()
    def do_OPTIONS(self):  # the browser's CORS preflight for a JSON POST
        self.send_response(204)
        for name in ("Origin", "Headers", "Methods"):
            self.send_header("Access-Control-Allow-" + name, "*")
        self.end_headers()
    def do_GET(self):
        if self.path.startswith("/api/v1/registry?action=hello"):
            body = json.dumps(answer).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        elif self.path.startswith("/api/"):
            self.send_error(404)
        else:
            super().do_GET()
    def log_message(self, *a): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Agent)
if answer["cloud_base_url"] == "SELF":  # [cloud] url pointed at this host
    answer["cloud_base_url"] = f"http://127.0.0.1:{server.server_port}"
Path(port_file).write_text(str(server.server_port))
server.serve_forever()
'''


def serve_command(web: Path, config_dir: Path, answer: dict, tmp: Path) -> tuple[list[str], Path]:
    """The command that serves `web` like a v1.47 agent, and the file it writes its port to once listening."""
    (tmp / "hello.json").write_text(json.dumps(answer))
    (tmp / "server.py").write_text(SERVER)
    port_file = tmp / "port"
    return [sys.executable, str(tmp / "server.py"), str(web), str(config_dir), str(tmp / "hello.json"),
            str(port_file)], port_file
