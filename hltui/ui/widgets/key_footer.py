"""Textual's ``Footer``, rebuilt only when the keys it shows change.

The stock footer recomposes (a new widget per key, each styled afresh) whenever the
screen's bindings change, which is every focus change, even when the keys it would show
are the same. Opening a log moves focus, and the recompose cost about a fifth of it.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

KeysShown = tuple[tuple[str, str, str, bool, str], ...]


def keys_shown(screen: Screen) -> KeysShown:
    """What the footer would draw for `screen`: each shown key, its label and state."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (binding.key, binding.key_display or "", binding.description, enabled, tooltip)
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    """A ``Footer`` that skips the recompose when the keys shown stay the same."""

    _shown: KeysShown | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = keys_shown(screen)
            if shown == self._shown:
                self._bindings_ready = True
                return
            self._shown = shown
        super().bindings_changed(screen)
