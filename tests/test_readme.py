"""The README's exit-code table says what the code does: the same codes as `Exit`, and each send refusal it names
exits with the code of the row that names it."""

import re
from pathlib import Path

import pytest

from audit.faces.cli import main
from audit.plumbing.errors import Exit
from audit.facts.snapshot import dumps
from tests.sample import sample_facts

README = Path(__file__).resolve().parent.parent / "README.md"


def exit_table() -> dict[int, tuple[str, str]]:
    """{exit code: (Exit member name, meaning)} from the README's table."""
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| (.+) \|$", text, re.MULTILINE)
    assert rows, "the README has no exit-code table"
    return {int(code): (name, meaning) for code, name, meaning in rows}


def row_naming(phrase: str) -> int:
    found = [code for code, (_, meaning) in exit_table().items() if phrase in meaning]
    assert len(found) == 1, f"{phrase!r} is in the README's exit-code rows {found}, expected in exactly one"
    return found[0]


def test_the_table_lists_every_exit_code_by_its_name():
    assert {code: name for code, (name, _) in exit_table().items()} == {int(e): e.name for e in Exit}


@pytest.fixture
def send(httpserver, tmp_path):
    """Run `send` against a loopback server from an agent's config dir; returns (exit code, requests received)."""
    httpserver.expect_request("/ingest").respond_with_data("ok")
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "netdata.conf").touch()
    (tmp_path / "not-an-agent").mkdir()

    def run(*extra: str, facts=None, config_dir="agent") -> tuple[int, int]:
        snapshot = tmp_path / "facts.json"
        snapshot.write_text(dumps(facts or sample_facts()))
        code = main(["send", "START", "--facts", str(snapshot), "--config-dir", str(tmp_path / config_dir),
                     "--endpoint", httpserver.url_for("/ingest"), "--journal", str(tmp_path / "j.jsonl"), *extra])
        return code, len(httpserver.log)

    return run


def test_a_send_refused_by_the_opt_out_exits_as_the_table_says(send, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    assert send("--yes") == (row_naming("opted out"), 0)


def test_a_send_of_invalid_json_exits_as_the_table_says(send):
    assert send("--yes", facts=sample_facts(NETDATA_SYSTEM_CPU_MODEL='Xeon "Gold"')) == \
        (row_naming("not valid JSON without `--allow-invalid`"), 0)


def test_a_send_from_a_config_dir_that_is_not_an_agents_exits_as_the_table_says(send):
    assert send("--yes", config_dir="not-an-agent") == (row_naming("a `--config-dir` that is not an agent's"), 0)


def test_a_send_without_yes_or_a_terminal_exits_as_the_table_says(send):
    assert send() == (row_naming("no `--yes` without a terminal"), 0)


def test_a_send_that_is_made_exits_as_the_table_says(send):
    assert send("--yes") == (row_naming("done, nothing found"), 1)


def test_the_readmes_skip_command_deselects_every_test_that_runs_the_packaged_daemon():
    """`pytest -m "not real_agent"` (as the README says) leaves no test of test_real_agent.py and none that uses
    test_observe_browser.py's `observed` fixture (its tests carry that fixture's case in their ids)."""
    import subprocess
    import sys

    import test_observe_browser

    assert '-m "not real_agent"' in README.read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "--collect-only",
                           "-q", "-m", "not real_agent", "tests/test_real_agent.py", "tests/test_observe_browser.py"],
                          cwd=README.parent, capture_output=True, text=True, timeout=120)
    kept = [line for line in done.stdout.splitlines() if "::" in line]
    assert kept, done.stdout + done.stderr
    assert not [test for test in kept if "test_real_agent.py" in test
                or any(f"[{case}]" in test for case in test_observe_browser.CASES)]
