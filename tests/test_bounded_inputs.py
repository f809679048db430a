"""Every file input is read through one bounded reader: devices, FIFOs and directories are refused with one line
and exit 2, oversized files fail fast. Each case runs in a child process with a timeout, so a hang fails the test."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

TIMEOUT = 30


def run_cli(*argv, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    return subprocess.run([sys.executable, "-m", "audit", *argv], capture_output=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL, cwd=cwd, env=env)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


# Every kind of input that is not what a command expects (issue 19): each must give exit 2 and one line.
INPUT_CLASSES = {
    "missing": None,
    "directory": None,
    "fifo": None,
    "/dev/zero": None,
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "not UTF-8": b"\xff\xfe\x80 not text \xc3\x28\n" * 10,
    "deep": b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep object": b'{"properties": ' * 50_000 + b"1" + b"}" * 50_000,
    "huge": None,  # a sparse file larger than every cap (64 MiB)
}


def bad_input(tmp_path, which: str) -> str:
    path = tmp_path / "input.json"
    if which == "missing":
        return str(path)
    if which == "directory":
        path.mkdir()
    elif which == "fifo":
        os.mkfifo(path)
    elif which == "/dev/zero":
        return "/dev/zero"
    elif which == "huge":
        with open(path, "wb") as f:
            f.truncate(65 * inputs.MiB)
    else:
        path.write_bytes(INPUT_CLASSES[which])
    return str(path)


GOOD_BODY = Path(__file__).parent.parent / "examples" / "payloads" / "START.wire"
SNAPSHOT = Path(__file__).parent.parent / "examples" / "facts.json"


def commands(bad: str, sink: str) -> dict[str, list[str]]:
    """Every command line that reads a file, with `bad` as that file."""
    v = ["--netdata-version", "v2.2.0"]
    send = ["--yes", "--endpoint", sink, "--journal", "journal.jsonl"]
    return {
        "validate": ["validate", bad],
        "explain": ["explain", bad],
        "check FILE": ["check", bad],
        "diff BAD GOOD": ["diff", bad, str(GOOD_BODY)],
        "diff GOOD BAD": ["diff", str(GOOD_BODY), bad],
        "payload --facts": ["payload", "START", "--facts", bad, *v],
        "check --facts": ["check", "START", "--facts", bad, *v],
        "payload --from-log": ["payload", "FATAL", "--from-log", bad, *v],
        "payload --status-file": ["payload", "--channel", "agent-events", "--status-file", bad],
        "payload --stack-trace": ["payload", "--channel", "agent-events", "killed hard", "--stack-trace", bad,
                                  "--facts", str(SNAPSHOT)],
        "send --facts": ["send", "START", "--facts", bad, *send, *v],
        "send --from-log": ["send", "FATAL", "--from-log", bad, *send, *v],
        "send --status-file": ["send", "--channel", "agent-events", "--status-file", bad, *send],
        "journal": ["journal", "--journal", bad],
        "fleet": ["fleet", bad],
    }


# Where a command documents another outcome for an input class than exit 2 and one line on stderr.
FLEET = "fleet lists each unreadable file on stdout, beside the readable ones, and exits 2 (README, Fleets)"
JOURNAL = ("journal reads what it can of a damaged journal (one that does not exist yet has no entries): exit 0, "
           "one summary line on stderr naming the damaged lines")
STACK_TRACE = ("the daemon reads at most 4095 bytes of a stack trace, whatever they are; bytes that are not UTF-8 "
               "make the body invalid JSON, as `payload --wire` says with exit 1")
CONTENT = ("empty", "binary", "not UTF-8", "deep", "deep object")


def documented(command: str, which: str) -> str | None:
    if command == "fleet":
        return FLEET
    if command == "journal" and which in ("missing", *CONTENT):
        return JOURNAL
    if command == "payload --stack-trace" and which in (*CONTENT, "huge"):
        return STACK_TRACE
    return None


def assert_one_line_error(done, argv) -> None:
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, (argv, err)
    assert err.count("\n") == 1 and err.startswith("telemetry-audit: error: "), (argv, err)


@pytest.mark.parametrize("which", list(INPUT_CLASSES))
@pytest.mark.parametrize("command", list(commands("x", "x")))
def test_every_command_refuses_every_bad_input_in_one_line(tmp_path, httpserver, which, command):
    """Issue 19: command x input class. Exit 2, exactly one line on stderr, no traceback, and no request reaches
    the loopback sink; where a command documents another outcome (FLEET, ...) that outcome, still without a
    traceback or a request."""
    httpserver.expect_request("/sink").respond_with_data("ok")
    bad = bad_input(tmp_path, which)
    argv = commands(bad, httpserver.url_for("/sink"))[command]
    done = run_cli(*argv, cwd=tmp_path)
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Error:" not in err, (argv, err)
    assert httpserver.log == [], argv
    why = documented(command, which)
    if why == FLEET:
        assert (done.returncode, err) == (2, ""), (argv, err)
        assert f"{bad}: " in done.stdout.decode(), argv
    elif why == JOURNAL:
        assert done.returncode == 0 and err.count("\n") == 1 and "0 entries" in err, (argv, err)
    elif why == STACK_TRACE:
        assert done.returncode == (1 if which == "not UTF-8" else 0), (argv, err)
    else:
        assert_one_line_error(done, argv)


def writers(unwritable: str, sink: str) -> dict[str, list[str]]:
    """Every command line that writes a file or directory, with `unwritable` as its place."""
    facts = ["--facts", str(SNAPSHOT)]
    return {
        "send --journal": ["send", "START", *facts, "--yes", "--endpoint", sink, "--journal", unwritable],
        "suppress --journal": ["suppress", "START", *facts, "--journal", unwritable],
        "docs --out": ["docs", "--out", unwritable],
        "docs --examples --out": ["docs", "--examples", "--out", unwritable],
        "capture --out": ["capture", "--out", unwritable, "--listen", "127.0.0.1:0", "--exit-after", "1"],
    }


@pytest.mark.parametrize("where", ["under a file", "/dev/full", "/proc/version"])
@pytest.mark.parametrize("command", list(writers("x", "x")))
def test_every_command_refuses_an_unwritable_output_in_one_line(tmp_path, httpserver, where, command):
    """The input class 'unwritable output' (files the tool writes; stdout is the output layer's): exit 2, one line,
    and `send` sends nothing it could not journal."""
    httpserver.expect_request("/sink").respond_with_data("ok")
    (tmp_path / "a-file").write_text("")
    unwritable = str(tmp_path / "a-file" / "out") if where == "under a file" else where
    argv = writers(unwritable, httpserver.url_for("/sink"))[command]
    done = run_cli(*argv, cwd=tmp_path)
    assert b"Traceback" not in done.stderr and httpserver.log == [], argv
    assert_one_line_error(done, argv)


def test_oversized_file_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setitem(inputs.CAPS, "facts", 10)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 11)
    with pytest.raises(AuditError, match="too large"):
        inputs.read_input(str(big), "facts")
    big.write_bytes(b" " * 10)
    assert inputs.read_input(str(big), "facts") == b" " * 10


def test_a_fifo_in_a_sysroot_does_not_hang(tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "netdata").mkdir(parents=True)
    os.mkfifo(root / "etc" / "netdata" / "netdata.conf")
    done = run_cli("payload", "START", "--root", str(root), cwd=tmp_path)
    assert done.returncode == 2 and b"regular file" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize("which", list(INPUT_CLASSES))
def test_tui_facts_loading_refuses_every_bad_input_in_one_line(tmp_path, which):
    """The TUI's --facts reads through snapshot.load, in process: an AuditError of one line (shown on screen),
    never another exception."""
    from audit.facts import snapshot

    with pytest.raises(AuditError) as refused:
        snapshot.load(bad_input(tmp_path, which))
    assert "\n" not in str(refused.value)


@pytest.mark.skipif(not os.path.exists("/proc/sys/kernel/hostname"), reason="needs Linux procfs (run on Linux)")
def test_proc_sys_files_are_read_in_chunks():
    """A sysctl file fails with ENOMEM when asked for the whole cap in one read; the reader asks in chunks."""
    from audit.plumbing.system import System

    with open("/proc/sys/kernel/hostname", "rb") as f:
        assert System().read_bytes("/proc/sys/kernel/hostname") == f.read()


@pytest.mark.parametrize("hook", [None, list], ids=["dicts", "pairs"])
def test_json_reader_bounds_depth_exactly(hook):
    """MAX_DEPTH levels are read, one more is refused in one line; so is a depth the parser itself cannot reach
    (it used to raise RecursionError). An object_pairs_hook's pairs add no level."""
    def nested(n: int) -> str:
        return '{"a": ' * n + "1" + "}" * n

    assert inputs.depth(inputs.load_json(nested(inputs.MAX_DEPTH), "x", hook)) == inputs.MAX_DEPTH
    for n in (inputs.MAX_DEPTH + 1, 100_000):
        with pytest.raises(inputs.TooDeep, match=f"^x: JSON nested more than {inputs.MAX_DEPTH} levels deep"):
            inputs.load_json(nested(n), "x", hook)


def test_json_reader_keeps_bytes_that_are_not_utf8_and_says_where():
    text, problem = inputs.decode(b'{"a": "k\xffvm"}')
    assert problem == "not UTF-8 (byte 0xff at offset 8)"
    assert inputs.load_json(text, "x")["a"].encode("utf-8", "surrogateescape") == b"k\xffvm"
    with pytest.raises(inputs.NotJson, match=r"^x: not valid JSON \(Expecting value at line 1 column 7\)$"):
        inputs.load_json(b'{"a": }', "x")
