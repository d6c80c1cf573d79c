"""``QuickScrollBar`` draws exactly what Textual's own scroll bar draws."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Offset, Region
from textual.scrollbar import ScrollBar
from textual.widgets import Static

from hltui.ui.widgets.quick_scrollbar import QuickScrollBar, QuickScrollBars


class QuickScroll(QuickScrollBars, VerticalScroll):
    """A VerticalScroll with quick bars."""


CONTENT = "\n".join(f"line {number} " + "wide " * (number % 40) for number in range(300))


class TwoScrolls(App[None]):
    CSS = """
    VerticalScroll { width: 1fr; overflow-x: auto; }
    Static { width: 250; }
    #thick { scrollbar-size-vertical: 1; scrollbar-size-horizontal: 2; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield VerticalScroll(Static(CONTENT), id="textual")
            yield QuickScroll(Static(CONTENT), id="quick")


def drawn(bar: ScrollBar, crop: Region | None = None) -> list[list[tuple[str, object]]]:
    """Every line of a bar as (text, style) pairs."""
    region = crop if crop is not None else Region(0, 0, *bar.size)
    return [[(seg.text, seg.style) for seg in strip] for strip in bar.render_lines(region)]


@pytest.mark.parametrize("thickness", [None, "thick"])
async def test_quick_bars_draw_what_textual_draws(thickness: str | None) -> None:
    app = TwoScrolls()
    async with app.run_test(size=(90, 23)) as pilot:
        textual = app.query_one("#textual", VerticalScroll)
        quick = app.query_one("#quick", VerticalScroll)
        if thickness:
            textual.set_class(True, thickness)
            quick.set_class(True, thickness)
        await pilot.pause()
        assert isinstance(quick.vertical_scrollbar, QuickScrollBar)
        assert isinstance(quick.horizontal_scrollbar, QuickScrollBar)
        assert not isinstance(textual.vertical_scrollbar, QuickScrollBar)
        compared = 0
        for y, x in [(0, 0), (1, 3), (37, 10), (150, 20), (151, 21), (10_000, 10_000)]:
            for scroll in (textual, quick):
                scroll.scroll_to(x=x, y=y, animate=False, immediate=True)
            await pilot.pause()
            for name in ("vertical_scrollbar", "horizontal_scrollbar"):
                ours, theirs = getattr(quick, name), getattr(textual, name)
                for state in ({}, {"mouse_over": True}, {"grabbed": Offset(0, 0)}):
                    for key, value in state.items():
                        setattr(ours, key, value)
                        setattr(theirs, key, value)
                    assert ours.window_size == theirs.window_size > 0
                    assert ours.size == theirs.size and ours.size.area > 0
                    assert drawn(ours) == drawn(theirs), (name, y, x, state)
                    width, height = ours.size
                    tall = height > 2
                    inner = Region(0, 1, 1, height - 2) if tall else Region(1, 0, width - 2, 1)
                    assert drawn(ours, inner) == drawn(theirs, inner)
                    compared += 1
                    ours.mouse_over = theirs.mouse_over = False
                    ours.grabbed = theirs.grabbed = None
        assert compared == 36


async def test_a_quick_bar_draws_again_when_it_moves() -> None:
    app = TwoScrolls()
    async with app.run_test(size=(90, 23)) as pilot:
        quick = app.query_one("#quick", VerticalScroll)
        bar = quick.vertical_scrollbar
        top = drawn(bar)
        assert drawn(bar) == top
        quick.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        bottom = drawn(bar)
        assert bottom != top
        # The thumb is at the bottom: the last line is part of it, the first is not.
        assert bottom[-1][0][1] != bottom[0][0][1]


class ShortScroll(App[None]):
    CSS = "QuickScroll { overflow-y: scroll; background: $surface; }"

    def compose(self) -> ComposeResult:
        yield QuickScroll(Static("two\nlines"))


async def test_a_bar_always_shown_with_nothing_to_scroll_is_a_blank_gutter() -> None:
    """With ``overflow-y: scroll`` and content that fits, the bar draws the background
    behind it (Textual draws its track colour; a thumb would fill the whole bar)."""
    app = ShortScroll()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        scroll = app.query_one(QuickScroll)
        bar = scroll.vertical_scrollbar
        assert bar.display and bar.size.height == 10
        lines = drawn(bar)
        assert len(lines) == 10
        behind = scroll.rich_style.bgcolor
        for line in lines:
            assert [text for text, _ in line] == [" " * bar.size.width]
            assert all(style.bgcolor == behind for _, style in line)
        scroll.query_one(Static).update("\n".join(map(str, range(40))))  # now it scrolls
        await pilot.pause()
        assert any(style.bgcolor != behind for line in drawn(bar) for _, style in line)
