"""Writing the sample into the landing zone: one file per stream per day,
each written under a temporary name and renamed, a few files at a time."""

import gzip
import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from models.streams import STREAMS
from pipelines.sample.auto_qa import MODEL_VERSIONS, Scores
from pipelines.sample.clock import Clock, timestamps
from pipelines.sample.interactions import CHANNELS, INTENTS, TOPICS, Calls
from pipelines.sample.roster import World
from pipelines.sample.scorecard import ATTRIBUTE_IDS, PHRASES, QUEUE_NAMES

GZIP_LEVEL = 3
STREAM_NAMES = tuple(STREAMS)


@dataclass(frozen=True)
class SampleSummary:
    """What :func:`generate_sample` wrote: files, and rows per stream."""

    files: int
    rows: dict[str, int]


class LandingWriter:
    """Writes one file per stream per day, atomically, a few files at a time."""

    def __init__(
        self, root: Path, clock: Clock, progress: Callable[[str], None] | None, site: str = ""
    ) -> None:
        self.root = root
        self.clock = clock
        self.progress = progress
        self.site_tag = f"-{site}" if site else ""
        self.jobs: list[tuple[str, int, Callable[[], int]]] = []

    def add_json_days(self, stream: str, frame: pl.DataFrame, by: str) -> None:
        """Rows written partitioned by the day of ``by`` (a timestamp or a day number)."""
        if frame[by].dtype == pl.Datetime("us", "UTC"):
            days = self.clock.day_of(frame[by].dt.epoch("s").to_numpy())
        else:
            days = frame[by].to_numpy()
            frame = frame.drop(by)
        frame = frame.with_columns(_day=days).sort("_day", maintain_order=True)
        days = frame["_day"].to_numpy()
        frame = frame.drop("_day")
        bounds = np.searchsorted(days, np.arange(self.clock.days + 1))
        for day in range(self.clock.days):
            low, high = int(bounds[day]), int(bounds[day + 1])
            if high > low:
                part = frame.slice(low, high - low)
                self._add(stream, day, ".jsonl.gz", lambda path, part=part: _write_json(path, part))

    def add_call_days(self, world: World, calls: Calls, scores: Scores) -> None:
        """The interactions (Parquet) and their Auto QA scores, a file of each per day."""
        writes: list[tuple[str, str, Callable[[Path, int, int], int]]] = [
            (
                "interactions",
                ".parquet",
                lambda path, low, high: _write_parquet(
                    path, _interactions_frame(world, calls, scores, low, high)
                ),
            ),
            (
                "auto_qa_scores",
                ".jsonl.gz",
                lambda path, low, high: _write_json(
                    path, _scores_frame(world, calls, scores, low, high)
                ),
            ),
        ]
        bounds = calls.day_bounds(self.clock.days)
        for stream, suffix, write in writes:
            for day in range(self.clock.days):
                low, high = int(bounds[day]), int(bounds[day + 1])
                if high > low:
                    self._add(
                        stream,
                        day,
                        suffix,
                        lambda path, low=low, high=high, write=write: write(path, low, high),
                    )

    def _add(self, stream: str, day: int, suffix: str, write: Callable[[Path], int]) -> None:
        path = self.root / stream / f"{self.clock.iso_day(day)}{self.site_tag}{suffix}"
        self.jobs.append((stream, day, lambda: write(path)))

    def run(self) -> SampleSummary:
        rows = dict.fromkeys(STREAM_NAMES, 0)
        for stream in STREAM_NAMES:
            (self.root / stream).mkdir(parents=True, exist_ok=True)
        # Building and compressing a file releases the GIL: write a few at once.
        workers = min(4, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = _ordered(pool, [job for _, _, job in self.jobs], ahead=2 * workers)
            for (stream, day, _), written in zip(self.jobs, results, strict=True):
                rows[stream] += written
                if self.progress is not None:
                    self.progress(f"{stream} {self.clock.iso_day(day)}: {written:,} rows")
        return SampleSummary(files=len(self.jobs), rows=rows)


def _ordered(pool: ThreadPoolExecutor, jobs: list[Callable[[], int]], ahead: int) -> Iterator[int]:
    """The jobs' results in order, running at most ``ahead`` jobs at once."""
    pending: deque[Future[int]] = deque()
    for job in jobs:
        pending.append(pool.submit(job))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _tmp(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _write_json(path: Path, frame: pl.DataFrame) -> int:
    if frame.columns == ["json"]:
        text = ("\n".join(frame["json"].to_list()) + "\n").encode()
    else:
        buffer = io.BytesIO()
        frame.write_ndjson(buffer)
        text = buffer.getvalue()
    # mtime=0 keeps the gzip header, and so the file, identical for a seed.
    data = gzip.compress(text, compresslevel=GZIP_LEVEL, mtime=0)
    tmp = _tmp(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return frame.height


def _write_parquet(path: Path, frame: pl.DataFrame) -> int:
    tmp = _tmp(path)
    frame.write_parquet(tmp)
    os.replace(tmp, path)
    return frame.height


def _interactions_frame(
    world: World, calls: Calls, scores: Scores, low: int, high: int
) -> pl.DataFrame:
    rows = np.arange(low, high)
    return pl.DataFrame(
        {
            "interaction_id": calls.ids(rows),
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[rows]),
            "queue": pl.Series(QUEUE_NAMES).gather(calls.queue[rows]),
            "channel": pl.Series(CHANNELS).gather(calls.channel[rows]),
            "started_at": timestamps(calls.started[rows]),
            "handle_time_s": calls.handle_s[rows].astype(np.float64),
            "sentiment_score": scores.sentiment[rows],
            "topic": pl.Series(TOPICS).gather(calls.topic[rows]),
            "intent": pl.Series([*INTENTS, None], dtype=pl.String).gather(calls.intent[rows]),
        }
    )


def _scores_frame(world: World, calls: Calls, scores: Scores, low: int, high: int) -> pl.DataFrame:
    """One row per attribute of each interaction's queue's scorecard."""
    offset, attribute = np.nonzero(scores.scored[low:high])
    rows = low + offset
    interaction_ids = calls.ids(np.arange(low, high)).gather(offset)
    return pl.DataFrame(
        {
            "event_id": "aq-"
            + interaction_ids.str.slice(4)
            + "-"
            + pl.Series(attribute + 1).cast(pl.String),
            "interaction_id": interaction_ids,
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[rows]),
            "attribute_id": pl.Series(ATTRIBUTE_IDS).gather(attribute),
            "interaction_at": timestamps(calls.started[rows]),
            "score": scores.auto[rows, attribute],
            "scored_at": timestamps(scores.scored_at[rows]),
            "evidence_quote": PHRASES.gather(scores.phrase[rows, attribute]),
            "evidence_offset_s": scores.offset_s[rows, attribute],
            "model_version": pl.Series(MODEL_VERSIONS).gather(scores.model[rows]),
        }
    )
