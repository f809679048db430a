"""Payload engine speed (issue 2 targets), run by hand: `.venv/bin/python benchmarks/payload_speed.py`.

1. every event built in-process from collected facts: target < 5 ms for all of them;
2. `validate` on JSON Lines: target >= 25,000 payloads/s on one core;
3. `telemetry-audit payload START --wire` as a whole process, against a reference command if given
   (`--reference CMD`: e.g. a wrapper that runs Netdata's system-info.sh, its cloud block removed, then
   anonymous-statistics.sh to a loopback sink; target: no slower than the reference).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import catalog, payload  # noqa: E402
from audit.facts.collect import FactsRequest, gather  # noqa: E402

CLI = [sys.executable, "-m", "audit"]


def build_all_events(rounds: int = 200) -> float:
    facts = gather(FactsRequest())
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for name in catalog.EVENTS:
            payload.build(facts, name)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def validate_rate(count: int = 200_000) -> float:
    facts = gather(FactsRequest(netdata_version="v2.2.0"))
    lines = [payload.build(facts, name).wire.replace(b"\n", b"") for name in catalog.EVENTS]
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        for i in range(count):
            f.write(lines[i % len(lines)] + b"\n")
    try:
        start = time.perf_counter()
        done = subprocess.run([*CLI, "validate", "-q", f.name], capture_output=True)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(f.name)
    assert done.returncode == 0, done.stdout[-500:]
    return count / elapsed


def process_ms(argv: list[str], runs: int = 15, shell: bool = False) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, shell=shell, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", metavar="CMD", help="reference pipeline command to time against")
    args = parser.parse_args()
    report = {"all_events_in_process_ms": round(build_all_events(), 3),
              "validate_payloads_per_s": round(validate_rate()),
              "payload_start_wire_process_ms": round(process_ms(
                  [sys.executable, "-m", "audit", "payload", "START", "--wire", "--netdata-version", "v2.5.4"]), 1)}
    if args.reference:
        report["reference_process_ms"] = round(process_ms(args.reference, shell=True), 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
