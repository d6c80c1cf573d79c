"""FilterScreen: choose project, model, error, feedback, dates and text to narrow the tree."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from hltui.model.query import LogFilter, parse_day
from hltui.ui.safe import safe_text

TRISTATE = [("any", None), ("yes", True), ("no", False)]


def _blank_to_none(value: str) -> str | None:
    value = value.strip()
    return value or None


ROOMY_HEIGHT = 34  # terminal rows the form needs with bordered fields


class FilterScreen(ModalScreen[LogFilter | None]):
    """A form for a LogFilter; dismisses with the filter, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filter.apply"),
        Binding("ctrl+r", "clear", "Clear", id="filter.clear"),
    ]

    def __init__(self, current: LogFilter, projects: list[str], models: list[str]) -> None:
        super().__init__()
        self.current = current
        self.projects = projects
        self.models = models

    def on_resize(self, event: events.Resize) -> None:
        """Fields without their borders on a short terminal: with them the form is 30
        rows tall, and on 80x24 its buttons and error line were off the screen."""
        compact = event.size.height < ROOMY_HEIGHT
        self.query_one("#filter-body").set_class(compact, "-compact")
        for field in self.query("#filter-grid Input, #filter-grid Select"):
            field.compact = compact  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(id="filter-body") as body:
            body.border_title = "Filter"
            body.border_subtitle = "enter/ctrl+s apply · ctrl+r clear · esc cancel"
            with Grid(id="filter-grid"):
                yield Label("Project")
                yield Select(
                    [(safe_text(p), p) for p in self.projects],
                    value=current.project if current.project in self.projects else Select.NULL,
                    prompt="any",
                    id="filter-project",
                )
                yield Label("Model")
                yield Select(
                    [(safe_text(m), m) for m in self.models],
                    value=current.model if current.model in self.models else Select.NULL,
                    prompt="any",
                    id="filter-model",
                )
                yield Label("Has error")
                yield Select(
                    [(k, v) for k, v in TRISTATE if v is not None],
                    value=Select.NULL if current.has_error is None else current.has_error,
                    prompt="any",
                    id="filter-error",
                )
                yield Label("Has feedback")
                yield Select(
                    [(k, v) for k, v in TRISTATE if v is not None],
                    value=Select.NULL if current.has_feedback is None else current.has_feedback,
                    prompt="any",
                    id="filter-feedback",
                )
                yield Label("Feedback value")
                yield Input(
                    current.feedback_value or "", placeholder="e.g. good", id="filter-value"
                )
                yield Label("From (UTC)")
                yield Input(self._day(current.since), placeholder="YYYY-MM-DD", id="filter-since")
                yield Label("To (UTC)")
                yield Input(
                    self._day(current.until, end=True), placeholder="YYYY-MM-DD", id="filter-until"
                )
                yield Label("Text")
                yield Input(
                    current.text or "", placeholder="text anywhere in the log", id="filter-text"
                )
            yield Static(id="filter-error-message")
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", variant="primary", id="filter-apply")
                yield Button("Clear", id="filter-clear")
                yield Button("Cancel", id="filter-cancel")

    @staticmethod
    def _day(moment: float | None, end: bool = False) -> str:
        from datetime import UTC, datetime

        if moment is None:
            return ""
        if end:
            moment -= 86400
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d")

    def _select(self, name: str) -> object:
        value = self.query_one(f"#filter-{name}", Select).value
        return None if value is Select.NULL else value

    def build(self) -> LogFilter:
        """The filter described by the form; raises ValueError for a bad date."""
        since = _blank_to_none(self.query_one("#filter-since", Input).value)
        until = _blank_to_none(self.query_one("#filter-until", Input).value)
        return LogFilter(
            project=self._select("project"),  # type: ignore[arg-type]
            model=self._select("model"),  # type: ignore[arg-type]
            has_error=self._select("error"),  # type: ignore[arg-type]
            has_feedback=self._select("feedback"),  # type: ignore[arg-type]
            feedback_value=_blank_to_none(self.query_one("#filter-value", Input).value),
            since=parse_day(since) if since else None,
            until=parse_day(until, end=True) if until else None,
            text=_blank_to_none(self.query_one("#filter-text", Input).value),
        )

    def action_apply(self) -> None:
        try:
            log_filter = self.build()
        except ValueError:
            self.query_one("#filter-error-message", Static).update("Dates must be YYYY-MM-DD.")
            return
        self.dismiss(log_filter)

    def action_clear(self) -> None:
        self.dismiss(LogFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"filter-apply": self.action_apply, "filter-clear": self.action_clear}
        actions.get(event.button.id or "", self.action_cancel)()
