"""Containers that draw nothing of their own: Textual's ``BLANK`` widgets.

A container's own lines are only its background, under its children, yet Textual draws
them through the styles cache, line by line, whenever the container is refreshed: about
1-2 ms per container on every tab switch or transcript opening on a slow machine.
``BLANK`` (Textual's flag for a widget with no border and no content) gives blank strips
of the container's style instead. Only for containers without a border.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, TabbedContent, TabPane


class BlankHorizontal(Horizontal):
    """A ``Horizontal`` that draws only its children."""

    BLANK = True


class BlankVertical(Vertical):
    """A ``Vertical`` that draws only its children."""

    BLANK = True


class BlankSwitcher(ContentSwitcher):
    """A ``ContentSwitcher`` that draws only the child shown."""

    BLANK = True


class BlankTabbedContent(TabbedContent):
    """A ``TabbedContent`` that draws only its tabs and the pane shown."""

    BLANK = True

    def on_mount(self) -> None:
        """Its own switcher (made by ``TabbedContent``) draws only the pane shown, too:
        its lines were drawn through the styles cache on every tab switch."""
        self.get_child_by_type(ContentSwitcher).BLANK = True  # type: ignore[misc]


class BlankTabPane(TabPane):
    """A ``TabPane`` that draws only its children."""

    BLANK = True
