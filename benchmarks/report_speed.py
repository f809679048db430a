"""`telemetry-audit report --json` as a whole process, median wall time (issue 21: the one verdict engine must cost
no more than before), run by hand:

    .venv/bin/python benchmarks/report_speed.py [--runs 15]

Runs the report of this machine with the installed package's interpreter; bytecode is compiled first.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time


def once() -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "audit", "report", "--json"], capture_output=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"report --json exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "audit"], check=True)
    once()  # warm the page cache
    times = [once() for _ in range(args.runs)]
    print(json.dumps({"report_json_process_median_ms": round(statistics.median(times) * 1000, 1),
                      "runs": args.runs, "min_ms": round(min(times) * 1000, 1)}))


if __name__ == "__main__":
    main()
