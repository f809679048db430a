"""agent-events body speed (issue 11 target), run by hand: `.venv/bin/python benchmarks/agent_events_speed.py`.

Every exit cause's body built in-process from collected facts (system-info facts and the machine's ids, DMI,
memory and disk, gathered once): target < 5 ms for all 27. Also: one saved status file parsed and posted.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.channels.agent_events import channel as agent_events  # noqa: E402
from audit.channels.agent_events.machine import collect  # noqa: E402
from audit.facts.collect import FactsRequest, gather  # noqa: E402
from audit.plumbing.system import System  # noqa: E402

SAVED = Path(__file__).resolve().parent.parent / "tests/data/agent-events-v2.11.0/status-before-killed-hard.json"


def timings_ms(work, rounds: int) -> tuple[float, float]:
    """(best, median) of `rounds` runs: the best is what the code costs, the median adds what else the machine
    was doing (timeit's advice: other processes only ever add time)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, statistics.median(times) * 1000


def main() -> None:
    facts = gather(FactsRequest())
    params = {"machine": collect(System())}
    causes = [c.name for c in agent_events.events()]

    def every_cause() -> None:
        for name in causes:
            agent_events.build(facts, name, params)

    raw = SAVED.read_bytes()
    best, median = timings_ms(every_cause, 300)
    saved, _ = timings_ms(lambda: agent_events.build_saved(raw, "saved", facts), 500)
    print(f"all {len(causes)} causes from collected facts: best {best:.2f} ms, median {median:.2f} ms "
          f"(target < 5 ms: {'OK' if best < 5 else 'SLOW'})")
    print(f"one saved status file -> body: best {saved:.3f} ms")


if __name__ == "__main__":
    main()
