"""One-line labels of untrusted text: for tree rows, the status bar, titles and tables.

Control characters are made visible by `render.safe`; nothing here parses markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from hltui.ui.widgets.render import safe


def one_line(value: object) -> str:
    """`value` as text with control characters visible, folded onto one line."""
    return " ".join(safe(value if isinstance(value, str) else str(value)).split())


def safe_text(value: object, style: Style | str | None = None) -> Text:
    """A one-line rich Text that shows `value` literally: square brackets are never markup."""
    return Text(one_line(value), style=style or "", end="")
