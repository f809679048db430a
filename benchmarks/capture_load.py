"""Load test for `telemetry-audit capture`: POSTs/s it sustains and proof that no body is lost.

Starts `python -m audit capture` on a free loopback port (its own process), builds distinct real payloads with
audit.channels.backend.assemble.build from invented facts (no two bodies alike, so nothing can be cached), sends them from worker
processes, each with a few threads holding keep-alive http.client connections, then stops the receiver with
SIGINT (as Ctrl-C would) and counts the stored files and index lines.

    .venv/bin/python benchmarks/capture_load.py --posts 5000 --processes 2 --threads 4
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS = ("START", "META", "META_START", "FATAL", "EXIT", "EXPORTING_START", "CRASH")


def bodies(count: int) -> list[bytes]:
    """`count` distinct payloads: several events, facts varied per body."""
    from audit.channels.backend import assemble as payload
    from tests.sample import sample_facts

    out = []
    for i in range(count):
        event = EVENTS[i % len(EVENTS)]
        facts = sample_facts(netdata_version="v2.2.0", host_charts_count=str(300 + i),
                             NETDATA_SYSTEM_TOTAL_RAM=str(25769803776 + i))
        params = {"line": str(i % 9999), "file": "src/daemon/main.c", "function": "netdata_main",
                  "errno": str(i % 40)} if event == "FATAL" else {}
        out.append(payload.build(facts, event, params).wire)
    return out


def _sender(port: int, chunk: list[bytes], threads: int, deadline: float, results) -> None:
    sent = failed = 0
    lock = threading.Lock()
    parts = [chunk[i::threads] for i in range(threads)]

    def work(part: list[bytes]) -> None:
        nonlocal sent, failed
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for body in part:
            if time.monotonic() > deadline:
                break
            try:
                conn.request("POST", "/ingest_agent_events", body=body,
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                sent += ok
                failed += not ok
        conn.close()

    pool = [threading.Thread(target=work, args=(p,)) for p in parts]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((sent, failed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000, help="how many POSTs in all (default 5000)")
    parser.add_argument("--processes", type=int, default=2, help="sender processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="keep-alive connections per process (default 4)")
    parser.add_argument("--max-seconds", type=float, default=60, help="stop sending after this long (default 60)")
    parser.add_argument("--no-validate", action="store_true", help="run capture with --no-validate")
    parser.add_argument("--out", help="capture directory (default: a fresh temporary one)")
    args = parser.parse_args()

    out = Path(args.out or tempfile.mkdtemp(prefix="capture-load-"))
    print(f"building {args.posts} distinct payloads...", file=sys.stderr)
    payloads = bodies(args.posts)
    command = [sys.executable, "-m", "audit", "capture", "--listen", "127.0.0.1:0", "--out", str(out)]
    if args.no_validate:
        command.append("--no-validate")
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
        print(line, end="", file=sys.stderr)
    if port is None:
        print("capture did not start", file=sys.stderr)
        return 2
    stdout_lines = []
    reader = threading.Thread(target=lambda: stdout_lines.extend(server.stdout), daemon=True)
    reader.start()
    errors = []
    err_reader = threading.Thread(target=lambda: errors.extend(server.stderr), daemon=True)
    err_reader.start()

    results = multiprocessing.Queue()
    chunks = [payloads[i::args.processes] for i in range(args.processes)]
    deadline = time.monotonic() + args.max_seconds
    started = time.perf_counter()
    workers = [multiprocessing.Process(target=_sender, args=(port, c, args.threads, deadline, results))
               for c in chunks]
    for w in workers:
        w.start()
    totals = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    sent = sum(s for s, _ in totals)
    failed = sum(f for _, f in totals)

    server.send_signal(signal.SIGINT)
    code = server.wait(timeout=30)
    reader.join(timeout=5)
    err_reader.join(timeout=5)

    stored = sum(1 for p in out.glob("*.body"))
    index = (out / "index.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in index]
    invalid = sum(1 for r in records if r.get("valid") is False)
    lost = sent - stored
    report = {
        "posts_sent_ok": sent, "posts_failed": failed, "seconds": round(elapsed, 3),
        "posts_per_second": round(sent / elapsed, 1), "bodies_stored": stored, "index_lines": len(index),
        "summary_lines": len(stdout_lines), "invalid": invalid, "lost": lost, "validation": not args.no_validate,
        "processes": args.processes, "threads_per_process": args.threads, "capture_exit": code,
        "out": str(out), "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    ok = lost == 0 and failed == 0 and len(index) == sent and len(stdout_lines) == sent
    if not ok:
        print("LOST OR FAILED POSTS", file=sys.stderr)
        print("".join(errors[-5:]), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
