"""Installer bodies byte-identical to the real kickstart.sh `telemetry_event`, run at test time.

The function is copied from kickstart.sh at a tag in the Netdata mirror into tmp_path (never committed) and run by
/bin/sh. Nothing is contacted: a `curl` stand-in first in PATH stores the -d body and exits 0 (so no wget fallback
runs), and TELEMETRY_URL points at a closed loopback port anyway. `date`, `uname` and `uuidgen` stand-ins fix the
clock, the kernel and the random id. The function reads /etc/os-release, /etc/lsb-release, /proc/meminfo and the
machine-id files directly; in the temp copy ONLY those paths are rewritten to lie under a fake root (nothing else in
the function is changed), and our side reads the same fake root through System(root=...).
"""

import dataclasses
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.channels.installer import channel as installer
from audit.channels.installer import machine
from audit.model.fact import Fact
from audit.plumbing.system import System

MIRROR = Path(os.environ.get("NETDATA_MIRROR", "/work/.mirror/netdata+netdata/repo"))
PATHS = ("/etc/os-release", "/etc/lsb-release", "/proc/meminfo", "/etc/machine-id", "/var/db/dbus/machine-id",
         "/var/lib/dbus/machine-id")
UNAME = {"-s": "Linux", "-r": "6.1.0-18-amd64", "-m": "x86_64"}
UUIDGEN = "0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9"  # upper case, as macOS prints it: shows the lower-casing
FACTS = {"NETDATA_SYSTEM_KERNEL_NAME": Fact("Linux", "test"), "NETDATA_SYSTEM_KERNEL_VERSION": Fact(UNAME["-r"], "t"),
         "NETDATA_SYSTEM_ARCHITECTURE": Fact("x86_64", "test")}
MEMINFO = "MemTotal:       16303740 kB\nMemFree:         1234567 kB\n"
DEBIAN = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
          'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
# tags where telemetry_event changed (git log -- packaging/installer/kickstart.sh), and the newest
TAGS = ("v1.33.0", "v1.33.1", "v1.34.0", "v1.35.0", "v1.37.0", "v1.39.0", "v1.40.0", "v1.42.0", "v2.11.0")


def _git_show(tag: str) -> str:
    if not (MIRROR / "HEAD").exists() or shutil.which("git") is None:
        pytest.skip(f"the Netdata mirror is not at {MIRROR} (set NETDATA_MIRROR): cannot run the real kickstart.sh")
    done = subprocess.run(["git", "-C", str(MIRROR), "show", f"{tag}:packaging/installer/kickstart.sh"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"{tag} is not in the mirror at {MIRROR}")
    return done.stdout


def real_function(tag: str) -> tuple[str, str]:
    """(the TELEMETRY_API_KEY line of the header or '', the telemetry_event function with only paths rewritten)."""
    lines = _git_show(tag).split("\n")
    start = lines.index("telemetry_event() {")
    eof = lines.index("EOF", start)
    end = lines.index("}", eof)
    function = "\n".join(lines[start:end + 1])
    for path in PATHS:
        function = function.replace(path, "${FAKE_ROOT}" + path)
    key = next((ln for ln in lines[:start] if ln.startswith("TELEMETRY_API_KEY=")), "")
    return key, function


def _stand_ins(bin_dir: Path, uuidgen: bool) -> None:
    scripts = {
        "curl": 'while [ "$#" -gt 0 ]; do if [ "$1" = -d ]; then printf "%s" "$2" > "$BODY_FILE"; fi; shift; done',
        "date": 'echo "$FAKE_NOW"',
        "uname": f'case "$1" in -s) echo {UNAME["-s"]} ;; -r) echo {UNAME["-r"]} ;; -m) echo {UNAME["-m"]} ;; esac',
    }
    if uuidgen:
        scripts["uuidgen"] = f"echo {UUIDGEN}"
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)


def run_real(tmp_path: Path, tag: str, fake_root: Path, r: installer.Resolved, words: list[str],
             uuidgen: bool = True) -> bytes:
    key, function = real_function(tag)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    _stand_ins(bin_dir, uuidgen)
    v = r.values
    driver = "\n".join([
        "TELEMETRY_URL=http://127.0.0.1:9/", key, f'CURL="{bin_dir}/curl"',
        "NETDATA_DISABLE_TELEMETRY=0", "DRY_RUN=0", "START_TIME=1000", 'KICKSTART_OPTIONS="${*}"',
        *(f"{name}={shlex.quote(v[name])}" for name in ("INTERACTIVE", "NETDATA_AUTO_UPDATES", "NETDATA_COMMAND",
                                                        "SELECTED_INSTALL_METHOD", "RELEASE_CHANNEL",
                                                        "INSTALL_TYPE")),
        function, 'telemetry_event "$EVENT" "$MESSAGE" "$CODE"', ""])
    script = tmp_path / "driver.sh"
    script.write_text(driver)
    body_file = tmp_path / "body"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_ROOT": str(fake_root), "BODY_FILE": str(body_file),
           "FAKE_NOW": str(1000 + int(v["total_duration"])), "EVENT": r.event, "MESSAGE": r.message, "CODE": r.code}
    done = subprocess.run(["/bin/sh", str(script), *words], env=env, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode()
    return body_file.read_bytes()


def make_root(tmp_path: Path, os_release: str | None = DEBIAN, lsb: str | None = None,
              ids: dict[str, bytes] | None = None) -> Path:
    root = tmp_path / "root"
    files = {"/proc/meminfo": MEMINFO, "/etc/os-release": os_release, "/etc/lsb-release": lsb}
    files.update({path: content for path, content in (ids if ids is not None else
                                                      {"/etc/machine-id": b"4c4c4544004d3510804bb4c04f465931\n"}
                                                      ).items()})
    for path, content in files.items():
        if content is None:
            continue
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def ours(root: Path, event: str, tag: str, options: str, **params) -> tuple[installer.Resolved, bytes, object]:
    found = dataclasses.replace(machine.collect(System(root=str(root)), FACTS), uuidgen=UUIDGEN)
    params = {"install_options": options, "kickstart_version": tag, "machine": found, **params}
    built = installer.build(FACTS, event, params)
    return installer.resolve(FACTS, event, params), built.wire, built


def compare(tmp_path: Path, tag: str, event: str = "INSTALL_SUCCESS", options: str = "", root: Path | None = None,
            **params):
    root = root or make_root(tmp_path)
    resolved, wire, built = ours(root, event, tag, options, **params)
    real = run_real(tmp_path, tag, root, resolved, shlex.split(options))
    assert wire == real, f"ours:\n{wire.decode(errors='replace')}\nreal:\n{real.decode(errors='replace')}"
    return built


@pytest.mark.parametrize("tag", TAGS)
def test_plain_install_matches_every_release(tmp_path, tag):
    built = compare(tmp_path, tag, install_method="native", install_type="binpkg-deb", runtime="37")
    assert built.valid_json


@pytest.mark.parametrize("tag", ("v1.37.0", "v2.11.0"))
def test_claim_token_on_the_command_line_is_sent_verbatim(tmp_path, tag):
    built = compare(tmp_path, tag, options="--claim-token abc123 --claim-rooms r1 --stable-channel --non-interactive")
    assert built.document()["properties"]["install_options"].startswith("--claim-token abc123")


@pytest.mark.parametrize("tag", ("v1.33.0", "v2.11.0"))
def test_single_quoted_os_release(tmp_path, tag):
    root = make_root(tmp_path, os_release="NAME='Acme Linux'\nVERSION='7 (It''s \"odd\")'\nID=acme\n"
                                          "ID_LIKE='rhel fedora'\nVERSION_ID=7\n")
    built = compare(tmp_path, tag, root=root)
    assert built.document() is None  # the double quotes the eval left reach the body unescaped


@pytest.mark.parametrize("tag", ("v1.35.0", "v2.11.0"))
def test_no_version_falls_back_to_lsb_release(tmp_path, tag):
    lsb = 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04"\n'
    root = make_root(tmp_path, os_release='NAME="Ubuntu"\nID=ubuntu\n', lsb=lsb)
    built = compare(tmp_path, tag, root=root)
    props = built.document()["properties"]
    assert (props["host_os_version"], props["host_os_id"]) == ("22.04", "ubuntu")


def test_no_os_release_takes_the_codename_as_id(tmp_path):
    root = make_root(tmp_path, os_release=None, lsb="DISTRIB_ID=Ubuntu\nDISTRIB_CODENAME=jammy\n")
    built = compare(tmp_path, "v2.11.0", root=root)
    props = built.document()["properties"]
    assert (props["host_os_name"], props["host_os_id"], props["host_os_version"]) == ("Ubuntu", "jammy", "unknown")


@pytest.mark.parametrize("tag", ("v1.37.0", "v1.42.0"))
def test_dbus_machine_id_when_etc_has_none(tmp_path, tag):
    root = make_root(tmp_path, ids={"/var/lib/dbus/machine-id": b"d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0\n"})
    built = compare(tmp_path, tag, root=root)
    assert built.document()["properties"]["distinct_id"].startswith("dbus-")


@pytest.mark.parametrize("tag", ("v1.33.0", "v1.34.0", "v1.37.0", "v2.11.0"))
def test_uuidgen_when_there_is_no_machine_id(tmp_path, tag):
    built = compare(tmp_path, tag, root=make_root(tmp_path, ids={}))
    sent = built.document()["properties"]["distinct_id"]
    assert sent.lower().endswith(UUIDGEN.lower())
    assert any("new random value" in w for w in built.warnings)


@pytest.mark.parametrize("tag", ("v1.33.0", "v2.11.0"))
def test_message_with_a_double_quote_is_invalid_json(tmp_path, tag):
    built = compare(tmp_path, tag, event="INSTALL_FAILED", message='Could not find "curl"', error_code="F0003")
    assert not built.valid_json
    assert any(reason.startswith("error_message:") for reason in built.invalid)


def test_crash_code_and_line(tmp_path):
    built = compare(tmp_path, "v2.11.0", event="INSTALL_CRASH", exit_code="0", line="1234")
    props = built.document()["properties"]
    assert (props["error_code"], props["error_message"]) == ("E0-1234", "Installer exited unexpectedly (0-1234)")


def run_real_parse(tmp_path: Path, tag: str, words: list[str]) -> dict[str, str]:
    """kickstart's header and functions (everything before `# Main program`, its traps dropped) and then its own
    parse_args: the variables the body reads, as the real option parsing leaves them."""
    lines = _git_show(tag).split("\n")
    head = [ln for ln in lines[:lines.index("# Main program")] if not ln.startswith("trap ")]
    names = ("RELEASE_CHANNEL", "NETDATA_AUTO_UPDATES", "NETDATA_COMMAND", "INTERACTIVE", "SELECTED_INSTALL_METHOD")
    show = 'printf "%s\\n" ' + " ".join(f'"${{{n}}}"' for n in names)
    bin_dir = tmp_path / "parse-bin"
    bin_dir.mkdir()
    for name in ("curl", "wget"):  # nothing may be fetched while parsing; a call would be recorded and fail
        (bin_dir / name).write_text(f'#!/bin/sh\necho {name} >> "{tmp_path}/contacted"\nexit 1\n')
        (bin_dir / name).chmod(0o755)
    script = tmp_path / "parse.sh"
    script.write_text("\n".join([*head, 'parse_args "$@"', show, ""]))
    done = subprocess.run(["/bin/sh", str(script), *words], env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "contacted").exists()
    return dict(zip(names, done.stdout.split("\n")))


OPTION_SETS = ("", "--claim-token abc123 --stable-channel", "--nightly-channel --no-updates --reinstall",
               "--release-channel STABLE --auto-update --claim-only --claim-token t", "--dont-wait --uninstall",
               "--static-only --reinstall-clean --interactive", "--install-type build --reinstall-even-if-unsafe",
               "--repositories-only", "--claim-rooms --no-updates --claim-token x")


@pytest.mark.parametrize("tag", ("v1.35.0", "v1.37.0", "v1.39.0", "v1.42.0", "v2.8.0", "v2.9.0", "v2.11.0"))
def test_option_parsing_matches_the_real_parse_args(tmp_path, tag):
    from audit.channels.installer import kickstart

    var = kickstart.variant(tag)
    for n, options in enumerate(OPTION_SETS):
        case = tmp_path / f"case{n}"
        case.mkdir()
        if "--install-type" in options and var.method_rule != "requested":
            continue  # before v2.9 an unknown option: fatal F050E (an INSTALL_FAILED event), not modelled
        real = run_real_parse(case, tag, shlex.split(options))
        state = kickstart.parse_options(shlex.split(options), var)
        ours = {"RELEASE_CHANNEL": state.release_channel, "NETDATA_AUTO_UPDATES": state.auto_updates,
                "NETDATA_COMMAND": state.command if var.action_names != "none" else real["NETDATA_COMMAND"],
                "INTERACTIVE": state.interactive or "0",  # stdout is a pipe here: the real default is 0
                "SELECTED_INSTALL_METHOD": state.method}
        assert ours == real, options


_DQ = st.text(alphabet="abc 019._-'()\\$\"`", min_size=0, max_size=12).map(
    lambda t: '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in t) + '"')
_SQ = st.text(alphabet="abc 019._-\"()\\$`", min_size=0, max_size=12).map(lambda t: f"'{t}'")
_BARE = st.text(alphabet="abcXYZ019._-/+", min_size=0, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(_DQ, _SQ, _BARE), version=st.one_of(_DQ, _SQ, _BARE, st.just(None)),
       id_like=st.one_of(_DQ, _SQ, _BARE))
def test_os_release_quoting_matches_the_real_eval(tmp_path_factory, name, version, id_like):
    tmp = tmp_path_factory.mktemp("osr")
    lines = [f"NAME={name}", f"ID_LIKE={id_like}", "ID=x"] + ([f"VERSION={version}"] if version is not None else [])
    root = make_root(tmp, os_release="\n".join(lines) + "\n")
    resolved, wire, _ = ours(root, "INSTALL_SUCCESS", "v2.11.0", "")
    assert wire == run_real(tmp, "v2.11.0", root, resolved, [])
