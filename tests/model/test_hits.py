"""HitMarks: search hits marked by position while the index is in load order, else by id."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

import pytest

from hltui.model import hits as hits_module
from hltui.model.forest_cache import load_forest, save_forest
from hltui.model.hits import HitChunks, HitMarks, hits_after_tail
from hltui.model.index import LogIndex
from hltui.model.query import matching_logs, search
from hltui.model.tail import Tailer
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_jsonl


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


def test_hits_in_tree_order_read_off_the_forest_as_sorting_ids_does(tmp_path: Path) -> None:
    """Sessions nest across files; marks by position put in tree order match the ids
    sorted into tree order, for a forest mapped after building and one restored."""
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            make_log("a1", session_id="s", output="refund", created_at="2024-03-01T12:00:01Z"),
            make_log(
                "a2",
                session_id="s",
                parent_id="a3",
                output="refund",
                created_at="2024-03-01T12:00:05Z",
            ),
            make_log("lone", output="refund", created_at="2024-03-01T12:00:09Z"),
        ],
    )
    write_jsonl(
        tmp_path / "b.jsonl",
        [
            make_log(
                "a3", session_id="s", parent_id="a1", output="no", created_at="2024-03-01T12:00:03Z"
            ),
            make_log("b1", session_id="t", output="Refund", created_at="2024-03-01T12:00:02Z"),
        ],
    )
    index = LogIndex(tmp_path).load(use_cache=False)
    built = forest_from(index)
    assert built.map_positions(index)
    save_forest(index, built)
    restored = load_forest(index)
    assert restored is not None
    marks = search_marks(index, "refund")
    expected = built.in_tree_order(["a1", "a2", "lone", "b1"])
    assert expected == ["lone", "b1", "a1", "a2"]  # a2 is under a3, which is under a1
    for forest in (built, restored):
        assert marks.in_tree_order(forest, index) == expected
    # an unmapped forest, or marks by id, give nothing: the caller sorts ids instead
    assert marks.in_tree_order(forest_from(index), index) is None
    by_id = HitMarks()
    by_id.add(["a1"])
    assert by_id.in_tree_order(built, index) is None


def test_hits_in_tree_order_with_a_single_log(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [note("only", "refund")])
    index = LogIndex(tmp_path).load(use_cache=False)
    forest = forest_from(index)
    assert forest.map_positions(index)
    assert search_marks(index, "refund").in_tree_order(forest, index) == ["only"]
    assert search_marks(index, "nothing").in_tree_order(forest, index) == []


def test_hits_in_tree_order_keep_their_ids_after_files_change(tmp_path: Path) -> None:
    """The ids are read when asked for, from the lists the files had: a file read again
    afresh or appended to does not change which logs were hit."""
    index = two_files(tmp_path)
    forest = forest_from(index)
    assert forest.map_positions(index)
    hits = search_marks(index, "refund").in_tree_order(forest, index)
    assert hits is not None
    expected = forest.in_tree_order(["a1", "a3", "b2"])
    assert list(hits) == expected and hits == expected and len(hits) == 3
    assert [hits[n] for n in range(3)] == expected and hits[-1] == expected[-1]
    assert hits[1:] == expected[1:] and "b2" in hits and hits.index("b2") == expected.index("b2")
    append_bytes(tmp_path / "a.jsonl", jsonl_bytes([note("a4", "refund")]))
    Tailer(index).apply([tmp_path / "a.jsonl"])
    index.forget_file(tmp_path / "b.jsonl", keep_state=True)
    list(index.read_file(tmp_path / "b.jsonl"))  # b's logs now come after a4
    assert list(hits) == expected


def test_hits_so_far_come_in_chunks_read_as_one_sequence() -> None:
    chunks = HitChunks()
    assert len(chunks) == 0 and list(chunks) == []
    for chunk in (("a1", "a2"), (), ("b1",), ("c1", "c2", "c3")):
        chunks.add(chunk)
    every = ["a1", "a2", "b1", "c1", "c2", "c3"]
    assert len(chunks) == 6 and list(chunks) == every
    assert [chunks[n] for n in range(-6, 6)] == every + every
    assert chunks[1:4] == every[1:4]
    for outside in (6, -7):
        with pytest.raises(IndexError):
            chunks[outside]


def test_hit_tuples_are_left_untracked_by_the_gc_and_all_ids_listed(tmp_path: Path) -> None:
    index = two_files(tmp_path)
    given: list[Sequence[str]] = []
    marks = HitMarks(index)

    def on_places(file: int, places: Sequence[int], ids: Sequence[str]) -> None:
        given.append(ids)
        marks.add(ids, file, places)

    assert search(index, "refund", on_places=on_places, keep=False) == []
    assert all(type(ids) is tuple for ids in given)
    gc.collect()
    assert not any(gc.is_tracked(ids) for ids in given)  # never read through again
    assert sorted(marks.all_ids()) == ["a1", "a3", "b2"]
    marks._to_ids()  # as when positions stop fitting
    assert sorted(marks.all_ids()) == ["a1", "a3", "b2"]


@pytest.mark.parametrize("most", [50_000, 2])
def test_hits_after_a_tail_take_the_new_in_tree_order_and_drop_the_removed(
    tmp_path: Path, most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logs a tailer added join the hits when they hold the term, as `search` finds it
    (any case, escaped in JSON); past REORDER_AT_MOST hits, the new follow the others."""
    monkeypatch.setattr(hits_module, "REORDER_AT_MOST", most)
    index = two_files(tmp_path)
    forest = forest_from(index)
    hits = forest.in_tree_order(search(index, "refund"))
    tailer = Tailer(index)
    later = tmp_path / "c.jsonl"
    write_jsonl(later, [note("c1", "REFUND"), note("c2", "no"), note("c3", 'a "refund"')])
    update = tailer.apply([later])
    assert matching_logs(index, "refund", [s.id for s in update.added]) == ["c1", "c3"]
    forest = forest_from(index)
    after = hits_after_tail(forest, hits, ["c1", "c3"], {"a1"})
    expected = forest.in_tree_order(["a3", "b2", "c1", "c3"])
    if most > 2:
        assert after == expected
    else:
        assert after[:2] == [h for h in hits if h != "a1"]
        assert after[2:] == forest.in_tree_order(["c1", "c3"])
    assert hits_after_tail(forest, after, ["c1"], ()) == after  # a hit already held


def test_the_next_hit_in_tree_order_is_found_from_any_log(tmp_path: Path) -> None:
    """`next_in_tree` (in C, from the forest's positions) finds what a walk of the tree
    order from the log finds, both ways, with and without the log itself."""
    index = two_files(tmp_path)
    forest = forest_from(index)
    forest.map_positions(index)
    marks = search_marks(index, "refund")
    order = list(forest.tree_order_around(None))
    hit_ids = {log_id for log_id in order if marks.has(index.logs[log_id])}
    positions = index.positions()
    assert positions is not None
    for log_id in order:
        for step in (1, -1):
            for here in (False, True):
                walk = ([log_id] if here else []) + list(forest.tree_order_around(log_id, step))
                expected = next(x for x in walk if x in hit_ids)
                found = marks.next_in_tree(forest, index, index.logs[log_id], step, here)
                assert found == positions.of(index.logs[expected]), (log_id, step, here)
    # a hit marked since (the marks of the tree order are kept between calls): found
    first_miss = next(log_id for log_id in order if log_id not in hit_ids)
    summary = index.logs[first_miss]
    place = index.files[summary.file].log_ids.index(first_miss)
    marks.add([first_miss], summary.file, [place])
    before = order[order.index(first_miss) - 1] if order.index(first_miss) else order[-1]
    found = marks.next_in_tree(forest, index, index.logs[before], 1, False)
    assert found == positions.of(summary)
    none = HitMarks(index)
    assert none.next_in_tree(forest, index, index.logs[order[0]], 1, False) is None
    with pytest.raises(LookupError):  # marked by id: the caller walks instead
        HitMarks().next_in_tree(forest, index, index.logs[order[0]], 1, False)
