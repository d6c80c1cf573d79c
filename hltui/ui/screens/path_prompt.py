"""PathPrompt: ask for a file path in a small modal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPrompt(ModalScreen[str | None]):
    """Dismisses with the typed path, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="path.cancel")]

    def __init__(self, title: str, placeholder: str = "/path/to/feedback.jsonl") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="path-body") as body:
            body.border_title = self.title_text
            body.border_subtitle = "enter to save · esc cancel"
            yield Label("Path")
            yield Input(placeholder=self.placeholder, id="path-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
