"""The feedback items of one log: a table of type, value, user, time, id and source.

Keys ask the app to edit: `a` add, `enter` change the item under the cursor, `d` delete it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from hltui.model.records import Feedback
from hltui.ui.widgets.render import safe_text, to_str

VALUE_WIDTH = 28
VALUE_LIMIT = 2_000
COLUMNS = ("type", "value", "source", "user", "created_at", "id")


def value_cell(value: object) -> Text:
    """A feedback value: numbers bold, text (comments, corrections) wrapped over lines."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = safe_text(value if value is not None else "", limit=VALUE_LIMIT)
    else:
        text = Text(to_str(value), style="bold")
    return text


def short_time(value: object) -> object:
    """`2024-03-01T12:00:07.123Z` as `2024-03-01 12:00` (other values as they are)."""
    if isinstance(value, str) and len(value) >= 16 and value[10:11] in ("T", " "):
        return f"{value[:10]} {value[11:16]}"
    return value


def cell(value: object) -> Text:
    if value is None:
        return Text("-", style="dim")
    return safe_text(value, limit=VALUE_LIMIT)


class FeedbackPanel(Vertical):
    """The log's feedback items, one row each (``enter`` posts ``FeedbackPanel.Selected``)."""

    DEFAULT_CSS = """
    FeedbackPanel {
        height: 1fr;
    }
    FeedbackPanel > DataTable {
        height: auto;
        max-height: 1fr;
    }
    FeedbackPanel > .feedback--empty {
        color: $foreground-muted;
        padding: 1 2;
    }
    FeedbackPanel > .feedback--hint {
        color: $foreground-muted;
        dock: bottom;
        padding: 0 1;
    }
    """

    class Selected(Message):
        """A feedback row was chosen (enter or click)."""

        def __init__(self, panel: FeedbackPanel, index: int, item: Feedback, source: str) -> None:
            super().__init__()
            self.panel = panel
            self.index = index
            self.item = item
            self.source = source

        @property
        def control(self) -> FeedbackPanel:
            return self.panel

    class AddRequested(Message):
        """The user asked to add an item (``a``)."""

    class DeleteRequested(Message):
        """The user asked to delete the item under the cursor (``d``)."""

        def __init__(self, item: Feedback, source: str) -> None:
            super().__init__()
            self.item = item
            self.source = source

    BINDINGS = [
        Binding("j", "row(1)", "Down", show=False, id="feedback.down"),
        Binding("k", "row(-1)", "Up", show=False, id="feedback.up"),
        Binding("g", "row_edge(0)", "First", show=False, id="feedback.first"),
        Binding("G", "row_edge(-1)", "Last", show=False, id="feedback.last"),
        Binding("a", "add", "Add feedback", id="feedback.add"),
        Binding("d,delete", "delete", "Delete feedback", id="feedback.delete"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.items: list[tuple[Feedback, str]] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(column, key=column, width=VALUE_WIDTH if column == "value" else None)
        table.display = False
        yield table
        yield Static(Text("No feedback yet"), classes="feedback--empty")
        yield Static(
            # one line (the rating keys are in the footer and the help)
            Text(
                "a add · enter change · d delete · u undo · c comment · x correct",
                no_wrap=True,
                overflow="ellipsis",
            ),
            classes="feedback--hint",
        )

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    @property
    def row_count(self) -> int:
        return len(self.items)

    @property
    def selected_index(self) -> int | None:
        """Index into ``items`` of the row under the cursor; None when empty."""
        if not self.items:
            return None
        return self.table.cursor_row

    @property
    def selected_item(self) -> tuple[Feedback, str] | None:
        index = self.selected_index
        return None if index is None else self.items[index]

    def show_items(self, items: list[tuple[Feedback, str]]) -> None:
        """Show ``items`` ((feedback, where it came from: "log" or "journal")), in order."""
        self.items = list(items)
        table = self.table
        cursor = table.cursor_row
        table.clear()
        for index, (item, source) in enumerate(self.items):
            table.add_row(
                cell(item.type),
                value_cell(item.value),
                cell(source),
                cell(item.user),
                cell(short_time(item.created_at)),
                cell(item.id),
                key=str(index),
                height=None,
            )
        table.display = bool(self.items)
        self.query_one(".feedback--empty").display = not self.items
        # with no table to focus, the panel takes focus itself, so `a` can add the first
        # item (focus stayed in the tree, where `a` does nothing)
        had_focus = self.has_focus
        self.can_focus = not self.items
        if self.items:
            table.move_cursor(row=min(cursor, len(self.items) - 1))
            if had_focus:  # the first item added from the empty panel: on to its table
                table.focus()  # (else `enter` and the table's keys reached nothing)

    def clear(self) -> None:
        """Show the empty state."""
        self.show_items([])

    def action_row(self, delta: int) -> None:
        """Move the table cursor (``j``/``k`` as well as the arrows)."""
        if delta > 0:
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def action_row_edge(self, which: int) -> None:
        """The first (``g``) or last (``G``) item, as in the tree."""
        if self.items:
            self.table.move_cursor(row=0 if which == 0 else len(self.items) - 1)

    def action_add(self) -> None:
        self.post_message(self.AddRequested())

    def action_delete(self) -> None:
        selected = self.selected_item
        if selected is not None:
            self.post_message(self.DeleteRequested(*selected))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self.items):
            item, source = self.items[index]
            self.post_message(self.Selected(self, index, item, source))
