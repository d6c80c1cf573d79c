"""The app's main screen: Textual's default screen, without a full repaint on each focus move.

Textual's ``Screen.focused`` repaints the whole screen when focus moves. The widgets that
gain and lose focus refresh themselves already (their ``:focus`` styles, their cursor),
and ``:focus-within`` ancestors are restyled by the screen, so the extra repaint only
drew every widget's lines a second time: in the frame that opens a transcript with
enter, after the layout had drawn them once (12 ms of a 30-45 ms frame at 100k logs).

The screen's own lines are only its background, under the widgets: it gives blank lines
of its style (Textual's ``BLANK``) instead of drawing them through the styles cache for
every region redrawn (the whole pane on each tab switch).
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget


class BrowserScreen(Screen[None]):
    """The default screen, with focus changes painted by the widgets they concern."""

    BLANK = True

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
