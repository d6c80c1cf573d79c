"""One transcript block drawn as strips: a bordered message with its title, or a note.

The transcript draws its blocks itself (one widget, Textual's line API) rather than as a
widget per message: a widget per message made every transcript opened a layout and a
composite of each block. The borders and their labels are drawn by Textual's own border
functions, with the styles Textual would give a widget, so a block looks as a bordered
``Static`` would.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual._border import get_box, render_border_label, render_row
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, visualize
from textual.widget import Widget

from hltui.ui.widgets.render import IndentedText

MARKER = "▌"  # beside each line of the message chosen
PADDING = 1  # cells of padding inside a block's border, each side
NOTE_PADDING = 2  # a note has no border: two cells each side, a blank line above and below


@dataclass(frozen=True)
class BoxLook:
    """How a block is drawn: its border (an edge type, or "" for a note) and styles."""

    edge: str
    border: Style  # foreground: the border's colour
    title: Style  # the header's colour and text style
    subtitle: Style
    inner: Style  # the block's text colour and background
    outer: Style  # what is around the block (the transcript's background)


def draw_box(
    widget: Widget,
    body: RenderableType,
    look: BoxLook,
    width: int,
    indent: int,
    total: int,
    title: Text | None = None,
    subtitle: Text | None = None,
    marker: Style | None = None,
) -> list[Strip]:
    """The lines of a block `width` cells wide, `indent` cells from the left of a line
    `total` cells wide; a bordered block ends with a blank line (its margin). With
    `marker`, the first cell of the indent is a bar in that style on each of its lines
    (a mark that shows in any terminal, on every line of a tall block)."""
    outer = look.outer.rich_style
    right_margin = max(0, total - indent - width)
    left = [Segment(" " * indent, outer)] if indent else []
    if marker is not None and indent:
        left = [Segment(MARKER, (look.outer + marker).rich_style)]
        if indent > 1:
            left.append(Segment(" " * (indent - 1), outer))
    right = [Segment(" " * right_margin, outer)] if right_margin else []
    if not look.edge:
        return _note_lines(widget, body, look, width, left, right, total)
    inner_width = max(1, width - 2 - 2 * PADDING)
    lines = body_lines(widget, body, inner_width, look.inner)
    inner = look.inner.rich_style
    box = get_box(look.edge, look.inner, look.outer, look.border)  # type: ignore[arg-type]
    side_left, side_right = box[1][0], box[1][2]
    pad = Segment(" " * PADDING, inner)
    strips = [_edge(box[0], look, title, look.title, True, width, left, right)]
    for line in lines:
        segments = [*left, side_left, pad, *line, pad, side_right, *right]
        strips.append(Strip(segments, total))
    strips.append(_edge(box[2], look, subtitle, look.subtitle, False, width, left, right))
    strips.append(Strip.blank(total, outer))
    return strips


def body_lines(widget: Widget, body: RenderableType, width: int, style: Style) -> list[Strip]:
    """`body` wrapped to `width` cells, as a ``Static`` would render it (without Textual's
    text selection and link styles, which the transcript does not use)."""
    if isinstance(body, IndentedText):  # wrapped here: Textual wraps Text its own way
        body = Text("\n").join(body.wrap(widget.app.console, width))
        body.no_wrap = True
    visual = visualize(widget, body, markup=False)
    options = RenderOptions(widget._get_style, widget.styles)
    pad = (style + Style(reverse=False)).rich_style
    strips = visual.render_strips(width, None, style, options)
    return [strip.extend_cell_length(width, pad) for strip in strips]


def _edge(
    row: tuple[Segment, Segment, Segment],
    look: BoxLook,
    label: Text | None,
    label_style: Style,
    is_title: bool,
    width: int,
    left: list[Segment],
    right: list[Segment],
) -> Strip:
    """The top (title, at the left) or bottom (subtitle, at the right) edge of a box."""
    label_segments: list[Segment] = []
    if label is not None and label.plain:
        label_segments = list(
            render_border_label(
                (Content.from_rich_text(label), label_style),
                is_title,
                look.edge,  # type: ignore[arg-type]
                width - 2,
                look.inner,
                look.outer,
                look.border,
                True,
                True,
            )
        )
    alignment = "left" if is_title else "right"
    segments = list(render_row(row, width, True, True, label_segments, alignment))
    return Strip([*left, *segments, *right])


def _note_lines(
    widget: Widget,
    body: RenderableType,
    look: BoxLook,
    width: int,
    left: list[Segment],
    right: list[Segment],
    total: int,
) -> list[Strip]:
    """A note: its text between blank lines, two cells in from each side."""
    inner_width = max(1, width - 2 * NOTE_PADDING)
    lines = body_lines(widget, body, inner_width, look.inner)
    pad = Segment(" " * NOTE_PADDING, look.inner.rich_style)
    blank = Strip.blank(total, look.outer.rich_style)
    middle = [Strip([*left, pad, *line, pad, *right], total) for line in lines]
    return [blank, *middle, blank]
