"""A one-column edge beside a pane, lit while the pane has focus."""

from __future__ import annotations

from textual.widget import Widget


class FocusEdge(Widget):
    """The edge of `pane`: ``-lit`` while `pane` has focus.

    A widget of its own, so a focus change repaints one column: a border on the pane is
    part of every line of the pane, and all of them were drawn again (with a restyle of
    the pane) on each focus change.
    """

    DEFAULT_CSS = """
    FocusEdge {
        width: 1;
        height: 1fr;
        border-right: tall $panel;
        &.-lit { border-right: tall $accent; }
    }
    """

    def __init__(self, pane: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pane = pane

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved)

    def _focus_moved(self, focused: Widget | None) -> None:
        self.set_class(focused is self.pane, "-lit")
