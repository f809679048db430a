"""`history` over a 100 MB daemon.log (issue 23 target: under 2 s, memory flat), run by hand:
`.venv/bin/python benchmarks/history_speed.py [SIZE_MB]`.

Two 100 MB logs built from the real v2.11.0 daemon.log of six starts (tests/data/history-v2.11.0):
- "ordinary": the real log, then its ordinary lines (no start records) repeated to the size: a daemon that ran a
  long time between restarts, the usual shape;
- "dense": the whole log repeated (a start every 28 KB, ~3,700 of them: a crash loop). Its repeats are the same
  starts, which count once.
Each run is a fresh `telemetry-audit history --json` process under --root; wall time, CPU time and peak RSS (from
wait4) are compared with the same command over the 168 KB original: memory flat means the peak does not grow with
the log (it is read in 8 MiB chunks and only the lines with a record are kept).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests/data/history-v2.11.0/root"
LOG = "srv/nd/log/daemon.log"


def run(root: Path) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB, rows) of one history run."""
    command = [sys.executable, "-c", "import sys; from audit.faces.cli import main; sys.exit(main())", "history", "--json", "--root", str(root),
               "--config-dir", "/srv/nd/etc"]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"history failed with {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, out.count(b'"channel": ')


def grown(target: Path, size: int, dense: bool) -> None:
    one = (FIXTURE / LOG).read_bytes()
    filler = one if dense else b"".join(line for line in one.splitlines(keepends=True) if b"msg_id=1e6061a9" not in line)
    with open(target / LOG, "wb") as f:
        f.write(one)
        written = len(one)
        while written < size:
            f.write(filler)
            written += len(filler)


def show(name: str, r: tuple) -> str:
    return f"{name}: wall {r[0]:.2f} s, CPU {r[1]:.2f} s, peak RSS {r[2]} MiB, {r[3]} rows"


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small"
        shutil.copytree(FIXTURE, small)
        base = min((run(small) for _ in range(3)), key=lambda r: r[0])
        print(show("the 168 KB real log", base))
        for dense in (False, True):
            big = Path(tmp) / f"big-{dense}"
            shutil.copytree(FIXTURE, big)
            grown(big, size_mb * 1024 * 1024, dense)
            actual = (big / LOG).stat().st_size / 2**20
            best = min((run(big) for _ in range(3)), key=lambda r: r[0])
            print(show(f"a {actual:.0f} MiB {'dense' if dense else 'ordinary'} log", best) +
                  f" (target < 2 s: {'OK' if best[0] < 2 else 'SLOW'}; peak RSS {best[2] - base[2]:+d} MiB)")
            shutil.rmtree(big)


if __name__ == "__main__":
    main()
