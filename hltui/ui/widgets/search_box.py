"""The search term's box, closed as the key that closes it is handled."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Input

from hltui.ui.typeahead import hand_key


class SearchBox(Input):
    """An `Input` that `enter` (search) and `escape` (cancel) close at once, through
    `on_close(term)` (`term` None on `escape`).

    Keys typed in one burst (a fast typist, a terminal sending `/refund⏎n` in one read)
    are all queued for the box before it handles the first of them: an `enter` left to
    the box's binding and the app's `Submitted` handler was handled after the keys behind
    it, which typed themselves into the term. Here the box closes as it handles `enter`,
    and keys that reach it after that go to the widget focused now, as typed.
    """

    def __init__(self, on_close: Callable[[str | None], None], **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._on_close = on_close

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not self:  # closed already: the key was typed for what has focus now
            event.stop()
            event.prevent_default()
            if focused is not None:
                hand_key(focused, event)
            return
        if event.key in ("enter", "escape"):
            event.stop()
            event.prevent_default()
            self._on_close(self.value if event.key == "enter" else None)
            return
        await super()._on_key(event)
