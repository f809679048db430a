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
