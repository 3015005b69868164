"""A year of a large center on one machine: the 10,000-agent tier.

    python benchmarks/year_tier.py --agents 10000 --days 365 --home /a/large/disk/tier

Generates the center site by site (``--site-agents`` agents a site, each site
a seeded sample of its own with the site in every id and file name, up to
``--workers`` sites at once in their own processes) into ``<home>/generated``,
lands every day but the last, then times, each as its own ``coachwh run``
process in this one invocation:

1. the first run for as_of D-1: ingest of every file and the first build of
   every mart, within the DuckDB memory budget (``COACHWH_MEMORY_LIMIT``,
   1500MB unless set), spilling to disk past it;
2. one new day: day D's files (every site's) and as_of D.

It prints the rows and rows per second of the ingest (the ledger's rows over
the run's ``ingest`` phase), the build (the dbt and marks phases), each run's
wall time and peak memory, the new day against the first run, and the disk
used by the landing zone, the working file, dbt's partial parse and the
serving snapshot. ``--keep`` leaves the home in place; ``--reuse`` then
times the two runs again on the same files, without generating them anew;
``--resume`` runs the first run again on the working file a stopped one left
(nothing new to ingest: it builds what is missing), then the new day.
"""

import argparse
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import duckdb
from incremental_run import START, Timed, timed_run
from microbatches import day_files, move_day

from pipelines.sample import generate_sample


def generate_site(
    generated: Path, site: int, agents: int, days: int, per_day: float
) -> dict[str, int]:
    """One site's year, seeded by its number; returns its rows per stream."""
    summary = generate_sample(
        generated,
        agents=agents,
        days=days,
        start=START,
        seed=1000 + site,
        interactions_per_day=per_day,
        site=f"s{site:02d}",
    )
    return summary.rows


def generate_center(
    generated: Path, agents: int, site_agents: int, days: int, per_day: float, workers: int
) -> dict[str, int]:
    sizes = [min(site_agents, agents - low) for low in range(0, agents, site_agents)]
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(generate_site, generated, site, size, days, per_day)
            for site, size in enumerate(sizes, start=1)
        ]
        for done, future in enumerate(futures, start=1):
            for stream, n in future.result().items():
                rows[stream] = rows.get(stream, 0) + n
            print(
                f"  site {done}/{len(sizes)} generated ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    print(
        f"generated {agents:,} agents x {days} days in {len(sizes)} sites: "
        f"{rows['auto_qa_scores']:,} Auto QA scores, {rows['interactions']:,} interactions, "
        f"{sum(rows.values()):,} rows in {time.perf_counter() - started:.0f}s; "
        f"{disk_gib(generated):.1f} GiB of files",
        flush=True,
    )
    return rows


def disk_gib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**30
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**30


def phase_seconds(timed: Timed) -> dict[str, float]:
    """The run's own phase line (``phases: ingest 1.0s · dbt parse 2.0s · ...``)."""
    parts = timed.phases.removeprefix("phases:").split("·")
    return {
        name.strip(): float(value.removesuffix("s"))
        for name, _, value in (part.strip().rpartition(" ") for part in parts if part.strip())
    }


def ledger_rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        query = "select coalesce(sum(rows_total), 0) from ingest.file_ledger"
        (rows,) = conn.execute(query).fetchall()[0]
    return int(rows)


def report(label: str, timed: Timed, rows: int, first: Timed | None = None) -> None:
    print(timed.line(label), flush=True)
    phases = phase_seconds(timed)
    ingest = phases.get("ingest", 0.0)
    build = sum(v for k, v in phases.items() if k != "ingest")
    rate = f"{rows / ingest:,.0f} rows/s" if ingest else "n/a"
    print(f"{'':<36}ingest {rows:,} rows in {ingest:.1f}s = {rate}; build {build:.1f}s")
    if first is not None:
        print(f"{'':<36}= {timed.seconds / first.seconds:.3f}x the first run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--site-agents", type=int, default=1_000, help="agents a site")
    parser.add_argument("--workers", type=int, default=2, help="sites generated at once")
    parser.add_argument("--interactions-per-day", type=float, default=15.5)
    parser.add_argument("--home", type=Path, required=True, help="a folder on a large disk")
    parser.add_argument("--keep", action="store_true", help="leave the home in place")
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--reuse",
        action="store_true",
        help="time the runs again on the files a --keep run generated (the rest is removed)",
    )
    again.add_argument(
        "--resume",
        action="store_true",
        help="after a first run that stopped mid-build: run it again on the same working file "
        "(nothing new to ingest; it builds what is missing), then the new day",
    )
    args = parser.parse_args()
    if args.days < 3:
        parser.error("--days: at least 3 (a history, the day before, the new day)")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    print(f"command: python benchmarks/{Path(__file__).name} {' '.join(sys.argv[1:])}")
    home: Path = args.home
    generated, landing = home / "generated", home / "landing"
    last = START + timedelta(days=args.days - 1)
    if args.resume:
        if not (home / "warehouse.duckdb").exists():
            parser.error(f"--resume: {home} holds no working file of an earlier run")
    elif args.reuse:
        move_day(landing, generated, last)  # a finished run had landed the new day
        if not day_files(generated, last):
            parser.error(f"--reuse: {generated} holds no file of {last} (the new day)")
        for leftover in home.iterdir():
            if leftover not in (generated, landing):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
    elif home.exists() and any(home.iterdir()):
        parser.error(f"--home: {home} is not empty")
    try:
        if not (args.reuse or args.resume):
            generate_center(
                generated,
                args.agents,
                args.site_agents,
                args.days,
                args.interactions_per_day,
                args.workers,
            )
            for offset in range(args.days - 1):
                move_day(generated, landing, START + timedelta(days=offset))

        first = timed_run(home, "run", "--as-of", (last - timedelta(days=1)).isoformat())
        warehouse = home / "warehouse.duckdb"
        landed = ledger_rows(warehouse)
        if args.resume:  # the rows were ingested by the run that stopped
            report(f"first run, resumed ({args.days - 1} days)", first, 0)
        else:
            report(f"first run ({args.days - 1} days)", first, landed)
        move_day(generated, landing, last)
        day = timed_run(home, "run", "--as-of", last.isoformat())
        report("one new day", day, ledger_rows(warehouse) - landed, first)

        print("disk used:")
        for label, path in (
            ("landing zone", landing),
            ("working file", warehouse),
            ("dbt partial parse", home / f".{warehouse.name}.dbt"),
            ("serving snapshot", home / "serving"),
        ):
            if path.exists():
                print(f"  {label:<20} {disk_gib(path):8.2f} GiB")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
