"""A session at a glance: its ids, span and counts, then a compact timeline of its logs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from hltui.model.sessions import Session
from hltui.model.summary import FeedbackPairs, LogSummary
from hltui.model.wording import counted
from hltui.ui.widgets.render import (
    KeyValues,
    cut,
    fmt_clock,
    fmt_epoch,
    fmt_seconds,
    kv_table,
    safe,
    to_str,
)

MAX_ROWS = 2_000
# Previews are read from disk on demand (one read per log): only the first rows get one.
PREVIEW_ROWS = 300
PREVIEW_WIDTH = 60  # at most; less when the pane is narrower (`timeline_layout`)
MIN_PREVIEW = 10
MIN_MODEL = 8
WIDE_PREVIEW = 24  # fewer cells left last: the preview comes third (`timeline_layout`)
MODEL_WIDTH = 28  # a longer model name is cut (one of 60 pushed the other columns off)
CELL_PADDING = 1  # DataTable's, each side of a cell
SCROLLBAR = 2  # the table's vertical scroll bar, when it has one
COLUMNS = ("time", "model", "duration", "feedback", "preview")


FeedbackOf = Callable[[str], FeedbackPairs | None]


def header_table(session: Session, feedback_of: FeedbackOf | None = None) -> KeyValues:
    """Ids, projects, counts and span of ``session`` (its feedback as ``feedback_of``
    gives each log's, else as stored in the logs)."""
    rows: list[tuple[str, object]] = []
    if session.session_ids:
        rows.append(("session id", ", ".join(session.session_ids)))
    if session.reference_ids:
        rows.append(("session reference", ", ".join(session.reference_ids)))
    rows.append(("projects", ", ".join(session.projects) or "-"))
    rows.append(("logs", f"{len(session.logs):,}"))
    rows.append(("started", fmt_epoch(session.start)))
    span = session.span
    rows.append(("total span", fmt_seconds(span) if span is not None else "-"))
    errors = session.error_count
    rows.append(("errors", Text(f"{errors:,}", style="bold red" if errors else "")))
    if feedback_of is None:
        feedback = session.feedback_count
    else:
        feedback = sum(len(feedback_of(log.id) or ()) for log in session.logs)
    rows.append(("feedback", f"{feedback:,}"))
    return kv_table(rows, key_width=18)


def _feedback_cell(pairs: FeedbackPairs | None) -> Text:
    if not pairs:
        return Text("-", style="dim")
    values = ", ".join(to_str(value) for _, value in pairs)
    return Text(cut(safe(f"{len(pairs)} ({values})"), 40))


PreviewOf = Callable[[str], Any]


def _preview_text(preview: Any) -> str | None:
    """The output, else the prompt, of a preview (``LogIndex.preview`` result) or a string."""
    if preview is None or isinstance(preview, str):
        return preview
    output = getattr(preview, "output", None)
    return output if output else getattr(preview, "prompt", None)


def timeline_row(
    log: LogSummary,
    preview: Any = None,
    feedback: FeedbackPairs | None = None,
    preview_width: int = PREVIEW_WIDTH,
    model_width: int = MODEL_WIDTH,
) -> tuple[Text, ...]:
    """One log as timeline cells (all ``Text``: never markup); ``feedback`` is the log's
    (type, value) pairs as shown elsewhere (default: as stored in the log)."""
    error = log.error is not None
    preview = log.error if error else (_preview_text(preview) or "")
    # the status as the tree shows it, a glyph (a column of its own left the preview
    # no room in a 120-column terminal)
    status = Text("✗ ", style="bold red") if error else Text("✓ ", style="green")
    return (
        status + Text(fmt_clock(log.time)),
        Text(cut(safe(log.model or log.config_type or "-"), model_width)),
        Text(fmt_seconds(log.duration) if log.duration is not None else "-", justify="right"),
        _feedback_cell(log.feedback if feedback is None else feedback),
        Text(cut(safe(preview or ""), preview_width), style="red" if error else "", no_wrap=True),
    )


def timeline_layout(rows: list[tuple[Text, ...]], width: int) -> tuple[tuple[str, ...], int, int]:
    """The columns, in order, and the cells for the preview and for the model, for `rows`
    (cells in COLUMNS order) in a table `width` cells wide: previews end in `…` inside
    the table (cut wider, they were cropped mid-word, or scrolled off sideways with
    nothing to say so). Where the preview would get fewer than WIDE_PREVIEW cells last
    (a 120-column terminal), it comes before the duration and feedback, which scroll
    sideways instead; narrower still (80 columns), long model names are cut for it."""

    def room_after(names: tuple[str, ...]) -> int:
        used = 0
        for name in names:
            column = COLUMNS.index(name)
            widest = max((row[column].cell_len for row in rows), default=0)
            used += max(widest, len(name)) + 2 * CELL_PADDING
        return width - used - 2 * CELL_PADDING - SCROLLBAR

    room = room_after(COLUMNS[:-1])
    if room >= WIDE_PREVIEW:
        return COLUMNS, min(PREVIEW_WIDTH, room), MODEL_WIDTH
    narrow = ("time", "model", "preview", "duration", "feedback")
    room = room_after(narrow[:2])
    if room >= WIDE_PREVIEW:
        return narrow, min(PREVIEW_WIDTH, room), MODEL_WIDTH
    # narrower still (80 columns): the model gives the preview room, down to MIN_MODEL
    models = max((row[1].cell_len for row in rows), default=0)
    model = max(MIN_MODEL, min(models, models - (WIDE_PREVIEW - room)))
    room += max(models, len("model")) - max(model, len("model"))
    return narrow, max(MIN_PREVIEW, min(PREVIEW_WIDTH, room)), model


class SessionOverview(Vertical):
    """A session's header and a timeline of its logs (``enter`` posts ``LogSelected``)."""

    DEFAULT_CSS = """
    SessionOverview {
        height: 1fr;
    }
    SessionOverview > .overview--title {
        color: $accent;
        text-style: bold;
        border-bottom: solid $accent 50%;
        padding: 0 1;
    }
    SessionOverview > .overview--header {
        padding: 0 1 1 1;
    }
    SessionOverview > DataTable {
        height: 1fr;
    }
    SessionOverview > .overview--more {
        color: $foreground-muted;
        padding: 0 1;
    }
    """

    class LogSelected(Message):
        """A log of the timeline was chosen (enter or click)."""

        def __init__(self, overview: SessionOverview, log_id: str) -> None:
            super().__init__()
            self.overview = overview
            self.log_id = log_id

        @property
        def control(self) -> SessionOverview:
            return self.overview

    BINDINGS = [
        Binding("j", "row(1)", "Down", show=False, id="overview.down"),
        Binding("k", "row(-1)", "Up", show=False, id="overview.up"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.session: Session | None = None
        self.log_ids: list[str] = []
        # each log's feedback as the app shows it (journal and unsaved edits included)
        self.feedback_of: FeedbackOf | None = None
        self._preview_of: PreviewOf | None = None
        self._shown_width = 0  # the width the previews were fitted to
        self.columns: tuple[str, ...] = COLUMNS  # in the order shown

    def compose(self) -> ComposeResult:
        yield Static(Text("Session"), classes="overview--title")
        yield Static(Text("Select a session."), classes="overview--header")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        more = Static("", classes="overview--more")
        more.display = False
        yield more

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    @property
    def row_count(self) -> int:
        return self.table.row_count

    @property
    def selected_log_id(self) -> str | None:
        """Id of the log under the timeline cursor."""
        row = self.table.cursor_row
        return self.log_ids[row] if 0 <= row < len(self.log_ids) else None

    def show_session(self, session: Session, preview_of: PreviewOf | None = None) -> None:
        """Show ``session`` (at most ``MAX_ROWS`` logs in the timeline).

        ``preview_of(log_id)`` (e.g. ``LogIndex.preview``) gives a log's preview (an object
        with ``prompt`` and ``output``, or a string); it is asked for the session's title
        and for the first ``PREVIEW_ROWS`` rows only.
        """
        self.session = session
        title = f"Session · {counted(len(session.logs), 'log')}"
        heading = session.preview(
            lambda log_id: getattr(preview_of(log_id), "prompt", None) if preview_of else None
        )
        if heading:
            title += f" · {heading}"
        self.query_one(".overview--title", Static).update(
            Text(safe(title), no_wrap=True, overflow="ellipsis")
        )
        feedback_of = self.feedback_of
        self.query_one(".overview--header", Static).update(header_table(session, feedback_of))
        shown = session.logs[:MAX_ROWS]
        self.log_ids = [log.id for log in shown]
        table = self.table
        # The columns afresh too: each kept the widest cell of every session shown before
        # (a long model name once pushed the feedback and preview columns off the pane).
        table.clear(columns=True)
        self._preview_of = preview_of
        rows = []
        for index, log in enumerate(shown):
            preview = preview_of(log.id) if preview_of and index < PREVIEW_ROWS else None
            feedback = (feedback_of(log.id) or ()) if feedback_of is not None else None
            rows.append((log, preview, feedback))
        width = self.size.width
        self._shown_width = width
        columns, room, model = COLUMNS, PREVIEW_WIDTH, MODEL_WIDTH
        if width:  # (not laid out yet: fitted when it is, on its first resize)
            columns, room, model = timeline_layout([timeline_row(*row) for row in rows], width)
        self.columns = columns
        for column in columns:
            table.add_column(column, key=column)
        order = [COLUMNS.index(column) for column in columns]
        seen: set[str] = set()
        for index, (log, preview, feedback) in enumerate(rows):
            key = log.id if log.id not in seen else f"{log.id}#{index}"
            seen.add(key)
            cells = timeline_row(log, preview, feedback, room, model)
            table.add_row(*(cells[at] for at in order), key=key)
        more = self.query_one(".overview--more", Static)
        hidden = len(session.logs) - len(shown)
        more.update(Text(f"… {hidden:,} more logs not listed" if hidden else ""))
        more.display = hidden > 0

    def on_resize(self) -> None:
        """Fit the previews to the new width (the rows again, the cursor kept), once the
        resize is laid out (rows added during it were drawn with the headers' widths)."""
        if self.session is not None and self.size.width != self._shown_width:
            self.call_after_refresh(self._fit_width)

    def _fit_width(self) -> None:
        if self.session is None or self.size.width == self._shown_width:
            return
        cursor = self.table.cursor_row
        self.show_session(self.session, self._preview_of)
        if self.table.row_count:
            self.table.move_cursor(row=min(cursor, self.table.row_count - 1), animate=False)

    def action_row(self, delta: int) -> None:
        """Move the table cursor (``j``/``k`` as well as the arrows)."""
        if delta > 0:
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = event.cursor_row
        if 0 <= row < len(self.log_ids):
            self.post_message(self.LogSelected(self, self.log_ids[row]))
