"""A mixin for line-API views whose height is a number of rows they set themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.scroll_view import ScrollView

if TYPE_CHECKING:
    _ScrollViewBase = ScrollView
else:
    # A plain mixin at run time: Textual inherits default CSS only along the first base
    # that is a DOM node, which must stay the view's own class.
    _ScrollViewBase = object


class RowsView(_ScrollViewBase):
    """Mixin (listed before ``ScrollView``): set the height in rows, scroll whenever
    there are more rows than fit."""

    @property
    def allow_vertical_scroll(self) -> bool:
        """Scroll whenever there are more rows than fit.

        Textual allows it only once a layout has shown the scroll bar: a view that had
        too few rows for one (a tree filter just cleared, a transcript just opened)
        would not scroll to what it has to show until the next refresh.
        """
        return not self._check_disabled() and self.max_scroll_y > 0

    def set_rows(self, rows: int) -> None:
        """Set the scrollable height to `rows`.

        While the scroll bar stays shown (always, with ``overflow-y: scroll``), only the
        scroll bar is updated: a layout of the whole screen on every change (a live
        update, a transcript opened or its next step) would stall input.
        """
        size = Size(self.size.width, rows)
        height = self.scrollable_content_region.height
        always = self.styles.overflow_y == "scroll"
        bar_stays = self.show_vertical_scrollbar and (
            always or (self.virtual_size.height > height and rows > height)
        )
        if bar_stays:
            self.set_reactive(ScrollView.virtual_size, size)
            scrollbar = self.vertical_scrollbar
            scrollbar.window_virtual_size = rows
            scrollbar.window_size = height
            scrollbar.refresh()
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
            self.refresh()
        else:
            self.virtual_size = size
