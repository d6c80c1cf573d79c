"""A warm open draws the last forest's saved top rows at once, then the loaded forest in
their place; keys typed meanwhile act on the rows they were typed on."""

from __future__ import annotations

import threading
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from hltui.model.feedback import FeedbackStore
from hltui.model.forest_preview import ForestPreview, preview_path, read_preview
from hltui.model.index import LogIndex
from hltui.model.sessions import Session
from hltui.ui.app import HltuiApp
from hltui.ui.messages import PreviewReady
from hltui.ui.widgets.search_box import SearchBox
from hltui.ui.widgets.session_tree import SessionTree
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_jsonl
from tests.ui.conftest import SIZE, gated_load, held_app, poll, screen_text, wait_loaded


async def open_once(directory: Path) -> None:
    """Open and load `directory`, writing its caches (and the forest's preview)."""
    async with HltuiApp(directory).run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)


def tree_lines(app: HltuiApp) -> list[str]:
    """The tree's side of the screen, line by line (title, status and keys left out)."""
    width = app.query_one("#left").region.width
    return [line[:width] for line in screen_text(app).splitlines()[1:-2]]


def top_items(directory: Path) -> list[object]:
    return forest_from(LogIndex(directory).load()).items


def previewing(app: HltuiApp) -> bool:
    preview = app.preview_tree
    return preview is not None and preview.row_count > 0 and preview.region.height > 0


def on_preview(
    directory: Path, monkeypatch: pytest.MonkeyPatch, app: HltuiApp | None = None
) -> AbstractAsyncContextManager[tuple[HltuiApp, Pilot[None], threading.Event]]:
    """The app on `directory` (opened once before), its load held after its first logs
    with the preview on screen; setting the event lets the load go on."""
    return held_app(directory, monkeypatch, previewing, app)


async def test_a_warm_open_draws_the_whole_forest_before_its_logs_are_loaded(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_once(sample_dir)
    items = top_items(sample_dir)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        await pilot.pause()
        assert not app.loaded and app.forest is None
        preview = app.preview_tree
        assert preview is not None and preview.row_count == len(items)
        assert app.focused is preview
        # a query for the tree finds the real one (the preview is a SessionTree too)
        assert app.query_one(SessionTree).id == "tree"
        drawn = tree_lines(app)
        status = screen_text(app).splitlines()[-2]
        gate.set()
        await wait_loaded(pilot)
        assert app.preview_tree is None and not app.query_one("#preview-tree").display
        tree = app.query_one(SessionTree)
        assert tree.display and app.focused is tree and tree.row_count == len(items)
        # the same rows, drawn the same way: previews, counts, errors, feedback
        assert tree_lines(app) == drawn
        sessions = len(app.forest.sessions)  # type: ignore[union-attr]
        # known at once, loading still: the counts of the files as they are
        assert f"  {len(app.index)} logs  {sessions} sessions  " in status
        assert "loading" in status


async def test_cursor_keys_move_the_preview_and_other_keys_wait_for_the_forest(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_once(sample_dir)
    items = top_items(sample_dir)
    session = next(n for n, item in enumerate(items) if isinstance(item, Session) and n > 0)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        preview = app.preview_tree
        assert preview is not None
        await pilot.press(*["j"] * session)
        assert preview.cursor == session
        await pilot.press("l", "j")  # expand, then down: both wait, in order
        assert preview.cursor == session
        gate.set()
        await wait_loaded(pilot)
        await pilot.pause()
        tree = app.query_one(SessionTree)
        expanded = tree.rows[session]
        assert expanded.item.key == items[session].key  # type: ignore[attr-defined]
        assert tree.outline.is_expanded(expanded)
        assert tree.cursor == session + 1 and tree.current_row.depth == 1  # type: ignore[union-attr]


async def test_feedback_in_the_journal_is_not_drawn_from_the_preview(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved counts are the log files' own: with journal edits they may be wrong, so the
    preview draws no feedback marks, and the loaded forest draws them all."""
    await open_once(sample_dir)
    index = LogIndex(sample_dir).load()
    newest = next(iter(forest_from(index).nodes))
    FeedbackStore.open(index).add(newest, "rating", "good", "tester")
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        await pilot.pause()
        assert not any("★" in line for line in tree_lines(app))
        gate.set()
        await wait_loaded(pilot)
        assert any("★" in line for line in tree_lines(app))


async def test_a_changed_file_gets_no_preview(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview is of the files as they were: one grown since shows the forest as it
    loads (its first logs at once), never the old rows."""
    await open_once(sample_dir)
    grown = max(sample_dir.rglob("*.jsonl"), key=lambda path: path.stat().st_size)
    append_bytes(grown, jsonl_bytes([make_log("log_added_since")]))
    rows_shown = lambda app: app.query_one(SessionTree).row_count  # noqa: E731
    async with held_app(sample_dir, monkeypatch, rows_shown) as (app, pilot, gate):
        assert app.preview_tree is None and not app.loaded
        gate.set()
        await wait_loaded(pilot)
        assert "log_added_since" in app.index and app.preview_tree is None


async def test_a_failed_load_gives_the_keys_back(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that fails while the preview is shown ends it: the keys held are typed
    again (here: `?`, the help), and the error is told."""
    await open_once(sample_dir)
    import hltui.ui.app as app_module

    def broken(*_args: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(app_module, "restore", broken)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        await pilot.press("question_mark")
        assert app.screen.id == "_default"
        gate.set()
        await poll(pilot, lambda: app.preview_tree is None)
        await poll(pilot, lambda: app.screen.id != "_default")
        assert "the disk went away" in screen_text(app) or any(
            "the disk went away" in str(n.message) for n in app._notifications
        )


async def test_quitting_does_not_wait_for_the_forest(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_once(sample_dir)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, _gate):
        await pilot.press("q")
        await poll(pilot, lambda: app._exit)
        assert not app.loaded


async def test_a_quit_key_after_a_held_key_is_held_too(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/sql` typed on the preview: the `q` is part of the search term, not a quit."""
    await open_once(sample_dir)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        await pilot.press("slash", "s", "q", "l")
        gate.set()
        await wait_loaded(pilot)
        await pilot.pause()
        assert app.is_running
        assert app.query_one("#search", SearchBox).value == "sql"


async def held_before_any_forest(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ForestPreview, threading.Event]:
    """Warm caches with the preview taken away (to be sent by hand, as if it came late),
    and a load held before it shows any forest."""
    await open_once(directory)
    preview = read_preview(directory, LogIndex(directory).discover())
    assert preview is not None
    preview_path(directory).unlink()
    return preview, gated_load(monkeypatch, hold_after=lambda index, batch: True)


async def test_a_preview_after_the_search_box_opened_leaves_the_keys_to_the_box(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/` pressed before the preview came: what is typed next goes into the box (held
    for the tree, `ab5` were a tab switch and a rating of 5)."""
    preview, gate = await held_before_any_forest(sample_dir, monkeypatch)
    app = HltuiApp(sample_dir)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash")
            box = app.query_one("#search", SearchBox)
            assert app.focused is box
            app.post_message(PreviewReady(preview))
            await poll(pilot, lambda: previewing(app))
            assert app.focused is box
            await pilot.press("t", "b", "5")
            assert box.value == "tb5"
            await pilot.press("escape")  # back to the tree shown: the preview
            assert app.focused is app.preview_tree
            gate.set()
            await wait_loaded(pilot)
            assert not app.store.pending and not app.store.logs_with_journal_entries()
    finally:
        gate.set()


async def test_a_screen_open_over_the_preview_takes_its_keys(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help, opened before the preview came, closes with `escape` at once (held for
    the tree, it stayed open until the logs were loaded)."""
    preview, gate = await held_before_any_forest(sample_dir, monkeypatch)
    app = HltuiApp(sample_dir)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            await poll(pilot, lambda: app.screen.id != "_default")
            app.post_message(PreviewReady(preview))
            await poll(pilot, lambda: app.preview_tree is not None)
            await pilot.pause()
            await pilot.press("escape")
            await poll(pilot, lambda: app.screen.id == "_default")
            assert not app.loaded
            await poll(pilot, lambda: previewing(app))
            gate.set()
            await wait_loaded(pilot)
            assert app.focused is app.query_one("#tree")
    finally:
        gate.set()


async def test_the_tree_takes_the_place_scrolled_to_from_its_first_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Screens down a long tree, the cursor moved up from the bottom row: the loaded
    tree is scrolled as the preview was as it takes its place (its cursor row was drawn
    at the top for a frame)."""
    logs = [
        make_log(f"log_{n:03}", created_at=f"2024-03-01T12:{n // 60:02}:{n % 60:02}Z")
        for n in range(300)
    ]
    write_jsonl(tmp_path / "logs.jsonl", logs)
    await open_once(tmp_path)
    app = HltuiApp(tmp_path)
    seen: list[tuple[float, int]] = []
    end = app.end_preview

    def end_and_look() -> None:
        end()
        tree = app.query_one("#tree", SessionTree)
        seen.append((tree.scroll_y, tree.cursor))

    monkeypatch.setattr(app, "end_preview", end_and_look)
    async with on_preview(tmp_path, monkeypatch, app) as (_app, pilot, gate):
        preview = app.preview_tree
        assert preview is not None
        await pilot.press("pagedown", "pagedown", *"kkkkk")  # not at the bottom row
        place = (preview.scroll_y, preview.cursor)
        assert place[0] > 0
        gate.set()
        await wait_loaded(pilot)
        tree = app.query_one("#tree", SessionTree)
        assert seen == [place]  # at once, before any frame of the tree
        assert (tree.scroll_y, tree.cursor) == place  # and after it settled


async def test_a_cursor_moved_before_a_resize_is_drawn_stays_in_view(sample_dir: Path) -> None:
    """A resize scrolls the cursor into view once laid out: the cursor's row then, not
    when the resize came (the preview, resized as it was mounted, went back to its top
    rows, the cursor out of view, when keys came before the layout did)."""
    app = HltuiApp(sample_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        tree = app.query_one(SessionTree)
        tree.on_resize()
        tree.set_cursor(tree.row_count - 1)
        await pilot.pause()
        await pilot.pause()
        assert tree.scroll_y <= tree.cursor < tree.scroll_y + tree.scrollable_content_region.height
        assert tree.scroll_y > 0


async def test_a_search_typed_before_the_first_screen_keeps_the_box(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/` typed while the app starts (before its first screen) is taken before the
    focus the app gives the tree at start: the box keeps the focus, and the preview
    that comes next leaves it there (the tree took it back, and `tt` typed into the
    box switched tabs twice once the logs were loaded)."""
    await open_once(sample_dir)
    mount = HltuiApp.on_mount

    def mount_then_slash(self: HltuiApp) -> None:
        mount(self)
        self.action_search()  # as the key queued first is handled

    monkeypatch.setattr(HltuiApp, "on_mount", mount_then_slash)
    async with on_preview(sample_dir, monkeypatch) as (app, pilot, gate):
        await pilot.pause()
        box = app.query_one("#search", SearchBox)
        assert app.focused is box
        await pilot.press("t", "t")
        assert box.value == "tt"
        gate.set()
        await wait_loaded(pilot)
        assert box.value == "tt" and app.focused is box
