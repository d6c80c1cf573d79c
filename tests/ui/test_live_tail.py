"""Pilot tests of live tailing: real files in tmp_path change while the app watches them.

Nothing here sleeps for a fixed time: each test waits (in bounded loops of short pauses)
until the watcher is set up (`app.watch_ready`), then for the condition it expects. To
prove that something did *not* happen after a change, a marker log is appended to another
file afterwards (`barrier`): events are handled in order, so once the marker shows, the
change before it has been handled too.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from hltui.model.feedback import FeedbackJournal, FeedbackStore, new_feedback_id, now_rfc3339
from hltui.model.index import LogIndex
from hltui.model.query import LogFilter
from hltui.model.sessions import Forest, Session
from hltui.ui.app import HltuiApp
from hltui.ui.screens.problems import ProblemsScreen
from hltui.ui.widgets.feedback_panel import FeedbackPanel
from hltui.ui.widgets.session_tree import FEEDBACK_GLYPH, ORPHAN_GLYPH, SessionTree
from hltui.ui.widgets.status_bar import StatusBar
from tests.conftest import make_log, write_jsonl
from tests.ui.conftest import (
    SIZE,
    goto,
    poll,
    search_for,
    settle,
    shown_matches,
    wait_loaded,
    wait_shown,
)

USER = "rev@example.com"
MARKERS = "zz-markers.jsonl"


# --- helpers ----------------------------------------------------------------------------


def log(
    log_id: str,
    minute: int,
    *,
    session: str | None = None,
    parent: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A log created at 12:`minute` on 2024-03-01, in `session`, under `parent`."""
    extra: dict[str, Any] = {}
    if session is not None:
        extra["session_id"] = session
    if parent is not None:
        extra["parent_id"] = parent
    hour, minute = divmod(minute, 60)
    return make_log(
        log_id, created_at=f"2024-03-01T{12 + hour:02d}:{minute:02d}:00Z", **extra, **fields
    )


def line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode() + b"\n"


def append(path: Path, *items: dict[str, Any] | bytes) -> None:
    """Append records (or raw bytes) to a file, flushed, as a logging app would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        for item in items:
            handle.write(item if isinstance(item, bytes) else line(item))
        handle.flush()


def tree_of(app: HltuiApp) -> SessionTree:
    return app.query_one(SessionTree)


def status_of(app: HltuiApp) -> StatusBar:
    return app.query_one(StatusBar)


def current_key(app: HltuiApp) -> str | None:
    row = tree_of(app).current_row
    return row.key if row else None


def row_keys(app: HltuiApp) -> list[str]:
    return [row.key for row in tree_of(app).rows]


def forest_of(app: HltuiApp) -> Forest:
    assert app.forest is not None
    return app.forest


def forest_keys(forest: Forest) -> list[str]:
    """Every log id the forest shows, walking sessions and standalone logs (duplicates kept)."""
    keys: list[str] = []
    for item in forest.items:
        roots = item.roots if isinstance(item, Session) else [item]
        for root in roots:
            keys.extend(node.key for node in root.walk())
    return keys


def session_of(app: HltuiApp, log_id: str) -> str | None:
    node = forest_of(app).nodes[log_id]
    return node.session.key if node.session is not None else None


def children_of(app: HltuiApp, log_id: str) -> list[str]:
    return [child.key for child in forest_of(app).nodes[log_id].children]


def has_log(app: HltuiApp, log_id: str) -> bool:
    return app.forest is not None and log_id in app.forest.nodes


async def start(pilot: Any) -> HltuiApp:
    """Wait for loading and for the watcher to be set up."""
    app = pilot.app
    await wait_loaded(pilot)
    await poll(pilot, lambda: app.watch_ready)
    return app


class Barrier:
    """Marker logs in their own file: once one shows, every change before it was handled."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / MARKERS
        self.count = 0

    async def __call__(self, pilot: Any) -> None:
        self.count += 1
        marker = f"marker_{self.count:04d}"
        append(self.path, log(marker, 0, project="markers"))
        await poll(pilot, lambda: has_log(pilot.app, marker))
        await settle(pilot)


def hit_and_miss(directory: Path, hit: str, output: str) -> Path:
    """`a.jsonl`: log `hit` (session a) saying `output`, then `miss_1` (session b)."""
    return write_jsonl(
        directory / "a.jsonl",
        [log(hit, 0, session="a", output=output), log("miss_1", 1, session="b")],
    )


def sessions_file(directory: Path, count: int = 60) -> Path:
    """`count` one-log sessions, `s_00` the oldest; `s_00` also has a parent with a child."""
    records = [log("p_1", 0, session="s_00"), log("c_1", 1, session="s_00", parent="p_1")]
    for n in range(1, count):
        records.append(log(f"only_{n:02d}", 10 + n, session=f"s_{n:02d}"))
    return write_jsonl(directory / "a.jsonl", records)


# --- appending --------------------------------------------------------------------------


async def test_appended_log_appears_without_moving_the_view(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = sessions_file(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        tree = tree_of(app)
        await pilot.press("G", "asterisk")  # the oldest session, everything in it expanded
        assert row_keys(app)[-3:] == ["s:id:s_00", "p_1", "c_1"]
        await pilot.press(*["k"] * 8)
        app.action_tab("details")
        await settle(pilot)
        cursor_key, scroll_y = current_key(app), tree.scroll_y
        expanded = set(tree.outline.expanded)
        assert scroll_y > 0 and cursor_key == "s:id:s_08"

        append(path, log("c_2", 2, session="s_00", parent="p_1"))
        await poll(pilot, lambda: "c_2" in row_keys(app))

        assert app.index.logs["c_2"].id == "c_2"
        assert session_of(app, "c_2") == "id:s_00"
        assert children_of(app, "p_1") == ["c_1", "c_2"]
        rows = [(row.key, row.depth) for row in tree.rows]
        assert rows[-4:] == [("s:id:s_00", 0), ("p_1", 1), ("c_1", 2), ("c_2", 2)]
        assert current_key(app) == cursor_key
        assert tree.scroll_y == scroll_y
        assert tree.outline.expanded == expanded
        assert app.query_one(TabbedContent).active == "details"
        assert status_of(app).logs == 62
        assert "1 new" in status_of(app).render().plain


async def test_a_row_added_above_the_cursor_keeps_it_on_screen(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = sessions_file(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        tree = tree_of(app)
        await pilot.press("enter", "G", *["k"] * 5)  # the newest session expanded, at the top
        await settle(pilot)
        assert row_keys(app)[:2] == ["s:id:s_59", "only_59"]
        key, offset = current_key(app), tree.cursor - int(tree.scroll_y)
        assert key == "s:id:s_05" and tree.scroll_y > 0
        append(path, log("late_59", 200, session="s_59"))
        await poll(pilot, lambda: "late_59" in row_keys(app))
        assert row_keys(app)[:3] == ["s:id:s_59", "only_59", "late_59"]
        assert current_key(app) == key
        assert tree.cursor - int(tree.scroll_y) == offset


async def test_half_a_line_then_the_rest_is_one_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0)])
    barrier = Barrier(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        whole = line(log("two", 1, session="s_2"))
        append(path, whole[:25])
        await barrier(pilot)
        assert "two" not in app.index
        assert not app.all_problems() and status_of(app).problems == 0
        append(path, whole[25:])
        await poll(pilot, lambda: has_log(app, "two"))
        await barrier(pilot)
        assert forest_keys(forest_of(app)).count("two") == 1
        assert sorted(app.index.logs) == ["marker_0001", "marker_0002", "one", "two"]
        assert not app.all_problems() and status_of(app).problems == 0


@pytest.mark.parametrize("poll_files", [False, True])
async def test_a_last_record_without_its_newline_shows_once_the_file_is_still(
    tmp_path: Path, poll_files: bool
) -> None:
    """A record written without its newline, the writer then quiet: it appears (it never
    did while watching) once the file has been still a second, with no problem."""
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0)])
    app = HltuiApp(data, user=USER, poll=poll_files)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        append(path, line(log("two", 1, session="s_2")).rstrip(b"\n"))
        await poll(pilot, lambda: has_log(app, "two"), steps=100)  # within 5 s
        assert not app.all_problems() and status_of(app).problems == 0
        append(path, b"\n" + line(log("three", 2, session="s_2")))
        await poll(pilot, lambda: has_log(app, "three"))
        assert not app.all_problems()


async def test_a_new_file_in_a_new_subfolder_is_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [log("one", 0)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        write_jsonl(data / "new" / "deeper" / "b.jsonl", [log("b1", 5), log("b2", 6)])
        await poll(pilot, lambda: has_log(app, "b1") and has_log(app, "b2"))
        assert sorted(forest_keys(forest_of(app))) == ["b1", "b2", "one"]
        assert status_of(app).logs == 3
        append(data / "new" / "deeper" / "b.jsonl", log("b3", 7))
        await poll(pilot, lambda: has_log(app, "b3"))
        assert sorted(forest_keys(forest_of(app))) == ["b1", "b2", "b3", "one"]


async def test_a_deleted_file_takes_its_logs_and_the_cursor_moves(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "keep.jsonl", [log(f"k{n}", n, session="keep") for n in range(3)])
    doomed = write_jsonl(
        data / "doomed.jsonl", [log(f"d{n}", 30 + n, session="gone") for n in range(3)]
    )
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        tree = tree_of(app)
        assert tree.select_key("d1")
        await wait_shown(pilot)
        doomed.unlink()
        await poll(pilot, lambda: not has_log(app, "d1"))
        await settle(pilot)
        await wait_shown(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["k0", "k1", "k2"]
        assert not any(key.startswith("d") for key in row_keys(app))
        assert "s:id:gone" not in row_keys(app)
        assert current_key(app) in row_keys(app)
        assert shown_matches(app)
        assert status_of(app).logs == 3 and status_of(app).sessions == 1
        await pilot.press("j", "k", "G", "g")  # still usable
        assert current_key(app) == "s:id:keep"


async def test_truncated_or_replaced_file_is_read_again_without_duplicates(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log(f"a{n}", n, session="s") for n in range(5)])
    barrier = Barrier(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        # replaced by rename (an editor's atomic save, a re-export): some logs kept, some new
        replacement = write_jsonl(
            data / "a.jsonl.tmp",
            [log("a0", 0, session="s"), log("a1", 1, session="s"), log("r1", 9)],
        )
        os.replace(replacement, path)
        await poll(pilot, lambda: has_log(app, "r1") and not has_log(app, "a4"))
        await barrier(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["a0", "a1", "marker_0001", "r1"]
        # truncated in place, then written shorter
        with open(path, "wb") as handle:
            handle.write(line(log("a0", 0, session="s")))
        await poll(pilot, lambda: not has_log(app, "r1"))
        await barrier(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["a0", "marker_0001", "marker_0002"]
        assert sorted(app.index.logs) == ["a0", "marker_0001", "marker_0002"]
        assert not app.all_problems()
        assert status_of(app).logs == 3


async def test_a_parent_arriving_after_its_children_nests_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(
        data / "a.jsonl",
        [
            log("kid_1", 5, session="s", parent="late"),
            log("kid_2", 6, session="s", parent="late"),
            log("loose_kid", 7, parent="late"),  # no session: joins its parent's once it comes
        ],
    )
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        tree = tree_of(app)
        assert forest_of(app).nodes["kid_1"].orphan
        assert session_of(app, "loose_kid") is None
        assert tree.select_key("kid_1")
        await settle(pilot)
        assert ORPHAN_GLYPH in tree.label(tree.current_row).plain
        append(path, log("late", 4, session="s"))
        await poll(pilot, lambda: has_log(app, "late"))
        assert children_of(app, "late") == ["kid_1", "kid_2", "loose_kid"]
        assert session_of(app, "loose_kid") == "id:s"
        assert not forest_of(app).nodes["kid_1"].orphan
        assert [item.key for item in forest_of(app).items] == ["id:s"]  # loose_kid moved in
        assert current_key(app) == "kid_1"
        assert tree.select_key("late") and tree.select_key("kid_1")
        assert ORPHAN_GLYPH not in tree.label(tree.current_row).plain


async def test_with_a_filter_new_logs_update_counts_or_show(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(
        data / "a.jsonl",
        [
            log("sup_1", 0, session="a", project="support"),
            log("oth_1", 1, session="b", project="other"),
        ],
    )
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        app.set_filter(LogFilter(project="support"))
        await settle(pilot)
        status = status_of(app)
        assert row_keys(app) == ["s:id:a"] and status.shown == 1
        append(path, log("oth_2", 2, session="c", project="other"))
        await poll(pilot, lambda: status.logs == 3)
        await settle(pilot)
        assert row_keys(app) == ["s:id:a"]
        assert status.shown == 1 and "3 logs" in status.render().plain
        assert "(1 shown)" in status.render().plain
        append(path, log("sup_2", 3, session="d", project="support"))
        await poll(pilot, lambda: "s:id:d" in row_keys(app))
        assert row_keys(app) == ["s:id:d", "s:id:a"]
        assert status.shown == 2 and status.logs == 4
        # a deleted file takes its logs out of the shown count too
        path.unlink()
        await poll(pilot, lambda: status.logs == 0)
        await settle(pilot)
        assert row_keys(app) == [] and status.shown == 0


async def test_new_logs_that_hold_the_search_term_join_its_hits(tmp_path: Path) -> None:
    """A search's hits stayed as they were while the tail added logs: a new log holding
    the term was neither marked nor counted, and `n` never reached it. New hits now join
    in tree order (the one the user is on stays theirs), only among the logs the filter
    shows; removed logs leave the hits."""
    data = tmp_path / "data"
    path = hit_and_miss(data, "old_hit", "a needle here")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await search_for(pilot, "needle")
        status = status_of(app)
        assert list(app.hits) == ["old_hit"] and current_key(app) == "old_hit"
        assert status.search_text == "hit 1/1 for 'needle'"
        later = data / "b.jsonl"
        append(later, log("new_hit", 5, session="c", output="NEEDLE again"), log("miss_2", 6))
        await poll(pilot, lambda: len(app.hits) == 2)
        await settle(pilot)
        assert list(app.hits) == ["new_hit", "old_hit"]  # the newest session comes first
        assert status.search_text == "hit 2/2 for 'needle'"  # still on the hit it was on
        tree = tree_of(app)
        assert tree.marks.has(app.index.logs["new_hit"])
        assert not tree.marks.has(app.index.logs["miss_2"])
        await pilot.press("n")
        await settle(pilot)
        assert current_key(app) == "new_hit" and status.search_text == "hit 1/2 for 'needle'"
        later.unlink()  # its logs leave the hits
        await poll(pilot, lambda: "new_hit" not in app.hits)
        await settle(pilot)
        on_it = current_key(app) == "old_hit"  # where the cursor went: the status says
        expected = "hit 1/1 for 'needle'" if on_it else "1 hit for 'needle'"
        assert list(app.hits) == ["old_hit"] and status.search_text == expected
        # with a filter, a new log it hides is no hit
        app.set_filter(LogFilter(project="shown"))
        await settle(pilot)
        append(path, log("hidden_hit", 7, session="d", output="needle"))
        append(path, log("shown_hit", 8, session="e", output="needle", project="shown"))
        await poll(pilot, lambda: "shown_hit" in app.hits)
        assert list(app.hits) == ["shown_hit"]


# --- follow mode ------------------------------------------------------------------------


async def test_without_follow_a_badge_counts_new_logs_and_L_jumps(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = sessions_file(data, count=5)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        status = status_of(app)
        assert current_key(app) == "s:id:s_04" and status.new_logs == 0
        append(path, log("new_1", 100, session="s_01"), log("new_2", 101, session="s_02"))
        await poll(pilot, lambda: has_log(app, "new_2"))
        append(path, log("new_3", 102, session="s_01"))
        await poll(pilot, lambda: status.new_logs == 3)
        assert "3 new" in status.render().plain
        assert current_key(app) == "s:id:s_04"
        await pilot.press("L")
        await settle(pilot)
        assert current_key(app) == "new_3"
        assert status.new_logs == 0 and " new" not in status.render().plain
        await wait_shown(pilot)


async def test_logs_added_while_a_search_runs_join_its_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log added while the search ran, to a file it had read already, was in neither
    the search's hits nor the tail's (622 hits where 624 logs held the term)."""
    import hltui.ui.searching as searching_module

    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("old_hit", 0, session="a", output="needle")])
    real_search = searching_module.search
    searched = threading.Event()
    go_on = threading.Event()

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        found = real_search(*args, **kwargs)  # the files read: then the tail adds a log
        searched.set()
        go_on.wait(timeout=10)
        return found

    monkeypatch.setattr(searching_module, "search", slow_search)
    app = HltuiApp(data, user=USER)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start(pilot)
            app._start_search("needle")
            await poll(pilot, searched.is_set)
            append(path, log("late_hit", 5, session="b", output="a needle too"))
            await poll(pilot, lambda: has_log(app, "late_hit"))
            go_on.set()
            await poll(pilot, lambda: "late_hit" in list(app.hits))
            assert sorted(app.hits) == ["late_hit", "old_hit"]
            assert tree_of(app).marks.has(app.index.logs["late_hit"])
    finally:
        go_on.set()


async def test_a_cursor_whose_log_is_deleted_goes_to_the_item_after_it(tmp_path: Path) -> None:
    """The cursor kept its row number when its log went with its file, landing on an
    unrelated item, which a rating typed next then went to."""
    data = tmp_path / "data"
    sessions_file(data, count=6)
    doomed = data / "doomed.jsonl"
    append(doomed, *(log(f"new_{n}", 100 + n, session=f"z_{n}") for n in range(5)))
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert row_keys(app)[:5] == [f"s:id:z_{n}" for n in (4, 3, 2, 1, 0)]
        await goto(pilot, "s:id:z_1")  # the 4th row
        doomed.unlink()
        await poll(pilot, lambda: not has_log(app, "new_1"))
        await settle(pilot)
        assert current_key(app) == "s:id:s_05"  # the next item in the tree: the newest left


async def test_the_status_bar_says_the_cursors_hit_after_the_tail_adds_hits(
    tmp_path: Path,
) -> None:
    """A log holding the term appended while the cursor sat on no hit: `hit 2/N`, where
    the cursor was on no hit at all."""
    data = tmp_path / "data"
    path = hit_and_miss(data, "hit_1", "zebra")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await search_for(pilot, "zebra")
        await goto(pilot, "s:id:b")
        status = status_of(app)
        assert status.search_text == "1 hit for 'zebra'"
        append(path, log("hit_2", 5, session="c", output="zebra again"))
        await poll(pilot, lambda: len(app.hits) == 2)
        await settle(pilot)
        assert current_key(app) == "s:id:b"
        assert status.search_text == "2 hits for 'zebra'"


async def test_the_new_count_drops_when_new_logs_go_away(tmp_path: Path) -> None:
    """`3 new` stayed after the file that brought them was deleted, and `L` then went
    to the newest log of all."""
    data = tmp_path / "data"
    sessions_file(data, count=5)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        status = status_of(app)
        later = data / "later.jsonl"
        append(later, log("new_1", 100, session="s_01"), log("new_2", 101, session="s_02"))
        other = data / "other.jsonl"
        append(other, log("new_3", 90, session="s_03"))
        await poll(pilot, lambda: status.new_logs == 3)
        later.unlink()
        await poll(pilot, lambda: status.new_logs == 1)
        assert "1 new" in status.render().plain
        other.unlink()
        await poll(pilot, lambda: status.new_logs == 0)
        assert " new" not in status.render().plain


async def test_follow_selects_new_logs_as_they_arrive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = sessions_file(data, count=5)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        status = status_of(app)
        await pilot.press("F")
        assert app.follow and "FOLLOW" in status.render().plain
        append(path, log("new_1", 100, session="s_01"))
        await poll(pilot, lambda: current_key(app) == "new_1")
        await wait_shown(pilot)
        append(path, log("new_2", 101, session="s_03", parent="only_03"))
        await poll(pilot, lambda: current_key(app) == "new_2")
        assert status.new_logs == 0
        await pilot.press("F")
        assert not app.follow and "FOLLOW" not in status.render().plain
        append(path, log("new_3", 102, session="s_01"))
        await poll(pilot, lambda: status.new_logs == 1)
        assert current_key(app) == "new_2"


async def test_follow_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = sessions_file(data, count=5)
    app = HltuiApp(data, user=USER, follow=True)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        assert "FOLLOW" in status_of(app).render().plain
        append(path, log("new_1", 100, session="s_02"))
        await poll(pilot, lambda: current_key(app) == "new_1")
        await wait_shown(pilot)


# --- problems, polling, no watching ---------------------------------------------------


async def test_problems_in_new_data_are_counted_and_listed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        status = status_of(app)
        assert status.problems == 0
        await pilot.press("p")
        assert isinstance(app.screen, ProblemsScreen)
        assert app.screen.problems == []
        append(path, b"{not json at all\n", log("two", 1))
        await poll(pilot, lambda: status.problems == 1)
        await poll(pilot, lambda: len(app.screen.problems) == 1)
        assert isinstance(app.screen, ProblemsScreen)
        assert app.screen.problems[0].line == 2
        assert "a.jsonl" in str(app.screen.problems[0].file)
        assert has_log(app, "two")
        await pilot.press("escape")
        assert "⚠ 1 problem " in status.render().plain


def table_lines(screen: ProblemsScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(n)) for n in range(table.row_count)]


async def test_the_open_problems_screen_shows_the_problems_as_they_are_now(
    tmp_path: Path,
) -> None:
    """A problem found while the screen was open was taken as the last of the list, but
    the list is sorted (a parent cycle comes last): the cycle's row was shown twice and
    the new one never. A deleted file's problems stayed, and so did the count."""
    data = tmp_path / "data"
    cycle = [log("c_a", 0, session="s", parent="c_b"), log("c_b", 1, session="s", parent="c_a")]
    broken = write_jsonl(data / "a.jsonl", [log("one", 0), "{broken", *cycle])
    later = write_jsonl(data / "b.jsonl", [log("two", 2)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        assert len(screen.problems) == 2 and "parent cycle" in screen.problems[-1].message
        await pilot.press("j")  # on the cycle
        append(later, b"{also broken\n")
        await poll(pilot, lambda: len(screen.problems) == 3)
        await settle(pilot)
        assert screen.problems == app.all_problems()
        lines = table_lines(screen)
        assert len(lines) == 3 and len(set(lines)) == 3
        assert any("b.jsonl" in line and "line 2" in line for line in lines)
        assert "parent cycle" in lines[screen.query_one(DataTable).cursor_row]  # kept
        broken.unlink()
        await poll(pilot, lambda: len(screen.problems) == 1)
        await settle(pilot)
        assert ["b.jsonl" in line for line in table_lines(screen)] == [True]
        summary = screen.query_one("#problems-summary", Static).render()
        assert str(summary) == "1 problem"


async def test_a_log_removed_while_it_is_being_shown_is_no_crash(tmp_path: Path) -> None:
    """The tail's thread removed a log between the UI's look-up of it and the read of its
    bytes: KeyError ended the app."""
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [log("one", 0), log("two", 1)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        index = app.index
        real_read = index.raw_bytes

        def removed_meanwhile(log_id: str) -> bytes:
            index.logs.pop(log_id, None)
            return real_read(log_id)

        index.raw_bytes = removed_meanwhile  # type: ignore[method-assign]
        app.show_log("two")
        await settle(pilot)
        assert app.is_running


async def test_a_problem_fixed_in_a_file_leaves_the_count(tmp_path: Path) -> None:
    """A JSON file half written, then whole: its problem goes, and the status bar's count
    with it (it stayed, as an update that only took problems away did not recount)."""
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [log("one", 0)])
    whole = json.dumps([log("two", 1), log("three", 2)]).encode()
    export = data / "export.json"
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        status = status_of(app)
        export.write_bytes(whole[: len(whole) // 2])
        await poll(pilot, lambda: status.problems == 1)
        export.write_bytes(whole)
        await poll(pilot, lambda: has_log(app, "three"))
        await poll(pilot, lambda: status.problems == 0)
        assert "⚠" not in status.render().plain


async def test_poll_mode_sees_appends_and_new_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0)])
    app = HltuiApp(data, user=USER, poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        append(path, log("two", 1, session="s"))
        await poll(pilot, lambda: has_log(app, "two"))
        write_jsonl(data / "sub" / "b.jsonl", [log("three", 2, session="s", parent="two")])
        await poll(pilot, lambda: has_log(app, "three"))
        assert children_of(app, "two") == ["three"]
        (data / "sub" / "b.jsonl").unlink()
        await poll(pilot, lambda: not has_log(app, "three"))
        assert sorted(forest_keys(forest_of(app))) == ["one", "two"]
        foreign_edit(data / ".hltui" / "feedback.jsonl", "one", "good")  # another reviewer
        await poll(pilot, lambda: app.store.pairs("one") == (("rating", "good"),))
        assert current_key(app) == "one"  # kept while a newer session arrived above it
        assert tree_of(app).select_key("two")
        await pilot.press("minus")
        await settle(pilot)
        assert app.store.pairs("two") == (("rating", "bad"),)
        assert (
            len(journal_lines := (data / ".hltui" / "feedback.jsonl").read_text().splitlines()) == 2
        )
        assert "one" in journal_lines[0] and "two" in journal_lines[1]
        assert sorted(forest_keys(forest_of(app))) == ["one", "two"]


async def test_no_watch_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0)])
    app = HltuiApp(data, user=USER, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert app.tailer is None
        assert not [worker for worker in app.workers if worker.group == "watch"]
        append(path, log("two", 1))
        write_jsonl(data / "b.jsonl", [log("three", 2)])
        for _ in range(20):  # let it run a while: nothing may change
            await pilot.pause(0.05)
            assert "two" not in app.index and "three" not in app.index
        assert forest_keys(forest_of(app)) == ["one"]
        assert status_of(app).logs == 1 and status_of(app).new_logs == 0


async def test_opened_by_a_relative_path(tmp_path: Path, monkeypatch: Any) -> None:
    """The watcher reports absolute paths; the index knows the files by the path typed."""
    data = tmp_path / "data"
    path = write_jsonl(data / "a.jsonl", [log("one", 0), log("two", 1)])
    monkeypatch.chdir(tmp_path)
    app = HltuiApp(Path("data"), user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        append(path, log("three", 2))
        await poll(pilot, lambda: has_log(app, "three"))
        await settle(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["one", "three", "two"]
        assert not app.all_problems() and status_of(app).problems == 0
        assert len(app.index.files) == 1


# --- another instance's journal edits --------------------------------------------------


def foreign_edit(journal: Path, log_id: str, value: str, **fields: Any) -> dict[str, Any]:
    entry = {
        "type": "rating",
        "value": value,
        "data_id": log_id,
        "user": "other@example.com",
        "created_at": now_rfc3339(),
        "id": new_feedback_id(),
        "edit": "add",
        **fields,
    }
    FeedbackJournal(journal).append(entry)
    return entry


async def test_another_instances_journal_edits_show_live(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [log("one", 0), log("two", 1)])
    journal = data / ".hltui" / "feedback.jsonl"
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        tree = tree_of(app)
        assert tree.select_key("one")
        app.action_tab("feedback")
        await wait_shown(pilot)
        panel = app.query_one(FeedbackPanel)
        assert panel.row_count == 0
        # another hltui (a second journal object on the same file) adds a rating
        entry = foreign_edit(journal, "one", "bad")
        await poll(pilot, lambda: panel.row_count == 1)
        item, source = panel.items[0]
        assert (item.value, item.user, item.id, source) == (
            "bad",
            "other@example.com",
            entry["id"],
            "journal",
        )
        assert FEEDBACK_GLYPH + "bad" in tree.label(tree.current_row).plain
        # our own edit next to it: written once, shown once
        await pilot.press("plus")
        await settle(pilot)
        assert panel.row_count == 2
        # and another store on the same journal changes the other's item
        other = FeedbackStore.open(LogIndex(data).load())
        other.change("one", entry["id"], "good", "other@example.com")
        await poll(pilot, lambda: [i.value for i, _ in panel.items] == ["good", "good"])
        await Barrier(data)(pilot)
        assert panel.row_count == 2
        assert len(app.store.items("one")) == 2
        lines = journal.read_text().splitlines()
        assert len(lines) == 3
        assert sum(json.loads(text)["user"] == USER for text in lines) == 1
        # a foreign edit to a log that is not shown: the tree glyph only
        foreign_edit(journal, "two", "meh")
        await poll(pilot, lambda: app.store.pairs("two") == (("rating", "meh"),))
        assert tree.select_key("two")
        assert FEEDBACK_GLYPH + "meh" in tree.label(tree.current_row).plain


async def test_journal_edits_with_a_relative_path_and_a_filter(
    tmp_path: Path, monkeypatch: Any
) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [log("one", 0), log("two", 1)])
    monkeypatch.chdir(tmp_path)
    app = HltuiApp(Path("data"), user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        app.set_filter(LogFilter(has_feedback=True))
        await settle(pilot)
        assert row_keys(app) == []
        foreign_edit(data / ".hltui" / "feedback.jsonl", "two", "good")
        await poll(pilot, lambda: row_keys(app) == ["two"])
        assert status_of(app).shown == 1


# --- a stress test ----------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import json, os, random, sys, time
    directory, total = sys.argv[1], int(sys.argv[2])
    rng = random.Random(7)
    files = [os.path.join(directory, name) for name in ("s1.jsonl", "sub/s2.jsonl")]
    os.makedirs(os.path.join(directory, "sub"), exist_ok=True)
    fds = [os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) for p in files]
    written = 0
    while written < total:
        size = min(total - written, rng.choice([1, 1, 3, 7, 20, 50, 150, 600, 1500]))
        which = rng.randrange(len(fds))
        data = b""
        for n in range(written, written + size):
            session = f"sess_{n // 10}"
            record = {
                "id": f"log_{n:06d}",
                "config": {"id": "c", "type": "model", "model": "m"},
                "created_at": f"2024-03-01T12:00:{n % 60:02d}Z",
                "session_id": session,
                "output": "x" * rng.randrange(200),
            }
            if n % 10:
                record["parent_id"] = f"log_{n - n % 10:06d}"
            data += json.dumps(record).encode() + b"\\n"
        written += size
        if rng.random() < 0.4:  # split mid-line, the rest a moment later
            cut = rng.randrange(1, len(data))
            os.write(fds[which], data[:cut])
            time.sleep(rng.choice([0, 0.001, 0.02]))
            os.write(fds[which], data[cut:])
        else:
            os.write(fds[which], data)
        time.sleep(rng.choice([0, 0, 0.001, 0.01, 0.05]))
    for fd in fds:
        os.close(fd)
    """
)


async def test_stress_20000_logs_in_bursts(tmp_path: Path) -> None:
    import subprocess

    total = 20_000
    data = tmp_path / "data"
    write_jsonl(data / "seed.jsonl", [log("seed", 0)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(data), str(total)])
        try:
            await poll(pilot, lambda: writer.poll() is not None, steps=2400)
        finally:
            writer.kill()
        assert writer.returncode == 0
        await poll(pilot, lambda: len(app.index) == total + 1, steps=1200)
        await poll(pilot, lambda: app.forest is not None and len(app.forest.nodes) == total + 1)
        await settle(pilot)
        expected = {"seed", *(f"log_{n:06d}" for n in range(total))}
        assert set(app.index.logs) == expected
        keys = forest_keys(forest_of(app))
        assert len(keys) == total + 1 and set(keys) == expected
        assert len(forest_of(app).sessions) == total // 10
        node = forest_of(app).nodes["log_000010"]
        assert [c.key for c in node.children] == [f"log_{n:06d}" for n in range(11, 20)]
        assert not app.all_problems()
        assert status_of(app).problems == 0 and status_of(app).logs == total + 1


async def test_replaced_by_a_superset_has_no_duplicates(tmp_path: Path) -> None:
    """A re-export with every log it had plus new ones, renamed over the old file."""
    data = tmp_path / "data"
    old = [log("a0", 0, session="s"), log("a1", 1, session="s", parent="a0"), log("alone", 2)]
    path = write_jsonl(data / "a.jsonl", old)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        replacement = write_jsonl(data / "a.jsonl.tmp", [*old, log("a2", 3, session="s")])
        os.replace(replacement, path)
        await poll(pilot, lambda: has_log(app, "a2"))
        await settle(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["a0", "a1", "a2", "alone"]
        assert row_keys(app).count("alone") == 1
        assert not app.all_problems()
        assert status_of(app).new_logs == 1  # only a2 is new


async def test_a_json_file_rewritten_in_place_is_read_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = data / "export.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([log("j0", 0, session="s"), log("j1", 1)]))
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        with open(path, "w") as handle:  # in place: same file, new contents
            handle.write(json.dumps([log("j0", 0, session="s"), log("j1", 1), log("j2", 2)]))
        await poll(pilot, lambda: has_log(app, "j2"))
        await settle(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["j0", "j1", "j2"]
        assert row_keys(app).count("j1") == 1
        assert not app.all_problems()
        assert status_of(app).new_logs == 1


async def test_a_gzip_file_rewritten_has_no_duplicates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write_jsonl(data / "day.jsonl.gz", [log("g0", 0), log("g1", 1)])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        write_jsonl(path, [log("g0", 0), log("g1", 1), log("g2", 2)])
        await poll(pilot, lambda: has_log(app, "g2"))
        await settle(pilot)
        assert sorted(forest_keys(forest_of(app))) == ["g0", "g1", "g2"]
        assert row_keys(app).count("g0") == 1
        assert status_of(app).new_logs == 1


@pytest.mark.parametrize("name", ["export.json", "day.jsonl.gz", "renamed.jsonl"])
def test_core_forest_after_a_file_read_again_has_no_duplicates(tmp_path: Path, name: str) -> None:
    from hltui.model.sessions import build_forest
    from hltui.model.tail import Tailer, forest_after

    data = tmp_path / "data"
    path = data / name
    old = [log("x0", 0, session="s"), log("x1", 1)]
    if name.endswith(".json"):
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(old))
    else:
        write_jsonl(path, old)
    index = LogIndex(data).load(complete_only=True)
    files = {number: state.path for number, state in enumerate(index.files)}
    forest = build_forest(list(index.logs.values()), files)
    tailer = Tailer(index)
    new = [*old, log("x2", 2)]
    if name.endswith(".json"):
        path.write_text(json.dumps(new))
    elif name.endswith(".gz"):
        write_jsonl(path, new)
    else:
        os.replace(write_jsonl(data / "tmp.jsonl.part", new), path)
    update = tailer.apply([path])
    assert sorted(index.logs) == ["x0", "x1", "x2"]
    assert sorted(forest_keys(forest_after(forest, index, update))) == ["x0", "x1", "x2"]
