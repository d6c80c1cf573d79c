"""Toolong's time to first screen on one file, headless (run by toolong's own Python).

    <toolong venv>/bin/python bench/toolong_first_screen.py FILE

Prints JSON: seconds from the app starting to run until a frame shows the file's lines
(`first_screen`), and until its scan has found every line (`scan_done`). Run in a venv of
its own: toolong pins an old Textual. Kept free of hltui imports for that reason.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

SIZE = (120, 40)


async def measure(path: str) -> dict[str, Any]:
    from toolong.log_lines import LogLines
    from toolong.ui import UI

    class TimedUI(UI):
        """Toolong's app, noting the first frame that shows lines of the file."""

        first_screen: float | None = None

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if self.first_screen is None:
                lines = self.query(LogLines)
                if lines and lines.first().line_count >= SIZE[1] // 2:
                    self.first_screen = time.perf_counter()

    app = TimedUI([path], merge=False)
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        while app.first_screen is None:
            await asyncio.sleep(0.001)
        lines = app.query_one(LogLines)
        while lines.loading or lines._scanned_size < lines.log_file.size:
            await asyncio.sleep(0.005)
        scan_done = time.perf_counter()
        await pilot.pause()
        return {
            "first_screen": app.first_screen - started,
            "scan_done": scan_done - started,
            "lines": lines.line_count,
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(sys.argv[1]))))
