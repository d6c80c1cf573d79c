"""Index build speed and memory against plain orjson parsing of the same bytes.

    python -m bench.index 100000          # generate (once, cached in bench/data) and measure

Prints, from one run on the same files: raw read time, `orjson.loads` of every record,
hltui's full index build (+ session forest), their ratios, peak RSS and bytes per log,
and opening the directory twice in one process: cold (no index cache) and warm (cache).
Each figure is measured in a fresh subprocess so memory figures do not mix.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "data"


def dataset(n: int) -> Path:
    """The generated dataset of n logs, made once and reused."""
    root = DATA / f"logs-{n}"
    marker = root / ".complete"
    if not marker.exists():
        from bench.generate import write_dataset

        print(f"generating {n:,} logs in {root} …", flush=True)
        write_dataset(root, n)
        marker.write_text("ok")
    return root


def files_of(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jsonl"))


def _rss_bytes() -> int:
    """Current resident set size."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(kind: str, root: Path) -> dict[str, float]:
    """Run one measurement in this process (called in a subprocess)."""
    import gc

    import orjson

    from hltui.model.index import LogIndex
    from hltui.model.sessions import build_forest

    paths = files_of(root)
    gc.collect()
    before = _rss_bytes()
    started = time.perf_counter()
    count = 0
    if kind == "read":
        for path in paths:
            count += len(path.read_bytes())
    elif kind == "orjson":
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.strip():
                        orjson.loads(line)
                        count += 1
    elif kind == "orjson-nogc":
        gc.disable()
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.strip():
                        orjson.loads(line)
                        count += 1
        gc.enable()
    elif kind == "open":
        from hltui.model.cache import cache_path

        cache_path(root).unlink(missing_ok=True)
        cold = LogIndex(root).load()
        cold_seconds = time.perf_counter() - started
        assert cache_path(root).is_file(), "the index cache was not written"
        count = len(cold)
        del cold
        gc.collect()
        started = time.perf_counter()
        warm = LogIndex(root).load()
        warm_seconds = time.perf_counter() - started
        assert len(warm) == count
        return {"cold": cold_seconds, "warm": warm_seconds, "count": count}
    elif kind == "index":
        index = LogIndex(root).load(use_cache=False)
        count = len(index)
        elapsed_index = time.perf_counter() - started
        gc.collect()
        held = _rss_bytes() - before
        forest_started = time.perf_counter()
        forest = build_forest(list(index.logs.values()))
        forest_time = time.perf_counter() - forest_started
        return {
            "seconds": elapsed_index,
            "count": count,
            "held": held,
            "peak": _peak_rss(),
            "forest_seconds": forest_time,
            "sessions": len(forest.sessions),
        }
    return {"seconds": time.perf_counter() - started, "count": count, "peak": _peak_rss()}


def run(kind: str, root: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.index", "--measure", kind, "--root", str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.root))))
        return
    root = dataset(args.n)
    size = sum(p.stat().st_size for p in files_of(root))
    print(f"{args.n:,} logs, {size / 1e6:,.0f} MB in {len(files_of(root))} files")
    run("read", root)  # warm the page cache so every figure reads from memory
    read = run("read", root)
    parse = run("orjson", root)
    parse_nogc = run("orjson-nogc", root)
    index = run("index", root)
    opened = run("open", root)
    limit = parse["seconds"]
    rows = [
        ("raw read of the bytes", read["seconds"]),
        ("orjson.loads every record (the limit)", parse["seconds"]),
        ("orjson.loads every record, GC off", parse_nogc["seconds"]),
        ("hltui index build", index["seconds"]),
        ("hltui session forest", index["forest_seconds"]),
    ]
    for label, seconds in rows:
        print(f"  {label:<40} {seconds:8.2f} s   {seconds / limit:5.2f}x the limit")
    per_log = index["held"] / max(1, index["count"])
    print(
        f"  index holds {index['held'] / 1e6:,.1f} MB = {per_log:,.0f} bytes per log "
        f"(goal < 400); peak RSS {index['peak'] / 1e6:,.0f} MB "
        f"(orjson run peak {parse['peak'] / 1e6:,.0f} MB)"
    )
    ratio = index["seconds"] / limit
    print(f"  index/orjson ratio {ratio:.2f} (goal <= 1.00): {'PASS' if ratio <= 1.0 else 'MISS'}")
    print(f"  bytes per log {per_log:,.0f} (goal < 400): {'PASS' if per_log < 400 else 'MISS'}")
    warm = opened["warm"]
    print(f"  cold open (no cache, writes it)            {opened['cold']:8.2f} s")
    print(
        f"  warm open (cache)                          {warm:8.2f} s   "
        f"(goal <= 0.50): {'PASS' if warm <= 0.5 else 'MISS'}"
    )


if __name__ == "__main__":
    main()
