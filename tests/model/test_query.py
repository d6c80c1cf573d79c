"""Full-text search over the stored bytes, and filters over summaries."""

from __future__ import annotations

import random
from array import array
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import orjson
import pytest

import hltui.model.line_matcher as line_matcher
import hltui.model.scan as scan
from hltui.model.index import FileState, LogIndex
from hltui.model.query import LogFilter, apply_filter, filter_with_places, search
from hltui.model.sessions import Forest, TreeOrder
from hltui.model.sources import FileKind
from tests.conftest import forest_from, make_log, write_json, write_jsonl


def log_with(log_id: str, text: str, **fields: object) -> dict[str, object]:
    return make_log(log_id, output=text, **fields)


@pytest.fixture
def index(tmp_path: Path, scanner: str) -> LogIndex:
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            log_with("data_1", "Please REFUND my order, refund it twice"),
            log_with("data_2", "nothing to see"),
            log_with("data_3", 'she said "refund" \\ then left'),
            log_with("data_4", "café crème"),
            log_with("data_5", "line one\nline two"),
        ],
    )
    write_json(tmp_path / "b.json", [log_with("data_6", "Refund from a JSON file")])
    return LogIndex(tmp_path).load(use_cache=False)


def test_search_is_case_insensitive_and_finds_each_log_once(index: LogIndex) -> None:
    assert sorted(search(index, "refund")) == ["data_1", "data_3", "data_6"]
    assert sorted(search(index, "ReFuNd")) == ["data_1", "data_3", "data_6"]


def test_search_matches_text_as_json_escapes_it(index: LogIndex) -> None:
    assert search(index, '"refund"') == ["data_3"]  # stored as \"refund\"
    assert search(index, "\\ then") == ["data_3"]  # a backslash, stored doubled
    assert search(index, "one\nline") == ["data_5"]  # a newline, stored as \n
    assert search(index, "café") == ["data_4"]  # raw UTF-8 (orjson does not escape it)


def test_search_limited_to_some_logs_and_streaming(index: LogIndex) -> None:
    batches: list[list[str]] = []
    found = search(index, "refund", only={"data_3", "data_6"}, on_hits=batches.append)
    assert sorted(found) == ["data_3", "data_6"]
    assert sorted(i for batch in batches for i in batch) == sorted(found)
    assert search(index, "refund", cancelled=lambda: True) == []
    assert search(index, "") == []


@pytest.mark.parametrize("block", [7, 16, 64, 1 << 20])
def test_matches_across_block_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, scanner: str
) -> None:
    """Blocks are cut at line ends; a match is found wherever the block edges fall."""
    monkeypatch.setattr(scan, "READ_BLOCK", block)
    monkeypatch.setattr(line_matcher, "READ_BLOCK", block)
    logs = [
        log_with(f"data_{n}", "x" * (n * 7 % 50) + ("needle" if n % 3 else "hay"))
        for n in range(60)
    ]
    (tmp_path / "c.jsonl").write_bytes(
        b"".join(__import__("orjson").dumps(log) + b"\n" for log in logs)[:-1]  # no last \n
    )
    index = LogIndex(tmp_path).load(use_cache=False)
    assert search(index, "NEEDLE") == [f"data_{n}" for n in range(60) if n % 3]


def test_a_match_counts_only_for_the_log_on_its_line(tmp_path: Path, scanner: str) -> None:
    """A match in a broken line, or in a log left out by `only`, is no other log's hit."""
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [log_with("data_1", "calm"), log_with("data_2", "needle")])
    with path.open("ab") as handle:
        handle.write(b'{"broken": "needle"\n')
    write_jsonl(tmp_path / "e.jsonl", [log_with("data_3", "calm")])
    index = LogIndex(tmp_path).load(use_cache=False)
    assert search(index, "needle") == ["data_2"]
    assert search(index, "needle", only={"data_1"}) == []


def test_big_searches_use_worker_processes_and_find_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line_matcher, "hyperscan", None)
    logs = [log_with(f"data_{n}", "needle" if n % 4 == 0 else "hay " * n) for n in range(400)]
    logs.append(log_with("data_last", "needle"))  # in the last range, which is open-ended
    write_jsonl(tmp_path / "big.jsonl", logs)
    write_json(tmp_path / "small.json", [log_with("data_json", "NEEDLE")])
    index = LogIndex(tmp_path).load(use_cache=False)
    alone = search(index, "needle")
    started: list[int] = []
    real_pool = scan._shared_pool

    def pool() -> object:
        started.append(1)
        return real_pool()

    monkeypatch.setattr(scan, "PARALLEL_MIN", 0)
    monkeypatch.setattr(scan, "SCAN_RANGE", 1000)  # many ranges, cut inside lines
    monkeypatch.setattr(scan, "worker_count", lambda: 2)
    monkeypatch.setattr(scan, "_shared_pool", pool)
    batches: list[list[str]] = []
    assert search(index, "needle", on_hits=batches.append) == alone
    assert started
    expected = ["data_json", "data_last", *(f"data_{n}" for n in range(0, 400, 4))]
    assert sorted(alone) == sorted(expected)
    assert [hit for batch in batches for hit in batch] == alone
    assert search(index, "needle", cancelled=lambda: True) == []


def test_a_broken_pool_leaves_the_ranges_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-search: what it had to scan is scanned (and placed) here,
    broken lines included."""
    lines: list[object] = []
    for n in range(60):
        lines.append(log_with(f"data_{n}", "needle" if n % 3 == 0 else "hay"))
        if n % 10 == 0:
            lines.append(b'{"id": "broken", "output": "needle')  # no log starts here
    write_jsonl(tmp_path / "big.jsonl", lines)
    index = LogIndex(tmp_path).load(use_cache=False)
    alone = search(index, "needle")
    assert alone == [f"data_{n}" for n in range(0, 60, 3)]

    class BrokenPool:
        def submit(self, *args: object) -> Future[object]:
            future: Future[object] = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

        def shutdown(self, **kwargs: object) -> None:
            pass

    monkeypatch.setattr(scan, "PARALLEL_MIN", 0)
    monkeypatch.setattr(scan, "SCAN_RANGE", 700)
    monkeypatch.setattr(scan, "worker_count", lambda: 2)
    monkeypatch.setattr(scan, "_shared_pool", BrokenPool)
    assert search(index, "needle") == alone


def test_filters(index: LogIndex) -> None:
    assert apply_filter(index, LogFilter()) is None
    assert apply_filter(index, LogFilter(text="refund", project="nope")) == set()
    assert apply_filter(index, LogFilter(text="REFUND")) == {"data_1", "data_3", "data_6"}


def test_hyperscan_does_the_scanning_when_installed(
    index: LogIndex, scanner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if scanner != "hyperscan":
        pytest.skip("about the Hyperscan path")

    def python_scanner(*args: object) -> None:
        raise AssertionError("the Python scanner ran")

    monkeypatch.setattr(scan, "_scan", python_scanner)
    assert sorted(search(index, "refund")) == ["data_1", "data_3", "data_6"]


def placed_index(tmp_path: Path) -> LogIndex:
    """Two files of logs in sessions and standalone, with errors, feedback, projects."""
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            make_log("a1", session_id="s1", project="p", error="boom"),
            make_log("a2", session_id="s2", project="q", feedback=[{"type": "r", "value": 1}]),
            make_log("a3", project="p"),
        ],
    )
    write_jsonl(
        tmp_path / "b.jsonl",
        [
            make_log("b1", session_id="s1", project="q", model="m"),
            make_log("b2", project="p", model="m", error="bad"),
            make_log("b3", session_id="s3", project="p", feedback=[{"type": "r", "value": 2}]),
        ],
    )
    return LogIndex(tmp_path).load(use_cache=False)


FILTERS = [
    LogFilter(project="p"),
    LogFilter(project="q", model="m"),
    LogFilter(model="m"),
    LogFilter(has_error=True),
    LogFilter(has_error=False, project="p"),
    LogFilter(has_feedback=True),
    LogFilter(feedback_value="2"),
    LogFilter(project="nope"),
    LogFilter(text="b2"),
]


@pytest.mark.parametrize("log_filter", FILTERS, ids=lambda f: f.describe())
def test_filters_find_their_top_items_by_position_as_by_lookup(
    tmp_path: Path, log_filter: LogFilter
) -> None:
    index = placed_index(tmp_path)
    forest = forest_from(index)
    expected_ids = apply_filter(index, log_filter)
    assert expected_ids is not None
    expected_places = forest.tops_showing(expected_ids)
    for mapped in (False, True):
        assert forest.map_positions(index) if mapped else True
        visible, places = filter_with_places(index, log_filter, forest)
        assert isinstance(visible, dict)  # untracked by the GC
        assert set(visible) == expected_ids and places == expected_places
    assert filter_with_places(index, LogFilter(), forest) == (None, None)
    assert sorted(search(index, '"id"', only=visible)) == sorted(expected_ids)  # ids as a dict


def test_the_positions_are_used_only_while_they_fit_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = placed_index(tmp_path)
    forest = forest_from(index)
    assert forest.map_positions(index)
    wanted = LogFilter(project="p")
    assert forest.tops_at(index, range(len(index) + 5)) == list(range(len(forest.items)))
    # logs removed (a file read again): positions move, so each log is looked up
    index.forget_file(tmp_path / "a.jsonl")
    lookups: list[int] = []
    real = Forest.tops_showing
    monkeypatch.setattr(Forest, "tops_showing", lambda f, v: lookups.append(1) or real(f, v))
    visible, places = filter_with_places(index, wanted, forest)
    assert set(visible or ()) == {"b2", "b3"} and lookups
    assert places == real(forest, {"b2", "b3"})


def test_no_positions_for_logs_out_of_file_order(tmp_path: Path) -> None:
    """A tailer appends to an earlier file after later ones were read: positions in the
    index no longer follow the files, so none are made."""
    index = placed_index(tmp_path)
    assert index.position_finder() is not None
    first = index.files[0].path  # read first: a log added to it comes after the others'
    with first.open("ab") as handle:
        handle.write(orjson.dumps(make_log("x1", project="p")) + b"\n")
    list(index.read_file(first))
    forest = forest_from(index)
    assert index.position_finder() is None and not forest.map_positions(index)
    visible, places = filter_with_places(index, LogFilter(project="p"), forest)
    assert set(visible or ()) == {"a1", "a3", "b2", "b3", "x1"}
    assert places == forest.tops_showing(visible or ())


def test_file_starts_are_worked_out_again_after_any_change(tmp_path: Path) -> None:
    """The answer is kept between calls, until a log is added or removed."""
    index = placed_index(tmp_path)
    counts = [len(state.log_ids) for state in index.files]
    assert index.file_starts() == [0, counts[0]]
    starts = index.file_starts()
    assert starts is not None
    starts.append(99)  # a caller's copy
    assert index.file_starts() == [0, counts[0]]
    first = index.files[0].path
    with first.open("ab") as handle:
        handle.write(orjson.dumps(make_log("x1", project="p")) + b"\n")
    list(index.read_file(first))  # added out of file order
    assert index.file_starts() is None
    index.forget_file(first)  # removed with the logs before it: in order again
    assert index.file_starts() == [0, 0]


@pytest.mark.parametrize("density", [0.05, 0.5, 0.95, 1.0])
def test_line_starts_map_to_places_as_a_plain_search_would(density: float) -> None:
    rng = random.Random(7)
    state = FileState(Path("x.jsonl"), FileKind.JSONL)
    offset = 0
    for n in range(2000):
        offset += rng.randint(1, 300)
        state.log_ids.append(f"log{n}")
        state.offsets.append(offset)
    logs = list(state.offsets)
    broken = [offset + 1 for offset in logs[::97]]  # lines that are no log's
    starts = sorted({o for o in logs if rng.random() < density} | set(broken))
    expected = [place for place, offset in enumerate(logs) if offset in set(starts)]
    assert list(scan.places_of(array("q", starts), state.offsets)) == expected
    assert list(scan.places_of(starts, state.offsets, base=10)) == [p + 10 for p in expected]


def test_hits_by_place_sort_into_tree_order_as_by_id(tmp_path: Path) -> None:
    """Search gives each file's hits with their places; sorted into tree order by the
    forest's positions, they come out as sorting the ids does, mapped or not."""
    placed_index(tmp_path)
    write_json(tmp_path / "c.json", [make_log("c1", session_id="s1", project="p")])
    index = LogIndex(tmp_path).load(use_cache=False)
    forest = forest_from(index)
    for mapped in (False, True):
        assert forest.map_positions(index) if mapped else True
        order = TreeOrder(forest, index)
        given: list[tuple[int, list[int], tuple[str, ...]]] = []
        hits = search(index, '"id"', on_places=lambda *batch, g=given: g.append(batch))
        for file, places, ids in given:
            assert tuple(index.files[file].log_ids[p] for p in places) == ids
            order.add_places(file, places, ids)
        assert order.ordered() == forest.in_tree_order(hits)
        assert len(hits) == len(index)


def test_hits_added_since_the_forest_are_left_out(tmp_path: Path) -> None:
    index = placed_index(tmp_path)
    forest = forest_from(index)
    assert forest.map_positions(index)
    order = TreeOrder(forest, index)
    last = len(index.files) - 1
    known = len(index.files[last].log_ids)
    order.add_places(last, [0, known], [index.files[last].log_ids[0], "new"])
    assert order.ordered() == [index.files[last].log_ids[0]]
