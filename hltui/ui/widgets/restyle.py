"""A mixin for widgets that draw their lines with colours from their styles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

if TYPE_CHECKING:
    _WidgetBase = Widget
else:
    # A plain mixin at run time: Textual inherits default CSS only along the first base
    # that is a DOM node, which must stay the widget's own class.
    _WidgetBase = object


class RedrawsOnRestyle(_WidgetBase):
    """Mixin (listed before the widget class): `_restyled` is called when the look the
    widget draws with (`_style_key`) changed, as with a new theme.

    The look is read once the restyle is done: while Textual restyles the widget (and
    calls `notify_style_update`), its component classes still have the old theme's
    colours, so lines drawn then kept them.
    """

    _look_key: tuple[object, ...] = ()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.call_later(self._check_look)

    def _check_look(self) -> None:
        try:
            key = self._style_key()
        except KeyError:  # not mounted yet: no component styles
            return
        if key != self._look_key:
            self._look_key = key
            self._restyled()

    def _style_key(self) -> tuple[object, ...]:
        """What the drawing depends on among the widget's styles."""
        raise NotImplementedError

    def _restyled(self) -> None:
        """Draw again with the new look."""
        raise NotImplementedError
