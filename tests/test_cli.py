"""The `hltui` command: validate and stats, in-process (CliRunner) and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hltui.cli import format_stats, main
from tests.conftest import make_log, write_bytes, write_json, write_jsonl

STATS_KEYS = {"logs", "sessions", "files", "problems", "errors", "feedback", "projects", "models"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hltui.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=cwd,
    )


def hltui_script() -> Path:
    script = Path(sys.executable).parent / "hltui"
    if not script.exists():
        pytest.skip("the hltui console script is not installed next to this Python")
    return script


def assert_one_line_error(stderr: str) -> None:
    assert stderr.endswith("\n")
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("hltui: ")
    assert "Traceback" not in stderr


@pytest.fixture
def clean_dir(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    write_jsonl(
        root / "support" / "2024-03-01.jsonl",
        [
            make_log(
                "data_1",
                session_id="sesh_a",
                duration=1.5,
                feedback={"type": "rating", "value": "good"},
            ),
            make_log(
                "data_2",
                session_id="sesh_a",
                parent_id="data_1",
                duration=0.5,
                feedback=[
                    {"type": "rating", "value": "bad"},
                    {"type": "comment", "value": "missed the point"},
                ],
            ),
            make_log(
                "data_3",
                session_reference_id="conv-1",
                error="RateLimitError",
                output=None,
                config={"id": "config_2", "type": "model", "model": "claude-3-opus"},
            ),
        ],
    )
    write_json(
        root / "agents" / "page.json",
        {
            "records": [
                make_log(
                    "data_4",
                    project="agents",
                    session_reference_id="conv-1",
                    duration=3,
                    config={"id": "config_t", "type": "tool", "name": "search"},
                ),
                make_log(
                    "data_5",
                    project="agents",
                    duration=2,
                    feedback={"type": "action", "value": "copied"},
                ),
            ],
            "page": 1,
            "size": 2,
            "total": 2,
        },
    )
    write_bytes(root / "notes.md", b"# not logs\n")
    return root


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    write_jsonl(root / "good.jsonl", [make_log("data_1"), make_log("data_2")])
    write_jsonl(
        root / "sub" / "bad.jsonl",
        [
            make_log("data_3"),
            '{"id": "data_4", "config": {"ty',
            "[1, 2]",
            make_log("data_5"),
            '{"id": "data_6", "config": "gpt-4"}',
        ],
    )
    write_json(root / "array.json", [make_log("data_7"), {"no": "id"}, make_log("data_1")])
    return root


# -- validate -------------------------------------------------------------------------------


def test_validate_clean_directory_exits_0(clean_dir: Path) -> None:
    result = run("validate", str(clean_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "5 logs in 2 files; 0 problems"
    assert result.stderr == ""


def test_validate_lists_problems_and_exits_1(broken_dir: Path) -> None:
    result = run("validate", str(broken_dir))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    bad = str(Path("sub", "bad.jsonl"))
    assert f"{bad}:2: truncated JSON (the line ends early)" in lines
    assert f"{bad}:3: record is a JSON array, not a log object" in lines
    assert f"{bad}:5: field `config` should be an object, got string" in lines
    assert "array.json record 2: record has no `id`" in lines
    # data_1 is in good.jsonl and array.json: whichever was read second gets the notice.
    notices = [line for line in lines if line.endswith("(notice)")]
    assert len(notices) == 1
    assert notices[0].startswith(("array.json record 3: ", "good.jsonl:1: "))
    assert "duplicate log data_1" in notices[0]
    assert lines[-1] == "5 logs in 3 files; 4 problems, 1 notice"


def test_validate_json_shape(broken_dir: Path) -> None:
    result = run("validate", "--json", str(broken_dir))
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"problems", "logs"}
    assert payload["logs"] == 5
    assert all({"file", "line", "message"} <= set(p) for p in payload["problems"])
    notices = [p for p in payload["problems"] if p["severity"] == "notice"]
    assert len(notices) == 1
    assert (notices[0]["file"], notices[0]["line"]) in {("array.json", 3), ("good.jsonl", 1)}
    assert notices[0]["message"].startswith("duplicate log data_1")
    errors = [p for p in payload["problems"] if p["severity"] == "error"]
    got = sorted((p["file"], p["line"], p["message"]) for p in errors)
    bad = str(Path("sub", "bad.jsonl"))
    assert got == [
        ("array.json", 2, "record has no `id`"),
        (bad, 2, "truncated JSON (the line ends early)"),
        (bad, 3, "record is a JSON array, not a log object"),
        (bad, 5, "field `config` should be an object, got string"),
    ]


def test_validate_json_clean(clean_dir: Path) -> None:
    result = run("validate", "--json", str(clean_dir))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"problems": [], "logs": 5}


def test_validate_only_notices_exits_0(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_1")])
    write_jsonl(tmp_path / "b.jsonl", [make_log("data_1")])
    result = run("validate", "--json", str(tmp_path))
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["logs"] == 1
    assert [p["severity"] for p in payload["problems"]] == ["notice"]


def test_validate_a_single_file(broken_dir: Path) -> None:
    path = broken_dir / "sub" / "bad.jsonl"
    result = run("validate", "--json", str(path))
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["logs"] == 2
    assert {p["file"] for p in payload["problems"]} == {"bad.jsonl"}
    assert sorted(p["line"] for p in payload["problems"]) == [2, 3, 5]


def test_validate_whole_file_problem_has_null_line(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "ok.jsonl", [make_log("data_1")])
    write_bytes(tmp_path / "cut.json", b'[{"id": "data_2"}, {"id"')
    payload = json.loads(run("validate", "--json", str(tmp_path)).stdout)
    assert payload["problems"] == [
        {
            "file": "cut.json",
            "line": None,
            "message": "not valid JSON (truncated)",
            "severity": "error",
        }
    ]


@pytest.mark.parametrize("command", ["validate", "stats"])
@pytest.mark.parametrize("as_json", [False, True])
def test_missing_path_exits_2(tmp_path: Path, command: str, as_json: bool) -> None:
    missing = tmp_path / "nope"
    result = run(command, *(["--json"] if as_json else []), str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr)
    assert "no such file or directory" in result.stderr


def test_a_broken_or_looping_link_is_named_as_such(tmp_path: Path) -> None:
    """A loop of links was `no such file or directory`."""
    (tmp_path / "loop1.jsonl").symlink_to(tmp_path / "loop2.jsonl")
    (tmp_path / "loop2.jsonl").symlink_to(tmp_path / "loop1.jsonl")
    (tmp_path / "broken.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    for name, reason in (
        ("loop1.jsonl", "too many levels of symbolic links"),
        ("broken.jsonl", "a broken symbolic link"),
        ("missing.jsonl", "no such file or directory"),
    ):
        result = run("validate", str(tmp_path / name))
        assert result.exit_code == 2
        assert_one_line_error(result.stderr)
        assert result.stderr.rstrip().endswith(f"{name}: {reason}")


@pytest.mark.parametrize("command", ["validate", "stats"])
def test_empty_directory(tmp_path: Path, command: str) -> None:
    (tmp_path / "other.txt").write_text("not logs")
    result = run(command, str(tmp_path))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr)
    assert "no log files" in result.stderr
    if command == "stats":
        assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.jsonl", b""), ("a.jsonl", b"  \n\n"), ("a.json", b'{"records": []}'), ("a.json", b"[]")],
)
def test_validate_fails_on_log_files_that_hold_no_log(
    tmp_path: Path, name: str, content: bytes
) -> None:
    """An export that came out empty: `0 logs, 0 problems`, exit 0, where the README
    promises 1 for a path with no readable log."""
    write_bytes(tmp_path / name, content)
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr)
    assert "no logs in" in result.stderr
    assert result.stdout.startswith("0 logs in 1 file")


@pytest.mark.parametrize("command", ["validate", "stats"])
def test_directory_with_only_bad_files(tmp_path: Path, command: str) -> None:
    write_bytes(tmp_path / "a.jsonl", b"nope\n{\n")
    write_bytes(tmp_path / "b.json", b"")
    result = run(command, str(tmp_path))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr)
    assert "no logs could be read" in result.stderr
    if command == "stats":
        assert result.stdout == ""
    else:
        assert "a.jsonl:1: not valid JSON" in result.stdout


def test_unreadable_file_given_directly_exits_2(tmp_path: Path, unreadable) -> None:  # type: ignore[no-untyped-def]
    path = unreadable(write_jsonl(tmp_path / "secret.jsonl", [make_log("data_1")]))
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# -- stats ----------------------------------------------------------------------------------


def test_stats_json(clean_dir: Path) -> None:
    result = run("stats", "--json", str(clean_dir))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= STATS_KEYS
    assert data["logs"] == 5
    assert data["sessions"] == 2  # sesh_a, and conv-1 across both files
    assert data["standalone"] == 1
    assert data["files"] == 2
    assert data["problems"] == 0
    assert data["errors"] == 1
    assert data["feedback"] == 4
    assert data["feedback_by_type"] == {
        "action": {"copied": 1},
        "comment": {"(text)": 1},
        "rating": {"bad": 1, "good": 1},
    }
    assert data["projects"] == {"support": 3, "agents": 2}
    assert data["models"] == {"gpt-4": 3, "claude-3-opus": 1}
    assert data["latency_p50"] == 1.5
    assert data["latency_p95"] == 3.0
    assert data["first"] == data["last"] == "2024-03-01T12:00:00Z"


def test_stats_counts_unique_logs_and_problems(broken_dir: Path) -> None:
    result = run("stats", "--json", str(broken_dir))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["logs"] == 5
    assert data["files"] == 3
    assert data["problems"] == 4
    assert data["notices"] == 1


def test_stats_text(clean_dir: Path) -> None:
    result = run("stats", str(clean_dir))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "logs       5" in lines
    assert "sessions   2 (+1 standalone log)" in lines
    assert "files      2" in lines
    assert "errors     1" in lines
    assert "latency    p50 1.50s  p95 3.00s" in lines
    assert "  rating   bad 1, good 1" in lines
    assert "        3  gpt-4" in lines
    assert "        2  agents" in lines


def test_stats_text_lines_up_feedback_kinds_of_any_length() -> None:
    """Values start in one column after the longest kind (`correction(text) 2` ran
    together); one notice is `1 notice`."""
    data = {
        "logs": 3, "sessions": 1, "standalone": 2, "files": 1, "problems": 0, "notices": 1,
        "errors": 0, "first": None, "last": None, "latency_p50": None, "latency_p95": None,
        "feedback": 3, "projects": {}, "models": {},
        "feedback_by_type": {"rating": {"good": 1}, "correction": {"(text)": 2}},
    }  # fmt: skip
    lines = format_stats(data).splitlines()
    assert format_stats({**data, "standalone": 0}).splitlines()[1] == "sessions   1"
    assert "  rating      good 1" in lines
    assert "  correction  (text) 2" in lines
    assert "problems   0 (+1 notice)" in lines
    assert "sessions   1 (+2 standalone logs)" in lines


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout


# -- real processes -------------------------------------------------------------------------


def test_module_entry_point_validate(broken_dir: Path) -> None:
    result = run_process("validate", "--json", str(broken_dir))
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert payload["logs"] == 5
    assert len(payload["problems"]) == 5
    assert result.stderr == ""


def test_module_entry_point_relative_path(clean_dir: Path) -> None:
    result = run_process("validate", "--json", clean_dir.name, cwd=clean_dir.parent)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"problems": [], "logs": 5}


def test_console_script_stats_and_errors(clean_dir: Path, tmp_path: Path) -> None:
    script = str(hltui_script())
    ok = subprocess.run(
        [script, "stats", "--json", str(clean_dir)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert {k: data[k] for k in ("logs", "sessions", "files", "errors", "feedback")} == {
        "logs": 5,
        "sessions": 2,
        "files": 2,
        "errors": 1,
        "feedback": 4,
    }

    missing = subprocess.run(
        [script, "validate", str(tmp_path / "gone")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert_one_line_error(missing.stderr)

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = subprocess.run(
        [script, "stats", str(empty)], capture_output=True, text=True, check=False, timeout=120
    )
    assert nothing.returncode == 1
    assert_one_line_error(nothing.stderr)


def test_export_takes_what_a_gzip_file_cut_short_holds(tmp_path: Path) -> None:
    """`export` wrote nothing and said only `Aborted!` for a `.jsonl.gz` cut short."""
    from tests.model.test_index import cut_short_gzip

    data = tmp_path / "data"
    data.mkdir()
    cut_short_gzip(data / "stream.jsonl.gz", 60)
    out = tmp_path / "out.jsonl"
    result = run("export", str(data), "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert 0 < len(lines) < 60
    assert all(json.loads(line)["id"].startswith("data_") for line in lines)
    assert f"wrote {len(lines)} logs to" in result.output
