"""Keys typed while a screen that takes text opens, held for it.

`c hello` typed in one read (a fast typist, a paste, a terminal sending a burst): the
keys after `c` arrive before the comment editor has mounted its text box, and went to
the screen (and were lost) or, before `c` was a priority key, to the tree as commands.
The app holds them from the moment it opens such a screen until the screen names the
widget they are for, then hands them over in order.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget

HOLD_AT_MOST = 1.0  # seconds: a screen that never says where keys go gets them then


class TypeAhead:
    """Key presses held while a screen is opening (None: nothing held)."""

    def __init__(self) -> None:
        self.keys: list[events.Key] | None = None
        self.started = 0  # counts the holds, so a late timer ends only its own

    def start(self) -> int:
        """Hold the keys that come from now on; the number of this hold."""
        self.keys = []
        self.started += 1
        return self.started

    def holding(self, hold: int) -> bool:
        """Whether hold number `hold` is still open (not released, not replaced)."""
        return self.keys is not None and self.started == hold

    def hold(self, event: events.Key) -> bool:
        """Keep `event` if keys are being held (True), else leave it (False)."""
        if self.keys is None:
            return False
        self.keys.append(event)
        return True

    def release(self, target: Widget | None) -> None:
        """Hand the keys held, in order, to `target` (dropped without one), and stop
        holding: later keys go their usual way, after these."""
        keys, self.keys = self.keys, None
        if target is None or not keys:
            return
        for key in keys:
            hand_key(target, key)


def hand_key(target: Widget, key: events.Key) -> None:
    """Give `target` a key typed for it, as the app hands a key to the focused widget
    (marked as handed on, so the app does not take it as a new key when it bubbles up)."""
    target._forward_event(events.Key(key.key, key.character))
