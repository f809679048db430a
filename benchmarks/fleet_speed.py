"""`fleet` speed and memory (issue 15 target: 10,000 host reports in < 2 s on one core, memory flat), run by hand:
`.venv/bin/python benchmarks/fleet_speed.py [--hosts 10000]`.

Generates host reports from one real `report --json` document (varying host names, versions and verdicts so the
tally has work to do), then runs `telemetry-audit fleet DIR --json` as a whole process pinned to one core, for
1/10 of the hosts and for all of them: the wall time, CPU time and peak RSS of each. Flat memory means the peak
RSS barely grows with ten times the documents (only the tally's host-name lists grow).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fleet_hosts  # noqa: E402

VERSIONS = ["v1.37.1", "v1.43.0", "v1.44.3", "v2.2.6", "v2.5.4", "v2.11.0"]


def template(tmp: Path) -> dict:
    roots = fleet_hosts.build(tmp / "hosts")
    out = subprocess.run([sys.executable, "-m", "audit", *fleet_hosts.report_args("token-host", roots["token-host"])],
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def generate(doc: dict, folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        doc["host"] = f"node-{i:05d}.example.net"
        doc["agent"]["version"]["value"] = VERSIONS[i % len(VERSIONS)]
        sends = i % 7 == 0
        for channel in doc["channels"].values():
            channel["sends"], channel["state"] = (True, "sends") if sends else (False, "suppressed")
        doc["sends"] = sorted(doc["channels"]) if sends else []
        doc["install_options"]["claim_token"] = i % 100 == 0
        (folder / f"node-{i:05d}.json").write_text(json.dumps(doc, indent=2))


def run_fleet(folder: Path) -> tuple[float, float, float, int]:
    """Wall seconds (whole process, and inside main()), CPU seconds and peak RSS (KiB) of one `fleet` process
    pinned to one core."""
    pin = ["taskset", "-c", "0"] if os.path.exists("/usr/bin/taskset") else []
    script = ("import resource, sys, time; from audit.faces.cli import main; t = time.perf_counter(); "
              "code = main(['fleet', sys.argv[1], '--json']); "
              "sys.stderr.write(f'{time.perf_counter() - t} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'); "
              "sys.exit(code)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*pin, sys.executable, "-c", script, str(folder)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 1, done.stderr[-500:]  # some hosts send
    tally = json.loads(done.stdout)
    assert tally["errors"] == [] and tally["documents"] == len(list(folder.iterdir()))
    inside, rss = done.stderr.split()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, float(inside), cpu, int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        doc = template(Path(tmp))
        size = len(json.dumps(doc, indent=2))
        for count in (args.hosts // 10, args.hosts):
            folder = Path(tmp) / f"reports-{count}"
            generate(doc, folder, count)
            runs = sorted(run_fleet(folder) for _ in range(args.runs))
            wall, inside, cpu, rss = runs[len(runs) // 2]  # the median run by wall time
            print(f"fleet over {count:>6} host reports ({size:,} bytes each), median of {args.runs}: {wall:.2f} s "
                  f"wall ({inside:.2f} s in main), {cpu:.2f} s CPU on one core, peak RSS {rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
