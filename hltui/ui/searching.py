"""Searching in the app: the search box, hits streaming in from a worker, `n` / `N`
from the cursor, and the hits kept up to date as filters change and a live tail adds
logs. The scanning itself is the core's (`hltui.model.query.search`)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.actions import SkipAction
from textual.worker import get_current_worker

from hltui.model.hits import HitChunks, HitMarks, HitsInOrder, hit_index, hits_after_tail
from hltui.model.query import matching_logs, prepare_search, search
from hltui.model.sessions import Forest, Session, TreeOrder
from hltui.model.wording import counted
from hltui.ui.messages import SearchHits
from hltui.ui.screens.browser import BrowserScreen
from hltui.ui.widgets.key_footer import takes_text
from hltui.ui.widgets.search_box import SearchBox
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.status_bar import StatusBar
from hltui.ui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from hltui.ui.app import HltuiApp

SEARCH_PROGRESS_INTERVAL = 0.5  # seconds between drawings of a search's hits so far


@dataclass(frozen=True, slots=True)
class TailHits:
    """A search's hits after a live tail: `before` them, now `hits`; `found` new."""

    term: str
    before: Sequence[str]
    hits: list[str]
    found: list[str]


class SearchMixin:
    """Full-text search for HltuiApp."""

    def skip_unless_browsing(self: HltuiApp) -> None:
        """For keys taken before the focused widget (`/`, `c`, `x`, see BINDINGS): in a
        text box they type themselves, and on another screen they are its own."""
        if not isinstance(self.screen, BrowserScreen) or takes_text(self.focused):
            raise SkipAction()

    def action_search(self: HltuiApp) -> None:
        self.skip_unless_browsing()
        box = self.query_one("#search", SearchBox)
        self._focus_before_search = self.focused
        box.display = True
        box.value = self.search_term
        # focused now, not after the keys already queued: they go to the box
        self.screen.set_focus(box)
        self.run_worker(
            lambda: prepare_search(self.index),
            thread=True,
            group="search-processes",
            exclusive=True,
            exit_on_error=False,
        )

    def _search_box_closed(self: HltuiApp, term: str | None) -> None:
        """`enter` (search for `term`) or `escape` (None) in the search box, handled as
        the box takes the key, so the keys typed after it go where focus goes now."""
        box = self.query_one("#search", SearchBox)
        box.display = False
        if term is None:  # cancelled: back to where `/` was pressed
            before = self._focus_before_search
            if before is None or not before.is_attached or not before.focusable:
                before = self.shown_tree()
            elif before is self.query_one("#tree") and self.preview_tree is not None:
                before = self.preview_tree  # a preview came meanwhile, in its place
            self.screen.set_focus(before)
            return
        self.screen.set_focus(self.shown_tree())
        if not term:
            self.action_clear_search()
            return
        self._start_search(term)

    def _start_search(self: HltuiApp, term: str, *, again: bool = False) -> None:
        """Search the logs the filter shows for `term`, from nothing found yet; `again`
        (a filter changed, the load ended): the cursor stays where it is when it is done."""
        self._stop_search_progress()
        self._search_again = again
        self._steps_waiting = 0
        self._added_while_searching = []
        self.search_term = term
        # started while loading: the logs still to come are searched at the end of it
        self._search_partial = not self.loaded
        self.hits = HitChunks()
        self.hit_position = -1
        self.query_one(SessionTree).marks = HitMarks()
        self.query_one(StatusBar).search_text = f"searching {term!r}…"
        self.run_search(term)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self: HltuiApp, term: str) -> None:
        """Search in a worker; hits stream in file by file, and are put in tree order
        here (batch by batch, while the scanning threads read on), so the UI only has to
        draw them."""
        worker = get_current_worker()
        forest = self.forest
        marks = HitMarks(self.index)
        # Marked by position, the hits are put in tree order at the end by reading the
        # forest's positions in tree order; else sorted into sessions as they come.
        by_marks = forest is not None and forest.tree_positions is not None and marks.by_position
        order = TreeOrder(forest, self.index) if forest is not None and not by_marks else None

        def on_places(file: int, places: Sequence[int], found: Sequence[str]) -> None:
            marks.add(found, file, places)  # marked here, drawn as they come
            self.post_message(SearchHits(term, found, marks=marks))
            if order is not None:  # sorted into sessions while the next files are read
                order.add_places(file, places, found)

        search(
            self.index,
            term,
            only=self.visible_ids,
            on_places=on_places,
            cancelled=lambda: worker.is_cancelled,
            keep=False,  # the marks have them all; no list of every hit for the GC to read
        )
        if worker.is_cancelled:
            return
        ordered = None
        if forest is not None and self.forest is forest:
            if by_marks:
                ordered = marks.in_tree_order(forest, self.index)
            elif order is not None:
                ordered = order.ordered()
        if ordered is None:  # no forest yet, or a new one came (live tail) while searching
            ordered = self._in_tree_order(marks.all_ids())
        self.post_message(SearchHits(term, ordered, done=True))

    def on_search_hits(self: HltuiApp, message: SearchHits) -> None:
        if message.term != self.search_term:
            return
        tree = self.query_one(SessionTree)
        status = self.query_one(StatusBar)
        if not message.done:
            if isinstance(self.hits, HitChunks):  # the hits so far, as found
                self.hits.add(message.hits)
            if message.marks is not None and tree.marks is not message.marks:
                tree.marks = message.marks
            self._draw_search_progress_soon()
            return
        self._stop_search_progress()
        self.hits = message.hits
        added, self._added_while_searching = self._added_while_searching, []
        if added:  # the tail added logs to files the search may have read already
            self._search_added_later(message.term, added)
        if not self.hits:
            status.search_text = f"no hits for {message.term!r}"
            self.notify(f"No log contains {message.term!r}", markup=False, timeout=3)
            return
        status.search_text = f"{counted(len(self.hits), 'hit')} for {message.term!r}"
        if self._search_again:  # run again for a filter or the end of the load: stay put
            self.show_hit_place()
            return
        self._step_hit(1, here_too=True)  # the first from the cursor, the cursor's own too
        steps, self._steps_waiting = self._steps_waiting, 0
        for _ in range(abs(steps)):  # `n` / `N` typed before the hits came
            self._step_hit(1 if steps > 0 else -1)

    def show_hit_place(self: HltuiApp) -> None:
        """Say which hit the cursor is on (`hit i/N`), or how many there are: it said the
        last hit reached after the cursor had moved off it."""
        hits, term = self.hits, self.search_term
        if not term or isinstance(hits, HitChunks):  # none yet, or still searching
            return
        current = self._current_log_id()
        at = self.hit_position
        row = self.query_one(SessionTree).current_row
        on_log = row is not None and not isinstance(row.item, Session)
        if current is None or not on_log:
            at = -1
        elif not (0 <= at < len(hits) and hits[at] == current):
            summary = self.index.logs.get(current)
            marks = self.query_one(SessionTree).marks
            hit = summary is not None and marks.has(summary)
            found = hit_index(hits, current, marks.position_of(summary)) if hit else None
            at = -1 if found is None else found
        if at >= 0:
            self.hit_position = at
            text = f"hit {at + 1:,}/{len(hits):,} for {term!r}"
        else:
            text = f"{counted(len(hits), 'hit')} for {term!r}" if hits else f"no hits for {term!r}"
        self.query_one(StatusBar).search_text = text

    @work(thread=True, group="search-added", exit_on_error=False)
    def _search_added_later(self: HltuiApp, term: str, added: list[str]) -> None:
        """The logs a live tail added while the search ran, searched now and joined to
        its hits (it had read their files already: 622 hits where there were 624)."""
        forest = self.forest
        if forest is None:
            return
        searched = self.hits_with(term, self.hits, added, [], forest, self.visible_ids)
        if searched is not None:
            self.call_from_thread(self.hits_grown, searched)

    def hits_with(
        self: HltuiApp,
        term: str,
        hits: Sequence[str],
        added: list[str],
        removed: list[str],
        forest: Forest,
        shown: Collection[str] | None,
    ) -> TailHits | None:
        """The search's hits with the logs `added` that hold its term (those the filter
        shows) and without the logs `removed`; None when they stay as they are. (In a
        thread: it reads the logs added.)"""
        wanted = [log_id for log_id in added if shown is None or log_id in shown]
        found = matching_logs(self.index, term, wanted)
        if not found and not removed:
            return None
        return TailHits(term, hits, hits_after_tail(forest, hits, found, removed), found)

    def search_running(self: HltuiApp) -> bool:
        return any(w.group == "search" and not w.is_finished for w in self.workers)

    def hits_grown(self: HltuiApp, searched: TailHits) -> None:
        """Take the hits of the search shown after a live tail added (or removed) logs:
        the new ones are marked, counted and reached with `n` in tree order; the status
        bar says the hit under the cursor, as it does after a move."""
        if searched.term != self.search_term or self.search_running():
            return  # another search, or cleared, or one running (it reads them itself)
        hits = searched.hits
        if self.hits is not searched.before:  # grown meanwhile by another tail update
            if self.forest is None or isinstance(self.hits, HitChunks):
                return
            hits = hits_after_tail(self.forest, self.hits, searched.found, ())
        self.hits = hits
        self.hit_position = -1  # worked out again from the cursor
        tree = self.query_one(SessionTree)
        if searched.found:
            tree.marks.add(searched.found)
        tree.refresh()
        self.show_hit_place()

    def _draw_search_progress_soon(self: HltuiApp) -> None:
        """Show the hits found so far, at most every SEARCH_PROGRESS_INTERVAL: drawing
        the tree for each file searched (30 ms each) took a core from the scanning."""
        if self._progress_timer is not None:
            return
        wait = self._progress_drawn_at + SEARCH_PROGRESS_INTERVAL - time.monotonic()
        if wait <= 0:
            self._draw_search_progress(self.search_term)
        else:
            term = self.search_term
            self._progress_timer = self.set_timer(wait, lambda: self._draw_search_progress(term))

    def _stop_search_progress(self: HltuiApp) -> None:
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None

    def _draw_search_progress(self: HltuiApp, term: str) -> None:
        self._progress_timer = None
        if term != self.search_term or not self.screen_stack:  # (or the app is closing)
            return
        self._progress_drawn_at = time.monotonic()
        self.query_one(SessionTree).refresh()
        status = self.query_one(StatusBar)
        status.search_text = f"searching {term!r}… {counted(len(self.hits), 'hit')}"

    def _in_tree_order(self: HltuiApp, ids: Sequence[str]) -> list[str]:
        forest = self.forest
        return forest.in_tree_order(ids) if forest is not None else []

    def _step_hit(self: HltuiApp, step: int, *, here_too: bool = False) -> None:
        """Go to the next (or previous) hit: after the one the cursor is on, or else the
        first from the cursor in tree order, as `n` in less or vim (it went on from the
        last hit reached, wherever the cursor had been moved since); with `here_too`,
        the log under the cursor counts (a search just done)."""
        if not self.hits or isinstance(self.hits, HitChunks):
            if self.search_running():  # taken once the hits are in (`n` right after enter)
                self._steps_waiting += step
                if not self.hits:
                    self.notify("Still searching: no hits yet", timeout=2)
                return
            if not self.hits:
                if self.search_term:
                    self.notify("No hits", timeout=2)
                return
        was = self.hit_position
        found = self._hit_from_cursor(step, here_too=here_too)
        if found is None:
            found = (self.hit_position + step) % len(self.hits)
        if was >= 0 and not here_too:  # as `e` does: say it went round the end
            if found == was:
                self.notify("No other hit", timeout=2, markup=False)
            elif (found < was) == (step > 0):
                end = "first" if step > 0 else "last"
                self.notify(f"Back to the {end} hit", timeout=2, markup=False)
        self.hit_position = found
        hit = self.hits[self.hit_position]
        self.query_one(SessionTree).select_key(hit)
        transcript = self.query_one(Transcript)
        if transcript.record is not None and transcript.record.id == hit:
            transcript.highlight(self.search_term)  # shown already: it is not shown again
        self.query_one(
            StatusBar
        ).search_text = f"hit {self.hit_position + 1:,}/{len(self.hits):,} for {self.search_term!r}"

    def _hit_from_cursor(self: HltuiApp, step: int, *, here_too: bool) -> int | None:
        """Which hit is the first from the cursor (`step` -1: backwards); None when the
        cursor is on the hit reached last (the next is the one after it) or none is found.

        Walks the tree order from the cursor only as far as the hit it finds."""
        hits, forest = self.hits, self.forest
        current = self._current_log_id()
        row = self.query_one(SessionTree).current_row
        if current is None or forest is None or row is None:
            return None
        on_session = isinstance(row.item, Session)
        at = self.hit_position
        if not (here_too or on_session) and 0 <= at < len(hits) and hits[at] == current:
            return None
        marks = self.query_one(SessionTree).marks
        logs = self.index.logs
        here = here_too or (on_session and step > 0)
        summary = logs.get(current)
        if summary is not None and isinstance(hits, HitsInOrder):
            try:  # in C, from the forest's positions in tree order
                found = marks.next_in_tree(forest, self.index, summary, step, here)
            except LookupError:
                pass
            else:
                return None if found is None else hit_index(hits, "", found)
        before_end, after_wrap = forest.tree_order_split(current, step)
        for log_id in itertools.chain([current] if here else [], before_end, after_wrap):
            summary = logs.get(log_id)
            if summary is not None and marks.has(summary):
                return hit_index(hits, log_id, marks.position_of(summary))
        return None

    def action_next_hit(self: HltuiApp) -> None:
        self._step_hit(1)

    def action_previous_hit(self: HltuiApp) -> None:
        self._step_hit(-1)

    def action_clear_search(self: HltuiApp) -> None:
        if self.query_one("#search", SearchBox).display:
            self._search_box_closed(None)
            return
        self._stop_search_progress()
        self.search_term = ""
        self.hits = []
        tree = self.query_one(SessionTree)
        tree.marks = HitMarks()
        tree.refresh()
        self.query_one(StatusBar).search_text = ""
        self.query_one(Transcript).highlight("")
