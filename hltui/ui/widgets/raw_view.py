"""The record exactly as stored, as pretty JSON, in a read-only ``TextArea``."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import TextArea
from textual.widgets.text_area import Location

from hltui.ui.widgets.quick_scrollbar import QuickScrollBars
from hltui.ui.widgets.render import pretty_json, safe

_BOM = b"\xef\xbb\xbf"
# TextArea renders a whole line to show any part of it, and its per-line cost grows with the
# number of lines (~0.5 s per page at 100k lines): longer lines and longer records are cut
# for display, saying what is hidden.
LINE_LIMIT = 5_000
LINE_COUNT_LIMIT = 20_000


def pretty_raw(data: bytes) -> str:
    """``data`` as JSON indented by 2 with its key order; the text as is if not JSON.

    Control characters that JSON leaves raw (C1 controls, bidirectional overrides) and those
    of undecodable text are made visible.
    """
    return safe(pretty_json(data.removeprefix(_BOM)).decode("utf-8", errors="replace"))


def cut_long_lines(text: str, limit: int = LINE_LIMIT, max_lines: int = LINE_COUNT_LIMIT) -> str:
    """``text`` with lines over ``limit`` characters and lines after ``max_lines`` cut."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    if len(lines) > max_lines:
        hidden_lines = len(lines) - max_lines
        lines = lines[:max_lines]
        lines.append(f"… {hidden_lines:,} more lines — press o to open the whole log")
    for index, line in enumerate(lines):
        if len(line) > limit:
            hidden = len(line) - limit
            lines[index] = (
                f"{line[:limit]} … {hidden:,} more characters on this line"
                " — press o to open the whole log"
            )
    return "\n".join(lines)


class RawView(QuickScrollBars, TextArea):
    """A read-only, non-wrapping view of one record's JSON (scrolls huge records)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first_line", "First line", show=False),
        Binding("G", "last_line", "Last line", show=False),
    ]

    DEFAULT_CSS = """
    RawView {
        height: 1fr;
        border: none;
        padding: 0 1;
    }
    RawView:focus {
        border: none;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            "",
            language=None,
            soft_wrap=False,
            read_only=True,
            show_line_numbers=True,
            name=name,
            id=id,
            classes=classes,
            highlight_cursor_line=False,
        )
        self.match_cursor_bracket = False
        self.full_text = ""

    def find_matching_bracket(self, bracket: str, search_from: Location) -> Location | None:
        """No bracket matching: ``TextArea`` looks for the bracket matching the one under
        the cursor on every cursor move (even with ``match_cursor_bracket`` off), one
        character at a time, and a record starts with ``{`` whose match is its last
        character: placing the cursor on a record walked all of it (7 ms of each Raw
        tab filled at 500k logs; seconds for a record of megabytes)."""
        return None

    def show_raw(self, data: bytes) -> None:
        """Show one record's bytes as pretty JSON (or as text when they are not JSON).

        Lines over ``LINE_LIMIT`` characters, and lines after ``LINE_COUNT_LIMIT``, are cut
        for display (saying what is hidden); ``full_text`` keeps the whole text.
        """
        self.full_text = pretty_raw(data)
        self.load_text(cut_long_lines(self.full_text))
        self.scroll_home(animate=False)
        self.move_cursor((0, 0))

    def action_first_line(self) -> None:
        self.move_cursor((0, 0), center=True)

    def action_last_line(self) -> None:
        self.move_cursor((self.document.line_count - 1, 0), center=True)

    def clear(self) -> None:  # type: ignore[override]
        """Show nothing."""
        self.full_text = ""
        self.load_text("")
