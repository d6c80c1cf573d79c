"""PreviewTree: the last forest's top rows, drawn from its saved preview while the logs load.

A `SessionTree` in every way a person sees (rows, cursor, scrolling, looks), over rows
made on demand from a `ForestPreview`: one per top item, collapsed. It only moves its
cursor; the app holds every other key until the real forest takes its place
(`hltui.ui.app`), so nothing acts on a row that is not loaded yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import msgspec
from rich.text import Text
from textual import events

from hltui.model.forest_preview import ForestPreview
from hltui.model.outline import Row
from hltui.ui.widgets.session_tree import SessionTree

PREVIEW_KEYS = frozenset(
    {"j", "k", "down", "up", "g", "G", "home", "end", "pageup", "pagedown", "ctrl+b", "ctrl+f"}
)  # what a preview does itself: move its cursor


class PlaceItem(msgspec.Struct, frozen=True, gc=False):
    """A top item of the preview, by its place in the forest (newest first)."""

    place: int
    has_children: bool

    @property
    def key(self) -> str:
        return f"p:{self.place}"

    @property
    def children(self) -> tuple[bool, ...]:
        """Non-empty when the item has children: only whether it has them is asked."""
        return (True,) if self.has_children else ()


class PreviewRows(Sequence[Row]):
    """A row per top item of a preview, made when asked for (a screenful, not 130k)."""

    def __init__(self, preview: ForestPreview) -> None:
        self.preview = preview
        self._made: dict[int, Row] = {}

    def __len__(self) -> int:
        return len(self.preview)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        row = self._made.get(index)
        if row is None:
            item = PlaceItem(index, self.preview.top(index).has_children)
            row = self._made[index] = Row(item, 0)  # type: ignore[arg-type]
        return row


class PreviewTree(SessionTree):
    """The top rows of a saved forest: a cursor to move, nothing to open yet."""

    # whether the feedback counts saved are what the tree will show (no journal edits)
    exact_feedback = True

    def __init__(self, preview: ForestPreview, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: ForestPreview | None = preview
        self.outline.rows = PreviewRows(preview)  # type: ignore[assignment]

    def on_mount(self) -> None:
        self._update_size()

    def label(self, row: Row) -> Text:
        item: PlaceItem = row.item  # type: ignore[assignment]
        place = item.place
        source = self.preview
        assert source is not None  # rows are dropped with it
        top = source.top(place)
        prefix = "▸ " if top.has_children else "  "
        if top.is_session:
            return self.session_text(
                prefix,
                start=top.time,
                errors=top.errors,
                feedback=top.feedback if self.exact_feedback else 0,
                projects=top.label,
                count=top.count,
                preview=source.session_preview(place),
            )
        return self.log_text(
            prefix,
            orphan=top.orphan,
            standalone=True,
            time=top.time,
            failed=top.errors > 0,
            model=top.label or "?",
            duration=top.duration,
            feedback=top.feedback_label if self.exact_feedback else None,
            summary=source.log_preview(place),
        )

    def release(self) -> None:
        """Let go of the preview's rows and columns (the forest is shown instead)."""
        self.outline.rows = []
        self.preview = None
        self._strips.clear()
        self._labels.clear()

    def set_cursor(self, index: int, *, notify: bool = True) -> None:
        """Move the cursor, telling no one: nothing is shown for a row not yet loaded."""
        super().set_cursor(index, notify=False)

    def action_expand(self) -> None:
        """Nothing to expand yet (the app holds enter and l until the forest is loaded)."""

    def action_expand_all(self) -> None:
        """Nothing to expand yet."""

    def action_collapse(self) -> None:
        """All rows are collapsed."""

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.row_count:
            self.set_cursor(index)
