"""How fast the TUI feels: launch -> first screen drawn, and a parameter edit -> payload refreshed.

1. Launch: starts `python -m audit tui --facts F` in a pseudo-terminal (80x24) as a user would, and times
   (a) the first frame written to the terminal and (b) the first frame showing a built payload (the status line's
   "bytes"), from just before the process is spawned. Target: (b) < 1.5 s. Repeated --runs times.
2. Edit: in-process (Textual's headless driver), on FATAL, delivers one key press (a digit) to the focused `line`
   field as the terminal driver would and times until the Wire view holds the new bytes (a lone edit is rebuilt at
   once, a burst after its last key; the terminal is repainted on the next frame after that). Target < 50 ms.
   Also times the rebuild itself.

    .venv/bin/python benchmarks/tui_speed.py --runs 5 --edits 40
"""

import argparse
import asyncio
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LAUNCH_TARGET = 1.5
EDIT_TARGET = 0.050


def facts_file(folder: str) -> str:
    from sample import sample_facts

    from audit.facts import snapshot

    path = Path(folder) / "facts.json"
    path.write_text(snapshot.dumps(sample_facts()), encoding="utf-8")
    return str(path)


def launch_once(facts: str, journal: str, timeout: float = 20.0) -> tuple[float, float]:
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: the app, exactly as a user starts it
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "80", "24"
        os.execv(sys.executable, [sys.executable, "-m", "audit", "tui", "--facts", facts, "--journal", journal,
                                  "--endpoint", "http://127.0.0.1:9/never"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    first = payload = None
    seen = b""
    try:
        while payload is None and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            now = time.perf_counter() - start
            seen += chunk
            if first is None and b"telemetry-audit" in seen:
                first = now
            if b"bytes" in seen and b"sha256" in seen:
                payload = now
        if payload is None:
            raise SystemExit(f"no payload drawn within {timeout} s; last output: {seen[-400:]!r}")
    finally:
        os.write(fd, b"q")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        os.close(fd)
    return first or payload, payload


async def edits(facts: str, journal: str, count: int) -> tuple[list[float], list[float]]:
    from textual import events

    from audit.facts.collect import FactsRequest
    from audit.faces.tui import TuiOptions
    from audit.faces.tui.app import TelemetryAuditApp
    from audit.faces.tui.screens import MainScreen

    app = TelemetryAuditApp(TuiOptions(FactsRequest(facts_file=facts), "http://127.0.0.1:9/never", journal))
    latencies, rebuilds = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        while not (isinstance(screen, MainScreen) and screen.built is not None):
            await pilot.pause(0.01)
            screen = app.screen
        screen.query_one("#events").select_event("FATAL")
        while screen.built is None or screen.built.event != "FATAL":
            await pilot.pause(0.005)
        line = screen.query_one("#param-line")
        line.focus()
        line.value = ""
        await pilot.pause(0.1)
        wire = screen.query_one("#wire-text")
        for i in range(count):
            digit = str(i % 10)
            want = f'"action_data": "{int(line.value + digit):04d}@'
            start = time.perf_counter()
            app.post_message(events.Key(digit, digit))
            while want not in wire.text:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - start)
            await pilot.pause()
            if len(line.value) > 6:
                line.value = ""
                await pilot.pause(0.05)
        for _ in range(count):
            start = time.perf_counter()
            screen.rebuild()
            rebuilds.append(time.perf_counter() - start)
        await pilot.press("escape", "q")
    return latencies, rebuilds


from audit.faces.tui.screens import DEBOUNCE  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches to time")
    parser.add_argument("--edits", type=int, default=40, help="edits to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        facts, journal = facts_file(folder), str(Path(folder) / "journal.jsonl")
        launches = [launch_once(facts, journal) for _ in range(args.runs)]
        firsts = [f for f, _ in launches]
        payloads = [p for _, p in launches]
        latencies, rebuilds = asyncio.run(edits(facts, journal, args.edits))
    print(f"launch -> first frame:        median {statistics.median(firsts):.3f} s  max {max(firsts):.3f} s")
    print(f"launch -> payload drawn:      median {statistics.median(payloads):.3f} s  max {max(payloads):.3f} s"
          f"  (target < {LAUNCH_TARGET} s) {'OK' if max(payloads) < LAUNCH_TARGET else 'SLOW'}")
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    print(f"edit -> wire view refreshed:  median {ms(statistics.median(latencies))}  p95 {ms(p95)}"
          f"  max {ms(max(latencies))}  (target < {ms(EDIT_TARGET)}; a burst waits {ms(DEBOUNCE)} after its last key)"
          f" {'OK' if p95 < EDIT_TARGET else 'SLOW'}")
    print(f"rebuild alone (build + views): median {ms(statistics.median(rebuilds))}  max {ms(max(rebuilds))}")
    return 0 if max(payloads) < LAUNCH_TARGET and p95 < EDIT_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
