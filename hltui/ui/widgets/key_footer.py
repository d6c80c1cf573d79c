"""KeyFooter: the keys of the focused widget on one line, drawn by one widget.

Textual's ``Footer`` makes a widget per key and recomposes whenever the keys change: the
search box shows fewer keys than the tree, so every search recomposed it twice. Each
recompose mounted a dozen widgets and cost two layouts of the whole screen (30-100 ms at
500k logs, taken from a running search or from the next key press). This
footer draws the same keys as text on its one line, so a change of keys is a repaint of
one line, and a set of keys shown before (the tree's, the transcript's) is drawn from the
line kept for it: focus moving between two widgets redrew the line each time (a tenth of
the frame that opens a transcript with enter). It looks like the stock footer (its theme
variables, the command palette key on the right) and a click on a key presses it, as there.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, TextArea

DRAWN_KEPT = 8  # lines kept, for as many sets of keys


class ShownKey(NamedTuple):
    """One key as the footer draws it."""

    key: str
    display: str
    description: str
    enabled: bool


class KeySpan(NamedTuple):
    """Where a key is drawn on the line (columns start to end), for clicks and hover."""

    start: int
    end: int
    key: ShownKey


def _text_keys() -> frozenset[str]:
    """The names of the keys that type a printable ASCII character (`q`, `slash`...)."""
    try:
        from textual.keys import _character_to_key
    except ImportError:  # another Textual: single characters only
        return frozenset()
    return frozenset(_character_to_key(chr(code)) for code in range(0x20, 0x7F))


TEXT_KEYS = _text_keys()


def takes_text(widget: Widget | None) -> bool:
    """Whether `widget` takes typed characters (an input box, an editable text area)."""
    if isinstance(widget, Input):
        return True
    return isinstance(widget, TextArea) and not widget.read_only


def keys_shown(screen: Screen) -> tuple[tuple[ShownKey, ...], ShownKey | None]:
    """The keys `screen`'s footer shows, in order, and the command palette's key (if on).

    An action bound to several keys shows its first, as in Textual's footer. While a
    widget that takes text has focus, keys that type a character are not shown: they
    type it there.
    """
    app = screen.app
    active = screen.active_bindings
    typing = takes_text(screen.focused)
    shown: dict[str, ShownKey] = {}
    for key, (_, binding, enabled, _tooltip) in active.items():
        if typing and (key in TEXT_KEYS or len(key) == 1):
            continue
        if binding.show and key != app.COMMAND_PALETTE_BINDING and binding.action not in shown:
            display = app.get_key_display(binding)
            shown[binding.action] = ShownKey(binding.key, display, binding.description, enabled)
    palette = None
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
        palette = ShownKey(binding.key, app.get_key_display(binding), binding.description, enabled)
    return tuple(shown.values()), palette


class KeyFooter(Widget, can_focus=False):
    """The focused widget's keys (and the command palette's), redrawn when they change."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-footer--item",
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--separator",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--item { background: $footer-item-background; }
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--hover { background: $block-hover-background; }
        & > .key-footer--separator { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: tuple[ShownKey, ...] = ()
        self._palette: ShownKey | None = None
        self._spans: list[KeySpan] = []
        self._hover: str | None = None  # the key under the mouse
        # The line drawn for each set of keys (and hover, size), with where its keys are.
        self._drawn: dict[tuple[object, ...], tuple[list[Strip], list[KeySpan]]] = {}

    @property
    def keys(self) -> tuple[ShownKey, ...]:
        """The keys shown (the command palette's aside)."""
        return self._keys

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Redraw if the keys to show changed (most focus changes leave them as they are).

        Under a modal screen the footer is blank, as Textual's is: its keys do not work.
        """
        if screen is not self.screen:
            return
        keys, palette = keys_shown(screen) if screen.is_active else ((), None)
        if (keys, palette) != (self._keys, self._palette):
            self._keys, self._palette = keys, palette
            self._hover = None  # the key under the mouse is found again as it moves
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The line for the keys shown, as drawn before for the same keys if it was."""
        key = (self._keys, self._palette, self._hover, self.size)
        drawn = self._drawn.get(key)
        if drawn is None:
            self._set_dirty()  # drawn afresh, not from Textual's line kept for other keys
            lines = super().render_lines(self.size.region)
            if len(self._drawn) >= DRAWN_KEPT:
                self._drawn.clear()
            drawn = self._drawn[key] = (lines, self._spans)
        lines, self._spans = drawn
        lines = lines[crop.y : crop.bottom]
        if crop.column_span != (0, self.size.width):
            lines = [line.crop(*crop.column_span) for line in lines]
        return lines

    def render(self) -> Text:
        width = self.size.width
        item = self.rich_style + self.get_component_rich_style("key-footer--item")
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[KeySpan] = []
        for shown in self._keys:
            self._append_key(text, spans, shown, item, padded=True)
        if self._palette is not None:
            palette = Text(no_wrap=True, end="")
            palette_spans: list[KeySpan] = []
            palette.append("▏", self.get_component_rich_style("key-footer--separator"))
            self._append_key(palette, palette_spans, self._palette, item, padded=False)
            palette.append(" ")
            room = width - palette.cell_len
            if text.cell_len > room:  # whole keys only: a key cut short (`]`) says nothing
                spans = [span for span in spans if span.end <= room]
                text.truncate(spans[-1].end if spans else 0, overflow="crop")
            text.append(" " * (room - text.cell_len))
            spans += [KeySpan(s.start + room, s.end + room, s.key) for s in palette_spans]
            text.append_text(palette)
        self._spans = spans
        return text

    def _append_key(
        self, text: Text, spans: list[KeySpan], shown: ShownKey, item: Style, padded: bool
    ) -> None:
        """Append ` key description ` (`key description` unpadded) to `text`, noting where
        it is in `spans`."""
        start = text.cell_len
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        if shown.key == self._hover and shown.enabled:
            hover = self.get_component_rich_style("key-footer--hover")
            key_style, description_style = key_style + hover, description_style + hover
        if shown.description:
            pad = " " if padded else ""
            part = Text.assemble(
                (f"{pad}{shown.display}{pad}", key_style),
                (f"{'' if padded else ' '}{shown.description}{pad}", description_style),
            )
        else:
            part = Text(shown.display, key_style)
        part.stylize_before(item if shown.enabled else item + Style(dim=True))
        text.append_text(part)
        spans.append(KeySpan(start, text.cell_len, shown))

    def _key_at(self, x: int) -> ShownKey | None:
        return next((span.key for span in self._spans if span.start <= x < span.end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Press the key clicked on (a disabled key rings the bell)."""
        shown = self._key_at(event.x)
        if shown is None:
            return
        if shown.enabled:
            self.app.simulate_key(shown.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        shown = self._key_at(event.x)
        hover = shown.key if shown is not None else None
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()
