"""Line breaking that keeps paths, URLs and hashes whole: lines break at spaces; a word too long for any line
(a path, a URL) breaks after one of its separators; only a part with none left is folded. Cut text ends with "…"."""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells
from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

SEPARATORS = "/.-_,:;=&?@+|"
_WORD = re.compile(r"\S+\s*|\s+")
_PART = re.compile(rf"[^{re.escape(SEPARATORS)}]*[{re.escape(SEPARATORS)}]+|[^{re.escape(SEPARATORS)}]+")


def wrap(text: Text | str, width: int, max_lines: int | None = None) -> Text:
    """`text` in lines of at most `width` cells; beyond `max_lines` lines, the last shown ends with "…"."""
    text = Text(text) if isinstance(text, str) else text
    width = max(width, 1)
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        for part in line.divide(_breaks(line.plain, width)):
            part.rstrip()
            lines.append(part)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        last.truncate(width - 1)
        last.rstrip()
        last.append("…")
    return Text("\n").join(lines)


def _breaks(plain: str, width: int) -> list[int]:
    """Offsets where new lines start."""
    breaks: list[int] = []
    column = 0
    for match in _WORD.finditer(plain):
        word = match.group()
        pieces = [(match.start(), word)] if cell_len(word.rstrip()) <= width else _pieces(match.start(), word, width)
        for start, piece in pieces:
            if column and column + cell_len(piece.rstrip()) > width:
                breaks.append(start)
                column = 0
            column += cell_len(piece)
    return breaks


def _pieces(start: int, word: str, width: int) -> list[tuple[int, str]]:
    """A word longer than a line, in parts that each end after a separator (or fold, when a part has none)."""
    out = []
    for match in _PART.finditer(word):
        at = start + match.start()
        for chunk in chop_cells(match.group(), width) if cell_len(match.group().rstrip()) > width else [match.group()]:
            out.append((at, chunk))
            at += len(chunk)
    return out


class Wrapped(Visual):
    """Content for a Static or Label, broken by `wrap` at whatever width the widget has; str() is its text."""

    def __init__(self, text: Text | str, max_lines: int | None = None) -> None:
        self.text = Text(text) if isinstance(text, str) else text
        self.max_lines = max_lines

    def _lines(self, width: int) -> Content:
        return Content.from_rich_text(wrap(self.text, width, self.max_lines))

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self._lines(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return Content.from_rich_text(self.text).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self._lines(width).get_height(rules, width)

    def __str__(self) -> str:
        return self.text.plain
