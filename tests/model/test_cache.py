"""The index cache: reused while files are unchanged, rebuilt for what changed, never trusted."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

import hltui.model.cache as cache
import hltui.model.index as index_module
import hltui.model.sources as sources
from hltui.model.index import IndexBatch, LogIndex
from tests.conftest import append_bytes, jsonl_bytes, make_log, write_json, write_jsonl


def snapshot(index: LogIndex) -> tuple[Any, ...]:
    """Everything a load gives, comparable (NaN times included, via their bytes)."""
    logs = [(log_id, msgspec.msgpack.encode(s)) for log_id, s in index.logs.items()]
    problems = [(p.file, p.line, p.message, p.severity, p.unit) for p in index.problems]
    files = [(s.path, s.kind, s.size, s.offset, s.next_line, s.log_ids) for s in index.files]
    return logs, problems, files


def fresh(root: Path, **options: Any) -> tuple[Any, ...]:
    return snapshot(LogIndex(root).load(use_cache=False, **options))


class Decodes:
    """Counts the records decoded (read from files rather than taken from the cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = index_module.decode_summary

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(index_module, "decode_summary", counting)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Decodes:
    return Decodes(monkeypatch)


def set_mtime(path: Path, seconds: int) -> None:
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Every file shape, with a bad line, a duplicate id across files and varied fields."""
    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(
        logs / "a.jsonl",
        [
            make_log("data_1", session_id="sess_1", feedback=[{"type": "ok", "value": True}]),
            "{not json",
            make_log("data_2", parent_id="data_1", error="boom", duration=1.5),
            make_log("data_dup", project="first"),
        ],
    )
    write_jsonl(
        logs / "b.jsonl",
        [make_log("data_dup", project="second"), make_log("data_3", created_at=None)],
    )
    write_json(logs / "c.json", [make_log("data_4"), {"no": "id"}])
    (logs / "sub").mkdir()
    with gzip.open(logs / "sub" / "d.jsonl.gz", "wb") as handle:
        handle.write(jsonl_bytes([make_log("data_5", feedback=[{"type": "r", "value": 3}])]))
    for number, name in enumerate(["sub/d.jsonl.gz", "c.json", "b.jsonl", "a.jsonl"]):
        set_mtime(logs / name, 1_700_000_000 + number)
    return logs


def test_an_unchanged_directory_is_taken_from_the_cache(root: Path, decodes: Decodes) -> None:
    cold = LogIndex(root).load()
    assert cache.cache_path(root).is_file()
    assert decodes.count > 0
    decodes.count = 0
    batches: list[IndexBatch] = []
    warm = LogIndex(root).load(batches.append)
    assert decodes.count == 0
    assert snapshot(warm) == snapshot(cold) == fresh(root)
    assert sum(len(b.logs) for b in batches) == len(warm) == 6
    assert batches[-1].fraction == 1.0
    assert any("duplicate log data_dup" in p.message for p in warm.problems)
    assert warm.summary("data_1").feedback == (("ok", True),)
    assert warm.record("data_2").error == "boom"  # offsets still point at the bytes


def test_small_batches_still_come_from_the_cache(root: Path) -> None:
    LogIndex(root).load()
    batches: list[IndexBatch] = []
    warm = LogIndex(root).load(batches.append, batch_size=1)
    assert [len(b.logs) for b in batches].count(1) == len(warm)
    assert snapshot(warm) == fresh(root)
    # progress moves through each file as its summaries are replayed, never back
    done = [batch.bytes_done for batch in batches]
    assert done == sorted(done) and done[-1] == batches[-1].bytes_total
    for name in ("a.jsonl", "b.jsonl"):  # replayed one by one (it has problems), in bulk
        earlier = warm.paths[: warm.paths.index(root / name)]
        before = sum(path.stat().st_size for path in earlier)
        size = (root / name).stat().st_size
        assert any(before < d < before + size for d in done), name


def test_an_appended_file_reads_only_its_new_lines(root: Path, decodes: Decodes) -> None:
    LogIndex(root).load()
    append_bytes(root / "a.jsonl", jsonl_bytes([make_log("data_6"), make_log("data_3")]))
    decodes.count = 0
    warm = LogIndex(root).load()
    assert decodes.count == 2
    assert "data_6" in warm
    assert snapshot(warm) == fresh(root)
    expected = fresh(root)
    decodes.count = 0
    assert snapshot(LogIndex(root).load()) == expected
    assert decodes.count == 0


def test_a_truncated_file_is_read_again(root: Path) -> None:
    LogIndex(root).load()
    write_jsonl(root / "a.jsonl", [make_log("data_1")])
    warm = LogIndex(root).load()
    assert "data_2" not in warm
    assert snapshot(warm) == fresh(root)


def test_a_rewritten_file_of_the_same_size_is_read_again(root: Path) -> None:
    LogIndex(root).load()
    path = root / "b.jsonl"
    stat = path.stat()
    data = path.read_bytes().replace(b"data_3", b"data_9")
    with open(path, "r+b") as handle:  # same inode and size, new mtime
        handle.write(data)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))
    warm = LogIndex(root).load()
    assert "data_9" in warm and "data_3" not in warm
    assert snapshot(warm) == fresh(root)


def test_a_replaced_file_is_read_again(root: Path, decodes: Decodes) -> None:
    LogIndex(root).load()
    path = root / "b.jsonl"
    stat = path.stat()
    new = root / "b.tmp"
    new.write_bytes(path.read_bytes().replace(b"data_3", b"data_8"))
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only the inode tells
    os.replace(new, path)
    decodes.count = 0
    warm = LogIndex(root).load()
    assert decodes.count == 2
    assert "data_8" in warm and "data_3" not in warm
    assert snapshot(warm) == fresh(root)


def test_a_deleted_file_is_dropped(root: Path) -> None:
    LogIndex(root).load()
    (root / "c.json").unlink()
    warm = LogIndex(root).load()
    assert "data_4" not in warm
    assert snapshot(warm) == fresh(root)
    entries = cache.read_cache(root)
    assert entries is not None and "c.json" not in entries


def test_a_file_that_could_not_be_read_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that could not be opened (no read permission) is read again on the next
    open: made readable with `chmod`, it keeps its size, time and inode, and its cached
    "cannot read file" was reused (no logs, the problem for good)."""
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1"), make_log("data_2")])
    real_open = sources.LineScan._open

    def refused(scan: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sources.LineScan, "_open", refused)
    first = LogIndex(tmp_path).load()
    assert len(first) == 0 and first.problems[0].message.startswith("cannot read file")
    monkeypatch.setattr(sources.LineScan, "_open", real_open)
    again = LogIndex(tmp_path).load()
    assert sorted(again.logs) == ["data_1", "data_2"] and again.problems == []


def test_a_new_file_is_read(root: Path) -> None:
    LogIndex(root).load()
    write_jsonl(root / "sub" / "new.jsonl", [make_log("data_7"), make_log("data_1")])
    warm = LogIndex(root).load()
    assert "data_7" in warm
    assert snapshot(warm) == fresh(root)
    assert "sub/new.jsonl" in (cache.read_cache(root) or {})


def test_a_duplicate_kept_from_the_cache_when_its_first_copy_goes(root: Path) -> None:
    LogIndex(root).load()
    write_jsonl(root / "a.jsonl", [make_log("data_1")])
    warm = LogIndex(root).load()
    assert warm.summary("data_dup").project == "second"
    assert not any("duplicate" in p.message for p in warm.problems)
    assert snapshot(warm) == fresh(root)


def test_an_unfinished_last_line_left_for_the_tailer(root: Path, decodes: Decodes) -> None:
    append_bytes(root / "a.jsonl", b'{"id": "data_10"')
    tailing = LogIndex(root).load(complete_only=True)
    assert "data_10" not in tailing
    assert snapshot(tailing) == fresh(root, complete_only=True)
    expected = fresh(root, complete_only=True)
    decodes.count = 0
    assert snapshot(LogIndex(root).load(complete_only=True)) == expected
    assert decodes.count == 0
    # read in full now: the unfinished line is read (and reported) like a fresh load does
    assert snapshot(LogIndex(root).load()) == fresh(root)
    assert snapshot(LogIndex(root).load(complete_only=True)) == fresh(root, complete_only=True)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: os.urandom(len(data)),
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1],
        lambda data: b"",
        lambda data: msgspec.msgpack.encode({"header": {"version": 1}, "files": 3}),
    ],
    ids=["random", "half", "last-byte", "empty", "wrong-shape"],
)
def test_a_damaged_cache_is_rebuilt(root: Path, decodes: Decodes, damage: Any) -> None:
    LogIndex(root).load()
    path = cache.cache_path(root)
    path.write_bytes(damage(path.read_bytes()))
    decodes.count = 0
    warm = LogIndex(root).load()
    assert decodes.count > 0
    assert snapshot(warm) == fresh(root)
    assert cache.read_cache(root) is not None  # rewritten whole


def ragged(chunk: memoryview) -> bytes:
    """The chunk with one log fewer in its `line` column than in the others."""
    columns = msgspec.msgpack.decode(chunk)
    columns[11] = columns[11][:-1]
    return msgspec.msgpack.encode(columns)


def unknown_code(chunk: memoryview) -> bytes:
    """The chunk with its projects coded past the end of their distinct values."""
    columns = msgspec.msgpack.decode(chunk)
    values, codes = columns[1]
    columns[1] = [values, b"\xff\xff" * (len(codes) // 2)]
    return msgspec.msgpack.encode(columns)


@pytest.mark.parametrize(
    "damage",
    [lambda chunk: msgspec.msgpack.encode([["not", "a", "row"]]), ragged, unknown_code],
    ids=["wrong-shape", "ragged-columns", "unknown-code"],
)
def test_a_chunk_that_does_not_fit_is_read_again(root: Path, decodes: Decodes, damage: Any) -> None:
    """Chunks are decoded only when replayed; one whose columns have the wrong shape or
    lengths (the msgpack framing intact) makes that file be read again, and only that
    file."""
    LogIndex(root).load()
    path = cache.cache_path(root)
    stored = cache._decoder.decode(path.read_bytes())
    assert all(isinstance(chunk, memoryview) for e in stored.files for chunk in e.chunks)
    damaged = next(entry for entry in stored.files if entry.path == "a.jsonl")
    damaged.chunks = [memoryview(damage(chunk)) for chunk in damaged.chunks]
    path.write_bytes(cache._encoder.encode(stored))
    decodes.count = 0
    warm = LogIndex(root).load()
    assert decodes.count == 4  # the four lines of a.jsonl, and nothing else
    assert snapshot(warm) == fresh(root)
    decodes.count = 0
    LogIndex(root).load()
    assert decodes.count == 0  # rewritten


@pytest.mark.parametrize("field", ["version", "hltui", "root"])
def test_a_cache_from_another_version_or_root_is_ignored(
    root: Path, decodes: Decodes, monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    with monkeypatch.context() as patch:
        if field == "version":
            patch.setattr(cache, "CACHE_VERSION", cache.CACHE_VERSION + 1)
        elif field == "hltui":
            patch.setattr(cache.hltui, "__version__", "0.0.0-other")
        else:
            real = cache.header_for
            patch.setattr(
                cache, "header_for", lambda r: msgspec.structs.replace(real(r), root="/else")
            )
        LogIndex(root).load()
    assert cache.read_cache(root) is None
    decodes.count = 0
    warm = LogIndex(root).load()
    assert decodes.count > 0
    assert snapshot(warm) == fresh(root)
    assert cache.read_cache(root) is not None
    decodes.count = 0
    LogIndex(root).load()
    assert decodes.count == 0


def test_an_unwritable_cache_folder_means_no_cache(root: Path, decodes: Decodes) -> None:
    (root / ".hltui").write_text("not a folder")
    first = LogIndex(root).load()
    decodes.count = 0
    second = LogIndex(root).load()
    assert decodes.count > 0
    assert snapshot(first) == snapshot(second) == fresh(root)
    assert (root / ".hltui").read_text() == "not a folder"
    assert not list(root.glob(".*.tmp"))


def test_a_single_file_caches_next_to_it(root: Path, decodes: Decodes) -> None:
    path = root / "a.jsonl"
    LogIndex(path).load()
    assert cache.cache_path(path) == root / ".hltui" / "index-cache.msgpack"
    decodes.count = 0
    warm = LogIndex(path).load()
    assert decodes.count == 0
    assert snapshot(warm) == fresh(path)


def test_without_the_cache_nothing_is_written(root: Path) -> None:
    LogIndex(root).load(use_cache=False)
    assert not (root / ".hltui").exists()


@pytest.mark.parametrize("count", [1, 15, 16, 300])
def test_the_cache_is_written_entry_by_entry_and_read_back(
    tmp_path: Path, decodes: Decodes, count: int
) -> None:
    """Entries are framed one by one (msgpack array headers of every size), and the
    file decodes as one cache: a second load reads no file."""
    for number in range(count):
        write_jsonl(tmp_path / f"f{number:03}.jsonl", [make_log(f"data_{number}")])
    first = snapshot(LogIndex(tmp_path).load())
    assert cache.read_cache(tmp_path) is not None
    decodes.count = 0
    assert snapshot(LogIndex(tmp_path).load()) == first
    assert decodes.count == 0


def test_a_cache_that_cannot_be_written_whole_is_not_left_behind(tmp_path: Path) -> None:
    entries = iter([])  # fewer entries than announced: the write fails, nothing is kept
    assert not cache.write_cache(tmp_path, entries, 1)
    assert not cache.cache_path(tmp_path).exists()
    assert not list(cache.cache_path(tmp_path).parent.glob("*.tmp"))


def test_duplicates_in_a_file_without_problems_are_kept_first(tmp_path: Path) -> None:
    """A clean file is replayed in bulk; a duplicate id in it (twice in one batch, and
    one already read from a newer file) is still reported and dropped as on a fresh read."""
    write_jsonl(
        tmp_path / "old.jsonl",
        [make_log("x1", project="a"), make_log("x1", project="b"), make_log("y1")]
        + [make_log(f"n{number}", session_id="s") for number in range(5)]
        + [make_log("z1", project="old")],
    )
    write_jsonl(tmp_path / "new.jsonl", [make_log("z1", project="new")])
    set_mtime(tmp_path / "old.jsonl", 1_700_000_000)
    set_mtime(tmp_path / "new.jsonl", 1_700_000_001)
    LogIndex(tmp_path).load()
    for batch_size in (2, 100):
        warm = LogIndex(tmp_path).load(batch_size=batch_size)
        assert snapshot(warm) == fresh(tmp_path)
        assert warm.summary("x1").project == "a"
        assert warm.summary("z1").project == "new"
        assert sum("duplicate log" in p.message for p in warm.problems) == 2


def test_a_file_of_many_chunks_shows_progress_and_a_bad_chunk_reads_it_again(
    tmp_path: Path, decodes: Decodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big file's chunks are decoded before any of its logs are added, with progress
    after each; a corrupt chunk anywhere means the file is read afresh, nothing of it
    taken twice."""
    monkeypatch.setattr(cache, "CHUNK_ROWS", 2)
    path = tmp_path / "big.jsonl"
    write_jsonl(path, [make_log(f"data_{number}") for number in range(9)])
    LogIndex(tmp_path).load()
    batches: list[IndexBatch] = []
    LogIndex(tmp_path).load(batches.append)
    size = path.stat().st_size
    decoding = [b.bytes_done for b in batches if not b.logs and not b.is_last]
    assert decoding == [size * n // 10 for n in range(1, 6)]  # 5 chunks: half the file
    assert [b.bytes_done for b in batches if b.logs] == [size]

    stored = cache._decoder.decode(cache.cache_path(tmp_path).read_bytes())
    stored.files[0].chunks[3] = memoryview(msgspec.msgpack.encode([["not", "columns"]]))
    cache.cache_path(tmp_path).write_bytes(cache._encoder.encode(stored))
    decodes.count = 0
    warm = LogIndex(tmp_path).load()
    assert decodes.count == 9
    assert snapshot(warm) == fresh(tmp_path)
