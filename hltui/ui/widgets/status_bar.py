"""StatusBar: path, counts, load progress, filter, search and follow state on one line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from hltui.ui.safe import one_line


class StatusBar(Static):
    """One line of state at the bottom of the browser."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    path: reactive[str] = reactive("")
    logs: reactive[int] = reactive(0)
    sessions: reactive[int] = reactive(0)
    problems: reactive[int] = reactive(0)
    progress: reactive[float | None] = reactive(None)
    filter_text: reactive[str] = reactive("")
    shown: reactive[int | None] = reactive(None)
    search_text: reactive[str] = reactive("")
    follow: reactive[bool] = reactive(False)
    new_logs: reactive[int] = reactive(0)
    pending: reactive[int] = reactive(0)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(one_line(self.path), "bold")
        text.append(f"  {self.logs:,} logs  {self.sessions:,} sessions")
        if self.problems:
            text.append(f"  ⚠ {self.problems:,} problems", "bold red")
        if self.progress is not None:
            text.append(f"  loading {self.progress:4.0%}", "bold yellow")
        if self.filter_text:
            shown = f" ({self.shown:,} shown)" if self.shown is not None else ""
            text.append(f"  filter: {one_line(self.filter_text)}{shown}", "cyan")
        if self.search_text:
            text.append(f"  {one_line(self.search_text)}", "magenta")
        if self.pending:
            text.append(f"  ✎ {self.pending} unsaved", "bold red")
        if self.follow:
            text.append("  FOLLOW", "bold green")
        elif self.new_logs:
            text.append(f"  {self.new_logs:,} new", "bold green")
        return text
