"""HitMarks: which logs a search hit, for drawing them marked.

Marked by position in the index (a byte per log: 0.5 MB at 500k logs) while the index
holds its logs file by file, as after a load; a dict of 375k hit ids cost 21 MB and
0.2 s of the UI thread to fill. Otherwise (a tailer added logs out of that order, or
logs were removed since), by id.

The hits themselves are never one list of every id: `HitChunks` keeps them as they come
(a tuple per file), `HitsInOrder` as positions in tree order, read as ids when asked.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Sequence
from typing import overload

from hltui.model.index import LogIndex
from hltui.model.sessions import Forest
from hltui.model.summary import LogSummary


class HitMarks:
    """Search hits, filled (maybe from a worker thread) as they are found."""

    def __init__(self, index: LogIndex | None = None) -> None:
        self._index = index
        self._positions = index.positions() if index is not None else None
        self._bytes: bytearray | None = (
            bytearray(len(index.logs))
            if index is not None and self._positions is not None
            else None
        )
        self._ids: dict[str, None] = {}  # a dict: the GC does not track it
        # every id given, for when positions stop fitting: tuples, which the GC stops
        # tracking once it has seen they hold only strings
        self._given: list[tuple[str, ...]] = []
        self.count = 0
        # each mark in a tree order (that order, its length and the count then): see
        # `next_in_tree`
        self._flags: tuple[array[int], tuple[int, int], bytes] | None = None

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def by_position(self) -> bool:
        """Whether hits are marked by position (else by id)."""
        return self._bytes is not None

    def add(
        self, log_ids: Sequence[str], file: int | None = None, places: Sequence[int] = ()
    ) -> None:
        """Mark `log_ids`: the logs at `places` (ascending) in the `log_ids` of file
        number `file`. `count` grows once they are all marked, so a reader that saw a
        count has seen every mark made before it."""
        try:
            self._mark(log_ids, file, places)
        finally:
            self.count += len(log_ids)

    def _mark(self, log_ids: Sequence[str], file: int | None, places: Sequence[int]) -> None:
        marks, positions = self._bytes, self._positions
        if (
            marks is None
            or positions is None
            or file is None
            or file >= len(positions.counts)
            or not positions.fits()
        ):
            self._ids.update(dict.fromkeys(log_ids))
            return
        self._given.append(log_ids if type(log_ids) is tuple else tuple(log_ids))
        base, known = positions.starts[file], positions.counts[file]
        # places come in order: the ones added since the marks were made are by id
        marked = bisect_left(places, known)
        for place in places[:marked]:
            marks[base + place] = 1
        self._ids.update(dict.fromkeys(log_ids[marked:]))
        if self._bytes is None:  # turned into ids meanwhile (another thread drew a row)
            self._ids.update(dict.fromkeys(log_ids))

    def has(self, log: LogSummary) -> bool:
        """Whether `log` is a hit."""
        if log.id in self._ids:
            return True
        marks, positions = self._bytes, self._positions
        if marks is None or positions is None:
            return False
        if not positions.fits():
            self._to_ids()
            return log.id in self._ids
        at = positions.of(log)
        return at is not None and marks[at] == 1

    def position_of(self, log: LogSummary) -> int | None:
        """`log`'s position in the index, as the marks (and `HitsInOrder` made of them)
        count positions; None when they are not by position or no longer fit."""
        positions = self._positions
        if self._bytes is None or positions is None or not positions.fits():
            return None
        return positions.of(log)

    def next_in_tree(
        self, forest: Forest, index: LogIndex, log: LogSummary, step: int, here_too: bool
    ) -> int | None:
        """The position of the first hit after `log` in the fully expanded tree's order
        (`step` -1: before it; `here_too`: `log` itself first), wrapping around; None when
        nothing is marked. Worked out in C from the forest's positions in tree order: a
        walk from the cursor, log by log, took 0.8 s to reach a hit at the far end of
        500k logs. LookupError when the marks or the forest's positions do not fit."""
        marks, order, mapped = self._bytes, forest.tree_positions, forest.by_position
        positions = self._positions
        if (
            marks is None
            or self._ids
            or order is None
            or mapped is None
            or index is not self._index
            or positions is None
            or not positions.fits()
            or mapped[1] != index.generation
            or mapped[2] > len(marks)
        ):
            raise LookupError("the hits are not marked by position in this forest")
        position = positions.of(log)
        if position is None:
            raise LookupError(f"log {log.id} is not where the index has it")
        rank = order.index(position)
        # each hit's mark in tree order, made once for these marks and this order (17 ms
        # at 500k logs: 100 `N` in a burst stalled the screen for a second)
        cached = self._flags
        if cached is None or cached[0] is not order or cached[1] != (len(order), self.count):
            cached = self._flags = (
                order,
                (len(order), self.count),
                bytes(map(marks.__getitem__, order)),
            )
        flags = cached[2]
        if step > 0:
            start = rank if here_too else rank + 1
            found = flags.find(1, start)
            if found < 0:
                found = flags.find(1, 0, start)
        else:
            end = rank + 1 if here_too else rank
            found = flags.rfind(1, 0, end)
            if found < 0:
                found = flags.rfind(1, end)
        return None if found < 0 else order[found]

    def in_tree_order(self, forest: Forest, index: LogIndex) -> Sequence[str] | None:
        """Every hit in the forest, in the order its fully expanded tree shows them, read
        off `forest.tree_positions` (no lookup or sorting per hit); None when the marks
        or the forest's positions do not fit `index` now."""
        marks = self._bytes
        order = forest.tree_positions
        mapped = forest.by_position
        log_ids = [state.log_ids for state in index.files]  # before checking they fit
        if (
            marks is None
            or self._ids  # hits added since the marks were made
            or order is None
            or mapped is None
            or index is not self._index
            or self._positions is None
            or not self._positions.fits()
            or mapped[1] != index.generation
            or mapped[2] > len(marks)
        ):
            return None
        if not order:
            return []
        # in C: each log's mark picked in tree order, then the marked positions kept; no
        # id is read until it is asked for (reading 375k ids here took 0.2-0.4 s)
        flags = bytes(map(marks.__getitem__, order))
        hit_positions = array("i", itertools.compress(order, flags))
        return HitsInOrder(self._positions.starts, log_ids, hit_positions)

    def all_ids(self) -> list[str]:
        """Every log marked, once each."""
        if self._bytes is None:
            return list(self._ids)
        return list(dict.fromkeys(itertools.chain(*self._given, self._ids)))

    def _to_ids(self) -> None:
        for log_ids in self._given:
            self._ids.update(dict.fromkeys(log_ids))
        self._given = []
        self._bytes = None


class _IdSequence(Sequence[str]):
    """Ids read one at a time (`_get`, given an index in range), with slices, and equal
    to any sequence of the same ids."""

    __slots__ = ()

    @overload
    def __getitem__(self, item: int) -> str: ...
    @overload
    def __getitem__(self, item: slice) -> list[str]: ...
    def __getitem__(self, item: int | slice) -> str | list[str]:
        size = len(self)
        if isinstance(item, slice):
            return [self._get(at) for at in range(*item.indices(size))]
        at = item + size if item < 0 else item
        if not 0 <= at < size:
            raise IndexError(item)
        return self._get(at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} hits)"

    def _get(self, at: int) -> str:
        raise NotImplementedError


class HitsInOrder(_IdSequence):
    """The ids of the logs at some positions of an index, in a given order, each read
    from its file's list of ids when asked for.

    `starts` is the position of each file's first log and `log_ids` each file's list of
    ids, as they were when the positions were made: a file read again gets a new list,
    and an old one is only ever appended to, so the ids stay those of the logs hit.
    """

    __slots__ = ("_at", "_log_ids", "_starts")

    def __init__(self, starts: list[int], log_ids: list[list[str]], at: array[int]) -> None:
        self._at = at
        self._starts = starts
        self._log_ids = log_ids

    def __len__(self) -> int:
        return len(self._at)

    def __iter__(self) -> Iterator[str]:
        return map(self._id_at, self._at)

    def _get(self, at: int) -> str:
        return self._id_at(self._at[at])

    def index_of_position(self, position: int) -> int:
        """Which hit the log at index `position` is (ValueError: none), in C."""
        return self._at.index(position)

    def _id_at(self, position: int) -> str:
        file = bisect_right(self._starts, position) - 1
        return self._log_ids[file][position - self._starts[file]]


class HitChunks(_IdSequence):
    """The hits of a search so far, as they came: one chunk (a file's tuple of ids) each
    time, kept without copying them into one list the GC would read through."""

    __slots__ = ("_chunks", "_ends")

    def __init__(self) -> None:
        self._chunks: list[Sequence[str]] = []
        self._ends: list[int] = []

    def add(self, chunk: Sequence[str]) -> None:
        if chunk:
            self._chunks.append(chunk)
            self._ends.append(len(self) + len(chunk))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._chunks)

    def _get(self, at: int) -> str:
        chunk = bisect_right(self._ends, at)
        return self._chunks[chunk][at - (self._ends[chunk - 1] if chunk else 0)]


REORDER_AT_MOST = 50_000  # hits put in tree order again, whole, when a live tail adds some


def hit_index(hits: Sequence[str], log_id: str, position: int | None = None) -> int | None:
    """Which of `hits` is `log_id` (None: not a hit), without reading every id where it
    can: by its index `position` in `HitsInOrder` (see `HitMarks.position_of`; the id
    is then not needed)."""
    if isinstance(hits, HitsInOrder) and position is not None:
        try:
            return hits.index_of_position(position)
        except ValueError:
            return None
    try:
        return hits.index(log_id)
    except ValueError:
        return None


def hits_after_tail(
    forest: Forest, hits: Sequence[str], found: Sequence[str], removed: Collection[str]
) -> list[str]:
    """A search's hits once a live tail has added logs (`found`: those that hold the
    term) and removed some: the new ones joined in tree order, the removed left out.

    Up to REORDER_AT_MOST hits are put in tree order again whole; past that, the new
    ones follow the others (in tree order among themselves), which keeps a tail of a
    big search cheap."""
    gone = set(removed)
    kept = [hit for hit in hits if hit not in gone] if gone else list(hits)
    if not found:
        return kept
    have = set(kept)
    new = [log_id for log_id in dict.fromkeys(found) if log_id not in have]
    if len(kept) + len(new) <= REORDER_AT_MOST:
        return forest.in_tree_order([*kept, *new])
    return kept + forest.in_tree_order(new)
