"""Finding log files and cutting them into raw records (hltui.model.sources)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from hltui.model.problems import Problem
from hltui.model.sources import (
    FileKind,
    LineScan,
    RawRecord,
    RecordReader,
    file_kind,
    find_log_files,
    scan_json,
    sniff_kind,
    split_json_document,
)
from tests.conftest import BOM, append_bytes, make_log, write_bytes, write_json, write_jsonl


def scan(path: Path, **kwargs: object) -> tuple[list[RawRecord], list[Problem]]:
    kind = file_kind(path) or FileKind.JSONL
    items = list(LineScan(path, kind, **kwargs)) if kind.is_lines else list(scan_json(path, kind))
    records = [item for item in items if isinstance(item, RawRecord)]
    problems = [item for item in items if isinstance(item, Problem)]
    return records, problems


def ids(records: list[RawRecord]) -> list[str]:
    return [json.loads(bytes(r.data))["id"] for r in records]


# -- file kinds and discovery ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.jsonl", FileKind.JSONL),
        ("a.ndjson", FileKind.JSONL),
        ("A.JSONL", FileKind.JSONL),
        ("a.json", FileKind.JSON),
        ("a.jsonl.gz", FileKind.JSONL_GZ),
        ("a.json.gz", FileKind.JSON_GZ),
        ("a.txt", None),
        ("a.gz", None),
        ("a.json.bak", None),
        ("jsonl", None),
    ],
)
def test_file_kind_by_name(name: str, kind: FileKind | None) -> None:
    assert file_kind(Path(name)) is kind


def test_sniff_kind_of_unnamed_files(tmp_path: Path) -> None:
    array = write_bytes(tmp_path / "export.txt", BOM + b'  \n[{"id": "a"}]')
    lines = write_bytes(tmp_path / "app.log", b'{"id": "a"}\n')
    assert sniff_kind(array) is FileKind.JSON
    assert sniff_kind(lines) is FileKind.JSONL


def test_discovery_is_recursive_sorted_and_ignores_other_files(tmp_path: Path) -> None:
    log = [make_log("data_1")]
    write_jsonl(tmp_path / "b.jsonl", log)
    write_json(tmp_path / "a.json", log)
    write_jsonl(tmp_path / "deep" / "er" / "c.jsonl.gz", log)
    write_json(tmp_path / "deep" / "d.json.gz", log)
    write_bytes(tmp_path / "notes.txt", b"hello")
    write_bytes(tmp_path / "data.csv", b"id\n1\n")
    write_bytes(tmp_path / "old.jsonl.bak", b"{}\n")
    write_jsonl(tmp_path / ".hltui" / "feedback.jsonl", log)
    write_jsonl(tmp_path / "sub" / ".hltui" / "other.jsonl", log)
    write_jsonl(tmp_path / ".git" / "x.jsonl", log)
    (tmp_path / "dir.jsonl").mkdir()  # a directory with a log-like name is not a file

    found, problems = find_log_files(tmp_path)

    assert problems == []
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.json",
        "b.jsonl",
        "deep/d.json.gz",
        "deep/er/c.jsonl.gz",
    ]


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    write_jsonl(root / "sub" / "a.jsonl", [make_log("data_1")])
    os.symlink(root, root / "sub" / "loop")  # sub/loop -> logs (its own grandparent)
    os.symlink(root / "sub", root / "sub" / "self")  # sub/self -> sub

    found, problems = find_log_files(root)

    assert problems == []
    assert found == [root / "sub" / "a.jsonl"]


def test_symlinked_directory_elsewhere_is_followed_once(tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_jsonl(other / "x.jsonl", [make_log("data_1")])
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(other, root / "link")

    found, _ = find_log_files(root)

    assert found == [root / "link" / "x.jsonl"]


def test_a_file_given_directly_is_the_only_file(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "anything.log", b'{"id": "a"}\n')
    write_jsonl(tmp_path / "other.jsonl", [make_log("data_1")])
    assert find_log_files(path) == ([path], [])


# -- JSONL -----------------------------------------------------------------------------


def test_jsonl_lines_with_places(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [make_log("data_1"), make_log("data_2")])
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2"]
    assert [r.line for r in records] == [1, 2]
    data = path.read_bytes()
    for record in records:
        assert data[record.offset : record.offset + record.length] == bytes(record.data)
        assert data[record.offset + record.length : record.offset + record.length + 1] == b"\n"


def test_jsonl_blank_lines_count_but_are_not_records(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", ["", make_log("data_1"), "   ", "\t", make_log("data_2"), ""]
    )
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2"]
    assert [r.line for r in records] == [2, 5]


def test_jsonl_crlf_and_bom(tmp_path: Path) -> None:
    logs = [make_log("data_1"), make_log("data_2"), make_log("data_3")]
    path = write_jsonl(tmp_path / "a.jsonl", logs, newline=b"\r\n", bom=True)
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2", "data_3"]
    assert [r.line for r in records] == [1, 2, 3]
    assert bytes(records[0].data).startswith(b"{")
    assert records[0].offset == 0  # the BOM is part of the first line's stored bytes
    assert records[0].length == len(BOM) + len(json.dumps(logs[0]).encode()) + 1  # + "\r"


def test_jsonl_bom_alone_on_the_first_line_is_blank(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "a.jsonl", BOM + b"\n" + b'{"id": "data_1"}\n')
    records, problems = scan(path)
    assert problems == []
    assert [(r.line, bytes(r.data)) for r in records] == [(2, b'{"id": "data_1"}')]


def test_jsonl_last_line_without_newline_is_read(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [make_log("data_1"), make_log("data_2")], final_newline=False
    )
    line_scan = LineScan(path, FileKind.JSONL)
    records = list(line_scan)
    assert ids(records) == ["data_1", "data_2"]  # type: ignore[arg-type]
    assert line_scan.end_offset == path.stat().st_size
    # still line 2: a newline written next ends it (lines after it were numbered one
    # too high when it counted as a blank line 3)
    assert line_scan.next_line == 2


def test_complete_only_leaves_a_partial_line_then_reads_it_exactly_once(tmp_path: Path) -> None:
    first = json.dumps(make_log("data_1")).encode() + b"\n"
    second = json.dumps(make_log("data_2")).encode()
    path = write_bytes(tmp_path / "a.jsonl", first + second[:20])

    scan1 = LineScan(path, FileKind.JSONL, complete_only=True)
    assert ids(list(scan1)) == ["data_1"]  # type: ignore[arg-type]
    assert scan1.end_offset == len(first)
    assert scan1.next_line == 2

    # Nothing new yet: a second scan from the same place yields nothing and stays put.
    scan2 = LineScan(path, FileKind.JSONL, start=scan1.end_offset, first_line=2, complete_only=True)
    assert list(scan2) == []
    assert scan2.end_offset == len(first)

    append_bytes(path, second[20:] + b"\n")
    scan3 = LineScan(path, FileKind.JSONL, start=scan2.end_offset, first_line=2, complete_only=True)
    records = list(scan3)
    assert ids(records) == ["data_2"]  # type: ignore[arg-type]
    assert records[0].line == 2  # type: ignore[union-attr]
    assert records[0].offset == len(first)  # type: ignore[union-attr]
    assert scan3.end_offset == path.stat().st_size
    assert scan3.next_line == 3

    scan4 = LineScan(path, FileKind.JSONL, start=scan3.end_offset, first_line=3, complete_only=True)
    assert list(scan4) == []


def test_lines_longer_than_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hltui.model.sources as sources

    monkeypatch.setattr(sources, "CHUNK_SIZE", 7)  # lines straddle many reads
    logs = [make_log(f"data_{i}", output="é" * i) for i in range(12)]
    for name in ("a.jsonl", "a.jsonl.gz"):
        path = write_jsonl(tmp_path / name, [*logs[:6], "", *logs[6:]], bom=True)
        records, problems = scan(path)
        assert problems == []
        assert ids(records) == [f"data_{i}" for i in range(12)]
        assert [r.line for r in records] == [*range(1, 7), *range(8, 14)]
        if name == "a.jsonl":  # each record is read from where it says it is
            raw = path.read_bytes()
            for r in records:
                at = raw[r.offset : r.offset + r.length]  # type: ignore[union-attr]
                assert at.removeprefix(b"\xef\xbb\xbf") == bytes(r.data)  # type: ignore[union-attr]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40


@pytest.mark.parametrize("name", ["a.jsonl", "a.json"])
def test_binary_file_is_one_problem(tmp_path: Path, name: str) -> None:
    path = write_bytes(tmp_path / name, PNG)
    records, problems = scan(path)
    assert records == []
    assert [(p.line, p.message) for p in problems] == [
        (None, "binary file (NUL bytes), not JSON logs")
    ]


def test_a_run_of_nul_bytes_spoils_only_its_lines(tmp_path: Path) -> None:
    """A crash or power cut can leave a run of NUL bytes in a log file being appended
    to. One in the first 8 KB made the whole file \"binary\": every log in it was lost
    (a later read by the tailer or from the cache reported only the line). The run is
    reported, and a record written after it is read from where it starts."""
    lines = [
        json.dumps(make_log("data_1")).encode(),
        b"\x00" * 4096 + json.dumps(make_log("data_2")).encode(),
        b"\x00" * 100,
        b'{"id": "data_x\x00\x00"}',
        json.dumps(make_log("data_3")).encode(),
    ]
    path = write_bytes(tmp_path / "a.jsonl", b"\n".join(lines) + b"\n")
    records, problems = scan(path)
    assert [bytes(r.data) for r in records] == [lines[0], lines[1][4096:], lines[3], lines[4]]
    assert [(p.line, p.message) for p in problems] == [
        (2, "4,096 NUL bytes before its record (a crash can leave such a run), skipped"),
        (3, "100 NUL bytes (a crash can leave such a run), skipped"),
    ]
    raw = path.read_bytes()
    for record in records:  # each record is read from where it says it is
        start = record.offset
        assert raw[start : start + record.length] == bytes(record.data)  # type: ignore[operator]
        assert RecordReader().read(path, FileKind.JSONL, start) == bytes(record.data)


def test_a_record_written_after_a_torn_one_and_its_nuls_is_read(tmp_path: Path) -> None:
    """A crash cut a record off, left NUL bytes, and the app wrote on: the record after
    the run was lost with the torn one (`not valid JSON` for the whole line)."""
    whole = json.dumps(make_log("data_2")).encode()
    lines = [
        json.dumps(make_log("data_1")).encode(),
        json.dumps(make_log("data_torn")).encode()[:60] + b"\x00" * 4096 + whole,
        json.dumps(make_log("data_3")).encode(),
    ]
    path = write_bytes(tmp_path / "a.jsonl", b"\n".join(lines) + b"\n")
    records, problems = scan(path)
    assert ids(records) == ["data_1", "data_2", "data_3"]
    assert [(p.line, p.message) for p in problems] == [
        (
            2,
            "a record cut off, then 4,096 NUL bytes (a crash can leave them), "
            "the record after it read",
        )
    ]
    record = records[1]
    assert RecordReader().read(path, FileKind.JSONL, record.offset) == whole


def test_a_run_of_nul_bytes_on_the_last_line_is_skipped_too(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "a.jsonl", b"\x00" * 10 + json.dumps(make_log("data_1")).encode())
    records, problems = scan(path)
    assert ids(records) == ["data_1"]
    assert [p.line for p in problems] == [1]


def test_non_utf8_lines_are_problems_and_the_rest_loads(tmp_path: Path) -> None:
    good = [make_log("data_1"), make_log("data_3", output="ünïcødé ✓ 🎉")]
    latin1 = '{"id": "data_2", "inputs": {"city": "Zürich"}}'.encode("latin-1")
    path = write_jsonl(tmp_path / "a.jsonl", [good[0], latin1, good[1]])
    records, problems = scan(path)
    assert ids(records) == ["data_1", "data_3"]
    assert [(p.file, p.line, p.message) for p in problems] == [(path, 2, "not valid UTF-8 text")]


def test_non_utf8_last_line_without_newline(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [make_log("data_1"), b'{"id": "\xff"}'], final_newline=False
    )
    records, problems = scan(path)
    assert ids(records) == ["data_1"]
    assert [(p.line, p.message) for p in problems] == [(2, "not valid UTF-8 text")]


def test_gzip_jsonl(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl.gz", [make_log("data_1"), make_log("data_2")], newline=b"\r\n", bom=True
    )
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2"]


def test_invalid_gzip_stream(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "plain.jsonl", b'{"id": "data_1"}\n')
    path = path.rename(tmp_path / "fake.jsonl.gz")  # not compressed at all
    records, problems = scan(path)
    assert records == []
    assert len(problems) == 1
    assert problems[0].message.startswith("invalid gzip stream")


def test_truncated_gzip_keeps_the_lines_before_the_cut(tmp_path: Path) -> None:
    logs = [make_log(f"data_{i}", output=f"{i} " * 2000) for i in range(300)]
    whole = gzip.compress(b"".join(json.dumps(log).encode() + b"\n" for log in logs))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    records, problems = scan(path)
    assert len(problems) == 1
    assert problems[0].message.startswith("invalid gzip stream")
    assert 0 < len(records) < 300
    assert ids(records) == [f"data_{i}" for i in range(len(records))]
    assert problems[0].line == len(records) + 1


# -- JSON ------------------------------------------------------------------------------


def test_json_single_object(tmp_path: Path) -> None:
    path = write_json(tmp_path / "one.json", make_log("data_1"), bom=True)
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1"]
    assert (records[0].line, records[0].offset, records[0].length) == (1, 0, -1)
    assert bytes(records[0].data) == json.dumps(make_log("data_1"), indent=2).encode()


def test_json_array(tmp_path: Path) -> None:
    path = write_json(tmp_path / "many.json", [make_log("data_1"), make_log("data_2")])
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2"]
    assert [(r.line, r.offset) for r in records] == [(1, 0), (2, 1)]


def test_json_api_page(tmp_path: Path) -> None:
    page = {"records": [make_log("data_1"), make_log("data_2")], "page": 1, "size": 2, "total": 2}
    path = write_json(tmp_path / "page.json", page)
    records, problems = scan(path)
    assert problems == []
    assert ids(records) == ["data_1", "data_2"]


@pytest.mark.parametrize("name", ["page.json.gz", "page.json"])
def test_json_gz_and_empty_page(tmp_path: Path, name: str) -> None:
    page = {"records": [], "page": 3, "size": 50, "total": 100}
    assert scan(write_json(tmp_path / name, page)) == ([], [])
    full = write_json(tmp_path / ("full-" + name), [make_log("data_1")])
    assert ids(scan(full)[0]) == ["data_1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b'[{"id": "data_1"}, {"id": "da', "not valid JSON (truncated)"),
        (b'"just a string"', "not a JSON object or array of log records"),
        (b"42", "not a JSON object or array of log records"),
        (b'{"records": 5, "page": 1}', "`records` is not an array of log records"),
    ],
)
def test_bad_json_documents_are_one_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = write_bytes(tmp_path / "bad.json", content)
    records, problems = scan(path)
    assert records == []
    assert [(p.file, p.line, p.message) for p in problems] == [(path, None, message)]


def test_non_utf8_json_record(tmp_path: Path) -> None:
    data = b'[{"id": "data_1"}, {"id": "data_2", "metadata": {"x": "\xe9"}}, {"id": "data_3"}]'
    path = write_bytes(tmp_path / "a.json", data)
    records, problems = scan(path)
    assert ids(records) == ["data_1", "data_3"]
    assert [(p.line, p.unit, p.message) for p in problems] == [
        (2, "record", "not valid UTF-8 text")
    ]


def test_split_json_document_keeps_exact_record_bytes() -> None:
    data = b'[ {"id": "a",  "x": [1, 2]} ,\n{"id":"b"}]'
    records, problems = split_json_document(Path("x.json"), data)
    assert problems == []
    assert [bytes(r) for r in records] == [b'{"id": "a",  "x": [1, 2]}', b'{"id":"b"}']


# -- reading a record again ------------------------------------------------------------


def test_record_reader_reads_each_shape_back(tmp_path: Path) -> None:
    reader = RecordReader(cache_files=1)
    jsonl = write_jsonl(
        tmp_path / "a.jsonl", [make_log("data_1"), make_log("data_2")], newline=b"\r\n", bom=True
    )
    gz = write_jsonl(tmp_path / "a.jsonl.gz", [make_log("data_1"), make_log("data_2")], bom=True)
    array = write_json(tmp_path / "a.json.gz", [make_log("data_1"), make_log("data_2")])
    for path in (jsonl, gz, array, jsonl, array):  # cache_files=1: re-reads evicted files
        records, _ = scan(path)
        for record in records:
            assert reader.read(path, file_kind(path), record.offset) == bytes(record.data).rstrip(
                b"\r"
            )


def test_record_reader_record_gone(tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", [make_log("data_1")])
    with pytest.raises(OSError, match="record 3"):
        RecordReader().read(path, FileKind.JSON, 2)


@pytest.mark.parametrize("chunk", [5, 16, 61, 64])
def test_chunk_edges_anywhere_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Wherever a chunk ends (in a line, at a newline, in a UTF-8 sequence, in the byte
    order mark), the records, their places and the problems are those of one read."""
    import hltui.model.sources as sources

    latin1 = '{"id": "data_x", "inputs": {"city": "Zürich"}}'.encode("latin-1")
    lines = [make_log("data_1", output="é✓"), "", latin1, "  ", make_log("data_2"), "{broken"]
    path = write_jsonl(tmp_path / "a.jsonl", lines, bom=True, final_newline=False)

    def read() -> tuple[list[tuple[int, int, int, bytes]], list[tuple[int | None, str]]]:
        records, problems = scan(path)
        return (
            [(r.line, r.offset, r.length, bytes(r.data)) for r in records],  # type: ignore[union-attr]
            [(p.line, p.message) for p in problems],
        )

    whole = read()
    monkeypatch.setattr(sources, "CHUNK_SIZE", chunk)
    assert read() == whole
    assert [line for line, *_ in whole[0]] == [1, 5, 6]
    assert whole[1] == [(3, "not valid UTF-8 text")]


def test_a_pipe_in_a_log_folder_is_reported_not_read(tmp_path: Path) -> None:
    """A FIFO named `*.jsonl` hung every command (reading it waits for a writer)."""
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1")])
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    found, problems = find_log_files(tmp_path)
    assert found == [tmp_path / "a.jsonl"]
    assert [(p.file, p.message) for p in problems] == [
        (pipe, "not a regular file (a pipe, socket or device); skipped")
    ]
