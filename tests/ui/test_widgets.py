"""Pilot tests of the reusable widgets: transcript, details, raw, feedback, session overview."""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
import pytest
from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Button, Static, TextArea

import hltui.ui.widgets.details as details_module
import hltui.ui.widgets.status_bar as status_bar_module
import hltui.ui.widgets.transcript as transcript_module
from hltui.model.records import Feedback, LogResponse
from hltui.model.sessions import Session, build_forest
from hltui.model.summary import Preview, decode_preview, decode_summary
from hltui.ui.widgets.details import RULE, Details
from hltui.ui.widgets.feedback_panel import FeedbackPanel
from hltui.ui.widgets.raw_view import LINE_COUNT_LIMIT, RawView, pretty_raw
from hltui.ui.widgets.render import (
    KEY_MAX_WIDTH,
    IndentedText,
    fmt_clock,
    fmt_seconds,
    json_text,
    plain,
    safe,
)
from hltui.ui.widgets.session_overview import (
    COLUMNS,
    MAX_ROWS,
    PREVIEW_WIDTH,
    WIDE_PREVIEW,
    SessionOverview,
    timeline_layout,
    timeline_row,
)
from hltui.ui.widgets.session_tree import MAX_INDENT, format_clock, format_duration, indent_of
from hltui.ui.widgets.transcript import FIRST_BLOCKS, ShownBlock, Transcript

SIZE = (220, 120)

# Each of these must show literally, never restyle anything, never crash.
NASTY = (
    "<s>[INST] hi [/INST] [link=https://x]click[/link] [bold] [/bold] arr[0] = x[i] "
    "[ \x1b[31mred\x1b[0m \x07"
)
# What must be on screen for NASTY (tokens without spaces, so wrapping cannot split them).
LITERALS = (
    "<s>[INST]",
    "[/INST]",
    "[link=https://x]click[/link]",
    "[bold]",
    "[/bold]",
    "arr[0]",
    "x[i]",
    "␛[31mred␛[0m",
    "␇",
)


def screen_text(app: App[Any]) -> str:
    """The characters on the screen, as a terminal would show them."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def screen_links(app: App[Any]) -> list[str]:
    """Hyperlinks present anywhere on the screen."""
    links = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is not None and segment.style.link:
                links.append(segment.style.link)
    return links


def assert_literal(text: str) -> None:
    for literal in LITERALS:
        assert literal in text, f"{literal!r} not shown literally"
    assert "\x1b" not in text and "\x07" not in text


def assert_safe_screen(app: App[Any]) -> None:
    assert_literal(screen_text(app))
    assert not screen_links(app)


class Host(App[None]):
    """A tiny app hosting one widget; keeps the messages the widgets post."""

    def __init__(self, widget_type: type) -> None:
        super().__init__()
        self.widget_type = widget_type
        self.posted: list[Any] = []

    def on_feedback_panel_selected(self, message: FeedbackPanel.Selected) -> None:
        self.posted.append(message)

    def on_session_overview_log_selected(self, message: SessionOverview.LogSelected) -> None:
        self.posted.append(message)

    def compose(self) -> ComposeResult:
        yield self.widget_type(id="under-test")


def log(**fields: Any) -> LogResponse:
    data: dict[str, Any] = {
        "id": "data_1",
        "config": {"id": "config_1", "type": "model", "model": "gpt-4"},
        "created_at": "2024-03-01T12:00:07.123456+00:00",
    }
    data.update(fields)
    return LogResponse.from_dict(data)


TOOL_LOG = log(
    messages=[
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_123",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris","days":2}'},
                },
                {
                    "id": "call_456",
                    "type": "function",
                    "function": {"name": "broken_args", "arguments": "{not json"},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_123", "content": "sunny, 21C"},
        {"role": "tool", "tool_call_id": "call_456", "content": "bad request"},
        {
            "role": "assistant",
            "content": "Let me check the time.",
            "tool_call": {"name": "get_time", "arguments": {"tz": "Europe/Paris"}},
        },
        {"role": "function", "name": "get_time", "content": "14:02"},
        {"role": "critic", "content": "odd role"},
    ],
    output="It is sunny in Paris.",
    error="rate limited",
    finish_reason="stop",
)


# --- render helpers ---------------------------------------------------------------------


def test_safe_keeps_newlines_and_tabs_and_shows_controls() -> None:
    assert safe("a\tb\nc") == "a\tb\nc"
    assert safe("x\r\ny") == "x\ny"
    assert safe("\x1b[31mred\x1b[0m\x07\r\x00") == "␛[31mred␛[0m␇␍␀"
    assert safe("\x9b31m \u202eevil") == "\\x9b31m \\u202eevil"


def test_time_and_duration_formats() -> None:
    assert fmt_clock(0.0125) == "00:00:00.012"
    assert fmt_clock(float("nan")) == "--:--:--.---"
    assert fmt_seconds(0.25) == "250 ms"
    assert fmt_seconds(4) == "4.00 s"
    assert fmt_seconds(125) == "2 m 05 s"
    assert fmt_seconds(None) == "-"


async def test_literal_check_catches_markup() -> None:
    """The screen check used below fails when text is (wrongly) parsed as markup."""

    class Bad(App[None]):
        def compose(self) -> ComposeResult:
            # (Unquoted, Textual's markup parser raises on `[link=https://x]`: a crash.)
            yield Static("[link='https://x']click[/link] [bold]b[/bold]")

    app = Bad()
    async with app.run_test(size=SIZE):
        text = screen_text(app)
        assert "click" in text
        assert "[link='https://x']click[/link]" not in text
        assert "[bold]" not in text
        assert screen_links(app) == ["https://x"]


# --- transcript -------------------------------------------------------------------------


def shown_messages(transcript: Transcript) -> list[ShownBlock]:
    """The message blocks on display (blocks are kept hidden between logs for reuse)."""
    return [b for b in transcript.shown_blocks if not b.spec.is_note]


async def test_transcript_blocks_and_roles() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        blocks = shown_messages(transcript)
        assert len(blocks) == transcript.message_count == 10
        assert [b.role_class for b in blocks] == [
            "-role-system",
            "-role-user",
            "-role-assistant",
            "-role-tool",
            "-role-tool",
            "-role-assistant",
            "-role-tool",
            "-role-other",
            "-role-assistant",
            "-role-other",
        ]
        assert blocks[8].has_class("-output")
        assert blocks[9].has_class("-error")
        assert "It is sunny in Paris." in blocks[8].text
        assert "rate limited" in blocks[9].text
        assert blocks[8].subtitle and "finish_reason: stop" in blocks[8].subtitle
        assert blocks[7].header.plain == "critic"
        text = screen_text(app)
        assert "It is sunny in Paris." in text
        assert "rate limited" in text


async def test_transcript_tool_calls_and_results() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        blocks = transcript.blocks
        call_text = blocks[2].text
        assert "get_weather (call_123)" in call_text
        assert '{\n  "city": "Paris",\n  "days": 2\n}' in call_text
        assert "broken_args (call_456)" in call_text
        assert "{not json" in call_text  # invalid JSON shown as is
        legacy = blocks[5].text
        assert "Let me check the time." in legacy
        assert "get_time" in legacy
        assert '"tz": "Europe/Paris"' in legacy
        # Results are attached to their calls: by id, and by name for old-style results.
        assert blocks[3].header.plain == "tool result for get_weather (call_123)"
        assert blocks[3].has_class("-attached")
        assert blocks[4].header.plain == "tool result for broken_args (call_456)"
        assert blocks[6].header.plain == "function result for get_time"
        assert blocks[6].has_class("-attached")
        screen = screen_text(app)
        assert "tool result for get_weather (call_123)" in screen
        assert '"city": "Paris"' in screen


async def test_transcript_unmatched_tool_result_is_not_attached() -> None:
    record = log(messages=[{"role": "tool", "tool_call_id": "call_x", "content": "?"}])
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(record)
        await pilot.pause()
        block = transcript.blocks[0]
        assert block.header.plain == "tool result (call_x)"
        assert not block.has_class("-attached")


async def test_transcript_keys_move_between_messages_and_copy() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        assert transcript.current_text() is None
        transcript.focus()
        await pilot.press("j")
        assert transcript.chosen_message == 0
        assert transcript.current_text() == "You are a weather bot."
        await pilot.press("j", "down")
        assert transcript.chosen_message == 2
        await pilot.press("k")
        assert transcript.chosen_message == 1
        assert transcript.current_text() == "Weather in Paris?"
        await pilot.press("up", "k")  # stays on the first block
        assert transcript.chosen_message == 0
        await pilot.press("G")
        assert transcript.chosen_message == len(transcript.blocks) - 1
        assert transcript.current_text() == "rate limited"
        await pilot.press("g", "j", "j")
        copied = transcript.current_text()
        assert copied is not None
        assert "→ call get_weather (call_123)" in copied and '"days": 2' in copied


async def test_transcript_keys_pressed_together_each_move() -> None:
    """Keys handled before focus has moved (pressed together, or held while the app is
    busy) each move one message on (two in a burst moved one)."""
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        transcript.focus_message(0)
        await pilot.pause()
        for _ in range(3):
            transcript.action_next_message()
        await pilot.pause()
        assert transcript.chosen_message == 3
        transcript.action_previous_message()
        transcript.action_previous_message()
        await pilot.pause()
        assert transcript.chosen_message == 1


async def test_transcript_j_after_paging_goes_on_from_the_messages_on_screen() -> None:
    """`j` after `pagedown` chooses the first message starting on screen, `k` the top
    one (they went back to the message paged away from; `k` then chose the lowest one,
    which scrolled the view on); inside a message on screen they step as before."""
    messages = [{"role": "user", "content": f"message {n}\n" + "line\n" * 6} for n in range(40)]
    app = Host(Transcript)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(log(messages=messages))
        while transcript.mounting_more:
            await pilot.pause()
        transcript.focus_message(0)
        await pilot.pause()
        await pilot.press("pagedown", "pagedown")
        top = transcript.scroll_y
        assert top > 0
        await pilot.press("j")
        first = transcript.chosen_message
        assert first is not None and first > 1
        assert transcript.message_lines(first)[0] >= top  # on the screen paged to
        assert transcript.scroll_y >= top
        await pilot.press("j")
        assert transcript.chosen_message == first + 1
        await pilot.press("k", "k")
        assert transcript.chosen_message == first - 1
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        top = transcript.scroll_y
        await pilot.press("k")  # the top message on screen: the view does not go on
        assert transcript.chosen_message is not None and transcript.scroll_y <= top


async def test_transcript_tab_leaves_the_messages() -> None:
    """Tab moves to the next pane instead of walking through every message block."""

    class Panes(App[None]):
        def compose(self) -> ComposeResult:
            yield Button("before", id="before")
            yield Transcript()
            yield Button("after", id="after")

    app = Panes()
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        transcript.focus_message(4)
        await pilot.press("tab")
        assert app.focused is app.query_one("#after")
        transcript.focus_message(4)
        await pilot.press("shift+tab")
        assert app.focused is app.query_one("#before")
        await pilot.press("tab")  # back to the last message focused in this log
        await pilot.pause()
        assert transcript.chosen_message == 4
        await pilot.press("j")
        assert transcript.chosen_message == 5


TALL_LOG = log(
    messages=[
        {"role": "user", "content": "a table please"},
        {"role": "assistant", "content": "\n\n".join(f"row {n}," for n in range(300))},
        {"role": "user", "content": "thanks"},
    ]
)


class TranscriptAndButton(App[None]):
    """A transcript, and a button to take focus elsewhere."""

    def compose(self) -> ComposeResult:
        yield Transcript()
        yield Button("elsewhere")


async def read_inside_the_tall_message(pilot: Any, transcript: Transcript) -> int:
    """Show TALL_LOG, choose its tall message and scroll 150 lines into it; its top."""
    await transcript.show_log(TALL_LOG)
    transcript.focus_message(1)
    await pilot.pause()
    top, _ = transcript.message_lines(1)
    assert transcript.scroll_y == top  # a tall message: its top first
    transcript.scroll_to(y=top + 150, animate=False, immediate=True)
    return top


def line_backgrounds(transcript: Transcript, index: int) -> set[object]:
    """The backgrounds of the lines message `index` is drawn with (scrolled into view)."""
    top, bottom = transcript.message_lines(index)
    transcript.scroll_to(y=top, animate=False, immediate=True)
    first = top - int(transcript.scroll_y)
    rows = range(first, first + bottom - top)
    return {seg.style.bgcolor for y in rows for seg in transcript.render_line(y) if seg.style}


async def test_transcript_chosen_message_is_highlighted_while_it_has_focus() -> None:
    app = TranscriptAndButton()
    async with app.run_test(size=(100, 60)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        plain_look = line_backgrounds(transcript, 1)
        transcript.focus_message(1)
        await pilot.pause()
        chosen_look = line_backgrounds(transcript, 1)
        assert chosen_look != plain_look  # a background of its own, border included
        top, bottom = transcript.message_lines(1)
        first = top - int(transcript.scroll_y)
        marks = [transcript.render_line(y).text[0] for y in range(first, first + bottom - top)]
        assert marks == ["▌"] * (bottom - top)  # a bar beside each of its lines
        assert transcript.render_line(first + bottom - top).text[0] == " "  # its margin
        assert line_backgrounds(transcript, 2) == plain_look
        app.query_one(Button).focus()
        await pilot.pause()
        assert line_backgrounds(transcript, 1) == plain_look
        assert transcript.current_index() == 1  # still the message y would copy
        transcript.focus()
        await pilot.pause()
        assert line_backgrounds(transcript, 1) == chosen_look


async def test_transcript_click_on_a_message_chooses_it() -> None:
    app = Host(Transcript)
    async with app.run_test(size=(100, 60)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        top, _ = transcript.message_lines(2)
        await pilot.click(Transcript, offset=(10, top + 1))
        await pilot.pause()
        assert app.focused is transcript and transcript.chosen_message == 2
        assert "get_weather" in (transcript.current_text() or "")
        await pilot.click(Transcript, offset=(10, top - 1))  # the margin above it
        await pilot.pause()
        assert transcript.chosen_message == 2


async def test_transcript_keeps_the_reading_place_inside_a_tall_message() -> None:
    """Inside a message taller than the view, leaving and coming back (tab), a resize
    and the Markdown toggle keep the place read (they went back to its top)."""

    app = TranscriptAndButton()
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        top = await read_inside_the_tall_message(pilot, transcript)
        await pilot.pause()
        app.query_one(Button).focus()
        await pilot.pause()
        transcript.focus()
        await pilot.pause()
        assert transcript.scroll_y == top + 150 and transcript.chosen_message == 1
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        shown = [transcript.render_line(y).text for y in range(3)]
        assert any(f"row {n}," in line for n in (73, 74, 75, 76) for line in shown), shown
        row_before = transcript.message_lines(1)[0] - transcript.scroll_y
        await transcript.set_markdown(True)
        await pilot.pause()
        assert transcript.message_lines(1)[0] - transcript.scroll_y == row_before
        assert transcript.chosen_message == 1


async def test_transcript_search_shows_the_line_of_the_hit() -> None:
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TALL_LOG)
        await pilot.pause()
        assert transcript.highlight("ROW 250,") == 1
        await pilot.pause()
        shown = [transcript.render_line(y).text for y in range(36)]
        assert any("row 250," in line for line in shown)
        assert transcript.highlight("a table") == 1  # near its block's top: the top
        await pilot.pause()
        assert transcript.scroll_y == transcript.message_lines(0)[0]


async def test_transcript_search_finds_text_in_markdown_bodies() -> None:
    """A Markdown body cannot be marked, but a hit in it is found and scrolled to."""
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TALL_LOG, markdown=True)
        await pilot.pause()
        assert transcript.highlight("ROW 250,") == 1
        await pilot.pause()
        assert any("row 250," in transcript.render_line(y).text for y in range(36))


async def test_transcript_markdown_toggled_from_elsewhere_keeps_the_place() -> None:
    app = TranscriptAndButton()
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await read_inside_the_tall_message(pilot, transcript)
        app.query_one(Button).focus()
        await pilot.pause()
        await transcript.set_markdown(True)
        await pilot.pause()
        assert isinstance(app.focused, Button)  # focus stays where it was
        assert transcript.current_index() == 1
        assert any("row 75," in transcript.render_line(y).text for y in range(3))


def count_layouts(app: App[Any], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """A list that gets an entry for each layout of the app's screen from now on."""
    layouts: list[object] = []
    original = type(app.screen)._refresh_layout

    def counting(screen: Any, *args: Any, **kwargs: Any) -> None:
        layouts.append(args)
        original(screen, *args, **kwargs)

    monkeypatch.setattr(type(app.screen), "_refresh_layout", counting)
    return layouts


async def test_opening_a_long_log_after_a_short_one_lays_out_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transcript draws its blocks itself and its scroll bar never comes and goes,
    so a log opened changes nothing else on the screen (a layout of the whole screen
    was most of the time of each log opened)."""
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(log(messages=[{"role": "user", "content": "short"}]))
        await pilot.pause()
        layouts = count_layouts(app, monkeypatch)
        await transcript.show_log(TOOL_LOG)
        while transcript.mounting_more:
            await pilot.pause()
        await pilot.pause()
        assert "Weather in Paris?" in screen_text(app)
        assert transcript.vertical_scrollbar.window_virtual_size == transcript.virtual_size.height
        assert layouts == []


async def test_transcript_markdown_toggle_keeps_position() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        transcript.focus_message(5)
        await pilot.pause()
        await transcript.set_markdown(True)
        await pilot.pause()
        assert transcript.chosen_message == 5
        assert transcript.current_text() is not None
        assert "Let me check the time." in transcript.current_text()


async def test_transcript_new_log_resets_position() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        transcript.focus_message(3)
        await pilot.pause()
        other = log(id="data_2", messages=[{"role": "user", "content": "second"}])
        await transcript.show_log(other)
        await pilot.pause()
        assert transcript.message_count == 1
        assert transcript.current_text() is None
        assert len(shown_messages(transcript)) == 1


async def test_transcript_rapid_switching_ends_on_last_log() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        for _ in range(15):
            transcript.show_log(TOOL_LOG)
        transcript.show_log(log(messages=[{"role": "user", "content": "last"}], output=None))
        await pilot.pause()
        await pilot.pause()
        blocks = shown_messages(transcript)
        assert len(blocks) == 1
        assert blocks[0].text == "last"


async def test_transcript_huge_message_is_capped_and_responsive() -> None:
    big = "word " * 20_000 + "THE END"  # 100,007 characters
    record = log(messages=[{"role": "user", "content": big}, {"role": "user", "content": "b"}])
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(record)
        await pilot.pause()
        block = transcript.blocks[0]
        shown = block.text
        assert len(shown) < 21_000
        assert "THE END" not in shown
        assert "… 80,007 more characters — press o to open the whole log" in shown
        assert block.subtitle and "100,007 chars" in block.subtitle
        transcript.focus()
        await pilot.press("j", "j")
        assert transcript.chosen_message == 1
        await pilot.press("k")
        assert transcript.current_text() == big  # copying gives the whole message


async def test_transcript_many_messages_stay_bounded() -> None:
    messages = [{"role": "user", "content": "m" * 5_000} for _ in range(700)]
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(log(messages=messages, output=None))
        assert transcript.mounting_more  # the first screenful first, the rest in steps
        assert len(shown_messages(transcript)) == 2  # each fills the screen: one, one more
        while transcript.mounting_more:
            await pilot.pause()
        assert transcript.message_count == len(shown_messages(transcript)) == 500
        notes = [b.text for b in transcript.shown_blocks if b.spec.is_note]
        assert any("200 more messages" in n for n in notes)


async def test_a_long_log_gives_first_the_blocks_that_fill_the_screen() -> None:
    """Messages that fill the screen are given at once, and one more; short ones up to
    FIRST_BLOCKS; the rest come in later steps."""
    long_lines = "\n".join(f"line {n}" for n in range(60))
    long = log(messages=[{"role": "user", "content": long_lines} for _ in range(30)])
    short = log(id="data_2", messages=[{"role": "user", "content": "hi"} for _ in range(30)])
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)

        async def shown_at_once(record: Any) -> int:
            """Blocks given by `show_log` itself, before any later step can run (the
            blocks exist already: a log as long was shown before)."""
            waiting = transcript.show_log(record)
            count = len(shown_messages(transcript))
            await waiting
            while transcript.mounting_more:
                await pilot.pause()
            return count

        await shown_at_once(short)  # makes the blocks
        assert await shown_at_once(long) == 2
        assert await shown_at_once(short) == FIRST_BLOCKS
        assert len(shown_messages(transcript)) == 30


async def test_a_long_logs_later_messages_are_rendered_only_when_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building the blocks of a log renders no tool call; showing it renders those of
    the blocks given, and the later steps the rest, each once."""
    rendered: list[str] = []
    render_call = transcript_module._call_renderables

    def counting(call: Any, limit: int) -> Any:
        rendered.append(call.id)
        return render_call(call, limit)

    monkeypatch.setattr(transcript_module, "_call_renderables", counting)
    messages = [
        {
            "role": "assistant",
            "content": f"step {n}",
            "tool_calls": [
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": orjson.dumps({"n": n}).decode()},
                }
            ],
        }
        for n in range(40)
    ]
    record = log(messages=messages)
    specs = transcript_module.build_blocks(record)
    assert len(specs) == 40 and rendered == []
    assert "call_3" in specs[3].full_text and rendered == ["call_3"]
    assert specs[3].body is specs[3].body  # made once
    assert rendered == ["call_3"]
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        waiting = transcript.show_log(record)
        assert 0 < len(rendered) <= FIRST_BLOCKS + 1
        await waiting
        while transcript.mounting_more:
            await pilot.pause()
        assert sorted(rendered[1:]) == sorted({f"call_{n}" for n in range(40)})
        assert "lookup (call_39)" in transcript.blocks[39].body.plain


async def test_transcript_shows_nothing_of_the_last_log() -> None:
    """Opening a log after another shows only its own blocks: role, attachment, title,
    subtitle and lines are its own (the attached tool result of the last log is gone)."""
    short = log(id="data_2", messages=[{"role": "user", "content": "only one"}], output=None)
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(TOOL_LOG)
        await pilot.pause()
        assert transcript.blocks[3].has_class("-role-tool", "-attached")
        await transcript.show_log(short)
        await pilot.pause()
        [first] = transcript.shown_blocks
        assert first.role_class == "-role-user" and not first.has_class("-attached")
        assert first.header.plain == "user" and first.text == "only one"
        assert first.subtitle is None
        assert transcript.virtual_size.height == 4  # its border, one line, its margin
        assert "only one" in screen_text(app)
        assert "Weather in Paris?" not in screen_text(app)
        assert "tool result" not in screen_text(app)


async def test_transcript_marks_search_hits_in_blocks_shown_later() -> None:
    messages = [{"role": "user", "content": f"message {n}"} for n in range(60)]
    messages[50]["content"] = "the Needle is here"
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(log(messages=messages, output=None))
        assert transcript.mounting_more
        assert transcript.highlight("needle") == 1
        while transcript.mounting_more:
            await pilot.pause()
        marked = transcript.blocks[50].content
        assert isinstance(marked, Text)
        assert [marked.plain[s.start : s.end] for s in marked.spans] == ["Needle"]
        assert transcript.highlight("") == 0
        assert not transcript.blocks[50].content.spans


async def test_transcript_after_a_long_log_scrolls_only_over_the_next() -> None:
    messages = [{"role": "user", "content": f"m{n}"} for n in range(300)]
    app = Host(Transcript)
    async with app.run_test(size=(100, 40)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(log(messages=messages, output=None))
        assert len(transcript.blocks) == 300  # every block given its message now
        await pilot.pause()
        assert transcript.virtual_size.height == 300 * 4
        transcript.focus_message(299)
        await pilot.pause()
        assert transcript.scroll_y > 1000
        await transcript.show_log(log(messages=messages[:2], output=None))
        await pilot.pause()
        assert transcript.virtual_size.height == 2 * 4 and transcript.scroll_y == 0
        assert [b.header.plain for b in shown_messages(transcript)] == ["user", "user"]
        assert screen_text(app).count("m0") == 1


async def test_transcript_markdown_toggle() -> None:
    record = log(messages=[{"role": "user", "content": "# Title\n\n**bold** " + NASTY}])
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(record)
        await pilot.pause()
        assert "**bold**" in screen_text(app)
        await transcript.set_markdown(True)
        await pilot.pause()
        assert transcript.markdown
        text = screen_text(app)
        assert "Title" in text and "**bold**" not in text
        assert "[link=https://x]click[/link]" in text
        assert "[INST]" in text and "[/bold]" in text
        assert not screen_links(app)
        await transcript.set_markdown(False)
        await pilot.pause()
        assert "**bold**" in screen_text(app)


async def test_transcript_failure_shows_reason_and_raw_text() -> None:
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_failure(b'{"id": "data_9", "config": [1', "truncated JSON")
        await pilot.pause()
        blocks = transcript.blocks
        assert blocks[0].has_class("-error")
        assert "truncated JSON" in blocks[0].text
        assert blocks[1].has_class("-raw")
        assert '{"id": "data_9", "config": [1' in screen_text(app)
        await transcript.clear()
        await pilot.pause()
        assert transcript.message_count == 0
        assert "Select a log" in screen_text(app)


async def test_transcript_markup_safety() -> None:
    record = log(
        messages=[
            {"role": "system", "content": NASTY, "name": "[bold]sys[/bold]"},
            {"role": "user", "content": [{"type": "text", "text": NASTY}]},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_[1]",
                        "type": "function",
                        "function": {"name": "[/bold]", "arguments": orjson.dumps({"q": NASTY})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_[1]", "content": NASTY},
            {"role": "[/INST]", "content": "x"},
        ],
        output=NASTY,
        error=NASTY,
    )
    app = Host(Transcript)
    async with app.run_test(size=SIZE) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(record)
        await pilot.pause()
        for block in transcript.blocks[:2] + transcript.blocks[3:4] + transcript.blocks[5:]:
            assert_literal(block.text)
        assert_safe_screen(app)
        headers = [b.header.plain for b in transcript.blocks]
        assert headers[0] == "system · [bold]sys[/bold]"
        assert headers[3] == "tool result for [/bold] (call_[1])"
        assert headers[4] == "[/INST]"
        screen = screen_text(app)
        assert "system · [bold]sys[/bold]" in screen
        assert "tool result for [/bold] (call_[1])" in screen


# --- details ----------------------------------------------------------------------------


def details_text(details: Details) -> str:
    return "\n".join(f"{title}\n{plain(body, width=160)}" for title, body in details.sections)


MODEL_CONFIG = {
    "id": "config_m",
    "type": "model",
    "model": "gpt-4o",
    "name": "support-bot",
    "provider": "openai",
    "endpoint": "chat",
    "temperature": 0.2,
    "max_tokens": -1,
    "top_p": 1,
    "stop": ["\n\n", "END"],
    "presence_penalty": 0.5,
    "frequency_penalty": 0.25,
    "other": {"seed_hint": 7},
    "seed": 42,
    "prompt_template": "Answer {{question}}",
    "chat_template": [
        {"role": "system", "content": "You answer about {{topic}}."},
        {"role": "user", "content": "{{question}}"},
    ],
    "tool_configs": [
        {
            "id": "config_t",
            "type": "tool",
            "name": "lookup",
            "description": "Look a thing up",
            "parameters": {"type": "object", "properties": {"term": {"type": "string"}}},
        }
    ],
}


async def test_details_model_config_and_sections() -> None:
    record = log(
        config=MODEL_CONFIG,
        project="support",
        project_id="pr_1",
        session_id="sesh_1",
        session_reference_id="sref_1",
        parent_id="data_0",
        parent_reference_id="pref_0",
        reference_id="ref_1",
        trial_id="trial_1",
        inputs={"question": "Why?", "nested": {"a": [1, 2]}},
        metadata={"env": "prod"},
        duration=1.5,
        provider_latency=0.75,
        finish_reason="length",
        user="ana@example.com",
        source="api",
        provider_response={"usage": {"prompt_tokens": 11, "completion_tokens": 22}},
        model_config={
            "project_id": "pr_1",
            "project_name": "support",
            "created_at": "2024-01-01T00:00:00Z",
            "config": {"id": "config_g", "type": "generic", "name": "proj-generic"},
        },
        evaluation_results=[{"score": 1}],
        observability_status="complete",
    )
    app = Host(Details)
    async with app.run_test(size=SIZE) as pilot:
        details = app.query_one(Details)
        await details.show_log(record, place="logs/a.jsonl:12")
        await pilot.pause()
        titles = [title for title, _ in details.sections]
        assert titles[0] == "Location"
        assert titles[1] == "Config · model · gpt-4o"
        for title in ("model_config", "Inputs", "Metadata", "IDs", "Timing", "Result"):
            assert title in titles
        assert "Token usage" in titles and titles[-1] == "Other keys"
        text = details_text(details)
        for expected in (
            "logs/a.jsonl:12",
            "gpt-4o",
            "openai",
            "chat",
            "0.2",
            "-1",
            "presence_penalty",
            "0.5",
            "frequency_penalty",
            "0.25",
            '"END"',
            "seed_hint",
            "seed (unknown key)",
            "Answer {{question}}",
            "You answer about {{topic}}.",
            "tool: lookup",
            "Look a thing up",
            '"term": {',
            "proj-generic",
            "project_name",
            "Why?",
            '"a": [',
            "prod",
            "sesh_1",
            "sref_1",
            "data_0",
            "pref_0",
            "ref_1",
            "trial_1",
            "pr_1",
            "2024-03-01T12:00:07.123456+00:00",
            "2024-03-01 12:00:07.123456 UTC",
            "1.50 s",
            "750 ms",
            "length",
            "ana@example.com",
            "prompt_tokens",
            "22",
            "evaluation_results",
            '"score": 1',
            "observability_status",
            "complete",
        ):
            assert expected in text, expected
        screen = screen_text(app)
        assert "Config · model · gpt-4o" in screen
        assert "logs/a.jsonl:12" in screen


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {
                "id": "config_t",
                "type": "tool",
                "name": "calculator",
                "description": "Adds numbers",
                "parameters": {"type": "object", "required": ["a"]},
                "source": "def add(a, b): return a + b",
                "signature": "add(a, b)",
                "is_preset": True,
                "preset_name": "calc",
            },
            [
                "Config · tool · calculator",
                "Adds numbers",
                '"required": [',
                "def add(a, b)",
                "add(a, b)",
                "true",
                "calc",
            ],
        ),
        (
            {
                "id": "config_g",
                "type": "generic",
                "name": "retriever",
                "description": "Vector search",
                "other": {"k": 5},
            },
            ["Config · generic · retriever", "Vector search", '"k": 5'],
        ),
        (
            {
                "id": "config_a",
                "type": "agent",
                "name": "planner",
                "agent_class": "ReActAgent",
                "model_config": {"type": "model", "model": "claude-3", "temperature": 0.7},
                "tools": [{"type": "tool", "name": "search", "description": "web search"}],
            },
            [
                "Config · agent · planner",
                "ReActAgent",
                "claude-3",
                "0.7",
                "tool: search",
                "web search",
            ],
        ),
        (
            {"id": "config_e", "type": "evaluator", "name": "judge", "criteria": ["tone"]},
            ["Config · evaluator · judge", "evaluator", "judge", "criteria", '"tone"'],
        ),
    ],
)
async def test_details_config_kinds(config: dict[str, Any], expected: list[str]) -> None:
    app = Host(Details)
    async with app.run_test(size=SIZE) as pilot:
        details = app.query_one(Details)
        await details.show_log(log(config=config))
        await pilot.pause()
        text = details_text(details)
        for item in expected:
            assert item in text, item
        assert expected[0] in screen_text(app)


async def test_details_show_nothing_stale_and_lay_out_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pane draws its sections itself (no widget per section) and its scroll bar
    never comes and goes: showing another log lays out nothing on the screen."""
    rich = log(inputs={"city": "Paris"}, metadata={"team": "weather"}, weird_key="odd")
    app = Host(Details)
    async with app.run_test(size=(100, 20)) as pilot:
        details = app.query_one(Details)
        await details.show_log(rich, place="a.jsonl:3")
        await pilot.pause()
        assert not details.children
        many = details.virtual_size.height
        assert "Paris" in details.text and "a.jsonl:3" in screen_text(app)
        layouts = count_layouts(app, monkeypatch)
        await details.show_log(log(id="data_bare"))
        await pilot.pause()
        assert details.virtual_size.height < many
        assert "Paris" not in details.text and "Paris" not in screen_text(app)
        assert "a.jsonl:3" not in screen_text(app) and "data_bare" in screen_text(app)
        assert layouts == []
        await details.show_log(rich, place="a.jsonl:3")
        await pilot.pause()
        assert details.virtual_size.height == many and "Paris" in screen_text(app)
        await details.clear()
        await pilot.pause()
        assert details.sections == [] and "Select a log to see its details." in screen_text(app)
        assert "Paris" not in screen_text(app)


async def test_details_heading_rule_and_indent() -> None:
    """Each section is a blank line, its heading, a rule under it, then its body one
    cell further in; a narrower pane wraps the body again."""
    app = Host(Details)
    async with app.run_test(size=(60, 30)) as pilot:
        details = app.query_one(Details)
        await details.show_log(log(inputs={"question": "why " * 30}))
        await pilot.pause()
        lines = details.text.split("\n")
        at = lines.index(" Inputs")
        assert lines[at - 1] == "" and lines[at + 1].strip() == RULE * len(lines[at + 1].strip())
        assert lines[at + 2].startswith("  question")
        wide = len(lines)
        await pilot.resize_terminal(40, 30)
        await pilot.pause()
        assert len(details.text.split("\n")) > wide
        assert max(len(line) for line in details.text.split("\n")) <= 40


async def test_finished_lines_go_through_the_styles_cache_when_a_style_needs_it() -> None:
    """A view drawing finished lines gives them to the screen as they are, unless a
    style (padding here) needs Textual's styles cache, which then applies it."""
    app = Host(Details)
    async with app.run_test(size=(60, 20)) as pilot:
        details = app.query_one(Details)
        await details.show_log(log(inputs={"question": "why"}))
        await pilot.pause()
        assert details._lines_are_finished()
        before = next(line for line in screen_text(app).splitlines() if "Inputs" in line)
        details.styles.padding = (0, 0, 0, 4)
        await pilot.pause()
        assert not details._lines_are_finished()
        after = next(line for line in screen_text(app).splitlines() if "Inputs" in line)
        assert after.index("Inputs") == before.index("Inputs") + 4


async def test_details_keys_typed_together_move_from_the_top_or_bottom() -> None:
    """`g j` and `G k` arriving together end one line from the top and the bottom."""
    app = Host(Details)
    async with app.run_test(size=(60, 12)) as pilot:
        details = app.query_one(Details)
        await details.show_log(log(inputs={f"key{n}": n for n in range(40)}))
        await pilot.pause()
        details.focus()
        await pilot.pause()
        assert details.max_scroll_y > 10
        for keys, wanted in ((("G", "k"), details.max_scroll_y - 1), (("g", "j"), 1)):
            for key in keys:
                app.post_message(events.Key(key, key))
            await pilot.pause()
            await pilot.pause()
            assert details.scroll_y == wanted, keys


@pytest.mark.parametrize("view", [Transcript, Details])
async def test_a_new_theme_redraws_the_lines_in_its_colours(view: type) -> None:
    """The transcript and Details draw their lines with their styles' colours: a new
    theme draws them again with its own (they kept the old theme's colours)."""
    app = Host(view)
    async with app.run_test(size=(80, 20)) as pilot:
        widget = app.query_one(view)
        await widget.show_log(TOOL_LOG)
        await pilot.pause()
        name = "transcript--system" if view is Transcript else "details--heading"

        def coloured() -> set[str]:
            drawn = {
                segment.style.color.name
                for y in range(widget.size.height)
                for segment in widget.render_line(y)
                if segment.style and segment.style.color and segment.text.strip()
            }
            return drawn & {str(widget.get_component_styles(name).color.rich_color.name)}

        assert coloured()
        before = widget.get_component_styles(name).color
        app.theme = "catppuccin-latte"
        await pilot.pause()
        await pilot.pause()
        assert widget.get_component_styles(name).color != before
        assert coloured()


async def test_details_a_long_key_folds_and_leaves_the_values_their_room() -> None:
    """A key longer than the key column folds over lines instead of squeezing every value
    of its table into a few cells."""
    key = "the_customer_question_as_the_app_logged_it_before_any_rewrite"
    url = "https://example.com/orders/660231/status"
    app = Host(Details)
    async with app.run_test(size=(100, 30)) as pilot:
        details = app.query_one(Details)
        await details.show_log(log(inputs={key: "why", "link": url}))
        await pilot.pause()
        text = details.text
        assert url in text  # the value on one line
        assert key not in text and key[:KEY_MAX_WIDTH] in text  # the key folded
        assert max(len(line) for line in text.splitlines()) <= 100


async def test_details_big_values_are_capped() -> None:
    record = log(
        inputs={f"k{i}": "v" * 1_000 for i in range(300)},
        prompt_dump="z" * 200_000,
    )
    app = Host(Details)
    async with app.run_test(size=(100, 40)) as pilot:
        details = app.query_one(Details)
        await details.show_log(record)
        await pilot.pause()
        text = details_text(details)
        assert "200 more keys — see the Raw tab" in text
        assert "k99" in text and "k100 " not in text
        assert "… 180,000 more characters" in text
        assert len(text) < 400_000


async def test_details_markup_safety() -> None:
    record = log(
        config={"id": "c", "type": "generic", "name": NASTY, "description": NASTY},
        inputs={"q": NASTY, NASTY: 1},
        metadata={"m": [NASTY]},
        user=NASTY,
        source=NASTY,
        created_at=NASTY,
        weird_key=NASTY,
    )
    app = Host(Details)
    async with app.run_test(size=SIZE) as pilot:
        details = app.query_one(Details)
        await details.show_log(record, place="[bold]x.jsonl[/bold]:1")
        await pilot.pause()
        text = details_text(details)
        assert_literal(text)
        assert "[bold]x.jsonl[/bold]:1" in text
        assert_safe_screen(app)


# --- raw view ---------------------------------------------------------------------------


async def test_raw_view_pretty_json_in_stored_order() -> None:
    data = b'{"zeta": 1, "id": "data_1", "alpha": {"b": [1, 2], "a": null}}'
    assert pretty_raw(data) == (
        '{\n  "zeta": 1,\n  "id": "data_1",\n  "alpha": {\n    "b": [\n      1,\n'
        '      2\n    ],\n    "a": null\n  }\n}'
    )
    app = Host(RawView)
    async with app.run_test(size=SIZE) as pilot:
        raw = app.query_one(RawView)
        raw.show_raw(data)
        await pilot.pause()
        assert raw.text == pretty_raw(data)
        assert raw.read_only and not raw.soft_wrap
        assert '"zeta": 1,' in screen_text(app)


async def test_raw_view_shows_unparseable_text_as_is() -> None:
    data = b'{"id": "data_1", "output": "cut \x1b[31m'
    app = Host(RawView)
    async with app.run_test(size=SIZE) as pilot:
        raw = app.query_one(RawView)
        raw.show_raw(data)
        await pilot.pause()
        assert raw.text == '{"id": "data_1", "output": "cut ␛[31m'
        assert '"output": "cut ␛[31m' in screen_text(app)


async def focused_raw(pilot: Any, data: bytes) -> RawView:
    """The Raw view of the app under test, showing `data`, with focus."""
    raw = pilot.app.query_one(RawView)
    raw.show_raw(data)
    await pilot.pause()
    raw.focus()
    return raw


async def test_raw_view_huge_record_is_fast() -> None:
    data = orjson.dumps({"id": "data_1", "output": "x" * 2_000_000, "n": list(range(50_000))})
    app = Host(RawView)
    async with app.run_test(size=(100, 40)) as pilot:
        raw = await focused_raw(pilot, data)
        await pilot.press("down", "pagedown", "end")
        assert raw.document.line_count == LINE_COUNT_LIMIT + 1
        assert "… 30,006 more lines — press o to open the whole log" in raw.text
        assert "… 1,995,015 more characters on this line" in raw.text
        assert raw.full_text == pretty_raw(data)


async def test_raw_view_moves_its_cursor_without_walking_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Placing or moving the cursor looks for no matching bracket: ``TextArea`` walks the
    document from a ``{`` to its match, the whole record from its first character."""
    walked: list[object] = []
    original = TextArea._yield_character_locations

    def walking(area: TextArea, start: Any) -> Any:
        walked.append(start)
        return original(area, start)

    monkeypatch.setattr(TextArea, "_yield_character_locations", walking)
    data = orjson.dumps({"id": "data_1", "n": list(range(5_000))})
    app = Host(RawView)
    async with app.run_test(size=(100, 40)) as pilot:
        raw = await focused_raw(pilot, data)
        await pilot.press("down", "G", "g")
        await pilot.pause()
        assert raw.cursor_location == (0, 0) and raw.text.startswith("{")
        assert walked == []


async def test_raw_view_markup_safety() -> None:
    data = orjson.dumps({"id": "data_1", "output": NASTY, NASTY: [NASTY]})
    app = Host(RawView)
    async with app.run_test(size=SIZE) as pilot:
        raw = app.query_one(RawView)
        raw.show_raw(data)
        await pilot.pause()
        text = screen_text(app)
        for literal in LITERALS[:-2]:
            assert literal in text
        assert "\\u001b[31mred\\u001b[0m" in text and "\\u0007" in text
        assert "\x1b" not in text
        assert not screen_links(app)


# --- feedback panel ---------------------------------------------------------------------


def feedback(**fields: Any) -> Feedback:
    return Feedback.from_dict({"type": "rating", "value": "good", **fields})


async def test_feedback_panel_rows_and_empty_state() -> None:
    app = Host(FeedbackPanel)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(FeedbackPanel)
        await pilot.pause()
        assert "No feedback yet" in screen_text(app)
        assert panel.selected_index is None
        comment = "First line of the comment.\nSecond line. " + "long words " * 10
        panel.show_items(
            [
                (feedback(id="ann_1", user="ana", created_at="2024-03-01T12:00:00Z"), "log"),
                (feedback(type="comment", value=comment, id="ann_2"), "journal"),
                (feedback(type="score", value=4.5), "journal"),
            ]
        )
        await pilot.pause()
        table = panel.table
        assert table.row_count == panel.row_count == 3
        first = [cell.plain for cell in table.get_row_at(0)]
        assert first == ["rating", "good", "log", "ana", "2024-03-01 12:00", "ann_1"]
        assert table.get_row_at(2)[1].plain == "4.5"
        assert table.rows[table.coordinate_to_cell_key((1, 0)).row_key].height > 2
        text = screen_text(app)
        assert "No feedback yet" not in text
        assert "First line of the comment." in text and "Second line." in text
        assert "journal" in text
        table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert panel.selected_index == 1
        assert panel.selected_item is not None and panel.selected_item[0].id == "ann_2"
        assert [(m.index, m.source, m.item.id) for m in app.posted] == [(1, "journal", "ann_2")]
        panel.clear()
        await pilot.pause()
        assert "No feedback yet" in screen_text(app)


async def test_feedback_panel_markup_safety() -> None:
    app = Host(FeedbackPanel)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(FeedbackPanel)
        item = feedback(
            type="[bold]rating[/bold]",
            value=NASTY,
            user="[link=https://x]click[/link]",
            created_at="\x1b[31mred\x1b[0m",
            id="arr[0] = x[i]",
        )
        panel.show_items([(item, "[/INST]")])
        await pilot.pause()
        cells = [cell.plain for cell in panel.table.get_row_at(0)]
        assert all(isinstance(c, Text) for c in panel.table.get_row_at(0))
        assert_literal(cells[1])
        assert cells[0] == "[bold]rating[/bold]"
        assert cells[3] == "[link=https://x]click[/link]"
        assert cells[2] == "[/INST]"
        text = screen_text(app)
        for literal in ("[bold]rating[/bold]", "[link=https://x]click[/link]", "[/INST]"):
            assert literal in text
        assert "␛[31mred␛[0m" in text and "arr[0] = x[i]" in text
        assert "\x1b" not in text
        assert not screen_links(app)


# --- session overview -------------------------------------------------------------------


def make_session(logs: list[dict[str, Any]]) -> tuple[Session, dict[str, Preview]]:
    """One session of ``logs``, and the previews of its logs by id."""
    summaries = []
    previews = {}
    for seq, data in enumerate(logs):
        raw = orjson.dumps(data)
        summaries.append(decode_summary(raw, offset=seq * 1000, line=seq + 1))
        previews[data["id"]] = decode_preview(raw)
    forest = build_forest(summaries)
    assert len(forest.sessions) == 1
    return next(iter(forest.sessions.values())), previews


def session_log(index: int, **fields: Any) -> dict[str, Any]:
    data = {
        "id": f"data_{index}",
        "config": {"type": "model", "model": "gpt-4"},
        "project": "support",
        "session_id": "sesh_1",
        "created_at": f"2024-03-01T12:00:{index % 60:02d}.250Z",
        "duration": 0.5,
        "output": f"answer {index}",
        "messages": [{"role": "user", "content": f"question {index}"}],
    }
    data.update(fields)
    return data


async def test_session_overview_columns_fit_each_session_shown() -> None:
    """The timeline's columns are as wide as the session shown needs: a session with a
    long model name showed before does not push the preview off the pane."""
    wide, previews = make_session(
        [session_log(1, config={"type": "model", "model": "m" * 40 + "-long-model-name"})]
    )
    narrow, narrow_previews = make_session([session_log(2)])
    previews.update(narrow_previews)
    app = Host(SessionOverview)
    async with app.run_test(size=(80, 20)) as pilot:
        overview = app.query_one(SessionOverview)
        overview.show_session(wide, previews.__getitem__)
        await pilot.pause()
        overview.show_session(narrow, previews.__getitem__)
        await pilot.pause()
        assert overview.table.columns["model"].get_render_width(overview.table) < 20
        assert "answer 2" in screen_text(app)


async def test_session_overview_header_and_timeline() -> None:
    session, previews = make_session(
        [
            session_log(1, feedback=[{"type": "rating", "value": "good"}]),
            session_log(2, error="timeout", output=None, duration=2),
            session_log(3, config={"type": "tool", "name": "lookup"}, session_reference_id="r1"),
        ]
    )
    app = Host(SessionOverview)
    async with app.run_test(size=SIZE) as pilot:
        overview = app.query_one(SessionOverview)
        overview.show_session(session, previews.__getitem__)
        await pilot.pause()
        assert overview.row_count == 3
        rows = [
            dict(
                zip(overview.columns, [c.plain for c in overview.table.get_row_at(i)], strict=True)
            )
            for i in range(3)
        ]
        assert list(rows[0].values()) == [
            "✓ 12:00:01.250",
            "gpt-4",
            "500 ms",
            "1 (good)",
            "answer 1",
        ]
        assert rows[1]["duration"] == "2.00 s" and rows[1]["time"].startswith("✗ ")
        assert rows[1]["preview"] == "timeout"
        assert rows[2]["model"] == "lookup"
        text = screen_text(app)
        for expected in (
            "sesh_1",
            "r1",
            "support",
            "2024-03-01 12:00:01.250 UTC",
            "3.00 s",  # span: 12:00:01.25 to 12:00:04.25 (log 2 took 2 s)
            "errors",
            "question 1",
        ):
            assert expected in text, expected
        overview.table.focus()
        await pilot.press("j", "j", "k", "enter")
        await pilot.pause()
        assert [m.log_id for m in app.posted] == ["data_2"]
        assert overview.selected_log_id == "data_2"


async def test_session_overview_caps_huge_sessions() -> None:
    session, previews = make_session([session_log(i) for i in range(5_000)])
    app = Host(SessionOverview)
    async with app.run_test(size=(120, 40)) as pilot:
        overview = app.query_one(SessionOverview)
        overview.show_session(session, previews.__getitem__)
        await pilot.pause()
        assert overview.row_count == MAX_ROWS
        assert "… 3,000 more logs not listed" in screen_text(app)
        overview.table.focus()
        await pilot.press("end", "home", "pagedown")


async def test_session_overview_markup_safety() -> None:
    session, previews = make_session(
        [
            session_log(
                1,
                config={"type": "model", "model": "[link=https://x]click[/link]"},
                messages=[{"role": "user", "content": "<s>[INST] hi [/INST] [bold]"}],
                output="<s>[INST] hi [/INST] [bold] [/bold] [",
                project="[/bold]",
                session_reference_id="[bold]ref[/bold]",
            ),
            session_log(2, error="arr[0] = x[i] [ \x1b[31mred\x1b[0m \x07", output=None),
        ]
    )
    app = Host(SessionOverview)
    async with app.run_test(size=SIZE) as pilot:
        overview = app.query_one(SessionOverview)
        overview.show_session(session, previews.__getitem__)
        await pilot.pause()
        assert_safe_screen(app)
        assert "[bold]ref[/bold]" in screen_text(app)


def test_an_unknown_time_is_as_wide_as_a_known_one() -> None:
    """A row with no `created_at` lines up with the others (its date was a cell wider)."""
    for with_date in (True, False):
        assert len(format_clock(math.nan, with_date)) == len(format_clock(0.0, with_date))


@pytest.mark.parametrize("error", ["", "  \n"])
def test_a_blank_error_draws_no_error_block(error: str) -> None:
    """A blank error is no error, as the tree shows it (an `(empty error)` box was drawn)."""
    specs = transcript_module.build_blocks(log(output="fine", error=error))
    assert [spec.header.plain for spec in specs if spec.header is not None] == ["output"]
    with_error = transcript_module.build_blocks(log(output="fine", error="boom"))
    assert [spec.header.plain for spec in with_error if spec.header is not None][-1] == "error"


def test_a_reply_that_only_calls_a_tool_is_the_output() -> None:
    """No `output`, the reply in `output_message` (a step that called a tool): the
    transcript showed the user's message and nothing else."""
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    record = log(
        messages=[{"role": "user", "content": "call it"}],
        output=None,
        finish_reason="tool_calls",
        output_message={"role": "assistant", "content": None, "tool_calls": [call]},
    )
    specs = transcript_module.build_blocks(record)
    assert [spec.header.plain for spec in specs if spec.header is not None] == ["user", "output"]
    output = specs[-1]
    assert "get_weather" in output.full_text and output.subtitle == "finish_reason: tool_calls"
    assert "get_weather" in plain(output.body)


def test_a_log_without_messages_shows_what_went_in() -> None:
    """A completion (a prompt template and inputs), a tool or an agent step: the
    transcript showed only the output."""
    completion = log(
        config={
            "id": "c",
            "type": "model",
            "model": "m",
            "prompt_template": "Translate to French: {{ text }}\n{{missing}} {{n}}",
        },
        inputs={"text": "Hello", "n": 3},
        output="Bonjour",
    )
    specs = transcript_module.build_blocks(completion)
    assert [spec.header.plain for spec in specs if spec.header] == ["prompt", "output"]
    assert specs[0].full_text == "Translate to French: Hello\n{{missing}} 3"
    tool = log(config={"id": "t", "type": "tool", "name": "calc"}, inputs={"a": 2}, output="4")
    specs = transcript_module.build_blocks(tool)
    assert [spec.header.plain for spec in specs if spec.header] == ["inputs", "output"]
    assert '"a": 2' in specs[0].full_text
    bare = transcript_module.build_blocks(log(output="4", inputs={}))
    assert [spec.header.plain for spec in bare if spec.header] == ["output"]
    chat = log(messages=[{"role": "user", "content": "hi"}], inputs={"a": 1}, output="yo")
    assert [s.header.plain for s in transcript_module.build_blocks(chat) if s.header] == [
        "user",
        "output",
    ]


def test_an_empty_output_shows_the_reply_and_an_output_its_calls() -> None:
    """`output: ""` (as many SDKs write it for a step that only calls tools) showed
    `(empty)` and hid the calls of its `output_message`; with a text output, the calls
    were shown nowhere."""
    call = {"id": "a", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    reply = {"role": "assistant", "content": "", "tool_calls": [call]}
    empty = log(messages=[{"role": "user", "content": "hi"}], output="", output_message=reply)
    assert "→ call lookup" in transcript_module.build_blocks(empty)[-1].full_text
    both = log(messages=[{"role": "user", "content": "hi"}], output="Plain", output_message=reply)
    output = transcript_module.build_blocks(both)[-1]
    assert output.full_text.startswith("Plain") and "→ call lookup" in output.full_text
    text_reply = {"role": "assistant", "content": "Hello from the reply"}
    only_text = log(
        messages=[{"role": "user", "content": "hi"}], output="", output_message=text_reply
    )
    assert transcript_module.build_blocks(only_text)[-1].full_text == "Hello from the reply"


def test_no_output_says_why_when_the_log_says_why() -> None:
    specs = transcript_module.build_blocks(
        log(messages=[{"role": "user", "content": "hi"}], finish_reason="length")
    )
    assert specs[-1].header is None
    assert plain(specs[-1].body).strip() == "No output · finish_reason: length"
    broken = log(messages=[{"role": "user", "content": "hi"}], output_message="not a message")
    assert len(transcript_module.build_blocks(broken)) == 1  # nothing made up


def section_text(sections: list[tuple[str, Any]], title: str) -> str:
    return plain(dict(sections)[title], width=80)


def test_details_show_what_was_hidden_or_blank() -> None:
    """The provider's response past `usage` (and a text one) was shown nowhere; stop
    sequences of whitespace were blank; `max_tokens` -1 and a missing parent unexplained."""
    record = log(
        config={"id": "c", "type": "model", "model": "m", "stop": "\n", "max_tokens": -1},
        parent_id="data_gone",
        provider_response={"id": "chatcmpl-9", "system_fingerprint": "fp_x", "usage": {"t": 3}},
        provider_latency=0.0004,
    )
    sections = details_module.detail_sections(record, parent_missing=True)
    titles = [title for title, _ in sections]
    assert "Token usage" in titles and "Provider response" in titles
    assert "fp_x" in section_text(sections, "Provider response")
    assert "usage" not in section_text(sections, "Provider response")
    config = section_text(sections, "Config · model · m")
    assert re.search(r'stop\s+"\\n"', config)
    assert "-1 (as many as fit)" in config
    assert "data_gone  (not loaded)" in section_text(sections, "IDs")
    assert "0.40 ms" in section_text(sections, "Timing")
    text_response = details_module.detail_sections(log(provider_response="raw string reply"))
    assert section_text(text_response, "Provider response").strip() == "raw string reply"
    assert "(not loaded)" not in section_text(
        details_module.detail_sections(log(parent_id="data_p")), "IDs"
    )
    nameless = details_module.detail_sections(log(config={"id": "c", "type": "agent"}))
    assert "Config · agent" in [title for title, _ in nameless]  # not `agent · agent`


def test_tool_results_in_json_read_pretty_and_cut_arguments_say_so() -> None:
    """A tool's JSON result was one long line where the call's arguments were pretty; an
    argument string cut off (`max_tokens`) was shown without a word."""
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "search", "arguments": '{"q": "Par'},
    }
    record = log(
        messages=[
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"hits": [1, 2], "ok": true}'},
        ],
        finish_reason="length",
    )
    specs = transcript_module.build_blocks(record)
    assert "the arguments are not valid JSON" in plain(specs[0].body)
    result = specs[1]
    assert '"hits": [' in plain(result.body) and '\n  "ok": true' in plain(result.body)
    assert result.full_text == '{"hits": [1, 2], "ok": true}'  # copied as stored
    text = log(messages=[{"role": "tool", "content": "plain words"}])
    assert plain(transcript_module.build_blocks(text)[0].body).strip() == "plain words"
    tool = log(config={"id": "t", "type": "tool", "name": "w"}, output='{"temp": 21.5, "ok": true}')
    assert '\n  "ok": true' in plain(transcript_module.build_blocks(tool)[-1].body)


def test_pretty_json_wraps_under_its_own_indent() -> None:
    """A long string in pretty JSON wrapped to the first column: the nesting was lost."""
    from rich.console import Console

    text = json_text({"results": [{"title": "Solid-state cells pass 400 Wh/kg in pilot"}]})
    assert isinstance(text, IndentedText) and isinstance(text.copy(), IndentedText)
    lines = [line.plain.rstrip() for line in text.wrap(Console(width=30), 30)]
    wrapped = [line for line in lines if not line.lstrip().startswith(('"', "{", "}", "[", "]"))]
    assert wrapped and all(line.startswith("      ") for line in wrapped), lines


def test_small_labels_say_what_they_mean() -> None:
    """A duration under a millisecond read `0ms`; arguments that are not JSON were all
    "cut off?", a trailing comma too."""
    assert format_duration(0.0004) == "<1ms" and format_duration(0.0) == "0ms"
    assert format_duration(0.25) == "250ms"
    from hltui.model.records import CallView

    assert CallView(None, "f", '{"q": "Par').arguments_problem().endswith("cut off?")  # type: ignore[union-attr]
    trailing = CallView(None, "f", '{"a": 1,}').arguments_problem()
    assert trailing is not None and "cut off" not in trailing


def test_the_timeline_fits_its_previews_to_the_pane() -> None:
    """At 120 columns the timeline was wider than its pane: previews were cropped mid-word
    and the feedback column cut to `feedb`. Previews now end in `…` within the pane, and
    where they would get too little room last, they come third."""
    summary = decode_summary(
        orjson.dumps({"id": "d", "config": {"model": "claude-3-5-sonnet-20240620"}})
    )
    rows = [timeline_row(summary, "word " * 40)]
    for width in (66, 45):  # the pane at 120 and at 80 columns
        columns, room, model = timeline_layout(rows, width)
        assert columns == ("time", "model", "preview", "duration", "feedback")
        # time (14 cells), model and preview, each padded, the scroll bar: in the pane
        assert 16 + max(model, 5) + 2 + room + 2 + 2 <= width
        assert room >= (WIDE_PREVIEW if width == 66 else 10) and model < 26
    columns, room, model = timeline_layout(rows, 160)
    assert columns == COLUMNS and room == PREVIEW_WIDTH
    assert timeline_row(summary, "word " * 40, preview_width=room)[-1].plain.endswith("…")


def test_a_timeline_preview_cut_short_says_so() -> None:
    """The timeline's preview column ends in `…` where the text goes on (it was cut
    mid-word with nothing to show it), and a short one is left whole."""
    summary = decode_summary(orjson.dumps({"id": "data_1", "config": {"model": "m"}}))
    long = "word " * 40
    cell = timeline_row(summary, long)[-1].plain
    assert len(cell) == PREVIEW_WIDTH and cell.endswith("…")
    assert timeline_row(summary, "short")[-1].plain == "short"


@pytest.mark.parametrize("width", [1, 5, 12, 20])
def test_a_shortened_path_fits_its_cells(width: int) -> None:
    """The status bar shortens in cells: a path of CJK and emoji (two cells a character)
    kept twice the room it was given, and cut the counts behind it."""
    path = "/tmp/c_日本語ディレクトリ名前とても長い絵文字😀😀😀😀"
    short = status_bar_module._shortened(path, width)
    assert cell_len(short) <= width and "…" in short
    assert status_bar_module._shortened("short", width + 5) == "short"


async def test_tool_call_arguments_nested_too_deep_to_show_do_not_crash() -> None:
    """A tool call whose arguments hold JSON 990 levels deep (orjson reads it, cannot
    write it back indented; Python's `json` then hit its recursion limit) crashed the
    app. The transcript shows a note instead, `y` copies them as stored."""
    arguments = '{"a":' * 990 + "1" + "}" * 990
    record = log(
        messages=[
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": arguments},
                    }
                ],
            }
        ]
    )
    app = Host(Transcript)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.show_log(record)
        await pilot.pause()
        block = transcript.blocks[0]
        assert "nested too deeply to show" in block.content.plain  # type: ignore[union-attr]
        assert arguments in block.full_text  # what `y` copies: the arguments as stored


def test_deep_rows_say_their_depth_instead_of_indenting_on() -> None:
    """Indentation stops at MAX_INDENT levels (a chain 200 deep left rows all blank), and
    a deeper row says how deep it is, in the same width."""
    assert indent_of(3) == "      "
    assert len(indent_of(MAX_INDENT)) == 2 * MAX_INDENT
    for depth in (MAX_INDENT + 1, 57, 200, 4321):
        shown = indent_of(depth)
        assert f"↳{depth}" in shown and len(shown) <= 2 * MAX_INDENT + 2
    narrow = indent_of(57, 35 // 8)  # a 35-cell tree (80 columns): 4 levels at most
    assert "↳57" in narrow and len(narrow) <= 10
