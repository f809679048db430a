"""Output that cannot be written (a full disk, a closed pipe, an I/O error) is one line on stderr and exit 2.

Every command runs as its own process, as a user runs it, so what Python does at exit (flushing stdout once
more, printing "Exception ignored ...") is seen too.
"""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import hidden_agent
import pytest

from audit.plumbing import journal
from audit.faces.cli import main
from audit.facts.snapshot import dumps
from tests.sample import sample_facts

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STDOUT_ERRORS = {"full disk": "No space left on device", "closed pipe": "Broken pipe"}


# Every command that writes to stdout, with inputs that make it succeed (the words in capitals are filled in below).
COMMANDS = {
    "payload --wire": "payload START --wire FACTS",
    "payload --json": "payload START --json FACTS",
    "facts": "facts FACTS",
    "facts --json": "facts --json FACTS",
    "report": "report FACTS",
    "report --json": "report --json FACTS",
    "journal": "journal JOURNAL",
    "journal --json": "journal --json JOURNAL",
    "opt-out": "opt-out --config-dir CFG --netdata-version v2.5.4",
    "opt-out --json": "opt-out --json --config-dir CFG --netdata-version v2.5.4",
    "opt-out --apply --dry-run": "opt-out --apply --dry-run --config-dir CFG --netdata-version v2.5.4",
    "payload agent-events": "payload --channel agent-events CAUSE --netdata-version v2.5.4 FACTS",
    "payload installer": "payload --channel installer INSTALL_SUCCESS FACTS",
    "codes": "codes",
    "codes --json": "codes --json",
    "explain": "explain START.wire",
    "explain --json": "explain --json START.wire",
    "check": "check START FACTS",
    "check --json": "check START --json FACTS",
    "diff": "diff START.wire META.wire",
    "validate": "validate START.json",
    "fleet": "fleet REPORTS",
    "fleet --json": "fleet --json REPORTS",
    "fleet --html": "fleet --html REPORTS",
    "docs": "docs --out DOCS --force",
    "suppress": "suppress START FACTS JOURNAL",
    "--help": "--help",
    "payload --help": "payload --help",
    "--version": "--version",
}


@pytest.fixture(scope="module")
def words(tmp_path_factory) -> dict[str, list[str]]:
    """A facts snapshot, an agent's config dir, a journal with one decision, one host report, example payloads."""
    base = tmp_path_factory.mktemp("inputs")
    (base / "facts.json").write_text(dumps(sample_facts()))
    (base / "cfg").mkdir()
    (base / "cfg" / "netdata.conf").touch()
    (base / "reports").mkdir()
    words = {"FACTS": ["--facts", str(base / "facts.json"), "--config-dir", str(base / "cfg")],
             "CFG": [str(base / "cfg")], "JOURNAL": ["--journal", str(base / "journal.jsonl")],
             "REPORTS": [str(base / "reports")], "DOCS": [str(base / "docs")], "CAUSE": ["killed hard"],
             **{name: [str(EXAMPLES / "payloads" / name)] for name in ("START.wire", "META.wire", "START.json")}}
    assert run(command("suppress", words), "file", base / "suppress.out").returncode == 0
    run(command("report --json", words), "file", base / "reports" / "host.json")
    assert json.loads((base / "reports" / "host.json").read_text())["host"]
    return words


def command(name: str, words: dict[str, list[str]]) -> list[str]:
    return [part for word in COMMANDS[name].split() for part in words.get(word, [word])]


def run(argv: list[str], sink: str, path: Path | None = None) -> subprocess.CompletedProcess:
    """The command with stdout on `sink`: a file, /dev/full, or a pipe whose reader has gone."""
    command = [sys.executable, *hidden_agent.CLI, *argv]
    if sink == "file":
        with open(path, "wb") as out:
            return subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
    if sink == "full disk":
        with open("/dev/full", "wb") as out:
            return subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(command, stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)


def assert_one_line_error(done: subprocess.CompletedProcess, reason: str) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert lines.count(f"telemetry-audit: error: cannot write to stdout: {reason}") == 1, done.stderr
    assert all(line.startswith("telemetry-audit: ") for line in lines), done.stderr  # no traceback, no
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr  # noise at exit


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")


@needs_dev_full
@pytest.mark.parametrize("sink", STDOUT_ERRORS)
@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_whose_output_cannot_be_written_says_so_in_one_line(words, name, sink):
    assert_one_line_error(run(command(name, words), sink), STDOUT_ERRORS[sink])


@needs_dev_full
@pytest.mark.parametrize("sink", STDOUT_ERRORS)
def test_a_send_whose_report_cannot_be_written_is_still_journaled_as_sent(httpserver, tmp_path, words, sink):
    httpserver.expect_oneshot_request("/ingest", method="POST").respond_with_data("ok")
    journal_file = tmp_path / "j.jsonl"
    done = run(["send", "START", *words["FACTS"], "--endpoint", httpserver.url_for("/ingest"),
                "--journal", str(journal_file), "--yes"], sink)
    assert_one_line_error(done, STDOUT_ERRORS[sink])
    assert len(httpserver.log) == 1
    items, damaged = journal.entries(str(journal_file))
    assert [e["state"] for e in journal.latest(items)] == ["sent"] and damaged == []


def test_stdout_closed_from_the_start_is_an_error_too():
    done = subprocess.run(["sh", "-c", '"$@" >&-', "sh", sys.executable, *hidden_agent.CLI, "codes"],
                          stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr == "telemetry-audit: error: cannot write to stdout: it is closed\n"


def test_an_io_error_on_stdout_is_reported_like_the_others(monkeypatch, capsys):
    class FailingStdout:
        def write(self, text):
            raise OSError(errno.EIO, os.strerror(errno.EIO))

        def flush(self):
            pass

        def fileno(self):
            raise ValueError("no descriptor")  # nothing to point at /dev/null

    monkeypatch.setattr(sys, "stdout", FailingStdout())
    assert main(["codes"]) == 2
    assert capsys.readouterr().err == "telemetry-audit: error: cannot write to stdout: Input/output error\n"


def test_commands_write_only_through_the_output_layer():
    """No print() and no direct use of sys.stdout/sys.stderr's writing methods in the commands or the CLI, so a
    command added later gets the same handling of write errors."""
    import ast

    import audit.faces.cli
    from audit.faces.commands import output

    writers = {"write", "writelines", "flush", "buffer"}
    folder = Path(output.__file__).parent
    for path in [Path(audit.faces.cli.__file__), *sorted(folder.glob("*.py"))]:
        if path.name == "output.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{path.name}:{node.lineno}: print() bypasses audit.faces.commands.output"
            if isinstance(node, ast.Attribute) and node.attr in writers and isinstance(node.value, ast.Attribute) \
                    and node.value.attr in ("stdout", "stderr"):
                assert False, f"{path.name}:{node.lineno}: sys.{node.value.attr}.{node.attr} bypasses the output layer"
            if isinstance(node, ast.Name) and node.id in ("stdout", "stderr"):
                assert False, f"{path.name}:{node.lineno}: {node.id} bypasses the output layer"
