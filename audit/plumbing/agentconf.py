"""Small readers for the agent's own files: netdata.conf-style INI files and KEY='value' files."""

import re

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Netdata's config format: [section], `name = value`, `#` comments; later values win."""
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault("", {})
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        match = _SECTION.match(stripped)
        if match:
            current = sections.setdefault(match.group(1).strip(), {})
        elif "=" in stripped:
            name, value = stripped.split("=", 1)
            current[name.strip()] = value.strip()
    return sections


def parse_assignments(text: str) -> dict[str, str]:
    """KEY=value / KEY='value' / KEY="value" lines (.environment, .install-type)."""
    values = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        name, value = line.split("=", 1)
        values[name.strip()] = value.strip().strip("'\"")
    return values


def is_yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "on", "1", "auto")


def size_mb(value: str) -> int | None:
    """Netdata sizes: a plain number is MiB; KiB/MiB/GiB/TiB (and B) suffixes are honoured."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?i?B)?\s*", value, re.IGNORECASE)
    if not match:
        return None
    number, unit = int(match.group(1)), (match.group(2) or "MiB").upper()
    factor = {"B": 1 / 2**20, "KIB": 1 / 1024, "KB": 1 / 1024, "MIB": 1, "MB": 1, "GIB": 1024, "GB": 1024,
              "TIB": 1024**2, "TB": 1024**2}.get(unit)
    return None if factor is None else int(number * factor)
