"""`telemetry-audit capture`: a local receiver standing in for the telemetry endpoint."""

import signal
import sys
import threading
from pathlib import Path

from audit.faces.commands.output import note, warn
from audit.plumbing.errors import AuditError, Exit


def register(subparsers) -> None:
    from audit.faces.capture import DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PORT

    parser = subparsers.add_parser(
        "capture", help="run a local receiver that stores every payload POSTed to it",
        description="Stand in for the telemetry endpoint: answer every POST (any path) with 200, store the body "
                    "verbatim as OUT/<n>.body with a metadata line in OUT/index.jsonl (flushed to disk before "
                    "answering), and print one line per payload on stdout. Point the agent's script, curl or "
                    "`telemetry-audit send --endpoint` at it. Ctrl-C stops it; nothing received is lost.")
    parser.add_argument("--listen", metavar="HOST:PORT", default=f"{DEFAULT_HOST}:{DEFAULT_PORT}",
                        help=f"address to listen on (default {DEFAULT_HOST}:{DEFAULT_PORT}; port 0 picks a free "
                             f"one; a non-loopback address is allowed with a warning)")
    parser.add_argument("--out", metavar="DIR", default="captures", help="where to store bodies (default ./captures)")
    parser.add_argument("--max-body", metavar="BYTES", type=int, default=DEFAULT_MAX_BODY,
                        help=f"bodies larger than this get 413 and are not stored (default {DEFAULT_MAX_BODY})")
    parser.add_argument("--no-validate", action="store_true", help="do not check bodies against the schemas")
    parser.add_argument("--exit-after", metavar="N", type=int,
                        help="stop after N POSTs (for scripts and tests; default: run until Ctrl-C)")
    parser.set_defaults(func=run)


def summary(record) -> str:
    """One line per POST: number, event, size, sha256 prefix, validity."""
    if record.status != 200:
        return f"#{record.n} {record.path} REFUSED {record.status}: {record.note}"
    event = record.event if isinstance(record.event, str) else "(no event)"
    if record.valid is None and record.problems:
        state = f"invalid: {record.problems[0]}"
    elif record.valid is None:
        state = "not validated"
    elif record.valid:
        state = "valid"
    else:
        more = f" (+{len(record.problems) - 1} more)" if len(record.problems) > 1 else ""
        state = f"invalid: {record.problems[0]}{more}"
    return f"#{record.n} {event} {record.size} B sha256 {record.sha256[:12]} {state}"


def run(args) -> int:
    from audit.faces import capture

    host, port = capture.parse_listen(args.listen)
    if args.max_body < 0:
        raise AuditError(f"--max-body {args.max_body}: must be 0 or more")
    if args.exit_after is not None and args.exit_after < 1:
        raise AuditError(f"--exit-after {args.exit_after}: must be 1 or more")
    if not capture.is_loopback(host):
        warn(f"listening on {host}, not loopback: anything that can reach this machine can post to it, and "
             f"what it posts is stored in {args.out}")
    print_lock = threading.Lock()
    done = threading.Event()
    counts = {"posts": 0, "invalid": 0, "refused": 0}

    def on_record(record) -> None:
        with print_lock:
            counts["posts"] += 1
            counts["refused" if record.status != 200 else "invalid"] += 0 if (
                record.status == 200 and record.valid is not False) else 1
            print(summary(record), flush=True)
            if args.exit_after is not None and counts["posts"] >= args.exit_after:
                done.set()

    def on_other(message: str) -> None:
        note(message)

    config = capture.CaptureConfig(out=Path(args.out), host=host, port=port, max_body=args.max_body,
                                   validate=not args.no_validate)
    if config.validate:
        from audit.plumbing import schemas

        schemas.all_schemas()  # fail now, not on the first POST, if the schemas are missing
    server = capture.start(config, on_record, on_other)
    note(f"listening on {server.url} (any path, POST); storing in {config.out}/")
    worker = threading.Thread(target=server.serve, name="capture", daemon=True)
    worker.start()
    interrupted = False
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        interrupted = True
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
        note(f"stopped: {counts['posts']} POSTs received ({counts['invalid']} invalid, {counts['refused']} refused), "
             f"stored in {config.out}/")
        sys.stdout.flush()
    return Exit.INTERRUPTED if interrupted else Exit.OK
