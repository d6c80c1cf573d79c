"""Pilot tests of the whole browser on real files: keys, panes, search, filter, safety."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from rich.markdown import Markdown
from rich.text import Text
from textual import constants as textual_constants
from textual import events
from textual._styles_cache import StylesCache
from textual.drivers.headless_driver import HeadlessDriver
from textual.keys import _character_to_key
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Input,
    Select,
    Static,
    TabbedContent,
    Tabs,
)

import hltui.ui.app as app_module
import hltui.ui.searching as searching_module
from hltui.cli import main
from hltui.model import line_matcher, scan
from hltui.model.forest_preview import preview_path
from hltui.model.hits import HitChunks, HitMarks
from hltui.model.index import LogIndex
from hltui.model.query import LogFilter, search
from hltui.model.sessions import Session, build_forest
from hltui.ui.app import HltuiApp
from hltui.ui.messages import ForestReady, SearchHits
from hltui.ui.screens.browser import BrowserScreen
from hltui.ui.screens.filter import FilterScreen
from hltui.ui.screens.help import HelpScreen
from hltui.ui.screens.problems import ProblemsScreen
from hltui.ui.widgets.details import Details
from hltui.ui.widgets.feedback_panel import FeedbackPanel
from hltui.ui.widgets.focus_edge import FocusEdge
from hltui.ui.widgets.key_footer import KeyFooter
from hltui.ui.widgets.raw_view import RawView
from hltui.ui.widgets.render import plain
from hltui.ui.widgets.session_overview import MAX_ROWS, SessionOverview
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.status_bar import StatusBar
from hltui.ui.widgets.transcript import HIGHLIGHT_STYLE, ShownBlock, Transcript
from tests.conftest import make_log, write_jsonl
from tests.ui.conftest import (
    SIZE,
    gated_load,
    goto,
    held_app,
    poll,
    screen_links,
    screen_text,
    search_for,
    settle,
    settle_workers,
    wait_loaded,
    wait_shown,
)

DEEP = "s:id:sesh_agentDeep3Levels1"
DEEP_TREE = [  # (key, depth) of the agent session fully expanded
    (DEEP, 0),
    ("data_agentDeepRoot0001", 1),
    ("data_agentDeepStep0001", 2),
    ("data_agentDeepSearch01", 3),
    ("data_agentDeepStep0002", 2),
    ("data_agentDeepFetch001", 3),
    ("data_agentDeepSumm0001", 4),
    ("data_agentDeepFinal01", 2),
]
ERROR_LOGS = {
    "data_errOverloaded0001",
    "data_errContextLen0001",
    "data_errToolFailed0001",
    "data_errRateLimit00001",
    "data_errTimeout0000001",
}
TOP_ROWS = 48  # sessions and standalone logs in sample_data


def tree_of(app: HltuiApp) -> SessionTree:
    return app.query_one(SessionTree)


def keys_and_depths(app: HltuiApp) -> list[tuple[str, int]]:
    return [(row.key, row.depth) for row in tree_of(app).rows]


def fully_expanded(app: HltuiApp) -> list[tuple[str, int]]:
    """Every row with everything expanded (from the bottom up, so indexes stay valid)."""
    outline = tree_of(app).outline
    for index in range(len(outline.rows) - 1, -1, -1):
        outline.expand_all(index)
    return [(row.key, row.depth) for row in outline.rows]


def current_key(app: HltuiApp) -> str | None:
    row = tree_of(app).current_row
    return row.key if row else None


def notifications(app: HltuiApp) -> list[Any]:
    return list(app._notifications)


def messages_of(app: HltuiApp) -> list[str]:
    return [n.message for n in notifications(app)]


def highlighted(block: ShownBlock) -> bool:
    """Whether the text the block shows has a span in the search highlight style."""
    shown = block.content
    return isinstance(shown, Text) and any(
        str(span.style) == HIGHLIGHT_STYLE for span in shown.spans
    )


def block_texts(app: HltuiApp) -> list[str]:
    return [
        block.body.plain if isinstance(block.body, Text) else str(block.body)
        for block in app.query_one(Transcript).blocks
    ]


# --- navigation -----------------------------------------------------------------------


async def test_loads_sample_data_and_shows_counts(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        assert tree.row_count == TOP_ROWS
        assert all(row.depth == 0 for row in tree.rows)
        assert tree.cursor == 0
        assert app.focused is tree
        status = app.query_one(StatusBar)
        assert (status.logs, status.sessions, status.problems) == (102, 39, 6)
        assert status.progress is None
        bar = status.render().plain
        assert "102 logs" in bar and "39 sessions" in bar and "6 problems" in bar
        assert not notifications(app)


async def test_cursor_keys_move_and_jump(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await pilot.press("j", "j", "down")
        assert tree.cursor == 3
        await pilot.press("k", "up")
        assert tree.cursor == 1
        await pilot.press("G")
        assert tree.cursor == TOP_ROWS - 1 and current_key(app) == DEEP
        await pilot.press("j")
        assert tree.cursor == TOP_ROWS - 1
        await pilot.press("g")
        assert tree.cursor == 0
        await pilot.press("k")
        assert tree.cursor == 0
        await pilot.press("end")
        assert tree.cursor == TOP_ROWS - 1
        await pilot.press("home")
        assert tree.cursor == 0
        await pilot.press("pagedown")
        assert tree.cursor > 10
        await pilot.press("pageup")
        assert tree.cursor == 0


async def test_expand_nests_logs_by_parent_and_h_goes_up(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await pilot.press("G", "enter")
        top = TOP_ROWS - 1
        assert keys_and_depths(app)[top:] == DEEP_TREE[:2]
        await pilot.press("j", "l")  # the agent root: its three steps appear
        assert keys_and_depths(app)[top:] == [
            DEEP_TREE[0],
            DEEP_TREE[1],
            DEEP_TREE[2],
            DEEP_TREE[4],
            DEEP_TREE[7],
        ]
        await pilot.press("j", "right")  # the first step: its tool call
        assert keys_and_depths(app)[top:][3] == DEEP_TREE[3]
        await pilot.press("G", "k")  # up to the second step, then expand everything
        assert current_key(app) == "data_agentDeepStep0002"
        await pilot.press("asterisk")
        assert keys_and_depths(app)[top:] == DEEP_TREE
        # h on a leaf goes to its parent; on an expanded row it collapses it
        await pilot.press("j", "j")
        assert current_key(app) == "data_agentDeepSumm0001"
        await pilot.press("h")
        assert current_key(app) == "data_agentDeepFetch001"
        await pilot.press("h")
        assert current_key(app) == "data_agentDeepFetch001"
        assert "data_agentDeepSumm0001" not in dict(keys_and_depths(app))
        await pilot.press("h", "h", "h", "h", "h")
        assert current_key(app) == DEEP
        await pilot.press("left")
        assert tree.row_count == TOP_ROWS
        assert tree.label(tree.current_row).plain.startswith("▸ 2024-06-01 02:00")


async def test_enter_on_a_leaf_focuses_the_transcript(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        await pilot.press("enter")
        await settle(pilot)
        transcript = app.query_one(Transcript)
        assert transcript.has_focus_within
        assert transcript.record is not None and transcript.record.id == "data_agentDeepSearch01"


async def test_a_second_open_restores_the_forest_from_the_cache(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files again: the whole tree comes from the forest cache, not a new build."""

    first = HltuiApp(sample_dir)
    async with first.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        built = fully_expanded(first)
        problems = [p.message for p in first.all_problems()]
    assert (sample_dir / ".hltui" / "forest-cache.msgpack").exists()
    builds: list[int] = []
    real_build = app_module.build_forest

    def counting(logs: Any, files: Any = None) -> Any:
        logs = list(logs)
        builds.append(len(logs))
        return real_build(logs, files)

    monkeypatch.setattr(app_module, "build_forest", counting)
    second = HltuiApp(sample_dir)
    async with second.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        # (only the first file's logs are built at once, to be shown before the rest)
        assert max(builds) < len(second.index), "the forest of every log was built again"
        assert fully_expanded(second) == built
        assert [p.message for p in second.all_problems()] == problems
    # a changed file: built as usual
    write_jsonl(sample_dir / "new.jsonl", [make_log("data_brandNew")])
    third = HltuiApp(sample_dir)
    async with third.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert third.forest is not None and "data_brandNew" in third.forest.nodes
        assert "data_brandNew" in [row.key for row in tree_of(third).rows]


async def test_cursor_stays_on_its_item_after_reload_and_filter(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await goto(pilot, "data_agentDeepFetch001")
        expanded = keys_and_depths(app)
        # a reload: a new forest of the same logs
        app.post_message(ForestReady(build_forest(list(app.index.logs.values())), final=True))
        await settle(pilot)
        assert current_key(app) == "data_agentDeepFetch001"
        assert keys_and_depths(app) == expanded
        # a filter that keeps the item: it moves up the list, the cursor follows it
        app.set_filter(LogFilter(project="research-agent"))
        await settle(pilot)
        assert current_key(app) == "data_agentDeepFetch001"
        assert tree.row_count < len(expanded)
        app.set_filter(LogFilter())
        await settle(pilot)
        assert current_key(app) == "data_agentDeepFetch001"
        assert keys_and_depths(app) == expanded


async def test_reload_refreshes_the_shown_session(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, DEEP)
        overview = app.query_one(SessionOverview)
        first = overview.session
        app.post_message(ForestReady(build_forest(list(app.index.logs.values())), final=True))
        await settle(pilot)
        assert overview.session is not first
        assert overview.session is tree_of(app).current_row.item


async def test_mouse_clicks_move_and_expand(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await pilot.click(SessionTree, offset=(10, 2))
        assert tree.cursor == 2 and tree.row_count == TOP_ROWS
        await pilot.click(SessionTree, offset=(10, 2))  # a second click on the cursor row
        assert tree.row_count == TOP_ROWS + 1
        await pilot.click(SessionTree, offset=(10, 2))
        assert tree.row_count == TOP_ROWS


@asynccontextmanager
async def held_load(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[HltuiApp, Any, threading.Event]]:
    """The app with its load held once its first logs are shown; setting the event lets
    the load go on."""
    async with held_app(directory, monkeypatch, lambda app: tree_of(app).row_count) as held:
        assert not held[0].loaded
        yield held


async def test_first_sessions_show_and_keys_work_while_loading(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with held_load(sample_dir, monkeypatch) as (app, pilot, gate):
        status = app.query_one(StatusBar)
        assert status.progress is not None and "loading" in status.render().plain
        # the sessions of the forest shown, of the logs read a while ago: at least so many
        assert f"{status.sessions:,}+ sessions" in status.render().plain
        # a filter chosen while loading also applies to the logs that come later
        await pilot.press("j", "k", "f")
        await pilot.pause()
        app.screen.query_one("#filter-error", Select).value = True
        await pilot.press("ctrl+s")
        await poll(pilot, lambda: app.visible_ids is not None)
        assert set(app.visible_ids) < ERROR_LOGS
        gate.set()
        await wait_loaded(pilot)
        await settle(pilot)
        assert set(app.visible_ids or ()) == ERROR_LOGS
        assert f"({len(ERROR_LOGS)} shown)" in status.render().plain
        assert "+ sessions" not in status.render().plain


@pytest.mark.parametrize("with_filter", [False, True])
async def test_a_search_run_while_loading_is_run_again_at_its_end(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch, with_filter: bool
) -> None:
    """A search started while loading searched the logs loaded so far, and was never run
    again: `no hits` stayed for a term in most logs. It is run again at the end of the
    load (after the filter, when one was chosen meanwhile)."""
    async with held_load(sample_dir, monkeypatch) as (app, pilot, gate):
        if with_filter:
            app.set_filter(LogFilter(has_error=True))
        app._start_search("a")  # in nearly every log
        await poll(pilot, lambda: not app.search_running())
        partial = len(app.hits)
        gate.set()
        await wait_loaded(pilot)
        await poll(pilot, lambda: len(app.hits) > partial and not app.search_running())
        await settle(pilot)
        expected = search(app.index, "a", only=app.visible_ids)
        assert sorted(app.hits) == sorted(expected)


async def test_a_warm_load_shows_a_screenful_when_the_newest_file_has_one_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch (the newest file) is one log; a warm load expects the cached forest
    and would show nothing more until the end: once enough logs came, they are shown
    (with no preview of the forest: one from before previews were saved)."""
    write_jsonl(tmp_path / "old.jsonl", [make_log(f"data_{n:04}") for n in range(1200)])
    write_jsonl(tmp_path / "new.jsonl", [make_log("data_new")])
    os.utime(tmp_path / "old.jsonl", (1_700_000_000, 1_700_000_000))
    LogIndex(tmp_path).load()  # the index cache
    async with HltuiApp(tmp_path).run_test(size=SIZE) as pilot:  # and the forest cache
        await wait_loaded(pilot)
    preview_path(tmp_path).unlink()
    gate = gated_load(
        monkeypatch, 500, lambda index, batch: len(index) >= 1000 and not batch.is_last
    )
    app = HltuiApp(tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            tree = tree_of(app)
            await poll(pilot, lambda: tree.row_count > 1)
            assert not app.loaded
            gate.set()
            await wait_loaded(pilot)
            assert tree.row_count == 1201
    finally:
        gate.set()


async def test_logs_that_come_later_are_added_to_the_forest_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to BUILD_AFRESH_RATIO times as many new logs as the forest shown holds are added
    to it, sharing its sessions, not built into a second whole forest beside it."""
    new = [make_log(f"data_new_{n:03}", session_id=f"sesh_new_{n:03}") for n in range(100)]
    old = [make_log(f"data_old_{n:03}", session_id=f"sesh_old_{n:03}") for n in range(250)]
    write_jsonl(tmp_path / "new.jsonl", new)
    write_jsonl(tmp_path / "old.jsonl", old)
    os.utime(tmp_path / "old.jsonl", (1_700_000_000, 1_700_000_000))  # read after new
    gate = gated_load(monkeypatch, 100)
    app = HltuiApp(tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await poll(pilot, lambda: app.forest is not None)
            shown = app.forest
            assert shown is not None and len(shown.nodes) == 100 and not app.loaded
            gate.set()
            await wait_loaded(pilot)
            assert app.forest is not None and len(app.forest.nodes) == 350
            assert all(
                app.forest.sessions[key] is session for key, session in shown.sessions.items()
            )
    finally:
        gate.set()


# --- the panes --------------------------------------------------------------------------


async def test_selecting_a_log_fills_every_pane(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        switcher = app.query_one("#transcript-switcher", ContentSwitcher)
        assert switcher.current == "transcript-view"
        transcript = app.query_one(Transcript)
        blocks = transcript.blocks
        assert [b.role_class for b in blocks[:2]] == ["-role-system", "-role-user"]
        assert any("solid-state batteries" in text for text in block_texts(app))
        await goto(pilot, "data_agentDeepStep0002")  # a log with a tool call and its result
        blocks = transcript.blocks
        assert [b.role_class for b in blocks] == [
            "-role-system",
            "-role-user",
            "-role-assistant",
            "-role-tool",
            "-role-assistant",
        ]
        assert "→ call web_search" in blocks[2].full_text
        assert blocks[3].has_class("-attached")
        assert str(blocks[3].header).startswith("tool result for web_search")
        # hidden tabs are filled when they are shown, with the log under the cursor
        details = app.query_one(Details)
        raw = app.query_one(RawView)
        assert '"id": "data_agentDeepStep0002"' not in raw.text
        app.action_tab("details")
        await pilot.pause()
        titles = [title for title, _ in details.sections]
        assert titles[0] == "Location" and any(t.startswith("Config · model") for t in titles)
        assert "IDs" in titles and "Timing" in titles
        assert "Location" in screen_text(app)
        app.action_next_tab(1)
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "raw"
        assert '"id": "data_agentDeepStep0002"' in raw.text
        assert '"id": "data_agentDeepStep0002"' in screen_text(app)
        # the shown tab follows the cursor at once
        await goto(pilot, "data_agentDeepStep0001")
        assert '"id": "data_agentDeepStep0001"' in raw.text
        app.action_tab("transcript")
        await goto(pilot, "data_agentDeepStep0002")
        # the feedback tab of a log with feedback
        await goto(pilot, "data_agentDeepFinal01")
        panel = app.query_one(FeedbackPanel)
        assert panel.row_count >= 1
        app.action_tab("feedback")
        assert app.query_one(TabbedContent).active == "feedback"
        await pilot.pause()
        assert "rating" in screen_text(app) or "comment" in screen_text(app)


async def test_selecting_a_session_shows_its_overview(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("G")
        await wait_shown(pilot)
        switcher = app.query_one("#transcript-switcher", ContentSwitcher)
        assert switcher.current == "overview"
        overview = app.query_one(SessionOverview)
        assert overview.row_count == 7
        assert overview.log_ids[0] == "data_agentDeepRoot0001"
        text = screen_text(app)
        assert "sesh_agentDeep3Levels1" in text and "7 logs" in text


async def test_tab_moves_focus_between_panes(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await goto(pilot, "data_agentDeepStep0001")
        seen = []
        for _ in range(2):  # the tree and the pane shown: the tab strip takes no focus
            await pilot.press("tab")
            seen.append(app.focused)
        assert seen[-1] is tree, seen
        assert seen[0] is not None and app.query_one(Transcript) in (
            seen[0],
            *seen[0].ancestors,
        ), seen
        await pilot.press("shift+tab")
        assert app.focused is not tree
        await pilot.press("shift+tab")
        assert app.focused is tree


async def test_the_tree_edge_and_cursor_show_where_focus_is(sample_dir: Path) -> None:
    """The edge beside the tree is lit and its cursor bright while the tree has focus;
    the tree is not restyled or drawn again for it, only the cursor's row."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        edge = app.query_one(FocusEdge)
        assert app.focused is tree and edge.lit
        focused_cursor = tree.render_line(tree.cursor - int(tree.scroll_y))
        redrawn: list[object] = []
        original = SessionTree.notify_style_update

        def counting(widget: SessionTree) -> None:
            redrawn.append(widget)
            original(widget)

        SessionTree.notify_style_update = counting  # type: ignore[method-assign]
        try:
            await pilot.press("tab")
            await pilot.pause()
        finally:
            SessionTree.notify_style_update = original  # type: ignore[method-assign]
        assert app.focused is not tree and not edge.lit
        assert redrawn == []  # no restyle of the tree
        blurred_cursor = tree.render_line(tree.cursor - int(tree.scroll_y))
        assert [seg.style for seg in blurred_cursor] != [seg.style for seg in focused_cursor]
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is tree and edge.lit
        assert tree.render_line(tree.cursor - int(tree.scroll_y)) == focused_cursor


@pytest.mark.parametrize("theme", ["textual-dark", "catppuccin-latte"])
async def test_the_trees_muted_text_is_muted_in_every_theme(sample_dir: Path, theme: str) -> None:
    """Counts and times are drawn in `$text-muted` (`auto 60%`), blended toward the
    tree's background: they came out white in every theme, brighter than the text they
    were to mute in a dark one and unreadable on a light background."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        app.theme = theme
        await pilot.pause()
        await pilot.pause()
        tree = tree_of(app)
        cursor = tree.cursor - int(tree.scroll_y)  # drawn in the cursor's own colours
        row = next(
            y
            for y in range(tree.size.height)
            if y != cursor and " logs" in tree.render_line(y).text
        )
        strip = tree.render_line(row)
        muted = next(seg.style for seg in strip if "logs" in seg.text)
        normal = tree.rich_style
        assert muted.color is not None and normal.color is not None and normal.bgcolor
        background = normal.bgcolor.get_truecolor()
        text, dim = normal.color.get_truecolor(), muted.color.get_truecolor()

        def distance(a: Any, b: Any) -> int:
            return sum(abs(x - y) for x, y in zip(a, b, strict=True))

        # between the background and the text: dimmer than the text, yet not the background
        assert 0 < distance(dim, background) < distance(text, background)
        assert distance(dim, text) < distance(background, text)


async def test_the_focused_cursor_row_is_all_in_the_cursors_text_colour(
    sample_dir: Path,
) -> None:
    """On the bright cursor, the muted, green and red parts of a label take the cursor's
    text colour (they nearly vanished on it); on the dim one they keep their own."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepFinal01")
        tree = tree_of(app)
        y = tree.cursor - int(tree.scroll_y)
        colours = {seg.style.color for seg in tree.render_line(y) if seg.text.strip()}
        assert len(colours) == 1
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is not tree
        colours = {seg.style.color for seg in tree.render_line(y) if seg.text.strip()}
        assert len(colours) > 1


async def test_a_filter_hiding_the_log_under_the_cursor_leaves_it_on_its_session(
    sample_dir: Path,
) -> None:
    """The cursor on a log the filter hides stays in that log's session when the session
    stays (it went to whatever row had the same number): on the log that took its row,
    else the session's last log shown (in a review queue, the next log to review)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert app.forest is not None
        session = next(
            s
            for s in app.forest.sessions.values()
            if any(log.error for log in s.logs) and not s.logs[-1].error
        )
        await goto(pilot, session.logs[-1].id)
        app.set_filter(LogFilter(has_error=True))
        await settle_workers(app)
        await pilot.pause()
        shown = [log.id for log in session.logs if log.error]
        assert current_key(app) in shown  # the hidden log was the session's last
        row = tree_of(app).current_row
        assert row is not None and row.item.session is app.forest.sessions[session.key]


async def test_tree_labels_cut_with_an_ellipsis_left_of_the_scroll_bar(sample_dir: Path) -> None:
    """A label too long for the tree ends in `…` where it can be seen: cut at the full
    width, the `…` was drawn under the scroll bar and the label looked cut off."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(120, 16)) as pilot:  # short: the tree scrolls
        await wait_loaded(pilot)
        tree = tree_of(app)
        assert tree.max_scroll_y > 0
        room = tree.scrollable_content_region.width
        assert room < tree.size.width  # the bar takes the last cells
        left = tree.region.x
        lines = screen_text(app).splitlines()[tree.region.y : tree.region.bottom]
        assert any(line[left + room - 1] == "…" for line in lines)


async def test_the_footer_draws_its_keys_without_widgets_and_a_click_presses_one(
    sample_dir: Path,
) -> None:
    """The footer is one line drawn by one widget: a change of keys (here: a modal screen
    over it, which blanks it) repaints it and mounts nothing; a click on a key presses it."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        footer = app.query_one(KeyFooter)
        bottom = screen_text(app).splitlines()[-1]
        assert bottom.startswith(" q Quit  ? Help  / Search  f Filter ")
        assert bottom.endswith("▏^p palette ")
        assert "f1" not in bottom  # an action bound to two keys shows its first
        assert not footer.children
        x = bottom.index("? Help")
        await pilot.click(KeyFooter, offset=(x + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert footer.keys == ()  # under a modal, no keys: they would not work
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert [key.description for key in footer.keys][:3] == ["Quit", "Help", "Search"]
        assert not footer.children
        assert screen_text(app).splitlines()[-1] == bottom


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_the_help_fits_the_terminal(sample_dir: Path, width: int) -> None:
    """On 80 columns the help's box and its second column went past the right edge:
    it is one column there (scrolled), two where they fit."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(width, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        body = app.screen.query_one("#help-body")
        assert body.outer_size.width <= width
        table = app.screen.query_one("#help-table", Static)
        text = "\n".join(strip.text for strip in table.render_lines(table.region.reset_offset))
        widest = max(len(line.rstrip()) for line in text.splitlines())
        assert widest <= table.content_size.width
        assert "move down / up" in text  # the first key, whole
        if width == 100:  # one column, its descriptions as wide as there is room for
            assert "expand a session or log; on a leaf, focus the tab shown" in text


async def test_a_standalone_log_with_a_missing_parent_and_no_model(tmp_path: Path) -> None:
    """Details said "(not loaded)" of a missing parent only in a session; a model config
    without its model showed `model`, as if that were its name."""
    log = make_log("data_1", parent_id="data_gone", config={"type": "model"})
    write_jsonl(tmp_path / "a.jsonl", [log])
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert " ✓ ?" in tree_of(app).label(tree_of(app).rows[0]).plain
        app.action_tab("details")
        await settle(pilot)
        assert "data_gone  (not loaded)" in screen_text(app)


async def test_details_of_a_session_row_say_they_are_its_first_logs(sample_dir: Path) -> None:
    """With a session's row selected, Details and `y` showed its first log as if it were
    the session's own."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert current_key(app).startswith("s:")
        app.action_tab("details")
        await settle(pilot)
        titles = [title for title, _ in app.query_one(Details).sections]
        assert titles[:2] == ["Session · its first log", "Location"]
        assert "Select a log to see its own details." in screen_text(app)
        app.action_copy()
        await pilot.pause()
        assert any("Copied the session's first log as JSON" in m for m in messages_of(app))
        await pilot.press("j")  # a log row: its own details, no note
        await settle(pilot)
        assert app.query_one(Details).sections[0][0] == "Location"


async def test_quitting_while_the_caches_are_written_says_so(sample_dir: Path) -> None:
    """`q` right after a cold load of 500k logs left a blank screen for two seconds while
    the loader wrote the index cache: the app now says so and quits once it is written
    (or at once, asked again)."""
    for again in (False, True):
        app = HltuiApp(sample_dir)
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot)
            app.writing_caches = True  # as the loader does at the end of a load
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            assert any("Finishing the index cache" in m for m in messages_of(app))
            if again:
                await pilot.press("q")
            else:
                app.writing_caches = False
            await poll(pilot, lambda app=app: not app.is_running)


async def test_a_narrow_footer_shows_whole_keys_only(sample_dir: Path) -> None:
    """On 80 columns the last key that fits is whole: `] Next unrated` was cut to `]`."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        bottom = screen_text(app).splitlines()[-1]
        keys = bottom.split("▏")[0].rstrip()
        assert keys.endswith("+ Good"), bottom
        assert bottom.rstrip().endswith("^p palette")


async def test_a_narrow_tree_shows_errors_and_feedback_first(sample_dir: Path) -> None:
    """On 80 columns session rows were cut before their log count, `✗` and `★`: a narrow
    tree writes dates without the year and puts errors and feedback before the project;
    a wide one is as it was."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "▸ 06-05 01:06 ✗1 ★2  support-bot" in text
        assert "▸ 2024-" not in text
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert "▸ 2024-06-05 01:06  support-bot  3 logs ✗1 ★2" in screen_text(app)
        await pilot.resize_terminal(80, 24)  # rows drawn before are laid out again
        await settle(pilot)
        assert "▸ 06-05 01:06 ✗1 ★2  support-bot" in screen_text(app)


async def test_details_put_values_under_their_labels_when_narrow(sample_dir: Path) -> None:
    """At 60 columns a value beside its 20-cell label had one cell a line (`g`, `p`, `t`)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_XjvI4oAyqw8HkOLcC5OL")
        app.action_tab("details")
        await settle(pilot)
        lines = [line.split("▎", 1)[-1] for line in screen_text(app).splitlines()]
        at = next(n for n, line in enumerate(lines) if line.strip() == "model")
        assert lines[at + 1].strip() == "command-r-plus"


async def test_the_footer_tells_when_the_transcript_has_focus(sample_dir: Path) -> None:
    """In the transcript the footer starts with its own keys (moving by message, tab
    back to the tree); in the tree it does not show them."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        assert "Next message" not in screen_text(app).splitlines()[-1]
        await pilot.press("enter")
        await pilot.pause()
        assert screen_text(app).splitlines()[-1].startswith(" j Next message  tab Tree  q Quit ")
        await pilot.press("j", "tab")
        await pilot.pause()
        assert isinstance(app.focused, SessionTree)
        assert screen_text(app).splitlines()[-1].startswith(" q Quit  ? Help ")


async def test_the_footer_shows_no_typing_keys_while_the_search_box_has_focus(
    sample_dir: Path,
) -> None:
    """In the search box, `q`, `/` or `+` type themselves: the footer does not offer them
    (it showed `q Quit  / Search ... + Good` there); `escape` and the palette stay."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        footer = app.query_one(KeyFooter)
        footer.on_mouse_move(events.MouseMove(footer, 3, 0, 0, 0, 0, False, False, False))
        assert footer._hover is not None  # the mouse over the first key
        await pilot.press("slash")
        await pilot.pause()
        bottom = screen_text(app).splitlines()[-1]
        for shown in ("q Quit", "/ Search", "+ Good", "f Filter", "] Next"):
            assert shown not in bottom, shown
        assert bottom.rstrip().endswith("^p palette")
        assert footer._hover is None  # the keys moved: none is under the mouse now
        await pilot.press("q", "u", "i", "t")
        assert app.query_one("#search", Input).value == "quit" and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert screen_text(app).splitlines()[-1].startswith(" q Quit  ? Help  / Search ")


async def test_the_footer_draws_each_set_of_keys_once(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Focus going back and forth between the tree and the transcript shows each one's
    keys from the line kept for them (drawn once each), and a click on a key of a line
    taken from there presses the key drawn at that place."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        footer = app.query_one(KeyFooter)
        renders: list[int] = []
        original = KeyFooter.render

        def counting(widget: KeyFooter) -> Any:
            renders.append(1)
            return original(widget)

        monkeypatch.setattr(KeyFooter, "render", counting)
        tree_keys = screen_text(app).splitlines()[-1]
        for _ in range(3):
            await pilot.press("enter")
            await pilot.pause()
            assert screen_text(app).splitlines()[-1].startswith(" j Next message  tab Tree ")
            await pilot.press("tab")
            await pilot.pause()
            assert screen_text(app).splitlines()[-1] == tree_keys
        assert len(renders) == 1  # the transcript's keys; the tree's were drawn before
        await pilot.press("enter")
        await pilot.pause()
        bottom = screen_text(app).splitlines()[-1]
        await pilot.click(KeyFooter, offset=(bottom.index("tab Tree") + 1, 0))
        await pilot.pause()
        assert isinstance(app.focused, SessionTree) and footer.keys[0].description == "Quit"


async def test_j_k_in_the_transcript_move_between_messages(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        transcript = app.query_one(Transcript)
        transcript.focus()
        await pilot.press("j")
        assert app.focused is transcript and transcript.chosen_message == 0
        await pilot.press("j", "j")
        assert transcript.chosen_message == 2
        await pilot.press("k")
        assert transcript.chosen_message == 1
        await pilot.press("G")
        assert transcript.chosen_message == len(transcript.blocks) - 1
        # the tree cursor did not move
        assert current_key(app) == "data_agentDeepStep0001"


async def test_t_and_shift_t_cycle_the_tabs(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        tabs = app.query_one(TabbedContent)
        for key, name in [("t", "details"), ("t", "raw"), ("t", "feedback"), ("t", "transcript")]:
            await pilot.press(key)
            assert tabs.active == name
        await pilot.press("T")
        assert tabs.active == "feedback"
        await pilot.press("T")
        await pilot.pause()
        assert '"id": "data_agentDeepStep0001"' in screen_text(app)


async def test_t_leaves_the_transcript_for_the_next_tab_and_focus_follows(
    sample_dir: Path,
) -> None:
    """With focus on a message, t shows the next tab (Textual moved focus to another
    message, which made the transcript the active tab again) and focus goes into it."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")  # a log without children
        await pilot.press("enter", "j")
        await pilot.pause()
        assert app.query_one(Transcript).chosen_message is not None
        tabs = app.query_one(TabbedContent)
        await pilot.press("t")
        await pilot.pause()
        assert tabs.active == "details"
        assert isinstance(app.focused, Details)
        await pilot.press("t")
        await pilot.pause()
        assert tabs.active == "raw"
        assert isinstance(app.focused, RawView)
        await pilot.press("T", "T")
        await pilot.pause()
        assert tabs.active == "transcript"
        assert app.query_one(Transcript).has_focus_within
        await pilot.press("tab", "t")  # from the tree: the tab changes, focus stays
        await pilot.pause()
        assert tabs.active == "details"
        assert isinstance(app.focused, SessionTree)


async def test_clicking_a_tab_with_focus_in_the_pane_focuses_the_tab_shown(
    sample_dir: Path,
) -> None:
    """A click on a tab with focus in the pane being hidden: focus goes into the pane
    shown, as with `t` (it was left nowhere: no key but tab did anything)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_chatRefund0000003")
        await pilot.press("enter", "j", "j")
        transcript = app.query_one(Transcript)
        assert app.focused is transcript
        await pilot.click("#--content-tab-details")
        await pilot.pause()
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "details"
        assert app.focused is app.query_one(Details)
        await pilot.click("#--content-tab-transcript")
        await pilot.pause()
        await pilot.pause()
        assert app.focused is transcript and transcript.chosen_message == 1


async def test_a_tab_switch_moves_the_underline_in_its_own_frame(sample_dir: Path) -> None:
    """`t` puts the underline under the tab shown at once: Textual's Tabs moved it after
    the switch's frame, which drew a second frame that held up the next key."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        strip = app.query_one("#tabs Tabs", Tabs)
        underline: Any = strip.query_one("Underline")
        for _ in range(4):
            app.action_next_tab(1)  # no refresh in between
            active = strip.active_tab
            assert active is not None
            span = active.virtual_region.shrink(active.styles.gutter).column_span
            assert (underline.highlight_start, underline.highlight_end) == span
            await pilot.pause()
            assert (underline.highlight_start, underline.highlight_end) == span


def styles_cache_users(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """A set that gets the class name of each widget whose lines Textual's styles cache
    draws from now on."""
    drawn: set[str] = set()
    original = StylesCache.render_widget

    def recording(cache: StylesCache, widget: Any, crop: Any) -> Any:
        drawn.add(type(widget).__name__)
        return original(cache, widget, crop)

    monkeypatch.setattr(StylesCache, "render_widget", recording)
    return drawn


async def test_a_tab_switch_draws_no_container_line_by_line(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen and the containers around the panes (the tabbed content's own switcher
    included) give blank lines of their style: drawing their lines through the styles
    cache took several milliseconds of every tab switch."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        drawn = styles_cache_users(monkeypatch)
        for _ in range(4):
            app.action_next_tab(1)
            await pilot.pause()
        assert drawn and not drawn & {"BrowserScreen", "ContentSwitcher", "TabbedContent"}
        assert not any(name.startswith("Blank") for name in drawn)


async def test_opening_a_log_draws_the_views_lines_without_the_styles_cache(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transcript, the tree and its edge draw finished lines, which go to the screen
    as they are: the styles cache made each of them again on every refresh (about half
    of the frame that opens a transcript with enter)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        drawn = styles_cache_users(monkeypatch)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        transcript = app.query_one(Transcript)
        assert app.focused is transcript and transcript.blocks
        assert transcript.blocks[0].header.plain in screen_text(app)
        assert not drawn & {"Transcript", "SessionTree", "FocusEdge"}


async def test_a_log_opened_with_enter_is_drawn_at_once(sample_dir: Path) -> None:
    """The transcript opened is drawn as enter is handled, not at Textual's next frame
    slot (up to 17 ms later when a frame was drawn just before, as after `j`)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")  # a log shown: the transcript is there
        tree = tree_of(app)
        assert tree.select_key("data_agentDeepSearch01")  # not shown yet (no pause)
        row = tree.current_row
        assert row is not None
        transcript = app.query_one(Transcript)
        assert transcript.record is not None and transcript.record.id != row.key
        drawn: list[str] = []
        original = Transcript.render_lines

        def recording(widget: Transcript, crop: Any) -> Any:
            record = widget.record
            drawn.append(record.id if record is not None else "")
            return original(widget, crop)

        Transcript.render_lines = recording  # type: ignore[method-assign]
        try:
            app.open_row(row)  # as the tree does on enter; no await: no frame slot
        finally:
            Transcript.render_lines = original  # type: ignore[method-assign]
        assert drawn and drawn[-1] == "data_agentDeepSearch01"
        assert transcript.record is not None and transcript.record.id == drawn[-1]


def typed_together(app: HltuiApp, *keys: str) -> None:
    """Keys arriving in one read, as typed fast in a terminal (no pause between them): a
    character as the key a terminal reports for it (`/` is `slash`, typing `/`), a name
    (`enter`, `tab`) as that key."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, None))


@pytest.mark.parametrize("tab", ["details", "raw"])
async def test_keys_typed_with_enter_go_to_the_tab_shown(sample_dir: Path, tab: str) -> None:
    """With Details or Raw shown, `enter j` typed together: `j` moves in the pane (it went
    to the tree, which moved on to another log)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepFinal01")
        app.action_tab(tab)
        await pilot.pause()
        tree_of(app).focus()
        await pilot.pause()
        typed_together(app, "enter", "j")
        await settle_workers(app)
        await pilot.pause()
        assert current_key(app) == "data_agentDeepFinal01"
        pane = app.query_one(Details if tab == "details" else RawView)
        assert app.focused is pane
        assert pane.scroll_y == 1 if tab == "details" else pane.cursor_location == (1, 0)


async def test_keys_typed_with_a_move_act_on_the_row_moved_to(sample_dir: Path) -> None:
    """From a session (its timeline shown), `j tab` and `j t` typed together: the log
    moved to is shown before tab or t acts (they acted on the timeline still shown)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.3)
        tree = tree_of(app)
        assert tree.current_row is not None and tree.current_row.is_session
        typed_together(app, "j", "tab")
        await settle_workers(app)
        await pilot.pause()
        transcript = app.query_one(Transcript)
        assert app.focused is transcript
        assert transcript.record is not None and transcript.record.id == current_key(app)
        typed_together(app, "tab", "k", "t")  # back to the tree, up to the session, Details
        await settle_workers(app)
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "details"
        assert tree_of(app).current_row is not None and tree_of(app).current_row.is_session


async def test_enter_on_a_log_focuses_the_tab_shown(sample_dir: Path) -> None:
    """With Details or Raw shown, enter on a log without children goes into that tab."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        await pilot.press("t", "enter")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "details"
        assert isinstance(app.focused, Details)
        tree_of(app).focus()
        await pilot.press("t", "enter")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "raw"
        assert isinstance(app.focused, RawView)


async def test_a_filter_that_hides_the_focused_message_gives_focus_to_the_tree(
    sample_dir: Path,
) -> None:
    """Focus on a message, then a filter moves the cursor to a session: the transcript
    makes way for the session's timeline, and focus goes to the tree (it stayed on the
    hidden message, where no key did anything)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        await pilot.press("enter", "j")
        await pilot.pause()
        assert app.query_one(Transcript).chosen_message is not None
        app.set_filter(LogFilter(text="Nimbus"))
        await settle_workers(app)
        await wait_shown(pilot)
        assert current_key(app).startswith("s:")
        assert app.query_one("#transcript-switcher", ContentSwitcher).current == "overview"
        assert isinstance(app.focused, SessionTree)
        await pilot.press("G", "k")  # keys move the tree again
        assert tree_of(app).cursor == tree_of(app).row_count - 2


async def test_j_k_g_and_G_move_in_details_and_raw(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(120, 24)) as pilot:  # short: both panes scroll
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepFinal01")
        await pilot.press("t", "enter")
        await pilot.pause()
        details = app.query_one(Details)
        assert app.focused is details and details.max_scroll_y > 2
        await pilot.press("j", "j")
        await pilot.pause()
        assert details.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert details.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert details.scroll_y == details.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert details.scroll_y == 0
        for _ in range(3):  # pressed together: each scrolls (Textual's scroll_down did not)
            app.simulate_key("j")
        await pilot.pause()
        assert details.scroll_y == 3
        await pilot.press("t")
        await pilot.pause()
        raw = app.query_one(RawView)
        assert app.focused is raw
        text = raw.text
        await pilot.press("j", "j", "j", "k")
        assert raw.cursor_location == (2, 0)
        await pilot.press("G")
        assert raw.cursor_location[0] == raw.document.line_count - 1
        await pilot.press("g")
        assert raw.cursor_location == (0, 0)
        assert raw.text == text  # the keys moved, they typed nothing


async def test_clearing_a_filter_keeps_the_cursor_on_screen(sample_dir: Path) -> None:
    """A filtered tree too short for a scroll bar, then cleared: the row under the cursor
    is far down the whole tree, and the tree scrolls to it (it refused to scroll before
    the next layout showed a scroll bar, and left the cursor off screen)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        for row in range(0, 36, 3):  # expand sessions near the top: the rest moves down
            tree.set_cursor(row)
            await pilot.press("asterisk")
        app.set_filter(LogFilter(text="Nimbus"))
        await settle_workers(app)
        await pilot.pause()
        assert 1 < tree.row_count < tree.size.height
        tree.set_cursor(tree.row_count - 1)
        key = current_key(app)
        app.set_filter(LogFilter())
        await settle_workers(app)
        await pilot.pause()
        assert current_key(app) == key
        assert tree.cursor > tree.size.height  # far down: the tree had to scroll
        assert tree.scroll_y <= tree.cursor < tree.scroll_y + tree.size.height


async def test_nothing_slides_unless_textual_animations_is_set(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    app = HltuiApp(sample_dir)
    assert app.animation_level == "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        await pilot.press("t")
        await pilot.pause(0.1)  # the underline would be sliding now, for 0.3 s
        assert app.query_one(TabbedContent).active == "details"
        assert not app.animator.is_being_animated(
            app.query_one("ContentTabs Underline"), "highlight_start"
        )
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    assert HltuiApp(sample_dir).animation_level == textual_constants.TEXTUAL_ANIMATIONS


async def test_choosing_a_log_in_the_session_timeline_goes_to_it(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, DEEP)
        overview = app.query_one(SessionOverview)
        overview.table.focus()
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        await wait_shown(pilot)
        assert current_key(app) == "data_agentDeepSearch01"
        assert app.query_one("#transcript-switcher", ContentSwitcher).current == ("transcript-view")
        assert app.query_one(Transcript).has_focus_within


async def test_markdown_toggle(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepFinal01")
        await pilot.press("m")
        await settle(pilot)
        assert app.markdown and app.query_one(Transcript).markdown
        assert "Markdown on" in messages_of(app)
        output = app.query_one(Transcript).blocks[-1]
        assert output.has_class("-output") and isinstance(output.body, Markdown)
        await pilot.press("m")
        await settle(pilot)
        assert not app.query_one(Transcript).markdown
        assert isinstance(app.focused, SessionTree)  # m from the tree leaves focus there


async def focus_last_message(pilot: Any) -> Transcript:
    """The transcript of data_agentDeepFinal01, its last block focused (G)."""
    await goto(pilot, "data_agentDeepFinal01")
    await pilot.press("enter", "G")
    await settle(pilot)
    return pilot.app.query_one(Transcript)


async def test_the_focused_message_stays_in_view_when_the_terminal_shrinks(
    sample_dir: Path,
) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        transcript = await focus_last_message(pilot)
        last = len(transcript.blocks) - 1
        assert transcript.chosen_message == last
        await pilot.resize_terminal(90, 24)
        await pilot.pause()
        await pilot.pause()
        top, bottom = transcript.message_lines(last)
        assert top < transcript.scroll_y + transcript.scrollable_content_region.height
        assert bottom > transcript.scroll_y
        assert transcript.chosen_message == last


async def test_tab_goes_from_the_tree_straight_into_the_pane_shown(sample_dir: Path) -> None:
    """The tab strip takes no focus (t and T switch tabs): tab from the tree lands in
    the pane, and tab from the transcript goes back to the tree."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepSearch01")
        await wait_shown(pilot)
        await pilot.press("tab")
        await pilot.pause()
        assert app.query_one(Transcript).has_focus_within
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, SessionTree)


async def test_the_tree_cursor_stays_in_view_when_the_terminal_shrinks(
    sample_dir: Path,
) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        tree.set_cursor(tree.size.height - 2)  # near the bottom of the tree
        await pilot.pause()
        assert tree.scroll_y == 0
        await pilot.resize_terminal(90, 24)
        await pilot.pause()
        await pilot.pause()
        assert tree.scroll_y <= tree.cursor < tree.scroll_y + tree.size.height


async def test_markdown_toggle_keeps_the_message_focused(sample_dir: Path) -> None:
    """m in the transcript renders it again with the same message focused and in view
    (it went back to the top with nothing focused)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        transcript = await focus_last_message(pilot)
        last = len(transcript.blocks) - 1
        assert transcript.chosen_message == last
        await pilot.press("m")
        await settle(pilot)
        assert transcript.markdown
        assert transcript.chosen_message == last
        assert transcript.scroll_y > 0


# --- search -----------------------------------------------------------------------------


async def test_a_search_whose_hit_is_the_log_shown_marks_it(sample_dir: Path) -> None:
    """The hit is the log on screen already: the cursor does not move, the log is not
    shown again, and its words are marked all the same (they were not)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_errContextLen0001")
        await search_for(pilot, "resulted in")
        assert list(app.hits) == ["data_errContextLen0001"]
        marked = [b for b in app.query_one(Transcript).blocks if highlighted(b)]
        assert [b.header.plain for b in marked] == ["error"]


@pytest.mark.parametrize("pane", ["tree", "transcript"])
async def test_a_search_typed_in_one_burst_reaches_the_search_box(
    sample_dir: Path, pane: str
) -> None:
    """`/refund` arriving in one read (a fast typist, tmux `send-keys`): every character
    after `/` lands in the box, none acts as a key (they reached the tree before the box
    had focus: `r` `e` were lost and `f` opened the filter)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_chatRefund0000003")
        if pane == "transcript":
            await pilot.press("enter")
            await settle(pilot)
        focused_before = app.focused
        typed_together(app, "/", *"refund")
        await pilot.pause()
        box = app.query_one("#search", Input)
        assert box.has_focus and box.value == "refund"
        assert isinstance(app.screen, BrowserScreen)  # no filter or other screen opened
        assert current_key(app) == "data_chatRefund0000003"
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is focused_before


async def test_keys_typed_after_the_enter_of_a_search_go_to_the_tree(sample_dir: Path) -> None:
    """`/refund enter n n` in one read: the search runs for `refund` and the `n`s step
    through its hits (the box took them: it searched for 'refundnn')."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        typed_together(app, "/", *"refund", "enter")
        await settle(pilot)
        first = app.hit_position
        typed_together(app, "n", "n")
        await pilot.pause()
        assert app.search_term == "refund" and app.hits
        assert app.hit_position == first + 2
        box = app.query_one("#search", Input)
        assert not box.display and app.focused is tree_of(app)
        typed_together(app, "/", *"x", "enter", "n")
        await settle(pilot)
        # the box opens with the last term selected: typing replaces it
        assert app.search_term == "x" and not app.query_one("#search", Input).display


async def test_a_slash_typed_in_a_text_box_types_itself(sample_dir: Path) -> None:
    """`/` is taken by the app before any widget sees it, except in a text box: there it
    types itself (in the search box, and in a comment being written)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        typed_together(app, *"/a/b")
        await pilot.pause()
        assert app.query_one("#search", Input).value == "a/b"


async def test_keys_typed_with_enter_go_to_the_transcript_it_opens(sample_dir: Path) -> None:
    """`enter j j` sent at once (a fast typist, a paste): the j's choose messages in the
    log opened; they moved the tree cursor to another log before focus moved."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_chatRefund0000003")  # six messages, no children
        for key, character in [("enter", "\r"), ("j", "j"), ("j", "j")]:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        await wait_shown(pilot)
        assert current_key(app) == "data_chatRefund0000003"
        transcript = app.query_one(Transcript)
        assert transcript.record is not None and transcript.record.id == "data_chatRefund0000003"
        assert app.focused is transcript and transcript.chosen_message == 1


async def test_rows_that_gain_the_cursor_or_a_mark_are_not_labelled_again(
    sample_dir: Path,
) -> None:
    """A row's label (its session's logs walked, previews read from disk) is kept while
    the row only changes look: moving the cursor and marking search hits restyle rows."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        labelled: list[str] = []
        real_label = tree.label

        def counting(row: Any) -> Text:
            labelled.append(row.key)
            return real_label(row)

        def shapes() -> set[tuple[str, int, bool]]:
            height = tree.size.height
            top = int(tree.scroll_y)
            rows = tree.rows[top : top + height]
            return {(row.key, row.depth, tree.outline.is_expanded(row)) for row in rows}

        tree.label = counting  # type: ignore[method-assign]
        await pilot.press("j", "j", "k")
        assert labelled == []
        drawn = shapes()
        await search_for(pilot, "thermostat")
        assert tree.marks and any(tree.is_marked(row) for row in tree.rows)
        # labelled again: only rows new on screen (the first hit's session opened)
        again = {shape for shape in shapes() if shape[0] in labelled}
        assert again and not again & drawn
        assert any(tree.is_marked(row) and row.key not in labelled for row in tree.rows)
        tree.refresh_labels()  # feedback or previews changed: every row is labelled again
        await pilot.pause()
        assert len(set(labelled)) == min(len(tree.rows), tree.size.height)


async def test_a_filter_that_hides_the_cursors_item_moves_it_to_the_next_shown(
    sample_dir: Path,
) -> None:
    """The cursor kept its row number when a filter hid its item, landing on an item far
    from it (seven hours away at 500k logs): it goes to the next item shown after it."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert app.forest is not None
        items = app.forest.items

        def has_error(item: Any) -> bool:
            logs = item.logs if isinstance(item, Session) else [item.log]
            return any(log.error is not None for log in logs)

        flags = [has_error(item) for item in items]
        place = next(
            p
            for p in range(1, len(items))
            if not flags[p] and any(flags[:p]) and flags[p:].count(True) > 1
        )
        expected = next(items[p] for p in range(place, len(items)) if flags[p])
        tree = tree_of(app)
        tree.set_cursor(place)
        await settle(pilot)
        app.set_filter(LogFilter(has_error=True))
        await settle(pilot)
        assert tree.current_row is not None and tree.current_row.item is expected


async def test_n_and_N_go_on_from_the_cursor(sample_dir: Path) -> None:
    """`n` went on from the last hit reached, wherever the cursor had been moved since (G
    then N went back near the top): now, as in less or vim, the next hit from the cursor.
    A new search starts from the cursor too, the cursor's own log included."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await search_for(pilot, "refund")
        hits = list(app.hits)
        assert app.forest is not None
        order = list(app.forest.tree_order_around(None))
        ranks = [order.index(hit) for hit in hits]
        assert ranks == sorted(ranks)  # hits are in tree order
        # a log that is no hit, between two hits far from the first
        k = next(k for k in range(2, len(hits) - 1) if ranks[k + 1] - ranks[k] > 1)
        between = order[ranks[k] + 1]
        await goto(pilot, between)
        await pilot.press("n")
        assert current_key(app) == hits[k + 1]
        assert app.query_one(StatusBar).search_text.startswith(f"hit {k + 2}/")
        await goto(pilot, between)
        await pilot.press("N")
        assert current_key(app) == hits[k]
        await goto(pilot, hits[-1])
        await pilot.press("n")  # round the end of the tree, and it says so
        assert current_key(app) == hits[0] and "Back to the first hit" in messages_of(app)
        await pilot.press("N")
        assert current_key(app) == hits[-1] and "Back to the last hit" in messages_of(app)
        await goto(pilot, hits[k])
        await pilot.press("N")  # on a hit: the one before it
        assert current_key(app) == hits[k - 1]
        await goto(pilot, between)
        await search_for(pilot, "refund")  # searched again from here
        assert current_key(app) == hits[k + 1]
        await goto(pilot, hits[k])
        await search_for(pilot, "refund")  # the cursor's own log is a hit: it stays
        assert current_key(app) == hits[k]


async def test_the_search_place_follows_the_cursor_and_n_waits_for_the_hits(
    sample_dir: Path,
) -> None:
    """`hit i/N` stayed after the cursor moved off the hit; `n` typed right after the
    search's enter was dropped ("Still searching"); a filter run again moved the cursor to
    a hit although its item stayed shown."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await search_for(pilot, "refund")
        hits = list(app.hits)
        status = app.query_one(StatusBar)
        assert app.forest is not None
        order = list(app.forest.tree_order_around(None))
        miss = next(log_id for log_id in order if log_id not in hits)
        await goto(pilot, miss)
        assert status.search_text == f"{len(hits)} hits for 'refund'"
        await goto(pilot, hits[3])
        assert status.search_text == f"hit 4/{len(hits)} for 'refund'"
        # `n` twice, typed before the hits come: taken once they are in
        await goto(pilot, hits[0])
        await pilot.press("slash", *"refund", "enter", "n", "n")
        await settle(pilot)
        assert current_key(app) == hits[2]
        # run again for a filter that keeps the cursor's log: it stays there
        await goto(pilot, hits[1])
        app.set_filter(LogFilter(project=app.index.logs[hits[1]].project))
        await settle(pilot)
        assert current_key(app) == hits[1]


async def test_a_filter_chosen_after_a_search_searches_the_logs_it_shows(
    sample_dir: Path,
) -> None:
    """The hits were of the logs shown when the search ran: after a filter, `n` counted
    up through hidden hits while the cursor stayed put. Now the term is searched again
    in what the filter shows, and cleared filters bring every hit back."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await search_for(pilot, "refund")
        everywhere = set(app.hits)
        assert len(everywhere) > 10
        app.set_filter(LogFilter(has_error=True))
        await settle(pilot)
        visible = set(app.visible_ids or ())
        assert set(app.hits) == everywhere & visible and app.hits
        status = app.query_one(StatusBar)
        # run again for the filter, the search leaves the cursor where it was: on no hit
        assert current_key(app) not in list(app.hits)
        assert status.search_text == f"{len(app.hits)} hits for 'refund'"
        for _ in range(len(app.hits)):
            await pilot.press("n")
            await pilot.pause()
            assert current_key(app) in visible
        position = app.hit_position
        app.set_filter(LogFilter(has_error=True))  # the same filter again (a feedback edit)
        await settle(pilot)
        assert app.hit_position == position  # not searched again: the place is kept
        app.set_filter(LogFilter())
        await settle(pilot)
        assert set(app.hits) == everywhere


async def test_a_gzip_file_cut_short_is_browsed_as_far_as_it_goes(tmp_path: Path) -> None:
    """A `.jsonl.gz` still being written (or cut off): its logs show, a transcript
    opens, and the cut is one problem. Reading a log back raised EOFError, which closed
    the app (a traceback, exit code 0)."""
    from tests.model.test_index import cut_short_gzip

    cut_short_gzip(tmp_path / "stream.jsonl.gz", 60)
    app = HltuiApp(tmp_path, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert 0 < len(app.index) < 60
        last = max(app.index.logs, key=lambda log_id: app.index.summary(log_id).offset)
        await goto(pilot, last)
        await pilot.press("enter")
        await settle(pilot)
        transcript = app.query_one(Transcript)
        assert app.is_running and transcript.record is not None
        assert transcript.record.id == last
        assert app.query_one(StatusBar).problems == 1


async def test_notifications_sit_above_the_status_bar(sample_dir: Path) -> None:
    """A toast covered the right end of the status bar (the search's place) for seconds."""
    from textual.widgets._toast import Toast

    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_loaded(pilot)
        app.notify("something to say", timeout=5)
        await poll(pilot, lambda: app.screen.query(Toast))
        await pilot.pause()
        [toast] = app.screen.query(Toast)
        status = app.query_one(StatusBar)
        assert toast.region.bottom <= status.region.y


async def test_the_status_bar_keeps_the_search_place_in_view(tmp_path: Path) -> None:
    """A long path and filter shorten (in the middle) before the counts and the search's
    place are cut: `hit 1/1` was cut off at 120 columns. One log is `1 log`."""
    deep = tmp_path / ("a-very-long-folder-name-" * 4) / "logs"
    log = make_log("data_1", session_id="sess_1", output="a rare word: zebra, said at length")
    write_jsonl(deep / "one.jsonl", [log])
    app = HltuiApp(deep)
    async with app.run_test(size=(96, 24)) as pilot:
        await wait_loaded(pilot)
        status = app.query_one(StatusBar)
        app.set_filter(LogFilter(text="a rare word: zebra, said at length"))
        await settle(pilot)
        await search_for(pilot, "zebra")
        line = screen_text(app).splitlines()[-2]
        assert "1 log  1 session" in line
        assert line.rstrip().endswith("hit 1/1 for 'zebra'")
        assert "…" in line and line.lstrip().startswith(str(deep)[:4])
        assert status.render().cell_len <= status.content_size.width
        await pilot.resize_terminal(76, 24)  # too narrow for any of the filter's text
        await pilot.pause()
        line = screen_text(app).splitlines()[-2]
        assert "filter: … (1 shown)" in line and "hit 1/1 for 'zebra'" in line
        # narrower still, with new logs counted: the term is cut, never the place or
        # the count of new logs (both were cut off at 80 columns)
        status.new_logs = 28
        for width, place in ((78, "hit 1/1 for 'z…"), (70, "hit 1/1")):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            line = screen_text(app).splitlines()[-2].rstrip()
            assert line.endswith(f"(1 shown)  {place}  28 new"), line


@pytest.mark.parametrize("tab", ["details", "raw", "feedback"])
async def test_a_filter_that_matches_nothing_empties_every_pane(sample_dir: Path, tab: str) -> None:
    """With the tree empty, Details, Raw and Feedback showed the log hidden by the filter
    (the transcript alone was cleared); all of them are empty now, shown or not."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_chatRefund0000003")
        app.action_tab(tab)
        await pilot.pause()
        app.set_filter(LogFilter(text="zzz not in any log"))
        await settle(pilot)
        assert tree_of(app).row_count == 0
        for other in ("transcript", "details", "raw", "feedback"):
            app.action_tab(other)
            await pilot.pause()
            assert "data_chatRefund0000003" not in screen_text(app), other
        assert app.query_one(Details).sections == []
        assert app.query_one(RawView).text == ""
        assert app.query_one(FeedbackPanel).items == []


async def test_search_finds_steps_and_highlights(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await search_for(pilot, "thermostat")
        hits = list(app.hits)
        assert len(hits) >= 3
        assert app.hit_position == 0
        assert current_key(app) == hits[0]
        status = app.query_one(StatusBar).render().plain
        assert f"hit 1/{len(hits)}" in status
        # the hit is highlighted in the transcript
        marked = [b for b in app.query_one(Transcript).blocks if highlighted(b)]
        assert marked
        assert all("thermostat" in b.full_text.lower() for b in marked)
        # n / N step, wrapping around both ways
        await pilot.press("n")
        await wait_shown(pilot)
        assert current_key(app) == hits[1]
        await pilot.press("N", "N")
        await wait_shown(pilot)
        assert current_key(app) == hits[-1]
        await pilot.press("n")
        assert current_key(app) == hits[0]
        for _ in range(len(hits)):
            await pilot.press("n")
        assert current_key(app) == hits[0]
        # the hits are marked, and so are the session rows holding them (only those)
        tree = tree_of(app)
        assert all(tree.marks.has(app.index.logs[hit]) for hit in hits)
        assert tree.marks.count == len(hits)
        sessions = [row for row in tree.rows if isinstance(row.item, Session)]
        holding = {row.key for row in sessions if {log.id for log in row.item.logs} & set(hits)}
        assert holding and {row.key for row in sessions if tree.is_marked(row)} == holding
        assert len(holding) < len(sessions)
        # a mark added later shows on its session's row (the answer kept is not stale)
        other = next(row for row in sessions if row.key not in holding)
        tree.marks.add((other.item.logs[0].id,))
        assert tree.is_marked(other)
        # escape clears the search and the highlight
        await wait_shown(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.search_term == "" and app.hits == []
        assert not tree_of(app).marks
        assert not any(highlighted(b) for b in app.query_one(Transcript).blocks)


async def test_a_big_search_runs_on_worker_processes_in_the_app(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Hyperscan, in the app (whose `sys.stderr` has no file descriptor) the
    search processes start, and find what one process finds."""
    expected = search(LogIndex(sample_dir).load(use_cache=False), "thermostat")
    monkeypatch.setattr(line_matcher, "hyperscan", None)
    monkeypatch.setattr(scan, "_pool", None)
    monkeypatch.setattr(scan, "PARALLEL_MIN", 0)
    monkeypatch.setattr(scan, "SCAN_RANGE", 4096)
    monkeypatch.setattr(scan, "worker_count", lambda: 2)
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await search_for(pilot, "thermostat")
        assert len(expected) >= 3
        assert sorted(app.hits) == sorted(expected)
    pool = scan._pool
    assert pool is not None  # started, and used
    pool.shutdown()


async def test_opening_the_search_box_starts_the_search_processes(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the term is typed, the processes start (each loads Python and Hyperscan),
    so a big search does not wait for them; small directories start none."""
    monkeypatch.setattr(scan, "_pool", None)
    monkeypatch.setattr(scan, "worker_count", lambda: 2)
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash")
        await settle_workers(app)
        assert scan._pool is None  # a few KB: one process searches them quicker
        await pilot.press("escape")
        monkeypatch.setattr(scan, "PARALLEL_MIN", 0)
        await pilot.press("slash")
        await settle_workers(app)
        pool = scan._pool
        assert pool is not None
        assert len(pool._processes) == 2  # started before any search
        await pilot.press("escape")
    pool.shutdown()


async def test_hits_found_so_far_are_drawn_at_most_every_interval(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a search streams in file by file, the count and marks are drawn at once,
    then at most every SEARCH_PROGRESS_INTERVAL; the last drawing waits for none."""
    monkeypatch.setattr(searching_module, "SEARCH_PROGRESS_INTERVAL", 0.5)
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        ids = list(app.index.logs)[:3]
        status = app.query_one(StatusBar)
        app.search_term, app.hits = "x", HitChunks()
        app.post_message(SearchHits("x", ids[:1], marks=HitMarks()))
        await pilot.pause()
        assert status.search_text == "searching 'x'… 1 hit"
        app.post_message(SearchHits("x", ids[1:2]))
        await pilot.pause()
        assert status.search_text == "searching 'x'… 1 hit"  # drawn a moment ago
        await pilot.pause(0.6)
        assert status.search_text == "searching 'x'… 2 hits"
        app.post_message(SearchHits("x", ids[2:]))  # drawn later...
        app.post_message(SearchHits("x", ids, done=True))  # ...but the search is done
        await pilot.pause(0.6)
        assert status.search_text == "hit 1/3 for 'x'" and app.hits == ids


async def test_search_escape_cancels_the_box_and_empty_term_clears(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", "x")
        box = app.query_one("#search", Input)
        assert box.display
        await pilot.press("escape")
        assert not box.display and app.focused is tree_of(app)
        assert app.search_term == ""
        await search_for(pilot, "zzz-no-such-text")
        assert app.hits == []
        assert any("zzz-no-such-text" in m for m in messages_of(app))
        await pilot.press("n")  # no hits: a notice, no crash
        await search_for(pilot, "thermostat")
        assert app.hits
        await pilot.press("slash")  # the box opens with the term: empty it and submit
        app.query_one("#search", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert app.search_term == "" and app.hits == []


async def test_typing_in_the_search_box_does_not_trigger_keys(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"qfe/?1ynNpoj", "question_mark")
        assert app.query_one("#search", Input).value == "qfe/?1ynNpoj?"
        assert app.is_running
        assert len(app.screen_stack) == 1
        assert app.query_one(TabbedContent).active == "transcript"
        assert tree_of(app).cursor == 0


# --- filter -----------------------------------------------------------------------------


def sessions_and_logs(app: HltuiApp) -> list[Any]:
    return [row.item for row in tree_of(app).rows]


def has_error(item: Any) -> bool:
    if isinstance(item, Session):
        return item.error_count > 0
    return any(node.log.error is not None for node in item.walk())


async def test_filter_screen_has_error(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FilterScreen)
        screen.query_one("#filter-error", Select).value = True
        await pilot.pause()
        await pilot.click("#filter-apply")
        await settle(pilot)
        assert not isinstance(app.screen, FilterScreen)
        assert set(app.visible_ids or ()) == ERROR_LOGS
        items = sessions_and_logs(app)
        assert items and all(has_error(item) for item in items)
        assert len(items) == 5  # 4 sessions + 1 standalone log
        status = app.query_one(StatusBar).render().plain
        assert "filter: error (5 shown)" in status
        # e jumps only among what is shown
        for _ in range(len(ERROR_LOGS) + 1):
            await pilot.press("e")
            assert current_key(app) in ERROR_LOGS
        # the form remembers the filter
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one("#filter-error", Select).value is True
        await pilot.press("ctrl+r")  # clear
        await settle(pilot)
        assert app.visible_ids is None
        assert sum(1 for row in tree_of(app).rows if row.depth == 0) == TOP_ROWS
        assert "filter:" not in app.query_one(StatusBar).render().plain


async def test_filter_screen_keys_apply_and_cancel(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#filter-text", Input).value = "thermostat"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.visible_ids is not None and len(app.visible_ids) >= 3
        assert "text='thermostat'" in app.query_one(StatusBar).render().plain
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#filter-since", Input).value = "not a date"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "YYYY-MM-DD" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, FilterScreen)
        assert app.log_filter.text == "thermostat"  # cancel kept the filter


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_filter_form_fits_a_small_terminal(
    sample_dir: Path, size: tuple[int, int]
) -> None:
    """On 80x24 the form (30 rows with bordered fields) ran off the screen: its buttons
    and the line saying why a date was refused could not be seen. Its fields lose their
    borders there, and every part of it shows."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=size) as pilot:
        await wait_loaded(pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#filter-since", Input).value = "2024-13-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FilterScreen)
        body = screen.query_one("#filter-body")
        assert body.region.right <= size[0] and body.region.bottom <= size[1]
        for part in ("#filter-text", "#filter-error-message", "Button"):
            assert body.region.contains_region(screen.query(part).last().region), part
        assert "Dates must be YYYY-MM-DD." in screen_text(app)


async def test_set_filter_project_and_dates(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        columns = app.index.columns  # made by the load, so the first filter reads them
        assert columns is not None and columns.count == len(app.index)
        app.set_filter(LogFilter(project="sql-copilot"))
        await settle(pilot)
        assert app.index.columns is columns
        items = sessions_and_logs(app)
        assert items
        for item in items:
            logs = item.logs if isinstance(item, Session) else [item.log]
            assert any(log.project == "sql-copilot" for log in logs)
        shown = len(app.visible_ids or ())
        assert f"filter: project=sql-copilot ({shown} shown)" in (
            app.query_one(StatusBar).render().plain
        )
        app.set_filter(LogFilter(project="no-such-project"))
        await settle(pilot)
        assert tree_of(app).row_count == 0
        assert "No log matches the filter" in messages_of(app)
        await pilot.press("j", "e", "y", "o", "enter", "h")  # nothing to act on: no crash
        app.set_filter(LogFilter())
        await settle(pilot)
        assert tree_of(app).row_count == TOP_ROWS


# --- errors -----------------------------------------------------------------------------


async def test_e_and_E_step_through_error_logs(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        visited = []
        for _ in range(len(ERROR_LOGS)):
            await pilot.press("e")
            key = current_key(app)
            assert key in ERROR_LOGS
            assert app.index.logs[key].error is not None
            visited.append(key)
        assert set(visited) == ERROR_LOGS
        await pilot.press("e")  # wraps to the first, and says so
        assert current_key(app) == visited[0]
        assert "Back to the first error log" in messages_of(app)
        await pilot.press("E")  # and back to the last
        assert current_key(app) == visited[-1]
        assert "Back to the last error log" in messages_of(app)
        await pilot.press("E")
        assert current_key(app) == visited[-2]
        await wait_shown(pilot)
        assert any(b.has_class("-error") for b in app.query_one(Transcript).blocks)


async def test_e_brings_the_error_into_view(sample_dir: Path) -> None:
    """A log reached with `e` was shown from its top: the error, under its messages,
    was below the screen. With one error log, `e` on it says there is no other."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_loaded(pilot)
        for _ in range(len(ERROR_LOGS)):
            await pilot.press("e")
            if current_key(app) == "data_errRateLimit00001":
                break
        await wait_shown(pilot)
        await settle(pilot)
        transcript = app.query_one(Transcript)
        assert transcript.scroll_y > 0
        assert "Rate limit reached" in screen_text(app)
        app.set_filter(LogFilter(text="Rate limit reached"))
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert "No other error log" in messages_of(app)


async def test_error_jumping_with_no_errors(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs.jsonl", [make_log("data_a"), make_log("data_b")])
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("e", "E")
        assert "No error logs" in messages_of(app)


# --- problems and help ------------------------------------------------------------------


async def test_problems_screen_lists_every_problem(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        table = screen.query_one(DataTable)
        rows = [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
        broken = [r for r in rows if r[0] == "broken/bad-lines.jsonl"]
        assert [r[1] for r in broken] == [f"line {n}" for n in (2, 3, 4, 6, 7, 5)]
        reasons = " | ".join(r[3] for r in broken)
        for reason in ("truncated JSON", "not valid JSON", "JSON array", "no `id`", "`config`"):
            assert reason in reasons
        assert "parent cycle" in reasons
        assert any("duplicate log data_dupExportedTwice01" in r[3] for r in rows)
        assert "6 problems, 1 notice" in screen_text(app)
        # the highlighted problem is shown in full below the table
        assert "broken/bad-lines.jsonl:2: truncated JSON" in screen_text(app)
        duplicate = next(i for i, r in enumerate(rows) if "duplicate" in r[3])
        for _ in range(duplicate):
            await pilot.press("j")
        await pilot.pause()
        assert "kept the first" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ProblemsScreen)


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_screen_lists_keys(sample_dir: Path, key: str) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("j / down", "g / home", "next / previous search hit", "e / E", "f1"):
            assert expected in text, expected
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


# --- copy and open ----------------------------------------------------------------------


async def test_copy_message_or_log_json(sample_dir: Path, monkeypatch: Any) -> None:
    app = HltuiApp(sample_dir)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        await pilot.press("y")  # on the tree: the log as JSON
        assert json.loads(copied[-1])["id"] == "data_agentDeepStep0001"
        assert (
            copied[-1]
            == orjson.dumps(
                orjson.loads(app.index.raw_bytes("data_agentDeepStep0001")),
                option=orjson.OPT_INDENT_2,
            ).decode()
        )
        assert any("Copied the log JSON" in m for m in messages_of(app))
        app.query_one(Transcript).focus()
        await pilot.press("j", "j")  # the user message
        block = app.query_one(Transcript).blocks[1]
        assert app.query_one(Transcript).chosen_message == 1
        await pilot.press("y")
        assert copied[-1] == block.full_text
        assert "solid-state batteries" in copied[-1]
        assert any("Copied the message" in m for m in messages_of(app))
        # on a session row: its first log
        tree_of(app).focus()
        await goto(pilot, DEEP)
        await pilot.press("y")
        assert json.loads(copied[-1])["id"] == "data_agentDeepRoot0001"


async def test_copy_after_the_file_vanished_is_an_error_notice(
    sample_dir: Path, monkeypatch: Any
) -> None:
    app = HltuiApp(sample_dir)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        (sample_dir / "research-agent" / "2024-06-01.jsonl").unlink()
        app.index._reader.forget(sample_dir / "research-agent" / "2024-06-01.jsonl")
        await pilot.press("y", "o")
        await pilot.pause()
        assert app.is_running
        assert not copied
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 2


def pager_script(tmp_path: Path) -> tuple[Path, Path]:
    script = tmp_path / "pager.sh"
    target = tmp_path / "paged.json"
    script.write_text(f'#!/bin/sh\ncp "$1" "{target}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, target


async def test_open_in_pager(sample_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    script, target = pager_script(tmp_path)
    monkeypatch.setenv("PAGER", str(script))
    # The headless test driver cannot suspend; pretend it can (suspending is a no-op there).
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        await pilot.press("o")
        await pilot.pause()
        expected = orjson.dumps(
            orjson.loads(app.index.raw_bytes("data_agentDeepStep0001")),
            option=orjson.OPT_INDENT_2,
        )
        assert target.read_bytes() == expected
        assert app.is_running
        assert not [n for n in notifications(app) if n.severity == "error"]


async def test_open_without_suspend_support_says_so(
    sample_dir: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    script, target = pager_script(tmp_path)
    monkeypatch.setenv("PAGER", str(script))
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "data_agentDeepStep0001")
        await pilot.press("o")
        await pilot.pause()
        assert app.is_running
        assert not target.exists()
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 1
        assert "cannot" in errors[0].message.lower() and "suspend" in errors[0].message.lower()


async def test_open_with_a_missing_pager_is_an_error_notice(
    sample_dir: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PAGER", "/no/such/pager-program")
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert app.is_running
        errors = [n.message for n in notifications(app) if n.severity == "error"]
        assert errors and "/no/such/pager-program" in errors[0]


# --- untrusted text ---------------------------------------------------------------------

NASTY = (
    "<s>[INST] hi [/INST] [link=https://x]click[/link] [bold] [/bold] arr[0] = x[i] "
    "[ \x1b[31mred\x1b[0m"
)
LITERALS = (
    "<s>[INST]",
    "[/INST]",
    "[link=https://x]click[/link]",
    "[bold]",
    "[/bold]",
    "arr[0]",
    "x[i]",
    "␛[31mred␛[0m",
)


def assert_literal(text: str, where: str = "") -> None:
    for literal in LITERALS:
        assert literal in text, f"{literal!r} not shown literally in {where}: {text!r}"
    assert "\x1b" not in text, where


def nasty_log(log_id: str, **fields: Any) -> dict[str, Any]:
    return make_log(
        log_id,
        project=NASTY,
        config={"id": "config_n", "type": "model", "model": NASTY, "provider": NASTY},
        session_reference_id=NASTY,
        messages=[
            {"role": "system", "content": NASTY},
            {"role": "user", "content": NASTY},
        ],
        output=NASTY,
        error=NASTY,
        inputs={"question": NASTY, NASTY: "key"},
        metadata={"note": NASTY},
        feedback=[{"type": "comment", "value": NASTY}],
        **fields,
    )


async def test_untrusted_text_shows_literally_everywhere(tmp_path: Path) -> None:
    root = tmp_path / "[bold]logs[/bold] [link=x]"
    write_jsonl(
        root / "nasty.jsonl",
        [
            nasty_log("data_nasty1", created_at="2024-03-01T12:00:00Z"),
            nasty_log("data_nasty2", created_at="2024-03-01T12:00:05Z", parent_id="data_nasty1"),
        ],
    )
    app = HltuiApp(root)
    async with app.run_test(size=(200, 60), notifications=True) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        await pilot.press("enter", "asterisk")
        assert [row.key for row in tree.rows] == [
            f"s:ref:{NASTY}",
            "data_nasty1",
            "data_nasty2",
        ]
        for row in tree.rows:
            label = tree.label(row).plain
            assert "\x1b" not in label
            assert "[link=https://x]click[/link]" in label and "<s>[INST]" in label
        assert_literal(tree.label(tree.rows[1]).plain, "log row")
        assert_literal(tree.label(tree.rows[0]).plain, "session row")
        # the session overview
        await wait_shown(pilot)
        assert "<s>[INST]" in screen_text(app)
        # the transcript
        await goto(pilot, "data_nasty1")
        for text in block_texts(app):
            assert_literal(text, "transcript block")
        assert len(app.query_one(Transcript).blocks) == 4  # system, user, output, error
        assert_literal(screen_text(app), "transcript screen")
        assert not screen_links(app)
        # details
        app.action_tab("details")
        await pilot.pause()
        details = app.query_one(Details)
        everything = "\n".join(plain(body, width=400) for _, body in details.sections)
        assert_literal(everything, "details")
        assert everything.count("[link=https://x]click[/link]") >= 6
        assert "<s>[INST]" in screen_text(app) and not screen_links(app)
        # raw and feedback
        app.action_tab("raw")
        await pilot.pause()
        assert "[link=https://x]click[/link]" in app.query_one(RawView).text
        app.action_tab("feedback")
        await pilot.pause()
        assert_literal(screen_text(app), "feedback tab")
        assert not screen_links(app)
        # the title and status bar (path with brackets, filter and search text)
        app.set_filter(LogFilter(project=NASTY))
        await settle(pilot)
        status = app.query_one(StatusBar).render().plain
        assert_literal(status, "status bar")
        assert "[bold]logs[/bold] [link=x]" in status
        assert "[bold]logs[/bold] [link=x]" in screen_text(app).splitlines()[0]
        # search for [INST] finds both logs
        await search_for(pilot, "[INST]")
        assert sorted(app.hits) == ["data_nasty1", "data_nasty2"]
        assert "[INST]" in app.query_one(StatusBar).render().plain
        # a notification with brackets in it
        await search_for(pilot, "[bold]nothing[/bold]")
        await pilot.pause()
        assert "[bold]nothing[/bold]" in screen_text(app)
        assert app.is_running


async def test_problem_file_name_with_brackets(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "[bold]x.jsonl", [make_log("data_ok"), "{not json [/bold]"])
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("p")
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]x.jsonl" in text
        assert "line 2" in text


# --- opening odd paths ------------------------------------------------------------------


def test_open_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["open", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1
    assert "no such file or directory" in lines[0]


async def test_empty_directory_says_nothing_to_show(tmp_path: Path) -> None:
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert tree_of(app).row_count == 0
        titles = [n.title for n in notifications(app)]
        assert "Nothing to show" in titles
        assert any("No log files" in m for m in messages_of(app))
        await pilot.press("j", "k", "enter", "h", "g", "G", "e", "y", "o", "n", "p")
        await pilot.pause()
        assert app.is_running


async def test_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\nnot logs at all\n")
    app = HltuiApp(notes)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert tree_of(app).row_count == 0
        assert "Nothing to show" in [n.title for n in notifications(app)]
        assert any("No logs could be read" in m for m in messages_of(app))
        assert app.query_one(StatusBar).problems == 2


async def test_worker_error_is_a_notification(sample_dir: Path, monkeypatch: Any) -> None:
    def boom(self: LogIndex, *args: Any, **options: Any) -> LogIndex:
        raise RuntimeError("disk on fire [bold]x[/bold]")

    monkeypatch.setattr(LogIndex, "load", boom)
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await poll(pilot, lambda: "disk on fire" in screen_text(app))
        assert app.is_running
        error = next(n for n in notifications(app) if n.severity == "error")
        assert "disk on fire [bold]x[/bold]" in error.message
        assert "[bold]x[/bold]" in screen_text(app)  # the toast wraps the line
        assert app.query_one(StatusBar).progress is None


async def test_record_that_fails_to_decode_shows_problem_and_raw_text(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "logs.jsonl",
        [
            make_log("data_badModelConfig", model_config="oops"),
            make_log(
                "data_badToolCalls",
                created_at="2024-03-01T12:01:00Z",
                messages=[{"role": "user", "content": "hi", "tool_calls": 5}],
            ),
            make_log("data_stringMessages", messages="not a list"),
        ],
    )
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        # `messages` as a string does not even pass the index: it is a problem
        assert "data_stringMessages" not in app.index.logs
        assert any("`messages`" in p.message for p in app.all_problems())
        for log_id, reason in [
            ("data_badModelConfig", "`model_config` should be an object"),
            ("data_badToolCalls", "`messages[0].tool_calls` should be an array"),
        ]:
            await goto(pilot, log_id)
            blocks = app.query_one(Transcript).blocks
            assert [str(b.header) for b in blocks] == [
                "this record could not be decoded",
                "raw text",
            ]
            assert reason in blocks[0].full_text
            assert "logs.jsonl:" in blocks[0].full_text
            assert f'"id": "{log_id}"' in blocks[1].full_text
            app.action_tab("raw")
            await pilot.pause()
            assert f'"id": "{log_id}"' in app.query_one(RawView).text
            app.action_tab("transcript")
        assert app.is_running


# --- scale ------------------------------------------------------------------------------


async def test_a_session_of_3000_logs(tmp_path: Path) -> None:
    count = 3000
    logs = [
        make_log(
            f"data_big{i:05d}",
            session_id="sesh_big",
            created_at=f"2024-03-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            parent_id="data_big00000" if i else None,
        )
        for i in range(count)
    ]
    write_jsonl(tmp_path / "big.jsonl", logs)
    app = HltuiApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = tree_of(app)
        assert tree.row_count == 1
        overview = app.query_one(SessionOverview)
        assert overview.row_count == MAX_ROWS
        more = overview.query_one(".overview--more", Static)
        assert more.display
        assert f"{count - MAX_ROWS:,} more logs" in str(more.content)
        await pilot.press("enter")
        assert tree.row_count == 2
        await pilot.press("j", "l")
        assert tree.row_count == count + 1
        assert [row.depth for row in tree.rows[:4]] == [0, 1, 2, 2]
        await pilot.press("G")
        assert current_key(app) == f"data_big{count - 1:05d}"
        await wait_shown(pilot)
        await pilot.press("g", "h")
        assert tree.row_count == 1


# --- the command palette -----------------------------------------------------------------


async def test_palette_commands_include_the_actions(sample_dir: Path) -> None:
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Search", "Filter", "Filter: errors only", "Problems", "Help"):
            assert title in titles
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Filter: errors only"
        )
        command.callback()
        await settle(pilot)
        assert set(app.visible_ids or ()) == ERROR_LOGS


async def test_a_palette_filter_narrows_the_filter_chosen(sample_dir: Path) -> None:
    """`Filter: errors only` keeps the project chosen before and adds errors to it (it
    replaced the filter: errors from every project were listed, the project forgotten)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        app.set_filter(LogFilter(project="research-agent"))
        await settle(pilot)
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Filter: errors only"
        )
        command.callback()
        await settle(pilot)
        assert app.log_filter == LogFilter(project="research-agent", has_error=True)
        visible = set(app.visible_ids or ())
        assert visible and visible < ERROR_LOGS
        assert all(app.index.summary(log_id).project == "research-agent" for log_id in visible)


async def test_garbage_is_collected_in_a_quiet_moment_after_input(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection runs once after keys stop, and not again while nothing happens."""
    import gc

    monkeypatch.setattr(app_module, "IDLE_CHECK", 0.02)
    monkeypatch.setattr(app_module, "IDLE_AFTER", 0.05)
    full: list[int] = []
    real_collect = gc.collect

    def counting(*args: Any) -> int:
        full.append(1)
        return real_collect(*args)

    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        monkeypatch.setattr(app_module.gc, "collect", counting)
        await pilot.pause(0.3)
        assert not full, "collected with no input since the load"
        await pilot.press("j")
        await poll(pilot, lambda: full)
        count = len(full)
        await pilot.pause(0.3)
        assert len(full) == count, "collected again with nothing done since"
