"""Pilot tests of reviewing: every feedback key, the editor, the panel, undo, the review
queue, filters, and a journal that cannot be written. Real files in tmp_path; the journal
lines are read back from disk."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent, TextArea

from hltui.model.feedback import FeedbackStore
from hltui.model.query import LogFilter
from hltui.ui.app import HltuiApp
from hltui.ui.screens.feedback_editor import FeedbackEditor
from hltui.ui.screens.path_prompt import PathPrompt
from hltui.ui.screens.problems import ProblemsScreen
from hltui.ui.widgets.feedback_panel import FeedbackPanel
from hltui.ui.widgets.session_overview import SessionOverview
from hltui.ui.widgets.session_tree import FEEDBACK_GLYPH, SessionTree
from hltui.ui.widgets.status_bar import StatusBar
from tests.conftest import make_log, write_jsonl
from tests.ui.conftest import SIZE, goto, poll, screen_text, settle, wait_loaded

USER = "rev@example.com"
DEEP_FINAL = "data_agentDeepFinal01"


# --- helpers ----------------------------------------------------------------------------


def small_data(directory: Path) -> Path:
    """One session of five logs (`l1`..`l5`, `l3` already rated inside the file) and a
    standalone log."""
    records = [
        make_log(f"l{n}", session_id="s", created_at=f"2024-03-01T12:0{n}:00Z") for n in range(1, 6)
    ]
    records[2]["feedback"] = [{"type": "rating", "value": "bad", "user": "old@example.com"}]
    records.append(make_log("alone", created_at="2024-03-01T11:00:00Z"))
    write_jsonl(directory / "logs.jsonl", records)
    return directory


def journal_path(directory: Path) -> Path:
    return directory / ".hltui" / "feedback.jsonl"


def journal_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(text) for text in path.read_text().splitlines() if text.strip()]


def tree_of(app: HltuiApp) -> SessionTree:
    return app.query_one(SessionTree)


def panel_of(app: HltuiApp) -> FeedbackPanel:
    return app.query_one(FeedbackPanel)


def status_of(app: HltuiApp) -> StatusBar:
    return app.query_one(StatusBar)


def current_key(app: HltuiApp) -> str | None:
    row = tree_of(app).current_row
    return row.key if row else None


def label_of(app: HltuiApp) -> str:
    tree = tree_of(app)
    assert tree.current_row is not None
    return tree.label(tree.current_row).plain


def messages_of(app: HltuiApp) -> list[str]:
    return [n.message for n in app._notifications]


def panel_values(app: HltuiApp) -> list[tuple[str | None, Any, str]]:
    return [(item.type, item.value, source) for item, source in panel_of(app).items]


async def type_text(pilot: Any, text: str) -> None:
    """Type like a user: letters, spaces and new lines."""
    keys = {" ": "space", "\n": "enter", "-": "minus", ".": "full_stop"}
    await pilot.press(*(keys.get(char, char) for char in text))


async def open_editor(pilot: Any, key: str) -> FeedbackEditor:
    await pilot.press(key)
    await poll(pilot, lambda: isinstance(pilot.app.screen, FeedbackEditor))
    await pilot.pause()
    editor = pilot.app.screen
    assert isinstance(editor, FeedbackEditor)
    return editor


async def rate_l1_good(pilot: Any) -> None:
    """Once loaded, rate `l1` good with `+`."""
    await wait_loaded(pilot)
    await goto(pilot, "l1")
    await pilot.press("plus")
    await settle(pilot)


def editor_text(editor: FeedbackEditor) -> TextArea:
    return editor.query_one("#editor-text", TextArea)


async def filter_unrated(pilot: Any) -> None:
    """Once loaded, keep the logs without feedback (the review queue)."""
    await wait_loaded(pilot)
    pilot.app.set_filter(LogFilter(has_feedback=False))
    await settle(pilot)


def editor_message(editor: FeedbackEditor) -> str:
    """What the editor says under its fields (why it did not save or close)."""
    return str(editor.query_one("#editor-error", Static).render())


async def comment_on_l4(pilot: Any, text: str = "") -> FeedbackEditor:
    """Once loaded: the comment editor on `l4`, with `text` typed in it."""
    await wait_loaded(pilot)
    await goto(pilot, "l4")
    editor = await open_editor(pilot, "c")
    if text:
        await type_text(pilot, text)
    return editor


def editor_value(editor: FeedbackEditor) -> Input:
    return editor.query_one("#editor-value", Input)


async def focus_panel(pilot: Any) -> None:
    app = pilot.app
    app.action_tab("feedback")
    await pilot.pause()
    panel_of(app).table.focus()
    await pilot.pause()


# --- quick keys -------------------------------------------------------------------------


async def test_plus_then_minus_rate_one_item_good_then_bad(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l2")
        await pilot.press("plus")
        await settle(pilot)
        [entry] = journal_lines(journal)
        assert entry["type"] == "rating" and entry["value"] == "good"
        assert entry["data_id"] == "l2" and entry["edit"] == "add"
        assert entry["user"] == USER
        assert entry["created_at"].endswith("Z") and entry["created_at"].startswith("20")
        assert entry["id"].startswith("ann_")
        assert f"{FEEDBACK_GLYPH}good" in label_of(app)
        assert "Rated good" in messages_of(app)
        tree = tree_of(app)
        assert f"5 logs {FEEDBACK_GLYPH}2" in tree.label(tree.rows[0]).plain  # l3's and mine

        await pilot.press("minus")
        await settle(pilot)
        first, second = journal_lines(journal)
        assert second["id"] == first["id"] and second["edit"] == "change"
        assert second["value"] == "bad" and second["user"] == USER
        assert [(i.type, i.value) for i, _ in app.store.items("l2")] == [("rating", "bad")]
        assert f"{FEEDBACK_GLYPH}bad" in label_of(app)
        app.action_tab("feedback")
        await settle(pilot)
        assert panel_values(app) == [("rating", "bad", "journal")]
        assert status_of(app).pending == 0
        await pilot.press("minus")  # the same value again: nothing written
        await settle(pilot)
        assert len(journal_lines(journal)) == 2


async def test_digits_set_numeric_ratings(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        for digit in "12345":
            await pilot.press(digit)
            await settle(pilot)
        lines = journal_lines(journal)
        assert [line["value"] for line in lines] == [1, 2, 3, 4, 5]
        assert all(isinstance(line["value"], int) for line in lines)
        assert [line["edit"] for line in lines] == ["add"] + ["change"] * 4
        assert len({line["id"] for line in lines}) == 1
        assert app.store.pairs("l1") == (("rating", 5),)
        assert f"{FEEDBACK_GLYPH}5" in label_of(app)


async def test_quick_keys_on_a_session_row_only_notify(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert current_key(app) == "s:id:s"
        for key in ("plus", "minus", "3", "c", "x"):
            await pilot.press(key)
            await settle(pilot)
        assert not isinstance(app.screen, FeedbackEditor)
        assert not journal_path(data).exists()
        assert messages_of(app).count("Select a log (not a session) to give it feedback.") >= 1


# --- the editor -------------------------------------------------------------------------


async def test_c_adds_a_multi_line_comment(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        editor = await comment_on_l4(pilot)
        assert editor.current_kind == "comment"
        area = editor_text(editor)
        assert area.display and not editor_value(editor).display
        assert area.has_focus and area.text == ""
        await type_text(pilot, "too long\nsay less")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FeedbackEditor)
        [entry] = journal_lines(journal)
        assert (entry["type"], entry["value"], entry["data_id"]) == (
            "comment",
            "too long\nsay less",
            "l4",
        )
        app.action_tab("feedback")
        await settle(pilot)
        assert panel_values(app) == [("comment", "too long\nsay less", "journal")]


async def test_x_starts_a_correction_from_the_output(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l5")
        editor = await open_editor(pilot, "x")
        assert editor.current_kind == "correction"
        area = editor_text(editor)
        assert area.text == "output of l5"
        assert area.cursor_location == (0, 0)  # the output is read from its start
        await pilot.press("ctrl+s")  # saved as it is, the output: no correction at all
        await settle(pilot)
        assert app.screen is editor and "the output as it is" in editor_message(editor)
        await pilot.press("end")
        await type_text(pilot, " fixed\nand more")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [entry] = journal_lines(journal)
        assert (entry["type"], entry["value"]) == ("correction", "output of l5 fixed\nand more")


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_editor_fits_a_small_terminal(tmp_path: Path, size: tuple[int, int]) -> None:
    """The editor was 80 columns wide whatever the terminal, and on 80x24 its buttons
    were below its bottom edge."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=size) as pilot:
        editor = await comment_on_l4(pilot)
        body = editor.query_one("#editor-body")
        assert body.outer_size.width <= size[0]
        save = editor.query_one("#editor-save", Button)
        assert body.region.contains_region(save.region)


@pytest.mark.parametrize("writable", [True, False])
async def test_the_session_timeline_shows_feedback_given_here(
    tmp_path: Path, writable: bool
) -> None:
    """The session's timeline and its feedback count showed only what the log files
    hold: a rating given in hltui (saved, or not yet) was missing there, though the tree
    showed it."""
    data = small_data(tmp_path / "data")
    journal = None if writable else unwritable(tmp_path)
    app = HltuiApp(data, user=USER, feedback_file=journal)
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        await goto(pilot, "s:id:s")
        await settle(pilot)
        overview = app.query_one(SessionOverview)
        row = overview.table.get_row("l1")
        assert row[overview.columns.index("feedback")].plain == "1 (good)"
        assert re.search(r"feedback +2 ", screen_text(app))  # l1's, and l3's in the file


@pytest.mark.parametrize("key", ["c", "x"])
async def test_text_typed_right_after_c_goes_into_the_editor(tmp_path: Path, key: str) -> None:
    """`c hello` in one read (a fast typist, a paste): the text lands in the editor `c`
    opens. The keys behind `c` reached the tree first, where `h` `l` `o` are commands,
    and the editor opened empty."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l4")
        for character in key + "hello":
            app.post_message(events.Key(character, character))
        await poll(pilot, lambda: isinstance(app.screen, FeedbackEditor))
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, FeedbackEditor)
        area = editor_text(editor)
        assert area.has_focus
        expected = "hello" if key == "c" else "hello" + (app.index.record("l4").output or "")
        assert area.text == expected
        assert app.focused is area and isinstance(app.screen, FeedbackEditor)
        assert current_key(app) == "l4"  # the tree took none of the keys


async def test_text_typed_after_a_refused_c_is_dropped_not_run(tmp_path: Path) -> None:
    """`c su` typed in one read on a session row: `c` is refused (a session is not a log)
    and `s`, `u` reached the tree as commands; `u` undid a rating given just before."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        await goto(pilot, "s:id:s")
        for character in "csu":
            app.post_message(events.Key(character, character))
        await settle(pilot)
        await pilot.pause(0.4)  # past the time the keys are dropped in
        messages = [n.message for n in app._notifications]
        assert any("Select a log" in m for m in messages)
        assert not any("Undid" in m for m in messages)
        assert [line["value"] for line in journal_lines(journal_path(data))] == ["good"]
        await pilot.press("j")  # keys typed later work as ever
        assert current_key(app) == "l1"


async def test_rating_in_a_without_feedback_filter_moves_on_to_the_next_log(
    tmp_path: Path,
) -> None:
    """The review queue: with the "without feedback" filter, a log rated leaves the tree;
    the cursor went to its session's row (where `c` is refused), now to the log that took
    its row, and after the session's last log to the one before it."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await filter_unrated(pilot)
        await goto(pilot, "l2")
        for expected in ("l4", "l5"):  # l3 has feedback in its file: not shown
            await pilot.press("plus")
            await settle(pilot)
            assert current_key(app) == expected
        await pilot.press("plus")  # l5, the last: back to the one before it
        await settle(pilot)
        assert current_key(app) == "l1"


async def test_a_late_end_of_a_key_hold_is_harmless_once_the_app_has_closed(
    tmp_path: Path,
) -> None:
    """The timer that ends a key hold can fire while the app shuts down (a test that
    closed within a second of opening the editor): it asked for the focused widget of a
    screen stack already empty and crashed the app. A hold released, or replaced by a
    later one, is left alone too."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await comment_on_l4(pilot)
        released = app.typeahead.started
        app.typeahead.start()  # a hold still open when the app closes
    assert not app.screen_stack
    app.end_hold(released)
    app.end_hold(app.typeahead.started)
    assert app.typeahead.holding(app.typeahead.started)  # nothing to hand the keys to


async def test_ctrl_q_in_the_editor_asks_before_throwing_text_away(tmp_path: Path) -> None:
    """ctrl+q quit at once and lost the comment being typed (escape asked first)."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        editor = await comment_on_l4(pilot, "a long review")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running and app.screen is editor
        assert "ctrl+q again to quit" in editor_message(editor)
        await type_text(pilot, "!")  # typing on: it asks again
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_ctrl_q_in_an_untouched_editor_quits(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await comment_on_l4(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_brackets_step_through_logs_without_feedback(tmp_path: Path) -> None:
    """`]` / `[`: the next and previous log without feedback (l3 is rated in its file),
    saying when they go round the end of the tree and when every log has some."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l2")
        await pilot.press("right_square_bracket")
        assert current_key(app) == "l4"  # l3 has feedback
        await pilot.press("left_square_bracket")
        assert current_key(app) == "l2"
        await goto(pilot, "alone")  # the last log of the tree
        await pilot.press("right_square_bracket")
        assert current_key(app) == "l1" and "Back to the first log without feedback" in str(
            [n.message for n in app._notifications]
        )
        for log_id in ("l1", "l2", "l4", "l5", "alone"):
            await goto(pilot, log_id)
            await pilot.press("plus")
        await settle(pilot)
        await pilot.press("right_square_bracket")
        assert "Every log has feedback" in str([n.message for n in app._notifications])


async def test_escape_cancels_the_editor_without_writing(tmp_path: Path) -> None:
    """`escape` closes the editor; with something typed, only when pressed again (one
    press threw a comment being written away); typing on asks again."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        editor = await comment_on_l4(pilot, "never")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is editor and editor_text(editor).text == "never"
        assert "esc again to discard" in editor_message(editor)
        await type_text(pilot, " mind")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is editor  # typed on since: asked again
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, FeedbackEditor)
        await open_editor(pilot, "x")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, FeedbackEditor)
        assert not journal_path(data).exists()
        assert app.store.items("l4") == []


async def test_an_empty_value_is_not_saved(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        editor = await comment_on_l4(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert "A value is needed." in editor_message(editor)
        await pilot.press("escape")
        assert not journal_path(data).exists()


# --- the feedback panel -----------------------------------------------------------------


async def test_panel_a_adds_with_a_chosen_type_and_label(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        await focus_panel(pilot)
        assert panel_of(app).row_count == 0
        editor = await open_editor(pilot, "a")
        assert editor.current_kind == "rating"
        select = editor.query_one("#editor-type", Select)
        await pilot.press("shift+tab")  # from the value to the type
        assert select.has_focus
        await pilot.press("enter", "down", "enter")  # rating -> action
        await pilot.pause()
        assert editor.current_kind == "action"
        value = editor_value(editor)
        assert value.has_focus
        await type_text(pilot, "copied")
        await pilot.press("enter")
        await settle(pilot)
        [entry] = journal_lines(journal)
        assert (entry["type"], entry["value"], entry["data_id"]) == ("action", "copied", "l1")
        assert panel_values(app) == [("action", "copied", "journal")]
        assert panel_of(app).table.has_focus


async def test_panel_custom_type(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        await focus_panel(pilot)
        editor = await open_editor(pilot, "a")
        editor.query_one("#editor-type", Select).value = "\x00custom"
        await pilot.pause()
        custom = editor.query_one("#editor-custom-type", Input)
        assert custom.display and custom.has_focus
        await type_text(pilot, "tone")
        await pilot.press("tab")
        await type_text(pilot, "warm")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [entry] = journal_lines(journal)
        assert (entry["type"], entry["value"]) == ("tone", "warm")


async def test_panel_enter_changes_an_item(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l3")  # rated bad inside the file
        await focus_panel(pilot)
        assert panel_values(app) == [("rating", "bad", "log")]
        editor = await open_editor(pilot, "enter")
        assert editor.current_kind == "rating"
        value = editor_value(editor)
        assert value.value == "bad" and value.has_focus
        value.value = ""
        await type_text(pilot, "4")
        await pilot.press("enter")
        await settle(pilot)
        [entry] = journal_lines(journal)
        assert entry["edit"] == "change" and entry["value"] == 4
        assert entry["id"] == "log:l3:0" and entry["user"] == USER
        assert panel_values(app) == [("rating", 4, "journal")]


async def test_a_change_to_an_item_deleted_meanwhile_is_saved_as_a_new_one(
    tmp_path: Path,
) -> None:
    """Another instance deleted the item while its change editor was open: the typed
    value was lost, with `Cannot save: 'log l3 has no feedback …'`."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l3")
        await focus_panel(pilot)
        editor = await open_editor(pilot, "enter")
        other = FeedbackStore.open(app.index)  # another instance deletes it
        other.delete("l3", "log:l3:0", "other@example.com")
        app.store.refresh()
        editor_value(editor).value = ""
        await type_text(pilot, "great")
        await pilot.press("enter")
        await settle(pilot)
        lines = journal_lines(journal_path(data))
        assert [(line["edit"], line.get("value")) for line in lines] == [
            ("delete", None),
            ("add", "great"),
        ]
        assert any("saved as a new item" in n.message for n in app._notifications)
        assert panel_values(app) == [("rating", "great", "journal")]


async def test_saving_an_item_unchanged_writes_nothing(tmp_path: Path) -> None:
    """enter, then save as it was: a `change` line was written all the same, moving the
    item's time and user."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l3")
        await focus_panel(pilot)
        await open_editor(pilot, "enter")
        await pilot.press("enter")  # saved as it is: bad
        await settle(pilot)
        assert journal_lines(journal_path(data)) == []
        assert any("Nothing changed" in n.message for n in app._notifications)
        assert panel_values(app) == [("rating", "bad", "log")]


async def test_panel_d_deletes_a_journal_item_and_an_item_inside_the_log(
    sample_dir: Path,
) -> None:
    log_file = sample_dir / "research-agent" / "2024-06-01.jsonl"
    before = log_file.read_bytes()
    journal = journal_path(sample_dir)
    app = HltuiApp(sample_dir, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, DEEP_FINAL)
        await pilot.press("plus")  # a third item, mine: rated good
        await settle(pilot)
        await focus_panel(pilot)
        assert panel_values(app) == [
            ("rating", "good", "log"),
            ("action", "copied", "log"),
            ("rating", "good", "journal"),
        ]
        await pilot.press("G", "d")  # delete mine
        await settle(pilot)
        assert panel_values(app) == [("rating", "good", "log"), ("action", "copied", "log")]
        await pilot.press("g", "d")  # delete the file's first item
        await settle(pilot)
        assert panel_values(app) == [("action", "copied", "log")]
        lines = journal_lines(journal)
        assert [line["edit"] for line in lines] == ["add", "delete", "delete"]
        assert lines[2]["id"] == f"log:{DEEP_FINAL}:0" and lines[2]["data_id"] == DEEP_FINAL
        assert lines[2]["user"] == USER
        assert log_file.read_bytes() == before
        assert f"{FEEDBACK_GLYPH}copied" in label_of(app)
        await pilot.press("d")
        await settle(pilot)
        assert panel_values(app) == []
        assert FEEDBACK_GLYPH not in label_of(app)
        assert log_file.read_bytes() == before


# --- review queue and undo --------------------------------------------------------------


async def test_review_queue_rates_three_in_a_row(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert current_key(app) == "s:id:s"
        visited = []
        for _ in range(3):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            visited.append(current_key(app))
            await pilot.press("plus")
            await settle(pilot)
        assert visited == ["l1", "l2", "l4"]  # l3 has feedback in its file
        assert [line["data_id"] for line in journal_lines(journal)] == visited
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert current_key(app) == "l5"
        await pilot.press("left_square_bracket")  # back: l4, l3, l2, l1 are rated; wraps
        await settle(pilot)
        assert current_key(app) == "alone"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert current_key(app) == "l5"
        await pilot.press("plus", "right_square_bracket")
        await settle(pilot)
        await pilot.press("plus", "right_square_bracket")
        await settle(pilot)
        assert "Every log has feedback" in messages_of(app)


async def test_u_undoes_the_last_edits(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l2")
        app.action_tab("feedback")
        await pilot.press("plus", "minus")
        await settle(pilot)
        assert panel_values(app) == [("rating", "bad", "journal")]
        await pilot.press("u")
        await settle(pilot)
        assert panel_values(app) == [("rating", "good", "journal")]
        assert f"{FEEDBACK_GLYPH}good" in label_of(app)
        assert messages_of(app)[-1] == "Undid the change on l2"
        await pilot.press("u")
        await settle(pilot)
        assert panel_values(app) == []
        assert FEEDBACK_GLYPH not in label_of(app)
        assert messages_of(app)[-1] == "Undid the new item on l2"
        assert [line["edit"] for line in journal_lines(journal)] == [
            "add",
            "change",
            "change",
            "delete",
        ]
        await pilot.press("u")
        await settle(pilot)
        assert "Nothing to undo" in messages_of(app)
        assert len(journal_lines(journal)) == 4


async def test_a_is_the_first_item_of_an_empty_feedback_tab(tmp_path: Path) -> None:
    """With no feedback yet, `t` to the Feedback tab gives it focus and `a` adds (focus
    stayed in the tree, where `a` does nothing, though the tab offered it)."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l4")
        await pilot.press("enter")  # into the transcript, then across to Feedback
        await settle(pilot)
        while app.query_one(TabbedContent).active != "feedback":
            await pilot.press("t")
            await settle(pilot)
        assert app.focused is panel_of(app) and panel_values(app) == []
        editor = await open_editor(pilot, "a")
        await type_text(pilot, "4")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not editor
        assert panel_values(app)[0][:2] == ("rating", 4)
        # the item just added takes `enter` at once (focus stayed on the emptied panel)
        assert app.focused is panel_of(app).table
        editor = await open_editor(pilot, "enter")
        assert editor_value(editor).value == "4"


async def test_undo_of_a_deleted_log_item_brings_it_back(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l3")
        await focus_panel(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert panel_values(app) == []
        # the table went with its last item: the panel takes the keys (not nowhere)
        assert app.focused is panel_of(app)
        await pilot.press("u")
        await settle(pilot)
        assert panel_values(app) == [("rating", "bad", "log")]
        assert messages_of(app)[-1] == "Undid the deletion on l3"


# --- filters ----------------------------------------------------------------------------


async def test_feedback_filters_follow_edits_at_once(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await filter_unrated(pilot)
        status = status_of(app)
        assert status.shown == 5
        await goto(pilot, "l1")
        await pilot.press("plus")
        await settle(pilot)
        assert status.shown == 4 and "l1" not in app.visible_ids

        app.set_filter(LogFilter(feedback_value="good"))
        await settle(pilot)
        assert set(app.visible_ids or ()) == {"l1"}
        await goto(pilot, "l1")
        await pilot.press("minus")
        await settle(pilot)
        assert app.visible_ids is not None and not app.visible_ids and status.shown == 0
        app.set_filter(LogFilter(has_feedback=True))
        await settle(pilot)
        assert set(app.visible_ids or ()) == {"l1", "l3"}


# --- an unwritable journal --------------------------------------------------------------


def unwritable(tmp_path: Path) -> Path:
    blocker = tmp_path / "file"
    blocker.write_text("a regular file, not a folder\n")
    return blocker / "j.jsonl"


async def test_unwritable_journal_keeps_edits_pending_then_save_as(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    target = tmp_path / "elsewhere" / "journal.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        app.action_tab("feedback")
        await pilot.press("plus")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and errors[-1].title == "Feedback not saved"
        assert "not a directory" in errors[-1].message
        assert panel_values(app) == [("rating", "good", "pending")]
        status = status_of(app)
        assert status.pending == 1 and "1 unsaved" in status.render().plain
        assert status.problems == 1  # the journal could not be read either
        await pilot.press("minus")  # changed before it was ever saved: still one item
        await settle(pilot)
        assert panel_values(app) == [("rating", "bad", "pending")]
        assert status.pending == 1
        # one note at a time (one per edit piled up over the dialog that saves them)
        assert len([n for n in app._notifications if n.title == "Feedback not saved"]) == 1
        await goto(pilot, "l2")
        editor = await open_editor(pilot, "c")
        await type_text(pilot, "kept")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not editor
        assert status.pending == 2

        app.action_save_feedback_as()
        await poll(pilot, lambda: isinstance(app.screen, PathPrompt))
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, PathPrompt)
        lines = journal_lines(target)
        assert [(line["data_id"], line["type"], line["value"]) for line in lines] == [
            ("l1", "rating", "bad"),
            ("l2", "comment", "kept"),
        ]
        assert status.pending == 0 and "unsaved" not in status.render().plain
        assert status.problems == 0
        assert panel_values(app) == [("comment", "kept", "journal")]
        await goto(pilot, "l1")
        assert panel_values(app) == [("rating", "bad", "journal")]
        # later edits go to the new journal
        await pilot.press("plus")
        await settle(pilot)
        assert [line["value"] for line in journal_lines(target)] == ["bad", "kept", "good"]
        assert panel_values(app) == [("rating", "good", "journal")]


async def test_unwritable_journal_retry_to_a_path(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    target = tmp_path / "retry.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        assert f"{FEEDBACK_GLYPH}good" in label_of(app)  # unsaved, but shown (it was not)
        await pilot.press("4")  # changed before it is saved: the row follows
        await settle(pilot)
        assert f"{FEEDBACK_GLYPH}4" in label_of(app) and "good" not in label_of(app)
        await pilot.press("plus")
        await settle(pilot)
        app.action_retry_feedback()  # the same place: still fails, still pending
        await settle(pilot)
        assert status_of(app).pending == 1
        assert any("Still cannot save" in message for message in messages_of(app))
        app.action_retry_feedback(target)
        await settle(pilot)
        assert status_of(app).pending == 0
        assert [line["value"] for line in journal_lines(target)] == ["good"]
        assert f"{FEEDBACK_GLYPH}good" in label_of(app)
        # quitting says where the feedback went: a later open finds it only given that
        # file (it quit without a word)
        said: list[object] = []
        real_exit = app.exit
        app.exit = lambda *args, **kwargs: (said.append(kwargs.get("message")), real_exit())  # type: ignore[method-assign]
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert f"saved to {target}; to see it, open with --feedback-file {target}" in str(said[0])


async def test_quitting_with_unsaved_feedback_warns_first(tmp_path: Path) -> None:
    """`q` with an edit the journal refused does not quit at once (the edit was lost
    without a word): it says so, and a second `q` quits."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        warning = [n for n in app._notifications if n.title == "Unsaved feedback"]
        assert warning and "1 feedback edit not saved" in warning[-1].message
        assert "Press q again" in warning[-1].message
        await goto(pilot, "l2")
        await pilot.press("minus")  # another edit since the warning: it warns again
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        warning = [n for n in app._notifications if n.title == "Unsaved feedback"]
        assert "2 feedback edits not saved" in warning[-1].message
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_an_edit_of_the_same_log_after_the_quit_warning_warns_again(
    tmp_path: Path,
) -> None:
    """`+`, `q` (warned), `-` on the same log, `q`: the app quit, losing the `-`, as the
    warning was only checked by the number of unsaved edits."""
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("minus")  # the same log again: one unsaved edit still
        await settle(pilot)
        assert app.store.pending and status_of(app).pending == 1
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_quitting_says_what_was_not_saved_and_nothing_else(tmp_path: Path) -> None:
    """The note on the terminal at quitting named `--feedback-file` as where feedback
    "was saved" whenever one was given, even with the edit thrown away."""
    data = small_data(tmp_path / "data")
    for feedback_file, unsaved in ((tmp_path / "j.jsonl", False), (unwritable(tmp_path), True)):
        app = HltuiApp(data, user=USER, feedback_file=feedback_file)
        said: list[object] = []
        real_exit = app.exit

        def exit_saying(
            *args: object, said: list[object] = said, real: Any = real_exit, **kw: Any
        ) -> None:
            said.append(kw.get("message"))
            real()

        app.exit = exit_saying  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await rate_l1_good(pilot)
            await pilot.press("q", "q")
            await pilot.pause()
        note = str(said[-1] or "")
        assert "was saved to" not in note
        assert ("1 feedback edit not saved" in note) == unsaved


async def test_quitting_saves_feedback_the_journal_now_takes(tmp_path: Path) -> None:
    """Quitting tries the pending edits once more: a journal that can be written now
    (room made, a folder fixed) gets them, and the app quits."""
    data = small_data(tmp_path / "data")
    journal = unwritable(tmp_path)
    app = HltuiApp(data, user=USER, feedback_file=journal)
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        assert status_of(app).pending == 1
        await pilot.press("q")  # still refused: a warning
        await pilot.pause()
        assert app.is_running
        journal.parent.unlink()  # the file that stood where the folder goes
        journal.parent.mkdir()
        await pilot.press("q")  # the second q tries again (it quit without trying)
        await pilot.pause()
        assert not app.is_running
    assert [line["value"] for line in journal_lines(journal)] == ["good"]


async def test_undo_drops_a_pending_edit(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        app.action_tab("feedback")
        await pilot.press("plus")
        await settle(pilot)
        assert status_of(app).pending == 1
        await pilot.press("u")
        await settle(pilot)
        assert status_of(app).pending == 0 and panel_values(app) == []
        assert messages_of(app)[-1] == "Undid the new item on l1"


# --- labels and problems ------------------------------------------------------------------


async def test_editor_offers_labels_from_the_types_file_and_the_logs(sample_dir: Path) -> None:
    types = [
        {"type": "rating", "values": [{"value": "excellent", "sentiment": "positive"}, "poor"]},
        {"type": "issue", "values": ["hallucination"]},
    ]
    (sample_dir / ".hltui").mkdir()
    (sample_dir / ".hltui" / "feedback-types.json").write_text(json.dumps(types))
    app = HltuiApp(sample_dir, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, DEEP_FINAL)
        await focus_panel(pilot)
        editor = await open_editor(pilot, "a")
        assert editor.labels["rating"][:2] == ["excellent", "poor"]
        assert {"good", "bad"} <= set(editor.labels["rating"])  # seen in the logs
        assert "copied" in editor.labels["action"]
        assert editor.labels["issue"][0] == "hallucination"
        hint = str(editor.query_one("#editor-labels", Static).render())
        assert "known: excellent" in hint and "poor" in hint and "good" in hint
        assert editor_value(editor).placeholder == "e.g. excellent"  # not read as a value
        editor.query_one("#editor-type", Select).value = "issue"
        await pilot.pause()
        assert "hallucination" in str(editor.query_one("#editor-labels", Static).render())
        editor.query_one("#editor-type", Select).value = "comment"
        await pilot.pause()
        assert str(editor.query_one("#editor-labels", Static).render()) == ""
        await pilot.press("escape")


async def test_a_torn_journal_line_is_reported(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    journal.parent.mkdir()
    journal.write_bytes(b'{"id": "ann_1", "data_id": "l1", "type": "rating", "val')
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert status_of(app).problems == 1
        await pilot.press("p")
        assert isinstance(app.screen, ProblemsScreen)
        assert "torn last line" in app.screen.problems[0].message
        await pilot.press("escape")
        await goto(pilot, "l1")
        await pilot.press("plus")  # a new line never glues onto the torn one
        await settle(pilot)
        lines = journal.read_bytes().split(b"\n")
        assert json.loads(lines[1])["value"] == "good"


async def test_feedback_panel_table_keys(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l3")
        await pilot.press("plus", "c")
        await poll(pilot, lambda: isinstance(app.screen, FeedbackEditor))
        await type_text(pilot, "hi")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await focus_panel(pilot)
        table = panel_of(app).table
        assert isinstance(table, DataTable) and panel_of(app).row_count == 3
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1


async def test_a_saved_rating_changed_while_the_journal_fails(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    folder = tmp_path / "reviews"
    journal = folder / "feedback.jsonl"
    app = HltuiApp(data, user=USER, feedback_file=journal, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        app.action_tab("feedback")
        await pilot.press("plus")
        await settle(pilot)
        assert len(journal_lines(journal)) == 1
        folder.rename(tmp_path / "reviews-moved")  # the disk is gone: writes fail now
        folder.write_text("not a folder")
        await pilot.press("minus")
        await settle(pilot)
        assert panel_values(app) == [("rating", "bad", "pending")]  # in place, not a second
        assert status_of(app).pending == 1
        await pilot.press("plus")  # back to what is saved: nothing left to write
        await settle(pilot)
        assert panel_values(app) == [("rating", "good", "journal")]
        assert status_of(app).pending == 0
        await pilot.press("3")
        await settle(pilot)
        assert panel_values(app) == [("rating", 3, "pending")]
        app.action_retry_feedback(tmp_path / "new.jsonl")
        await settle(pilot)
        lines = journal_lines(tmp_path / "new.jsonl")
        assert [(line["edit"], line["value"]) for line in lines] == [("add", "good"), ("change", 3)]
        assert len({line["id"] for line in lines}) == 1
        assert panel_values(app) == [("rating", 3, "journal")]


async def test_quick_keys_work_from_the_transcript(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l2")
        await pilot.press("enter")  # a leaf: focus moves to the transcript
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "transcript-view"
        await pilot.press("plus")
        await settle(pilot)
        editor = await open_editor(pilot, "c")
        await type_text(pilot, "ok")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert editor is not app.screen
        assert [(line["type"], line["value"]) for line in journal_lines(journal)] == [
            ("rating", "good"),
            ("comment", "ok"),
        ]


async def test_panel_enter_on_a_comment_edits_its_text(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    journal = journal_path(data)
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "l1")
        await open_editor(pilot, "c")
        await type_text(pilot, "first\nsecond")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await focus_panel(pilot)
        editor = await open_editor(pilot, "enter")
        area = editor_text(editor)
        assert editor.current_kind == "comment" and area.text == "first\nsecond"
        assert area.cursor_location == (1, 6)  # at the end: ready to add to it
        await type_text(pilot, " more")
        await pilot.press("ctrl+s")
        await settle(pilot)
        first, second = journal_lines(journal)
        assert second["edit"] == "change" and second["id"] == first["id"]
        assert second["value"] == "first\nsecond more"
        assert panel_values(app) == [("comment", "first\nsecond more", "journal")]


async def test_the_editor_names_the_log_literally(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", [make_log("[bold]x[/bold]"), make_log("plain")])
    app = HltuiApp(data, user=USER)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await goto(pilot, "[bold]x[/bold]")
        await open_editor(pilot, "c")
        await pilot.pause()
        assert "Add feedback · [bold]x[/bold]" in screen_text(app)
        await type_text(pilot, "ok")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert journal_lines(journal_path(data))[0]["data_id"] == "[bold]x[/bold]"


async def test_save_as_from_the_palette_and_its_mistakes(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    app = HltuiApp(data, user=USER, feedback_file=unwritable(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await rate_l1_good(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Retry saving feedback" in commands
        save_as = commands["Save feedback to another file"]

        async def prompt(answer: str | None) -> None:
            save_as.callback()
            await poll(pilot, lambda: isinstance(app.screen, PathPrompt))
            await pilot.pause()
            if answer is None:
                await pilot.press("escape")
            else:
                app.screen.query_one(Input).value = answer
                await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, PathPrompt)

        await prompt(None)  # cancelled: still pending
        assert status_of(app).pending == 1
        await prompt(str(tmp_path))  # a folder, not a file
        assert status_of(app).pending == 1
        assert any("is a folder" in message for message in messages_of(app))
        await prompt(str(tmp_path / "file" / "again.jsonl"))  # under a file again
        assert status_of(app).pending == 1
        assert any("Still cannot save" in message for message in messages_of(app))
        await prompt(str(tmp_path / "ok.jsonl"))
        assert status_of(app).pending == 0
        assert [line["value"] for line in journal_lines(tmp_path / "ok.jsonl")] == ["good"]
