"""A one-column edge beside a pane, lit while the pane has focus."""

from __future__ import annotations

from rich.segment import Segment
from textual._border import get_box
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

from hltui.ui.widgets.direct_lines import DirectLines


class FocusEdge(DirectLines, Widget):
    """The edge of `pane`: `lit` while `pane` has focus.

    A widget of its own, so a focus change repaints one column: a border on the pane is
    part of every line of the pane, and all of them were drawn again (with a restyle of
    the pane) on each focus change. It draws its one line itself, as a ``tall`` right
    border in the colour of its look, and a focus change only refreshes it: a class
    toggled restyled it, and the styles cache drew each of its lines again (a sixth of
    the frame that opens a transcript with enter).
    """

    COMPONENT_CLASSES = {"focus-edge--lit", "focus-edge--unlit"}

    DEFAULT_CSS = """
    FocusEdge {
        width: 1;
        height: 1fr;
        & > .focus-edge--unlit { color: $panel; }
        & > .focus-edge--lit { color: $accent; }
    }
    """

    def __init__(self, pane: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pane = pane
        self.lit = False
        self._drawn: dict[bool, Strip] = {}

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved)

    def _focus_moved(self, focused: Widget | None) -> None:
        lit = focused is self.pane
        if lit != self.lit:
            self.lit = lit
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()

    def render_line(self, y: int) -> Strip:
        strip = self._drawn.get(self.lit)
        if strip is None or strip.cell_length != self.size.width:
            strip = self._drawn[self.lit] = self._draw(self.lit)
        return strip

    def _draw(self, lit: bool) -> Strip:
        """The line, as Textual draws a ``tall`` right border in the look's colour."""
        base_background, background = self.background_colors
        look = self.get_component_styles("focus-edge--lit" if lit else "focus-edge--unlit")
        inner = Style(background=base_background + background)
        outer = Style(background=base_background)
        colour = Style(foreground=base_background + look.color)
        edge = get_box("tall", inner, outer, colour)[1][2]
        width = max(1, self.size.width)
        blank = [Segment(" " * (width - 1), inner.rich_style)] if width > 1 else []
        return Strip([*blank, edge], width)
