"""Live-tail latency, idle CPU and input latency under a write burst, on the real app headless.

    python -m bench.tail            # 100 samples, 1,000 idle files, a 10 s burst

Prints the median and p95 from a line's flush to the log being in the app's session tree,
the CPU use of watching 1,000 files while idle, and key-press latency while another process
appends 1,000 logs per second; each next to its limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from textual import events

from hltui.ui.app import HltuiApp


def record(number: int, session: int) -> bytes:
    log = {
        "id": f"data_tail{number:06d}",
        "config": {"type": "model", "model": "gpt-4o"},
        "session_id": f"sesh_tail{session:04d}",
        "created_at": f"2024-06-01T12:{number // 60 % 60:02d}:{number % 60:02d}Z",
        "messages": [{"role": "user", "content": f"question {number}"}],
        "output": "an answer " * 20,
    }
    return json.dumps(log).encode() + b"\n"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def wait_loaded(app: HltuiApp) -> None:
    while not app.loaded:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # let the watcher start


async def tail_latency(root: Path, samples: int) -> list[float]:
    log = root / "live.jsonl"
    log.write_bytes(record(0, 0))
    app = HltuiApp(root, watch=True)
    latencies = []
    async with app.run_test(size=(120, 40)):
        await wait_loaded(app)
        rng = random.Random(1)
        for number in range(1, samples + 1):
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            log_id = f"data_tail{number:06d}"
            with open(log, "ab") as handle:
                handle.write(record(number, number // 5))
                handle.flush()
                flushed = time.perf_counter()
            while app.forest is None or log_id not in app.forest.nodes:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - flushed)
    return latencies


async def idle_cpu(root: Path, files: int, seconds: float) -> float:
    for number in range(files):
        folder = root / f"d{number % 20:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{number:04d}.jsonl").write_bytes(record(number, number))
    app = HltuiApp(root, watch=True)
    async with app.run_test(size=(120, 40)):
        await wait_loaded(app)
        before, started = cpu_seconds(), time.perf_counter()
        await asyncio.sleep(seconds)
        return (cpu_seconds() - before) / (time.perf_counter() - started)


BURST_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    from bench.tail import record
    path, seconds = sys.argv[1], float(sys.argv[2])
    start = time.perf_counter(); n = 0
    with open(path, "ab", buffering=0) as out:
        while time.perf_counter() - start < seconds:
            due = int((time.perf_counter() - start) * 1000)
            if due > n:
                out.write(b"".join(record(100000 + i, i // 20) for i in range(n, due)))
                n = due
            time.sleep(0.005)
    print(n)
    """
)


async def burst_input_latency(root: Path, seconds: float) -> tuple[list[float], int]:
    log = root / "burst.jsonl"
    log.write_bytes(record(0, 0))
    app = HltuiApp(root, watch=True)
    async with app.run_test(size=(120, 40)):
        await wait_loaded(app)
        writer = subprocess.Popen(
            [sys.executable, "-c", BURST_WRITER, str(log), str(seconds), str(Path.cwd())],
            stdout=subprocess.PIPE,
        )
        from hltui.ui.widgets.session_tree import SessionTree

        tree = app.query_one(SessionTree)
        latencies = []
        key = "j"
        while writer.poll() is None:
            before = tree.cursor
            started = time.perf_counter()
            app.post_message(events.Key(key, key))  # as the terminal driver sends it
            while tree.cursor == before and time.perf_counter() - started < 5:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - started)  # key sent -> cursor moved
            key = "k" if key == "j" else "j"
            await asyncio.sleep(0.05)
        written = int(writer.communicate()[0])
        deadline = time.perf_counter() + 10
        while len(app.index) < written + 1 and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        return latencies, len(app.index) - 1 - written


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(tail_latency(Path(tmp), args.samples))
    median, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"tail latency, flush to tree ({len(latencies)} samples):")
    print(f"  median {median * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (limit: median 250 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        cpu = asyncio.run(idle_cpu(Path(tmp), args.files, args.idle_seconds))
    print(f"idle CPU watching {args.files:,} files: {cpu:.1%} of one core")
    with tempfile.TemporaryDirectory() as tmp:
        keys, missing = asyncio.run(burst_input_latency(Path(tmp), args.burst_seconds))
    print(f"key press while 1,000 logs/s are appended ({len(keys)} presses):")
    key_median, key_p95 = statistics.median(keys) * 1000, percentile(keys, 0.95) * 1000
    print(f"  median {key_median:6.1f} ms   p95 {key_p95:6.1f} ms   (limit: 50 ms)")
    print(f"  logs missing at the end: {missing}")


if __name__ == "__main__":
    main()
