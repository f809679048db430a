"""`telemetry-audit report --json` as a whole process, median wall time (issue 21: the one verdict engine must cost
no more than before), run by hand:

    .venv/bin/python benchmarks/report_speed.py [--runs 15]

Runs the report of this machine with the installed package's interpreter; bytecode is compiled first. Besides the
wall time it prints the process's CPU time (user + system), which other load on a shared machine disturbs less.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once() -> tuple[float, float]:
    """(wall, cpu) seconds of one `report --json` process."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "audit", "report", "--json"], capture_output=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"report --json exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return took, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "audit"], check=True)
    once()  # warm the page cache
    runs = [once() for _ in range(args.runs)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(json.dumps({"report_json_process_median_ms": round(statistics.median(walls) * 1000, 1),
                      "min_ms": round(min(walls) * 1000, 1),
                      "cpu_median_ms": round(statistics.median(cpus) * 1000, 1), "runs": args.runs}))


if __name__ == "__main__":
    main()
