"""The suite runs the same from a fresh clone, as root (CI) or not: data comes from the repository, and no test
skips for being root."""

import re
from pathlib import Path

TESTS = Path(__file__).parent
SHARED = "/work/" + "shared"  # the team's notes and captures: not in a clone (what tests need is under tests/data)


def sources() -> dict[str, str]:
    return {str(p.relative_to(TESTS)): p.read_text(encoding="utf-8") for p in sorted(TESTS.rglob("*.py"))}


def test_no_test_reads_the_teams_files_outside_the_repository():
    assert [name for name, text in sources().items() if SHARED in text] == []


def test_no_test_skips_for_running_as_root():
    as_root = re.compile(r"geteuid\(\)\s*==\s*0[^\n]*\n?[^\n]*skip")
    assert [name for name, text in sources().items() if as_root.search(text)] == []
