"""The transcript of one log: a focusable block per message, then the output and the error.

Like elia's chat box: each message is a ``MessageBlock`` whose role is a CSS class
(``-role-user``, ``-role-assistant``, ``-role-system``, ``-role-tool``, ``-role-other``), with
the role (and name) as its border title. Tool calls show their function name and pretty
JSON arguments; tool results are attached to the call they answer. All log text is built
as ``rich.text.Text`` (never markup) with control characters made visible, and capped so a
message of hundreds of kilobytes does not freeze the screen.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from hltui.model.records import CallView, ChatMessage, LogResponse
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
    """One message (or the output, the error, a raw record): a header and a body.

    ``header`` is the plain header text (also the border title), ``full_text`` the whole
    message as text (not capped), for copying.
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

    def __init__(
        self,
        body: RenderableType,
        *,
        header: Text,
        full_text: str,
        classes: str = "",
        subtitle: str | None = None,
    ) -> None:
        super().__init__(body, markup=False, classes=classes)
        self.header = header
        self.full_text = full_text
        self.body = body
        self.border_title = header
        if subtitle:
            self.border_subtitle = Text(subtitle)

    @property
    def role_class(self) -> str:
        """The ``-role-...`` class of the block."""
        return next((c for c in self.classes if c.startswith("-role-")), "-role-other")


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


class Transcript(VerticalScroll):
    """The messages of one log as blocks; ``j``/``k`` move between them."""

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        padding: 0 1;
    }
    Transcript > .transcript--note {
        color: $foreground-muted;
        padding: 1 2;
    }
    """

    BINDINGS = [
        Binding("j,down", "next_message", "Next message", show=False, id="transcript.next"),
        Binding("k,up", "previous_message", "Prev message", show=False, id="transcript.prev"),
        Binding("g,home", "first_message", "First message", show=False, id="transcript.first"),
        Binding("G,end", "last_message", "Last message", show=False, id="transcript.last"),
        Binding("tab", "leave(1)", "Next pane", show=False, id="transcript.leave_next"),
        Binding("shift+tab", "leave(-1)", "Prev pane", show=False, id="transcript.leave_prev"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._blocks: list[MessageBlock] = []
        self._unmounted: list[Widget] = []  # later blocks of a long log, mounted in steps
        self._generation = 0
        self._current: int | None = None
        self._record: LogResponse | None = None
        self.markdown = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a log to see its transcript."), classes="transcript--note")

    # --- public API -------------------------------------------------------------------

    @property
    def blocks(self) -> list[MessageBlock]:
        """The blocks shown, in order (messages, then output, then error)."""
        return list(self._blocks)

    @property
    def message_count(self) -> int:
        """How many blocks are shown (messages plus the output and error blocks)."""
        return len(self._blocks)

    @property
    def mounting_more(self) -> bool:
        """Whether later blocks of a long log are still being mounted."""
        return bool(self._unmounted)

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
        """Render message bodies as Markdown (or plain text) again, keeping the position."""
        self.markdown = markdown
        if self._record is None:
            return AwaitComplete(_nothing())
        return self._replace(build_blocks(self._record, markdown), keep=self.current_index())

    def show_failure(self, raw: bytes, reason: str) -> AwaitComplete:
        """Show a record that could not be decoded: its problem and its raw text."""
        self._record = None
        text = raw.decode("utf-8", errors="replace")
        shown, more = cap(text, TEXT_LIMIT)
        body = Text(safe(shown))
        if more:
            body.append("\n" + more_line(more), style="italic dim")
        blocks: list[Widget] = [
            MessageBlock(
                Text(safe(reason)),
                header=Text("this record could not be decoded"),
                full_text=reason,
                classes="-error",
            ),
            MessageBlock(
                body,
                header=Text("raw text"),
                full_text=text,
                classes="-raw",
                subtitle=f"{len(raw):,} bytes",
            ),
        ]
        return self._replace(blocks)

    def clear(self) -> AwaitComplete:
        """Show nothing (the "select a log" note)."""
        self._record = None
        note = Static(Text("Select a log to see its transcript."), classes="transcript--note")
        return self._replace([note])

    def highlight(self, term: str) -> int:
        """Mark every occurrence of ``term`` (case-insensitive) and bring the first into view.

        Returns how many blocks contain it; an empty term removes the marks.
        """
        found: list[MessageBlock] = []
        for block in self._blocks:
            body = block.body
            if not isinstance(body, Text):
                continue
            shown = body.copy()
            if term and shown.highlight_words([term], HIGHLIGHT_STYLE, case_sensitive=False):
                found.append(block)
            block.update(shown)
        if found:
            self.call_after_refresh(self.scroll_to_widget, found[0], animate=False, top=True)
        return len(found)

    def current_index(self) -> int | None:
        """The index of the focused block, else the last one focused in this log."""
        focused = self._focused_index()
        return focused if focused is not None else self._current

    def current_text(self) -> str | None:
        """The full text of the focused message (else the last one focused), for copying."""
        index = self.current_index()
        if index is None or index >= len(self._blocks):
            return None
        return self._blocks[index].full_text

    def focus_message(self, index: int) -> None:
        """Focus block ``index`` (clamped) and scroll it into view."""
        if not self._blocks:
            return
        index = max(0, min(index, len(self._blocks) - 1))
        block = self._blocks[index]
        self._current = index
        if block in self._unmounted:
            self._mount_all_now()
            self.call_after_refresh(self.focus_message, index)
            return
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
        self.focus_message(len(self._blocks) - 1)

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

    def _focused_index(self) -> int | None:
        focused = self.screen.focused if self.is_attached else None
        if isinstance(focused, MessageBlock):
            try:
                return self._blocks.index(focused)
            except ValueError:
                return None
        return None

    def _move(self, delta: int) -> None:
        if not self._blocks:
            return
        index = self._focused_index()
        if index is None:
            if self._current is not None:
                index = self._current
            else:
                index = 0 if delta > 0 else len(self._blocks) - 1
                self.focus_message(index)
                return
            if self.screen.focused is not self._blocks[index]:
                self.focus_message(index)
                return
        self.focus_message(index + delta)

    def _scroll_to_block(self, block: MessageBlock) -> None:
        if not block.is_attached:
            return
        tall = block.outer_size.height > self.scrollable_content_region.height
        self.scroll_to_widget(block, animate=False, top=tall)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, MessageBlock) and widget in self._blocks:
            self._current = self._blocks.index(widget)

    def _replace(self, widgets: list[Widget], keep: int | None = None) -> AwaitComplete:
        """Swap the children for ``widgets``; refocus block ``keep`` once mounted."""
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and focused in self._blocks:
            self.focus(scroll_visible=False)
        self._blocks = [w for w in widgets if isinstance(w, MessageBlock)]
        self._current = None
        self._generation += 1
        # A long log shows its first screenful at once; the rest is mounted a step per
        # refresh, so opening a 100-message log does not hold up the next key press.
        first, self._unmounted = (
            (widgets, []) if keep is not None else (widgets[:FIRST_BLOCKS], widgets[FIRST_BLOCKS:])
        )
        removing = self.remove_children()
        mounting = self.mount_all(first)
        if self._unmounted:
            self.call_after_refresh(self._mount_more, self._generation)
        if keep is None:
            self.scroll_home(animate=False)
        return AwaitComplete(self._swapped(removing, mounting, keep))

    def _mount_more(self, generation: int) -> None:
        """Mount the next step of blocks, unless another log has been shown since."""
        if generation != self._generation or not self._unmounted or not self.is_attached:
            return
        step, self._unmounted = self._unmounted[:LATER_BLOCKS], self._unmounted[LATER_BLOCKS:]
        self.mount_all(step)
        if self._unmounted:
            self.call_after_refresh(self._mount_more, generation)

    def _mount_all_now(self) -> AwaitComplete | None:
        """Mount every block not yet mounted (before focusing one of them)."""
        if not self._unmounted:
            return None
        rest, self._unmounted = self._unmounted, []
        return self.mount_all(rest)

    async def _swapped(
        self, removing: Awaitable[None], mounting: Awaitable[None], keep: int | None
    ) -> None:
        await removing
        await mounting
        if keep is not None and self._blocks and keep < len(self._blocks):
            self.focus_message(keep)


FIRST_BLOCKS = 8  # more than fit on a screen
LATER_BLOCKS = 16


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


def build_blocks(record: LogResponse, markdown: bool = False) -> list[Widget]:
    """The widgets of a log's transcript (not mounted)."""
    budget = _Budget()
    widgets: list[Widget] = []
    calls: dict[str, CallView] = {}
    messages = record.messages or []
    for message in messages[:MAX_BLOCKS]:
        header, attached = _message_header(message, calls)
        content = message.text()
        limit = budget.take(len(content))
        body, more = _body(content, limit, markdown)
        parts: list[RenderableType] = [body] if body is not None else []
        full = [content] if content else []
        for call in message.calls():
            if call.id:
                calls[call.id] = call
            if call.name:
                calls[f"name:{call.name}"] = call
            rendered, plain = _call_renderables(call, budget.take(len(to_str(call.arguments))))
            parts.append(rendered)
            full.append(plain)
        if not parts:
            parts.append(Text("(empty)", style="dim italic"))
        classes = role_class(message.role)
        if attached:
            classes += " -attached"
        renderable: RenderableType
        if len(parts) == 1:
            renderable = parts[0]
        elif markdown:
            renderable = Group(*parts)
        else:
            renderable = Text("\n").join(p for p in parts if isinstance(p, Text))
        widgets.append(
            MessageBlock(
                renderable,
                header=header,
                full_text="\n".join(full),
                classes=classes,
                subtitle=f"{len(content):,} chars" if more else None,
            )
        )
    if len(messages) > MAX_BLOCKS:
        hidden = len(messages) - MAX_BLOCKS
        widgets.append(
            Static(
                Text(f"… {hidden:,} more messages — press o to open the whole log"),
                classes="transcript--note",
            )
        )
    if record.output is not None:
        output = to_str(record.output)
        body, more = _body(output, budget.take(len(output)), markdown)
        shown: RenderableType = body if body is not None else Text("(empty)", style="dim italic")
        finish = record.finish_reason
        widgets.append(
            MessageBlock(
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
        widgets.append(
            MessageBlock(
                text if text is not None else Text("(empty error)", style="dim italic"),
                header=Text("error"),
                full_text=error,
                classes="-error",
            )
        )
    if not widgets:
        widgets.append(
            Static(
                Text("This log has no messages, output or error."),
                classes="transcript--note",
            )
        )
    return widgets
