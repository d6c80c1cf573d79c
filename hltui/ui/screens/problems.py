"""ProblemsScreen: every problem found in the input, with file, line and reason."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from hltui.model.problems import Problem
from hltui.model.wording import counted
from hltui.ui.safe import one_line


class ProblemsScreen(ModalScreen[None]):
    """A modal table of problems, kept up to date while it is open."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="problems.close"),
        Binding("j", "cursor_down", "Down", show=False, id="problems.down"),
        Binding("k", "cursor_up", "Up", show=False, id="problems.up"),
    ]

    def __init__(self, problems: list[Problem], root: Path) -> None:
        super().__init__()
        self.problems = list(problems)
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical(id="problems-body") as body:
            body.border_title = "Problems"
            body.border_subtitle = "esc to close"
            yield Static(id="problems-summary")
            yield DataTable(id="problems-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="problems-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("file", "line", "kind", "reason")
        self._add_rows(self.problems)
        self._show_summary()
        self._show_detail(table.cursor_row)
        table.focus()

    def show_problems(self, problems: list[Problem]) -> None:
        """Show the problems as they are now (new ones found, fixed ones gone, while the
        screen is open), the cursor kept on the problem it was on."""
        old = self.problems
        if problems == old:
            return
        table = self.query_one(DataTable)
        if problems[: len(old)] == old:  # only new ones, at the end
            self.problems = list(problems)
            self._add_rows(problems[len(old) :])
        else:  # some gone, or new ones before others (the list is sorted by file)
            row = table.cursor_row
            current = old[row] if 0 <= row < len(old) else None
            self.problems = list(problems)
            table.clear()
            self._add_rows(problems)
            if current in self.problems:
                table.move_cursor(row=self.problems.index(current), animate=False)
        self._show_summary()
        self._show_detail(table.cursor_row)

    def _add_rows(self, problems: list[Problem]) -> None:
        table = self.query_one(DataTable)
        for problem in problems:
            place = problem.place(self.root)
            file_part = (
                place.rsplit(":", 1)[0] if problem.line and problem.unit == "line" else place
            )
            if problem.unit == "record" and problem.line:
                file_part = place.rsplit(" record ", 1)[0]
            line = "" if problem.line is None else f"{problem.unit} {problem.line}"
            kind = "error" if problem.is_error else "notice"
            table.add_row(
                Text(one_line(file_part)),
                Text(line),
                Text(kind, style="red" if problem.is_error else "yellow"),
                Text(one_line(problem.message)),
            )

    def _show_summary(self) -> None:
        errors = sum(1 for p in self.problems if p.is_error)
        notices = len(self.problems) - errors
        parts = [counted(errors, "problem")] + ([counted(notices, "notice")] if notices else [])
        summary = ", ".join(parts) if self.problems else "No problems."
        self.query_one("#problems-summary", Static).update(Text(summary))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        """The highlighted problem in full (the table cuts long reasons at its edge)."""
        text = ""
        if 0 <= index < len(self.problems):
            text = self.problems[index].describe(self.root)
        self.query_one("#problems-detail", Static).update(Text(one_line(text)))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
