"""Payload engine speed (issue 2 targets), run by hand: `.venv/bin/python benchmarks/payload_speed.py`.

1. every event built in-process from collected facts: target < 5 ms for all of them;
2. `validate` on JSON Lines: target >= 25,000 payloads/s on one core;
3. `telemetry-audit payload START --wire` as a whole process, side by side with the real pipeline it stands for:
   Netdata's own system-info.sh then anonymous-statistics.sh START of `--tag` (default v2.5.4), copied from the
   mirror into a temp dir (system-info.sh's cloud-metadata block deleted, a `curl` stand-in first in PATH that
   stores the body and contacts nothing; tests/realscripts.py). Targets: <= 0.5x (issue 12) and <= 0.4x (issue 14)
   of the real pipeline's time. Bytecode is compiled first (a pip install compiles it; PYTHONDONTWRITEBYTECODE
   would make every run recompile).

    .venv/bin/python benchmarks/payload_speed.py [--tag v2.5.4] [--runs 25]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.channels.backend import assemble as payload  # noqa: E402
from audit.channels.backend import catalog  # noqa: E402
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


def process_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def tool_run(tag: str):
    argv = [*CLI, "payload", "START", "--wire", "--netdata-version", tag]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "audit")], check=True, env=env)
    return lambda: subprocess.run(argv, capture_output=True, check=True, env=env)


def real_pipeline(tag: str, tmp: Path):
    """system-info.sh, then the statistics script with its output as the daemon exports it (START's arguments)."""
    from tests.realscripts import Sandbox

    box = Sandbox(tmp, tag)
    argv, env = payload.daemon_call(gather(FactsRequest(netdata_version=tag, config_dir=str(box.config))), "START")

    def run() -> None:
        exported = box.run_system_info()
        assert box.run_statistics(argv, {**env, **exported}) is not None, "the real script sent nothing"
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="v2.5.4", help="the Netdata release whose scripts are the reference")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    report = {"all_events_in_process_ms": round(build_all_events(), 3),
              "validate_payloads_per_s": round(validate_rate())}
    with tempfile.TemporaryDirectory() as tmp:
        tool, real = tool_run(args.tag), real_pipeline(args.tag, Path(tmp))
        tool(), real()  # warm caches on both sides
        tool_ms, real_ms = process_ms(tool, args.runs), process_ms(real, args.runs)
    report |= {"payload_start_wire_process_ms": round(tool_ms, 1), "real_pipeline_ms": round(real_ms, 1),
               "ratio": round(tool_ms / real_ms, 2), "targets": {"issue 12": 0.5, "issue 14": 0.4}}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
