"""Scroll bars drawn straight from their segments, and scrollable widgets that use them.

Textual draws a scroll bar as any other widget: a Rich renderable, rendered by a console,
split into lines, styled line by line. That is 1-4 ms per bar on a slow machine, and a
bar is drawn again whenever its position or the size behind it changes, which is every
step of a transcript that is still being filled in and every scroll of the tree.
``QuickScrollBar`` makes the same strips (the same segments, styles and meta, checked by
a test against Textual's) from ``ScrollBarRender.render_bar`` directly, and keeps its last
drawing until something it shows changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    _ScrollableBase = Widget
else:
    # A plain mixin at run time: Textual inherits default CSS only along the first base
    # that is a DOM node, which must stay the scrollable widget's own class.
    _ScrollableBase = object


# What ``ScrollBarRender`` draws with when the style has no colours.
DEFAULT_BACK = RichColor.parse("#555555")
DEFAULT_BAR = RichColor.parse("bright_magenta")


class QuickScrollBar(ScrollBar):
    """A ``ScrollBar`` whose lines are made without the generic renderable path."""

    _drawn_key: tuple[object, ...] | None = None
    _drawn: list[Strip] = []

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of `crop`, from the last drawing while nothing shown has changed."""
        styles = self.styles
        if self.BLANK or styles.tint.a or self.opacity != 1.0 or styles.has_rule("hatch"):
            return super().render_lines(crop)
        bar = self.render()
        if not isinstance(bar, ScrollBarRender):  # a renderer of another kind
            return super().render_lines(crop)
        width, height = self.size
        filters = tuple(self.get_line_filters())
        background = self.background_colors[1]
        base = self.visual_style.rich_style
        key = (
            width,
            height,
            bar.virtual_size,
            bar.window_size,
            bar.position,
            bar.thickness,
            bar.vertical,
            bar.style,
            base,
            background,
            filters,
        )
        if key != self._drawn_key:
            self._drawn = self._draw(bar, width, height, base, filters, background)
            self._drawn_key = key
        strips = self._drawn[crop.y : crop.bottom]
        if crop.column_span != (0, width):
            start, end = crop.column_span
            strips = [strip.crop(start, end) for strip in strips]
        return strips

    def _draw(
        self,
        bar: ScrollBarRender,
        width: int,
        height: int,
        base: Style,
        filters: tuple[LineFilter, ...],
        background: Color,
    ) -> list[Strip]:
        """The bar's lines, as the renderable and the line filters would give them.

        A vertical bar has at most five different lines (track above, thumb, its two
        ends, track below): each is made once and shared.
        """
        if not bar.window_size or bar.virtual_size <= bar.window_size:
            # Shown with nothing to scroll (``overflow-y: scroll``): a blank gutter, not a
            # thumb the whole height of the bar.
            parent = self.parent
            behind = parent.rich_style if isinstance(parent, Widget) else base
            return [Strip.blank(width, Style(bgcolor=behind.bgcolor))] * height
        style = bar.style if isinstance(bar.style, Style) else Style.parse(bar.style)
        segments = self.renderer.render_bar(
            size=height if self.vertical else width,
            window_size=bar.window_size,
            virtual_size=bar.virtual_size,
            position=bar.position,
            vertical=self.vertical,
            thickness=width if self.vertical else height,
            back_color=style.bgcolor or DEFAULT_BACK,
            bar_color=style.color or DEFAULT_BAR,
        ).segments

        def filtered(line: Strip) -> Strip:
            for line_filter in filters:
                line = line.apply_filter(line_filter, background)
            return line

        if not self.vertical:
            cells = [Segment(segment.text, base + segment.style) for segment in segments[:width]]
            return [filtered(Strip(cells))] * height
        made: dict[Segment, Strip] = {}
        lines = []
        for segment in segments[:height]:
            line = made.get(segment)
            if line is None:
                line = filtered(Strip([Segment(segment.text, base + segment.style)], width))
                made[segment] = line
            lines.append(line)
        return lines


class QuickScrollBars(_ScrollableBase):
    """Mixin (listed first) for a scrollable widget whose scroll bars are ``QuickScrollBar``s."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical bar, made on first use (as Textual's property does)."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = self._start_bar(True, self.scrollbar_size_vertical)
        return self._vertical_scrollbar

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        """The horizontal bar, made on first use."""
        if self._horizontal_scrollbar is None:
            self._horizontal_scrollbar = self._start_bar(False, self.scrollbar_size_horizontal)
        return self._horizontal_scrollbar

    def _start_bar(self, vertical: bool, thickness: int) -> ScrollBar:
        """Make and start a bar as Textual's own properties do."""
        bar = QuickScrollBar(
            vertical=vertical, name="vertical" if vertical else "horizontal", thickness=thickness
        )
        bar.display = False
        self.app._start_widget(self, bar)
        return bar
