"""The fields filters read most, as one byte per log by position in an index's `logs`.

A filter on project, model, error or feedback over 500k summaries read one attribute per
log per field in Python (50-80 ms a field, most of it cache misses on the summaries).
With these columns it is a `bytes.translate` and an `int` AND per field, in C, and
reading the positions out of the result (`itertools.compress`): a few ms.

Columns are made once (after a load) and kept on the index while its logs are only
added to (a live tail): the new ones are added to the columns when next asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hltui.model.index import LogIndex
    from hltui.model.summary import LogSummary

MAX_CODES = 256  # values a byte can name; a field with more has no column

_project = attrgetter("project")
_model = attrgetter("model")
_error = attrgetter("error")
_feedback = attrgetter("feedback")
_lock = threading.Lock()  # one builder at a time: a second waits, then reuses


class _Coder(dict[object, int]):
    """Gives each new value the next code as it is first seen."""

    def __missing__(self, value: object) -> int:
        code = self[value] = len(self)
        return code


@dataclass(frozen=True, slots=True)
class Codes:
    """One byte per log naming its value of a field (`values` maps value to code)."""

    codes: bytes
    values: dict[object, int]

    @classmethod
    def of(cls, values: Sequence[object], known: dict[object, int] | None = None) -> Codes | None:
        """The codes of `values`, continuing the codes `known`; None for more than a byte
        can name."""
        coder = _Coder(known or {})
        try:
            codes = bytes(map(coder.__getitem__, values))
        except ValueError:  # a code over 255
            return None
        return cls(codes, dict(coder))

    def mask(self, value: object) -> bytes:
        """1 where the log's value is `value`, else 0."""
        table = bytearray(MAX_CODES)
        code = self.values.get(value)
        if code is not None:
            table[code] = 1
        return self.codes.translate(table)

    def extended(self, values: Sequence[object]) -> Codes | None:
        more = Codes.of(values, self.values)
        return None if more is None else Codes(self.codes + more.codes, more.values)


def _flags(values: Sequence[object], present: bool) -> bytes:
    """1 where a value is set (not None; or, with `present` False, truthy)."""
    if present:
        return bytes(map(is_not, values, repeat(None)))
    return bytes(map(bool, values))


@dataclass(frozen=True, slots=True)
class FilterColumns:
    """Project and model codes, error and feedback flags of `count` logs; `last` is the
    last of them, to check that a later snapshot of the index starts with the same ones."""

    count: int
    last: LogSummary | None
    project: Codes | None
    model: Codes | None
    error: bytes
    feedback: bytes

    @classmethod
    def of(cls, logs: Sequence[LogSummary]) -> FilterColumns:
        return cls(
            len(logs),
            logs[-1] if logs else None,
            Codes.of(list(map(_project, logs))),
            Codes.of(list(map(_model, logs))),
            _flags(list(map(_error, logs)), present=True),
            _flags(list(map(_feedback, logs)), present=False),
        )

    def extended(self, logs: Sequence[LogSummary]) -> FilterColumns:
        """These columns with `logs` (the ones after `count`) added."""
        project = self.project and self.project.extended(list(map(_project, logs)))
        model = self.model and self.model.extended(list(map(_model, logs)))
        return FilterColumns(
            self.count + len(logs),
            logs[-1] if logs else self.last,
            project,
            model,
            self.error + _flags(list(map(_error, logs)), present=True),
            self.feedback + _flags(list(map(_feedback, logs)), present=False),
        )

    def starts(self, logs: Sequence[LogSummary]) -> bool:
        """Whether `logs` begins with the logs these columns were made of. Logs are only
        ever appended to an index or removed from it, and a removal before `last` moves
        another log to its position."""
        count = self.count
        return count <= len(logs) and (count == 0 or logs[count - 1] is self.last)

    def mask(
        self,
        project: str | None = None,
        model: str | None = None,
        has_error: bool | None = None,
        has_feedback: bool | None = None,
    ) -> bytes | None:
        """1 for each log that passes every field given, else 0; None when a field given
        has no column (too many values)."""
        masks: list[bytes] = []
        for codes, value in ((self.project, project), (self.model, model)):
            if value:
                if codes is None:
                    return None
                masks.append(codes.mask(value))
        for flags, wanted in ((self.error, has_error), (self.feedback, has_feedback)):
            if wanted is not None:
                masks.append(flags if wanted else flags.translate(_NOT))
        if not masks:
            return b"\x01" * self.count
        combined = int.from_bytes(masks[0], "big")
        for mask in masks[1:]:
            combined &= int.from_bytes(mask, "big")
        return combined.to_bytes(self.count, "big")


_NOT = bytes([1, 0]) + bytes(MAX_CODES - 2)  # 0 <-> 1


def positions_in(mask: bytes) -> list[int]:
    """The positions where `mask` is 1."""
    return list(compress(range(len(mask)), mask))


def filter_columns(index: LogIndex, logs: Sequence[LogSummary]) -> FilterColumns:
    """The columns of `logs` (a snapshot of `index.logs.values()`), kept on the index and
    brought up to date: made afresh after a removal, added to after logs were added."""
    with _lock:
        known = index.columns
        if known is None or not known.starts(logs):
            known = FilterColumns.of(logs)
        elif known.count < len(logs):
            known = known.extended(logs[known.count :])
        index.columns = known
        return known
