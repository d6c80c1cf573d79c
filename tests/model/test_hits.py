"""HitMarks: search hits marked by position while the index is in load order, else by id."""

from __future__ import annotations

from pathlib import Path

from hltui.model.hits import HitMarks
from hltui.model.index import LogIndex
from hltui.model.query import search
from hltui.model.tail import Tailer
from tests.conftest import append_bytes, jsonl_bytes, make_log, write_jsonl


def note(log_id: str, text: str) -> dict[str, object]:
    return make_log(log_id, output=text)


def two_files(root: Path) -> LogIndex:
    write_jsonl(root / "a.jsonl", [note("a1", "refund"), note("a2", "no"), note("a3", "refund")])
    write_jsonl(root / "b.jsonl", [note("b1", "no"), note("b2", "Refund please")])
    return LogIndex(root).load(use_cache=False)


def marked(marks: HitMarks, index: LogIndex) -> list[str]:
    return sorted(log_id for log_id, log in index.logs.items() if marks.has(log))


def search_marks(index: LogIndex, term: str) -> HitMarks:
    marks = HitMarks(index)
    search(index, term, on_places=lambda file, places, ids: marks.add(ids, file, places))
    return marks


def test_hits_are_marked_by_position_after_a_load(tmp_path: Path) -> None:
    index = two_files(tmp_path)
    marks = search_marks(index, "refund")
    assert marks.by_position and marks.count == 3
    assert marked(marks, index) == ["a1", "a3", "b2"]
    assert not HitMarks(index) and not HitMarks()


def test_logs_added_by_a_tailer_are_marked_by_id(tmp_path: Path) -> None:
    index = two_files(tmp_path)
    marks = search_marks(index, "refund")
    tailer = Tailer(index)
    first = index.files[0].path  # a log added to it is out of load order
    append_bytes(first, jsonl_bytes([note("x1", "refund again")]))
    tailer.apply([first])
    assert "x1" in index.logs and index.file_starts() is None
    assert marked(marks, index) == ["a1", "a3", "b2"]  # old marks still fit
    # a later search: the index is no longer in load order, so by id
    again = search_marks(index, "refund")
    assert not again.by_position
    assert marked(again, index) == ["a1", "a3", "b2", "x1"]


def test_marks_made_before_a_tailer_added_logs_take_the_new_ones_by_id(tmp_path: Path) -> None:
    index = two_files(tmp_path)
    marks = HitMarks(index)
    tailer = Tailer(index)
    append_bytes(tmp_path / "b.jsonl", jsonl_bytes([note("b3", "refund too")]))
    tailer.apply([tmp_path / "b.jsonl"])
    state = index.files[index.file_ids[tmp_path / "b.jsonl"]]
    marks.add(["b2", "b3"], index.file_ids[tmp_path / "b.jsonl"], [1, 2])
    assert len(state.log_ids) == 3 and marks.by_position
    assert marked(marks, index) == ["b2", "b3"]


def test_after_logs_are_removed_marks_fall_back_to_ids(tmp_path: Path) -> None:
    index = two_files(tmp_path)
    marks = search_marks(index, "refund")
    index.forget_file(tmp_path / "a.jsonl")  # positions of b.jsonl's logs move down
    assert marked(marks, index) == ["b2"]
    assert not marks.by_position
