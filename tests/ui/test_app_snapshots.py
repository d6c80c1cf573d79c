"""SVG snapshots of the browser on sample_data at a fixed 120x40 terminal.

Deterministic by construction: the data is a copy of sample_data with fixed file times,
opened by a path relative to the working directory (the title shows `sample_data`, not a
temporary directory); input cursors do not blink; every time shown comes from the data.
Update with `pytest tests/ui/test_app_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from hltui.model.forest_preview import save_preview
from hltui.model.index import IndexBatch, LogIndex
from hltui.ui.app import HltuiApp
from hltui.ui.widgets.session_tree import SessionTree
from tests.conftest import forest_from
from tests.ui.conftest import copy_sample_data, gated_load, poll, settle, wait_loaded, wait_shown

SIZE = (120, 40)
Before = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HltuiApp:
    """The browser on a copy of sample_data, opened as `sample_data` from its parent."""
    copy_sample_data(tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    return HltuiApp(Path("sample_data"))


def no_blink(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


def loaded_then(*keys: str, select: str | None = None) -> Before:
    """A `run_before` that waits for loading, optionally selects a log, then presses keys."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        if select is not None:
            assert pilot.app.query_one(SessionTree).select_key(select)
            await pilot.pause()
            await wait_shown(pilot)
        await press(pilot, keys)
        no_blink(pilot)
        await pilot.pause()

    return run_before


async def press(pilot: Pilot[Any], keys: Iterable[str]) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


class TestMainScreen:
    def test_after_loading(self, snap_compare: Any, app: HltuiApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=loaded_then())

    def test_session_expanded(self, snap_compare: Any, app: HltuiApp) -> None:
        before = loaded_then("G", "asterisk")
        assert snap_compare(app, terminal_size=SIZE, run_before=before)

    def test_preview_of_the_forest(
        self, snap_compare: Any, app: HltuiApp, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A warm open, its logs still loading: the last forest's saved top rows, the
        cursor moved in them (the same rows as `test_after_loading`)."""
        index = LogIndex(app.path).load()  # the index cache
        assert save_preview(index, forest_from(index))
        held = threading.Event()  # the load is held (its progress posted): a fixed screen

        def hold_here(_index: LogIndex, batch: IndexBatch) -> bool:
            if batch.logs:
                held.set()
            return bool(batch.logs)

        gate = gated_load(monkeypatch, hold_after=hold_here)
        close = app.exit

        def exit(*args: Any, **kwargs: Any) -> None:  # once the screenshot is taken
            gate.set()  # the load goes on (the app waits for it to close)
            close(*args, **kwargs)

        monkeypatch.setattr(app, "exit", exit)

        async def run_before(pilot: Pilot[Any]) -> None:
            app = pilot.app
            assert isinstance(app, HltuiApp)
            await poll(pilot, lambda: app.preview_tree and app.preview_tree.region.height)
            await poll(pilot, held.is_set)
            await pilot.press("j", "j")  # (not `press`: it waits for the load)
            await pilot.pause()

        try:
            assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        finally:
            gate.set()


class TestTranscript:
    def test_tool_calls(self, snap_compare: Any, app: HltuiApp) -> None:
        before = loaded_then(select="data_agentDeepFinal01")
        assert snap_compare(app, terminal_size=SIZE, run_before=before)

    def test_error_log(self, snap_compare: Any, app: HltuiApp) -> None:
        before = loaded_then(select="data_errToolFailed0001")
        assert snap_compare(app, terminal_size=SIZE, run_before=before)


class TestDetails:
    @pytest.mark.parametrize(
        "log_id",
        [
            pytest.param("data_agentDeepStep0002", id="model"),
            pytest.param("data_agentDeepSearch01", id="tool"),
            pytest.param("data_agentErrRetriev01", id="generic"),
            pytest.param("data_agentDeepRoot0001", id="agent"),
            pytest.param("data_evaluatorConfig01", id="unknown-evaluator"),
        ],
    )
    def test_config_kind(self, snap_compare: Any, app: HltuiApp, log_id: str) -> None:
        before = loaded_then("t", select=log_id)
        assert snap_compare(app, terminal_size=SIZE, run_before=before)


class TestScreens:
    def test_problems(self, snap_compare: Any, app: HltuiApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=loaded_then("p"))

    def test_help(self, snap_compare: Any, app: HltuiApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=loaded_then("question_mark"))

    def test_filter(self, snap_compare: Any, app: HltuiApp) -> None:
        assert snap_compare(app, terminal_size=SIZE, run_before=loaded_then("f"))


DEEP_FINAL = "data_agentDeepFinal01"
JOURNAL_LINES = [  # fixed times and ids: the panel shows them
    {
        "type": "comment",
        "value": "Good summary, but cite the 2024 sources.\nAnd keep it shorter.",
        "data_id": DEEP_FINAL,
        "user": "rev@example.com",
        "created_at": "2024-06-05T09:00:00.000000Z",
        "id": "ann_0a1b2c3d4e5f60718293a4b5",
        "edit": "add",
    },
    {
        "type": "rating",
        "value": 4,
        "data_id": DEEP_FINAL,
        "user": "rev@example.com",
        "created_at": "2024-06-05T09:00:05.000000Z",
        "id": "ann_5b4a3928170f6e5d4c3b2a10",
        "edit": "add",
    },
]


@pytest.fixture
def reviewed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HltuiApp:
    """Like `app`, with a journal holding two items for the agent's final answer."""
    copy_sample_data(tmp_path / "sample_data")
    journal = tmp_path / "sample_data" / ".hltui" / "feedback.jsonl"
    journal.parent.mkdir()
    journal.write_text("".join(json.dumps(line) + "\n" for line in JOURNAL_LINES))
    monkeypatch.chdir(tmp_path)
    return HltuiApp(Path("sample_data"), user="rev@example.com")


class TestFeedback:
    def test_feedback_panel(self, snap_compare: Any, reviewed_app: HltuiApp) -> None:
        # the Feedback tab (T: the tab before Transcript): items from the log and the journal
        before = loaded_then("T", select=DEEP_FINAL)
        assert snap_compare(reviewed_app, terminal_size=SIZE, run_before=before)

    def test_correction_editor(self, snap_compare: Any, app: HltuiApp) -> None:
        before = loaded_then("x", select=DEEP_FINAL)  # starts as the log's output
        assert snap_compare(app, terminal_size=SIZE, run_before=before)
