"""Shared rendering helpers: untrusted text made safe, pretty JSON, sizes and times.

Log content is untrusted. Nothing here parses markup: every helper returns plain strings or
``rich.text.Text`` built with ``Text(...)``/``Text.assemble``. Control characters (ANSI
escapes, bells, carriage returns, C1 controls, bidirectional overrides) are made visible so
they can neither restyle the terminal nor hide text; ``\\n`` and ``\\t`` are kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod, RenderResult
from rich.containers import Lines
from rich.highlighter import JSONHighlighter
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

# Rendering more than this many characters of one value would stall layout; the rest is
# announced with a "… N more characters" line.
TEXT_LIMIT = 20_000
JSON_LIMIT = 20_000


def _control_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code not in (0x09, 0x0A):
            table[code] = chr(0x2400 + code)  # ␀ ... ␟ (ESC -> ␛, BEL -> ␇, CR -> ␍)
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):  # C1 controls (0x9b is a one-byte CSI in some terminals)
        table[code] = f"\\x{code:02x}"
    # Bidirectional overrides/isolates and other invisible format characters that can
    # reorder or hide the surrounding text ("trojan source").
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
        table[code] = f"\\u{code:04x}"
    for code in (0x2028, 0x2029):  # line/paragraph separators: keep the break, visibly
        table[code] = f"\\u{code:04x}\n"
    return table


_CONTROLS = _control_table()


def safe(text: str) -> str:
    """``text`` with control characters made visible (ESC -> ␛); newlines and tabs kept.

    CRLF becomes a plain newline first, so Windows line ends do not show as ``␍``.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_CONTROLS)


def pretty_json(data: bytes) -> bytes:
    """``data`` re-indented by 2 with its key order kept; unchanged when it is not JSON."""
    try:
        return orjson.dumps(orjson.loads(data), option=orjson.OPT_INDENT_2)
    except (orjson.JSONDecodeError, TypeError):
        return data


def to_str(value: Any) -> str:
    """Any JSON value as display text: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return dumps(value)


def safe_text(value: Any, style: str = "", limit: int | None = TEXT_LIMIT) -> Text:
    """Untrusted value as ``Text`` (never markup), control characters visible, capped."""
    shown, more = cap(to_str(value), limit)
    text = Text(safe(shown), style=style)
    if more:
        text.append("\n")
        text.append(more_line(more), style="italic dim")
    return text


def cap(text: str, limit: int | None) -> tuple[str, int]:
    """``text`` cut to ``limit`` characters, and how many were cut."""
    if limit is None or len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def more_line(count: int, hint: str = "press o to open the whole log") -> str:
    """The line that stands for ``count`` characters not shown."""
    return f"… {count:,} more characters — {hint}"


TOO_DEEP_TO_SHOW = "(JSON nested too deeply to show here: the Raw tab has it as stored)"


def dumps(value: Any) -> str:
    """``value`` as JSON indented by 2, key order kept; non-JSON values via ``str``."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # non-string keys, integers beyond 64 bits, nesting past 254, ...
        try:
            return json.dumps(value, indent=2, ensure_ascii=False, default=str)
        except RecursionError:  # a tool call's arguments 1,000 levels deep crashed the app
            return TOO_DEEP_TO_SHOW


def parse_json_string(value: Any) -> Any:
    """``value`` decoded if it is a string holding a JSON object or array, else as it is."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


_json_highlighter = JSONHighlighter()


class IndentedText(Text):
    """Text whose wrapped lines keep the indent of the line they go on from: in pretty
    JSON, a long string wrapped to the first column and the nesting was lost."""

    __slots__ = ()

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        options = {"justify": justify, "overflow": overflow, "tab_size": tab_size}
        lines = Lines()
        for line in self.split(allow_blank=True):
            plain = line.plain
            indent = len(plain) - len(plain.lstrip(" "))
            if not indent or indent > width // 2 or line.cell_len <= width or no_wrap:
                lines.extend(Text.wrap(line, console, width, no_wrap=no_wrap, **options))
                continue
            margin = " " * indent
            for piece in Text.wrap(line[indent:], console, width - indent, **options):
                lines.append(Text(margin) + piece)
        return lines

    def copy(self) -> Text:  # (and so `+`): still indented
        copied = super().copy()
        copied.__class__ = IndentedText
        return copied

    def blank_copy(self, plain: str = "") -> Text:
        copied = super().blank_copy(plain)
        copied.__class__ = IndentedText
        return copied


def json_text(value: Any, limit: int | None = JSON_LIMIT, highlight: bool = True) -> Text:
    """``value`` as pretty JSON ``Text`` (strings shown as they are, not quoted), capped;
    a long line wraps under its own indent (`IndentedText`)."""
    if isinstance(value, str):
        return safe_text(value, limit=limit)
    shown, more = cap(dumps(value), limit)
    text: Text = IndentedText(safe(shown))
    if highlight:
        _json_highlighter.highlight(text)
    if more:
        text.append("\n")
        text.append(more_line(more), style="italic dim")
    return text


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def value_text(value: Any, limit: int | None = JSON_LIMIT) -> Text:
    """A field value: scalars as one-line text, objects and arrays as pretty JSON."""
    if value is None:
        return Text("null", style="dim")
    if isinstance(value, bool | int | float):
        return Text(json.dumps(value), style="bold")
    return json_text(value, limit=limit)


KEY_MAX_WIDTH = 32  # a longer label folds over lines, leaving the value its room


STACK_BELOW = 56  # cells: narrower, a value goes under its label, not beside it


class KeyValues:
    """Labels and values: side by side (a two-column grid) where there is room; each
    value under its label, indented, where there is not (at 60 columns a value beside a
    20-cell label had one or three cells a line)."""

    def __init__(self, rows: Iterable[tuple[str, Any]], *, key_width: int | None) -> None:
        self.rows = [
            (Text(safe(key), style="bold"), value if isinstance(value, Text) else value_text(value))
            for key, value in rows
        ]
        self.key_width = key_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= STACK_BELOW:
            yield self._grid()
            return
        for key, value in self.rows:
            yield key
            yield Padding(value, (0, 0, 0, 2))

    def _grid(self) -> Table:
        table = Table.grid(padding=(0, 2), expand=True)
        widest = max(KEY_MAX_WIDTH, self.key_width or 0)
        table.add_column(style="bold", min_width=self.key_width, max_width=widest, overflow="fold")
        table.add_column(ratio=1, overflow="fold")
        for key, value in self.rows:
            table.add_row(key, value)
        return table


def kv_table(rows: Iterable[tuple[str, Any]], *, key_width: int | None = None) -> KeyValues:
    """A two-column table of labels and values (values rendered safely; ``Text`` kept).

    Labels take at most KEY_MAX_WIDTH cells (`key_width` at least) and fold beyond: one
    long key (an input named by a sentence) left every value of its table a few cells.
    Below STACK_BELOW cells, each value goes under its label.
    """
    return KeyValues(rows, key_width=key_width)


def plain(renderable: Any, width: int = 100) -> str:
    """The text a rich renderable shows at ``width`` columns (for tests and copying)."""
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return out.getvalue()


# --- numbers and times ----------------------------------------------------------------


def fmt_seconds(seconds: Any) -> str:
    """A duration: ``850 ms``, ``1.24 s``, ``3 m 05 s``, ``2 h 01 m``; ``-`` when unknown."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return "-" if seconds is None else to_str(seconds)
    if math.isnan(seconds) or math.isinf(seconds):
        return "-"
    if seconds < 0:
        return f"-{fmt_seconds(-seconds)}"
    if 0 < seconds < 0.001:  # (`0 ms` for 0.4 ms read as nothing at all)
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} m {rest:02d} s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours} h {rest // 60:02d} m"


def fmt_clock(epoch: float) -> str:
    """Epoch seconds as UTC ``HH:MM:SS.mmm``; ``--:--:--.---`` when unknown (NaN)."""
    if epoch is None or math.isnan(epoch):
        return "--:--:--.---"
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def fmt_epoch(epoch: float) -> str:
    """Epoch seconds as UTC ``YYYY-MM-DD HH:MM:SS.mmm``; ``unknown`` for NaN."""
    if epoch is None or math.isnan(epoch):
        return "unknown"
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def fmt_datetime(moment: datetime | None) -> str:
    """An aware datetime in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff UTC``; ``unparseable`` if None."""
    if moment is None:
        return "unparseable"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ending in ``…`` where it was cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
