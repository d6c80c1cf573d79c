"""The `hltui` command: open (the TUI), validate, stats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hltui.model.index import LogIndex
from hltui.model.problems import Problem
from hltui.model.sessions import Forest, build_forest
from hltui.model.stats import compute_stats, iso

EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


def fail(message: str, code: int = EXIT_UNREADABLE) -> None:
    click.echo(f"hltui: {message}", err=True)
    sys.exit(code)


def check_path(path: Path) -> None:
    """Exit with a one-line message when `path` cannot be opened at all."""
    if not path.exists():
        fail(f"{path}: no such file or directory")
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
def open_command(path: Path) -> None:
    """Open PATH (a directory, read recursively, or one file) in the browser."""
    check_path(path)
    from hltui.ui.app import HltuiApp

    HltuiApp(path).run()


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
        click.echo(
            f"{len(index)} logs in {files} files; {len(errors)} problems"
            + (f", {len(problems) - len(errors)} notices" if len(problems) > len(errors) else "")
        )
    if not index.files:
        fail(f"no log files (.jsonl, .json, .gz) under {path}", EXIT_PROBLEMS)
    if not len(index) and errors:
        fail(f"no logs could be read from {path}", EXIT_PROBLEMS)
    if errors:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(path: Path, as_json: bool) -> None:
    """Summarise PATH's logs: counts, projects, models, errors, feedback, latency."""
    check_path(path)
    index, forest, _problems = load(path, progress=not as_json)
    if not index.files:
        fail(f"no log files (.jsonl, .json, .gz) under {path}", EXIT_PROBLEMS)
    if not len(index):
        fail(f"no logs could be read from {path}; see `hltui validate {path}`", EXIT_PROBLEMS)
    figures = compute_stats(index, forest)
    if as_json:
        click.echo(json.dumps(figures.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_stats(figures.to_json()))


def format_stats(data: dict) -> str:  # type: ignore[type-arg]
    """The human-readable stats report."""

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}s"

    lines = [
        f"logs       {data['logs']}",
        f"sessions   {data['sessions']} (+{data['standalone']} standalone logs)",
        f"files      {data['files']}",
        f"problems   {data['problems']}"
        + (f" (+{data['notices']} notices)" if data["notices"] else ""),
        f"errors     {data['errors']}",
        f"span       {data['first'] or '-'} .. {data['last'] or '-'}",
        f"latency    p50 {seconds(data['latency_p50'])}  p95 {seconds(data['latency_p95'])}",
        f"feedback   {data['feedback']}",
    ]
    for kind, values in data["feedback_by_type"].items():
        shown = ", ".join(f"{value} {count}" for value, count in values.items())
        lines.append(f"  {kind:<9}{shown}")
    for title in ("projects", "models"):
        lines.append(title)
        for name, count in data[title].items():
            lines.append(f"  {count:>7}  {name}")
    return "\n".join(lines)


__all__ = ["iso", "main"]


if __name__ == "__main__":
    main()
