"""Toolong (a Textual log viewer) on the same big file, for its time to first screen
(named so that `import toolong` in the driver, run from this folder, finds toolong).

Toolong pins an old Textual, so it runs in a venv of its own under `bench/data/`, made on
first use with pip (`TOOLONG`); without a network or a wheel, the bench says so and goes
on. `bench/toolong_first_screen.py` drives it headless, as `bench.scale` drives hltui.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.index import DATA

TOOLONG = "toolong==1.5.0"  # the last release; it brings Textual 0.58.1
VENV = DATA / "toolong-venv"
DRIVER = Path(__file__).with_name("toolong_first_screen.py")
TIME_LIMIT = 60.0  # seconds given to toolong to show a screen


def toolong_python() -> Path | str:
    """The Python of a venv with toolong installed, made if need be; else why not."""
    python = VENV / "bin" / "python"
    marker = VENV / f".installed-{TOOLONG}"
    if marker.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", TOOLONG],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        reason = detail.decode(errors="replace").strip().splitlines()[-1:] or [str(error)]
        return f"not installed ({reason[0][:80]})"
    marker.write_text("ok")
    return python


def first_screen(path: Path) -> dict[str, float] | str:
    """Toolong's seconds to a first screen of `path` and to its scan's end, or why none."""
    python = toolong_python()
    if isinstance(python, str):
        return python
    try:
        out = subprocess.run(
            [str(python), str(DRIVER), str(path)],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
        )
    except subprocess.TimeoutExpired:
        return f"no screen within {TIME_LIMIT:.0f} s"
    if out.returncode:
        return f"failed ({out.stderr.strip().splitlines()[-1:]})"
    return json.loads(out.stdout.strip().splitlines()[-1])
