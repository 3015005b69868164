"""Ingest throughput against DuckDB's own bare read_json, side by side.

    python benchmarks/ingest_throughput.py --rows 1000000
    python benchmarks/ingest_throughput.py --sample   # the demo's sample stream

Writes one NDJSON micro-batch of Auto QA scores (plain and gzip), then times,
on the same file in the same process: DuckDB's ``create table as select * from
read_json(...)`` (no validation, no ledger) and the full ingest (validate,
de-duplicate, ledger, commit) into a fresh warehouse. Prints rows per second
and the ratio (bare time / ingest time; 1.0 means as fast as bare DuckDB).
"""

import argparse
import gzip
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from assets.landing_zone import ingest_pending


def write_scores(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.normal(78, 10, rows).clip(0, 100), 1)
    attributes = rng.integers(0, 8, rows)
    lines = []
    for i in range(rows):
        interaction = i // 8
        lines.append(
            json.dumps(
                {
                    "event_id": f"q{i}",
                    "interaction_id": f"i{interaction}",
                    "agent_id": f"a{interaction % 2000}",
                    "attribute_id": f"attr{attributes[i]}",
                    "interaction_at": f"2026-11-01T{9 + i % 8:02d}:{i % 60:02d}:00+00:00",
                    "score": float(scores[i]),
                    "scored_at": "2026-11-01T18:00:00+00:00",
                    "evidence_quote": "I understand how frustrating that is",
                    "evidence_offset_s": float(i % 300),
                    "model_version": "qa-2026.10",
                }
            )
        )
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data, compresslevel=1) if path.suffix == ".gz" else data)


def time_bare(path: Path, database: Path) -> float:
    with duckdb.connect(str(database)) as conn:
        started = time.perf_counter()
        conn.execute(f"create table scores as select * from read_json('{path}')")
        return time.perf_counter() - started


def time_ingest(landing: Path, database: Path) -> float:
    with duckdb.connect(str(database)) as conn:
        started = time.perf_counter()
        ingest_pending(conn, landing, ["auto_qa_scores"])
        return time.perf_counter() - started


def time_sample(agents: int, days: int) -> None:
    """Ingest of the demo's sample stream: many small files of every stream."""
    from pipelines.sample import generate_sample

    with tempfile.TemporaryDirectory() as tmp:
        generate_sample(Path(tmp) / "landing", agents=agents, days=days, seed=7)
        with duckdb.connect(str(Path(tmp) / "warehouse.duckdb")) as conn:
            started = time.perf_counter()
            results = ingest_pending(conn, Path(tmp) / "landing")
            seconds = time.perf_counter() - started
    rows = sum(r.rows_total for r in results)
    print(
        f"sample {agents} agents x {days} days: {len(results)} files, {rows:,} rows "
        f"in {seconds:.2f}s = {rows / seconds:,.0f} rows/s "
        f"({seconds / len(results) * 1000:.1f} ms per file)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", action="store_true", help="ingest the demo's sample stream")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, duckdb {duckdb.__version__}"
    )
    if args.sample:
        time_sample(agents=40, days=28)
        return
    for suffix in (".jsonl", ".jsonl.gz"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "landing" / "auto_qa_scores"
            folder.mkdir(parents=True)
            path = folder / f"batch{suffix}"
            write_scores(path, args.rows)
            bare, ingest = [], []
            for attempt in range(args.repeat):
                bare.append(time_bare(path, Path(tmp) / f"bare{attempt}.db"))
                ingest.append(time_ingest(Path(tmp) / "landing", Path(tmp) / f"w{attempt}.db"))
            b, i = min(bare), min(ingest)
            print(
                f"{suffix:10} rows {args.rows:>10,}  bare read_json {b:6.2f}s "
                f"({args.rows / b:>12,.0f} rows/s)  ingest {i:6.2f}s "
                f"({args.rows / i:>12,.0f} rows/s)  ratio {b / i:.2f}x"
            )


if __name__ == "__main__":
    main()
