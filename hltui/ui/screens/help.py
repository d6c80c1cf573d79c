"""HelpScreen: every key of the browser, grouped, in two columns."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

TWO_COLUMNS_WIDTH = 118  # the help box's width (116) and a cell of margin each side
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "asterisk": "*",
    "plus": "+",
    "minus": "-",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "shift+tab": "shift+tab",
}


def key_label(keys: str) -> str:
    """`j,down` -> `j / down`, with symbol names spelled as the symbol."""
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    """A modal listing every key of the browser."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "hltui keys"
            body.border_subtitle = "esc to close"
            yield Static(self._table(two_columns=True), id="help-table")

    def on_resize(self, event: events.Resize) -> None:
        """Two columns where they fit, else one (on 80 columns the second was cut off)."""
        self.query_one("#help-table", Static).update(
            self._table(two_columns=event.size.width >= TWO_COLUMNS_WIDTH)
        )

    def _table(self, two_columns: bool) -> Table:
        if not two_columns:  # the descriptions take the width the second column had
            return self._keys_table(self.sections, description_width=None)
        half = (len(self.sections) + 1) // 2
        columns = [self._keys_table(self.sections[:half]), self._keys_table(self.sections[half:])]
        table = Table.grid(padding=(0, 3))
        table.add_row(*columns)
        return table

    @staticmethod
    def _keys_table(
        sections: list[tuple[str, list[tuple[str, str]]]], description_width: int | None = 34
    ) -> Table:
        """One column of sections: a title, then key and description rows."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(max_width=description_width)
        for title, keys in sections:
            table.add_row(Text(title, style="bold underline"), "")
            for keys_text, description in keys:
                table.add_row(Text(key_label(keys_text)), Text(description))
            table.add_row("", "")
        return table
