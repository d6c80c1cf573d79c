"""LogIndex: loading every file shape, problems, growth, raw bytes and summaries."""

from __future__ import annotations

import gzip
import json
import math
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hltui.model.index import IndexBatch, LogIndex
from hltui.model.problems import Problem, Severity
from hltui.model.summary import (
    SummaryError,
    decode_preview,
    decode_summary,
    parse_time,
    short,
)
from tests.conftest import (
    BOM,
    append_bytes,
    jsonl_bytes,
    load_index,
    make_log,
    messages_of,
    write_bytes,
    write_json,
    write_jsonl,
)

SHAPES = ["jsonl", "json-object", "json-array", "page", "jsonl.gz", "json.gz"]


def write_shape(tmp_path: Path, shape: str, logs: list[dict]) -> Path:  # type: ignore[type-arg]
    """Write `logs` in one file shape (a JSON object holds only the first log)."""
    if shape == "jsonl":
        return write_jsonl(tmp_path / "logs.jsonl", logs, newline=b"\r\n", bom=True)
    if shape == "jsonl.gz":
        return write_jsonl(tmp_path / "logs.jsonl.gz", logs, bom=True)
    if shape == "json-object":
        return write_json(tmp_path / "one.json", logs[0], bom=True)
    if shape == "json-array":
        return write_json(tmp_path / "array.json", logs)
    if shape == "page":
        page = {"records": logs, "page": 1, "size": len(logs), "total": len(logs)}
        return write_json(tmp_path / "page.json", page)
    if shape == "json.gz":
        return write_json(tmp_path / "array.json.gz", logs)
    raise AssertionError(shape)


def summarise(log: dict | bytes, **place: int):  # type: ignore[no-untyped-def,type-arg]
    data = log if isinstance(log, bytes) else json.dumps(log).encode()
    where = {"file": 0, "offset": 0, "line": 1, **place}
    return decode_summary(data, **where)


def preview_of(log: dict):  # type: ignore[no-untyped-def,type-arg]
    return decode_preview(json.dumps(log).encode())


# -- every shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_loads_from_a_directory(tmp_path: Path, shape: str) -> None:
    logs = [make_log("data_1"), make_log("data_2", output="second")]
    write_shape(tmp_path, shape, logs)
    expected = ["data_1"] if shape == "json-object" else ["data_1", "data_2"]

    index = load_index(tmp_path)

    assert index.problems == []
    assert list(index.logs) == expected
    assert len(index) == len(expected)
    assert "data_1" in index
    assert index.preview("data_1").output == "output of data_1"
    assert [summary.line for summary in index.logs.values()] == list(range(1, len(expected) + 1))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_file_given_directly(tmp_path: Path, shape: str) -> None:
    path = write_shape(tmp_path, shape, [make_log("data_1"), make_log("data_2")])
    write_jsonl(tmp_path / "other.jsonl", [make_log("data_9")])
    index = load_index(path)
    assert "data_1" in index
    assert "data_9" not in index
    assert index.problems == []


def test_whole_tree_loads_and_ignores_what_is_not_logs(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a" / "b" / "c.jsonl", [make_log("data_1")])
    write_json(tmp_path / "a" / "d.json", [make_log("data_2")])
    write_jsonl(tmp_path / ".hltui" / "feedback.jsonl", [make_log("data_3")])
    write_bytes(tmp_path / "README.md", b"# not logs\n")
    write_bytes(tmp_path / "x.jsonl.txt", b"garbage\n")
    index = load_index(tmp_path)
    assert sorted(index.logs) == ["data_1", "data_2"]
    assert index.problems == []
    assert len(index.files) == 2


def test_crlf_blank_lines_and_no_final_newline(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [make_log("data_1"), "", make_log("data_2"), "  ", make_log("data_3")],
        newline=b"\r\n",
        bom=True,
        final_newline=False,
    )
    index = load_index(path)
    assert index.problems == []
    assert [(s.id, s.line) for s in index.logs.values()] == [
        ("data_1", 1),
        ("data_2", 3),
        ("data_3", 5),
    ]


# -- problems ------------------------------------------------------------------------------

DEEP_LINE = '{"id": "data_x", "metadata": {"x": ' + "[" * 1000 + "]" * 1000 + "}}"
BAD_LINES = [
    ('{"id": "data_x", "config": {"type": "mod', "truncated JSON (the line ends early)"),
    ("this is not json", "not valid JSON"),
    ("[1, 2, 3]", "record is a JSON array, not a log object"),
    # read as an array (the type is checked before the syntax) though it is not JSON
    ("[oops not json", "not valid JSON"),
    ("[/] [link=x] not json", "not valid JSON"),
    ('{"id": "data_x", "config": [oops', "not valid JSON (invalid character"),
    ("17", "record is a JSON number, not a log object"),
    ('{"config": {"type": "model", "model": "gpt-4"}}', "record has no `id`"),
    ('{"id": 12}', "field `id` should be a string, got number"),
    ('{"id": null}', "field `id` should be a string, got null"),
    # two records with an empty id were one log, the second dropped as its duplicate
    ('{"id": "", "config": {"type": "model", "model": "gpt-4"}}', "field `id` is empty"),
    ('{"id": "  ", "config": {"type": "model", "model": "gpt-4"}}', "field `id` is empty"),
    ('{"id": "data_x", "config": "gpt-4"}', "field `config` should be an object, got string"),
    ('{"id": "data_x", "duration": "1.5"}', "field `duration` should be a number, got string"),
    ('{"id": "data_x", "messages": "hi"}', "field `messages` should be an array, got string"),
    ('{"id": "data_x", "messages": [42]}', "field `messages[0]` should be an object, got number"),
    # config, created_at and messages share their slots with what is made of them
    ('{"id": "data_x", "config": 12}', "field `config` should be an object, got number"),
    ('{"id": "data_x", "created_at": {}}', "field `created_at` should be a string, got object"),
    ('{"id": "data_x", "created_at": true}', "field `created_at` should be a string, got boolean"),
    ('{"id": "data_x", "messages": 5}', "field `messages` should be an array, got number"),
    ('{"id": "data_x", "error": {"code": 500}}', "field `error` should be a string, got object"),
    ('{"id": "data_x", "feedback": "good"}', "field `feedback` should hold objects"),
    ('{"id": "data_x", "output": "caf\xe9"}'.encode("latin-1"), "not valid UTF-8 text"),
    ('{"id": "data_x", "inputs": {"c": "\xe9"}}'.encode("latin-1"), "not valid UTF-8 text"),
    # msgspec raised RecursionError for it, which stopped the whole load
    (DEEP_LINE, "JSON nested too deeply to read"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_each_bad_line_is_a_problem_and_the_rest_loads(
    tmp_path: Path, line: str | bytes, reason: str
) -> None:
    path = write_jsonl(tmp_path / "mixed.jsonl", [make_log("data_1"), line, make_log("data_2")])

    index = load_index(tmp_path)

    assert list(index.logs) == ["data_1", "data_2"]
    assert len(index.problems) == 1
    problem = index.problems[0]
    assert problem.file == path
    assert problem.line == 2
    assert problem.unit == "line"
    assert problem.severity is Severity.ERROR
    assert problem.message.startswith(reason)
    assert "Traceback" not in problem.message
    assert problem.describe(tmp_path).startswith(f"mixed.jsonl:2: {reason}")


SCHEMA_GAPS = [
    ({"config": None}, "no `config` (the schema requires one"),
    ({"config": "__absent__"}, "no `config` (the schema requires one"),
    ({"config": {"type": "model"}}, "its model config has no `model`"),
    ({"config": {"type": "tool"}}, "its tool config has no `name`"),
    ({"config": {"id": "config_9"}}, "its config has no `type`, `model` or `name`"),
    ({"created_at": "not a date"}, "`created_at` is not a date-time: 'not a date'"),
    # a number (an epoch time) dropped the log
    ({"created_at": 1700000000}, "field `created_at` should be a string, got number (shown"),
    ({"created_at": 1.7e9}, "field `created_at` should be a string, got number"),
    ({"config": {"type": "agent", "name": "a"}}, "its agent config has no `agent_class`"),
    ({"config": {"type": "agent"}}, "its agent config has no `name` or `agent_class`"),
    ({"feedback": {"type": "rating"}}, "feedback item 1 has no `value` (a number or text)"),
    ({"feedback": [{"type": "rating", "value": "good"}, {"value": 3}]}, "feedback item 2 has"),
    # a number or boolean error was a reason to drop the whole log
    ({"error": 500}, "field `error` should be a string, got 500 (shown as text)"),
    ({"error": True}, "field `error` should be a string, got true"),
    # taken into the latency figures without a word
    ({"duration": -1}, "field `duration` is negative: -1"),
]


@pytest.mark.parametrize(("fields", "reason"), SCHEMA_GAPS)
def test_a_record_that_breaks_the_schema_is_kept_and_reported(
    tmp_path: Path, fields: dict[str, Any], reason: str
) -> None:
    """A record the schema does not allow but that can be shown (no `config`, a date that
    is not one, feedback without its value) loads, and says how it breaks the schema
    (it loaded without a word; `validate` counted it as a good log)."""
    log = make_log("data_x", **fields)
    if log.get("config") == "__absent__":
        del log["config"]
    path = write_jsonl(tmp_path / "a.jsonl", [make_log("data_1"), log, make_log("data_2")])
    index = load_index(tmp_path)
    assert len(index) == 3
    [problem] = index.problems
    assert (problem.file, problem.line, problem.severity) == (path, 2, Severity.ERROR)
    assert problem.message.startswith(reason)
    cached = load_index(tmp_path)  # taken from the index cache: reported the same
    assert [(p.line, p.message) for p in cached.problems] == [(2, problem.message)]


def test_every_way_a_record_breaks_the_schema_is_reported(tmp_path: Path) -> None:
    """An agent config without its name and a number for `created_at`: the first alone
    was reported, and `validate` said nothing of the date."""
    log = make_log("data_x", config={"type": "agent"}, created_at=1719835200)
    write_jsonl(tmp_path / "a.jsonl", [log])
    index = load_index(tmp_path)
    assert len(index) == 1
    assert [p.message.split(" (")[0] for p in index.problems] == [
        "its agent config has no `name` or `agent_class`",
        "field `created_at` should be a string, got number",
    ]


# A syntax error spoils a whole JSON document (see the next test); the others are per record.
BAD_RECORDS = [
    (line, reason)
    for line, reason in BAD_LINES
    if isinstance(line, str)
    and not reason.startswith(("truncated", "not valid JSON", "JSON nested too deeply"))
]


LOG_2 = json.dumps(make_log("data_2")).encode()


@pytest.mark.parametrize(("line", "reason"), BAD_RECORDS)
def test_bad_records_in_a_json_array_are_numbered(tmp_path: Path, line: str, reason: str) -> None:
    data = b"[" + b", ".join([json.dumps(make_log("data_1")).encode(), line.encode(), LOG_2]) + b"]"
    path = write_bytes(tmp_path / "array.json", data)

    index = load_index(tmp_path)

    assert list(index.logs) == ["data_1", "data_2"]
    assert [(p.file, p.line, p.unit) for p in index.problems] == [(path, 2, "record")]
    assert index.problems[0].message.startswith(reason)
    assert index.problems[0].place(tmp_path) == "array.json record 2"


def test_whole_file_problems_do_not_stop_the_load(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "good.jsonl", [make_log("data_1")])
    whole = json.dumps([make_log("data_2"), make_log("data_3")]).encode()
    write_bytes(tmp_path / "truncated.json", whole[: len(whole) // 2])
    write_bytes(tmp_path / "empty.json", b"")
    write_bytes(tmp_path / "binary.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "fake.jsonl.gz").write_bytes(b'{"id": "data_4"}\n')  # not compressed
    (tmp_path / "fake.json.gz").write_bytes(b'{"id": "data_5"}\n')
    write_bytes(tmp_path / "deep.json", f"[{json.dumps(make_log('data_6'))}, {DEEP_LINE}]".encode())

    index = load_index(tmp_path)

    assert list(index.logs) == ["data_1"]
    found = {p.file.name: p for p in index.problems}
    assert set(found) == {
        "truncated.json",
        "empty.json",
        "binary.jsonl",
        "fake.jsonl.gz",
        "fake.json.gz",
        "deep.json",
    }
    assert found["truncated.json"].message == "not valid JSON (truncated)"
    assert found["empty.json"].message == "empty file"
    assert found["binary.jsonl"].message == "binary file (NUL bytes), not JSON logs"
    assert found["fake.jsonl.gz"].message.startswith("invalid gzip stream")
    assert found["fake.json.gz"].message.startswith("invalid gzip stream")
    assert found["deep.json"].message.startswith("JSON nested too deeply to read")
    assert found["truncated.json"].line is None
    assert all(p.is_error for p in index.problems)
    assert index.error_count == 6


def cut_short_gzip(path: Path, count: int) -> Path:
    """A `.jsonl.gz` of `count` logs (text that hardly compresses), cut off mid-stream,
    as a writer that has not closed it yet leaves it."""
    noise = [random.Random(n).randbytes(200).hex() for n in range(count)]
    data = jsonl_bytes([make_log(f"data_{n}", output=noise[n]) for n in range(count)])
    whole = gzip.compress(data)
    path.write_bytes(whole[: len(whole) // 2])  # (`write_bytes` would compress it again)
    return path


def test_a_gzip_file_cut_short_gives_what_it_holds(tmp_path: Path) -> None:
    """The logs before the cut load and read back (their bytes, preview, record); the
    cut is a problem. Reading a log back raised EOFError, which closed the app."""
    path = cut_short_gzip(tmp_path / "stream.jsonl.gz", 60)
    index = load_index(tmp_path)
    assert 0 < len(index) < 60
    [problem] = index.problems
    assert problem.file == path and problem.message.startswith("invalid gzip stream")
    for log_id in index.logs:
        assert json.loads(index.raw_bytes(log_id))["id"] == log_id
        assert index.preview(log_id).output is not None
        assert index.record(log_id).id == log_id


def test_an_empty_jsonl_file_is_fine(tmp_path: Path) -> None:
    write_bytes(tmp_path / "new.jsonl", b"")
    index = load_index(tmp_path)
    assert len(index) == 0
    assert index.problems == []
    assert len(index.files) == 1


def test_unreadable_file_is_a_problem(tmp_path: Path, unreadable) -> None:  # type: ignore[no-untyped-def]
    write_jsonl(tmp_path / "good.jsonl", [make_log("data_1")])
    unreadable(write_jsonl(tmp_path / "secret.jsonl", [make_log("data_2")]))
    unreadable(write_json(tmp_path / "secret.json.gz", [make_log("data_3")]))
    index = load_index(tmp_path)
    assert list(index.logs) == ["data_1"]
    assert sorted((p.file.name, p.line, p.message) for p in index.problems) == [
        ("secret.json.gz", None, "cannot read file: Permission denied"),
        ("secret.jsonl", None, "cannot read file: Permission denied"),
    ]


def test_duplicate_id_across_files_is_one_log_and_a_notice(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1", output="first"), make_log("data_2")])
    dup = write_json(tmp_path / "b.json", [make_log("data_3"), make_log("data_1", output="again")])

    index = load_index(tmp_path)

    assert sorted(index.logs) == ["data_1", "data_2", "data_3"]
    assert len(index) == 3
    notices = [p for p in index.problems if p.severity is Severity.NOTICE]
    assert len(index.problems) == 1
    assert len(notices) == 1
    assert not notices[0].is_error
    assert index.error_count == 0
    first_file = index.file_of(index.summary("data_1")).path
    other = tmp_path / ("b.json" if first_file.name == "a.jsonl" else "a.jsonl")
    assert notices[0].file == other
    assert "duplicate log data_1" in notices[0].message
    assert notices[0].line == (2 if other == dup else 1)


def test_a_duplicate_names_where_the_first_copy_is(tmp_path: Path) -> None:
    """The notice names the first copy's file by its path under the root and its place
    in it: files of the same name in two folders were told apart by nothing."""
    write_jsonl(tmp_path / "support" / "day.jsonl", [make_log("data_0"), make_log("data_1")])
    write_json(tmp_path / "x-exports" / "day.json", [make_log("data_2"), make_log("data_1")])
    index = load_index(tmp_path)
    [notice] = index.problems
    places = {"support": "support/day.jsonl:2", "x-exports": "x-exports/day.json record 2"}
    first = index.file_of(index.summary("data_1")).path.parent.name  # read first (newest)
    [second] = set(places) - {first}
    assert notice.describe(tmp_path) == (
        f"{places[second]}: duplicate log data_1 (first read from {places[first]}); kept the first"
    )


def test_duplicate_id_within_one_file(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1", output="one"), make_log("data_1")])
    index = load_index(tmp_path)
    assert len(index) == 1
    assert index.preview("data_1").output == "one"
    assert [(p.line, p.severity) for p in index.problems] == [(2, Severity.NOTICE)]


# -- loading in batches, growing files -------------------------------------------------------


def test_batches_and_progress(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log(f"data_a{i}") for i in range(7)])
    write_json(tmp_path / "b.json", [make_log(f"data_b{i}") for i in range(3)])
    # Compresses well: decompressed offsets run far past the file's size on disk.
    write_jsonl(
        tmp_path / "c.jsonl.gz", [make_log(f"data_c{i}", output="x" * 5000) for i in range(9)]
    )
    batches: list[IndexBatch] = []

    index = LogIndex(tmp_path).load(batches.append, batch_size=2)

    assert len(index) == 19
    assert sum(len(b.logs) for b in batches) == 19
    assert max(len(b.logs) for b in batches) <= 2
    assert len(batches) >= 10
    assert batches[-1].fraction == 1.0
    assert batches[-1].files_done == batches[-1].files_total == 3
    assert all(b.bytes_total == index.file_size_total() for b in batches)
    assert all(0.0 <= b.fraction <= 1.0 for b in batches)
    done = [b.bytes_done for b in batches]
    assert done == sorted(done)


def test_read_file_continues_from_its_offset(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "app.jsonl", [make_log("data_1"), make_log("data_2")])
    index = LogIndex(tmp_path)
    first = [s.id for batch in index.read_file(path) for s in batch.logs]
    assert first == ["data_1", "data_2"]
    state = index.state_for(path)
    assert state.offset == path.stat().st_size
    assert state.next_line == 3

    append_bytes(path, jsonl_bytes([make_log("data_3"), "", make_log("data_4")]))
    second = [s.id for batch in index.read_file(path) for s in batch.logs]

    assert second == ["data_3", "data_4"]
    assert [index.summary(i).line for i in ("data_3", "data_4")] == [3, 5]
    assert len(index) == 4
    assert index.problems == []
    # Nothing new: nothing read.
    assert [s.id for batch in index.read_file(path) for s in batch.logs] == []
    assert state.log_ids == ["data_1", "data_2", "data_3", "data_4"]


def test_read_file_complete_only_waits_for_the_end_of_a_line(tmp_path: Path) -> None:
    line = json.dumps(make_log("data_2")).encode()
    path = write_bytes(tmp_path / "app.jsonl", jsonl_bytes([make_log("data_1")]) + line[:15])
    index = LogIndex(tmp_path)
    got = [s.id for b in index.read_file(path, complete_only=True) for s in b.logs]
    assert got == ["data_1"]
    append_bytes(path, line[15:] + b"\n")
    got = [s.id for b in index.read_file(path, complete_only=True) for s in b.logs]
    assert got == ["data_2"]
    assert index.problems == []
    assert index.summary("data_2").line == 2
    assert index.raw_bytes("data_2") == line


def test_json_file_read_again_replaces_its_logs(tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", [make_log("data_1"), make_log("data_2")])
    index = LogIndex(tmp_path)
    list(index.read_file(path))
    write_json(path, [make_log("data_2"), make_log("data_3")])
    batches = list(index.read_file(path))
    assert sorted(index.logs) == ["data_2", "data_3"]
    assert sorted(i for b in batches for i in b.removed) == ["data_1", "data_2"]
    assert index.problems == []


def test_forget_file(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [make_log("data_1"), "oops"])
    write_jsonl(tmp_path / "b.jsonl", [make_log("data_2")])
    index = load_index(tmp_path)
    assert len(index.problems) == 1
    assert index.forget_file(a) == ["data_1"]
    assert list(index.logs) == ["data_2"]
    assert index.problems == []
    assert index.forget_file(tmp_path / "never-seen.jsonl") == []


# -- raw bytes and full records --------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_raw_bytes_are_exactly_the_stored_record(tmp_path: Path, shape: str) -> None:
    logs = [make_log("data_1", output="naïve 🎉\ttab"), make_log("data_2", metadata={"k": [1, 2]})]
    path = write_shape(tmp_path, shape, logs)
    index = load_index(tmp_path)
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    for log in logs[: len(index)]:
        stored = index.raw_bytes(log["id"])
        assert isinstance(stored, bytes)
        assert json.loads(stored) == log
        assert stored in raw  # the very bytes in the file, not a re-encoding
        assert not stored.startswith(BOM)
        assert not stored.endswith((b"\r", b"\n"))
        assert stored == stored.strip()


def test_raw_bytes_of_jsonl_lines_byte_for_byte(tmp_path: Path) -> None:
    lines = [
        b'{"id": "data_1",   "output": "x"}',
        b'{"id":"data_2","output":"caf\xc3\xa9"}',
        b'{"id": "data_3"}',
    ]
    path = write_jsonl(tmp_path / "a.jsonl", lines, newline=b"\r\n", bom=True, final_newline=False)
    gz = write_jsonl(tmp_path / "b.jsonl.gz", [b'{"id": "data_4",  "z": 1}'], bom=True)
    index = load_index(tmp_path)
    assert [index.raw_bytes(f"data_{i}") for i in (1, 2, 3, 4)] == [
        *lines,
        b'{"id": "data_4",  "z": 1}',
    ]
    assert path.read_bytes().startswith(BOM) and gz.exists()


def test_record_decodes_on_demand(tmp_path: Path) -> None:
    records = pytest.importorskip("hltui.model.records")
    assert hasattr(records, "parse_log")
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1"), make_log("data_2")], bom=True)
    index = load_index(tmp_path)
    record = index.record("data_1")
    assert record.id == "data_1"
    assert index.record("data_1") is record  # cached
    assert index.record("data_2").id == "data_2"


def test_place_names_file_and_line(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "sub" / "a.jsonl", [make_log("data_1"), make_log("data_2")])
    write_json(tmp_path / "b.json", [make_log("data_3"), make_log("data_4")])
    index = load_index(tmp_path)
    assert index.place(index.summary("data_2")) == str(Path("sub", "a.jsonl")) + ":2"
    assert index.place(index.summary("data_4")) == "b.json record 2"


# -- summaries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:00:07Z", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T12:00:07z", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T12:00:07+00:00", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T17:30:07+05:30", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T12:00:07", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),  # naive = UTC
        ("2024-03-01T12:00:07.5Z", datetime(2024, 3, 1, 12, 0, 7, 500000, tzinfo=UTC)),
        ("2024-03-01T12:00:07.123Z", datetime(2024, 3, 1, 12, 0, 7, 123000, tzinfo=UTC)),
        ("2024-03-01T12:00:07.123456Z", datetime(2024, 3, 1, 12, 0, 7, 123456, tzinfo=UTC)),
        ("2024-03-01T12:00:07.1234567Z", datetime(2024, 3, 1, 12, 0, 7, 123456, tzinfo=UTC)),
        ("2024-03-01T12:00:07.123456789", datetime(2024, 3, 1, 12, 0, 7, 123456, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text) == pytest.approx(expected.timestamp(), abs=1e-6)


@pytest.mark.parametrize("text", [None, "", "yesterday", "2024-13-01T00:00:00Z"])
def test_parse_time_unknown_is_nan(text: str | None) -> None:
    assert math.isnan(parse_time(text))


def test_times_sort_by_moment_not_by_string() -> None:
    times = ["2024-03-01T12:00:00.5Z", "2024-03-01T17:29:00+05:30", "2024-03-01T12:00:00"]
    assert sorted(times, key=parse_time) == [times[1], times[2], times[0]]


def test_summary_fields() -> None:
    log = make_log(
        "data_1",
        session_id="sesh_1",
        session_reference_id="conv-1",
        parent_id="data_0",
        parent_reference_id="ref-0",
        reference_id="ref-1",
        created_at="2024-03-01T12:00:07.25+00:00",
        duration=4,
        error=None,
        unknown_key={"kept": True},
    )
    summary = summarise(log, file=3, offset=10, line=7)
    assert (summary.id, summary.file, summary.offset, summary.line) == ("data_1", 3, 10, 7)
    assert summary.session_id == "sesh_1"
    assert summary.session_reference_id == "conv-1"
    assert summary.parent_id == "data_0"
    assert summary.parent_reference_id == "ref-0"
    assert summary.reference_id == "ref-1"
    assert summary.project == "support"
    assert summary.config_type == "model"
    assert summary.model == "gpt-4"
    assert summary.duration == 4.0
    assert summary.error is None and not summary.has_error
    assert summary.created == datetime(2024, 3, 1, 12, 0, 7, 250000, tzinfo=UTC)
    assert summary.feedback is None and summary.feedback_count == 0


@pytest.mark.parametrize(
    ("config", "model"),
    [
        ({"type": "model", "model": "gpt-4o", "name": "support-bot"}, "gpt-4o"),
        ({"type": "tool", "name": "get_weather"}, "get_weather"),
        ({"type": "generic", "name": "pipeline"}, "pipeline"),
        ({"type": "agent", "name": "planner", "agent_class": "ReAct"}, "planner"),
        ({"type": "evaluator", "name": "judge"}, "judge"),
        ({"model": "claude-3"}, "claude-3"),
        ({"type": "model"}, None),
        (None, None),
    ],
)
def test_summary_model_or_config_name(config: dict | None, model: str | None) -> None:  # type: ignore[type-arg]
    summary = summarise(make_log("data_1", config=config))
    assert summary.model == model
    assert summary.config_type == (config or {}).get("type")


def test_summary_without_config_key() -> None:
    log = make_log("data_1")
    del log["config"]
    assert summarise(log).model is None


def test_summary_error() -> None:
    summary = summarise(make_log("data_1", output=None, error="RateLimitError:\n  slow   down"))
    assert summary.has_error
    assert summary.error == "RateLimitError: slow down"
    assert preview_of(make_log("data_1", output=None)).output is None
    assert not summarise(make_log("data_2", error=None)).has_error


@pytest.mark.parametrize(
    ("feedback", "pairs"),
    [
        ({"type": "rating", "value": "good"}, (("rating", "good"),)),
        (
            [
                {"type": "rating", "value": "bad", "id": "ann_1"},
                {"type": "action", "value": "copied"},
                {"type": "score", "value": 4},
                {"type": "score", "value": 0.5},
                {"type": "comment", "value": "too long"},
            ],
            (
                ("rating", "bad"),
                ("action", "copied"),
                ("score", 4),
                ("score", 0.5),
                ("comment", "too long"),
            ),
        ),
        ([], None),
        (None, None),
    ],
)
def test_summary_feedback_pairs(feedback: object, pairs: tuple | None) -> None:  # type: ignore[type-arg]
    summary = summarise(make_log("data_1", feedback=feedback))
    assert summary.feedback == pairs
    assert summary.feedback_count == len(pairs or ())


def test_summary_prompt_is_the_first_user_message() -> None:
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Where is\n my   order?"},
        {"role": "assistant", "content": "Shipped."},
        {"role": "user", "content": "Thanks"},
    ]
    assert preview_of(make_log("data_1", messages=messages)).prompt == "Where is my order?"


def test_summary_prompt_from_content_parts() -> None:
    messages = [
        {"role": "assistant", "content": None, "tool_calls": []},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "text", "text": "this picture?"},
            ],
        },
    ]
    assert preview_of(make_log("data_1", messages=messages)).prompt == "What is in this picture?"


def test_summary_prompt_absent() -> None:
    assert preview_of(make_log("data_1")).prompt is None
    assert preview_of(make_log("data_1", messages=[{"role": "user"}])).prompt is None
    assert preview_of(make_log("data_1", messages=None)).prompt is None


def test_summary_preview_is_the_output_shortened() -> None:
    preview = preview_of(make_log("data_1", output="line one\r\nline\ttwo " + "x" * 500))
    assert preview.output is not None
    assert preview.output.startswith("line one line two x")
    assert len(preview.output) == 80 and preview.output.endswith("x…")  # cut: says so
    assert short(None) is None
    assert short("") is None
    assert short(" \n\t ") is None
    assert short("a" * 80) == "a" * 80  # fits: not cut
    # a reply given only as `output_message`: its text, as the transcript shows it (the
    # tree previewed the user's input instead)
    reply = {"role": "assistant", "content": "Hello from the reply"}
    for output in (None, ""):
        answered = preview_of(make_log("data_2", output=output, output_message=reply))
        assert answered.output == "Hello from the reply"
    junk = preview_of(
        make_log(
            "data_3",
            output=None,
            output_message="junk",
            messages=[{"role": "user", "content": "hi"}],
        )
    )
    assert junk.output is None and junk.prompt == "hi"


@pytest.mark.parametrize("error", ["", "   ", "\n"])
def test_a_blank_error_is_no_error(error: str) -> None:
    """`"error": ""` is a log without an error in the tree, filters and `e` alike (the
    transcript drew an empty error box for it; blank space was an error in the tree)."""
    summary = summarise(make_log("data_1", error=error))
    assert summary.error is None and not summary.has_error


def test_summary_keeps_unknown_and_null_fields_lenient() -> None:
    log = make_log(
        "data_1",
        project=None,
        session_id=None,
        duration=None,
        feedback=None,
        evaluation_results=[{"id": "data_nested", "config": "anything"}],
    )
    summary = summarise(log)
    assert summary.project is None and summary.session_id is None


def test_summary_error_is_plain() -> None:
    with pytest.raises(
        SummaryError, match=r"^field `config.model` should be a string, got number$"
    ):
        summarise(b'{"id": "data_1", "config": {"type": "model", "model": 4}}')


def test_problem_json_shape(tmp_path: Path) -> None:
    problem = Problem(tmp_path / "sub" / "a.jsonl", 3, "bad", Severity.NOTICE)
    assert problem.to_json(tmp_path) == {
        "file": str(Path("sub", "a.jsonl")),
        "line": 3,
        "message": "bad",
        "severity": "notice",
    }
    assert Problem(Path("/elsewhere/x.json"), None, "m").to_json(tmp_path)["file"] == (
        "/elsewhere/x.json"
    )
    assert messages_of([problem]) == ["bad"]


def test_a_summary_is_small() -> None:
    """`config`, `created_at` and `messages` share their slots with what is made of them:
    a summary is 144 bytes, not 168 (176 with the allocator's rounding), 16 MB less at
    500k logs; what a decoded one holds is unchanged."""
    summary = decode_summary(
        json.dumps(make_log("data_1", messages=[{"role": "user", "content": "hi"}])).encode()
    )
    assert sys.getsizeof(summary) <= 144
    assert (summary.model, summary.config_type) == ("gpt-4", "model")
    assert summary.time == datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp()
