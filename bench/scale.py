"""Scale figures of the real app, headless, each beside its reference from the same run.

    python -m bench.scale 500000                     # every figure on 500k logs
    python -m bench.scale --sizes 10000 100000 500000  # time and memory per log as size grows

The app runs in a fresh subprocess per measurement (so peak RSS is the app's own) under
`App.run_test` at 120x40, with a display hook that renders every screen update to terminal
bytes as a real terminal would get them, and notes when each awaited change was painted.

Figures: first sessions on screen and the full forest, cold (no index cache) and warm
(cache); the biggest file opened alone, beside toolong's first screen of it
(`bench.vs_toolong`); peak RSS; key press to repaint (tree cursor, tab switch, opening a 100-message
transcript); full-text search against `grep -F -c`; filters; the index build against
`orjson.loads` of every record (from `bench.index`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.index import dataset, files_of

LONG_LOG_ID = "log_bench_transcript_100"
SEARCH_TERM = "refund"  # in about three logs in four: the most work for a search
RARE_TERM = "Wrong refund window"  # in about one log in 500: a typical search
TYPING_GAP = 150  # ms between the keys of a search term: 6-7 keys a second, a quick typist
SIZE = (120, 40)


def ensure_long_transcript(root: Path) -> None:
    """Add one log with 100 messages (with tool calls) to the dataset, once."""
    path = root / "long" / "transcript-100.jsonl"
    if path.exists():
        return
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a support agent."}]
    for turn in range(33):
        messages.append({"role": "user", "content": f"Question {turn}: where is my order?"})
        call_id = f"call_{turn}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": '{"order": 42}'},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": "shipped " * 20})
    record = {
        "id": LONG_LOG_ID,
        "config": {"type": "model", "model": "gpt-4o", "provider": "openai"},
        "created_at": "2020-01-01T00:00:00Z",
        "messages": messages,
        "output": "Your order has shipped. " * 10,
    }
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(json.dumps(record).encode() + b"\n")


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- inside the app's subprocess ----------------------------------------------------------


def make_app(root: Path) -> Any:
    from textual._compositor import CompositorUpdate

    from hltui.ui import app as app_module
    from hltui.ui.app import HltuiApp
    from hltui.ui.widgets.preview_tree import PreviewTree
    from hltui.ui.widgets.transcript import Transcript

    if not hasattr(Transcript.render_lines, "notes_record"):
        draw_lines = Transcript.render_lines

        def render_lines(widget: Any, crop: Any) -> Any:
            """Note which log the transcript's lines were last drawn for."""
            record = widget.record
            widget.app.drawn_record = record.id if record is not None else None
            return draw_lines(widget, crop)

        render_lines.notes_record = True  # type: ignore[attr-defined]
        Transcript.render_lines = render_lines  # type: ignore[method-assign]

    if not hasattr(PreviewTree.render_line, "notes_drawn"):
        draw_line = PreviewTree.render_line

        def render_line(widget: Any, y: int) -> Any:
            """Note that the preview of the forest was drawn (in the next display)."""
            widget.app.preview_drawn = True
            return draw_line(widget, y)

        render_line.notes_drawn = True  # type: ignore[attr-defined]
        PreviewTree.render_line = render_line  # type: ignore[method-assign]

    class BenchApp(HltuiApp):
        """The real app; each display is rendered to bytes and checked against a wait."""

        CSS_PATH = str(Path(app_module.__file__).parent / HltuiApp.CSS_PATH)

        first_paint: float | None = None
        forest_paint: float | None = None  # the whole forest on screen (a preview or not)
        preview_drawn = False
        drawn_record: str | None = None  # the log the transcript's lines were drawn for
        painted_at: float | None = None
        waiting_for: Callable[[], bool] | None = None

        def _display(self, screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # what a terminal would be sent
            super()._display(screen, renderable)
            now = time.perf_counter()
            forest_drawn = self.preview_drawn or self.loaded
            if self.first_paint is None and (forest_drawn or self.query_one("#tree").row_count):
                self.first_paint = now
            if self.forest_paint is None and forest_drawn:
                self.forest_paint = now
            if self.waiting_for is not None and self.waiting_for():
                self.painted_at = now
                self.waiting_for = None

    return BenchApp(root)


async def until(condition: Callable[[], bool], timeout: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time (or it crashed)")
        await asyncio.sleep(0.001)


async def timed(app: Any, act: Callable[[], object], shown: Callable[[], bool]) -> float:
    """Seconds from `act` (a key press or call) until a display shows `shown()` true."""
    app.painted_at = None
    app.waiting_for = shown
    started = time.perf_counter()
    act()
    await until(lambda: app.painted_at is not None, timeout=60)
    return app.painted_at - started


def press(app: Any, key: str) -> Callable[[], object]:
    from textual import events

    return lambda: app.post_message(events.Key(key, key if len(key) == 1 else None))


async def open_app(root: Path, launched: float, warm: bool, interact: bool) -> dict[str, Any]:
    from hltui.model.cache import cache_path
    from hltui.model.forest_cache import forest_cache_path
    from hltui.model.forest_preview import preview_path

    if not warm:
        cache_path(root).unlink(missing_ok=True)
        forest_cache_path(root).unlink(missing_ok=True)
        preview_path(root).unlink(missing_ok=True)
    app = make_app(root)  # imports the app's modules: counted in the launch time
    started = time.perf_counter()
    launched_ago = time.time() - launched
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.first_paint is not None)
        result["first_paint"] = app.first_paint - started
        await until(lambda: app.loaded)
        await pilot.pause()
        result["loaded"] = time.perf_counter() - started
        result["forest_paint"] = app.forest_paint - started if app.forest_paint else None
        result["launch_overhead"] = launched_ago
        result["logs"] = len(app.index)
        result["sessions"] = len(app.forest.sessions) if app.forest else 0
        result["rss_loaded"] = peak_rss()
        if interact:
            result.update(await interactions(app, pilot))
    result["peak_rss"] = peak_rss()
    return result


async def interactions(app: Any, pilot: Any) -> dict[str, Any]:
    from textual.widgets import Input, TabbedContent

    from hltui.model.query import LogFilter
    from hltui.ui.widgets.session_tree import SessionTree
    from hltui.ui.widgets.status_bar import StatusBar
    from hltui.ui.widgets.transcript import Transcript

    tree = app.query_one(SessionTree)
    tabs = app.query_one(TabbedContent)
    transcript = app.query_one(Transcript)
    status = app.query_one(StatusBar)
    out: dict[str, Any] = {}

    cursor = []
    steps = min(100, tree.row_count - 1)
    for number in range(2 * steps):
        key = "j" if number < steps else "k"
        before = tree.cursor
        cursor.append(await timed(app, press(app, key), lambda b=before: tree.cursor != b))
        await asyncio.sleep(0.03)  # a held key repeats about 30 times a second
    out["cursor"] = cursor

    switching = []
    for _ in range(40):
        before = tabs.active
        switching.append(await timed(app, press(app, "t"), lambda b=before: tab_drawn(app, b)))
        await asyncio.sleep(0.03)
    out["tabs"] = switching
    app.action_tab("transcript")
    await pilot.pause()

    opening = []
    other = next(
        row.key for row in tree.rows if row.key != LONG_LOG_ID and not row.key.startswith("s:")
    )

    def shows_long() -> bool:
        """The long log is the transcript's, and a frame drew its lines."""
        record = transcript.record
        return (
            record is not None
            and record.id == LONG_LOG_ID
            and transcript.message_count > 60
            and app.drawn_record == LONG_LOG_ID
        )

    assert tree.select_key(LONG_LOG_ID), "the 100-message log is not in the tree"
    for _ in range(60):
        if len(opening) == 20:
            break
        tree.select_key(other)
        await pilot.press("enter")
        await asyncio.sleep(0.1)
        app.query_one(SessionTree).focus()
        # The cursor lands on the long log and is drawn, as for a person, before enter;
        # a log under the cursor is shown by itself after a short delay (SHOW_DELAY):
        # if that came first, enter would open nothing, so the try is not counted.
        await timed(app, lambda: tree.select_key(LONG_LOG_ID), lambda: on_row(tree, LONG_LOG_ID))
        if transcript.record is not None and transcript.record.id == LONG_LOG_ID:
            continue
        opening.append(await timed(app, press(app, "enter"), shows_long))
        await asyncio.sleep(0.1)
    assert len(opening) == 20, "the log under the cursor was always shown before enter"
    out["transcript"] = opening

    filters = {}
    # No list of every log is kept here: the GC would read through it on each collection
    # during the filters, as a young object of the bench's own.
    project = max({log.project for log in app.index.logs.values() if log.project}, key=str)
    model = max({log.model for log in app.index.logs.values() if log.model}, key=str)
    while transcript.mounting_more:  # a person picks a filter after the log is shown
        await asyncio.sleep(0.05)
    for name, log_filter in [
        ("project", LogFilter(project=project)),
        ("model", LogFilter(model=model)),
        ("error", LogFilter(has_error=True)),
        ("feedback", LogFilter(has_feedback=True)),
        ("cleared", LogFilter()),
    ]:
        wanted = log_filter.describe()
        app._last_input = time.monotonic()  # as the key that applies a filter would
        # The status names the filter when its result is applied (the tree set with it);
        # the worker's own state may only turn finished after that frame is drawn.
        filters[name] = await timed(
            app,
            lambda f=log_filter: app.set_filter(f),
            lambda w=wanted: status.filter_text == w,
        )
        await until(lambda: app.workers_idle("filter"))
        await asyncio.sleep(0.1)
    out["filters"] = filters

    # The logs are read into the page cache again first, as they were for the `grep`
    # reference: this machine's proactive reclaim (kdamond) gives back about 6 MB of
    # cached file pages a second, so by now part of them would come from disk.
    subprocess.run(["cat", *map(str, files_of(app.index.root))], stdout=subprocess.DEVNULL)
    # Each term is typed as a person types it (TYPING_GAP between keys) and timed from
    # enter. The search processes start as the box first opens, so by the end of the
    # first term they are starting or ready; the third search repeats the first.
    searches = (("search", SEARCH_TERM), ("search_rare", RARE_TERM), ("search_again", SEARCH_TERM))
    for key, term in searches:
        await pilot.press("slash")
        await pilot.press(*(part for char in term for part in (char, f"wait:{TYPING_GAP}")))
        assert app.query_one("#search", Input).value == term
        out[key] = await timed(
            app, press(app, "enter"), lambda: status.search_text.startswith(("hit ", "no hits"))
        )
        out[f"{key}_hits"] = len(app.hits)
        await pilot.press("escape")
        await asyncio.sleep(0.1)
    return out


def tab_drawn(app: Any, before: str) -> bool:
    """Another tab than `before` is active, and a frame has arranged its pane."""
    from textual.widgets import TabbedContent

    tabs = app.query_one(TabbedContent)
    if tabs.active == before:
        return False
    return tabs.get_pane(tabs.active) in app.screen._compositor.visible_widgets


def on_row(tree: Any, key: str) -> bool:
    """Whether the tree's cursor is on the row of `key`."""
    row = tree.current_row
    return row is not None and row.key == key


def workers_idle(app: Any, group: str) -> bool:
    return not any(w.group == group and not w.is_finished for w in app.workers)


def measure(kind: str, root: Path, launched: float) -> dict[str, Any]:
    """One measurement in this process (called in a subprocess)."""
    if kind in ("app-cold", "app-warm", "app-warm-only"):
        from hltui.ui.app import HltuiApp

        HltuiApp.workers_idle = workers_idle  # type: ignore[attr-defined]
        warm = kind != "app-cold"
        return asyncio.run(open_app(root, launched, warm, interact=kind == "app-warm"))
    if kind in ("app-file-cold", "app-file-warm"):  # `root` is one file
        return asyncio.run(open_app(root, launched, kind.endswith("warm"), interact=False))
    if kind == "grep":
        paths = [str(p) for p in files_of(root)]
        figures = {}
        runs = (("grep", "-Fc", SEARCH_TERM), ("grep_i", "-Fic", SEARCH_TERM))
        for name, flags, term in (*runs, ("grep_rare", "-Fc", RARE_TERM)):
            started = time.perf_counter()
            out = subprocess.run(["grep", flags, term, *paths], capture_output=True)
            figures[name] = time.perf_counter() - started
            figures[f"{name}_count"] = sum(
                int(line.rsplit(b":", 1)[-1]) for line in out.stdout.splitlines() if line
            )
        return figures
    raise ValueError(kind)


def run(kind: str, root: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            "--measure",
            kind,
            "--root",
            str(root),
            "--launched",
            str(time.time()),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"measuring {kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the report -----------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def line(label: str, value: str, reference: str, ok: bool | None = None) -> None:
    mark = "" if ok is None else verdict(ok)
    print(f"  {label:<44} {value:>14}   {reference:<34} {mark}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report(n: int) -> None:
    from bench.index import run as run_index

    root = dataset(n)
    ensure_long_transcript(root)
    paths = files_of(root)
    size = sum(p.stat().st_size for p in paths)
    print(f"{n:,} logs, {size / 1e6:,.0f} MB in {len(paths)} files; the app at {SIZE[0]}x{SIZE[1]}")
    run_index("read", root)  # warm the page cache so every figure reads from memory
    parse = run_index("orjson", root)
    index = run_index("index", root)
    greps = run("grep", root)
    cold = run("app-cold", root)
    warm = run("app-warm", root)
    limit = parse["seconds"]
    print("opening")
    line(
        "first sessions on screen, cold",
        ms(cold["first_paint"]),
        "limit 500 ms",
        cold["first_paint"] <= 0.5,
    )
    line(
        "first sessions on screen, warm",
        ms(warm["first_paint"]),
        "limit 500 ms",
        warm["first_paint"] <= 0.5,
    )
    line("  (before that: Python start and imports)", ms(warm["launch_overhead"]), "")
    line("full forest, cold (no cache)", f"{cold['loaded']:.2f} s", f"orjson.loads {limit:.2f} s")
    line(
        "index build alone (bench.index)",
        f"{index['seconds']:.2f} s",
        f"orjson.loads {limit:.2f} s",
        index["seconds"] <= limit,
    )
    shown = warm["forest_paint"]
    line("full forest on screen, warm (cache)", ms(shown), "limit 500 ms", shown <= 0.5)
    line(
        "  every log loaded, keys held meanwhile act",
        ms(warm["loaded"]),
        "(the forest's saved top rows shown until then)",
    )
    compare_with_toolong(max(paths, key=lambda path: path.stat().st_size), root)
    print("memory")
    line(
        "peak RSS of the app (cold open)",
        f"{cold['peak_rss'] / 1e6:,.0f} MB",
        "limit 500 MB",
        cold["peak_rss"] < 500e6,
    )
    line(
        "peak RSS of the app (warm, after all below)",
        f"{warm['peak_rss'] / 1e6:,.0f} MB",
        "limit 500 MB",
        warm["peak_rss"] < 500e6,
    )
    print(f"key press to repaint, holding {warm['logs']:,} logs in {warm['sessions']:,} sessions")
    for name, label in (
        ("cursor", "tree cursor j/k"),
        ("tabs", "switch tab t"),
        ("transcript", "open a 100-message transcript"),
    ):
        values = warm[name]
        p95 = percentile(values, 0.95)
        line(
            f"{label} ({len(values)}x), p95",
            ms(p95),
            f"median {ms(statistics.median(values))}; limit 30 ms",
            p95 < 0.03,
        )
    print("search and filters")
    ratio = warm["search"] / greps["grep"]
    line(
        f"search {SEARCH_TERM!r}, typed ({warm['search_hits']:,} logs)",
        f"{warm['search']:.2f} s",
        f"grep -F -c {greps['grep']:.2f} s = {ratio:.2f}x",
        ratio <= 1.5,
    )
    line(
        "  reference: grep -F -i -c (case-insensitive)",
        f"{greps['grep_i']:.2f} s",
        f"{greps['grep_i_count']:,} lines",
    )
    ratio = warm["search_again"] / greps["grep"]
    line(
        "  the same again (processes running)",
        f"{warm['search_again']:.2f} s",
        f"grep -F -c {greps['grep']:.2f} s = {ratio:.2f}x",
        ratio <= 1.5,
    )
    ratio = warm["search_rare"] / greps["grep_rare"]
    line(
        f"search {RARE_TERM!r} ({warm['search_rare_hits']:,} logs)",
        f"{warm['search_rare']:.2f} s",
        f"grep -F -c {greps['grep_rare']:.2f} s = {ratio:.2f}x",
        ratio <= 1.5,
    )
    for name, seconds in warm["filters"].items():
        line(f"filter: {name}", ms(seconds), "limit 200 ms", seconds < 0.2)


def compare_with_toolong(big: Path, root: Path) -> None:
    """hltui and toolong opening the same big file, each to its first screen."""
    from bench.vs_toolong import TOOLONG, first_screen

    cold = run("app-file-cold", big)
    warm = run("app-file-warm", big)
    theirs = first_screen(big)
    print(f"the biggest file alone: {big.relative_to(root)}, {big.stat().st_size / 1e6:,.0f} MB")
    line(
        "hltui, first screen cold / warm",
        f"{ms(cold['first_paint'])} / {ms(warm['first_paint'])}",
        f"all {cold['logs']:,} logs {cold['loaded']:.2f} s / {warm['loaded']:.2f} s",
    )
    if isinstance(theirs, str):
        line(f"{TOOLONG}, first screen", "-", theirs)
    else:
        line(
            f"{TOOLONG}, first screen",
            ms(theirs["first_screen"]),
            f"all lines found {theirs['scan_done']:.2f} s",
        )


def growth(sizes: list[int]) -> None:
    """Time and memory per log of a cold open as the number of logs grows."""
    print(
        f"{'logs':>9} {'MB on disk':>11} {'cold open':>10} {'µs/log':>8} "
        f"{'warm open':>10} {'warm forest':>12} {'peak RSS':>9} {'bytes/log':>10}"
    )
    for n in sizes:
        root = dataset(n)
        ensure_long_transcript(root)
        size = sum(p.stat().st_size for p in files_of(root))
        run("grep", root)  # warm the page cache
        cold = run("app-cold", root)
        warm = run("app-warm-only", root)
        logs = cold["logs"]
        print(
            f"{logs:>9,} {size / 1e6:>11,.0f} {cold['loaded']:>9.2f}s "
            f"{cold['loaded'] / logs * 1e6:>8.1f} {warm['loaded']:>9.2f}s "
            f"{warm['forest_paint'] * 1000:>9.0f} ms "
            f"{cold['peak_rss'] / 1e6:>7,.0f}MB {cold['peak_rss'] / logs:>10,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=500_000)
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.root), args.launched)))
        return
    if shutil.which("grep") is None:
        sys.exit("grep is needed for the search reference")
    if args.sizes:
        growth(args.sizes)
    else:
        report(args.n)


if __name__ == "__main__":
    main()
