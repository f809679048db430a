"""Goldens: what Netdata's real code produces, committed with where it came from, and the command that remakes them.

    python -m tests.goldens regenerate [--mirror PATH]   rerun the real code, rewrite tests/golden, show the diff
    python -m tests.goldens check [--mirror PATH]        exit 1 (showing the diff) when regenerating would change any

The real scripts are copied from the mirror (NETDATA_MIRROR, tests/mirror.py) into a temp dir and run there, never
committed. Nothing is contacted: stand-ins first in PATH replace curl (stores each -d body and prints 200), uname,
date and uuidgen; the paths the scripts read a machine from (/etc/machine-id, /etc/os-release, /proc/meminfo...)
are rewritten, in the temp copy only, to lie under a fake root written from fixed data. system-info.sh loses its
cloud-metadata block and runs with a PATH of only shell tools and its fake machine's command stand-ins. The
environment is fixed (`env -i`, LC_ALL=C). So the output depends on the mirror and on /bin/sh, dash, bash, mawk and
the coreutils only, and a regeneration is byte-identical on any Debian-like machine. Each golden's manifest entry
names its source (ref, commit, file, commit date) and how it was run.
"""

import argparse
import base64
import difflib
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent
GOLDEN = ROOT / "golden"
MANIFEST = GOLDEN / "manifest.json"
REPOSITORY = "netdata/netdata"
REGENERATE = "python -m tests.goldens regenerate --mirror PATH"

# ------------------------------------------------------------------------------------------------- the fixed machine

MACHINE_ID = "4c4c4544004d3510804bb4c04f465931\n"
UNAME = {"-s": "Linux", "-r": "6.1.0-18-amd64", "-m": "x86_64"}
UUIDGEN = "0A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9"  # upper case, as macOS prints it: shows the lower-casing
MEMINFO = "MemTotal:       16303740 kB\nMemFree:         1234567 kB\n"
DEBIAN = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
          'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
MACHINE_PATHS = ("/etc/os-release", "/etc/lsb-release", "/proc/meminfo", "/etc/machine-id", "/var/db/dbus/machine-id",
                 "/var/lib/dbus/machine-id")
NO_NETWORK_CURL = r"""#!/bin/sh
# curl stand-in: stores each -d body and the request line, contacts nothing
method=GET; url=; ctype=
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--data|--data-raw|--data-binary)
      shift; printf '%s' "$1" > "$CAPTURE_DIR/body"; [ "$method" = GET ] && method=POST ;;
    -X) shift; method="$1" ;;
    --header|-H) shift; case "$1" in Content-Type:*) ctype="${1#Content-Type: }" ;; esac ;;
    http*) url="$1" ;;
  esac
  shift
done
printf '%s\n%s\n%s\n' "$method" "$url" "$ctype" > "$CAPTURE_DIR/request"
printf 200
"""


def stand_ins(bin_dir: Path) -> None:
    scripts = {
        "curl": NO_NETWORK_CURL,
        "date": '#!/bin/sh\necho "$FAKE_NOW"\n',
        "uname": f'#!/bin/sh\ncase "$1" in -s) echo {UNAME["-s"]} ;; -r) echo {UNAME["-r"]} ;; '
                 f'-m) echo {UNAME["-m"]} ;; esac\n',
        "uuidgen": f"#!/bin/sh\necho {UUIDGEN}\n",
    }
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)


def write_root(root: Path, files: dict[str, str]) -> Path:
    """A fake root holding exactly `files` (path -> text)."""
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8", "surrogateescape"))
    return root


def rooted(script: str) -> str:
    """The script with only the machine's paths moved under ${FAKE_ROOT}."""
    for path in MACHINE_PATHS:
        script = script.replace(path, "${FAKE_ROOT}" + path)
    return script


# ------------------------------------------------------------------------------------------------------- the mirror

class Mirror:
    def __init__(self, path: Path):
        if not ((path / "HEAD").exists() or (path / ".git").exists()):
            raise SystemExit(f"goldens: no git repository at {path}: pass --mirror PATH (a clone of "
                             f"https://github.com/{REPOSITORY})")
        self.path = path

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"goldens: git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def find(self, ref: str, suffix: str) -> str:
        return next(p for p in self.git("ls-tree", "-r", "--name-only", ref).split("\n") if p.endswith(suffix))

    def show(self, ref: str, path: str) -> str:
        return self.git("show", f"{ref}:{path}")

    def source(self, ref: str, path: str, run: str) -> dict:
        commit, date = self.git("log", "-1", "--format=%H %cs", ref, "--").split()
        return {"repository": REPOSITORY, "ref": ref, "commit": commit, "file": path, "date": date, "run": run}


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env={"LC_ALL": "C", **env}, cwd=cwd, capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------- the statistics script, every minor v1.33..v2.5

STATISTICS_TAGS = tuple(f"v1.{m}.0" for m in range(33, 48)) + tuple(f"v2.{m}.0" for m in range(0, 6))
FATAL_AT = {"thread": "WEB_SERVER[static1]", "function": "web_client_api_request", "file": "web/api/web_api_v1.c",
            "line": 42, "errno": 2}
EXTRA_CASES = (("EXIT", {"result": "ERROR"}), ("FATAL", FATAL_AT), ("EXPORTING_START", {"result": "FAIL"}))


# START with each opt-out a user may set (the file in the config dir, or a directory there; the variables)
STOP_CASES = tuple({"optout": optout, "env": env} for optout, env in (
    ("file", {}), ("directory", {}), (None, {"DO_NOT_TRACK": "1"}), (None, {"DISABLE_TELEMETRY": "1"}),
    (None, {"DO_NOT_TRACK": "0"}), (None, {"DISABLE_TELEMETRY": "yes"}), (None, {"DO_NOT_TRACK": ""})))


def statistics_cases(tag: str) -> list[tuple[str, dict]]:
    """Every event this release sends, with its default parameters, and a few with others."""
    from audit.channels.backend import catalog

    sent = [name for name, ev in catalog.EVENTS.items() if ev.sent_by(tag)]
    return [(name, {}) for name in sent] + [(name, params) for name, params in EXTRA_CASES if name in sent]


def statistics_facts(tag: str) -> dict:
    from tests.sample import sample_facts

    return sample_facts(netdata_version=tag, system_distinct_id=statistics_distinct_id())


def statistics_distinct_id() -> str:
    return "machine-" + hashlib.md5(MACHINE_ID.encode()).hexdigest()


class StatisticsBox:
    """One release's anonymous-statistics.sh in a temp dir, with the stand-ins and the fixed root."""

    def __init__(self, mirror: Mirror, tmp: Path, tag: str):
        self.path = mirror.find(tag, "daemon/anonymous-statistics.sh.in")
        self.config = tmp / "etc-netdata"
        self.config.mkdir(parents=True)
        self.bin, self.captures = tmp / "bin", tmp / "captures"
        stand_ins(self.bin)
        self.captures.mkdir()
        self.root = write_root(tmp / "root", {"/etc/machine-id": MACHINE_ID})
        self.script = tmp / "anonymous-statistics.sh"
        self.script.write_text(rooted(mirror.show(tag, self.path).replace("@configdir_POST@", str(self.config))))

    def run(self, argv: list[str], env: dict[str, str], shell: str = "sh", optout: bool | str | None = None) -> dict:
        """optout: True or "file" for the opt-out file in the config dir, "directory" for a directory there."""
        for old in self.captures.iterdir():
            old.unlink()
        optout_file = self.config / ".opt-out-from-anonymous-statistics"
        if optout_file.is_dir():
            optout_file.rmdir()
        optout_file.unlink(missing_ok=True)
        if optout == "directory":
            optout_file.mkdir()
        elif optout:
            optout_file.touch()
        path = f"{self.bin}:{env.get('PATH', '/usr/bin:/bin')}"
        done = run([shell, str(self.script), *argv], {**env, "PATH": path, "CAPTURE_DIR": str(self.captures),
                                                      "FAKE_ROOT": str(self.root)}, self.config)
        body = self.captures / "body"
        request = (self.captures / "request").read_text().split("\n") if body.exists() else None
        return {"exit_status": done.returncode, "stdout": done.stdout.decode(),
                "body": body.read_bytes() if body.exists() else None, "request": request}


def generate_statistics(mirror: Mirror, tmp: Path, out: Path) -> list[dict]:
    from audit.channels.backend import assemble as payload

    entries = []
    for tag in STATISTICS_TAGS:
        box = StatisticsBox(mirror, tmp / tag, tag)
        facts, cases = statistics_facts(tag), []
        env = payload.daemon_environment(facts, tag)  # the same for every event of a release
        for event, params in statistics_cases(tag):
            argv, event_env = payload.daemon_call(facts, event, params)
            assert event_env == env
            assert "\\" not in argv[2] and not re.match("-[neE]", argv[2]), "dash's and bash's echo would differ"
            got = box.run(argv, env)
            assert got["body"] is not None, f"{tag} {event}: the real script sent nothing"
            cases.append({"event": event, "params": params, "argv": argv, "body": got["body"].decode("utf-8")})
        argv, _ = payload.daemon_call(facts, "START", {})
        stops = [{**stop, "sent": box.run(argv, {**env, **stop["env"]}, optout=stop["optout"])["body"] is not None}
                 for stop in STOP_CASES]
        name = f"statistics/{tag}.json"
        write_json(out / name, {"tag": tag, "shell": "dash", "system_distinct_id": statistics_distinct_id(),
                                "machine_id": MACHINE_ID, "env": env, "cases": cases, "stops": stops})
        entries.append({"golden": name, "source": mirror.source(
            tag, box.path, "the tag's script (@configdir_POST@ set to a temp dir, machine-id paths under a fake root "
            "holding machine_id) run by /bin/sh with `env -i` plus the case's argv and env, which are "
            "payload.daemon_call of tests/sample.py's facts at that version; the curl stand-in stored the body; "
            "`stops`: START again with each opt-out of STOP_CASES (the opt-out file or a directory in its config dir, or the "
            "variable added to its env), and whether it still sent")})
    return entries


# -------------------------------------------------------- the v2.5.0 quirk cases (tests/golden/backend, inputs kept)

def generate_backend_cases(mirror: Mirror, tmp: Path, out: Path) -> list[dict]:
    """Rerun each recorded case (its shell, env, args and opt-out file, kept) against v2.5.0; rewrite its outputs."""
    box = StatisticsBox(mirror, tmp / "backend-v2.5.0", "v2.5.0")
    entries = []
    for path in sorted((GOLDEN / "backend").glob("*.json")):
        case = json.loads(path.read_text())
        kept = {k: case[k] for k in ("case", "why", "shell", "env", "args")}
        if case.get("optout_file_present"):
            kept["optout_file_present"] = True
        got = box.run(case["args"], case["env"], shutil.which(case["shell"]) or case["shell"],
                      bool(case.get("optout_file_present")))
        sent = got["body"] is not None
        record = {**kept, "exit_status": got["exit_status"], "stdout": got["stdout"],
                  "system_distinct_id": statistics_distinct_id() if sent else None, "sent": sent}
        if sent:
            method, url, ctype = got["request"][:3]
            record.update(method=method, path=url[url.index("/", 8):], content_type=ctype,
                          body_b64=base64.b64encode(got["body"]).decode(), body_is_valid_json=_is_json(got["body"]))
        write_json(out / "backend" / path.name, record)
        entries.append({"golden": f"backend/{path.name}", "source": mirror.source(
            "v2.5.0", box.path, f"the tag's script run by {case['shell']} with `env -i` plus the case's env and args "
            "(machine-id paths under a fake root holding the statistics goldens' machine_id; the opt-out file "
            "created when optout_file_present); the curl stand-in stored the body and request line")})
    return entries


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- kickstart's telemetry_event, every revision

INSTALLER_PARAMS = ("INTERACTIVE", "NETDATA_AUTO_UPDATES", "NETDATA_COMMAND", "SELECTED_INSTALL_METHOD",
                    "RELEASE_CHANNEL", "INSTALL_TYPE")
_SINGLE_QUOTED = "NAME='Acme Linux'\nVERSION='7 (It''s \"odd\")'\nID=acme\nID_LIKE='rhel fedora'\nVERSION_ID=7\n"
_LSB = 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04"\n'
DEFAULT_ROOT = {"/proc/meminfo": MEMINFO, "/etc/os-release": DEBIAN, "/etc/machine-id": MACHINE_ID}
# (case, event, kickstart options, event parameters, the fake root's files)
INSTALLER_CASES = (
    ("plain-install", "INSTALL_SUCCESS", "", {"install_method": "native", "install_type": "binpkg-deb",
                                             "runtime": "37"}, DEFAULT_ROOT),
    ("claim-token", "INSTALL_SUCCESS", "--claim-token abc123 --claim-rooms r1 --stable-channel --non-interactive",
     {}, DEFAULT_ROOT),
    ("failed-double-quote", "INSTALL_FAILED", "", {"message": 'Could not find "curl"', "error_code": "F0003"},
     DEFAULT_ROOT),
    ("crash", "INSTALL_CRASH", "", {"exit_code": "0", "line": "1234"}, DEFAULT_ROOT),
    ("single-quoted-os-release", "INSTALL_SUCCESS", "", {}, {**DEFAULT_ROOT, "/etc/os-release": _SINGLE_QUOTED}),
    ("lsb-release-version", "INSTALL_SUCCESS", "", {},
     {**DEFAULT_ROOT, "/etc/os-release": 'NAME="Ubuntu"\nID=ubuntu\n', "/etc/lsb-release": _LSB}),
    ("no-os-release", "INSTALL_SUCCESS", "", {}, {"/proc/meminfo": MEMINFO, "/etc/machine-id": MACHINE_ID,
                                                  "/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_CODENAME=jammy\n"}),
    ("dbus-machine-id", "INSTALL_SUCCESS", "", {}, {"/proc/meminfo": MEMINFO, "/etc/os-release": DEBIAN,
                                                    "/var/lib/dbus/machine-id": "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0\n"}),
    ("no-machine-id", "INSTALL_SUCCESS", "", {}, {"/proc/meminfo": MEMINFO, "/etc/os-release": DEBIAN}),
)


def os_release_quoting_cases(count: int = 40) -> list[tuple]:
    """os-release files whose NAME, VERSION and ID_LIKE are double-quoted (with escapes), single-quoted or bare, drawn
    from a fixed seed: kickstart evals the file, so each quoting must read as the shell reads it."""
    import random

    draw = random.Random(24)

    def text(alphabet: str) -> str:
        return "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 12)))

    def value() -> str:
        kind = draw.choice(("double", "single", "bare"))
        if kind == "double":
            return '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in text("abc 019._-'()\\$\"`")) + '"'
        if kind == "single":
            return "'" + text("abc 019._-\"()\\$`") + "'"
        return text("abcXYZ019._-/+")

    cases = []
    for n in range(count):
        lines = [f"NAME={value()}", f"ID_LIKE={value()}", "ID=x"] + ([f"VERSION={value()}"] if n % 4 else [])
        cases.append((f"os-release-quoting-{n}", "INSTALL_SUCCESS", "", {},
                      {**DEFAULT_ROOT, "/etc/os-release": "\n".join(lines) + "\n"}))
    return cases


INSTALLER_FACTS = {"NETDATA_SYSTEM_KERNEL_NAME": UNAME["-s"], "NETDATA_SYSTEM_KERNEL_VERSION": UNAME["-r"],
                   "NETDATA_SYSTEM_ARCHITECTURE": UNAME["-m"]}
OPTION_SETS = ("", "--claim-token abc123 --stable-channel", "--nightly-channel --no-updates --reinstall",
               "--release-channel STABLE --auto-update --claim-only --claim-token t", "--dont-wait --uninstall",
               "--static-only --reinstall-clean --interactive", "--install-type build --reinstall-even-if-unsafe",
               "--repositories-only", "--claim-rooms --no-updates --claim-token x")
PARSED = ("RELEASE_CHANNEL", "NETDATA_AUTO_UPDATES", "NETDATA_COMMAND", "INTERACTIVE", "SELECTED_INSTALL_METHOD")
KICKSTART = "packaging/installer/kickstart.sh"


def ref_of(revision) -> str:
    return revision.commit or revision.name


def installer_resolved(root: Path, name: str, event: str, options: str, params: dict):
    """Our resolution of the case (the variables the real function is handed), from the fake root."""
    import dataclasses

    from audit.channels.installer import channel, machine
    from audit.model.fact import Fact
    from audit.plumbing.system import System

    facts = {k: Fact(v, "test") for k, v in INSTALLER_FACTS.items()}
    found = dataclasses.replace(machine.collect(System(root=str(root)), facts), uuidgen=UUIDGEN)
    return facts, {"install_options": options, "kickstart_version": name, "machine": found, **params}, channel


def telemetry_function(script: str) -> tuple[str, str]:
    """(the TELEMETRY_API_KEY line of the header or '', the telemetry_event function, machine paths rooted)."""
    lines = script.split("\n")
    start = lines.index("telemetry_event() {")
    end = lines.index("}", lines.index("EOF", start))
    key = next((ln for ln in lines[:start] if ln.startswith("TELEMETRY_API_KEY=")), "")
    return key, rooted("\n".join(lines[start:end + 1]))


def run_telemetry_event(tmp: Path, script: str, root: Path, resolved, words: list[str]) -> bytes:
    key, function = telemetry_function(script)
    bin_dir, captures = tmp / "bin", tmp / "captures"
    stand_ins(bin_dir)
    captures.mkdir(exist_ok=True)
    (captures / "body").unlink(missing_ok=True)
    v = resolved.values
    driver = "\n".join([
        "TELEMETRY_URL=http://127.0.0.1:9/", key, f'CURL="{bin_dir}/curl"', "NETDATA_DISABLE_TELEMETRY=0",
        "DRY_RUN=0", "START_TIME=1000", 'KICKSTART_OPTIONS="${*}"',
        *(f"{name}={shlex.quote(v[name])}" for name in INSTALLER_PARAMS),
        function, 'telemetry_event "$EVENT" "$MESSAGE" "$CODE"', ""])
    (tmp / "driver.sh").write_text(driver)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_ROOT": str(root), "CAPTURE_DIR": str(captures),
           "FAKE_NOW": str(1000 + int(v["total_duration"])), "EVENT": resolved.event, "MESSAGE": resolved.message,
           "CODE": resolved.code}
    done = run(["/bin/sh", str(tmp / "driver.sh"), *words], env, tmp)
    assert done.returncode == 0, done.stderr.decode()
    return (captures / "body").read_bytes()


def parse_args_values(tmp: Path, script: str, words: list[str]) -> dict[str, str] | None:
    """kickstart's header and functions (before `# Main program`, traps dropped), then its own parse_args: the
    variables the body reads as the real parsing leaves them; None when it refuses the options."""
    lines = script.split("\n")
    head = [ln for ln in lines[:lines.index("# Main program")] if not ln.startswith("trap ")]
    show = 'printf "%s\\n" ' + " ".join(f'"${{{n}}}"' for n in PARSED)
    bin_dir = tmp / "parse-bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("curl", "wget"):  # nothing may be fetched while parsing: a call is recorded and fails
        (bin_dir / name).write_text(f'#!/bin/sh\necho {name} >> "{tmp}/contacted"\nexit 1\n')
        (bin_dir / name).chmod(0o755)
    (tmp / "parse.sh").write_text("\n".join([*head, 'parse_args "$@"', show, ""]))
    done = run(["/bin/sh", str(tmp / "parse.sh"), *words], {"PATH": f"{bin_dir}:/usr/bin:/bin"}, tmp)
    if done.returncode != 0 or (tmp / "contacted").exists():  # a refused option: fatal() tried to send its event
        return None
    return dict(zip(PARSED, done.stdout.decode().split("\n")))


def fatal_messages(script: str) -> list[list[str]]:
    """[code, text] of every fatal() call with a dating code, in source order, its ${...} expanded from the file's
    own plain assignments (kickstart builds F0106's text from claimonly_notice and failmsg)."""
    from audit.channels.installer import kickstart

    assigned: dict[str, list[str]] = {}
    out = []
    for line in script.split("\n"):
        line = line.strip()
        if m := re.fullmatch(r'(\w+)="(.*)"', line):
            assigned.setdefault(m[1], [])
            if m[2] not in assigned[m[1]]:
                assigned[m[1]].append(m[2])
        elif (m := re.fullmatch(r'fatal "(.*)" (\w+)', line)) and m[2] in kickstart.DATING_CODES:
            out += [[m[2], text] for text in _expand(m[1], assigned, frozenset())]
    return out


def _expand(text: str, assigned: dict[str, list[str]], seen: frozenset) -> list[str]:
    """Every text the first `${name}` in `text` can stand for (each of its assignments), recursively."""
    m = re.search(r"\$\{(\w+)\}", text)
    if not m or m[1] in seen:
        return [text]
    values = [v for value in assigned.get(m[1]) or [""] for v in _expand(value, assigned, seen | {m[1]})]
    return [done for value in values for done in _expand(text[:m.start()] + value + text[m.end():], assigned, seen)]


def generate_installer(mirror: Mirror, tmp: Path, out: Path) -> list[dict]:
    from audit.channels.installer import kickstart

    entries = []
    for revision in kickstart.REVISIONS:
        ref = ref_of(revision)
        script = mirror.show(ref, KICKSTART)
        cases = []
        messages = fatal_messages(script)
        failed = [(f"fatal-{code}-{n}", "INSTALL_FAILED", "", {"message": text, "error_code": code}, DEFAULT_ROOT)
                  for n, (code, text) in enumerate(messages, 1)]
        quoting = os_release_quoting_cases() if revision.name == "master" else []
        for n, (case, event, options, params, files) in enumerate([*INSTALLER_CASES, *failed, *quoting]):
            work = tmp / f"ks-{revision.name}-{n}"
            root = write_root(work / "root", files)
            facts, full, channel = installer_resolved(root, revision.name, event, options, params)
            resolved = channel.resolve(facts, event, full)
            body = run_telemetry_event(work, script, root, resolved, shlex.split(options))
            cases.append({"case": case, "event": event, "options": options, "params": params, "root": files,
                          "variables": {k: resolved.values[k] for k in INSTALLER_PARAMS},
                          "body": body.decode("utf-8")})
        parsed = []
        if "\nparse_args() {\n" in script:  # before v1.35 options were parsed inline by the main program
            for n, options in enumerate(OPTION_SETS):
                work = tmp / f"parse-{revision.name}-{n}"
                work.mkdir()
                values = parse_args_values(work, script, shlex.split(options))
                if values is not None:
                    parsed.append({"options": options, "variables": values})
        name = f"installer/{revision.name}.json"
        write_json(out / name, {"revision": revision.name, "commit": revision.commit, "fatal_messages": messages,
                                "uuidgen": UUIDGEN, "uname": UNAME, "cases": cases, "parse_args": parsed})
        entries.append({"golden": name, "source": mirror.source(
            ref, KICKSTART, "telemetry_event copied out of the script (machine paths under a fake root holding the "
            "case's files), run by /bin/sh with the variables our resolution gives (`variables`), stand-ins for "
            "curl, date, uname and uuidgen; parse_args: the script's functions before `# Main program` then its own "
            "parse_args, stdout a pipe; fatal_messages: the fatal() calls with a dating code read from the source, "
            "${...} expanded from the file's own assignments")})
    return entries


# ----------------------------------------------------------------- agent-events: the daemon's CI variable list

CI_SOURCE = ("v2.11.0", "src/libnetdata/os/ci.c")


def generate_ci_variables(mirror: Mirror, out: Path) -> list[dict]:
    """The names in ci.c's ci_vars[] (read, not run: the gate skips a post while one is set)."""
    ref, path = CI_SOURCE
    source = mirror.show(ref, path)
    block = source[source.index("ci_vars[]"):source.index("NULL", source.index("ci_vars[]"))]
    name = "agent-events/ci-variables.json"
    write_json(out / name, {"variables": re.findall(r'"([A-Z_]+)"', block)})
    return [{"golden": name, "source": mirror.source(ref, path, "the string literals of ci_vars[] read from the "
                                                                "source")}]


# ---------------------------------------------------- system-info.sh, every minor v1.33..v2.5, on four fake machines

SYSTEM_INFO = "daemon/system-info.sh"
_DEVICES = ("Character devices:\n  1 mem\n  4 tty\n\nBlock devices:\n  7 loop\n  8 sd\n 11 sr\n179 mmc\n"
            "253 device-mapper\n254 virtblk\n259 blkext\n")
_NOT_GNU = (1, "")


def _block(dev: str, size: str, removable: str) -> dict[str, str]:
    return {"dev": dev + "\n", "size": size + "\n", "removable": removable + "\n"}


def _sys_block(disks: dict[str, dict[str, str]]) -> dict[str, str]:
    return {f"/sys/block/{disk}/{name}": text for disk, files in disks.items() for name, text in files.items()}


def _cpus(count: int) -> dict[str, str]:
    return {f"/sys/devices/system/cpu/cpu{n}/online": "1\n" for n in range(count)}


def _cpuinfo(count: int, flags: str, mhz: str) -> str:
    return "".join(f"processor\t: {n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ "
                   f"2.40GHz\ncpu MHz\t\t: {mhz}\nflags\t\t: fpu vme {flags}\n\n" for n in range(count))


def _uname(release: str, gnu: bool) -> dict[str, tuple[int, str]]:
    return {"-s": (0, "Linux\n"), "-r": (0, release + "\n"), "-m": (0, "x86_64\n"), "-p": (0, "unknown\n"),
            "-i": (0, "unknown\n"), "--version": (0, "uname (GNU coreutils) 9.1\n") if gnu else _NOT_GNU}


_LSCPU_KVM = ("Architecture:            x86_64\nCPU(s):                  4\nVendor ID:               GenuineIntel\n"
              "Model name:              Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\nHypervisor vendor:       KVM\n"
              "Virtualization type:     full\nCPU MHz:                 2399.996\n")
_LSCPU_VMWARE = ("Architecture:            x86_64\nCPU(s):                  8\nVendor ID:               GenuineIntel\n"
                 "Model name:              Intel(R) Xeon(R) Gold 5120 CPU @ 2.20GHz\nHypervisor vendor:       VMware\n"
                 "Virtualization type:     full\n")
_LSCPU_METAL = ("Architecture:            x86_64\nCPU(s):                  16\nVendor ID:               GenuineIntel\n"
                "Model name:              Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz\nVirtualization:         VT-x\n"
                "CPU max MHz:             3200.0000\nCPU min MHz:             1000.0000\n")
_DF = (0, "Filesystem     1B-blocks\n/dev/sda1    52521566208\noverlay      52521566208\n/dev/sdb1   107374182400\n")
# Each machine: the files it holds (the script's machine paths point into them), the commands it has (argv after the
# name -> exit status and stdout; any other argv exits 1 silently; a command not listed is absent) and its environment
SYSTEM_INFO_MACHINES = {
    "kvm-guest": {
        "files": {"/etc/os-release": DEBIAN, "/proc/meminfo": MEMINFO, "/proc/devices": _DEVICES,
                  "/proc/1/sched": "systemd (1, #threads: 1)\n", "/proc/self/mounts": "/dev/vda1 / ext4 rw 0 0\n",
                  "/proc/cpuinfo": _cpuinfo(4, "hypervisor", "2399.996"), **_cpus(4),
                  **_sys_block({"vda": _block("254:0", "41943040", "0"), "mmcblk0": _block("179:0", "2048", "0"),
                                "sr0": _block("11:0", "2097151", "1"), "loop0": _block("7:0", "0", "0")})},
        "commands": {"uname": _uname("6.1.0-18-amd64", False), "lscpu": {"": (0, _LSCPU_KVM)},
                     "systemd-detect-virt": {"-v": (0, "kvm\n"), "-c": (1, "none\n")}, "nproc": {"": (0, "4\n")},
                     "pgrep": {"kubelet": (1, "")}},
        "env": {},
    },
    "lxc-container": {
        "files": {"/etc/lsb-release": _LSB, "/host/etc/os-release": DEBIAN, "/proc/meminfo": MEMINFO,
                  "/proc/devices": _DEVICES, "/proc/1/sched": "init (1, #threads: 1)\n",
                  "/proc/self/mounts": "overlay / overlay rw 0 0\nlxcfs /proc/cpuinfo fuse.lxcfs rw 0 0\n",
                  "/proc/cpuinfo": _cpuinfo(2, "hypervisor", "2399.996"),
                  **_sys_block({"sda": _block("8:0", "104857600", "0")})},
        "commands": {"uname": _uname("5.15.0-91-generic", True), "nproc": {"": (0, "2\n")},
                     "pgrep": {"kubelet": (1, "")},
                     "df": {"--version": (0, "df (GNU coreutils) 9.1\n"),
                            "-x tmpfs -x devtmpfs -x squashfs -l -B1 --output=source,size": _DF},
                     "/bin/running-in-container": {"": (0, "lxc\n")}},
        "env": {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"},
    },
    "vmware-guest": {
        "files": {"/etc/os-release": DEBIAN, "/proc/meminfo": MEMINFO, "/proc/devices": _DEVICES,
                  "/proc/1/sched": "systemd (1, #threads: 1)\n",
                  "/proc/self/mounts": "/dev/sda1 / ext4 rw 0 0\nlxcfs /proc/cpuinfo fuse.lxcfs rw 0 0\n",
                  "/proc/cpuinfo": _cpuinfo(3, "sse2", "2194.843"), **_cpus(8),
                  **_sys_block({"sda": _block("8:0", "83886080", "0")})},
        "commands": {"uname": _uname("6.1.0-18-amd64", False), "lscpu": {"": (0, _LSCPU_VMWARE)},
                     "dmidecode": {"-s system-product-name": (0, "VMware Virtual Platform\n")},
                     "nproc": {"": (0, "8\n")}, "pgrep": {"kubelet": (1, "")},
                     "df": {"--version": (0, "df (GNU coreutils) 9.1\n"),
                            "-x tmpfs -x devtmpfs -x squashfs -l -B1 --output=source,size": _DF}},
        "env": {},
    },
    "proxmox-host": {
        "files": {"/etc/os-release": 'NAME="Debian GNU/Linux"\nID=debian\n', "/etc/lsb-release": _LSB,
                  "/etc/pve/.version": "1\n", "/proc/meminfo": MEMINFO, "/proc/devices": _DEVICES,
                  "/proc/1/sched": "systemd (1, #threads: 1)\n", "/proc/self/mounts": "/dev/nvme0n1p2 / ext4 rw 0 0\n",
                  "/proc/cpuinfo": _cpuinfo(16, "vmx", "1000.000"), **_cpus(16),
                  "/sys/devices/system/cpu/cpu0/cpufreq/base_frequency": "2400000\n",
                  "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq": "3200000\n",
                  **_sys_block({"nvme0n1": _block("259:0", "1000215216", "0"),
                                "sdb": _block("8:16", "62531584", "1")})},
        "commands": {"uname": _uname("6.5.13-1-pve", False), "lscpu": {"": (0, _LSCPU_METAL)},
                     "dmidecode": {"-s system-product-name": (0, "PowerEdge R640\n")}, "nproc": {"": (0, "16\n")},
                     "pgrep": {"kubelet": (1, "")}, "pveversion": {"": (0, "pve-manager/8.1.4/ec5affc9e41f1d79\n")},
                     "lsb_release": {"-is": (0, "Debian\n"), "-rs": (0, "12\n"), "-cs": (0, "bookworm\n")}},
        "env": {},
    },
}
# What a fake machine's PATH holds besides its own commands: the tools the script pipes through, never one that
# reads the machine or reaches a network (no curl, wget, lscpu, df ... unless the machine lists it)
SHELL_TOOLS = ("sh", "dash", "grep", "sed", "mawk", "cut", "tr", "head", "tail", "sort", "uniq", "rev", "find",
               "cat", "wc", "expr", "env", "basename", "dirname", "readlink", "xargs", "ls", "true", "false", "test",
               "[", "printf", "echo", "id", "tee", "od")
_MACHINE_PATH = re.compile(r"(?<![\w/.$}])(/proc/|/sys/|/etc/|/host/|/bin/running-in-container|/\.dockerenv)")


def machine_root(root: Path, machine: dict) -> Path:
    """The machine's files, its awk (mawk, as Debian's), and its absolute-path commands as stand-ins, under `root`."""
    write_root(root, machine["files"])
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    (root / "usr/bin/awk").symlink_to("/usr/bin/mawk")
    for name, answers in machine["commands"].items():
        if name.startswith("/"):
            _stand_in(root / name.lstrip("/"), answers, root.parent / "answers")
    return root


def _stand_in(path: Path, answers: dict[str, tuple[int, str]], store: Path) -> None:
    """A command answering each argv (joined by spaces) with its exit status and stdout; any other exits 1."""
    store.mkdir(parents=True, exist_ok=True)
    cases = []
    for n, (args, (status, stdout)) in enumerate(answers.items()):
        answer = store / f"{path.name}-{n}"
        answer.write_text(stdout)
        cases.append(f"  {shlex.quote(args)}) cat {shlex.quote(str(answer))}; exit {status} ;;")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\ncase \"$*\" in\n" + "\n".join(cases) + "\n  *) exit 1 ;;\nesac\n")
    path.chmod(0o755)


def machine_path(bin_dir: Path, machine: dict) -> str:
    """A PATH of exactly the shell tools and the machine's own commands."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    mawk = shutil.which("mawk", path="/usr/bin:/bin")
    if not mawk:  # its number format beyond a C int is one of the cuts (cpuinfo MHz, v1.34..v1.41)
        raise SystemExit("goldens: system-info.sh runs with mawk, Debian's awk: install it (apt-get install mawk)")
    (bin_dir / "awk").symlink_to(mawk)
    for tool in SHELL_TOOLS:
        if (found := shutil.which(tool, path="/usr/bin:/bin")) and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    for name, answers in machine["commands"].items():
        if not name.startswith("/"):
            _stand_in(bin_dir / name, answers, bin_dir.parent / "answers")
    return str(bin_dir)


def system_info_script(text: str) -> str:
    """The tag's system-info.sh without its cloud-metadata block, its machine paths under ${FAKE_ROOT}."""
    from tests.realscripts import without_cloud_block

    return _MACHINE_PATH.sub(r"${FAKE_ROOT}\1", without_cloud_block(text))


def run_system_info(tmp: Path, script: str, machine: dict) -> dict[str, str]:
    from audit.channels.backend import wire

    root = machine_root(tmp / "root", machine)
    (tmp / "system-info.sh").write_text(script)
    done = run(["sh", str(tmp / "system-info.sh")],
               {**machine["env"], "PATH": machine_path(tmp / "bin", machine), "FAKE_ROOT": str(root)}, tmp)
    assert done.returncode == 0, done.stderr.decode()
    values = {}  # a detection label naming a path printed it under the fake root: read back as the machine's path
    for line in done.stdout.decode("utf-8", "surrogateescape").replace(str(root), "").splitlines():
        name, sep, value = line.partition("=")
        if sep and name in wire.SYSTEM_INFO_NAMES:
            values[name] = value
    return values


def fake_machine(root: Path, machine: dict):
    """The same machine as the tool reads it: files under `root`, commands answered from the machine's table."""
    from audit.plumbing.system import System

    class FakeMachine(System):
        def has_command(self, name: str) -> bool:
            return name in machine["commands"]

        def _answer(self, argv, extra_env, timeout):
            answers = machine["commands"].get(argv[0])
            return None if answers is None else answers.get(" ".join(argv[1:]), (1, ""))

    return FakeMachine(root=str(machine_root(root, machine)), env=machine["env"])


def generate_system_info(mirror: Mirror, tmp: Path, out: Path) -> list[dict]:
    from concurrent.futures import ThreadPoolExecutor

    paths = {tag: mirror.find(tag, SYSTEM_INFO) for tag in STATISTICS_TAGS}
    scripts = {tag: system_info_script(mirror.show(tag, path)) for tag, path in paths.items()}
    with ThreadPoolExecutor(max_workers=4) as pool:  # each run is mostly process starts: overlap them
        runs = {(tag, name): pool.submit(run_system_info, tmp / f"si-{tag}-{name}", scripts[tag], machine)
                for tag in paths for name, machine in SYSTEM_INFO_MACHINES.items()}
    entries = []
    for tag, path in paths.items():
        name = f"system-info/{tag}.json"
        write_json(out / name, {"tag": tag, "machines": {m: runs[tag, m].result() for m in SYSTEM_INFO_MACHINES}})
        entries.append({"golden": name, "source": mirror.source(
            tag, path, "the tag's script, its cloud-metadata block deleted and its machine paths (/proc, /sys, /etc, "
            "/host, /bin/running-in-container, /.dockerenv) moved under a fake root holding the machine's files, run "
            "by /bin/sh with `env -i` plus the machine's env, LC_ALL=C and a PATH of only shell tools and the "
            "machine's command stand-ins (tests/goldens.py SYSTEM_INFO_MACHINES); the NAME=value lines the daemon "
            "reads")})
    return entries


EMITTER_TAGS = ("v2.3.0", "v2.3.1", "v2.3.2", "v2.4.0")
_MEMBER = re.compile(r'(?:buffer_json_member_add_\w+|ND_PROFILE_2json|EXIT_REASON_2json)\(wb, "([^"]+)"')


def emitter_members(source: str) -> list[str]:
    """The member names the post writes, in source order: post_status_file's wrapper, then the status emitter."""
    post_fn = source[source.index("post_status_file(struct post_status_file_thread_data *d) {"):]
    wrapper = _MEMBER.findall(post_fn[:post_fn.index("daemon_status_file_to_json(wb")])
    body = source[source.index("static void daemon_status_file_to_json"):]
    body = re.sub(r"//[^\n]*", "", body[:body.index("\n}\n")])  # commented-out members are not emitted
    return wrapper + _MEMBER.findall(body)


def generate_emitter_members(mirror: Mirror, out: Path) -> list[dict]:
    entries = []
    for tag in EMITTER_TAGS:
        path = "src/daemon/daemon-status-file.c" if tag in ("v2.3.0", "v2.3.1") else "src/daemon/status-file.c"
        name = f"agent-events/members-{tag}.json"
        write_json(out / name, {"tag": tag, "members": emitter_members(mirror.show(tag, path))})
        entries.append({"golden": name, "source": mirror.source(tag, path, (
            "the member names post_status_file() writes before daemon_status_file_to_json() and those that function "
            "writes (commented-out lines dropped), in source order, read from the source"))})
    return entries


# ------------------------------------------------------------ real daemon captures (not regenerable: kept as is)

CAPTURES = "data/agent-events-v2.11.0"
# Real daemons' captures (not regenerable: a real daemon made them), each with its README: folder, tag, commit, date,
# the tag's status-file source and how it was run
_AS_V230 = "as v2.3.0's (see the README beside it)"


def _captured(tag: str, commit: str, date: str, file: str = "src/daemon/status-file.c", run: str = _AS_V230) -> tuple:
    return f"data/agent-events-{tag}", tag, commit, date, file, run


CAPTURE_SOURCES = (
    _captured("v2.3.0", "040942cf5bb6b35cc97e208a33a2eaad084a6721", "2025-03-19", "src/daemon/daemon-status-file.c",
              "a v2.3.0 daemon built from the tag (C core only) ran sealed (unshare -n) in a Debian 12 container; an "
              "LD_PRELOAD shim wrote its libcurl POST to a file instead of sending it, and status-netdata.json was "
              "copied from its lib dir before each start (see the README beside it)"),
    _captured("v2.3.1", "3417b1eeda82e77e3873de7ff15925b10c9f59e0", "2025-03-24", "src/daemon/daemon-status-file.c"),
    _captured("v2.3.2", "38d751453d39d92b7d58493ecfebcacd0349fd88", "2025-04-02"),
    _captured("v2.4.0", "bfe1e17e1163334ecb7afb2bed90df754c4a5662", "2025-04-14"),
    _captured("v2.5.0", "35cc14df9a911f41e68d7231ca34874507e8488c", "2025-05-05"),
    _captured("v2.6.0", "6a25dc26840e9f98e06c54486f76cc78862d2a01", "2025-07-17"),
    _captured("v2.7.0", "4ed7d239c49e56432cb99cc9ff2368abfe4c24e9", "2025-09-25"),
    _captured("v2.8.0", "661d37bedda1561cc1a1cbee8c4ed12dabc0b0a5", "2025-11-19"),
    _captured("v2.9.0", "845e8de2be2f2e5d6d0ba2f7c0c9b38de996ff01", "2026-02-16"),
    _captured("v2.10.0", "e1d4352a88384886ab120b5fe7138383d65cd684", "2026-04-09"),
    _captured("v2.11.0", "bb8f509e99cad230d3acc1fdfc840224f3b3db3a", "2026-08-12", run=(
        "a v2.11.0 daemon built from the tag ran in a Debian 12 container; its libcurl POST was intercepted "
        "in-process and status-netdata.json copied from its lib dir (see the README beside it)")),
)


def capture_entries() -> list[dict]:
    entries = []
    for folder, ref, commit, date, file, run in CAPTURE_SOURCES:
        source = {"repository": REPOSITORY, "ref": ref, "commit": commit, "file": file, "date": date, "run": run,
                  "regenerable": False}
        files = sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in (".json", ".dat"))  # not notes
        entries += [{"golden": "../" + str(p.relative_to(ROOT)), "source": source} for p in files]
    return entries


# ------------------------------------------------------------------------------------------------------ writing

def write_json(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


GENERATED = ("statistics", "system-info", "installer", "backend", "agent-events")


def generate(mirror_path: Path, out: Path) -> None:
    """Every regenerable golden and the manifest, written under `out` (laid out as tests/golden)."""
    mirror = Mirror(mirror_path)
    with tempfile.TemporaryDirectory(prefix="goldens-") as scratch:
        tmp = Path(scratch)
        entries = (generate_statistics(mirror, tmp, out) + generate_system_info(mirror, tmp, out)
                   + generate_installer(mirror, tmp, out)
                   + generate_backend_cases(mirror, tmp, out) + generate_ci_variables(mirror, out)
                   + generate_emitter_members(mirror, out)
                   + capture_entries())
    write_json(out / MANIFEST.name, {"regenerate": REGENERATE, "goldens": entries})


def files(top: Path) -> dict[str, bytes]:
    found = {}
    for folder in GENERATED:
        for path in sorted((top / folder).rglob("*.json")):
            found[str(path.relative_to(top))] = path.read_bytes()
    if (top / MANIFEST.name).exists():
        found[MANIFEST.name] = (top / MANIFEST.name).read_bytes()
    return found


def differences(old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    out = []
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name):
            a = old.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            b = new.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            out += difflib.unified_diff(a, b, f"a/tests/golden/{name}", f"b/tests/golden/{name}")
    return out


def main(argv: list[str] | None = None) -> int:
    from tests.mirror import MIRROR

    parser = argparse.ArgumentParser(prog="python -m tests.goldens", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("regenerate", "check"))
    parser.add_argument("--mirror", type=Path, default=MIRROR, help=f"a clone of {REPOSITORY} (default "
                        "$NETDATA_MIRROR, else %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="goldens-out-") as scratch:
        out = Path(scratch)
        generate(args.mirror, out)
        old, new = files(GOLDEN), files(out)
        diff = differences(old, new)
        sys.stdout.writelines(diff)
        if args.command == "check":
            print(f"goldens: {'stale: run ' + REGENERATE if diff else 'current'} ({len(new)} files)", file=sys.stderr)
            return 1 if diff else 0
        for name in old.keys() - new.keys():
            (GOLDEN / name).unlink()
        for name, data in new.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        changed = sum(old.get(n) != new.get(n) for n in old.keys() | new.keys())
        print(f"goldens: {changed} of {len(new)} files changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT.parent))
    sys.exit(main())
