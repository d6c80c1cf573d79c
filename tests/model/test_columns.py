"""Filter columns: the same answers as reading each summary, kept up to date."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hltui.model.columns import Codes, FilterColumns, filter_columns, positions_in
from hltui.model.index import LogIndex
from hltui.model.query import LogFilter
from hltui.model.summary import LogSummary
from tests.conftest import make_log, write_jsonl


def summaries(count: int, projects: int, seed: int = 7) -> list[LogSummary]:
    pick = random.Random(seed)
    return [
        LogSummary(
            id=f"log_{n}",
            project=pick.choice([None, *(f"p{k}" for k in range(projects))]),
            model=pick.choice([None, "gpt-4o", "claude", "[INST]"]),
            error=pick.choice([None, None, "boom", ""]),
            feedback=pick.choice([None, (), (("rating", "good"),)]),
        )
        for n in range(count)
    ]


FIELDS = [
    LogFilter(project="p1"),
    LogFilter(project="p1", model="claude"),
    LogFilter(model="[INST]"),
    LogFilter(model="not there"),
    LogFilter(has_error=True),
    LogFilter(has_error=False, model="gpt-4o"),
    LogFilter(has_feedback=True),
    LogFilter(has_feedback=False, has_error=True, project="p0"),
    LogFilter(feedback_value="good", project="p2"),
    LogFilter(since=0.0),
]


@pytest.mark.parametrize("log_filter", FIELDS, ids=lambda f: f.describe())
def test_columns_select_what_the_summaries_do(log_filter: LogFilter) -> None:
    logs = summaries(3000, projects=5)
    columns = FilterColumns.of(logs)
    by_fields = log_filter.select_positions(logs)
    assert log_filter.select_positions(logs, columns) == by_fields
    expected = [
        n
        for n, log in enumerate(logs)
        if (not log_filter.project or log.project == log_filter.project)
        and (not log_filter.model or log.model == log_filter.model)
        and (log_filter.has_error is None or (log.error is not None) is log_filter.has_error)
        and (log_filter.has_feedback is None or bool(log.feedback) is log_filter.has_feedback)
        and (not log_filter.feedback_value or any(v == "good" for _, v in log.feedback or ()))
        and (log_filter.since is None or log.time >= log_filter.since)
    ]
    assert by_fields == expected


def test_a_field_of_more_values_than_a_byte_names_is_read_from_the_summaries() -> None:
    logs = summaries(3000, projects=300)
    columns = FilterColumns.of(logs)
    assert columns.project is None and columns.model is not None
    assert columns.mask(project="p1") is None
    wanted = LogFilter(project="p299", has_error=True)
    assert wanted.select_positions(logs, columns) == wanted.select_positions(logs)
    assert wanted.select_positions(logs)  # the field is still filtered on


def test_codes_grow_with_new_values_until_a_byte_is_full() -> None:
    codes = Codes.of(["a", None, "a"])
    assert codes is not None and codes.mask("a") == b"\x01\x00\x01"
    grown = codes.extended(["b", "a"])
    assert grown is not None and grown.mask("b") == b"\x00\x00\x00\x01\x00"
    assert grown.mask("a") == b"\x01\x00\x01\x00\x01" and grown.mask("zzz") == bytes(5)
    assert grown.extended([f"v{n}" for n in range(260)]) is None
    assert positions_in(b"\x00\x01\x01\x00\x01") == [1, 2, 4]


def test_columns_are_kept_added_to_and_made_again_after_a_removal(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log(f"a{n}", project="p") for n in range(4)])
    write_jsonl(tmp_path / "b.jsonl", [make_log(f"b{n}", project="q") for n in range(3)])
    index = LogIndex(tmp_path).load(use_cache=False)
    columns = filter_columns(index, list(index.logs.values()))
    assert filter_columns(index, list(index.logs.values())) is columns  # nothing changed
    assert columns.count == 7 and columns.project is not None
    # a live tail appends: the columns grow by the new logs only
    write_jsonl(tmp_path / "c.jsonl", [make_log("c0", project="r", error="bad")])
    list(index.read_file(tmp_path / "c.jsonl"))
    grown = filter_columns(index, list(index.logs.values()))
    assert grown.count == 8 and grown.project is not None
    assert grown.project.mask("r") == bytes(7) + b"\x01" and grown.error == bytes(7) + b"\x01"
    # a file read again: its logs leave, positions move, the columns are made anew
    index.forget_file(tmp_path / "a.jsonl")
    logs = list(index.logs.values())
    again = filter_columns(index, logs)
    assert again.count == 4 and again.last is logs[-1]
    assert LogFilter(project="q").select_positions(logs, again) == [0, 1, 2]


def test_a_snapshot_that_does_not_start_with_the_columns_logs_is_not_matched() -> None:
    logs = summaries(10, projects=2)
    columns = FilterColumns.of(logs)
    assert columns.starts(logs) and columns.starts([*logs, *summaries(2, projects=2)])
    assert not columns.starts(logs[1:]) and not columns.starts(logs[:5])
    assert not columns.starts([*logs[:9], summaries(1, projects=2)[0]])
