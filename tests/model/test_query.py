"""Full-text search over the stored bytes, and filters over summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

import hltui.model.query as query
from hltui.model.index import LogIndex
from hltui.model.query import LogFilter, apply_filter, search
from tests.conftest import make_log, write_json, write_jsonl


def log_with(log_id: str, text: str, **fields: object) -> dict[str, object]:
    return make_log(log_id, output=text, **fields)


@pytest.fixture
def index(tmp_path: Path) -> LogIndex:
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Blocks are cut at line ends; a match is found wherever the block edges fall."""
    monkeypatch.setattr(query, "READ_BLOCK", block)
    logs = [
        log_with(f"data_{n}", "x" * (n * 7 % 50) + ("needle" if n % 3 else "hay"))
        for n in range(60)
    ]
    (tmp_path / "c.jsonl").write_bytes(
        b"".join(__import__("orjson").dumps(log) + b"\n" for log in logs)[:-1]  # no last \n
    )
    index = LogIndex(tmp_path).load(use_cache=False)
    assert search(index, "NEEDLE") == [f"data_{n}" for n in range(60) if n % 3]


def test_filters(index: LogIndex) -> None:
    assert apply_filter(index, LogFilter()) is None
    assert apply_filter(index, LogFilter(text="refund", project="nope")) == set()
    assert apply_filter(index, LogFilter(text="REFUND")) == {"data_1", "data_3", "data_6"}
