"""Filters over summaries and full-text search over the stored bytes of every log."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, KeysView, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Protocol

import msgspec
import orjson

from hltui.model import scan
from hltui.model.columns import FilterColumns, filter_columns, positions_in
from hltui.model.index import FileState, LogIndex, gc_paused
from hltui.model.sessions import Forest
from hltui.model.sources import FileKind
from hltui.model.summary import FeedbackPairs, LogSummary

_id = attrgetter("id")


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What to keep; every field set must match (None means any)."""

    project: str | None = None
    model: str | None = None
    has_error: bool | None = None
    has_feedback: bool | None = None
    feedback_value: str | None = None
    since: float | None = None
    until: float | None = None
    text: str | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self))

    def describe(self) -> str:
        """A short description, e.g. `project=support-bot error`."""
        parts = []
        if self.project:
            parts.append(f"project={self.project}")
        if self.model:
            parts.append(f"model={self.model}")
        if self.has_error is not None:
            parts.append("error" if self.has_error else "no error")
        if self.has_feedback is not None:
            parts.append("feedback" if self.has_feedback else "no feedback")
        if self.feedback_value:
            parts.append(f"feedback={self.feedback_value}")
        if self.since is not None:
            parts.append(f"since {datetime.fromtimestamp(self.since, UTC):%Y-%m-%d}")
        if self.until is not None:
            parts.append(f"until {datetime.fromtimestamp(self.until, UTC):%Y-%m-%d}")
        if self.text:
            parts.append(f"text={self.text!r}")
        return " ".join(parts)

    def matches(self, log: LogSummary, feedback: FeedbackPairs | None = None) -> bool:
        """Whether a summary passes every field but `text` (which needs the bytes);
        `feedback` replaces the summary's own feedback pairs when given."""
        if feedback is not None:
            log = msgspec.structs.replace(log, feedback=tuple(feedback) or None)
        return bool(self.select([log]))

    def select(self, logs: list[LogSummary]) -> list[LogSummary]:
        """The logs that pass every field but `text`."""
        return [logs[p] for p in self.select_positions(logs)]

    @property
    def _by_column(self) -> bool:
        """Whether a field `FilterColumns` holds is set."""
        return bool(self.project or self.model) or (
            self.has_error is not None or self.has_feedback is not None
        )

    def select_positions(
        self, logs: list[LogSummary], columns: FilterColumns | None = None
    ) -> list[int]:
        """The positions in `logs` of those that pass every field but `text`, in order.

        With `columns` made of `logs`, project, model, error and feedback are read from
        them (a few passes in C); otherwise, and for the other fields, the list is
        narrowed one field at a time, each in one comprehension with no call per log:
        several times faster than a predicate call per log on hundreds of thousands.
        """
        mask = None
        if columns is not None and columns.count == len(logs) and self._by_column:
            mask = columns.mask(self.project, self.model, self.has_error, self.has_feedback)
        picked = positions_in(mask) if mask is not None else self._by_fields(logs)
        if self.feedback_value:
            wanted = self.feedback_value.casefold()
            picked = [
                p
                for p in picked
                if (feedback := logs[p].feedback)
                and any(str(v).casefold() == wanted for _, v in feedback)
            ]
        if self.since is not None:  # NaN compares false: unknown times drop out
            picked = [p for p in picked if logs[p].time >= self.since]
        if self.until is not None:
            picked = [p for p in picked if logs[p].time < self.until]
        return picked

    def _by_fields(self, logs: list[LogSummary]) -> list[int]:
        """`select_positions` for project, model, error and feedback without columns."""
        project, model = self.project, self.model
        if project:
            picked = [p for p, log in enumerate(logs) if log.project == project]
            if model:
                picked = [p for p in picked if logs[p].model == model]
        elif model:
            picked = [p for p, log in enumerate(logs) if log.model == model]
        else:
            picked = list(range(len(logs)))
        if self.has_error is not None:
            picked = [p for p in picked if (logs[p].error is not None) is self.has_error]
        if self.has_feedback is not None:
            picked = [p for p in picked if bool(logs[p].feedback) is self.has_feedback]
        return picked


def parse_day(text: str, *, end: bool = False) -> float:
    """`YYYY-MM-DD` (or a full RFC 3339 time) as epoch seconds; `end` gives the next day."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(text.strip()) == 10:
        return moment.timestamp() + 86400
    return moment.timestamp()


class FeedbackSource(Protocol):
    """Merged feedback (journal edits included), e.g. `feedback.FeedbackStore`."""

    def pairs(self, log_id: str) -> FeedbackPairs: ...

    def touched(self) -> Collection[str]:
        """The logs whose merged feedback may differ from their summary's."""
        ...


@gc_paused()
def apply_filter(
    index: LogIndex, log_filter: LogFilter, feedback: FeedbackSource | None = None
) -> set[str] | None:
    """Ids of the logs that match, or None when the filter is empty (everything shows).

    `feedback` supplies merged feedback for the feedback fields; only the logs it has
    touched are looked up there, the rest use their summaries.
    """
    if log_filter.is_empty:
        return None
    base = replace(log_filter, text=None)
    logs = list(index.logs.values())  # a snapshot: the tailer may add logs
    columns = filter_columns(index, logs)
    if feedback is not None and (base.has_feedback is not None or base.feedback_value):
        touched = feedback.touched()
        picked = (logs[p].id for p in base.select_positions(logs, columns))
        ids = {log_id for log_id in picked if log_id not in touched}
        for log_id in touched:
            log = index.logs.get(log_id)
            if log is not None and base.matches(log, feedback.pairs(log_id)):
                ids.add(log_id)
    else:
        ids = set(map(_id, map(logs.__getitem__, base.select_positions(logs, columns))))
    if log_filter.text:
        ids &= set(search(index, log_filter.text, only=ids))
    return ids


@gc_paused()
def filter_with_places(
    index: LogIndex,
    log_filter: LogFilter,
    forest: Forest | None,
    feedback: FeedbackSource | None = None,
) -> tuple[Collection[str] | None, list[int] | None]:
    """`apply_filter`, with the places in `forest.items` of the top items holding the
    logs that match (None for no filter or no forest).

    The ids come as a dict (id -> None), not a set: a dict of strings is never tracked by
    the cyclic GC, where a set of 100k ids held by the app would be read through by the
    collections that follow (tens of ms each, just as the filtered tree is drawn).

    When the forest knows the top item of each log by position (`Forest.by_position`),
    the places come from the positions of the logs that match, without a lookup per
    log (the logs whose feedback was edited in this session are checked again with
    their merged feedback); otherwise (text, logs added since) each matching log is
    looked up.
    """
    if log_filter.is_empty:
        return None, None
    if forest is None:
        matching = apply_filter(index, log_filter, feedback)
        return (None if matching is None else dict.fromkeys(matching)), None
    touches_feedback = log_filter.has_feedback is not None or bool(log_filter.feedback_value)
    edited = feedback.touched() if feedback is not None and touches_feedback else ()
    if not log_filter.text and forest.by_position is not None:
        logs = list(index.logs.values())  # a snapshot: the tailer may add logs
        positions = log_filter.select_positions(logs, filter_columns(index, logs))
        if edited:
            positions = _with_merged_feedback(index, log_filter, positions, edited, feedback)
        places = forest.tops_at(index, positions) if positions is not None else None
        if places is not None and positions is not None:
            return dict.fromkeys(map(_id, map(logs.__getitem__, positions))), places
    matching = apply_filter(index, log_filter, feedback)
    if matching is None:
        return None, None
    return dict.fromkeys(matching), forest.tops_showing(matching)


def _with_merged_feedback(
    index: LogIndex,
    log_filter: LogFilter,
    positions: list[int],
    edited: Collection[str],
    feedback: FeedbackSource | None,
) -> list[int] | None:
    """`positions` (chosen by the summaries' feedback), with the logs whose feedback was
    edited chosen again by their merged feedback; None when positions do not fit."""
    position = index.position_finder()
    if position is None or feedback is None:
        return None
    now_in: set[int] = set()
    now_out: set[int] = set()
    for log_id in edited:
        log = index.logs.get(log_id)
        if log is None:
            continue
        try:
            at = position(log)
        except KeyError:
            return None
        (now_in if log_filter.matches(log, feedback.pairs(log_id)) else now_out).add(at)
    kept = [p for p in positions if p not in now_out] if now_out else positions
    return sorted({*kept, *now_in}) if now_in else kept


def needles(term: str) -> list[bytes]:
    """The lowercased byte spellings `term` may have inside JSON text.

    Text in JSON may be stored escaped (`\\"`, `\\n`, `\\u00e9`) or as raw UTF-8, so each
    spelling is searched. Matching is case-insensitive for ASCII letters (as in `grep -i`
    on bytes): both the needles and the searched bytes are lowercased with `bytes.lower`.
    """
    spellings = {term.encode()}
    spellings.add(orjson.dumps(term)[1:-1])
    spellings.add(term.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00"))
    return sorted({s.lower() for s in spellings}, key=len, reverse=True)


def matches_bytes(data: bytes, wanted: list[bytes]) -> bool:
    """Whether `data` contains any of the `needles` (case-insensitive)."""
    low = data.lower()
    return any(needle in low for needle in wanted)


@gc_paused()
def search(
    index: LogIndex,
    term: str,
    *,
    only: Collection[str] | None = None,
    on_hits: Callable[[Sequence[str]], None] | None = None,
    on_places: Callable[[int, Sequence[int], Sequence[str]], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    keep: bool = True,
) -> list[str]:
    """Ids of logs whose stored text contains `term` (case-insensitive), file by file.

    Plain JSONL files are scanned in large blocks, by a pool of processes when there is
    much to read (see `hltui.model.scan`); other files record by record. Each file's
    hits go to `on_hits`, and to `on_places` with the file's number in `index.files`
    and their places in its `log_ids`; with `keep` False, that is all (nothing is
    returned).

    A file's hits come as a tuple of ids: once the cyclic GC has seen a tuple holding only
    strings it no longer tracks it, where a list of 375k hits would be read through, id by
    id, by every full collection while it lives (0.1-0.3 s each).
    """
    if not term:
        return []
    wanted = needles(term)
    # Files holding none of the logs asked for (`only`) are not read at all.
    states = [s for s in index.files if only is None or _holds_any(only, s.log_ids)]
    lines = [s for s in states if s.kind is FileKind.JSONL]
    scanned = _scan_lines(lines, wanted, cancelled)
    found: list[tuple[str, ...]] = []
    for state in states:
        if cancelled is not None and cancelled():
            break
        log_ids = state.log_ids
        if state.kind is FileKind.JSONL:
            path, places = next(scanned, (None, []))
            if path != state.path:
                break  # cancelled
            if only is not None:
                places = [p for p in places if log_ids[p] in only]
        else:
            places = [
                place
                for place, log_id in enumerate(list(log_ids))
                if (only is None or log_id in only)
                and log_id in index.logs
                and _record_matches(index, log_id, wanted)
            ]
        if places:
            hits = tuple(map(log_ids.__getitem__, places))
            if keep:
                found.append(hits)
            if on_hits is not None:
                on_hits(hits)
            if on_places is not None:
                on_places(index.file_ids[state.path], places, hits)
    return list(chain.from_iterable(found))


def matching_logs(index: LogIndex, term: str, log_ids: Iterable[str]) -> list[str]:
    """Which of `log_ids` hold `term`, as `search` finds it, record by record: for the
    few logs a live tail adds while a search's hits are shown."""
    if not term:
        return []
    wanted = needles(term)
    return [
        log_id
        for log_id in log_ids
        if log_id in index.logs and _record_matches(index, log_id, wanted)
    ]


def prepare_search(index: LogIndex) -> bool:
    """Get ready for a search of `index` (the user is typing the term): start the search
    processes when its plain JSONL files are big enough for them."""
    total = sum(s.size for s in index.files if s.kind is FileKind.JSONL)
    return total >= scan.PARALLEL_MIN and scan.warm_up()


def _scan_lines(
    states: list[FileState], wanted: list[bytes], cancelled: Callable[[], bool] | None
) -> Iterator[tuple[Path, Sequence[int]]]:
    """For each plain JSONL file (in order), the places in its `log_ids` of the logs whose
    lines hold a needle, scanned (and placed) by worker processes when there is much to
    read."""
    paths = [s.path for s in states]
    # the tailer may be adding a log: its offset may come before its id
    logs = [s.offsets[: min(len(s.log_ids), len(s.offsets))] for s in states]
    if sum(s.size for s in states) >= scan.PARALLEL_MIN and scan.worker_count() > 1:
        yield from scan.scan_in_parallel(paths, wanted, logs, cancelled)
        return
    for path, offsets in zip(paths, logs, strict=True):
        yield path, scan.places_of(scan.lines_or_nothing(path, wanted), offsets)


def _record_matches(index: LogIndex, log_id: str, wanted: list[bytes]) -> bool:
    try:
        return matches_bytes(index.raw_bytes(log_id), wanted)
    except OSError:
        return False


def _holds_any(wanted: Collection[str], log_ids: list[str]) -> bool:
    """Whether any of `log_ids` is in `wanted` (a set, or a dict's keys)."""
    keys = wanted.keys() if isinstance(wanted, dict) else wanted
    if isinstance(keys, set | frozenset | KeysView):
        return not keys.isdisjoint(log_ids)
    return any(log_id in wanted for log_id in log_ids)
