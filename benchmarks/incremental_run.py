"""Streamed runs against a full rebuild, end to end through ``coachwh run``.

    python benchmarks/incremental_run.py --agents 200 --days 90
    python benchmarks/incremental_run.py --agents 2000 --days 90 --history-days 8

Generates the sample stream for ``--days`` days into a side folder. With D
the last day, it lands every day before D-1, then times, each as its own
``coachwh run`` process, all in this one invocation so that the ratios compare
runs made at the same moment of this machine:

1. the first run for as_of D-1 (ingest of every file, first build);
2. ``--full-refresh`` for the same date on the same data (the full rebuild:
   the denominator of every ratio);
3. the same run again: nothing new (target: <= 0.05x);
4. one micro-batch: the first of ``--slices`` time slices of day D-1, one file
   per stream, a few hours of the day (target: <= 0.15x at 200 x 90);
5. one new day: day D's files and as_of D (target: <= 0.1x at 2,000 x 90,
   peak under 2 GiB).

With ``--history-days H``, steps 1 and 5 are repeated on a second home whose
stream holds the same agents' last H days only, and the new day at ``--days``
of history is set against the new day at H (target: <= 1.3x: flat in history).

Each line prints wall time, peak memory (the largest resident set among the
run's processes), the ratio to the full rebuild and the run's own phase line.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from microbatches import deliver, move_day, split_day

from pipelines.sample import generate_sample

COACHWH = Path(sys.executable).parent / "coachwh"
START = date(2026, 1, 1)


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_gib: float
    phases: str  # the run's own breakdown, as it printed it

    def line(self, label: str, full: "Timed | None" = None) -> str:
        ratio = f"  = {self.seconds / full.seconds:.3f}x the full rebuild" if full else ""
        return f"{label:<34} {self.seconds:7.2f}s  peak {self.peak_gib:.2f} GiB{ratio}\n" + (
            f"{'':<36}{self.phases}" if self.phases else ""
        )


def timed_run(home: Path, *args: str) -> Timed:
    """Seconds and peak GiB of one ``coachwh`` command, in a fresh process
    whose children's peak resident set is read when they end."""
    probe = (
        "import resource, subprocess, sys; "
        "out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True); "
        "print(out.stdout); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(out.returncode)"
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
        raise SystemExit(f"coachwh {' '.join(args)} failed:\n{result.stdout[-3000:]}")
    lines = result.stdout.strip().splitlines()
    phases = next((line for line in lines if line.startswith("phases:")), lines[0])
    return Timed(seconds, int(lines[-1]) / 2**20, phases)


def build_home(
    home: Path, agents: int, days: int, first: date, per_day: float
) -> tuple[Path, date]:
    """Generate ``days`` days from ``first`` into ``home/generated`` and land all
    but the last two; returns the side folder and the last day."""
    stream = home / "generated"
    started = time.perf_counter()
    summary = generate_sample(
        stream, agents=agents, days=days, start=first, seed=11, interactions_per_day=per_day
    )
    print(
        f"generated {agents} agents x {days} days: {summary.rows['auto_qa_scores']:,} "
        f"Auto QA scores, {summary.files} files in {time.perf_counter() - started:.0f}s"
    )
    last = first + timedelta(days=days - 1)
    for offset in range(days - 2):
        move_day(stream, home / "landing", first + timedelta(days=offset))
    return stream, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--slices", type=int, default=8, help="micro-batches per day")
    parser.add_argument("--history-days", type=int, default=None)
    parser.add_argument("--interactions-per-day", type=float, default=14.0)
    parser.add_argument("--home", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    print(f"command: python benchmarks/{Path(__file__).name} {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        stream, last = build_home(home, args.agents, args.days, START, args.interactions_per_day)
        today, yesterday = last.isoformat(), (last - timedelta(days=1)).isoformat()

        first = timed_run(home, "run", "--as-of", yesterday)
        print(first.line(f"first run ({args.days - 2} days)"))
        full = timed_run(home, "run", "--as-of", yesterday, "--full-refresh")
        print(full.line("full rebuild (--full-refresh)"))
        noop = timed_run(home, "run", "--as-of", yesterday)
        print(noop.line("nothing new", full))
        (batch, *_) = split_day(stream, last - timedelta(days=1), args.slices)
        deliver(batch, home / "landing")
        for path in stream.glob(f"*/{yesterday}.*"):
            path.unlink()  # the rest of that day is not delivered
        micro = timed_run(home, "run", "--as-of", yesterday)
        print(micro.line(f"one micro-batch ({len(batch.files)} files, {batch.rows} rows)", full))
        moved = move_day(stream, home / "landing", last)
        day = timed_run(home, "run", "--as-of", today)
        print(day.line(f"one new day ({moved} files)", full))

        if args.history_days:
            short_home = Path(tmp) / "short"
            short_first = last - timedelta(days=args.history_days - 1)
            short_stream, _ = build_home(
                short_home, args.agents, args.history_days, short_first, args.interactions_per_day
            )
            timed_run(short_home, "run", "--as-of", yesterday)
            move_day(short_stream, short_home / "landing", last - timedelta(days=1))
            timed_run(short_home, "run", "--as-of", yesterday)
            move_day(short_stream, short_home / "landing", last)
            short_day = timed_run(short_home, "run", "--as-of", today)
            print(short_day.line(f"one new day at {args.history_days} days of history"))
            print(
                f"one new day at {args.days} days of history / at {args.history_days} days: "
                f"{day.seconds / short_day.seconds:.2f}x"
            )


if __name__ == "__main__":
    main()
