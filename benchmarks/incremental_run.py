"""One new day against a full rebuild, end to end through ``coachwh run``.

    python benchmarks/incremental_run.py --agents 2000 --days 90
    python benchmarks/incremental_run.py --agents 2000 --days 8     # 7 days of history

Generates the sample stream for ``--days`` days into a side folder, moves all
but the last day into the landing zone, and then times, each as its own
``coachwh run`` process:

1. the first run (ingest of every file, first build);
2. ``coachwh run --full-refresh`` on the same data (the full rebuild);
3. the last day's files moved in, then ``coachwh run`` (one new day);

and prints wall time and peak memory (the largest resident set of the run's
processes, dbt's included) of each. The target: (3) takes 0.2x or less of (2),
about as long at 90 days of history as at 7, under 2 GiB.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import assets.sample_stream as sample_stream

COACHWH = Path(sys.executable).parent / "coachwh"


def timed_run(home: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak GiB of one ``coachwh`` command, in a fresh process
    whose children's peak resident set is read when they end."""
    probe = (
        "import resource, subprocess, sys; "
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", probe, str(COACHWH), *args],
        env={**os.environ, "COACHWH_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"coachwh {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    peak_kib = int(result.stdout.strip().splitlines()[-1])
    return seconds, peak_kib / 2**20


def move_day(source: Path, landing: Path, day: date) -> int:
    moved = 0
    for path in source.glob(f"*/{day.isoformat()}.*"):
        target = landing / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved += 1
    return moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--interactions-per-day", type=float, default=14.0)
    parser.add_argument("--home", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        stream = home / "generated"
        start = date(2026, 1, 1)
        last = start + timedelta(days=args.days - 1)
        sample_stream.DAILY_INTERACTIONS = args.interactions_per_day
        started = time.perf_counter()
        summary = sample_stream.generate_sample(
            stream, agents=args.agents, days=args.days, start=start, seed=11
        )
        print(
            f"generated {args.agents} agents x {args.days} days: "
            f"{summary.rows['auto_qa_scores']:,} Auto QA scores, {summary.files} files "
            f"in {time.perf_counter() - started:.0f}s"
        )
        landing = home / "landing"
        for offset in range(args.days - 1):
            move_day(stream, landing, start + timedelta(days=offset))

        first = timed_run(home, "run", "--as-of", (last - timedelta(days=1)).isoformat())
        print(f"first run ({args.days - 1} days):        {first[0]:7.1f}s  peak {first[1]:.2f} GiB")
        full = timed_run(home, "run", "--as-of", (last - timedelta(days=1)).isoformat(),
                         "--full-refresh")  # fmt: skip
        print(f"full rebuild (--full-refresh):  {full[0]:7.1f}s  peak {full[1]:.2f} GiB")
        moved = move_day(stream, landing, last)
        day = timed_run(home, "run", "--as-of", last.isoformat())
        print(
            f"one new day ({moved} files):       {day[0]:7.1f}s  peak {day[1]:.2f} GiB  "
            f"= {day[0] / full[0]:.2f}x the full rebuild"
        )


if __name__ == "__main__":
    main()
