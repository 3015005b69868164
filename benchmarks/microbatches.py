"""Micro-batches for the benchmarks: one day's landing files cut into time slices.

:func:`split_day` reads the files of one day of every stream (as
``pipelines.sample.generate_sample`` writes them: ``<stream>/<day>.jsonl.gz``
and ``interactions/<day>.parquet``) and cuts each by its event time into the
same ``slices`` windows of equal width, from the day's first event to its last.
Micro-batch ``k`` holds one file per stream (a stream with no event in the
window has no file) named ``<day>.<k>-of-<slices><suffix>``. JSON lines are
kept byte for byte; Parquet rows are rewritten with the same schema.

:func:`move_day` delivers a whole day instead.

:func:`deliver` drops a micro-batch into a landing zone as a producer does:
every file is written under a temporary name starting with ``.``, then all are
renamed into place.
"""

import gzip
import io
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

# The field whose time places a row in a slice: when the row's event happened
# (an Auto QA score goes with its interaction, as the sample's files do).
EVENT_TIME = {
    "agents": "updated_at",
    "attributes": "updated_at",
    "interactions": "started_at",
    "auto_qa_scores": "interaction_at",
    "evaluations": "evaluated_at",
    "evaluation_reviews": "occurred_at",
    "coaching_events": "occurred_at",
}


@dataclass(frozen=True)
class BatchFile:
    stream: str
    name: str
    content: bytes
    rows: int


@dataclass(frozen=True)
class MicroBatch:
    """Slice ``index`` (from 1) of a day: the events in [start, end)."""

    index: int
    start: datetime
    end: datetime
    files: list[BatchFile]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass(frozen=True)
class _DayFile:
    stream: str
    suffix: str
    frame: pl.DataFrame  # the rows, and their event time as epoch microseconds in `_t`


def _read_day_file(path: Path, stream: str, day: date) -> _DayFile:
    suffix = path.name.removeprefix(day.isoformat())
    field = EVENT_TIME[stream]
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        times = frame[field].dt.epoch("us")
    else:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        frame = pl.DataFrame({"line": text.splitlines()})
        times = (
            frame["line"]
            .str.json_path_match(f"$.{field}")
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC")
            .dt.epoch("us")
        )
    return _DayFile(stream, suffix, frame.with_columns(_t=times))


def _encode(day_file: _DayFile, part: pl.DataFrame) -> bytes:
    if day_file.suffix == ".parquet":
        buffer = io.BytesIO()
        part.write_parquet(buffer)
        return buffer.getvalue()
    return gzip.compress(("\n".join(part["line"]) + "\n").encode("utf-8"), mtime=0)


def split_day(source: Path, day: date, slices: int) -> list[MicroBatch]:
    """The files of ``day`` under ``source/<stream>/`` as ``slices`` micro-batches."""
    if slices < 1:
        raise ValueError("slices: at least 1 is required")
    day_files = [
        _read_day_file(path, stream, day)
        for stream in EVENT_TIME
        for path in sorted((source / stream).glob(f"{day.isoformat()}.*"))
    ]
    if not day_files:
        raise FileNotFoundError(f"no landing file of {day} under {source}")
    times = pl.concat([f.frame["_t"] for f in day_files])
    first, last = int(times.min()), int(times.max()) + 1  # type: ignore[arg-type]
    bounds = [first + (last - first) * k // slices for k in range(slices + 1)]
    batches = []
    for k in range(slices):
        files = []
        for day_file in day_files:
            part = day_file.frame.filter(pl.col("_t").is_between(bounds[k], bounds[k + 1] - 1))
            if part.height:
                name = f"{day.isoformat()}.{k + 1:02d}-of-{slices:02d}{day_file.suffix}"
                content = _encode(day_file, part.drop("_t"))
                files.append(BatchFile(day_file.stream, name, content, part.height))
        batches.append(
            MicroBatch(
                index=k + 1,
                start=datetime.fromtimestamp(bounds[k] / 1e6, UTC),
                end=datetime.fromtimestamp(bounds[k + 1] / 1e6, UTC),
                files=files,
            )
        )
    return batches


def day_files(source: Path, day: date) -> list[Path]:
    """Every stream's files of ``day`` in ``source``, of every site
    (``<day>.<ext>``, or ``<day>-<site>.<ext>``)."""
    return sorted(source.glob(f"*/{day.isoformat()}[.-]*"))


def move_day(source: Path, landing: Path, day: date) -> int:
    """Move every stream's files of ``day`` from ``source`` into the landing
    zone (a day delivered whole, of every site); returns how many files moved."""
    moved = 0
    for path in day_files(source, day):
        target = landing / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved += 1
    return moved


def deliver(batch: MicroBatch, landing: Path) -> float:
    """Write the batch's files under ``.``-names, rename them all into place,
    and return the wall-clock time (``time.time()``) of the first rename."""
    staged = []
    for batch_file in batch.files:
        folder = landing / batch_file.stream
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{batch_file.name}"
        temporary.write_bytes(batch_file.content)
        staged.append((temporary, folder / batch_file.name))
    renamed_at = time.time()
    for temporary, final in staged:
        os.replace(temporary, final)
    return renamed_at
