"""HltuiApp: wires the core (index, forest, queries) to the browser's widgets.

Reading, forest building and search run in worker threads and reach the UI as messages;
widgets never read files themselves.
"""

from __future__ import annotations

import gc
import itertools
import os
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static, TabbedContent, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from hltui.model.columns import filter_columns
from hltui.model.feedback import FeedbackStore, load_feedback_types, resolve_user
from hltui.model.forest_cache import (
    ForestSnapshot,
    matches_disk,
    read_snapshot,
    restore,
    save_forest,
)
from hltui.model.forest_preview import read_preview, save_preview
from hltui.model.heap import release_free_memory, settle_loaded
from hltui.model.index import IndexBatch, LogIndex
from hltui.model.outline import Row
from hltui.model.problems import Problem
from hltui.model.query import (
    LogFilter,
    filter_with_places,
)
from hltui.model.records import RecordError
from hltui.model.sessions import Forest, Session, build_forest, update_forest
from hltui.model.summary import LogSummary
from hltui.model.wording import counted
from hltui.ui.draw_now import draw_now
from hltui.ui.live_tail import LiveTailMixin
from hltui.ui.messages import FilterApplied, ForestReady, LoadProgress, PreviewReady
from hltui.ui.previewing import PreviewMixin
from hltui.ui.reviewing import ReviewMixin
from hltui.ui.safe import one_line
from hltui.ui.screens.browser import BrowserScreen
from hltui.ui.screens.filter import FilterScreen
from hltui.ui.screens.help import HelpScreen
from hltui.ui.screens.problems import ProblemsScreen
from hltui.ui.searching import SearchMixin
from hltui.ui.typeahead import HOLD_AT_MOST, TypeAhead
from hltui.ui.widgets.blank import (
    BlankHorizontal,
    BlankSwitcher,
    BlankTabbedContent,
    BlankTabPane,
    BlankVertical,
)
from hltui.ui.widgets.details import Details
from hltui.ui.widgets.feedback_panel import FeedbackPanel
from hltui.ui.widgets.focus_edge import FocusEdge
from hltui.ui.widgets.key_footer import KeyFooter
from hltui.ui.widgets.raw_view import RawView
from hltui.ui.widgets.render import pretty_json
from hltui.ui.widgets.search_box import SearchBox
from hltui.ui.widgets.session_overview import SessionOverview
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.status_bar import StatusBar
from hltui.ui.widgets.transcript import Transcript

FOREST_MIN_INTERVAL = 0.25
BUILD_AFRESH_RATIO = 4  # new logs per log in the forest shown, to build a new one instead
IDLE_CHECK = 0.5  # seconds between checks for an idle moment to collect garbage in
DROP_TYPED_WITHIN = 0.3  # seconds: keys in one burst with a refused `c` (none typed later)
CACHE_CHECK = 0.1  # seconds between looks at whether the caches are written, to quit
IDLE_AFTER = 1.0  # seconds without a key press or mouse event
FOREST_QUIET_START = 1.0  # a load done sooner shows only its first batch, then everything
SHOW_DELAY = 0.05
PROGRESS_INTERVAL = 0.2  # seconds between load progress updates (each one repaints)
INPUT_FIRST = 0.25  # seconds after a key during a preview when loading gives way to it
INPUT_PAUSE = 0.01  # seconds loading waits a batch then
SHOWN_WAIT_LIMIT = 10.0  # seconds the loader waits for the app to show the final forest
FIRST_FOREST_LOGS = 1000  # a first forest with fewer is shown again once this many came


def display_path(path: Path) -> str:
    """The opened path for the title: relative when under the working directory (as the
    user most likely typed it), else absolute."""
    resolved = path.resolve()
    try:
        relative = resolved.relative_to(Path.cwd())
    except (ValueError, OSError):
        return str(resolved)
    return str(resolved) if relative == Path(".") else str(relative)


ANIMATIONS_SETTING = "TEXTUAL_ANIMATIONS"  # Textual's own: none, basic or full


def wait_until_shown(shown: threading.Event, worker: Worker[Any]) -> None:
    """Wait (in a worker thread) until the app has shown what it was sent, for at most
    SHOWN_WAIT_LIMIT, or until the worker is cancelled (then KeyboardInterrupt)."""
    waited = 0.0
    while not shown.wait(0.05) and waited < SHOWN_WAIT_LIMIT:
        if worker.is_cancelled:
            raise KeyboardInterrupt
        waited += 0.05


class HltuiApp(LiveTailMixin, ReviewMixin, SearchMixin, PreviewMixin, App[None]):
    """The log browser."""

    TITLE = "hltui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        # priority: taken before the focused widget, so a term typed right after `/`
        # (a fast typist, a terminal sending the keys in one read) goes to the box
        Binding("slash", "search", "Search", id="app.search", priority=True),
        Binding("n", "next_hit", "Next hit", show=False, id="app.next_hit"),
        Binding("N", "previous_hit", "Prev hit", show=False, id="app.previous_hit"),
        Binding("f", "filter", "Filter", id="app.filter"),
        Binding("e", "next_error", "Next error", id="app.next_error"),
        Binding("E", "previous_error", "Prev error", show=False, id="app.previous_error"),
        Binding("y", "copy", "Copy", id="app.copy"),
        Binding("o", "open_external", "Open", show=False, id="app.open"),
        Binding("p", "problems", "Problems", show=False, id="app.problems"),
        Binding("m", "toggle_markdown", "Markdown", show=False, id="app.markdown"),
        Binding("t", "next_tab(1)", "Next tab", show=False, id="app.next_tab"),
        Binding("T", "next_tab(-1)", "Prev tab", show=False, id="app.previous_tab"),
        Binding("escape", "clear_search", "Clear", show=False, id="app.clear"),
        Binding("plus", "rate('good')", "Good", id="app.rate_good"),
        Binding("minus", "rate('bad')", "Bad", show=False, id="app.rate_bad"),
        *(
            Binding(str(n), f"rate('{n}')", f"Rate {n}", show=False, id=f"app.rate_{n}")
            for n in range(1, 6)
        ),
        # priority, like `/`: the text typed right after goes to the editor they open
        Binding("c", "comment", "Comment", show=False, id="app.comment", priority=True),
        Binding("x", "correction", "Correction", show=False, id="app.correction", priority=True),
        Binding("right_square_bracket", "next_unrated", "Next unrated", id="app.next_unrated"),
        Binding(
            "left_square_bracket",
            "previous_unrated",
            "Prev unrated",
            show=False,
            id="app.previous_unrated",
        ),
        Binding("u", "undo", "Undo", show=False, id="app.undo"),
        Binding("F", "toggle_follow", "Follow", show=False, id="app.follow"),
        Binding("L", "jump_newest", "Newest", show=False, id="app.newest"),
    ]

    HELP_SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Session tree",
            [
                ("j,down / k,up", "move down / up"),
                ("enter,l,right", "expand a session or log; on a leaf, focus the tab shown"),
                ("h,left", "collapse, or go to the parent"),
                ("*", "expand everything under the cursor"),
                ("g,home / G,end", "first / last row"),
                ("pageup / pagedown", "a page up / down"),
            ],
        ),
        (
            "Panes",
            [
                ("tab / shift+tab", "next / previous pane"),
                ("t / T", "next / previous tab: Transcript, Details, Raw, Feedback"),
                ("j / k (transcript)", "next / previous message"),
                ("m", "markdown rendering on / off (plain text is the default)"),
            ],
        ),
        (
            "Find",
            [
                ("/", "search the text of every log"),
                ("n / N", "next / previous search hit"),
                ("escape", "clear the search"),
                ("f", "filter: project, model, error, feedback, dates, text"),
                ("e / E", "next / previous error log"),
                ("p", "problems found in the files"),
            ],
        ),
        (
            "Review",
            [
                ("+ / -", "rate the log good / bad"),
                ("1 2 3 4 5", "rate the log 1 to 5"),
                ("c / x", "comment / correction (starts as the output)"),
                ("] / [", "next / previous log without feedback (a review queue)"),
                ("u", "undo the last feedback edit of this run"),
                ("a / enter / d (feedback tab)", "add / change / delete an item"),
            ],
        ),
        (
            "Live",
            [
                ("F", "follow: select new logs as they arrive"),
                ("L", "jump to the newest log"),
            ],
        ),
        (
            "Other",
            [
                ("y", "copy the focused message, or the log as JSON (OSC 52)"),
                ("o", "open the log in $PAGER / $EDITOR"),
                ("ctrl+p", "command palette: actions, filters, themes"),
                ("?,f1", "this help"),
                ("q / ctrl+q", "quit"),
            ],
        ),
    ]

    def __init__(
        self,
        path: Path,
        *,
        watch: bool = True,
        poll: bool = False,
        follow: bool = False,
        user: str | None = None,
        feedback_file: Path | None = None,
    ) -> None:
        super().__init__()
        if ANIMATIONS_SETTING not in os.environ:
            # Nothing slides: a held key never waits behind an animation's frames (the
            # tab underline drew 0.3 s of them per switch). The setting brings them back.
            self.animation_level = "none"
        self.path = path
        self.index = LogIndex(path)
        self.watch_files_enabled = watch
        self.poll_files = poll
        self.follow = follow
        self.new_since_seen = []
        self._error_to_show: str | None = None  # reached with `e`: its error into view
        self._search_partial = False  # the search ran while loading: run it again after
        self._search_again = False  # the search running is a run again: the cursor stays
        self._steps_waiting = 0  # `n` (+1) / `N` (-1) pressed before the hits came
        self._added_while_searching: list[str] = []  # by the live tail, to search after
        self.writing_caches = False  # the loader is writing the index and forest caches
        self._quit_requested = False  # waiting for them to be written, to quit
        self.unseen = set()
        self.typeahead = TypeAhead()
        self.user = resolve_user(user)
        self.store = FeedbackStore.open(self.index, feedback_file)
        self.saved_elsewhere: Path | None = None  # by `Save feedback to another file`
        self.type_problems: list[Problem] = []
        root = path if path.is_dir() else path.parent
        self.feedback_types = load_feedback_types(root, self.type_problems)
        self._unfilled_tabs: dict[str, Callable[[], object]] = {}  # tab id -> fill it
        self._last_input = 0.0  # when the last key press or mouse event came
        self._collected_at = 0.0  # when garbage was last collected in a quiet moment
        self._auto_key: str | None = None  # the row the app put the cursor on while loading
        self.forest: Forest | None = None
        self.log_filter = LogFilter()
        # matching log ids as a dict (id -> None): never tracked by the cyclic GC
        self.visible_ids: Collection[str] | None = None
        self.markdown = False
        self.loaded = False
        self.search_term = ""
        self._focus_before_search: Widget | None = None  # where `escape` in the box goes
        self.hits: Sequence[str] = []  # in tree order once a search is done
        self._progress_timer: Timer | None = None  # to draw the hits found so far
        self._progress_drawn_at = 0.0
        self.hit_position = -1
        self._shown_key: str | None = None
        self._pending_row: Row | None = None
        self._show_timer = None
        self._problem_count_seen = 0

    # -- layout --------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return BrowserScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield Static(id="title-bar")
        with BlankHorizontal(id="main"):
            with BlankHorizontal(id="left"):
                tree = SessionTree(id="tree")
                yield tree
                yield FocusEdge(tree, id="tree-edge")
            with BlankVertical(id="right"):
                with BlankTabbedContent(id="tabs", initial="transcript"):
                    with BlankTabPane("Transcript", id="transcript"):
                        with BlankSwitcher(initial="transcript-view", id="transcript-switcher"):
                            yield Transcript(id="transcript-view")
                            yield SessionOverview(id="overview")
                    with BlankTabPane("Details", id="details"):
                        yield Details(id="details-view")
                    with BlankTabPane("Raw", id="raw"):
                        yield RawView(id="raw-view")
                    with BlankTabPane("Feedback", id="feedback"):
                        yield FeedbackPanel(id="feedback-view")
        yield SearchBox(
            self._search_box_closed,
            placeholder="search all logs…  (enter to search, esc to cancel)",
            id="search",
        )
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#search", SearchBox).display = False
        self.query_one(SessionTree).open_row = self.open_row
        # tab goes from the tree into the pane shown, not to the tab strip first (t and T
        # switch tabs, and a click on a tab still works)
        self.query_one("#tabs Tabs", Tabs).can_focus = False
        status = self.query_one(StatusBar)
        status.path = display_path(self.path)
        status.progress = 0.0
        status.follow = self.follow
        status.pending = len(self.store.pending)
        self._update_title()
        tree = self.query_one(SessionTree)
        tree.preview_of = self.index.preview
        tree.feedback_of = self.feedback_pairs
        self.query_one(SessionOverview).feedback_of = self.feedback_pairs
        # at once, not after the keys already queued (`focus()` waits its turn): a `/`
        # typed before the first screen opened the box, then lost its focus to the tree
        self.screen.set_focus(tree)
        # No cyclic GC while loading: the index and forests hold no cycles, and full
        # collections walking hundreds of thousands of new objects cost seconds.
        gc.disable()
        self.load_index()

    def _update_title(self) -> None:
        text = Text("hltui ", style="bold")
        text.append(one_line(display_path(self.path)))
        self.query_one("#title-bar", Static).update(text)

    # -- loading (worker thread) ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_index(self) -> None:
        """Read every file, posting progress and the growing forest every so often.

        The first batch (from the newest file) is shown at once. After that, a load that
        takes long shows its growing forest at intervals that lengthen with the cost of
        growing it (`update_forest` rebuilds only the sessions new logs touch); a quick
        load (a warm cache) goes straight to the whole forest, which, when no file changed,
        is restored from the forest cache instead of being built. The whole forest is
        posted before the caches are written.
        """
        worker = get_current_worker()
        root = self.index.root
        snapshot: ForestSnapshot | None = None
        checked = expect_snapshot = False
        forest = build_forest([])
        paths = self.index.discover()
        # The last forest's top rows, for the same files: drawn at once, in place of the
        # forests on the way (a warm open then needs no more until the end)
        preview = read_preview(root, paths) if self.log_filter.is_empty else None
        previewed = bool(preview)  # (an empty forest has nothing to preview)
        if preview and previewed:
            shown = PreviewReady(preview)
            self.post_message(shown)
            # Loading holds the GIL in long C calls: the app, mounting the preview,
            # waited for it at every step (on screen after 0.7 s at 500k logs, not 0.2 s)
            wait_until_shown(shown.shown, worker)
        posted = previewed
        waiting: list[LogSummary] = []
        started = last_post = time.monotonic()
        last_progress = 0.0
        cost = 0.0

        def grow() -> Forest:
            files = {number: state.path for number, state in enumerate(self.index.files)}
            # Building afresh only when nearly all logs are new: adding to the forest
            # shown reuses its untouched sessions, where a new forest beside it doubled
            # the peak memory (500k cold: 616 MB, 568 MB so) and took longer (4.0 s,
            # 1.2 s). Adding 250k logs to a forest of 250k took 3.2 s and 79 MB, building
            # all 500k afresh 5.2 s and 125 MB (a cold peak of 579 MB); for a forest of
            # a tenth or less, the two cost about the same.
            if len(waiting) > BUILD_AFRESH_RATIO * len(forest.nodes):
                grown = build_forest(list(self.index.logs.values()), files)
            else:
                grown = update_forest(forest, waiting, self.index.logs, files)
            waiting.clear()
            return grown

        def check_snapshot() -> None:
            """Read the forest cache (once the first logs are on screen). With the same
            files as last time it gives the whole forest at the end, so growing forests
            on the way would only slow the load down."""
            nonlocal snapshot, checked, expect_snapshot
            checked = True
            snapshot = read_snapshot(root)
            expect_snapshot = snapshot is not None and matches_disk(
                snapshot, root, self.index.paths
            )

        def on_batch(batch: IndexBatch) -> None:
            nonlocal forest, last_post, cost, posted, last_progress
            if worker.is_cancelled:
                raise KeyboardInterrupt
            now = time.monotonic()
            if previewed and now - self._last_input < INPUT_FIRST:
                # keys move the preview: each row drawn reads its text from its file,
                # giving up the GIL, and waited for the loader's C calls to get it back
                # (a page down took 0.2-0.6 s); the load waits a little instead
                time.sleep(INPUT_PAUSE)
            if batch.is_last or batch.problems or now - last_progress >= PROGRESS_INTERVAL:
                last_progress = now
                self.post_message(LoadProgress(batch))
            waiting.extend(batch.logs)
            if batch.is_last:
                self.writing_caches = True  # from here to the end of the load
                if not checked:
                    check_snapshot()
                cached = restore(self.index, snapshot) if snapshot is not None else None
                if cached is not None:  # the same files as last time: the same forest
                    waiting.clear()
                    forest = cached
                else:
                    forest = grow()
                ready = ForestReady(forest, final=True)
                self.post_message(ready)
                posted = True
                # What follows runs long C calls that hold the GIL (columns, the forest
                # cache): the tree takes the forest first (0.5 s at 500k otherwise).
                wait_until_shown(ready.shown, worker)
                # made here, so the first filter or search does not wait for them (a
                # restored forest brings them along)
                if forest.by_position is None:
                    forest.map_positions(self.index)
                self.index.file_starts()
                # a grown forest's nodes by position, as a restored one has them: its
                # layers of dicts hold 21 MB at 500k logs, the list 4 MB
                forest.compact_nodes(self.index)
                filter_columns(self.index, list(self.index.logs.values()))
                if cached is None:  # with the maps and columns just made
                    save_forest(self.index, forest)
                # what the load made and dropped (cache rows, forests on the way) goes
                # back to the system: about 40 MB at 500k logs
                release_free_memory()
                if cached is None or not previewed:
                    # after that: saved just before it, the preview raised a cold open's
                    # peak memory by 14 MB (to 502 MB at 500k logs)
                    save_preview(self.index, forest)
                    release_free_memory()
                return
            now = time.monotonic()
            due = now - started >= FOREST_QUIET_START and now - last_post >= max(
                FOREST_MIN_INTERVAL, 3 * cost
            )
            # The first batch is shown at once; if it was small (the newest file may hold
            # one log), once more when a screenful has come: a warm load, expecting the
            # cached forest, shows nothing else until the end.
            small = posted and len(forest.nodes) < FIRST_FOREST_LOGS <= len(self.index)
            if waiting and not previewed and (not posted or small or (due and not expect_snapshot)):
                forest = grow()
                last_post = time.monotonic()
                cost = last_post - now
                posted = True
                self.post_message(ForestReady(forest))
            if posted and not checked:
                check_snapshot()

        try:
            self.index.load(on_batch, complete_only=self.watch_files_enabled, paths=paths)
        finally:
            self.writing_caches = False

    def exit_when_caches_written(self) -> None:
        """Quit, once the loader has written the index and forest caches: right after a
        cold load that takes seconds, and the app waited for it on a blank screen. It
        says so meanwhile; asked again, it quits at once (the process still ends only
        when the cache is written)."""
        if not self.writing_caches or self._quit_requested:
            self.exit(message=self._journal_moved_note())
            return
        self._quit_requested = True
        self.notify(
            "Finishing the index cache, so the next open is quick; quitting when it is written.",
            timeout=30,
        )

        def when_written() -> None:
            if not self.writing_caches:
                self.exit(message=self._journal_moved_note())

        self.set_interval(CACHE_CHECK, when_written)

    def _journal_moved_note(self) -> Text | None:
        """Said on the terminal at quitting: where feedback went when it was saved to
        another file (`Save feedback to another file`: a later open finds those edits
        only given that file), and how many edits are left unsaved (quit without them)."""
        lines = []
        path = self.saved_elsewhere
        if path is not None:
            lines.append(
                f"hltui: this session's feedback was saved to {path}; to see it, open "
                f"with --feedback-file {path}"
            )
        if self.store.pending:
            lines.append(f"hltui: {counted(len(self.store.pending), 'feedback edit')} not saved")
        return Text("\n".join(lines)) if lines else None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()
            held = isinstance(event, events.Key) and not event.is_forwarded
            if held and self.hold_for_forest(event):  # typed on a preview of the forest
                return
            if held and self.typeahead.hold(event):  # a screen that takes them is opening
                return
        await super().on_event(event)

    def hold_keys_for(self, screen: Screen[Any], callback: Callable[[Any], object]) -> None:
        """Open `screen`, holding the keys typed from now until it says where they go
        (`release_keys`), or HOLD_AT_MOST at the latest."""
        hold = self.typeahead.start()
        self.push_screen(screen, callback)
        self.set_timer(HOLD_AT_MOST, lambda: self.end_hold(hold))

    def end_hold(self, hold: int) -> None:
        """The late end of hold number `hold`: its keys go to the focused widget, if it is
        still open (a hold released, or started since, is not this timer's to end) and the
        app still shows a screen (the timer may fire while the app shuts down)."""
        if self.typeahead.holding(hold) and self.screen_stack:
            self.release_keys(self.focused)

    def drop_keys_typed_with_this_one(self) -> None:
        """Drop the keys that come in the next HOLD_AT_MOST: typed in one burst with a
        key that would have opened a text box (they were text, not commands)."""
        hold = self.typeahead.start()

        def drop() -> None:
            if self.typeahead.holding(hold):
                self.typeahead.release(None)

        self.set_timer(DROP_TYPED_WITHIN, drop)

    def release_keys(self, target: Widget | None) -> None:
        """Hand the keys held while a screen opened to `target`, in order."""
        self.typeahead.release(target)

    def _collect_when_idle(self) -> None:
        """Run a full GC collection in a quiet moment.

        Each full collection walks every widget, style and cached line Textual keeps
        (100-600 ms here, more after many transcripts were opened); done while nobody is
        pressing keys, the ones CPython would start on its own land in key presses less
        often. Once per pause, and only after some input, so an idle app stays idle. Then the
        allocator gives its free pages back to the system.
        """
        now = time.monotonic()
        if now - self._last_input < IDLE_AFTER or self._collected_at > self._last_input:
            return  # busy, or nothing done since the last one
        if any(w.group in ("search", "filter") and not w.is_finished for w in self.workers):
            return  # not quiet: it would hold up the search or filter
        self._collected_at = now
        gc.collect()
        release_free_memory()  # what searches, filters and transcripts left behind

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "load" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            gc.enable()  # paused for the load (see on_mount)
            self.end_preview()
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            with suppress(NoMatches):  # the app may be closing
                self.query_one(StatusBar).progress = None
            self.notify(
                one_line(f"{event.worker.name} failed: {type(error).__name__}: {error}"),
                title="Error",
                severity="error",
                timeout=15,
                markup=False,
            )

    def on_load_progress(self, message: LoadProgress) -> None:
        status = self.query_one(StatusBar)
        if not status.counts_final:  # (a preview's: all the logs that are coming)
            status.logs = len(self.index)
        status.progress = message.batch.fraction
        self._refresh_problem_count()

    def on_forest_ready(self, message: ForestReady) -> None:
        try:
            self._show_forest(message)
        finally:  # once it is on screen
            self.call_after_refresh(message.shown.set)

    def _show_forest(self, message: ForestReady) -> None:
        self.forest = message.forest
        tree = self.query_one(SessionTree)
        first = tree.row_count == 0
        tree.set_forest(message.forest, self.visible_ids)
        self._refresh_shown_session()
        status = self.query_one(StatusBar)
        status.sessions = len(message.forest.sessions)
        status.logs = len(self.index)
        if message.final:
            self.loaded = True
            # What is loaded lives as long as the app: keep the GC from walking it again
            # on every full collection (those pauses stalled keys under write bursts).
            settle_loaded()
            gc.enable()
            self.set_interval(IDLE_CHECK, self._collect_when_idle)
            status.progress = None
            self._refresh_problem_count()
            if not self.log_filter.is_empty:  # chosen while loading: match the new logs too
                self.run_filter(self.log_filter)  # (then a search run while loading again)
            elif self.search_term and self._search_partial:  # it saw only the logs loaded
                self._start_search(self.search_term, again=True)
            if self.watch_files_enabled:
                self.start_watching()
            if not len(self.index):
                if not self.index.files:
                    reason = f"No log files (.jsonl, .json, .gz) under {self.path}."
                else:
                    reason = "No logs could be read; press p to see the problems."
                self.notify(reason, title="Nothing to show", severity="warning", markup=False)
        # While loading, a cursor the user has not moved stays on the newest row (the
        # first rows shown come from the newest file; older files may add newer sessions).
        untouched = first or (
            tree.current_row is not None and tree.current_row.key == self._auto_key
        )
        if untouched and tree.row_count:
            if tree.cursor != 0 or first:
                tree.set_cursor(0)
            self._auto_key = tree.current_row.key if tree.current_row else None
        if message.final:
            self._auto_key = None
            self.end_preview()

    def _refresh_shown_session(self) -> None:
        """After a reload, show the current session as the new forest has it (it may have
        gained logs), keeping the timeline cursor."""
        row = self.query_one(SessionTree).current_row
        if row is None or not isinstance(row.item, Session) or row.key != self._shown_key:
            return
        overview = self.query_one(SessionOverview)
        previous = overview.session
        if previous is row.item:
            return
        if previous is not None and previous.logs == row.item.logs:
            overview.session = row.item
            return
        cursor = overview.table.cursor_row
        overview.show_session(row.item, self.index.preview)
        if overview.row_count:
            overview.table.move_cursor(row=min(cursor, overview.row_count - 1))

    def all_problems(self) -> list[Problem]:
        forest_problems = self.forest.problems if self.forest else []
        journal = self.store.journal.problems if self.store.journal is not None else []
        return self.index.problems + forest_problems + journal + self.type_problems

    def _refresh_problem_count(self) -> None:
        problems = self.all_problems()
        self.query_one(StatusBar).problems = sum(1 for p in problems if p.is_error)
        if isinstance(self.screen, ProblemsScreen):
            self.screen.show_problems(problems)

    # -- showing the selected item -------------------------------------------------------

    @on(SessionTree.Highlighted)
    def on_tree_highlighted(self, message: SessionTree.Highlighted) -> None:
        self._pending_row = message.row
        if self.search_term:
            self.show_hit_place()
        if self._show_timer is not None:
            self._show_timer.stop()
        self._show_timer = self.set_timer(SHOW_DELAY, self._show_pending)

    def open_row(self, row: Row) -> None:
        """Show a log chosen with enter and focus the tab shown.

        Called by the tree as it handles the key (not by a message, which would come
        after keys typed with it): keys typed right after enter go to the transcript.
        """
        self._pending_row = row
        self._show_pending()
        tabs = self.query_one(TabbedContent)
        if tabs.active == "transcript":
            transcript = self.query_one(Transcript)
            if transcript.focusable:
                self.screen.set_focus(transcript, scroll_visible=False)
            else:  # shown just now in place of a session's timeline: once it shows
                transcript.focus()
        else:  # the tab shown, filled just now with this log: at once, as above
            self._focus_pane(tabs.active)
        draw_now(self.screen, self.query_one(Transcript))

    def _show_cursor_row_now(self) -> None:
        """Show the row under the tree cursor now if it is not shown yet (it would be
        after SHOW_DELAY): a key typed together with a cursor move (`j tab`, `j t`) acts
        on the row moved to, as when typed slowly."""
        current = self.query_one(SessionTree).current_row
        if current is None or current.key == self._shown_key:
            return
        if self._show_timer is not None:
            self._show_timer.stop()
            self._show_timer = None
        self._pending_row = current
        self._show_pending()

    def action_focus_next(self) -> None:
        self._show_cursor_row_now()
        super().action_focus_next()

    def action_focus_previous(self) -> None:
        self._show_cursor_row_now()
        super().action_focus_previous()

    def _show_pending(self) -> None:
        with suppress(NoMatches):  # the timer fired while the app was closing
            self._show_current()

    def _show_current(self) -> None:
        row = self._pending_row
        current = self.query_one(SessionTree).current_row
        if row is not None and current is not None and current.key == row.key:
            row = current  # the same item in the newest forest (a reload may have come since)
        if row is None:  # an empty tree (a filter matching nothing): every pane empty
            self._shown_key = None
            switcher = self.query_one("#transcript-switcher", ContentSwitcher)
            if switcher.current != "transcript-view":
                self._focus_tree_if_within(switcher)
                switcher.current = "transcript-view"
            self.query_one(Transcript).clear()
            self._fill_tab("details", self.query_one(Details).clear)
            self._fill_tab("raw", self.query_one(RawView).clear)
            self.query_one(FeedbackPanel).show_items([])
            return
        self.show_row(row)

    def show_row(self, row: Row, *, force: bool = False) -> None:
        """Fill the right-hand panes for a session or log row."""
        if row.key == self._shown_key and not force:
            return
        self._shown_key = row.key
        switcher = self.query_one("#transcript-switcher", ContentSwitcher)
        item = row.item
        shows = "overview" if isinstance(item, Session) else "transcript-view"
        if switcher.current != shows:  # (a filter moved the cursor from a log to a session)
            self._focus_tree_if_within(switcher)
        if isinstance(item, Session):
            switcher.current = "overview"
            self.query_one(SessionOverview).show_session(item, self.index.preview)
            log_id = item.logs[0].id if item.logs else None
        else:
            switcher.current = "transcript-view"
            log_id = item.key
        if log_id is not None:
            self.show_log(log_id, transcript=not isinstance(item, Session))

    def show_log(self, log_id: str, *, transcript: bool = True) -> None:
        summary = self.index.logs.get(log_id)
        if summary is None:
            return
        place = self.index.place(summary)
        try:
            raw = self.index.raw_bytes(log_id)
        except KeyError:  # removed by a live tail since (its update redraws the tree)
            return
        except OSError as error:
            self.query_one(Transcript).show_failure(b"", f"cannot read {place}: {error}")
            return
        self._fill_tab("raw", lambda: self.query_one(RawView).show_raw(raw))
        try:
            record = self.index.record(log_id)
        except KeyError:
            return
        except (RecordError, ValueError) as error:
            self.query_one(Transcript).show_failure(raw, f"{place}: {error}")
            self._fill_tab("details", self.query_one(Details).clear)
            self.query_one(FeedbackPanel).show_items([])
            return
        if transcript:
            self.query_one(Transcript).show_log(record, markdown=self.markdown)
            if self.search_term:
                self.query_one(Transcript).highlight(self.search_term)
            self._reveal_error(log_id)  # reached with `e`
        node = self.forest.nodes.get(log_id) if self.forest is not None else None
        # (a standalone log is never marked orphan: its parent is looked up here)
        orphan = (node is not None and node.orphan) or (
            summary.parent_id is not None and summary.parent_id not in self.index.logs
        )

        def fill_details() -> object:
            return self.query_one(Details).show_log(
                record, place=place, parent_missing=orphan, first_of_session=not transcript
            )

        self._fill_tab("details", fill_details)
        self.query_one(FeedbackPanel).show_items(self.feedback_items(log_id))

    def _fill_tab(self, tab: str, fill: Callable[[], object]) -> None:
        """Fill a tab now if it is shown, else when it is next shown (a hidden Raw and
        Details tab would cost tens of milliseconds on every cursor move)."""
        if self.query_one(TabbedContent).active == tab:
            self._unfilled_tabs.pop(tab, None)
            fill()
        else:
            self._unfilled_tabs[tab] = fill

    def _show_tab(self, tab: str) -> None:
        """Switch tabs, filling the new one first so it never shows an older log."""
        self._show_cursor_row_now()
        fill = self._unfilled_tabs.pop(tab, None)
        if fill is not None:
            fill()
        tabs = self.query_one(TabbedContent)
        # Focus left inside the pane being hidden would be moved by Textual to another
        # widget of that pane, which makes it the active tab again: it goes to the tree
        # first, then into the pane shown.
        leaving = tab != tabs.active and self._focus_tree_if_within(tabs)
        tabs.active = tab
        self._underline_active_tab()
        if leaving:
            self.call_after_refresh(self._focus_pane, tab)

    def _underline_active_tab(self) -> None:
        """Put the tab underline under the active tab now, in the switch's own frame.

        Textual's `Tabs` moves it after that frame is drawn, which draws a second frame,
        and a key pressed soon after it waited for Textual's next frame slot (12-22 ms
        of a 39-50 ms switch to Details). Moved here first, the underline is where
        `Tabs` puts it later, so that changes nothing and draws nothing.
        """
        strip = self.query_one("#tabs Tabs", Tabs)
        active = strip.active_tab
        if active is None:
            return
        start, end = active.virtual_region.shrink(active.styles.gutter).column_span
        underline: Any = strip.query_one("Underline")
        underline.show_highlight = True
        underline.highlight_start = start
        underline.highlight_end = end

    def _focus_tree_if_within(self, container: Widget) -> bool:
        """Give focus to the tree if it is inside `container`, which is being hidden
        (focus on a hidden widget is where no key does anything); whether it was."""
        if not container.has_focus_within:
            return False
        self.screen.set_focus(self.query_one(SessionTree), scroll_visible=False)
        return True

    def _focus_pane(self, tab: str) -> None:
        """Focus the first focusable widget of a tab's pane (else stay in the tree)."""
        pane = self.query_one(TabbedContent).get_pane(tab)
        for widget in self.screen.focus_chain:
            if pane in widget.ancestors:
                self.screen.set_focus(widget, scroll_visible=False)
                return
        if self.screen.focused is None:  # nothing to focus there (an empty Feedback tab)
            self.screen.set_focus(self.query_one(SessionTree), scroll_visible=False)

    @on(TabbedContent.TabActivated)
    def _on_tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """A tab chosen another way (a click): fill it if it waits for content, and with
        focus in the pane hidden (or nowhere), focus goes into the pane shown as with
        `t`."""
        fill = self._unfilled_tabs.pop(event.pane.id or "", None)
        if fill is not None:
            fill()
        self._underline_active_tab()
        focused = self.screen.focused
        tabs = self.query_one(TabbedContent)
        if focused is None or (tabs in focused.ancestors and event.pane not in focused.ancestors):
            self.call_after_refresh(self._focus_pane, event.pane.id or "")

    @on(SessionOverview.LogSelected)
    def on_overview_log_selected(self, message: SessionOverview.LogSelected) -> None:
        """A log chosen in a session's timeline: go to it in the tree and show it."""
        tree = self.query_one(SessionTree)
        if tree.select_key(message.log_id) and tree.current_row is not None:
            self.open_row(tree.current_row)

    # -- actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.HELP_SECTIONS))

    def action_problems(self) -> None:
        self.push_screen(ProblemsScreen(self.all_problems(), self.path))

    TABS = ("transcript", "details", "raw", "feedback")

    def action_tab(self, tab: str) -> None:
        self._show_tab(tab)

    def action_next_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        position = self.TABS.index(tabs.active) if tabs.active in self.TABS else 0
        self._show_tab(self.TABS[(position + step) % len(self.TABS)])

    @on(FeedbackPanel.Selected)
    def on_feedback_selected(self, message: FeedbackPanel.Selected) -> None:
        self.edit_feedback(message.item, message.source)

    @on(FeedbackPanel.AddRequested)
    def on_feedback_add(self) -> None:
        self.action_add_feedback()

    @on(FeedbackPanel.DeleteRequested)
    def on_feedback_delete(self, message: FeedbackPanel.DeleteRequested) -> None:
        self.delete_feedback(message.item, message.source)

    def action_toggle_markdown(self) -> None:
        self.markdown = not self.markdown
        transcript = self.query_one(Transcript)
        record = transcript.record
        if record is not None and record.id == self._shown_key:
            transcript.set_markdown(self.markdown)  # the same message stays focused
        elif (row := self.query_one(SessionTree).current_row) is not None:
            self.show_row(row, force=True)
        self.notify(f"Markdown {'on' if self.markdown else 'off'}", timeout=2, markup=False)

    def _current_log_id(self) -> str | None:
        row = self.query_one(SessionTree).current_row
        if row is None:
            return None
        if isinstance(row.item, Session):
            return row.item.logs[0].id if row.item.logs else None
        return row.item.key

    def action_copy(self) -> None:
        transcript = self.query_one(Transcript)
        text = transcript.current_text() if transcript.has_focus_within else None
        what = "message"
        if text is None:
            log_id = self._current_log_id()
            if log_id is None:
                return
            raw = self._read_raw(log_id)
            if raw is None:
                return
            text = pretty_json(raw).decode("utf-8", errors="replace")
            row = self.query_one(SessionTree).current_row
            on_session = row is not None and isinstance(row.item, Session)
            what = "session's first log as JSON" if on_session else "log JSON"
        self.copy_to_clipboard(text)
        self.notify(
            f"Copied the {what} ({len(text):,} characters) with OSC 52. "
            "If nothing arrives, your terminal does not allow clipboard access.",
            timeout=4,
            markup=False,
        )

    def _read_raw(self, log_id: str) -> bytes | None:
        """A log's stored bytes, or None (with an error notice) when its file cannot be read."""
        try:
            return self.index.raw_bytes(log_id)
        except (OSError, ValueError) as error:
            self.notify(
                one_line(f"Cannot read {log_id}: {error}"),
                title="Error",
                severity="error",
                markup=False,
            )
            return None

    def action_open_external(self) -> None:
        log_id = self._current_log_id()
        if log_id is None:
            return
        raw = self._read_raw(log_id)
        if raw is None:
            return
        pretty = pretty_json(raw)
        command = os.environ.get("PAGER") or os.environ.get("EDITOR") or "less"
        with tempfile.NamedTemporaryFile("wb", suffix=".json", prefix="hltui-", delete=False) as f:
            f.write(pretty)
            name = f.name
        try:
            with self.suspend():
                subprocess.call([*shlex.split(command), name])
        except SuspendNotSupported:
            self.notify(
                f"Cannot run {one_line(command)} here: this terminal cannot be suspended. "
                "Press y to copy the log instead.",
                title="Error",
                severity="error",
                markup=False,
            )
        except Exception as error:
            self.notify(one_line(f"Cannot open {command}: {error}"), severity="error", markup=False)
        finally:
            os.unlink(name)
        self.refresh()

    # -- errors --------------------------------------------------------------------------

    def step_to(
        self, wanted: Callable[[str], bool], step: int, nothing: str, what: str
    ) -> str | None:
        """Move the tree cursor to the next (or previous) visible log that is `wanted`
        (`what` names such a log in the notes); the log moved to, if any.

        Walks the tree order from the cursor only as far as the log it finds, and says
        when it went round the end of the tree, or found only the log it started on
        (`e` on the only error did nothing, without a word).
        """
        forest = self.forest
        if forest is None:
            return None
        visible = self.visible_ids
        tree = self.query_one(SessionTree)
        current = self._current_log_id()
        before_end, after_wrap = forest.tree_order_split(current, step)
        row = tree.current_row
        on_session = row is not None and isinstance(row.item, Session)
        if current is not None and on_session and step > 0:
            before_end = itertools.chain([current], before_end)  # its first log is "next"
        for order, wrapped in ((before_end, False), (after_wrap, True)):
            for log_id in order:
                if (visible is None or log_id in visible) and wanted(log_id):
                    if log_id == current and not on_session:
                        self.notify(f"No other {what}", timeout=2, markup=False)
                    elif wrapped:
                        end = "first" if step > 0 else "last"
                        self.notify(f"Back to the {end} {what}", timeout=2, markup=False)
                    tree.select_key(log_id)
                    return log_id
        self.notify(nothing, timeout=2)
        return None

    def _has_error(self, log_id: str) -> bool:
        summary = self.index.logs.get(log_id)
        return summary is not None and summary.error is not None

    def action_next_error(self) -> None:
        self._step_to_error(1)

    def action_previous_error(self) -> None:
        self._step_to_error(-1)

    def _step_to_error(self, step: int) -> None:
        """Go to the next error log, its error block in view (it was below the screen)."""
        found = self.step_to(self._has_error, step, "No error logs", "error log")
        if found is None:
            return
        self._error_to_show = found
        if self._shown_key == found:  # shown already: it is not shown again
            self._reveal_error(found)

    def _reveal_error(self, log_id: str) -> None:
        if self._error_to_show == log_id:
            self._error_to_show = None
            self.query_one(Transcript).show_error()

    # -- filter --------------------------------------------------------------------------

    def action_filter(self) -> None:
        logs = list(self.index.logs.values())  # a copy: the loader thread may be adding logs
        projects = sorted({log.project for log in logs if log.project})
        models = sorted({log.model for log in logs if log.model})
        self.push_screen(FilterScreen(self.log_filter, projects, models), self._filter_chosen)

    def _filter_chosen(self, log_filter: LogFilter | None) -> None:
        if log_filter is None:
            return
        self.log_filter = log_filter
        self.run_filter(log_filter)

    def set_filter(self, log_filter: LogFilter) -> None:
        """Apply a filter (also used by the command palette)."""
        self._filter_chosen(log_filter)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def run_filter(self, log_filter: LogFilter) -> None:
        forest = self.forest
        visible, places = filter_with_places(self.index, log_filter, forest, self.store)
        self.post_message(FilterApplied(visible, log_filter.describe(), forest, places))

    def on_filter_applied(self, message: FilterApplied) -> None:
        self.visible_ids = message.visible
        status = self.query_one(StatusBar)
        # not the same filter run again (after a feedback edit, a live tail)
        changed = status.filter_text != message.description
        status.filter_text = message.description
        status.shown = None if message.visible is None else len(message.visible)
        if self.forest is not None:
            places = message.places if message.forest is self.forest else None
            self.query_one(SessionTree).set_forest(self.forest, self.visible_ids, places)
            self._refresh_shown_session()
        if message.visible is not None and not message.visible:
            self.notify("No log matches the filter", severity="warning", timeout=3)
        partial = self._search_partial and self.loaded  # run while loading
        if (changed or partial) and self.search_term:  # its hits were of the logs shown before
            self._start_search(self.search_term, again=True)

    # -- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search", "Search the text of every log (/)", self.action_search)
        yield SystemCommand(
            "Filter", "Filter by project, model, error, feedback… (f)", self.action_filter
        )
        # each adds its condition to the filter in place (it replaced the whole filter)
        yield SystemCommand(
            "Filter: errors only",
            "Keep only logs with an error (within the current filter)",
            lambda: self.set_filter(replace(self.log_filter, has_error=True)),
        )
        yield SystemCommand(
            "Filter: with feedback",
            "Keep only logs with feedback (within the current filter)",
            lambda: self.set_filter(replace(self.log_filter, has_feedback=True)),
        )
        yield SystemCommand(
            "Filter: without feedback",
            "Keep only logs nobody has reviewed (within the current filter)",
            lambda: self.set_filter(
                replace(self.log_filter, has_feedback=False, feedback_value=None)
            ),
        )
        yield SystemCommand("Clear filter", "Show every log", lambda: self.set_filter(LogFilter()))
        yield SystemCommand(
            "Problems", "Show problems found in the files (p)", self.action_problems
        )
        yield SystemCommand("Next error", "Jump to the next error log (e)", self.action_next_error)
        yield SystemCommand("Copy", "Copy the message or log JSON (y)", self.action_copy)
        yield SystemCommand(
            "Open in pager", "Open the log in $PAGER/$EDITOR (o)", self.action_open_external
        )
        yield SystemCommand(
            "Markdown", "Toggle markdown rendering (m)", self.action_toggle_markdown
        )
        yield SystemCommand("Help", "Show every key (?)", self.action_help)
        yield SystemCommand(
            "Follow new logs", "Select new logs as they arrive (F)", self.action_toggle_follow
        )
        yield SystemCommand("Newest log", "Jump to the newest log (L)", self.action_jump_newest)
        yield SystemCommand(
            "Next log without feedback", "The review queue (])", self.action_next_unrated
        )
        yield SystemCommand(
            "Add feedback", "Add a feedback item to the log", self.action_add_feedback
        )
        yield SystemCommand(
            "Undo feedback edit", "Undo the last edit of this run (u)", self.action_undo
        )
        yield SystemCommand(
            "Retry saving feedback", "Write pending feedback edits", self.action_retry_feedback
        )
        yield SystemCommand(
            "Save feedback to another file",
            "Write pending edits (and the journal) to another journal file",
            self.action_save_feedback_as,
        )
