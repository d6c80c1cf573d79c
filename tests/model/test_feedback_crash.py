"""Crash safety of the feedback journal: appenders killed with SIGKILL at random moments.

A fresh interpreter that imports hltui takes ~0.2 s to start, so 200 of them would take
40 s. Instead one `sys.executable -c` process imports `hltui.model.feedback` once and then,
on each `go`, forks a child that appends edits in a loop, writing `ack <id>` to stdout
(unbuffered) only after `append` returned. The test kills that child with SIGKILL after a
random 0-30 ms, 200 times, all on one journal file. Every 32nd entry is a 128 KB
correction, so some kills land inside a `write` and leave a really torn line (Linux stops a
large buffered write between pages on a fatal signal).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from hltui.model.feedback import FeedbackJournal

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 200

SERVER = r"""
import os, sys, time
from pathlib import Path
from hltui.model.feedback import FeedbackJournal, new_feedback_id

path = Path(sys.argv[1])

def say(text):
    os.write(1, text.encode())  # unbuffered; one pipe write per line

say("ready\n")
for command in sys.stdin:
    if command.strip() != "go":
        break
    pid = os.fork()
    if pid == 0:  # the appender: runs until it is killed (gives up after 10 s)
        journal = FeedbackJournal(path)
        deadline = time.monotonic() + 10
        n = 0
        while time.monotonic() < deadline:
            feedback_id = new_feedback_id()
            big = n % 32 == 31
            journal.append({
                "type": "correction" if big else "rating",
                "value": "x" * 131072 if big else n,
                "data_id": f"log_{os.getpid()}",
                "user": "crash@example.com",
                "created_at": "2024-03-01T12:00:00Z",
                "id": feedback_id,
                "edit": "add",
            })
            os.write(1, f"ack {feedback_id}\n".encode())  # only after append returned
            n += 1
        os._exit(0)
    say(f"child {pid}\n")
    _, status = os.waitpid(pid, 0)
    say(f"done {pid} {status}\n")
"""


def read_line(server: subprocess.Popen[bytes]) -> str:
    assert server.stdout is not None
    line = server.stdout.readline()
    assert line, "the fork server died"
    return line.decode().rstrip("\n")


def test_sigkilled_appenders_lose_no_acknowledged_edit(tmp_path: Path) -> None:
    path = tmp_path / ".hltui" / "feedback.jsonl"
    rng = random.Random(20240301)
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert server.stdin is not None
    acknowledged: list[str] = []
    rounds_with_acks = 0
    try:
        assert read_line(server) == "ready"
        for _ in range(ROUNDS):
            server.stdin.write(b"go\n")
            server.stdin.flush()
            kind, pid_text = read_line(server).split()
            assert kind == "child"
            pid = int(pid_text)
            time.sleep(rng.uniform(0, 0.03))
            os.kill(pid, signal.SIGKILL)
            acks = 0
            while True:
                line = read_line(server)
                if line.startswith("done "):
                    _, done_pid, status = line.split()
                    assert int(done_pid) == pid
                    assert os.WIFSIGNALED(int(status))
                    assert os.WTERMSIG(int(status)) == signal.SIGKILL
                    break
                kind, feedback_id = line.split()
                assert kind == "ack"
                acknowledged.append(feedback_id)
                acks += 1
            rounds_with_acks += acks > 0
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    assert rounds_with_acks >= ROUNDS // 4  # most kills landed mid-loop, not before it began
    journal = FeedbackJournal(path)
    problems = journal.load()  # never raises
    print(f"{len(acknowledged)} acknowledged, {len(problems)} torn, {rounds_with_acks} rounds")
    missing = [i for i in acknowledged if journal.entry(i) is None]
    assert missing == []
    assert len(problems) <= ROUNDS  # at most one torn line per crash
    for problem in problems:
        assert problem.file == path and problem.line is not None
        assert "torn last line" in problem.message or "not valid JSON" in problem.message
    bad_lines = {problem.line for problem in problems}
    for number, line in enumerate(path.read_bytes().split(b"\n")[:-1], 1):
        if line.strip() and number not in bad_lines:
            orjson.loads(line)  # every other line parses

    journal.append(  # and the journal still takes appends
        {"type": "rating", "value": "good", "data_id": "after", "id": "ann_after"}
    )
    again = FeedbackJournal(path)
    assert len(again.load()) == len(problems)  # a torn tail is now a bad middle line
    assert again.entry("ann_after") is not None
    assert time.monotonic() - started < 60
