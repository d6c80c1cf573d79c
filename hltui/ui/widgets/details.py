"""Everything about one log that is not the conversation: config, inputs, ids, timing.

Sections are built by ``detail_sections`` as (title, rich renderable) pairs, from ``Text``
and ``Table`` objects only (never markup), and drawn by the pane itself, a heading over a
rule and the body under it, as lines (Textual's line API).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

from hltui.model.records import (
    AgentConfig,
    ChatMessage,
    GenericConfig,
    LogResponse,
    ModelConfig,
    ProjectConfigResponse,
    ToolConfig,
    UnknownConfig,
)
from hltui.ui.widgets.direct_lines import DirectLines
from hltui.ui.widgets.message_box import body_lines
from hltui.ui.widgets.quick_scrollbar import QuickScrollBars
from hltui.ui.widgets.render import (
    JSON_LIMIT,
    KeyValues,
    dumps,
    fmt_datetime,
    fmt_seconds,
    json_text,
    kv_table,
    safe,
    safe_text,
    to_str,
    value_text,
)
from hltui.ui.widgets.restyle import RedrawsOnRestyle
from hltui.ui.widgets.rows_view import RowsView

KEY_WIDTH = 20
# A Static re-renders its whole content on layout: keep each table small. A table shows at
# most MAX_ROWS rows and about TABLE_BUDGET characters of values (each value at least
# MIN_VALUE characters, at most JSON_LIMIT); the rest is announced and is in the Raw tab.
MAX_ROWS = 100
TABLE_BUDGET = 40_000
MIN_VALUE = 300
Rows = list[tuple[str, Any]]
SIDE = 1  # blank cells at each side of the pane
BODY_INDENT = 1  # a section's body is this many cells further in than its heading
NOTE_INDENT = 3  # the note shown when there is no log
RULE = "─"  # under each heading

MODEL_FIELDS = (
    "model",
    "name",
    "description",
    "provider",
    "endpoint",
    "temperature",
    "max_tokens",
    "top_p",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "other",
    "id",
)
TOOL_FIELDS = (
    "name",
    "description",
    "parameters",
    "source",
    "signature",
    "setup_schema",
    "is_preset",
    "preset_name",
    "other",
    "id",
)
GENERIC_FIELDS = ("name", "description", "other", "id")
AGENT_FIELDS = ("name", "agent_class", "description", "other", "id")


def _present(obj: Any, names: tuple[str, ...]) -> Rows:
    """(name, value) for each field of ``obj`` that is set, then its unknown keys."""
    rows: Rows = [
        (name, _shown_field(name, getattr(obj, name)))
        for name in names
        if getattr(obj, name) is not None
    ]
    rows.extend((f"{key} (unknown key)", value) for key, value in obj.unknown_keys().items())
    return rows


def _shown_field(name: str, value: Any) -> Any:
    """A config field as shown: stop sequences quoted and escaped (`"\\n"` was a blank
    line, `" "` nothing at all), `max_tokens` -1 said in words."""
    if name == "stop":  # as JSON: quoted and escaped, a string as a list is
        return Text(safe(dumps(value)))
    if name == "max_tokens" and value == -1 and not isinstance(value, bool):
        return Text("-1 (as many as fit)")
    return value


def _table(rows: Rows) -> KeyValues:
    """Rows as a key/value table, within the row and character budgets."""
    left = TABLE_BUDGET
    shown: list[tuple[str, Any]] = []
    for key, value in rows[:MAX_ROWS]:
        if not isinstance(value, Text):
            value = value_text(value, limit=max(MIN_VALUE, min(JSON_LIMIT, left)))
        left -= len(value)
        shown.append((key, value))
    if len(rows) > MAX_ROWS:
        more = Text(f"{len(rows) - MAX_ROWS:,} more keys — see the Raw tab", style="italic dim")
        shown.append(("…", more))
    return kv_table(shown, key_width=KEY_WIDTH)


def _label(text: str) -> Text:
    return Text(safe(text), style="bold underline")


def _kind(config: Any) -> str:
    kind = getattr(config, "type", None)
    return to_str(kind) if kind is not None else "untyped"


def messages_renderable(messages: list[ChatMessage]) -> KeyValues:
    """Template messages as role-labelled rows."""
    rows: list[tuple[str, Text]] = []
    for message in messages:
        role = to_str(message.role) if message.role is not None else "(no role)"
        if isinstance(message.name, str) and message.name:
            role = f"{role} · {message.name}"
        body = safe_text(message.text())
        for call in message.calls():
            body.append("\n→ call ", style="bold")
            body.append(safe(call.name or "(unnamed function)"), style="bold italic")
            body.append("\n")
            body.append_text(json_text(call.parsed_arguments()))
        rows.append((role, body))
    return kv_table(rows, key_width=KEY_WIDTH)


def tools_renderable(tools: list[Any]) -> Group:
    """Tool configs: name, description and parameter schema of each."""
    parts: list[RenderableType] = []
    for tool in tools:
        name = tool.display_name() if hasattr(tool, "display_name") else "tool"
        parts.append(_label(f"tool: {name}"))
        parts.append(config_renderable(tool, heading=False))
    return Group(*parts)


def config_renderable(config: Any, heading: bool = True) -> RenderableType:
    """A config of any kind, its own fields first, nested templates and tools after."""
    parts: list[RenderableType] = []
    if isinstance(config, ModelConfig):
        parts.append(_table(_present(config, MODEL_FIELDS)))
        if config.prompt_template is not None:
            parts += [_label("prompt_template"), safe_text(config.prompt_template)]
        if config.chat_template:
            parts += [_label("chat_template"), messages_renderable(config.chat_template)]
        if config.tool_configs:
            parts += [_label("tool_configs"), tools_renderable(config.tool_configs)]
    elif isinstance(config, ToolConfig):
        parts.append(_table(_present(config, TOOL_FIELDS)))
    elif isinstance(config, GenericConfig):
        parts.append(_table(_present(config, GENERIC_FIELDS)))
    elif isinstance(config, AgentConfig):
        parts.append(_table(_present(config, AGENT_FIELDS)))
        if config.model_config is not None:
            parts += [_label("model_config"), config_renderable(config.model_config)]
        if config.tools:
            parts += [_label("tools"), tools_renderable(config.tools)]
    elif isinstance(config, UnknownConfig):
        rows: Rows = [("type", config.type), ("id", config.id)]
        rows += list(config.unknown_keys().items())
        parts.append(_table([(k, v) for k, v in rows if v is not None]))
    elif config is None:
        parts.append(Text("(none)", style="dim"))
    else:  # a future config class: show what it serialises to
        parts.append(json_text(config.to_dict() if hasattr(config, "to_dict") else config))
    if heading and config is not None and not isinstance(config, ModelConfig | UnknownConfig):
        parts.insert(0, Text(f"type: {safe(_kind(config))}", style="dim"))
    return Group(*parts)


def project_config_renderable(project: ProjectConfigResponse) -> Group:
    """``model_config``: the project's record of the config."""
    rows: Rows = [
        ("project_name", project.project_name),
        ("project_id", project.project_id),
        ("created_at", project.created_at),
        ("updated_at", project.updated_at),
        ("last_used", project.last_used),
        ("num_datapoints", project.num_datapoints),
        ("experiment_id", project.experiment_id),
        ("feedback_stats", project.feedback_stats),
        ("evaluation_aggregates", project.evaluation_aggregates),
    ]
    rows = [(k, v) for k, v in rows if v is not None]
    rows += [(f"{k} (unknown key)", v) for k, v in project.unknown_keys().items()]
    parts: list[RenderableType] = [_table(rows)]
    if project.config is not None:
        parts += [
            _label(f"config ({_kind(project.config)}: {project.config.display_name()})"),
            config_renderable(project.config, heading=False),
        ]
    return Group(*parts)


def _mapping(value: Any) -> RenderableType:
    """Inputs / metadata: one row per key when an object, else the value as JSON."""
    if value is None:
        return Text("(none)", style="dim")
    if isinstance(value, dict):
        if not value:
            return Text("(empty)", style="dim")
        return _table(list(value.items()))
    return json_text(value)


def _provider_sections(record: LogResponse) -> list[tuple[str, Any]]:
    """Token usage, then the rest of the provider's response (its id, model, choices),
    or the response as it is when it is text."""
    response = record.provider_response
    if response is None:
        return []
    if not isinstance(response, dict):
        return [("Provider response", safe_text(to_str(response)))]
    sections: list[tuple[str, Any]] = []
    usage = response.get("usage")
    if usage is not None:
        sections.append(("Token usage", _mapping(usage)))
    rest = [(key, value) for key, value in response.items() if key != "usage"]
    if rest:
        sections.append(("Provider response", _table(rest)))
    return sections


def detail_sections(
    record: LogResponse,
    place: str | None = None,
    *,
    parent_missing: bool = False,
    first_of_session: bool = False,
) -> list[tuple[str, Any]]:
    """The sections of the details pane as (title, renderable); titles are safe text.
    `parent_missing`: the log names a parent that is not loaded (an orphan);
    `first_of_session`: shown for its session's row (it passed for the session's own)."""
    sections: list[tuple[str, Any]] = []
    if first_of_session:
        note = Text("The first log of the session selected: ", style="italic")
        note.append_text(safe_text(to_str(record.id)))
        note.append(". Select a log to see its own details.", style="italic")
        sections.append(("Session · its first log", note))
    if place:
        sections.append(("Location", _table([("stored at", place)])))
    config = record.config
    title = "Config"
    if config is not None:
        name = config.display_name()
        kind = _kind(config)  # a config with no name shows its kind once (`agent · agent`)
        title = safe(f"Config · {kind}" if name == kind else f"Config · {kind} · {name}")
    sections.append((title, config_renderable(config)))
    if record.model_config is not None:
        sections.append(("model_config", project_config_renderable(record.model_config)))
    sections.append(("Inputs", _mapping(record.inputs)))
    sections.append(("Metadata", _mapping(record.metadata)))

    def parent(value: Any) -> Any:
        if value is None or not parent_missing:
            return value
        text = safe_text(to_str(value))
        text.append("  (not loaded)", style="italic dim")
        return text

    ids: Rows = [
        ("log", record.id),
        ("session", record.session_id),
        ("session reference", record.session_reference_id),
        ("parent", parent(record.parent_id)),
        ("parent reference", parent(record.parent_reference_id)),
        ("reference", record.reference_id),
        ("trial", record.trial_id),
        ("project", record.project),
        ("project_id", record.project_id),
    ]
    sections.append(("IDs", _table([(k, v) for k, v in ids if v is not None])))
    timing: Rows = [
        ("created_at", record.created_at if record.created_at is not None else "(absent)"),
    ]
    if record.created_at is not None:
        timing.append(("created_at (UTC)", fmt_datetime(record.created_at_dt)))
    timing += [
        ("duration", _seconds(record.duration)),
        ("provider_latency", _seconds(record.provider_latency)),
    ]
    sections.append(("Timing", _table(timing)))
    result: Rows = [
        ("finish_reason", record.finish_reason),
        ("user", record.user),
        ("source", record.source),
        ("raw_output", record.raw_output),
    ]
    result = [(k, v) for k, v in result if v is not None]
    if result:
        sections.append(("Result", _table(result)))
    sections += _provider_sections(record)
    extra = record.unknown_keys()
    if extra:
        sections.append(("Other keys", _table(list(extra.items()))))
    return sections


def _seconds(value: Any) -> Text:
    if value is None:
        return Text("-", style="dim")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Text(f"{fmt_seconds(value)}  ({value!r} s)")
    return safe_text(value)


class Details(QuickScrollBars, RedrawsOnRestyle, DirectLines, RowsView, ScrollView, can_focus=True):
    """The details pane: config, model_config, inputs, metadata, ids, timing, other keys.

    One widget draws every section itself (Textual's line API): a heading, a rule under
    it and the section's body, drawn once per width. A widget per heading and body made
    every switch to the tab lay out and render each of them, and the first visit mount
    them (50-120 ms at 500k logs).
    """

    COMPONENT_CLASSES = {"details--heading", "details--rule", "details--note"}

    BINDINGS = [
        Binding("j,down", "line(1)", "Down", show=False),
        Binding("k,up", "line(-1)", "Up", show=False),
        Binding("g", "edge(0)", "Top", show=False),
        Binding("G", "edge(1)", "Bottom", show=False),
    ]

    DEFAULT_CSS = """
    Details {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;  /* the bar never comes and goes: showing a log lays out nothing */
        & > .details--heading { color: $accent; text-style: bold; }
        & > .details--rule { color: $accent 50%; }
        & > .details--note { color: $foreground-muted; }
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.sections: list[tuple[str, Any]] = []
        self._lines: list[Strip] = []
        self._drawn_width = 0  # the width the lines were drawn at (0: not yet)

    def action_line(self, lines: int) -> None:
        """Scroll by lines at once: Textual's scroll_down moves on from a target set on
        the next refresh, so keys pressed together scrolled one line."""
        self.scroll_to(y=self.scroll_y + lines, animate=False, immediate=True)

    def action_edge(self, bottom: int) -> None:
        """Scroll to the top or the bottom at once, so `j`/`k` typed with it move from
        there (Textual's scroll_home and scroll_end move on the next refresh)."""
        self.scroll_to(y=self.max_scroll_y if bottom else 0, animate=False, immediate=True)

    def show_log(
        self,
        record: LogResponse,
        place: str | None = None,
        *,
        parent_missing: bool = False,
        first_of_session: bool = False,
    ) -> AwaitComplete:
        """Show ``record``'s details (``place`` is where it is stored, e.g. ``a.jsonl:12``;
        see `detail_sections` for the rest)."""
        self.sections = detail_sections(
            record, place, parent_missing=parent_missing, first_of_session=first_of_session
        )
        return self._show()

    def clear(self) -> AwaitComplete:
        """Show nothing."""
        self.sections = []
        return self._show()

    @property
    def text(self) -> str:
        """The pane's lines as plain text (as drawn at the current width)."""
        return "\n".join(strip.text.rstrip() for strip in self._lines)

    def _show(self) -> AwaitComplete:
        self._redraw()
        self.scroll_to(y=0, animate=False, immediate=True)
        return AwaitComplete(_nothing())

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        if not self._drawn_width or index >= len(self._lines):
            return Strip.blank(self.size.width, self.rich_style)
        return self._lines[index]

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._drawn_width:
            self._redraw()

    def _style_key(self) -> tuple[object, ...]:
        names = sorted(self.COMPONENT_CLASSES)
        return (self.visual_style, *(self.get_component_styles(name).color for name in names))

    def _restyled(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        """Draw every section at the current width."""
        total = self.scrollable_content_region.width
        if total <= 0 or not self.is_mounted:
            self._drawn_width = 0
            self._lines = []
            return
        self._drawn_width = total
        base = self.visual_style
        outer = Style(background=base.background, foreground=base.foreground)
        lines = (
            draw_sections(self, self.sections, total, outer)
            if self.sections
            else (self._note_lines(total, outer))
        )
        # as wide as the view (the scroll bar covers the rest): finished as drawn
        full = self.size.width
        self._lines = [line.extend_cell_length(full, outer.rich_style) for line in lines]
        self.set_rows(len(self._lines))
        self.refresh()

    def _note_lines(self, total: int, outer: Style) -> list[Strip]:
        muted = outer + Style(foreground=self.get_component_styles("details--note").color)
        blank = Strip.blank(total, outer.rich_style)
        text = body_lines(self, Text(SELECT_NOTE), max(1, total - 2 * NOTE_INDENT), muted)
        indent = Segment(" " * NOTE_INDENT, outer.rich_style)
        return [blank, *(Strip([indent, *line, indent], total) for line in text), blank]


def draw_sections(
    widget: Widget, sections: list[tuple[str, Any]], total: int, outer: Style
) -> list[Strip]:
    """The lines of `sections` in a pane `total` cells wide, each section a blank line,
    its heading over a rule, and its body one cell further in."""
    heading_styles = widget.get_component_styles("details--heading")
    heading = outer + Style(foreground=heading_styles.color, bold=True)
    rule_colour = widget.get_component_styles("details--rule").color
    rule = Style(background=outer.background, foreground=(outer.background + rule_colour))
    blank = Strip.blank(total, outer.rich_style)
    left = Segment(" " * SIDE, outer.rich_style)
    body_left = Segment(" " * (SIDE + BODY_INDENT), outer.rich_style)
    width = max(1, total - 2 * SIDE)
    body_width = max(1, width - BODY_INDENT)
    lines: list[Strip] = []
    for title, body in sections:
        lines.append(blank)
        for line in body_lines(widget, Text(safe(title)), width, heading):
            lines.append(Strip([left, *line, left], total))
        lines.append(Strip([left, Segment(RULE * width, rule.rich_style), left], total))
        for line in body_lines(widget, body, body_width, outer):
            lines.append(Strip([body_left, *line, left], total))
    return lines


SELECT_NOTE = "Select a log to see its details."


async def _nothing() -> None:
    return None
