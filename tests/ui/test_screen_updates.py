"""What a terminal shows after the app's partial screen updates equals a full drawing.

The app skips work Textual would do (scroll bars kept from the last drawing, blank
containers, no full repaint when focus moves), so a change that is never drawn would
leave old cells on the user's terminal. Here every update the app sends is fed to a
terminal emulator (pyte), and after each step its cells (character, colours, attributes)
are compared with those of a full drawing of the same screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyte
from textual import events
from textual._compositor import CompositorUpdate
from textual.widgets import ContentSwitcher

import hltui.ui.app as app_module
from hltui.ui.app import HltuiApp
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.transcript import Transcript
from tests.conftest import make_log, write_jsonl
from tests.ui.conftest import SIZE, settle_workers, wait_loaded

WIDTH, HEIGHT = SIZE
Cell = tuple[str, str, str, bool, bool, bool, bool]


class MirroredApp(HltuiApp):
    """The app, with every screen update also played on an emulated terminal."""

    CSS_PATH = str(Path(app_module.__file__).parent / HltuiApp.CSS_PATH)

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.terminal = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.Stream(self.terminal)
        self.updates = 0

    def _display(self, screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            self.stream.feed(renderable.render_segments(self.console))
            self.updates += 1
        super()._display(screen, renderable)


def cells(terminal: pyte.Screen) -> list[list[Cell]]:
    return [
        [
            (cell.data, cell.fg, cell.bg, cell.bold, cell.italics, cell.underscore, cell.reverse)
            for cell in (terminal.buffer[y][x] for x in range(WIDTH))
        ]
        for y in range(HEIGHT)
    ]


def drawn_in_full(app: MirroredApp) -> pyte.Screen:
    """A fresh terminal given one full drawing of what is on screen now."""
    terminal = pyte.Screen(WIDTH, HEIGHT)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    pyte.Stream(terminal).feed(update.render_segments(app.console))
    return terminal


def stale_cells(app: MirroredApp) -> list[tuple[int, int, Cell, Cell]]:
    shown, full = cells(app.terminal), cells(drawn_in_full(app))
    return [
        (y, x, shown[y][x], full[y][x])
        for y in range(HEIGHT)
        for x in range(WIDTH)
        if shown[y][x] != full[y][x]
    ]


def long_log(tmp_path: Path) -> Path:
    """A 60-message log (the newest, so the first row) and 80 small ones in 7 sessions."""
    messages = [
        {"role": "user" if n % 2 else "assistant", "content": f"message {n} " + "word " * 30}
        for n in range(60)
    ]
    write_jsonl(
        tmp_path / "logs" / "long.jsonl",
        [
            make_log("log_long", messages=messages, created_at="2024-03-02T12:00:00Z"),
            *(make_log(f"log_{n:03d}", session_id=f"s_{n % 7}") for n in range(80)),
        ],
    )
    return tmp_path / "logs"


STEPS = [
    ("enter",),  # focus moves into the transcript of the long log
    ("j", "j", "j"),  # message by message, scrolling
    ("G",),
    ("tab",),  # back to the tree
    ("j", "j", "enter"),  # a session: its timeline
    ("t",),
    ("t",),
    ("t",),
    ("t",),
    ("G",),  # the tree scrolls to its end
    ("g",),
    ("j",),  # a session: its timeline
    ("k", "enter"),  # typed together: a log opened in place of the timeline shown
    ("tab",),
    ("question_mark",),  # help, a modal screen
    ("escape",),
]


async def test_the_terminal_shows_what_a_full_drawing_shows_after_every_step(
    tmp_path: Path,
) -> None:
    app = MirroredApp(long_log(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.2)
        assert app.updates > 0
        assert stale_cells(app) == []
        for keys in STEPS:
            before = app.updates
            await pilot.press(*keys)
            await settle_workers(app)
            await pilot.pause(0.2)
            assert app.updates > before, keys
            stale = stale_cells(app)
            assert stale == [], (keys, len(stale), stale[:3])


async def test_a_log_opened_in_place_of_a_timeline_with_keys_typed_together(
    sample_dir: Path,
) -> None:
    """`j enter` arriving together (as typed fast in a terminal) from a session showing
    its timeline: the transcript shown in its place is drawn with the log (it stayed
    blank when the log was drawn at once, before the screen had arranged the
    transcript)."""
    app = MirroredApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.3)
        tree = app.query_one(SessionTree)
        assert tree.current_row is not None and tree.current_row.is_session
        assert app.query_one("#transcript-switcher", ContentSwitcher).current == "overview"
        app.post_message(events.Key("j", "j"))
        app.post_message(events.Key("enter", None))
        await settle_workers(app)
        await pilot.pause(0.3)
        transcript = app.query_one(Transcript)
        row = tree.current_row
        assert row is not None and not row.is_session
        assert transcript.record is not None and transcript.record.id == row.key
        assert app.focused is transcript
        first = transcript.blocks[0].header.plain
        assert any(first in line for line in app.terminal.display[2:])
        assert stale_cells(app) == []
