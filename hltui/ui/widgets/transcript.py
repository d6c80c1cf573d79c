"""The transcript of one log: a block per message, then the output and the error.

Like elia's chat box, each message is a bordered block coloured by its role (user,
assistant, system, tool, other), with the role (and name) as its title. Tool calls show
their function name and pretty JSON arguments; tool results are attached to the call they
answer. All log text is built as ``rich.text.Text`` (never markup) with control characters
made visible, and capped so a message of hundreds of kilobytes does not freeze the screen.

A log is first turned into ``BlockSpec``s (cheap: bodies are rendered when first shown).
The transcript is one widget on Textual's line API that draws its blocks itself
(``message_box.draw_box``): opening a log draws the first screenful of blocks at once and
the rest a step per refresh, and lays out nothing else on the screen.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import events
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from hltui.model.records import CallView, ChatMessage, LogResponse
from hltui.ui.widgets.direct_lines import DirectLines
from hltui.ui.widgets.message_box import BoxLook, draw_box
from hltui.ui.widgets.quick_scrollbar import QuickScrollBars
from hltui.ui.widgets.render import (
    TEXT_LIMIT,
    TOO_DEEP_TO_SHOW,
    cap,
    dumps,
    json_text,
    more_line,
    safe,
    to_str,
)
from hltui.ui.widgets.restyle import RedrawsOnRestyle
from hltui.ui.widgets.rows_view import RowsView

# Every message gets at most TEXT_LIMIT characters; once the whole transcript has shown
# TOTAL_BUDGET characters, later messages get SMALL_LIMIT each. At most MAX_BLOCKS messages
# become blocks; the rest are announced by a note.
HIGHLIGHT_STYLE = "bold black on yellow"
TOTAL_BUDGET = 300_000
SMALL_LIMIT = 2_000
MAX_BLOCKS = 500

ROLE_CLASSES = {
    "user": "-role-user",
    "assistant": "-role-assistant",
    "system": "-role-system",
    "developer": "-role-system",
    "tool": "-role-tool",
    "function": "-role-tool",
}


def role_class(role: object) -> str:
    """The class of a role: ``-role-user`` ... ``-role-tool``, else ``-role-other``."""
    return ROLE_CLASSES.get(role, "-role-other") if isinstance(role, str) else "-role-other"


class BlockSpec:
    """What one block shows; `header` None makes it a note (no border, not a message).

    `classes` are its kind: a ``-role-...`` class, and ``-attached`` (a tool result under
    its call), ``-output``, ``-error``, ``-raw`` or ``transcript--note``.

    The body and full text are given, or made by ``make`` when first asked for: a log's
    later messages (tool calls as highlighted JSON) are only rendered if they are shown.
    """

    __slots__ = ("_body", "_full_text", "_make", "classes", "header", "subtitle")

    def __init__(
        self,
        body: RenderableType = "",
        header: Text | None = None,
        full_text: str = "",
        classes: str = "",
        subtitle: str | None = None,
        make: Callable[[], tuple[RenderableType, str]] | None = None,
    ) -> None:
        self._body = body
        self._full_text = full_text
        self._make = make
        self.header = header
        self.classes = classes
        self.subtitle = subtitle

    @property
    def body(self) -> RenderableType:
        if self._make is not None:
            self._made()
        return self._body

    @property
    def full_text(self) -> str:
        if self._make is not None:
            self._made()
        return self._full_text

    def _made(self) -> None:
        assert self._make is not None
        self._body, self._full_text = self._make()
        self._make = None

    @property
    def is_note(self) -> bool:
        return self.header is None

    @property
    def role_class(self) -> str:
        """The ``-role-...`` class of the block."""
        return next((c for c in self.classes.split() if c.startswith("-role-")), "-role-other")

    def has_class(self, *names: str) -> bool:
        """Whether the block has every one of `names` among its classes."""
        return set(names) <= set(self.classes.split())


def note(text: str) -> BlockSpec:
    """A line of explanation in the transcript (not a message)."""
    return BlockSpec(Text(text), classes="transcript--note")


@dataclass
class _Budget:
    """Characters left to show in the whole transcript."""

    left: int = TOTAL_BUDGET

    def take(self, length: int) -> int:
        limit = TEXT_LIMIT if self.left > 0 else SMALL_LIMIT
        self.left -= min(length, limit)
        return limit


def _body(text: str, limit: int, markdown: bool) -> tuple[RenderableType | None, int]:
    """The rendered content (with a "… N more characters" line) and how many were cut."""
    if not text:
        return None, 0
    shown, more = cap(text, limit)
    note = Text(more_line(more), style="italic dim") if more else None
    if markdown:
        body = Markdown(safe(shown), hyperlinks=False)
        return (Group(body, note) if note else body), more
    plain = Text(safe(shown))
    if note:
        plain.append("\n")
        plain.append_text(note)
    return plain, more


def _call_label(call: CallView) -> str:
    name = call.name or "(unnamed function)"
    return f"{name} ({call.id})" if call.id else name


def _call_renderables(call: CallView, limit: int) -> tuple[Text, str]:
    """A tool call as ``→ name (id)`` plus pretty JSON arguments; also as plain text."""
    arguments = call.parsed_arguments()
    head = Text.assemble(("→ call ", "bold"), (safe(_call_label(call)), "bold italic"))
    body = Text()
    if arguments is not None and arguments != "":
        body = json_text(arguments, limit=limit)
    text = Text.assemble(head, "\n", body) if body.plain else head
    problem = call.arguments_problem()
    if problem is not None:
        text.append("\n")
        text.append(safe(problem), style="italic dim")
    full = arguments if isinstance(arguments, str) else dumps(arguments)
    if full == TOO_DEEP_TO_SHOW:  # copied (`y`) as stored, not as the note shown
        full = to_str(call.arguments)
    return text, f"→ call {_call_label(call)}\n{full}" if full else f"→ call {_call_label(call)}"


@dataclass(frozen=True)
class ShownBlock:
    """A block as the transcript shows it: its spec, and its body with search marks."""

    spec: BlockSpec
    content: RenderableType

    @property
    def header(self) -> Text:
        return self.spec.header if self.spec.header is not None else Text()

    @property
    def body(self) -> RenderableType:
        return self.spec.body

    @property
    def full_text(self) -> str:
        return self.spec.full_text

    @property
    def subtitle(self) -> str | None:
        return self.spec.subtitle

    @property
    def text(self) -> str:
        """The plain text shown (of a Text body; else the body as a string)."""
        content = self.content
        return content.plain if isinstance(content, Text) else str(content)

    @property
    def role_class(self) -> str:
        return self.spec.role_class

    def has_class(self, *names: str) -> bool:
        return self.spec.has_class(*names)


# The look of each kind of block: its component class (colours) and edge type.
ROLE_LOOKS = {
    "-role-user": "transcript--user",
    "-role-assistant": "transcript--assistant",
    "-role-system": "transcript--system",
    "-role-tool": "transcript--tool",
    "-role-other": "transcript--other",
}
LOOK_CLASSES = (
    *ROLE_LOOKS.values(),
    "transcript--raw",
    "transcript--error",
    "transcript--error-focused",
    "transcript--focused",
    "transcript--subtitle",
    "transcript--note",
)


class Transcript(
    QuickScrollBars, RedrawsOnRestyle, DirectLines, RowsView, ScrollView, can_focus=True
):
    """The messages of one log as blocks; ``j``/``k`` choose a message.

    One widget draws every block (Textual's line API): a block's lines are drawn once per
    width (and again for the message chosen, which shows highlighted while the transcript
    has focus). Showing a log draws the first screenful at once and the rest a step per
    refresh (``mounting_more``).
    """

    COMPONENT_CLASSES = set(LOOK_CLASSES)

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;  /* the bar never comes and goes: opening a log lays out nothing */
        & > .transcript--user { color: $primary; }
        & > .transcript--assistant { color: $success; }
        & > .transcript--system { color: $warning; }
        & > .transcript--tool { color: $accent; }
        & > .transcript--other { color: $secondary; }
        & > .transcript--raw { color: $foreground-muted; }
        & > .transcript--error { color: $error; background: $error 10%; }
        & > .transcript--error-focused { background: $error 20%; }
        & > .transcript--focused { background: $boost; }
        & > .transcript--subtitle { color: $foreground-muted; }
        & > .transcript--note { color: $foreground-muted; }
    }
    """

    BINDINGS = [
        Binding("j,down", "next_message", "Next message", key_display="j", id="transcript.next"),
        Binding("k,up", "previous_message", "Prev message", show=False, id="transcript.prev"),
        Binding("g,home", "first_message", "First message", show=False, id="transcript.first"),
        Binding("G,end", "last_message", "Last message", show=False, id="transcript.last"),
        Binding("tab", "leave(1)", "Tree", id="transcript.leave_next"),
        Binding("shift+tab", "leave(-1)", "Prev pane", show=False, id="transcript.leave_prev"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._specs: list[BlockSpec] = [note(SELECT_NOTE)]
        self._places: list[int] = []  # where each message (not note) is in _specs
        self._shown: list[RenderableType] = []  # bodies (with marks) of the blocks given
        self._lines: list[list[Strip]] = []  # the drawn lines of the blocks given
        self._tops: list[int] = [0]  # where each given block starts; the last: the end
        self._drawn_width = 0  # the width the blocks were drawn at (0: not yet)
        self._chosen: tuple[int, list[Strip]] | None = None  # the chosen block, drawn so
        self._looks: dict[tuple[str, bool], BoxLook] = {}
        self._generation = 0
        # a block to scroll to the top once drawn, and the search term to show in it
        self._top_wanted: tuple[int, str] | None = None
        self._current: int | None = None
        self._record: LogResponse | None = None
        self._term = ""
        self.markdown = False
        self._give(1)

    # --- public API -------------------------------------------------------------------

    @property
    def blocks(self) -> list[ShownBlock]:
        """The message blocks, in order (messages, then output, then error).

        Gives every block its place first, if some still wait for their step.
        """
        self._give(len(self._specs))
        return [ShownBlock(self._specs[place], self._shown[place]) for place in self._places]

    @property
    def shown_blocks(self) -> list[ShownBlock]:
        """The blocks shown so far (notes too): a long log's later steps may still come."""
        given = self._specs[: len(self._shown)]
        return [ShownBlock(spec, body) for spec, body in zip(given, self._shown, strict=True)]

    @property
    def message_count(self) -> int:
        """How many message blocks there are (messages plus the output and error)."""
        return len(self._places)

    @property
    def mounting_more(self) -> bool:
        """Whether later blocks of a long log are still to be shown."""
        return len(self._shown) < len(self._specs)

    @property
    def record(self) -> LogResponse | None:
        """The log shown, if any."""
        return self._record

    @property
    def chosen_message(self) -> int | None:
        """The message shown as chosen: the current one, while the transcript has focus."""
        return self._current if self.has_focus else None

    def show_log(self, record: LogResponse, markdown: bool = False) -> AwaitComplete:
        """Show ``record``'s messages, output and error."""
        self._record = record
        self.markdown = markdown
        return self._replace(build_blocks(record, markdown))

    def set_markdown(self, markdown: bool) -> AwaitComplete:
        """Render message bodies as Markdown (or plain text) again, keeping the message
        chosen and the place read (the chosen message where it was on screen, while the
        transcript has focus; else the line at the top, as near as the new text allows)."""
        self.markdown = markdown
        if self._record is None:
            return AwaitComplete.nothing()
        keep = self._current
        anchor = self._anchor()
        row = None  # where the chosen block's top was, from the top of the view
        if self.has_focus and keep is not None and self._places[keep] < len(self._lines):
            row = self._tops[self._places[keep]] - int(self.scroll_y)
        done = self._replace(build_blocks(self._record, markdown), keep=keep)
        if row is not None and keep is not None and self._places[keep] < len(self._lines):
            top = self._tops[self._places[keep]]
            self.scroll_to(y=max(0, top - row), animate=False, immediate=True)
        elif anchor is not None:
            self._scroll_to_anchor(anchor)
        return done

    def show_failure(self, raw: bytes, reason: str) -> AwaitComplete:
        """Show a record that could not be decoded: its problem and its raw text."""
        self._record = None
        text = raw.decode("utf-8", errors="replace")
        shown, more = cap(text, TEXT_LIMIT)
        body = Text(safe(shown))
        if more:
            body.append("\n" + more_line(more), style="italic dim")
        specs = [
            BlockSpec(
                Text(safe(reason)),
                header=Text("this record could not be decoded"),
                full_text=reason,
                classes="-error",
            ),
            BlockSpec(
                body,
                header=Text("raw text"),
                full_text=text,
                classes="-raw",
                subtitle=f"{len(raw):,} bytes",
            ),
        ]
        return self._replace(specs)

    def clear(self) -> AwaitComplete:
        """Show nothing (the "select a log" note)."""
        self._record = None
        return self._replace([note(SELECT_NOTE)])

    def highlight(self, term: str) -> int:
        """Mark every occurrence of ``term`` (case-insensitive) and bring the first into view.

        Returns how many blocks contain it; an empty term removes the marks. Blocks shown
        later (a long log's later steps) are marked when they are shown. A Markdown body
        cannot be marked: it is found (and scrolled to) by its text.
        """
        self._term = term
        wanted = term.casefold()
        found: list[int] = []
        for place, spec in enumerate(self._specs):
            if spec.is_note:
                continue
            body, hits = self._marked(spec)
            if hits or (
                wanted and not isinstance(body, Text) and wanted in spec.full_text.casefold()
            ):
                found.append(place)
            if place < len(self._shown):
                self._shown[place] = body
        self._redraw()
        if found:
            self._give(found[0] + 1)
            self._show_top_of(found[0], term)
        return len(found)

    def show_error(self) -> None:
        """Bring the error block to the top of the view (when drawn, if it is not yet)."""
        for place in range(len(self._specs) - 1, -1, -1):
            if self._specs[place].has_class("-error"):
                self._give(place + 1)
                self._show_top_of(place)
                return

    def current_index(self) -> int | None:
        """The index of the message chosen (also while focus is elsewhere)."""
        return self._current

    def current_text(self) -> str | None:
        """The full text of the message chosen, for copying."""
        index = self._current
        if index is None or index >= len(self._places):
            return None
        return self._specs[self._places[index]].full_text

    def message_lines(self, index: int) -> tuple[int, int]:
        """Where message `index` is in the whole transcript: its first line and the line
        after its last (its margin not counted); (0, 0) until it is shown and drawn."""
        place = self._places[index]
        if place >= len(self._lines):
            return 0, 0
        return self._tops[place], self._tops[place + 1] - 1

    def focus_message(self, index: int) -> None:
        """Choose message ``index`` (clamped), focus the transcript and scroll to it."""
        if not self._places:
            return
        index = max(0, min(index, len(self._places) - 1))
        place = self._places[index]
        self._give(place + 1)
        self._current = index
        self._chosen = None
        if not self.has_focus:
            self.focus(scroll_visible=False)
        self._scroll_to_place(place)
        self.refresh()

    # --- actions ------------------------------------------------------------------------

    def action_next_message(self) -> None:
        self._move(1)

    def action_previous_message(self) -> None:
        self._move(-1)

    def action_first_message(self) -> None:
        self.focus_message(0)

    def action_last_message(self) -> None:
        self.focus_message(len(self._places) - 1)

    def action_leave(self, direction: int) -> None:
        """Move focus to the next (or previous) widget in the focus chain, at once (keys
        typed together with tab go there)."""
        chain = self.screen.focus_chain
        if self not in chain or len(chain) < 2:
            return
        here = chain.index(self)
        self.screen.set_focus(chain[(here + direction) % len(chain)])

    # --- events -------------------------------------------------------------------------

    def watch_has_focus(self, has_focus: bool) -> None:
        """Draw the chosen message (highlighted only with focus), without a restyle.

        Textual restyles a widget and its component classes on every focus change, for
        ``:focus`` rules; the transcript has none (it draws the chosen message itself),
        and with its eleven looks the restyle took 3-5 ms of each log opened with enter.
        """
        self.refresh()

    def on_focus(self, event: events.Focus) -> None:
        """Back in a log read before (tab, t): its message chosen shows as chosen again."""
        if self._current is not None and self._current < len(self._places):
            self._scroll_to_place(self._places[self._current], unless_in_view=True)

    def on_resize(self, event: events.Resize) -> None:
        """Draw the blocks for the new width: the line at the top stays at the top (as
        near as the new wrapping allows), and the message chosen in view."""
        anchor = self._anchor()
        self._redraw()
        if anchor is not None:
            self._scroll_to_anchor(anchor)
        if self._current is not None and self._current < len(self._places):
            self._scroll_to_place(self._places[self._current], unless_in_view=True)

    def _scroll_to_anchor(self, anchor: tuple[int, float]) -> None:
        """Scroll back to where `_anchor` was taken, in the blocks as drawn now."""
        place, fraction = anchor
        if place < len(self._lines):
            top, bottom = self._tops[place], self._tops[place + 1]
            line = top + round(fraction * (bottom - top))
            self.scroll_to(y=line, animate=False, immediate=True)

    def _anchor(self) -> tuple[int, float] | None:
        """The block at the top of the view and how far into it the view starts."""
        line = int(self.scroll_y)
        place = self._place_at(line)
        if place is None or place >= len(self._lines):
            return None
        top, bottom = self._tops[place], self._tops[place + 1]
        return place, (line - top) / max(1, bottom - top)

    def on_click(self, event: events.Click) -> None:
        """A click on a message chooses it."""
        line = int(self.scroll_y) + event.y
        place = self._place_at(line)
        if place is None or self._specs[place].is_note:
            return
        if line < self._tops[place + 1] - 1:  # not the blank line below the block
            self.focus_message(self._places.index(place))

    def _style_key(self) -> tuple[object, ...]:
        looks = [self.get_component_styles(name) for name in LOOK_CLASSES]
        return (self.visual_style, *((styles.color, styles.background) for styles in looks))

    def _restyled(self) -> None:
        """Draw the blocks again with the new look (a theme)."""
        self._looks.clear()
        self._redraw()

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        place = self._place_at(index)
        if place is None or not self._drawn_width:  # (a new width is drawn on resize)
            return Strip.blank(width, self.rich_style)
        lines = self._lines[place]
        chosen = self.chosen_message
        if chosen is not None and chosen < len(self._places) and self._places[chosen] == place:
            lines = self._chosen_lines(place)
        return lines[index - self._tops[place]]

    def _place_at(self, line: int) -> int | None:
        """The given block on `line` of the whole transcript, if any."""
        if line < 0 or line >= self._tops[-1]:
            return None
        return bisect_right(self._tops, line) - 1

    def _block_width(self) -> int:
        return self.scrollable_content_region.width

    def _chosen_lines(self, place: int) -> list[Strip]:
        """The lines of the chosen block, drawn highlighted (once while it stays)."""
        if self._chosen is None or self._chosen[0] != place:
            self._chosen = (place, self._draw(place, chosen=True))
        return self._chosen[1]

    def _look(self, spec: BlockSpec, chosen: bool) -> BoxLook:
        """How a block of `spec`'s kind is drawn (chosen or not)."""
        key = (spec.classes, chosen)
        look = self._looks.get(key)
        if look is None:
            look = self._looks[key] = self._make_look(spec, chosen)
        return look

    def _make_look(self, spec: BlockSpec, chosen: bool) -> BoxLook:
        base = self.visual_style
        outer = Style(background=base.background, foreground=base.foreground)

        def colour(name: str) -> Style:
            return Style(foreground=self.get_component_styles(name).color)

        def over(background: Style, name: str) -> Style:
            styles = self.get_component_styles(name)
            if not styles.has_rule("background"):
                return background
            blended = (background.background or base.background) + styles.background
            return Style(background=blended, foreground=background.foreground)

        if spec.is_note:
            note_colour = colour("transcript--note").foreground
            muted = Style(background=base.background, foreground=note_colour)
            return BoxLook("", muted, muted, muted, muted, outer)
        edge, name = "round", ROLE_LOOKS.get(spec.role_class, "transcript--other")
        if spec.has_class("-output"):
            edge = "double"
        elif spec.has_class("-error"):
            edge, name = "heavy", "transcript--error"
        elif spec.has_class("-raw"):
            name = "transcript--raw"
        error = name == "transcript--error"
        inner = over(outer, name) if error else outer
        if chosen:
            inner = over(outer, "transcript--error-focused" if error else "transcript--focused")
        border = colour(name)
        title = border + Style(bold=True, reverse=chosen or None)
        return BoxLook(edge, border, title, colour("transcript--subtitle"), inner, outer)

    def _draw(self, place: int, chosen: bool = False) -> list[Strip]:
        """The lines of block `place` at the current width."""
        spec = self._specs[place]
        width = self._drawn_width
        indent = 1 + (ATTACHED_INDENT if spec.has_class("-attached") else 0)
        look = self._look(spec, chosen)
        return draw_box(
            self,
            self._shown[place],
            look,
            max(1, width - indent - 1),
            indent,
            max(width, self.size.width),  # lines as wide as the view: finished as drawn
            title=spec.header,
            subtitle=Text(spec.subtitle) if spec.subtitle else None,
            marker=look.border if chosen else None,
        )

    def _redraw(self) -> None:
        """Draw every given block again (a new width, new marks or a new look)."""
        self._chosen = None
        width = self._block_width()
        if width <= 0 or not self.is_mounted:
            self._drawn_width = 0
            return
        self._drawn_width = width
        self._lines = []
        self._tops = [0]
        for place in range(len(self._shown)):
            self._add_lines(place)
        self.set_rows(self._tops[-1])
        self.refresh()
        if self._top_wanted is not None:
            self._show_top_of(*self._top_wanted)

    def _add_lines(self, place: int) -> None:
        lines = self._draw(place)
        self._lines.append(lines)
        self._tops.append(self._tops[-1] + len(lines))

    # --- internals ----------------------------------------------------------------------

    def _move(self, delta: int) -> None:
        if not self._places:
            return
        shown, starting = self._messages_in_view()
        if shown and (self._current is None or self._current not in shown):
            # scrolled away from the chosen message (page keys, the mouse): go on from
            # the messages on screen (`j` went back to the one scrolled away from)
            # `j`: the first message starting on screen; `k`: the top one (a message
            # lower down would scroll the view on, not back)
            self.focus_message((starting or shown)[0] if delta > 0 else shown[0])
        elif self._current is None:
            self.focus_message(0 if delta > 0 else len(self._places) - 1)
        else:
            self.focus_message(self._current + delta)

    def _messages_in_view(self) -> tuple[list[int], list[int]]:
        """The (drawn) messages with a line on screen, top to bottom, and those of them
        that start on screen."""
        top = int(self.scroll_y)
        bottom = top + self.scrollable_content_region.height
        drawn = len(self._lines)
        shown = [
            number
            for number, place in enumerate(self._places)
            if place < drawn and self._tops[place] < bottom and self._tops[place + 1] - 1 > top
        ]
        starting = [number for number in shown if self._tops[self._places[number]] >= top]
        return shown, starting

    def _show_top_of(self, place: int, term: str = "") -> None:
        """Scroll block `place` to the top, or the line where `term` first shows in it
        if that is further down than the view (once drawn, if not drawn yet)."""
        if place >= len(self._lines):
            self._top_wanted = (place, term)
            return
        self._top_wanted = None
        top = self._tops[place]
        line = top + _line_with(self._lines[place], term) if term else top
        view = self.scrollable_content_region.height
        if line - top >= view - 1:  # below the first screen of the block
            top = max(top, line - view // 3)
        self.scroll_to(y=top, animate=False, immediate=True)

    def _scroll_to_place(self, place: int, *, unless_in_view: bool = False) -> None:
        """Bring block `place` into view (its top, if it is taller than the view); with
        `unless_in_view`, leave the view where it is if it shows part of the block (the
        reading position inside a long message is kept)."""
        if place >= len(self._lines):
            return
        top, bottom = self._tops[place], self._tops[place + 1] - 1  # not its margin
        height = bottom - top
        view = self.scrollable_content_region.height
        shown_from = int(self.scroll_y)
        if unless_in_view and top < shown_from + view and bottom > shown_from:
            return
        if height > view:
            self.scroll_to(y=top, animate=False, immediate=True)
        else:
            self.scroll_to_region(Region(0, top, 1, height), animate=False, immediate=True)

    def _marked(self, spec: BlockSpec) -> tuple[RenderableType, int]:
        """The body of `spec` with the search term marked, and how many marks."""
        body = spec.body
        if not self._term or not isinstance(body, Text):
            return body, 0
        shown = body.copy()
        hits = shown.highlight_words([self._term], HIGHLIGHT_STYLE, case_sensitive=False)
        return shown, hits

    def _give(self, upto: int, *, fill: int | None = None) -> None:
        """Show the blocks up to `upto` (bodies marked and, once laid out, drawn); with
        `fill`, stop one block after they reach `fill` lines."""
        upto = min(upto, len(self._specs))
        if upto <= len(self._shown):
            return
        drawing = self._drawn_width > 0
        for place in range(len(self._shown), upto):
            self._shown.append(self._marked(self._specs[place])[0])
            if drawing:
                self._add_lines(place)
                if fill is not None and self._tops[-2] >= fill:
                    break  # this block was the one more after the view was filled
        if drawing:
            self.set_rows(self._tops[-1])
            self.refresh()
            if self._top_wanted is not None:
                self._show_top_of(*self._top_wanted)

    def _replace(self, specs: list[BlockSpec], keep: int | None = None) -> AwaitComplete:
        """Show `specs` instead, from the top; with `keep`, all at once and with message
        `keep` chosen again."""
        self._specs = specs
        self._places = [place for place, spec in enumerate(specs) if not spec.is_note]
        self._current = None
        self._chosen = None
        self._top_wanted = None
        self._generation += 1
        self._shown = []
        self._lines = []
        self._tops = [0]
        self._drawn_width = self._block_width() if self.is_mounted else 0
        self.scroll_to(y=0, animate=False, immediate=True)
        # A long log shows its first screenful at once; the rest is given a step per
        # refresh, so opening a 100-message log does not hold up the next key press.
        if keep is not None:
            self._give(len(specs))
            if keep < len(self._places):
                self._current = keep
        else:
            self._give_screenful()
        if self.mounting_more:
            self.call_after_refresh(self._give_more, self._generation)
        if not self._shown or self._drawn_width == 0:
            self.set_rows(self._tops[-1])
            self.refresh()
        return AwaitComplete.nothing()

    def _give_screenful(self) -> None:
        """Show blocks until they fill the view, and one more (at most FIRST_BLOCKS)."""
        height = self.scrollable_content_region.height
        self._give(FIRST_BLOCKS, fill=height if height > 0 else None)

    def _give_more(self, generation: int) -> None:
        """Show the next step of blocks, unless another log has been shown since."""
        if generation != self._generation or not self.mounting_more or not self.is_attached:
            return
        self._give(len(self._shown) + LATER_BLOCKS)
        if self.mounting_more:
            self.call_after_refresh(self._give_more, generation)


def _line_with(lines: list[Strip], term: str) -> int:
    """The first of a block's lines showing `term` (case-insensitive), else 0; a term
    wrapped over two lines is found by its first word."""
    wanted = term.casefold()
    first_word = wanted.split()[0] if wanted.split() else wanted
    for key in (wanted, first_word):
        for number, strip in enumerate(lines):
            if key and key in strip.text.casefold():
                return number
    return 0


SELECT_NOTE = "Select a log to see its transcript."
FIRST_BLOCKS = 8  # at most, shown at once: more than fit on a screen
LATER_BLOCKS = 16
ATTACHED_INDENT = 4  # a tool result sits under the call it answers


def _message_header(message: ChatMessage, calls: dict[str, CallView]) -> tuple[Text, bool]:
    """The header of a message and whether it is a tool result attached to a call."""
    role = to_str(message.role) if message.role is not None else "(no role)"
    name = message.name if isinstance(message.name, str) and message.name else None
    call_id = message.tool_call_id if isinstance(message.tool_call_id, str) else None
    if role in ("tool", "function") and (call_id or name):
        call = calls.get(call_id) if call_id else None
        if call is None and name:
            call = calls.get(f"name:{name}")
        label = call.name if call is not None and call.name else name
        parts = [f"{role} result"]
        if label:
            parts.append(f"for {label}")
        if call_id:
            parts.append(f"({call_id})")
        return Text(safe(" ".join(parts))), call is not None
    header = role if name is None else f"{role} · {name}"
    return Text(safe(header)), False


def _output_subtitle(output: str, more: int, finish: object) -> str | None:
    parts = []
    if more:
        parts.append(f"{len(output):,} chars")
    if finish:
        parts.append(f"finish_reason: {safe(to_str(finish))}")
    return " · ".join(parts) or None


def _message_body(
    content: str,
    limit: int,
    calls: list[tuple[CallView, int]],
    markdown: bool,
    json_body: bool = False,
) -> tuple[RenderableType, str]:
    """A message's body (its text, then its tool calls) and its whole text; with
    `json_body` (a tool's result), text that is a JSON object or array is shown pretty,
    as tool-call arguments are (copied as stored)."""
    parsed = _json_value(content) if json_body else None
    if parsed is not None:
        body: RenderableType | None = json_text(parsed, limit=limit)
    else:
        body, _ = _body(content, limit, markdown)
    parts: list[RenderableType] = [body] if body is not None else []
    full = [content] if content else []
    for call, call_limit in calls:
        rendered, plain = _call_renderables(call, call_limit)
        parts.append(rendered)
        full.append(plain)
    if not parts:
        parts.append(Text("(empty)", style="dim italic"))
    renderable: RenderableType
    if len(parts) == 1:
        renderable = parts[0]
    elif markdown:
        renderable = Group(*parts)
    else:
        renderable = Text("\n").join(p for p in parts if isinstance(p, Text))
    return renderable, "\n".join(full)


def _input_blocks(record: LogResponse, budget: _Budget, markdown: bool) -> list[BlockSpec]:
    """A log without messages: its prompt (the template filled with its inputs), or
    else its inputs; the transcript showed only the output."""
    prompt = record.filled_prompt()
    if prompt is not None:
        header, text = "prompt", prompt
    elif isinstance(record.inputs, dict) and record.inputs:
        header, text = "inputs", dumps(record.inputs)
    else:
        return []
    body, more = _body(text, budget.take(len(text)), markdown and header == "prompt")
    return [
        BlockSpec(
            body if body is not None else Text("(empty)", style="dim italic"),
            header=Text(header),
            full_text=text,
            classes="-role-user",
            subtitle=f"{len(text):,} chars" if more else None,
        )
    ]


def _json_value(text: str) -> dict[str, Any] | list[Any] | None:
    """`text` decoded, if it is a JSON object or array."""
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None


def build_blocks(record: LogResponse, markdown: bool = False) -> list[BlockSpec]:
    """What the blocks of a log's transcript show, in order."""
    budget = _Budget()
    specs: list[BlockSpec] = []
    calls: dict[str, CallView] = {}
    messages = record.messages or []
    for message in messages[:MAX_BLOCKS]:
        header, attached = _message_header(message, calls)
        content = message.text()
        limit = budget.take(len(content))
        message_calls = []
        for call in message.calls():
            if call.id:
                calls[call.id] = call
            if call.name:
                calls[f"name:{call.name}"] = call
            message_calls.append((call, budget.take(len(to_str(call.arguments)))))
        classes = role_class(message.role)
        if attached:
            classes += " -attached"
        specs.append(
            BlockSpec(
                header=header,
                classes=classes,
                subtitle=f"{len(content):,} chars" if len(content) > limit else None,
                make=partial(
                    _message_body,
                    content,
                    limit,
                    message_calls,
                    markdown,
                    json_body=message.role == "tool",
                ),
            )
        )
    if len(messages) > MAX_BLOCKS:
        hidden = len(messages) - MAX_BLOCKS
        specs.append(note(f"… {hidden:,} more messages — press o to open the whole log"))
    if not messages:  # a completion, a tool or an agent step: what went in, before the output
        specs.extend(_input_blocks(record, budget, markdown))
    finish = record.finish_reason
    reply = record.output_message()
    reply_calls = reply.calls() if reply is not None else []
    output_text = to_str(record.output) if record.output is not None else ""
    # no output (or ""), and a reply that says something: the reply is the output
    use_reply = reply is not None and not output_text and bool(reply.text() or reply_calls)
    content = None
    if use_reply and reply is not None:
        # no `output` (or ""), but the reply as a message (a step that only called a tool)
        content = reply.text()
    elif record.output is not None:  # with the calls its reply made (shown nowhere else)
        content = output_text
    if content is not None:
        limit = budget.take(len(content))
        calls = [(call, budget.take(len(to_str(call.arguments)))) for call in reply_calls]
        tool = getattr(record.config, "type", None) == "tool"  # its result, as in a chat
        specs.append(
            BlockSpec(
                header=Text("output"),
                classes="-role-assistant -output",
                subtitle=_output_subtitle(content, len(content) > limit, finish),
                make=partial(_message_body, content, limit, calls, markdown, json_body=tool),
            )
        )
    elif finish:  # why there is no output (`length`, `tool_calls`) was shown nowhere
        specs.append(note(f"No output · finish_reason: {to_str(finish)}"))
    error = to_str(record.error) if record.error is not None else ""
    if error.strip():  # an empty error is no error, as in the tree and the filters
        text, _cut = _body(error, TEXT_LIMIT, markdown=False)
        specs.append(
            BlockSpec(
                text if text is not None else Text(error),
                header=Text("error"),
                full_text=error,
                classes="-error",
            )
        )
    if not specs:
        specs.append(note("This log has no messages, output or error."))
    return specs
