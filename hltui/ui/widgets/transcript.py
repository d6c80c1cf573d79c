"""The transcript of one log: a focusable block per message, then the output and the error.

Like elia's chat box: each message is a ``MessageBlock`` whose role is a CSS class
(``-role-user``, ``-role-assistant``, ``-role-system``, ``-role-tool``, ``-role-other``), with
the role (and name) as its border title. Tool calls show their function name and pretty
JSON arguments; tool results are attached to the call they answer. All log text is built
as ``rich.text.Text`` (never markup) with control characters made visible, and capped so a
message of hundreds of kilobytes does not freeze the screen.

A log is first turned into ``BlockSpec``s (cheap); the blocks that show them are widgets
kept from log to log and given new specs, so opening a log makes (and later leaves for the
garbage collector) no widgets once enough blocks exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from hltui.model.records import CallView, ChatMessage, LogResponse
from hltui.ui.widgets.quick_scrollbar import QuickScrollBars
from hltui.ui.widgets.render import (
    TEXT_LIMIT,
    cap,
    dumps,
    json_text,
    more_line,
    safe,
    to_str,
)

# Every message gets at most TEXT_LIMIT characters; once the whole transcript has shown
# TOTAL_BUDGET characters, later messages get SMALL_LIMIT each. At most MAX_BLOCKS messages
# become widgets; the rest are announced by a note.
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
    """The CSS class of a role: ``-role-user`` ... ``-role-tool``, else ``-role-other``."""
    return ROLE_CLASSES.get(role, "-role-other") if isinstance(role, str) else "-role-other"


class MessageBlock(Static, can_focus=True):
    """One message (or the output, the error, a raw record, a note): a header and a body.

    ``header`` is the plain header text (also the border title), ``full_text`` the whole
    message as text (not capped), for copying. A note has no header and takes no focus.
    """

    DEFAULT_CSS = """
    MessageBlock {
        height: auto;
        width: 1fr;
        margin: 0 0 1 0;
        padding: 0 1;
        border: round $foreground-muted;
        border-title-color: $foreground-muted;
        border-title-style: bold;
        border-subtitle-color: $foreground-muted;
    }
    MessageBlock.-role-user {
        border: round $primary;
        border-title-color: $primary;
    }
    MessageBlock.-role-assistant {
        border: round $success;
        border-title-color: $success;
    }
    MessageBlock.-role-system {
        border: round $warning;
        border-title-color: $warning;
    }
    MessageBlock.-role-tool {
        border: round $accent;
        border-title-color: $accent;
    }
    MessageBlock.-role-other {
        border: round $secondary;
        border-title-color: $secondary;
    }
    MessageBlock.-attached {
        margin: 0 0 1 4;
    }
    MessageBlock.-output {
        border: double $success;
        border-title-color: $success;
    }
    MessageBlock.-error {
        border: heavy $error;
        border-title-color: $error;
        background: $error 10%;
    }
    MessageBlock.-raw {
        border: round $foreground-muted;
        border-title-color: $foreground-muted;
    }
    MessageBlock:focus {
        background: $boost;
        border-title-style: bold reverse;
    }
    MessageBlock.-error:focus {
        background: $error 20%;
    }
    """

    def __init__(self, spec: BlockSpec, body: RenderableType | None = None) -> None:
        super().__init__(spec.body if body is None else body, markup=False, classes=spec.classes)
        self._take(spec)

    def _take(self, spec: BlockSpec) -> None:
        self.spec = spec
        self.header = spec.header if spec.header is not None else Text()
        self.full_text = spec.full_text
        self.body = spec.body
        self.border_title = spec.header
        self.border_subtitle = Text(spec.subtitle) if spec.subtitle else None
        self.can_focus = not spec.is_note

    def show_spec(self, spec: BlockSpec, body: RenderableType | None = None) -> None:
        """Show another message (`body`, if given, is its body with search marks)."""
        self._take(spec)
        if self.classes != frozenset(spec.classes.split()):  # a restyle costs 0.2-0.4 ms
            self.set_classes(spec.classes)
        self.update(spec.body if body is None else body)

    @property
    def role_class(self) -> str:
        """The ``-role-...`` class of the block."""
        return next((c for c in self.classes if c.startswith("-role-")), "-role-other")


class BlockSpec:
    """What one block shows; `header` None makes it a note (no border, no focus).

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
    full = arguments if isinstance(arguments, str) else dumps(arguments)
    return text, f"→ call {_call_label(call)}\n{full}" if full else f"→ call {_call_label(call)}"


class Transcript(QuickScrollBars, VerticalScroll):
    """The messages of one log as blocks; ``j``/``k`` move between them.

    The blocks are kept and reused: showing a log gives the first blocks their new specs
    at once and the rest a step per refresh (``mounting_more``), hiding blocks left over.
    """

    BLANK = True  # only blocks draw anything: the transcript's own lines are background

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        padding: 0 1;
    }
    Transcript > MessageBlock.transcript--note {
        border: none;
        margin: 0;
        color: $foreground-muted;
        padding: 1 2;
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
        first = note(SELECT_NOTE)
        self._specs: list[BlockSpec] = [first]
        self._places: list[int] = []  # where each message (not note) is in _specs
        self._pool: list[MessageBlock] = [MessageBlock(first)]  # the children, in order
        self._given = 1  # how many specs the pool's blocks show (the rest are hidden)
        self._generation = 0
        self._current: int | None = None
        self._record: LogResponse | None = None
        self._term = ""
        self.markdown = False

    def compose(self) -> ComposeResult:
        yield from self._pool

    def watch_has_focus(self, has_focus: bool) -> None:
        """Restyle the transcript alone when it gains or loses focus.

        Textual restyles a widget and every widget inside it on a focus change, but no
        rule styles a block by the transcript's focus, and with a hundred blocks (kept
        for reuse) that took tens of milliseconds on every log opened with enter.
        """
        self.app.stylesheet.update_nodes([self], animate=True)

    # --- public API -------------------------------------------------------------------

    @property
    def blocks(self) -> list[MessageBlock]:
        """The message blocks, in order (messages, then output, then error).

        Gives every block its spec first, if some still wait for their step.
        """
        self._give(len(self._specs))
        return [self._pool[place] for place in self._places]

    @property
    def message_count(self) -> int:
        """How many blocks are shown (messages plus the output and error blocks)."""
        return len(self._places)

    @property
    def mounting_more(self) -> bool:
        """Whether later blocks of a long log are still to be shown."""
        return self._given < len(self._specs)

    @property
    def record(self) -> LogResponse | None:
        """The log shown, if any."""
        return self._record

    def show_log(self, record: LogResponse, markdown: bool = False) -> AwaitComplete:
        """Show ``record``'s messages, output and error. Optionally awaitable."""
        self._record = record
        self.markdown = markdown
        return self._replace(build_blocks(record, markdown))

    def set_markdown(self, markdown: bool) -> AwaitComplete:
        """Render message bodies as Markdown (or plain text) again; the message focused
        stays focused (with focus elsewhere, the transcript starts at the top again)."""
        self.markdown = markdown
        if self._record is None:
            return AwaitComplete(_nothing())
        keep = self.current_index() if self.has_focus_within else None
        return self._replace(build_blocks(self._record, markdown), keep=keep)

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
        later (a long log's later steps) are marked when they are shown.
        """
        self._term = term
        found: list[int] = []
        for place, spec in enumerate(self._specs):
            if spec.is_note or not isinstance(spec.body, Text):
                continue
            body, hits = self._marked(spec)
            if hits:
                found.append(place)
            if place < self._given:
                self._pool[place].update(body)
        if found:
            if found[0] >= self._given:
                self._give(found[0] + 1)
            block = self._pool[found[0]]
            self.call_after_refresh(self.scroll_to_widget, block, animate=False, top=True)
        return len(found)

    def current_index(self) -> int | None:
        """The index of the focused block, else the last one focused in this log."""
        focused = self._focused_index()
        return focused if focused is not None else self._current

    def current_text(self) -> str | None:
        """The full text of the focused message (else the last one focused), for copying."""
        index = self.current_index()
        if index is None or index >= len(self._places):
            return None
        return self._specs[self._places[index]].full_text

    def focus_message(self, index: int) -> None:
        """Focus block ``index`` (clamped) and scroll it into view."""
        if not self._places:
            return
        index = max(0, min(index, len(self._places) - 1))
        self._current = index
        place = self._places[index]
        if place >= self._given:  # not shown yet: show the rest, then focus it
            self._give(len(self._specs))
            self.call_after_refresh(self.focus_message, index)
            return
        block = self._pool[place]
        block.focus(scroll_visible=False)
        self.call_after_refresh(self._scroll_to_block, block)

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
        """Move focus to the next (or previous) widget outside the transcript."""
        chain = self.screen.focus_chain
        inside = {self, *self.walk_children()}
        outside = [widget for widget in chain if widget not in inside]
        if not outside:
            return
        try:
            here = chain.index(self) if self in chain else chain.index(self.screen.focused)
        except ValueError:
            here = 0
        if direction > 0:
            after = [w for w in chain[here + 1 :] if w not in inside]
            target = after[0] if after else outside[0]
        else:
            before = [w for w in chain[:here] if w not in inside]
            target = before[-1] if before else outside[-1]
        target.focus()

    # --- internals ----------------------------------------------------------------------

    def _index_of_block(self, widget: object) -> int | None:
        """The message index of a shown block, if `widget` is one."""
        if not isinstance(widget, MessageBlock):
            return None
        try:
            place = self._pool.index(widget)
        except ValueError:
            return None
        if place >= self._given:
            return None
        try:
            return self._places.index(place)
        except ValueError:
            return None

    def _focused_index(self) -> int | None:
        return self._index_of_block(self.screen.focused if self.is_attached else None)

    def _move(self, delta: int) -> None:
        if not self._places:
            return
        index = self._focused_index()
        if index is not None and self._current is not None:
            # Focus moves after the key is handled: a key pressed with the last one (a
            # held key, a busy moment) moves on from where that one went.
            index = self._current
        if index is None:
            if self._current is not None:
                index = self._current
            else:
                index = 0 if delta > 0 else len(self._places) - 1
                self.focus_message(index)
                return
            self.focus_message(index)
            return
        self.focus_message(index + delta)

    def _scroll_to_block(self, block: MessageBlock) -> None:
        if not block.is_attached:
            return
        tall = block.outer_size.height > self.scrollable_content_region.height
        self.scroll_to_widget(block, animate=False, top=tall)

    def on_focus(self, event: events.Focus) -> None:
        """Back in a log read before (tab, t): its last message focused is focused again,
        so it shows as chosen and `y` copies what is highlighted."""
        if self._current is not None and self._current < len(self._places):
            self.focus_message(self._current)

    def on_resize(self, event: events.Resize) -> None:
        """Keep the focused message in view when the terminal (or pane) changes size."""
        block = self.screen.focused if self.is_attached else None
        if self._index_of_block(block) is not None:
            assert isinstance(block, MessageBlock)
            self.call_after_refresh(self._scroll_to_block, block)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is not self.screen.focused:
            return  # focus has moved on since (keys pressed together)
        index = self._index_of_block(event.widget)
        if index is not None:
            self._current = index

    def _marked(self, spec: BlockSpec) -> tuple[RenderableType, int]:
        """The body of `spec` with the search term marked, and how many marks."""
        body = spec.body
        if not self._term or not isinstance(body, Text):
            return body, 0
        shown = body.copy()
        hits = shown.highlight_words([self._term], HIGHLIGHT_STYLE, case_sensitive=False)
        return shown, hits

    def _give(self, upto: int) -> AwaitComplete | None:
        """Give the pool's blocks the specs up to `upto`; new blocks are made as needed."""
        upto = min(upto, len(self._specs))
        made: list[MessageBlock] = []
        for place in range(self._given, upto):
            spec = self._specs[place]
            body, _ = self._marked(spec)
            if place < len(self._pool):
                block = self._pool[place]
                block.show_spec(spec, body)
                block.display = True
            else:
                block = MessageBlock(spec, body)
                self._pool.append(block)
                made.append(block)
        self._given = max(self._given, upto)
        return self.mount_all(made) if made else None

    def _replace(self, specs: list[BlockSpec], keep: int | None = None) -> AwaitComplete:
        """Show `specs` instead; refocus message `keep` once shown."""
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and focused in self._pool:
            self.focus(scroll_visible=False)
        self._specs = specs
        self._places = [place for place, spec in enumerate(specs) if not spec.is_note]
        self._current = None
        self._generation += 1
        self._given = 0
        # A long log shows its first screenful at once; the rest is given a step per
        # refresh, so opening a 100-message log does not hold up the next key press.
        mounting = self._give(len(specs) if keep is not None else self._screenful())
        for block in self._pool[self._given :]:
            if block.display:
                block.display = False
        spare = self._pool[max(len(specs), FIRST_BLOCKS) + SPARE_BLOCKS :]
        removing = None
        if spare:  # after a very long log: do not keep hundreds of hidden blocks
            del self._pool[-len(spare) :]
            removing = self.remove_children(spare)
        if self.mounting_more:
            self.call_after_refresh(self._give_more, self._generation)
        if keep is None:
            self.scroll_home(animate=False)
        return AwaitComplete(self._swapped(removing, mounting, keep))

    def _screenful(self) -> int:
        """How many blocks fill the visible height, by a cheap estimate of their lines,
        and one more (at most FIRST_BLOCKS): each block given costs a layout of it."""
        width, height = self.size.width - BLOCK_FRAME_WIDTH, self.size.height
        if width <= 0 or height <= 0:  # not laid out yet
            return FIRST_BLOCKS
        filled = 0
        for count, spec in enumerate(self._specs[:FIRST_BLOCKS], 1):
            filled += _estimated_height(spec, width, height)
            if filled >= height:
                return min(count + 1, FIRST_BLOCKS)
        return FIRST_BLOCKS

    def _give_more(self, generation: int) -> None:
        """Show the next step of blocks, unless another log has been shown since."""
        if generation != self._generation or not self.mounting_more or not self.is_attached:
            return
        self._give(self._given + LATER_BLOCKS)
        if self.mounting_more:
            self.call_after_refresh(self._give_more, generation)

    async def _swapped(
        self,
        removing: Awaitable[None] | None,
        mounting: Awaitable[None] | None,
        keep: int | None,
    ) -> None:
        if removing is not None:
            await removing
        if mounting is not None:
            await mounting
        if keep is not None and keep < len(self._places):
            self.focus_message(keep)


SELECT_NOTE = "Select a log to see its transcript."
FIRST_BLOCKS = 8  # at most, given at once: more than fit on a screen
BLOCK_FRAME_WIDTH = 6  # a block's border and padding, and the scrollbar
LATER_BLOCKS = 16
SPARE_BLOCKS = 64  # hidden blocks kept for the next log beyond what this one needs


def _estimated_height(spec: BlockSpec, width: int, enough: int) -> int:
    """About how many lines a block takes at `width` (counting stops past `enough`)."""
    body = spec.body
    text = spec.full_text or (body.plain if isinstance(body, Text) else "")
    lines = 0
    for line in text.split("\n"):
        lines += max(1, -(-len(line) // width))
        if lines > enough:
            break
    return lines + (1 if spec.is_note else 3)  # a block's border and margin


async def _nothing() -> None:
    return None


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
    content: str, limit: int, calls: list[tuple[CallView, int]], markdown: bool
) -> tuple[RenderableType, str]:
    """A message's body (its text, then its tool calls) and its whole text."""
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
                make=partial(_message_body, content, limit, message_calls, markdown),
            )
        )
    if len(messages) > MAX_BLOCKS:
        hidden = len(messages) - MAX_BLOCKS
        specs.append(note(f"… {hidden:,} more messages — press o to open the whole log"))
    if record.output is not None:
        output = to_str(record.output)
        body, more = _body(output, budget.take(len(output)), markdown)
        shown: RenderableType = body if body is not None else Text("(empty)", style="dim italic")
        finish = record.finish_reason
        specs.append(
            BlockSpec(
                shown,
                header=Text("output"),
                full_text=output,
                classes="-role-assistant -output",
                subtitle=_output_subtitle(output, more, finish),
            )
        )
    if record.error is not None:
        error = to_str(record.error)
        text, more = _body(error, TEXT_LIMIT, markdown=False)
        specs.append(
            BlockSpec(
                text if text is not None else Text("(empty error)", style="dim italic"),
                header=Text("error"),
                full_text=error,
                classes="-error",
            )
        )
    if not specs:
        specs.append(note("This log has no messages, output or error."))
    return specs
