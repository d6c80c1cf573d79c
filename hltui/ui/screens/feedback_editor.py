"""FeedbackEditor: add or change one feedback item (type and value) in a modal form.

Labels for rating / action / issue come from the values seen in the logs and the
project's `.hltui/feedback-types.json`; comments and corrections are multi-line text
(a correction starts as the log's output, ready to be edited).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from hltui.model.feedback import TEXT_TYPES, parse_value
from hltui.ui.safe import one_line

STANDARD_TYPES = ("rating", "action", "issue", "correction", "comment")
CUSTOM = "\x00custom"


@dataclass(frozen=True, slots=True)
class FeedbackDraft:
    """What the editor returns: the type and the value (a number when it reads as one)."""

    type: str
    value: str | int | float


class FeedbackEditor(ModalScreen[FeedbackDraft | None]):
    """A form for one feedback item; dismisses with a FeedbackDraft, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
        Binding("ctrl+s", "save", "Save", id="editor.save"),
    ]

    def __init__(
        self,
        *,
        kind: str = "rating",
        value: str = "",
        labels: dict[str, list[str]] | None = None,
        title: str = "Add feedback",
        log_output: str | None = None,
        fixed_type: bool = False,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.value = value
        self.labels = labels or {}
        self.title_text = title
        self.log_output = log_output
        self.fixed_type = fixed_type
        self._shown_kind: str | None = None

    def compose(self) -> ComposeResult:
        kinds = list(dict.fromkeys([*STANDARD_TYPES, *self.labels, self.kind]))
        with Vertical(id="editor-body") as body:
            body.border_title = Text(self.title_text)  # literal: it names a log by its id
            body.border_subtitle = "ctrl+s save · esc cancel"
            yield Label("Type")
            yield Select(
                [*((Text(k), k) for k in kinds), (Text("custom type…"), CUSTOM)],
                value=self.kind,
                allow_blank=False,
                id="editor-type",
                disabled=self.fixed_type,
            )
            yield Input(placeholder="custom type name", id="editor-custom-type")
            yield Label("Value")
            yield Static(id="editor-labels")
            yield Input(self.value, placeholder="label or number", id="editor-value")
            yield TextArea(self.value, id="editor-text", soft_wrap=True)
            yield Static(id="editor-error")
            with Horizontal(id="editor-buttons"):
                yield Button("Save", variant="primary", id="editor-save")
                yield Button("Cancel", id="editor-cancel")

    def on_mount(self) -> None:
        self.query_one("#editor-custom-type", Input).display = False
        self._show_kind(self.kind, first=True)
        self._started_with = self._typed()
        self._discard_armed = False
        self._quit_armed = False
        # the keys typed while this opened (`c hello` in one read) go into its text box
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            release(self.focused)

    def _typed(self) -> tuple[str, str, str]:
        """What the form holds: its type and both value fields."""
        return (
            self.current_kind,
            self.query_one("#editor-value", Input).value,
            self.query_one("#editor-text", TextArea).text,
        )

    @property
    def current_kind(self) -> str:
        value = self.query_one("#editor-type", Select).value
        if value == CUSTOM:
            return self.query_one("#editor-custom-type", Input).value.strip()
        return value if isinstance(value, str) else self.kind

    def _show_kind(self, kind: str, first: bool = False) -> None:
        self._shown_kind = kind
        text_kind = kind in TEXT_TYPES
        line = self.query_one("#editor-value", Input)
        area = self.query_one("#editor-text", TextArea)
        line.display = not text_kind
        area.display = text_kind
        prefilled = text_kind and kind == "correction" and not area.text and self.log_output
        if prefilled:
            area.text = self.log_output or ""
        labels = self.labels.get(kind, [])
        hint = self.query_one("#editor-labels", Static)
        if labels and not text_kind:
            shown = "  ".join(one_line(label) for label in labels[:12])
            hint.update(Text(f"known: {shown}", style="dim"))
            line.placeholder = f"e.g. {labels[0]}"  # (the label alone read as a value)
        else:
            hint.update("")
        hint.display = bool(labels) and not text_kind  # no blank line when there are none
        if text_kind:  # the log's output is read from the top; an item's own text is
            # continued at its end
            area.move_cursor((0, 0) if prefilled else area.document.end)
        field = area if text_kind else line
        if first:  # focused at once: the keys typed while the editor opened go there
            self.set_focus(field)
        else:
            field.focus()

    @on(Select.Changed, "#editor-type")
    def _kind_changed(self, event: Select.Changed) -> None:
        if event.value == self._shown_kind:  # the initial value, announced on mount
            return
        custom = self.query_one("#editor-custom-type", Input)
        custom.display = event.value == CUSTOM
        if event.value == CUSTOM:
            self._show_kind("")
            custom.focus()
        elif isinstance(event.value, str):
            self._show_kind(event.value)

    def draft(self) -> FeedbackDraft | None:
        kind = self.current_kind
        if not kind:
            self.query_one("#editor-error", Static).update(Text("Name the custom type."))
            return None
        if kind in TEXT_TYPES:
            text = self.query_one("#editor-text", TextArea).text
        else:
            text = self.query_one("#editor-value", Input).value
        if not text.strip():
            self.query_one("#editor-error", Static).update(Text("A value is needed."))
            return None
        if kind == "correction" and self.log_output is not None and text == self.log_output:
            self.query_one("#editor-error", Static).update(
                Text("This is the output as it is: correct it, or esc to leave it.")
            )
            return None
        return FeedbackDraft(kind, parse_value(kind, text))

    def action_save(self) -> None:
        draft = self.draft()
        if draft is not None:
            self.dismiss(draft)

    def action_cancel(self) -> None:
        """`escape`: close; with something typed, only when pressed a second time (one
        press threw away a comment being written)."""
        if self._typed() != self._started_with and not self._discard_armed:
            self._discard_armed = True
            self.query_one("#editor-error", Static).update(
                Text("Not saved: esc again to discard it, ctrl+s to save.")
            )
            return
        self.dismiss(None)

    def may_quit(self) -> bool:
        """Whether the app may quit with this editor open (`ctrl+q`): with something
        typed, only when asked a second time (it quit and threw the text away)."""
        if self._typed() == self._started_with or self._quit_armed:
            return True
        self._quit_armed = True
        self.query_one("#editor-error", Static).update(
            Text("Not saved: ctrl+q again to quit without it, ctrl+s to save.")
        )
        return False

    def on_text_area_changed(self) -> None:
        self._discard_armed = False  # typing on: the next escape asks again
        self._quit_armed = False

    def on_input_changed(self) -> None:
        self._discard_armed = False
        self._quit_armed = False

    @on(Input.Submitted, "#editor-value")
    def _submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "editor-save":
            self.action_save()
        else:  # a click on Cancel is meant: no second asking
            self.dismiss(None)
