"""Helpers for driving the whole app: sample data copies, waiting for loading, screen text."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from hltui.model.index import IndexBatch, LogIndex
from hltui.ui.app import HltuiApp
from hltui.ui.widgets.session_overview import SessionOverview
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.transcript import Transcript

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
SIZE = (120, 40)
# A fixed modification time for copied files: the index reads the newest files first, and
# which of two duplicate records is kept depends on that order.
FIXED_MTIME = 1_717_200_000  # 2024-06-01


def copy_sample_data(target: Path) -> Path:
    """A copy of sample_data at `target` with every file's mtime fixed (deterministic order)."""
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".hltui"))  # no local state
    for path in sorted(target.rglob("*")):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return target


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of sample_data."""
    return copy_sample_data(tmp_path / "data")


async def poll(pilot: Pilot[Any], condition: Callable[[], object], steps: int = 200) -> None:
    """Let the app run until `condition()` holds (bounded: fails after `steps` short pauses)."""
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), "condition never became true"


async def settle_workers(app: Any) -> None:
    """Wait for the app's workers to finish, except the file watcher, which never does."""
    workers = [worker for worker in app.workers if worker.group != "watch"]
    await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)


async def wait_loaded(pilot: Pilot[Any]) -> None:
    """Wait until the app has read everything and shown the row under the cursor."""
    app = pilot.app
    assert isinstance(app, HltuiApp)
    await poll(pilot, lambda: app.loaded)
    await settle_workers(app)
    await pilot.pause()
    await wait_shown(pilot)


def shown_matches(app: HltuiApp) -> bool:
    """Whether the right-hand panes show the row under the tree cursor."""
    row = app.query_one(SessionTree).current_row
    if row is None:
        return True
    if row.is_session:
        return app.query_one(SessionOverview).session is row.item
    transcript = app.query_one(Transcript)
    record = transcript.record
    if record is None:  # a record that could not be decoded: its raw text is shown
        return any(f'"{row.key}"' in block.full_text for block in transcript.blocks)
    return record.id == row.key


async def wait_shown(pilot: Pilot[Any]) -> None:
    """Wait until the panes show the current row (they follow the cursor after a short delay)."""
    app = pilot.app
    assert isinstance(app, HltuiApp)
    await poll(pilot, lambda: shown_matches(app))
    await pilot.pause()


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for workers and pending messages after an action."""
    await settle_workers(pilot.app)
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """The characters on the screen, as a terminal would show them."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def screen_links(app: App[Any]) -> list[str]:
    """Hyperlinks anywhere on the screen."""
    return [
        segment.style.link
        for strip in app.screen._compositor.render_strips()
        for segment in strip
        if segment.style is not None and segment.style.link
    ]


async def search_for(pilot: Any, term: str) -> None:
    """Search for `term` as a user would: `/`, the term, enter; then wait for the hit."""
    await pilot.press("slash")
    box = pilot.app.query_one("#search", Input)
    assert box.display and box.has_focus
    await pilot.press(*term)
    assert box.value == term
    await pilot.press("enter")
    await settle(pilot)
    await wait_shown(pilot)


async def goto(pilot: Any, key: str) -> None:
    """Put the tree cursor on `key` (revealing it) and wait for the panes to show it."""
    assert pilot.app.query_one(SessionTree).select_key(key)
    await pilot.pause()
    await wait_shown(pilot)


def gated_load(
    monkeypatch: pytest.MonkeyPatch,
    batch_size: int = 10,
    hold_after: Callable[[LogIndex, IndexBatch], bool] = lambda index, batch: bool(batch.logs),
) -> threading.Event:
    """Make loading (in batches of `batch_size`) stop after the first batch for which
    `hold_after` is true (by default: its first batch) until the returned event is set."""
    original = LogIndex.load
    gate = threading.Event()

    def load(self: LogIndex, on_batch: Any = None, **options: Any) -> LogIndex:
        def hold(batch: IndexBatch) -> None:
            on_batch(batch)
            if hold_after(self, batch):
                gate.wait(timeout=20)

        return original(self, hold, **{**options, "batch_size": batch_size})

    monkeypatch.setattr(LogIndex, "load", load)
    return gate


@asynccontextmanager
async def held_app(
    directory: Path,
    monkeypatch: pytest.MonkeyPatch,
    shows: Callable[[HltuiApp], object],
    app: HltuiApp | None = None,
) -> AsyncIterator[tuple[HltuiApp, Pilot[None], threading.Event]]:
    """The app on `directory` (or `app`), its load held after its first logs, once
    `shows(app)` holds; setting the event lets the load go on."""
    gate = gated_load(monkeypatch)
    app = app if app is not None else HltuiApp(directory)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await poll(pilot, lambda: shows(app))
            yield app, pilot, gate
    finally:
        gate.set()
