"""`telemetry-audit docs --out DIR`: write the generated docs (or, with --examples, the example payloads).

A `.generated` manifest in DIR lists what was written, so a later run can replace exactly those files: files it
no longer generates are deleted, and files it never wrote are left alone.
"""

import os
import tempfile
from pathlib import Path

from audit.plumbing.errors import AuditError, Exit

MANIFEST = ".generated"
MANIFEST_HEADER = "# written by telemetry-audit docs; the files below are replaced on the next run\n"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "docs", help="write the reference docs (or, with --examples, example payloads) generated from the schemas",
        description="Write the docs tree (reference pages, guides, README.md) or, with --examples, the examples "
                    "tree (canonical facts, every event's payload, support samples) into DIR. A .generated "
                    "manifest records what was written; files not in it are never touched.")
    parser.add_argument("--out", metavar="DIR", required=True, help="directory to write into (created if missing)")
    parser.add_argument("--event", metavar="NAME", action="append",
                        help="only this event's pages (repeatable; default: every event)")
    parser.add_argument("--examples", action="store_true", help="write the examples tree instead of the docs")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty DIR that has no .generated manifest")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.faces import docs

    tree = docs.examples(args.event) if args.examples else _encoded(docs.generate(args.event))
    out = Path(args.out)
    previous = _prepare(out, args.force)
    for relative, data in tree.items():
        _write_atomically(out, relative, data)
    stale = sorted(previous - set(tree))
    for relative in stale:
        _remove(out, relative)
    _write_atomically(out, MANIFEST, _manifest_text(tree))
    print(f"wrote {len(tree)} files to {out}" + (f", removed {len(stale)} stale" if stale else ""))
    return Exit.OK


def _encoded(tree: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode("utf-8") for path, text in tree.items()}


def _prepare(out: Path, force: bool) -> set[str]:
    """Create DIR if needed and return the files the previous run generated; refuse a directory of other files."""
    if out.exists() and not out.is_dir():
        raise AuditError(f"--out {out}: not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AuditError(f"--out {out}: cannot create ({e.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise AuditError(f"--out {out}: not writable")
    manifest = out / MANIFEST
    if manifest.is_file():
        return _read_manifest(manifest)
    if any(out.iterdir()) and not force:
        raise AuditError(f"--out {out}: not empty and has no {MANIFEST} manifest (not written by this command); "
                         "use --force to write into it anyway")
    return set()


def _read_manifest(manifest: Path) -> set[str]:
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise AuditError(f"{manifest}: cannot read the manifest ({e})") from None
    return {line for line in lines if line and not line.startswith("#") and _inside(line)}


def _inside(relative: str) -> bool:
    """A manifest entry may only name a file below DIR: an edited manifest must not delete anything else."""
    parts = Path(relative).parts
    return not Path(relative).is_absolute() and ".." not in parts and relative != MANIFEST


def _manifest_text(tree: dict[str, bytes]) -> bytes:
    return (MANIFEST_HEADER + "".join(f"{path}\n" for path in sorted(tree))).encode("utf-8")


def _write_atomically(out: Path, relative: str, data: bytes) -> None:
    target = out / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as e:
        raise AuditError(f"cannot write {target}: {e.strerror}") from None


def _remove(out: Path, relative: str) -> None:
    target = out / relative
    try:
        target.unlink(missing_ok=True)
    except OSError as e:
        raise AuditError(f"cannot remove stale {target}: {e.strerror}") from None
    _remove_empty_parents(out, target.parent)


def _remove_empty_parents(out: Path, folder: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
