"""A local stand-in for the telemetry endpoint: every POST body stored verbatim, indexed, checked, answered 200.

Core only: it never prints. The caller gets each Record through a callback and decides what to show.
Storage: `<out>/<n>.body` (exact bytes) and one JSON line per POST in `<out>/index.jsonl`; both are written and
fsync'ed before the client gets its answer, so a record the client saw acknowledged survives a crash or Ctrl-C.
Numbering continues after the highest existing `<n>.body`, so restarting never overwrites earlier captures.
"""

import hashlib
import ipaddress
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_MAX_BODY = 1024 * 1024
IDLE_TIMEOUT = 30.0  # seconds a keep-alive connection may sit idle


@dataclass(frozen=True)
class CaptureConfig:
    out: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body: int = DEFAULT_MAX_BODY
    validate: bool = True
    fsync: bool = True


@dataclass(frozen=True)
class Record:
    n: int
    time: str  # UTC, ISO 8601 with milliseconds
    client: str
    method: str
    path: str
    headers: list  # [[name, value], ...] in arrival order
    size: int  # bytes received, or the declared length when refused
    sha256: str | None
    body: str | None  # file name under out/, None when not stored
    status: int  # what the client was answered
    event: object = None  # the payload's "event" value, when it is JSON
    valid: bool | None = None  # against the schemas; None when not checked
    schema: str | None = None
    problems: list = field(default_factory=list)  # ["pointer: message", ...]
    note: str | None = None  # why a body was refused

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))


def parse_listen(text: str) -> tuple[str, int]:
    """`127.0.0.1:8787`, `[::1]:8787`, `:8787` or `8787`."""
    host, port = DEFAULT_HOST, text
    if text.startswith("["):
        host, _, port = text[1:].partition("]")
        port = port.lstrip(":")
    elif ":" in text:
        host, _, port = text.rpartition(":")
        host = host or DEFAULT_HOST
    try:
        number = int(port)
    except ValueError:
        raise AuditError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:{DEFAULT_PORT}") from None
    if not 0 <= number <= 65535:
        raise AuditError(f"--listen {text!r}: port must be 0-65535")
    return host, number


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(document: object) -> tuple[bool, str | None, list[str]]:
    """(valid, schema id, problems) for a parsed payload."""
    from audit import channels
    from audit.plumbing import schemas

    faster = getattr(schemas, "fast_problems", None)
    schema_id = channels.schema_for(document)
    found = faster(document) if faster else schemas.problems(document, schema_id)
    return not found, schema_id, [f"{p.pointer}: {p.message}" for p in found]


class Store:
    """Numbered body files plus the index; safe to call from many threads."""

    def __init__(self, out: Path, fsync: bool = True):
        self.out = Path(out)
        self.fsync = fsync
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._index = os.open(self.out / "index.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as e:
            raise AuditError(f"{out}: cannot write captures there ({e.strerror})") from None
        self._lock = threading.Lock()
        self._next = 1 + max((int(p.stem) for p in self.out.glob("*.body") if p.stem.isdigit()), default=0)
        self.count = 0

    def number(self) -> int:
        with self._lock:
            n = self._next
            self._next += 1
            return n

    def write_body(self, n: int, body: bytes) -> str:
        name = f"{n}.body"
        fd = os.open(self.out / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        return name

    def append(self, record: Record) -> None:
        data = (record.line() + "\n").encode("utf-8", "surrogateescape")
        with self._lock:  # one write per line, in one piece; O_APPEND keeps lines whole
            os.write(self._index, data)
            self.count += 1
            fd = self._index
        if self.fsync:
            os.fsync(fd)  # outside the lock: one fsync covers every line written before it (group commit)

    def close(self) -> None:
        with self._lock:
            if self._index >= 0:
                if self.fsync:
                    os.fsync(self._index)
                os.close(self._index)
                self._index = -1


class CaptureServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, config: CaptureConfig, on_record: Callable[[Record], None] | None = None,
                 on_other: Callable[[str], None] | None = None):
        self.config = config
        self.store = Store(config.out, config.fsync)
        self.on_record = on_record or (lambda record: None)
        self.on_other = on_other or (lambda message: None)
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._connections: dict[socket.socket, bool] = {}  # socket -> busy with a request
        self._busy = threading.Condition(self._conn_lock)
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        self.address_family = family
        try:
            super().__init__((config.host, config.port), _Handler)
        except OSError as e:
            self.store.close()
            raise AuditError(f"cannot listen on {config.host}:{config.port} ({e.strerror})") from None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    # connection bookkeeping, so a stop closes idle keep-alive connections but lets requests in flight finish
    def _track(self, sock: socket.socket, busy: bool | None) -> bool:
        """Record a connection's state; False if the server is stopping and the connection should end."""
        with self._conn_lock:
            if busy is None:
                self._connections.pop(sock, None)
            else:
                self._connections[sock] = busy
            self._busy.notify_all()
            return not self.stopping.is_set()

    def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, close idle connections, wait up to `grace` s for requests in flight, close the index."""
        self.stopping.set()
        self.shutdown()
        deadline = time.monotonic() + grace
        with self._conn_lock:
            for sock, busy in list(self._connections.items()):
                if not busy:
                    _hang_up(sock)
            while any(self._connections.values()) and time.monotonic() < deadline:
                self._busy.wait(deadline - time.monotonic())
        self.server_close()
        self.store.close()

    def serve(self) -> None:
        self.serve_forever(poll_interval=0.2)


def _hang_up(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "telemetry-audit-capture"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True  # the status line and the body go out at once, no 40 ms delayed-ACK stalls
    server: CaptureServer

    def setup(self):
        super().setup()
        self.server._track(self.connection, False)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server._track(self.connection, None)

    def parse_request(self) -> bool:
        self.server._track(self.connection, True)
        return super().parse_request()

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it."""
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.server.config.max_body:
            base = dict(time=_now(), client=self.client_address[0], method=self.command, path=self.path,
                        headers=[[k, v] for k, v in self.headers.items()])
            self._refuse(base, 413, int(length), f"body of {length} bytes is over the "
                                                 f"{self.server.config.max_body} byte limit (refused before sending)")
            self._done()
            return False
        return super().handle_expect_100()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def _done(self) -> None:
        if not self.server._track(self.connection, False):
            self.close_connection = True

    def _answer(self, status: int, text: str, close: bool = False) -> None:
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self._headers_buffer.append(b"\r\n" + body)  # one write: headers and body together
        self.flush_headers()

    def _other(self) -> None:
        self.server.on_other(f"{self.client_address[0]} {self.command} {self.path}: answered 405 (only POST is "
                             f"captured)")
        self._answer(405, "only POST is captured", close=True)
        self._done()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other

    def do_POST(self):
        try:
            self._post()
        finally:
            self._done()

    def _post(self) -> None:
        server, config = self.server, self.server.config
        headers = [[k, v] for k, v in self.headers.items()]
        base = dict(time=_now(), client=self.client_address[0], method="POST", path=self.path, headers=headers)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length_text = self.headers.get("Content-Length")
        if not chunked and length_text is None:
            self._refuse(base, 411, 0, "no Content-Length and not chunked")
            return
        if not chunked:
            try:
                length = int(length_text)
                if length < 0:
                    raise ValueError
            except ValueError:
                self._refuse(base, 400, 0, f"bad Content-Length {length_text!r}")
                return
            if length > config.max_body:
                drained = _drain(self.rfile, length)
                self._refuse(base, 413, length, f"body of {length} bytes is over the {config.max_body} byte limit"
                             + ("" if drained else " (not read)"))
                return
            body = self.rfile.read(length)
            if len(body) < length:
                self._refuse(base, 400, len(body), f"connection closed after {len(body)} of {length} bytes",
                             body=body)
                return
        else:
            body, problem = _read_chunked(self.rfile, config.max_body)
            if problem is not None:
                self._refuse(base, 413 if "limit" in problem else 400, len(body), problem)
                return
        n = server.store.number()
        name = server.store.write_body(n, body)
        event, valid, schema_id, problems = _inspect(body, config.validate)
        record = Record(n, base["time"], base["client"], "POST", self.path, headers, len(body),
                        hashlib.sha256(body).hexdigest(), name, 200, event, valid, schema_id, problems)
        server.store.append(record)
        _notify(server.on_record, record)
        self._answer(200, "ok")

    def _refuse(self, base: dict, status: int, size: int, note: str, body: bytes | None = None) -> None:
        server = self.server
        n = server.store.number()
        name = server.store.write_body(n, body) if body else None  # a partial body is kept as evidence
        record = Record(n, base["time"], base["client"], "POST", base["path"], base["headers"], size,
                        hashlib.sha256(body).hexdigest() if body else None, name, status, note=note)
        server.store.append(record)
        _notify(server.on_record, record)
        self._answer(status, note, close=True)


def _notify(callback: Callable[[Record], None], record: Record) -> None:
    """A failing display (a closed stdout) must not stop the capture: the record is already stored."""
    try:
        callback(record)
    except Exception:  # noqa: BLE001
        pass


def _drain(rfile, length: int, cap: int = 64 * 1024 * 1024) -> bool:
    """Read and drop an oversized body so the client sees the 413 rather than a reset connection."""
    if length > cap:
        return False
    while length > 0:
        chunk = rfile.read(min(length, 65536))
        if not chunk:
            return False
        length -= len(chunk)
    return True


def _inspect(body: bytes, validate: bool) -> tuple[object, bool | None, str | None, list[str]]:
    text, not_utf8 = inputs.decode(body)
    if not_utf8:
        return None, False, None, [f"/: not valid JSON: {not_utf8}"]
    try:
        document = inputs.load_json(text, "body")
    except inputs.NotJson as e:
        return None, False, None, [f"/: not valid JSON ({e.reason})"]
    except inputs.TooDeep as e:
        return None, False, None, [f"/: {e}"]
    event = document.get("event") if isinstance(document, dict) else None
    if not validate:
        return event, None, None, []
    valid, schema_id, problems = check(document)
    return event, valid, schema_id, problems


def _read_chunked(rfile, limit: int) -> tuple[bytes, str | None]:
    parts, total = [], 0
    while True:
        size_line = rfile.readline(1024)
        if not size_line:
            return b"".join(parts), "connection closed inside a chunked body"
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            return b"".join(parts), f"bad chunk size {size_line[:40]!r}"
        if size == 0:
            while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts), None
        total += size
        if total > limit:
            return b"".join(parts), f"chunked body over the {limit} byte limit"
        chunk = rfile.read(size)
        rfile.readline(16)
        if len(chunk) < size:
            return b"".join(parts) + chunk, "connection closed inside a chunked body"
        parts.append(chunk)


def start(config: CaptureConfig, on_record: Callable[[Record], None] | None = None,
          on_other: Callable[[str], None] | None = None) -> CaptureServer:
    """A bound server, not yet serving: call .serve() (blocking) or run it in a thread, then .stop()."""
    return CaptureServer(config, on_record, on_other)
