"""Values that are not UTF-8 (environment values) are written as JSON any standard reader accepts, and a facts
snapshot reads back to the same bytes."""

import json
import os
import subprocess
import sys

from hypothesis import given, strategies as st

from audit.facts import snapshot
from audit.model.fact import Fact


@given(st.binary(max_size=40))
def test_snapshot_round_trips_any_bytes(raw):
    value = raw.decode("utf-8", "surrogateescape")
    text = snapshot.dumps({"VIRT": Fact(value, "env:VIRTUALIZATION")})
    text.encode("utf-8")  # strict UTF-8: no lone surrogates left
    back = snapshot.from_json(json.loads(text))
    assert back["VIRT"].value.encode("utf-8", "surrogateescape") == raw


def run(argv, env_extra, tmp_path):
    env = {**os.environ, **env_extra}
    env.pop("DO_NOT_TRACK", None)
    return subprocess.run([sys.executable, "-m", "audit", *argv], capture_output=True, env=env, timeout=60,
                          cwd=tmp_path)


def test_facts_and_opt_out_json_are_strict_utf8_and_read_back(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "netdata.conf").touch()
    env = {"VIRTUALIZATION": b"k\xffvm".decode("utf-8", "surrogateescape"),
           "DISABLE_TELEMETRY": b"\xfe".decode("utf-8", "surrogateescape")}
    facts = run(["facts", "--json", "--config-dir", str(cfg)], env, tmp_path)
    assert facts.returncode == 0, facts.stderr
    document = json.loads(facts.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8
    virt = next(f for f in document["facts"].values() if f["source"] == "env:VIRTUALIZATION")
    assert virt["value"] == "k\\xffvm"
    (tmp_path / "f.json").write_bytes(facts.stdout)
    back = snapshot.load(str(tmp_path / "f.json"))
    assert any(f.value is not None and f.value.encode("utf-8", "surrogateescape") == b"k\xffvm"
               for f in back.values())
    optout = run(["opt-out", "--json", "--config-dir", str(cfg)], env, tmp_path)
    doc = json.loads(optout.stdout.decode("utf-8"))
    assert doc["mechanisms"]["DISABLE_TELEMETRY"]["value"] == "\\xfe"


# ---------------------------------------------------------------------------------------------------------------
# bodies holding bytes that are not UTF-8 (issue 19, items 4 and 5)

import io  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from audit.faces.cli import main  # noqa: E402

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0"
BODIES = sorted([*REPO.glob("examples/payloads/*.wire"), *REPO.glob("examples/payloads/*.json"),
                 *REPO.glob("examples/agent-events/**/*.wire"), *REPO.glob("examples/installer/*.wire"),
                 *DATA.glob("post-*.json")])


class Streams:
    """sys.stdout and sys.stderr as a UTF-8 terminal has them (errors='strict'), capturing bytes."""

    def __init__(self, monkeypatch):
        self.out, self.err = io.BytesIO(), io.BytesIO()
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(self.out, "utf-8", errors="strict"))
        monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(self.err, "utf-8", errors="strict"))

    def run(self, argv) -> tuple[int, str, str]:
        """main(argv): exit code, then stdout and stderr as strict UTF-8 (raises if either holds a raw byte)."""
        for buffer in (self.out, self.err):
            buffer.seek(0)
            buffer.truncate()
        code = main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        return code, self.out.getvalue().decode("utf-8"), self.err.getvalue().decode("utf-8")


def with_byte(raw: bytes, byte: bytes = b"\xff") -> tuple[bytes, int]:
    """The body with `byte` put at the start of its last string value (a property's), and where."""
    at = [m.end() for m in re.finditer(rb'": ?"', raw)][-1]
    return raw[:at] + byte + raw[at:], at


@pytest.mark.parametrize("body", BODIES, ids=lambda p: p.name)
def test_every_command_says_the_same_of_a_body_that_is_not_utf8(tmp_path, monkeypatch, body):
    """One rule (README, What "exact" means): the bytes are kept, the body is not valid JSON, its fields are still
    read and print as \\xHH. validate, explain and diff call it invalid (exit 1) with the same words; check names
    it too (it judges identifying data, not validity). validate used to call it valid."""
    streams = Streams(monkeypatch)
    bad, at = with_byte(body.read_bytes())
    path = tmp_path / "bad.body"
    path.write_bytes(bad)
    said = f"not valid JSON: not UTF-8 (byte 0xff at offset {at})"

    code, out, _ = streams.run(["validate", str(path)])  # a one-line body is read as JSON Lines: "FILE:1"
    assert code == 1 and re.match(rf"{re.escape(str(path))}(:1)?: /: {re.escape(said)}\n", out), out
    assert "\\udc" not in out, out
    code, out, _ = streams.run(["explain", str(path)])
    assert code == 1 and f"{path}: /: {said}\n" in out and "\\xff" in out, out
    code, out, _ = streams.run(["diff", str(path), str(body)])
    assert code == 1 and f"{path} is not valid JSON (not UTF-8 (byte 0xff at offset {at}))" in out, out
    assert "\\xff" in out, out
    code, out, _ = streams.run(["check", str(path)])
    assert code in (0, 1) and f"JSON: not valid (not UTF-8 (byte 0xff at offset {at}))" in out, out


EDIT_BYTES = st.sampled_from([b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                              b'"', b"\\", b"{", b"[", b"]", b",", b"\n"]) | st.binary(min_size=1, max_size=3)


@st.composite
def edited_bodies(draw) -> tuple[Path, bytes]:
    """A real body with a few random insertions, replacements and deletions (many of them bytes that are not
    UTF-8)."""
    body = draw(st.sampled_from(BODIES))
    raw = body.read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["insert", "replace", "delete"]))
        chunk = draw(EDIT_BYTES) if kind != "delete" else b""
        raw = raw[:at] + chunk + raw[at + (kind != "insert") * draw(st.integers(1, 8)):]
    return body, raw


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edited=edited_bodies())
def test_random_edits_of_real_bodies_never_crash_and_print_bytes_escaped(tmp_path, monkeypatch, edited):
    """Issue 19 item 4: validate, explain, check and diff on random edits of real bodies, with a strict UTF-8
    stdout as on a UTF-8 terminal: an answer (0, 1) or a one-line error (2), never a traceback such as
    UnicodeEncodeError; stdout and stderr are UTF-8, a byte that is not is printed as \\xHH."""
    streams = Streams(monkeypatch)
    original, raw = edited
    path = tmp_path / "edited.body"
    path.write_bytes(raw)
    for argv in (["validate", str(path)], ["explain", str(path)], ["check", str(path)],
                 ["diff", str(path), str(original)], ["explain", "--json", str(path)]):
        code, out, err = streams.run(argv)
        assert code in (0, 1, 2), (argv, code, err)
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("telemetry-audit: error: "), (argv, err)
