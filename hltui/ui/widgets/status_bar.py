"""StatusBar: path, counts, load progress, filter, search and follow state on one line."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from hltui.model.wording import counted
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
    counts_final: reactive[bool] = reactive(False)  # known while loading (a preview's)
    problems: reactive[int] = reactive(0)
    progress: reactive[float | None] = reactive(None)
    filter_text: reactive[str] = reactive("")
    shown: reactive[int | None] = reactive(None)
    search_text: reactive[str] = reactive("")
    follow: reactive[bool] = reactive(False)
    new_logs: reactive[int] = reactive(0)
    pending: reactive[int] = reactive(0)

    def render(self) -> Text:
        path = one_line(self.path)
        filter_text = one_line(self.filter_text)
        search_text = one_line(self.search_text)
        room = self.content_size.width
        # Too long for the line: the path is shortened first, then the filter's
        # description, then that goes to `…` (its count of logs shown stays), then the
        # search's term is cut, then left out (its place, `hit i/N`, stays), so the counts,
        # the search's place, new logs and unsaved edits stay in view.
        for part in ("path", "filter", "filter text", "search", "search place"):
            over = self._text(path, filter_text, search_text).cell_len - room
            if room <= 0 or over <= 0:
                break
            if part == "path":
                path = _shortened(path, max(MIN_PATH, cell_len(path) - over))
            elif part == "filter":
                filter_text = _shortened(filter_text, max(MIN_FILTER, cell_len(filter_text) - over))
            elif part == "filter text" and filter_text:
                filter_text = "…"
            elif part == "search":
                search_text = _search_cut(search_text, cell_len(search_text) - over)
            elif part == "search place":  # the place alone: `hit 1/1`
                search_text = search_text.split(" for ", 1)[0]
        return self._text(path, filter_text, search_text)

    def _text(self, path: str, filter_text: str, search_text: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(path, "bold")
        sessions = counted(self.sessions, "session")
        if self.progress is not None and not self.counts_final:  # the forest shown is of
            # the logs read a while ago
            sessions = f"{self.sessions:,}+ sessions"
        text.append(f"  {counted(self.logs, 'log')}  {sessions}")
        if self.problems:
            text.append(f"  ⚠ {counted(self.problems, 'problem')}", "bold red")
        if self.progress is not None:
            text.append(f"  loading {self.progress:4.0%}", "bold yellow")
        if filter_text:
            shown = f" ({self.shown:,} shown)" if self.shown is not None else ""
            text.append(f"  filter: {filter_text}{shown}", "cyan")
        if search_text:
            text.append(f"  {search_text}", "magenta")
        if self.pending:
            text.append(f"  ✎ {self.pending} unsaved", "bold red")
        if self.follow:
            text.append("  FOLLOW", "bold green")
        elif self.new_logs:
            text.append(f"  {self.new_logs:,} new", "bold green")
        return text


MIN_PATH = 12  # cells a shortened path keeps
MIN_FILTER = 16


def _search_cut(search_text: str, width: int) -> str:
    """The search's text in about `width` cells: its term cut at the end, `…` (`hit
    2/137 for 'deep…`), its place never (cut, `hit 2/13` read as the wrong number)."""
    place = search_text.find(" for ")
    keep = len(search_text) if place < 0 else place + len(" for ") + 2
    width = max(width, keep)
    if cell_len(search_text) <= width:
        return search_text
    return set_cell_size(search_text, width - 1) + "…"


def _shortened(text: str, width: int) -> str:
    """`text` in at most `width` cells, its middle replaced by `…` (wide characters such
    as CJK and emoji count as the two cells they take)."""
    if cell_len(text) <= width:
        return text
    room = max(0, width - 1)
    head = set_cell_size(text, room // 2).rstrip()
    tail_room = room - cell_len(head)
    tail = ""
    for char in reversed(text):
        if cell_len(char + tail) > tail_room:
            break
        tail = char + tail
    return head + "…" + tail
