"""Drawing the result of a key at once, instead of at Textual's next frame slot."""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget


def draw_now(screen: Screen[object], *widgets: Widget) -> None:
    """Draw `widgets` (refreshed just now) and whatever else `screen` has waiting, now.

    A widget refreshed tells its screen by a message, and the screen draws at most one
    frame per 1/60 s, on a fixed beat: a log opened with enter right after the cursor
    reached it waited for the messages, then up to 17 ms for the next beat. Textual has
    no public call for this: the widgets are put where the screen's own handler of
    those messages puts them, and the screen's frame timer's method draws them; the
    timer then finds nothing left to draw. What the key sets off later (focus looks, the
    footer's keys) comes in a frame after, as usual.

    Nothing is drawn while a layout is pending, under a modal screen, or when a widget to
    draw is not on the screen as last arranged (shown just now, as the transcript in
    place of a session's timeline): Textual would then arrange the screen anew while
    drawing, the layout that follows would find nothing changed, and the widget shown
    would never learn its size (a blank transcript).
    """
    if not (screen.is_current and screen.is_attached) or screen._layout_required:
        return
    if screen.app._batch_count:  # inside `batch_update`: drawn when it ends
        return
    dirty = getattr(screen, "_dirty_widgets", None)
    update = getattr(screen, "_on_timer_update", None)
    compositor = getattr(screen, "_compositor", None)
    if not isinstance(dirty, set) or update is None or compositor is None:
        return  # another Textual: its next frame draws them
    if compositor._full_map_invalidated:
        return
    visible = compositor.visible_widgets
    if not all(widget in visible for widget in (*widgets, *dirty)):
        return
    dirty.update(widgets)
    update()
