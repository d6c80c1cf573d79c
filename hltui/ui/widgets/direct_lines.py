"""A mixin for line-API widgets whose lines are finished as drawn.

Textual passes every line of a widget through its styles cache, which adds borders,
padding, tint and opacity, and makes a new strip of each line on every refresh. A widget
with none of those (the transcript, the Details pane, the tree) draws its lines complete
and keeps them: they can go to the screen as they are, with the app's line filters, and
each keeps its filtered copy (Textual caches that per strip). On the frame that opens a
transcript, the styles cache's work was about a third of the frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    _WidgetBase = Widget
else:
    # A plain mixin at run time: Textual inherits default CSS only along the first base
    # that is a DOM node, which must stay the widget's own class.
    _WidgetBase = object


class DirectLines(_WidgetBase):
    """Mixin (listed before the widget class): lines from ``render_line`` go to the
    screen as they are, unless a style needs the styles cache."""

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self._lines_are_finished():
            return super().render_lines(crop)
        width = self.size.width
        background = self.background_colors[1]
        filters = self.get_line_filters()
        pad = None
        strips = []
        for y in crop.line_range:
            strip = self.render_line(y)
            if strip.cell_length != width:
                if pad is None:
                    pad = self.visual_style.rich_style
                strip = strip.adjust_cell_length(width, pad)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, width):
            start, end = crop.column_span
            strips = [strip.crop(start, end) for strip in strips]
        return strips

    def _lines_are_finished(self) -> bool:
        """Whether the styles cache would give the lines unchanged (with the filters)."""
        styles = self.styles
        return not (
            self.BLANK
            or any(styles.gutter)
            or any(edge for edge, _ in styles.outline)
            or styles.tint.a
            or self.opacity != 1.0
            or styles.text_opacity != 1.0
            or styles.has_rule("hatch")
            or (self.auto_links and self.hover_style._link_id)
        )
