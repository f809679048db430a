"""The one door to the machine: files, commands and environment, optionally confined to a sysroot.

With a root, every path is resolved as if the root were `/` (absolute symlinks stay inside it); a symlink
that climbs out of the root is refused, and no command is ever run.
"""

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from audit.plumbing.errors import AuditError

_MAX_LINKS = 40


class System:
    def __init__(self, root: str | None = None, env: Mapping[str, str] | None = None):
        self._answers: dict = {}
        if root is not None:
            real = Path(root)
            if not real.is_dir():
                raise AuditError(f"--root {root}: not a directory")
            self.root: Path | None = real.resolve()
            self.env: Mapping[str, str] = dict(env or {})
        else:
            self.root = None
            self.env = dict(os.environ if env is None else env)

    def remembering(self) -> "System":
        """The same machine, answering each file question once: for reading it again and again within one run (the
        facts of every version a snapshot carries); its commands' answers are shared."""
        twin = _Remembering.__new__(_Remembering)
        twin.__dict__.update(self.__dict__)
        twin._memo = {}
        return twin

    @property
    def confined(self) -> bool:
        return self.root is not None

    def display(self, path: str) -> str:
        return path if self.root is None else f"{self.root}{path}"

    def _real(self, path: str) -> Path | None:
        """The real path for `path` as seen from inside the root, or None if it does not exist."""
        if self.root is None:
            return Path(path)
        parts = list(PurePosixPath(path).parts[1:])
        current: list[str] = []
        hops = 0
        while parts:
            name = parts.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                if not current:
                    raise AuditError(f"{path}: climbs out of --root {self.root}")
                current.pop()
                continue
            candidate = self.root.joinpath(*current, name)
            if not candidate.is_symlink():
                if not os.path.lexists(candidate):
                    return None
                current.append(name)
                continue
            hops += 1
            if hops > _MAX_LINKS:
                raise AuditError(f"{path}: too many levels of symbolic links under --root {self.root}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                current = []
                target = target.lstrip("/")
            elif _escapes(current, target):
                raise AuditError(f"{path}: symlink {candidate} -> {target} points outside --root {self.root}")
            parts = list(PurePosixPath(target).parts) + parts
        return self.root.joinpath(*current)

    def real_path(self, path: str) -> str | None:
        """Where `path` (as seen inside the root) really is, for calls such as statvfs; None if it does not exist."""
        real = self._real(path)
        return str(real) if real is not None and os.path.lexists(real) else None

    def exists(self, path: str) -> bool:
        real = self._real(path)
        return real is not None and real.exists()

    def is_file(self, path: str) -> bool:
        real = self._real(path)
        return real is not None and real.is_file()

    def is_dir(self, path: str) -> bool:
        real = self._real(path)
        return real is not None and real.is_dir()

    def readable(self, path: str) -> bool:
        """access(path, R_OK): true for a readable file or directory (how the daemon tests its opt-out file)."""
        real = self._real(path)
        return real is not None and real.exists() and os.access(real, os.R_OK)

    def listdir(self, path: str) -> list[str]:
        real = self._real(path)
        if real is None or not real.is_dir():
            return []
        try:
            return sorted(os.listdir(real))
        except OSError as e:
            raise AuditError(f"{self.display(path)}: cannot list ({e.strerror})") from None

    def stat(self, path: str) -> os.stat_result | None:
        """stat(2) of the file (symlinks followed, inside the root), or None if it does not exist."""
        try:
            real = self._real(path)
            return None if real is None else real.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise AuditError(f"{self.display(path)}: cannot stat ({e.strerror})") from None

    def host_path(self, path: str) -> str | None:
        """Where `path` (seen from inside the root) lives on this machine, for writing; None if its parent is
        missing. A symlink out of the root is refused as for reading."""
        full = self._real(path)
        if full is not None:
            return str(full)
        parent = self._real(str(PurePosixPath(path).parent))
        return None if parent is None else str(parent / PurePosixPath(path).name)

    def read_bytes(self, path: str) -> bytes | None:
        """The file's bytes, None if it does not exist; unreadable files are an error."""
        real = self._real(path)
        if real is None or not real.exists():
            return None
        from audit.plumbing.inputs import read_input  # regular files only, capped: a FIFO or device in a sysroot cannot hang us

        return read_input(str(real), "system", self.display(path))

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        if b"\0" in data:
            raise AuditError(f"{self.display(path)}: binary content where text was expected")
        return data.decode("utf-8", "surrogateescape")

    def link_target(self, path: str) -> str | None:
        """Where a symlink points (its text, not followed further), or None if it is not a symlink."""
        parent = self._real(str(PurePosixPath(path).parent))
        if parent is None:
            return None
        candidate = parent / PurePosixPath(path).name
        return os.readlink(candidate) if candidate.is_symlink() else None

    def has_command(self, name: str) -> bool:
        import shutil

        return self.root is None and shutil.which(name, path=self.env.get("PATH", os.defpath)) is not None

    def prefetch(self, commands: list[tuple[list[str], Mapping[str, str] | None]]) -> None:
        """Start commands that are about to be asked, all at once, so their run times overlap.

        Only for commands a gathering runs anyway: run()/run_ok() then take the answer instead of starting them."""
        for argv, extra_env in commands:
            key = _key(argv, extra_env)
            if key not in self._answers and self.has_command(argv[0]):
                self._answers[key] = self._start(argv, extra_env)

    def run(self, argv: list[str], extra_env: Mapping[str, str] | None = None, timeout: float = 5) -> str | None:
        """stdout of a command, or None if it cannot run here (missing, failed to start, or --root mode).

        One gathering asks the same question more than once (lscpu, netdata -W buildinfo): answers are kept."""
        done = self._answer(argv, extra_env, timeout)
        return None if done is None else done[1]

    def run_ok(self, argv: list[str]) -> bool:
        done = self._answer(argv, None, 5)
        return done is not None and done[0] == 0

    def _answer(self, argv: list[str], extra_env: Mapping[str, str] | None, timeout: float) -> tuple[int, str] | None:
        key = _key(argv, extra_env)
        if key not in self._answers:
            self._answers[key] = self._start(argv, extra_env) if self.has_command(argv[0]) else None
        answer = self._answers[key]
        if answer is not None and not isinstance(answer, tuple):
            self._answers[key] = answer = _finish(answer, timeout)
        return answer

    def _start(self, argv: list[str], extra_env: Mapping[str, str] | None):
        import subprocess  # only when a command is really run

        try:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                    env={**self.env, **(extra_env or {})})
        except OSError:
            return None


def _key(argv: list[str], extra_env: Mapping[str, str] | None) -> tuple:
    return tuple(argv), tuple(sorted((extra_env or {}).items()))


def _finish(process, timeout: float) -> tuple[int, str] | None:
    """(exit status, stdout) of a started command; None if it did not finish in time (it is killed)."""
    import subprocess

    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return process.returncode, out.decode("utf-8", "surrogateescape")


def _escapes(current: list[str], target: str) -> bool:
    depth = len(current)
    for part in PurePosixPath(target).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


class _Remembering(System):
    """System.remembering(): each (question, path) is answered from the file system once."""

    _memo: dict

    def remembering(self) -> "System":
        return self  # already answering each question once

    def _once(self, question: str, path: str, ask):
        key = (question, path)
        if key not in self._memo:
            self._memo[key] = ask(path)
        return self._memo[key]

    def exists(self, path: str) -> bool:
        return self._once("exists", path, super().exists)

    def is_file(self, path: str) -> bool:
        return self._once("is_file", path, super().is_file)

    def is_dir(self, path: str) -> bool:
        return self._once("is_dir", path, super().is_dir)

    def listdir(self, path: str) -> list[str]:
        return list(self._once("listdir", path, super().listdir))

    def read_bytes(self, path: str) -> bytes | None:
        return self._once("read_bytes", path, super().read_bytes)
