"""The `hltui` command: open (the TUI), validate, stats, export, feedback."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.cells import cell_len

from hltui.model.index import LogIndex
from hltui.model.problems import Problem
from hltui.model.sessions import Forest, build_forest
from hltui.model.sources import FileKind, file_kind
from hltui.model.stats import compute_stats, iso
from hltui.model.wording import counted

if TYPE_CHECKING:
    from hltui.model.feedback import FeedbackStore

EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


def fail(message: str, code: int = EXIT_UNREADABLE) -> None:
    click.echo(f"hltui: {message}", err=True)
    sys.exit(code)


def check_path(path: Path) -> None:
    """Exit with a one-line message when `path` cannot be opened at all."""
    try:
        os.stat(path)
    except OSError as error:  # missing, a broken link, a loop of links, a bad folder
        reason = (error.strerror or str(error)).lower()
        if path.is_symlink() and isinstance(error, FileNotFoundError):
            reason = "a broken symbolic link"
        fail(f"{path}: {reason}")
    if path.is_dir():
        try:
            next(path.iterdir(), None)
        except OSError as error:
            fail(f"{path}: cannot read directory ({error.strerror})")
    elif not path.is_file():
        fail(f"{path}: not a regular file or directory")
    else:
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            fail(f"{path}: cannot read file ({error.strerror or error})")


def load(path: Path, progress: bool = False) -> tuple[LogIndex, Forest, list[Problem]]:
    """Index `path` and build its forest; all problems found along the way."""
    index = LogIndex(path)
    on_batch = None
    if progress and sys.stderr.isatty():

        def on_batch(batch) -> None:  # type: ignore[no-untyped-def]
            click.echo(f"\rreading… {batch.fraction:4.0%}", err=True, nl=False)

    index.load(on_batch)
    if on_batch is not None:
        click.echo("\r" + " " * 20 + "\r", err=True, nl=False)
    forest = build_forest(index.logs.values(), {i: s.path for i, s in enumerate(index.files)})
    return index, forest, index.problems + forest.problems


class DefaultOpenGroup(click.Group):
    """`hltui PATH` means `hltui open PATH`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultOpenGroup)
@click.version_option(package_name="hltui")
def main() -> None:
    """Browse, review and annotate Humanloop LLM logs in the terminal."""


@main.command("open")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--watch/--no-watch", default=True, help="Show new and changed logs live.")
@click.option("--poll", is_flag=True, help="Poll for changes (network, container file systems).")
@click.option("--follow", is_flag=True, help="Select new logs as they arrive.")
@click.option("--user", help="Who is reviewing (default: $HLTUI_USER, then git user.email).")
@click.option(
    "--feedback-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The feedback journal (default: PATH/.hltui/feedback.jsonl).",
)
def open_command(
    path: Path,
    watch: bool,
    poll: bool,
    follow: bool,
    user: str | None,
    feedback_file: Path | None,
) -> None:
    """Open PATH (a directory, read recursively, or one file) in the browser."""
    check_path(path)
    if path.is_file():
        check_log_file(path)
    from hltui.ui.app import HltuiApp

    HltuiApp(
        path, watch=watch, poll=poll, follow=follow, user=user, feedback_file=feedback_file
    ).run()


def check_log_file(path: Path) -> None:
    """Exit with a one-line message when a file given directly cannot hold logs."""
    if file_kind(path) is not None and file_kind(path) is not FileKind.JSONL:
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as error:
        fail(f"{path}: cannot read file ({error.strerror})")
    if head and head[:1] not in (b"{", b"["):
        fail(f"{path}: not a log file (expected JSON lines or a JSON document)", EXIT_PROBLEMS)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON.")
def validate(path: Path, as_json: bool) -> None:
    """List the problems in PATH's logs. Exit 0 when there are none, 1 when there are."""
    check_path(path)
    index, _forest, problems = load(path, progress=not as_json)
    errors = [p for p in problems if p.is_error]
    if as_json:
        payload = {"problems": [p.to_json(path) for p in problems], "logs": len(index)}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            tag = "" if problem.is_error else " (notice)"
            click.echo(f"{problem.describe(path)}{tag}")
        files = len(index.files)
        notices = len(problems) - len(errors)
        click.echo(
            f"{counted(len(index), 'log')} in {counted(files, 'file')}; "
            f"{counted(len(errors), 'problem')}"
            + (f", {counted(notices, 'notice')}" if notices else "")
        )
    if not index.files:
        fail(f"no log files (.jsonl, .json, .gz) under {path}", EXIT_PROBLEMS)
    if not len(index) and errors:
        fail(f"no logs could be read from {path}", EXIT_PROBLEMS)
    if not len(index):  # empty files, `{"records": []}`: nothing wrong, and nothing there
        fail(f"no logs in {path} ({holds_none(path)})", EXIT_PROBLEMS)
    if errors:
        sys.exit(EXIT_PROBLEMS)


FEEDBACK_FILE = click.option(
    "--feedback-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The feedback journal (default: .hltui/feedback.jsonl in the opened directory).",
)


def open_store(
    index: LogIndex, feedback_file: Path | None, *, whole: bool = False
) -> FeedbackStore:
    """The merged feedback of `index`; the journal's problems are printed as warnings.
    With `whole` (what is printed or written is the merged feedback), a journal that
    cannot be read at all is an error: its edits would be missing without a word."""
    from hltui.model.feedback import FeedbackStore

    if feedback_file is not None and not feedback_file.exists():
        click.echo(f"hltui: warning: {feedback_file}: no such feedback journal yet", err=True)
    store = FeedbackStore.open(index, feedback_file)
    assert store.journal is not None
    problems = store.journal.problems
    unread = [problem for problem in problems if problem.line is None]
    if whole and unread:
        fail(f"{unread[0].describe()}; the merged feedback would miss its edits")
    for problem in problems:
        click.echo(f"hltui: warning: {problem.describe()}", err=True)
    return store


def require_logs(index: LogIndex, path: Path) -> None:
    if not index.files:
        fail(f"no log files (.jsonl, .json, .gz) under {path}", EXIT_PROBLEMS)
    if not len(index):
        if not any(p.is_error for p in index.problems):  # nothing wrong: nothing there
            fail(f"no logs in {path} ({holds_none(path)})", EXIT_PROBLEMS)
        fail(f"no logs could be read from {path}; see `hltui validate {path}`", EXIT_PROBLEMS)


def holds_none(path: Path) -> str:
    """Why a path with log files gives no log, when nothing is wrong with them."""
    return "the file holds none" if path.is_file() else "its log files hold none"


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@FEEDBACK_FILE
def stats(path: Path, as_json: bool, feedback_file: Path | None) -> None:
    """Summarise PATH's logs: counts, projects, models, errors, feedback, latency.

    Feedback counts include the edits in the feedback journal.
    """
    check_path(path)
    index, forest, _problems = load(path, progress=not as_json)
    require_logs(index, path)
    store = open_store(index, feedback_file)
    figures = compute_stats(index, forest, feedback_of=store.pairs)
    if as_json:
        click.echo(json.dumps(figures.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_stats(figures.to_json()))


def day(text: str | None, option: str, *, end: bool = False) -> float | None:
    from hltui.model.query import parse_day

    if not text:
        return None
    try:
        return parse_day(text, end=end)
    except ValueError:
        fail(f"{option} {text!r}: expected a date such as 2024-03-01")
    return None


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The JSONL file to write (replaced atomically).",
)
@click.option("--only-with-feedback", is_flag=True, help="Only logs that have feedback.")
@click.option("--project", help="Only this project.")
@click.option("--model", help="Only this model.")
@click.option("--errors/--no-errors", default=None, help="Only logs with / without an error.")
@click.option("--feedback-value", help="Only logs with a feedback item of this value.")
@click.option("--since", help="Only logs created on or after this day (YYYY-MM-DD).")
@click.option("--until", help="Only logs created on or before this day (YYYY-MM-DD).")
@click.option("--text", help="Only logs containing this text (case-insensitive).")
@FEEDBACK_FILE
def export(
    path: Path,
    out: Path,
    only_with_feedback: bool,
    project: str | None,
    model: str | None,
    errors: bool | None,
    feedback_value: str | None,
    since: str | None,
    until: str | None,
    text: str | None,
    feedback_file: Path | None,
) -> None:
    """Write PATH's logs to OUT as JSONL with their merged feedback (journal edits applied).

    Records are written as stored (key order, unknown keys); only a log with journal edits
    has its `feedback` replaced by the merged list.
    """
    from hltui.model.feedback import ExportError, export_logs
    from hltui.model.query import LogFilter

    check_path(path)
    log_filter = LogFilter(
        project=project or None,
        model=model or None,
        has_error=errors,
        feedback_value=feedback_value or None,
        since=day(since, "--since"),
        until=day(until, "--until", end=True),
        text=text or None,
    )
    index, _forest, _problems = load(path)
    require_logs(index, path)
    store = open_store(index, feedback_file, whole=True)
    to_stdout = str(out) == "-"  # (a file named `-` was written)
    target = Path(tempfile.mkdtemp(prefix="hltui-export-")) / "out.jsonl" if to_stdout else out
    try:
        count = export_logs(
            index,
            store,
            target,
            only_with_feedback=only_with_feedback,
            log_filter=None if log_filter.is_empty else log_filter,
        )
        if to_stdout:
            with open(target, "rb") as written:
                shutil.copyfileobj(written, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    except ExportError as error:
        fail(str(error))
    finally:
        if to_stdout:
            shutil.rmtree(target.parent, ignore_errors=True)
    if to_stdout:
        click.echo(f"wrote {counted(count, 'log')} to standard output", err=True)
        return
    click.echo(f"wrote {counted(count, 'log')} to {out}")
    if path.is_dir() and out.resolve().is_relative_to(path.resolve()):
        click.echo(
            f"hltui: note: {out} is inside {path}: opening {path} will read it as logs too",
            err=True,
        )


FEEDBACK_COLUMNS = ("data_id", "type", "value", "user", "created_at", "id", "source")
TABLE_VALUE_CHARS = 60


def cell(value: object) -> str:
    """A feedback field as text: strings as they are, numbers as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
@FEEDBACK_FILE
def feedback(path: Path, as_csv: bool, feedback_file: Path | None) -> None:
    """List every feedback item of PATH's logs, journal edits included.

    Columns: data_id, type, value, user, created_at, id, source (log or journal).
    """
    check_path(path)
    index, _forest, _problems = load(path, progress=not as_csv)
    require_logs(index, path)
    store = open_store(index, feedback_file, whole=True)
    rows = [
        {
            **{name: cell(item.get(name)) for name in FEEDBACK_COLUMNS},
            "data_id": log_id,
            "source": source,
        }
        for log_id, item, source in store.all_feedback()
    ]
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=FEEDBACK_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    if not rows:
        click.echo(f"no feedback in {path}")
        return
    table = [list(FEEDBACK_COLUMNS)] + [
        [one_line(row[name], TABLE_VALUE_CHARS) for name in FEEDBACK_COLUMNS] for row in rows
    ]
    # in terminal cells: CJK and emoji take two each (counted as one, they pushed the
    # columns after them out of line)
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(FEEDBACK_COLUMNS))]
    for line in table:
        padded = (
            text + " " * (width - cell_len(text)) for text, width in zip(line, widths, strict=True)
        )
        click.echo("  ".join(padded).rstrip())


def format_stats(data: dict) -> str:  # type: ignore[type-arg]
    """The human-readable stats report."""

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}s"

    lines = [
        f"logs       {data['logs']}",
        f"sessions   {data['sessions']}"
        + (f" (+{counted(data['standalone'], 'standalone log')})" if data["standalone"] else ""),
        f"files      {data['files']}",
        f"problems   {data['problems']}"
        + (f" (+{counted(data['notices'], 'notice')})" if data["notices"] else ""),
        f"errors     {data['errors']}",
        f"span       {data['first'] or '-'} .. {data['last'] or '-'}",
        f"latency    p50 {seconds(data['latency_p50'])}  p95 {seconds(data['latency_p95'])}",
        f"feedback   {data['feedback']}",
    ]
    kinds = data["feedback_by_type"]
    width = max((len(kind) for kind in kinds), default=0) + 2  # the longest kind, a gap
    for kind, values in kinds.items():
        shown = ", ".join(f"{value} {count}" for value, count in values.items())
        lines.append(f"  {kind:<{width}}{shown}")
    for title in ("projects", "models"):
        lines.append(title)
        for name, count in data[title].items():
            lines.append(f"  {count:>7}  {name}")
    return "\n".join(lines)


__all__ = ["iso", "main"]


if __name__ == "__main__":
    main()
