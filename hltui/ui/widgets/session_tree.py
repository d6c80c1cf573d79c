"""SessionTree: a virtual tree of sessions and logs on Textual's line API.

Only the visible lines are rendered (`render_line`), over the flat row list kept by
`hltui.model.outline.Outline`, so filling, expanding and moving cost the same at 100 or
500,000 logs. Rows are updated in place on reload, keeping the cursor and expansion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hltui.model.forest_preview import feedback_label, model_label
from hltui.model.hits import HitMarks
from hltui.model.outline import Outline, Row, item_key
from hltui.model.sessions import Forest, LogNode, Session
from hltui.model.summary import FeedbackPairs, LogSummary, Preview
from hltui.ui.safe import safe_text
from hltui.ui.widgets.direct_lines import DirectLines
from hltui.ui.widgets.quick_scrollbar import QuickScrollBars
from hltui.ui.widgets.restyle import RedrawsOnRestyle
from hltui.ui.widgets.rows_view import RowsView

ERROR_GLYPH = "✗"
OK_GLYPH = "✓"
FEEDBACK_GLYPH = "★"
STRIP_CACHE_SIZE = 512  # a few screens of rows
ORPHAN_GLYPH = "⤷"


MAX_INDENT = 12  # levels drawn as indentation; deeper ones say their depth instead


def indent_of(depth: int, most: int = MAX_INDENT) -> str:
    """Two cells a level, up to `most` levels (at least 2), then the depth written out:
    a chain of 200 nested calls pushed every row's text off the tree."""
    most = max(2, most)
    if depth <= most:
        return "  " * depth
    return "  " * (most - 2) + f"{f'↳{depth}':<4}"


NARROW_TREE = 48  # cells: narrower, rows lead with what matters most (see `label`)


def format_clock(moment: float, with_date: bool = False, *, short: bool = False) -> str:
    """`HH:MM:SS` (or `YYYY-MM-DD HH:MM`, `short`: `MM-DD HH:MM`) in UTC; dashes as wide
    when unknown."""
    layout = ("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M") if with_date else "%H:%M:%S"
    if math.isnan(moment):  # a time's digits as dashes: as wide as a time
        return datetime(2000, 1, 1, tzinfo=UTC).strftime(layout).translate(_DIGITS_AS_DASHES)
    return datetime.fromtimestamp(moment, UTC).strftime(layout)


_DIGITS_AS_DASHES = str.maketrans("0123456789", "-" * 10)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if 0 < seconds < 0.001:  # (`0ms` read as no time at all)
        return "<1ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 100:
        return f"{seconds:.1f}s"
    return f"{seconds / 60:.1f}m"


# The styles every row is drawn with (the cursor's is looked up for its row alone).
CURSOR = "session-tree--cursor"
CURSOR_FOCUSED = "session-tree--cursor-focused"
ROW_STYLES = (
    "session-tree--muted",
    "session-tree--error",
    "session-tree--ok",
    "session-tree--feedback",
    "session-tree--session",
    "session-tree--match",
)


class SessionTree(
    QuickScrollBars, RedrawsOnRestyle, DirectLines, RowsView, ScrollView, can_focus=True
):
    """Sessions, expanding into their logs nested by parent."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("enter,l,right", "expand", "Expand", show=False, id="tree.expand"),
        Binding("h,left", "collapse", "Collapse", show=False, id="tree.collapse"),
        Binding("asterisk", "expand_all", "Expand all", show=False, id="tree.expand_all"),
        Binding("g,home", "first", "Top", show=False, id="tree.top"),
        Binding("G,end", "last", "Bottom", show=False, id="tree.bottom"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="tree.page_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="tree.page_down"),
    ]

    COMPONENT_CLASSES = {CURSOR, CURSOR_FOCUSED, *ROW_STYLES}

    DEFAULT_CSS = """
    SessionTree {
        background: $surface;
        overflow-x: hidden;
        & > .session-tree--cursor { background: $block-cursor-blurred-background; }
        & > .session-tree--cursor-focused {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .session-tree--muted { color: $text-muted; }
        & > .session-tree--error { color: $text-error; text-style: bold; }
        & > .session-tree--ok { color: $text-success; }
        & > .session-tree--feedback { color: $text-warning; }
        & > .session-tree--session { text-style: bold; }
        & > .session-tree--match { background: $warning 40%; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to a row (None when the tree is empty)."""

        def __init__(self, tree: SessionTree, row: Row | None) -> None:
            super().__init__()
            self.tree = tree
            self.row = row

    class Selected(Message):
        """Enter was pressed on a log row."""

        def __init__(self, tree: SessionTree, row: Row) -> None:
            super().__init__()
            self.tree = tree
            self.row = row

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.outline = Outline()
        # search hits (their sessions show marked), filled as they are found
        self.marks = HitMarks()
        # Rendered rows by key, valid while the row's item object, state and width stay:
        # the forest replaces the objects of sessions that change, so live updates only
        # draw what changed.
        self._strips: dict[str, tuple[object, tuple[object, ...], Strip]] = {}
        # Labels by row key, valid while the row's item object, depth and expansion stay:
        # a row that only gains or loses the cursor or a search mark is restyled, not
        # labelled again (a session's label walks its logs and reads previews from disk).
        self._labels: dict[str, tuple[object, tuple[object, ...], Text]] = {}
        self._looks: dict[str, Style] = {}  # see `_look_of`
        # whether a session row holds a hit: (marks, their count, session, answer)
        self._session_marks: dict[str, tuple[HitMarks, int, Session, bool]] = {}
        self.preview_of: Callable[[str], Preview] = lambda _log_id: Preview()
        # What enter on a log does: post `Selected`, unless the app opens the row itself
        # (at once, so keys typed right after enter go where it moves focus).
        self.open_row: Callable[[Row], None] = lambda row: self.post_message(
            self.Selected(self, row)
        )
        self.feedback_of: Callable[[str], FeedbackPairs | None] = self._summary_feedback

    def _summary_feedback(self, log_id: str) -> FeedbackPairs | None:
        node = self.outline.forest.nodes.get(log_id) if self.outline.forest else None
        return node.log.feedback if node is not None else None

    # -- data ----------------------------------------------------------------------------

    def set_forest(
        self,
        forest: Forest,
        visible: Collection[str] | None = None,
        places: list[int] | None = None,
    ) -> None:
        """Show a new forest (or filter), keeping the cursor on the same item if it is there.

        `places` (optional) are the top items to show, from `Forest.tops_showing`.
        """
        current = self.current_row
        key = current.key if current else None
        # a log filtered out leaves the cursor on its session, if that is still there
        session = current.item.session if current and isinstance(current.item, LogNode) else None
        old_offset = self.cursor - int(self.scroll_y)
        same_forest = self.outline.forest is forest
        old_place = self.outline.top_place_at(self.cursor) if same_forest else None
        self.outline.rebuild(forest, visible, places)
        new_index = self.outline.index_of(key) if key is not None else None
        if new_index is None and session is not None:
            new_index = self._near_in_session(item_key(session), self.cursor)
        if new_index is None and old_place is not None:
            # its item is hidden now: the nearest shown after it (it kept its row number,
            # landing hours away in the tree)
            new_index = self.outline.index_near_place(old_place)
        self._update_size()
        if new_index is not None:
            self.set_cursor(new_index, notify=new_index != self.cursor)
            self.show_cursor_at(old_offset)
        else:
            self.set_cursor(min(self.cursor, max(0, self.row_count - 1)), notify=True)
        self.refresh()

    def _near_in_session(self, session_key: str, was: int) -> int | None:
        """Where the cursor goes when its log is hidden and its session is not: the log
        that took its row in the session (rating in a "without feedback" filter, the next
        one to review), else the session's last log shown, else the session's row."""
        at = self.outline.index_of(session_key)
        if at is None:
            return None
        rows = self.outline.rows
        end = at + 1
        while end < len(rows) and rows[end].depth > 0:
            end += 1
        if at < was < end:
            return was
        return end - 1 if was >= end else at

    def show_cursor_at(self, offset: int) -> None:
        """Scroll so the cursor is `offset` rows from the top, where it was on screen."""
        self.scroll_to(y=max(0, self.cursor - offset), animate=False, immediate=True)

    @property
    def rows(self) -> list[Row]:
        return self.outline.rows

    @property
    def row_count(self) -> int:
        return len(self.outline.rows)

    @property
    def current_row(self) -> Row | None:
        rows = self.outline.rows
        return rows[self.cursor] if 0 <= self.cursor < len(rows) else None

    def _update_size(self) -> None:
        """Set the scrollable height to the row count."""
        self.set_rows(len(self.outline.rows))

    # -- cursor --------------------------------------------------------------------------

    def set_cursor(self, index: int, *, notify: bool = True) -> None:
        count = self.row_count
        index = max(0, min(index, count - 1)) if count else 0
        previous = self.cursor
        self.cursor = index
        self._refresh_row(previous)
        self._refresh_row(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True)
        if notify:
            self.post_message(self.Highlighted(self, self.current_row))

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row with `key`, revealing a log inside its session."""
        index = self.outline.index_of(key)
        if index is None and not key.startswith("s:"):
            index = self.outline.reveal(key)
            self._update_size()
            self.refresh()
        if index is None:
            return False
        self.set_cursor(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True, center=True)
        return True

    def action_cursor_down(self) -> None:
        self.set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.set_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self.set_cursor(0)

    def action_last(self) -> None:
        self.set_cursor(self.row_count - 1)

    def action_page_down(self) -> None:
        self.set_cursor(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.set_cursor(self.cursor - max(1, self.size.height - 1))

    def action_expand(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.children() and not self.outline.is_expanded(row):
            self.outline.expand(self.cursor)
            self._update_size()
            self.refresh()
        elif not row.is_session:
            self.open_row(row)
        else:
            self.set_cursor(self.cursor + 1)

    def action_expand_all(self) -> None:
        if self.current_row is not None:
            self.outline.expand_all(self.cursor)
            self._update_size()
            self.refresh()

    def action_collapse(self) -> None:
        row = self.current_row
        if row is None:
            return
        if self.outline.is_expanded(row) and row.children():
            self.outline.collapse(self.cursor)
            self._update_size()
            self.refresh()
            return
        parent = self.outline.parent_index(self.cursor)
        if parent is not None:
            self.set_cursor(parent)

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.row_count:
            if index == self.cursor or event.chain > 1:
                self.set_cursor(index, notify=index != self.cursor)
                row = self.rows[index]
                if row.children() and self.outline.is_expanded(row):
                    self.action_collapse()
                else:
                    self.action_expand()
            else:
                self.set_cursor(index)

    # -- rendering -----------------------------------------------------------------------

    def on_resize(self) -> None:
        self._update_size()
        # a shorter tree would leave a cursor near its bottom out of view (the cursor's
        # row then, not now: one moved meanwhile was scrolled away from)
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        rows = self.outline.rows
        if index >= len(rows):
            return Strip.blank(width, self.rich_style)
        row = rows[index]
        highlight = "cursor" if index == self.cursor else "match" if self.is_marked(row) else ""
        # The cursor looks different with focus: only its row is drawn again.
        cursor_look = self._cursor_style() if highlight == "cursor" else None
        room = min(width, self.scrollable_content_region.width)  # left of the scroll bar
        expanded = self.outline.is_expanded(row)
        state = (highlight, row.depth, expanded, width, room, cursor_look)
        cached = self._strips.get(row.key)
        if cached is not None and cached[0] is row.item and cached[1] == state:
            return cached[2]
        strip = self._render_row(row, highlight, width, room)
        if len(self._strips) >= STRIP_CACHE_SIZE:
            self._strips.clear()
        self._strips[row.key] = (row.item, state, strip)
        return strip

    def is_marked(self, row: Row) -> bool:
        """Whether a row is a search hit: a marked log, or a session holding one.

        Worked out for the rows drawn only, so hits can be marked as fast as they come.
        """
        marks = self.marks
        if not marks:
            return False
        item = row.item
        if not isinstance(item, Session):
            return marks.has(item.log)
        # A session's answer is kept while the marks and their count stay: the rows are
        # drawn on every frame that touches the tree, and a session may hold many logs.
        count = marks.count
        known = self._session_marks.get(row.key)
        if known is not None and known[0] is marks and known[1] == count and known[2] is item:
            return known[3]
        found = any(marks.has(log) for log in item.logs)
        if len(self._session_marks) >= STRIP_CACHE_SIZE:
            self._session_marks.clear()
        self._session_marks[row.key] = (marks, count, item, found)
        return found

    def _label_of(self, row: Row) -> Text:
        """The row's label (a copy: rendering truncates it), from the cache if it fits."""
        width = self.size.width  # labels hang on it: the depth shown, the narrow layout
        layout = (width < NARROW_TREE, min(MAX_INDENT, width // 8))
        shape = (row.depth, self.outline.is_expanded(row), layout)
        cached = self._labels.get(row.key)
        if cached is not None and cached[0] is row.item and cached[1] == shape:
            return cached[2].copy()
        text = self.label(row)
        if len(self._labels) >= STRIP_CACHE_SIZE:
            self._labels.clear()
        self._labels[row.key] = (row.item, shape, text.copy())
        return text

    def _render_row(self, row: Row, highlight: str, width: int, room: int) -> Strip:
        """The row `width` cells wide, its label cut with `…` to the `room` left of the
        scroll bar (cut at the full width, the `…` was under the bar)."""
        text = self._label_of(row)
        base = self.rich_style
        on_top = None
        if highlight == "cursor":
            cursor = self._cursor_style()
            base = base + cursor
            if self.has_focus and cursor.color is not None:
                # the bright cursor's own text colour over the label's: muted, green and
                # red parts all but vanished on it (1.0-1.8:1 contrast in most themes)
                on_top = Style(color=cursor.color)
        elif highlight == "match":
            base = base + self._look_of("session-tree--match")
        text.truncate(room, overflow="ellipsis", pad=True)
        segments = []
        for seg in text.render(self.app.console):
            style = base + seg.style if seg.style else base
            segments.append(Segment(seg.text, style + on_top if on_top else style))
        return Strip(segments).crop(0, room).extend_cell_length(width, base)

    def _cursor_style(self) -> Style:
        """The cursor's look: brighter while the tree has focus."""
        return self._look_of(CURSOR_FOCUSED if self.has_focus else CURSOR)

    def watch_has_focus(self, has_focus: bool) -> None:
        """Draw the cursor's row again, without a restyle.

        Textual restyles a widget on every focus change, for ``:focus`` rules, and draws
        all of it again; the tree has no such rules (its cursor has a look for each case,
        and the edge that shows where focus is is a widget of its own), and the restyle
        and the drawing of every row took 5-10 ms of each log opened with enter.
        """
        self._refresh_row(self.cursor)

    def on_focus(self, event: events.Focus) -> None:
        """As Textual's own handler, without drawing every row again (see below)."""
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def on_blur(self, event: events.Blur) -> None:
        """As Textual's own handler, without drawing every row again."""
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))

    def refresh_labels(self) -> None:
        """Draw every row again (feedback, previews or the theme changed)."""
        self._strips.clear()
        self._labels.clear()
        self.refresh()

    def _style_key(self) -> tuple[object, ...]:
        names = (CURSOR, CURSOR_FOCUSED, *ROW_STYLES)
        return (self.rich_style, *(self.get_visual_style(name).rich_style for name in names))

    def _restyled(self) -> None:
        """Draw every row again with the new look (a theme)."""
        self._looks.clear()
        self.refresh_labels()

    def _look_of(self, name: str) -> Style:
        """A component class's look on the tree, as Textual draws a widget's own: colours
        with transparency blended over the tree's background, ``auto`` colours made to
        contrast with it (Textual's rich style of a component class takes a colour as it
        is: `$text-muted`, `auto 60%`, came out white in every theme, brighter than the
        text it was to mute in a dark one and unreadable in a light one)."""
        look = self._looks.get(name)
        if look is None:
            look = self._looks[name] = self.get_visual_style(name).rich_style
        return look

    def _style(self, name: str) -> Style:
        """The text look of a part of a label (its colour and weight, not a background:
        the row's background stays, under the cursor too)."""
        look = self._look_of(f"session-tree--{name}")
        return Style(color=look.color, bold=look.bold, italic=look.italic)

    def label(self, row: Row) -> Text:
        """The text of one row."""
        # at most a quarter of the tree's width (a narrow tree showed only indentation)
        indent = indent_of(row.depth, min(MAX_INDENT, self.size.width // 8))
        arrow = ("▾ " if self.outline.is_expanded(row) else "▸ ") if row.children() else "  "
        item = row.item
        if isinstance(item, Session):
            return self._session_label(item, indent + arrow)
        return self._log_label(item, indent + arrow)

    def _session_label(self, session: Session, prefix: str) -> Text:
        feedback = sum(len(self.feedback_of(log.id) or ()) for log in session.logs)
        projects = session.projects
        return self.session_text(
            prefix,
            start=session.start,
            errors=session.error_count,
            feedback=feedback,
            projects="+".join(projects) if projects else None,
            count=len(session.logs),
            preview=session.preview(lambda log_id: self.preview_of(log_id).prompt),
        )

    def session_text(
        self,
        prefix: str,
        *,
        start: float,
        errors: int,
        feedback: int,
        projects: str | None,
        count: int,
        preview: str | None,
    ) -> Text:
        """A session's row: date, project, logs, errors, feedback, preview; in a narrow
        tree, a shorter date, then errors and feedback before the project (at 80 columns
        they were cut)."""
        narrow = self.size.width < NARROW_TREE
        text = Text(prefix)
        text.append(format_clock(start, with_date=True, short=narrow), self._style("session"))
        marks = Text()
        if errors:
            marks.append(f" {ERROR_GLYPH}{errors}", self._style("error"))
        if feedback:
            marks.append(f" {FEEDBACK_GLYPH}{feedback}", self._style("feedback"))
        if narrow:
            text.append_text(marks)
        if projects:
            text.append("  ")
            text.append_text(safe_text(projects))
        text.append(f"  {count} log{'s' if count != 1 else ''}", self._style("muted"))
        if not narrow:
            text.append_text(marks)
        if preview:
            text.append("  ")
            text.append_text(safe_text(preview, style=self._style("muted")))
        return text

    def _log_label(self, node: LogNode, prefix: str) -> Text:
        log: LogSummary = node.log
        feedback = self.feedback_of(log.id)
        if log.error is not None:
            summary = log.error
        else:
            preview = self.preview_of(log.id)
            summary = preview.output or preview.prompt
        return self.log_text(
            prefix,
            orphan=node.orphan,
            standalone=node.session is None,
            time=log.time,
            failed=log.error is not None,
            model=model_label(log.model, log.config_type),
            duration=log.duration,
            feedback=feedback_label(feedback) if feedback else None,
            summary=summary,
        )

    def log_text(
        self,
        prefix: str,
        *,
        orphan: bool,
        standalone: bool,
        time: float,
        failed: bool,
        model: str,
        duration: float | None,
        feedback: str | None,
        summary: str | None,
    ) -> Text:
        """A log's row: time (with the date when standalone), ✓ or ✗, model, duration,
        feedback (★ and a short rating), then its error or a preview."""
        text = Text(prefix)
        if orphan:
            text.append(ORPHAN_GLYPH + " ", self._style("muted"))
        narrow = self.size.width < NARROW_TREE
        text.append(format_clock(time, standalone, short=narrow), self._style("muted"))
        text.append(" ")
        if failed:
            text.append(ERROR_GLYPH, self._style("error"))
        else:
            text.append(OK_GLYPH, self._style("ok"))
        text.append(" ")
        text.append_text(safe_text(model))
        shown_duration = format_duration(duration)
        if shown_duration:
            text.append(f" {shown_duration}", self._style("muted"))
        if feedback is not None:
            text.append(f" {FEEDBACK_GLYPH}", self._style("feedback"))
            if len(feedback) <= 12:
                text.append_text(safe_text(feedback, style=self._style("feedback")))
        if summary:
            text.append("  ")
            style = self._style("error") if failed else self._style("muted")
            text.append_text(safe_text(summary, style=style))
        return text
