"""The tailer: appended, partial, truncated, replaced, deleted and new files, read exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hltui.model.index import LogIndex
from hltui.model.problems import Problem
from hltui.model.sources import UNREADABLE_FOLDER
from hltui.model.tail import STILL_AFTER, Tailer, is_log_path, must_poll
from tests.conftest import make_log


def line(log_id: str, **fields: object) -> bytes:
    return json.dumps(make_log(log_id, **fields)).encode() + b"\n"


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)
        handle.flush()


def start(root: Path) -> tuple[LogIndex, Tailer]:
    index = LogIndex(root)
    index.load()
    return index, Tailer(index)


def ids(index: LogIndex) -> list[str]:
    return sorted(index.logs)


def test_appended_lines_are_read_once(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    append(log, line("data_2") + line("data_3"))
    update = tailer.apply([log])
    assert [s.id for s in update.added] == ["data_2", "data_3"]
    assert ids(index) == ["data_1", "data_2", "data_3"]
    assert tailer.apply([log]).empty  # a second event for the same bytes adds nothing
    assert ids(index) == ["data_1", "data_2", "data_3"]


def test_a_half_line_waits_for_the_rest(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    whole = line("data_2")
    append(log, whole[:25])
    update = tailer.apply([log])
    assert update.empty and not index.problems
    append(log, whole[25:])
    update = tailer.apply([log])
    assert [s.id for s in update.added] == ["data_2"]
    assert not index.problems
    assert index.raw_bytes("data_2") == whole.rstrip(b"\n")
    assert index.summary("data_2").line == 2


def test_initial_partial_line_is_not_an_error_when_tailing(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    whole = line("data_2")
    log.write_bytes(line("data_1") + whole[:10])
    index = LogIndex(tmp_path)
    for path in index.discover():
        list(index.read_file(path, complete_only=True))
    tailer = Tailer(index)
    assert ids(index) == ["data_1"] and not index.problems
    append(log, whole[10:])
    tailer.apply([log])
    assert ids(index) == ["data_1", "data_2"]


def test_truncated_file_is_read_again(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1") + line("data_2"))
    index, tailer = start(tmp_path)
    log.write_bytes(line("data_9"))  # truncate and rewrite, shorter
    update = tailer.apply([log])
    assert sorted(update.removed) == ["data_1", "data_2"]
    assert ids(index) == ["data_9"]


def test_rewrite_in_place_of_the_same_size_or_longer_is_detected(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    with open(log, "r+b") as handle:  # same inode, other content, longer
        handle.write(line("data_7") + line("data_8"))
    tailer.apply([log])
    assert ids(index) == ["data_7", "data_8"]


def test_replaced_by_rename_rotation(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1") + line("data_2"))
    index, tailer = start(tmp_path)
    fresh = tmp_path / "app.jsonl.tmp"
    fresh.write_bytes(line("data_1") + line("data_2") + line("data_3"))
    os.replace(fresh, log)  # an editor's atomic save / a re-export: new inode
    tailer.apply([log, fresh])
    assert ids(index) == ["data_1", "data_2", "data_3"]
    assert len(index.files[index.file_ids[log]].log_ids) == 3


def test_deleted_file_logs_disappear(tmp_path: Path) -> None:
    keep = tmp_path / "keep.jsonl"
    gone = tmp_path / "gone.jsonl"
    keep.write_bytes(line("data_1"))
    gone.write_bytes(line("data_2") + b"{broken\n")
    index, tailer = start(tmp_path)
    assert len(index.problems) == 1
    gone.unlink()
    update = tailer.apply([gone])
    assert update.removed == ["data_2"]
    assert ids(index) == ["data_1"]
    assert index.problems == []


@pytest.mark.parametrize("new_first", [True, False])
def test_a_renamed_file_keeps_its_logs(tmp_path: Path, new_first: bool) -> None:
    """`mv a.jsonl b.jsonl`: the events for the two paths come in any order. Reading the
    new path first took its logs for duplicates of the old one's and dropped them; then
    the old one's went too, and the logs were gone."""
    (tmp_path / "keep.jsonl").write_bytes(line("data_0"))
    old = tmp_path / "a.jsonl"
    old.write_bytes(line("data_1") + line("data_2"))
    index, tailer = start(tmp_path)
    new = tmp_path / "b.jsonl"
    old.rename(new)
    update = tailer.apply([new, old] if new_first else [old, new])
    assert ids(index) == ["data_0", "data_1", "data_2"]
    assert not update.problems
    assert [index.file_of(index.summary("data_1")).path] == [new]


@pytest.mark.parametrize("new_first", [True, False])
def test_a_renamed_folder_keeps_its_logs(tmp_path: Path, new_first: bool) -> None:
    """`mv day1 day2`: the logs of the files in it are read from their new paths, and
    none is left under the old ones."""
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "a.jsonl").write_bytes(line("data_1"))
    (tmp_path / "day1" / "b.jsonl").write_bytes(line("data_2"))
    index, tailer = start(tmp_path)
    (tmp_path / "day1").rename(tmp_path / "day2")
    paths = [tmp_path / "day2", tmp_path / "day1"]
    update = tailer.apply(paths if new_first else paths[::-1])
    assert ids(index) == ["data_1", "data_2"]
    assert not update.problems
    places = {index.file_of(index.summary(log_id)).path.parent.name for log_id in ids(index)}
    assert places == {"day2"}


def test_a_nul_run_reads_the_same_fresh_from_the_cache_and_when_tailed(tmp_path: Path) -> None:
    """NUL bytes a crash left near a file's start made a fresh read drop the whole file
    as binary, while the cache and the tailer (reading on from an offset) reported only
    their line: the three now agree, and the record after the run loads."""
    crashed = b"\x00" * 3000 + line("data_2")
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1") + crashed + b'{"id": "bad\x00"}\n' + line("data_3"))
    fresh = LogIndex(tmp_path).load()
    cached = LogIndex(tmp_path).load()
    log.write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    append(log, crashed + b'{"id": "bad\x00"}\n' + line("data_3"))
    tailer.apply(tailer.poll())
    expected = [
        (2, "3,000 NUL bytes before its record (a crash can leave such a run), skipped"),
        (3, "not valid JSON: NUL bytes in it (a crash can leave them)"),
    ]
    for loaded in (fresh, cached, index):
        assert ids(loaded) == ["data_1", "data_2", "data_3"]
        assert [(p.line, p.message) for p in loaded.problems] == expected
        assert loaded.record("data_2").id == "data_2"  # read back from where it starts


def test_a_pipe_made_while_tailing_is_reported_once_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    for _ in range(2):
        update = tailer.apply([pipe])  # would wait for a writer, if it were read
    assert not update.problems and not update.added
    assert [p.message for p in index.problems] == [
        "not a regular file (a pipe, socket or device); skipped"
    ]
    assert ids(index) == ["data_1"]
    pipe.unlink()  # gone: its problem goes too (it stayed, and the count only went up)
    update = tailer.apply([pipe])
    assert index.problems == []


def test_a_file_that_gives_no_logs_is_reported_once(tmp_path: Path) -> None:
    """A binary file is read again on every poll (nothing of it was taken, so it looks
    grown): its problem was added each time (15 problems listed for 14)."""
    (tmp_path / "good.jsonl").write_bytes(line("data_1"))
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"\x00\x01binary" * 300)
    index, tailer = start(tmp_path)
    for _ in range(3):
        tailer.apply(tailer.poll())
    assert [p.message for p in index.problems] == ["binary file (NUL bytes), not JSON logs"]
    junk.write_bytes(line("data_2"))  # made a log file: the problem is gone
    tailer.apply(tailer.poll())
    assert index.problems == [] and ids(index) == ["data_1", "data_2"]


def test_a_last_record_without_its_newline_is_read_once_the_file_is_still(
    tmp_path: Path,
) -> None:
    """A writer that ends its last record without a newline: the record is read once
    the file has stayed as it is for STILL_AFTER (it was never shown while watching);
    the first part of a record is not; what comes later is read as usual."""
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1") + line("data_2").rstrip(b"\n"))
    index = LogIndex(tmp_path).load(complete_only=True)  # as the app loads when watching
    tailer = Tailer(index)
    assert ids(index) == ["data_1"] and tailer.has_unfinished()
    assert tailer.finish_still_lines(now=100.0).empty  # first seen now
    assert tailer.finish_still_lines(now=100.0 + STILL_AFTER / 2).empty  # not still enough
    update = tailer.finish_still_lines(now=100.0 + STILL_AFTER)
    assert [s.id for s in update.added] == ["data_2"] and not update.problems
    assert ids(index) == ["data_1", "data_2"] and not tailer.has_unfinished()
    append(log, b"\n" + line("data_3") + b"bad\n" + line("data_4")[:20])  # its newline, more
    update = tailer.apply([log])
    assert [s.id for s in update.added] == ["data_3"]
    # numbered as in the file (every later line was one too high: the newline that ends
    # line 2 was taken for a blank line 3)
    assert index.summary("data_3").line == 3
    assert [p.line for p in update.problems] == [4]
    for moment in (200.0, 200.0 + 2 * STILL_AFTER, 200.0 + 4 * STILL_AFTER):
        assert tailer.finish_still_lines(now=moment).empty  # half a record: it waits
    assert ids(index) == ["data_1", "data_2", "data_3"]
    fresh = LogIndex(tmp_path).load(use_cache=False, complete_only=True)
    assert [p.line for p in fresh.problems] == [4]


def test_a_duplicate_takes_over_when_the_copy_kept_goes_away(tmp_path: Path) -> None:
    """A log in two files is kept from the first one read; deleting that file left the
    log gone although the other file still holds it. That file is read again."""
    first = tmp_path / "b-newer.jsonl"
    second = tmp_path / "a-older.jsonl"
    second.write_bytes(line("data_1", output="old copy") + line("data_2"))
    first.write_bytes(line("data_1", output="new copy") + line("data_3"))
    os.utime(second, (1_000_000_000, 1_000_000_000))  # older: read after the newer file
    index = LogIndex(tmp_path).load(complete_only=True)
    tailer = Tailer(index)
    kept = index.file_of(index.summary("data_1")).path
    other = second if kept == first else first
    assert [p.message.split(" (")[0] for p in index.problems] == ["duplicate log data_1"]
    kept.unlink()
    update = tailer.apply([kept])
    assert "data_1" in index and index.file_of(index.summary("data_1")).path == other
    assert "data_1" in [s.id for s in update.added]
    assert not index.problems  # the notice went with the file that had the copy kept
    remaining = {"data_2"} if kept == first else {"data_3"}
    assert set(index.logs) == {"data_1"} | remaining


def test_a_duplicate_notice_names_the_first_copy_after_its_file_is_renamed(
    tmp_path: Path,
) -> None:
    """The notice of a copy kept naming the file the log was first read from after that
    file was renamed (`first read from b.jsonl:2`, no such file). A rewrite that leaves
    the kept copy where it was reads nothing more."""
    older = tmp_path / "a.jsonl"
    older.write_bytes(line("data_1") + line("data_2"))
    os.utime(older, (1_000_000_000, 1_000_000_000))  # read after the newer file
    newer = tmp_path / "b.jsonl"
    newer.write_bytes(line("data_3") + line("data_1"))
    index, tailer = start(tmp_path)
    [notice] = index.problems
    assert notice.message == "duplicate log data_1 (first read from b.jsonl:2); kept the first"
    renamed = tmp_path / "c.jsonl"
    newer.rename(renamed)
    tailer.apply([newer, renamed])
    assert index.file_of(index.summary("data_1")).path == renamed
    assert [(p.file, p.line, p.message) for p in index.problems] == [
        (older, 1, "duplicate log data_1 (first read from c.jsonl:2); kept the first")
    ]
    assert index.copies_dropped == {"data_1": {index.file_ids[older]}}
    append(renamed, line("data_4"))  # grown, not rewritten: the other file is left alone
    update = tailer.apply([renamed])
    assert update.files == [renamed] and [s.id for s in update.added] == ["data_4"]


def test_new_files_in_new_subfolders(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    folder = tmp_path / "2024" / "06"
    folder.mkdir(parents=True)
    (folder / "b.jsonl").write_bytes(line("data_2"))
    (folder / "c.json").write_text(json.dumps([make_log("data_3")]))
    (folder / "notes.txt").write_text("not a log")
    tailer.apply([tmp_path / "2024"])
    assert ids(index) == ["data_1", "data_2", "data_3"]


def test_json_rewritten_in_place_is_re_read(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps([make_log("data_1"), make_log("data_2")]))
    index, tailer = start(tmp_path)
    time.sleep(0.01)
    export.write_text(json.dumps([make_log("data_2"), make_log("data_3", output="new")]))
    os.utime(export, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    tailer.apply([export])
    assert ids(index) == ["data_2", "data_3"]
    assert index.preview("data_3").output == "new"


def test_problems_in_new_data_are_added(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    append(log, b"{not json\n" + line("data_2"))
    update = tailer.apply([log])
    assert [(p.line, "JSON" in p.message) for p in update.problems] == [(2, True)]
    assert [p.line for p in index.problems] == [2]


def test_own_folder_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    journal = tmp_path / ".hltui" / "feedback.jsonl"
    journal.parent.mkdir(exist_ok=True)  # the index cache may have made it
    journal.write_bytes(line("data_x"))
    assert not is_log_path(journal, tmp_path)
    assert tailer.apply([journal]).empty
    assert ids(index) == ["data_1"]


def test_poll_finds_growth_new_and_deleted_files(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    log.write_bytes(line("data_1"))
    other = tmp_path / "b.jsonl"
    other.write_bytes(line("data_2"))
    index, tailer = start(tmp_path)
    assert tailer.poll() == []
    append(log, line("data_3"))  # same second: only the size tells
    other.unlink()
    (tmp_path / "c.jsonl").write_bytes(line("data_4"))
    changed = tailer.poll()
    assert set(changed) == {log, other, tmp_path / "c.jsonl"}
    tailer.apply(changed)
    assert ids(index) == ["data_1", "data_3", "data_4"]
    assert tailer.poll() == []


WRITER = textwrap.dedent(
    """
    import json, os, random, sys, time
    path, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(7)
    n = 0
    with open(path, "ab", buffering=0) as out:
        while n < count:
            burst = min(count - n, rng.randrange(1, 400))
            data = b"".join(
                json.dumps({"id": f"data_{n + i}", "config": {"type": "model", "model": "m"},
                            "session_id": f"sesh_{(n + i) // 50}",
                            "output": "x" * rng.randrange(10, 3000)}).encode() + b"\\n"
                for i in range(burst)
            )
            # write in uneven pieces so readers see half lines
            cut = rng.randrange(len(data))
            out.write(data[:cut]); time.sleep(rng.random() / 500); out.write(data[cut:])
            n += burst
    """
)


def test_stress_a_writer_in_bursts_every_log_exactly_once(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(b"")
    index, tailer = start(tmp_path)
    total = 20_000
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(total)])
    seen: list[str] = []
    while writer.poll() is None:
        seen.extend(s.id for s in tailer.apply([log]).added)
    assert writer.returncode == 0
    seen.extend(s.id for s in tailer.apply([log]).added)
    assert len(seen) == total == len(set(seen)) == len(index)
    assert not index.problems


WATCH_PAST_A_CLOSED_FOLDER = """
import asyncio, sys
from pathlib import Path
from hltui.model.tail import watch_changes

async def main(root):
    events = watch_changes([root])
    first = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.5)  # the watcher set up
    with open(root / "open" / "a.jsonl", "ab") as handle:
        handle.write(b'{"id": "data_2"}\\n')
    changes = await asyncio.wait_for(first, 10)
    print(sorted(Path(name).name for _, name in changes))
    await events.aclose()

asyncio.run(main(Path(sys.argv[1])))
"""

# Without the permission to pass a folder's mode bits (root has it; setpriv drops it)
DROP_READ_ANYWHERE = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def test_watching_goes_on_past_a_folder_it_cannot_read(tmp_path: Path) -> None:
    """A folder that cannot be read is skipped by the watcher: it raised PermissionError,
    which stopped every later change in the directory from being seen."""
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "a.jsonl").write_bytes(line("data_1"))
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "b.jsonl").write_bytes(line("data_3"))
    out = run_with_a_closed_folder(tmp_path / "closed", WATCH_PAST_A_CLOSED_FOLDER, tmp_path)
    assert "a.jsonl" in out


def run_with_a_closed_folder(closed: Path, code: str, root: Path) -> str:
    """What Python `code` prints, run on `root` while `closed` cannot be read (as root,
    with setpriv dropping the power to read anything; skipped when that cannot be)."""
    closed.chmod(0)
    try:
        command = [sys.executable, "-c", code, str(root)]
        if os.access(closed, os.R_OK):  # root: run without the power to read anything
            if subprocess.run(["which", "setpriv"], capture_output=True).returncode:
                pytest.skip("running as root, and no setpriv to drop that")
            command = [*DROP_READ_ANYWHERE, *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    finally:
        closed.chmod(0o755)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_changes_are_polled_for_when_a_folder_cannot_be_read(tmp_path: Path) -> None:
    """The system watcher skips an unreadable folder but then also the folders listed
    after it (their appends were never seen): such a tree is polled instead."""
    (tmp_path / "a.jsonl").write_bytes(line("data_1"))
    index, _tailer = start(tmp_path)
    assert not must_poll(index)
    index.walk_problems.append(
        Problem(tmp_path / "locked", None, f"{UNREADABLE_FOLDER}: Permission denied")
    )
    assert must_poll(index)


def test_a_folder_readable_again_takes_its_problem_away(tmp_path: Path) -> None:
    """A folder that could not be read at the load, readable now: polling reads its
    files and drops its "cannot read directory" problem (it stayed, with the logs in)."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "a.jsonl").write_bytes(line("data_1"))
    index, tailer = start(tmp_path)
    index.forget_file(tmp_path / "b" / "a.jsonl")  # as if the walk could not list `b`
    index.walk_problems = [Problem(tmp_path / "b", None, f"{UNREADABLE_FOLDER}: Permission denied")]
    tailer.apply(tailer.poll())
    assert index.walk_problems == [] and index.problems == []
    assert ids(index) == ["data_1"]


def test_an_unreadable_folder_is_reported_as_must_poll_expects(tmp_path: Path) -> None:
    """The walk's own report of a folder it cannot list is what `must_poll` looks for."""
    (tmp_path / "closed").mkdir()
    code = (
        "import sys; from pathlib import Path; from hltui.model.index import LogIndex;"
        "from hltui.model.tail import must_poll;"
        "print(must_poll(LogIndex(Path(sys.argv[1])).load(use_cache=False)))"
    )
    assert run_with_a_closed_folder(tmp_path / "closed", code, tmp_path).strip() == "True"
