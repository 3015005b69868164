"""A generated sample's landing zone read back, for the generator's tests."""

import gzip
import io
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.sample import STREAM_NAMES, SampleSummary, generate_sample


class Rows(Mapping[str, list[dict[str, Any]]]):
    """Every row of every stream, each with the day of the file it came in;
    a stream is read when first asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loaded: dict[str, list[dict[str, Any]]] = {}

    def __getitem__(self, stream: str) -> list[dict[str, Any]]:
        if stream not in self.loaded:
            self.loaded[stream] = [
                row | {"_file_day": path.name.split(".")[0]}
                for path in sorted((self.root / stream).iterdir())
                for row in read(path)
            ]
        return self.loaded[stream]

    def __iter__(self) -> Iterator[str]:
        return iter(STREAM_NAMES)

    def __len__(self) -> int:
        return len(STREAM_NAMES)


@dataclass(frozen=True)
class Generated:
    """A sample generated into ``root``, and its rows read back."""

    root: Path
    agents: int
    days: int
    start: date
    seed: int
    summary: SampleSummary
    rows: Rows

    @classmethod
    def write(cls, root: Path, agents: int, days: int, start: date, seed: int = 7) -> "Generated":
        summary = generate_sample(root, agents=agents, days=days, start=start, seed=seed)
        return cls(root, agents, days, start, seed, summary, Rows(root))

    @property
    def period(self) -> list[str]:
        return [(self.start + timedelta(days=d)).isoformat() for d in range(self.days)]

    def daily_scores(self) -> dict[tuple[str, str, str], tuple[float, int]]:
        """(agent, attribute, date) -> (sum, count) of the Auto QA scores."""
        frame = pl.concat(
            pl.read_ndjson(io.BytesIO(gzip.decompress(path.read_bytes())))
            for path in sorted((self.root / "auto_qa_scores").iterdir())
        )
        daily = frame.group_by(
            "agent_id", "attribute_id", pl.col("interaction_at").str.slice(0, 10).alias("day")
        ).agg(pl.col("score").sum().alias("total"), pl.len().alias("n"))
        return {
            (agent, attribute, day): (total, n)
            for agent, attribute, day, total, n in daily.iter_rows()
        }


def lines(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def read(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).to_dicts()
    return [json.loads(line) for line in lines(path)]


def contents(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): (
            gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def assignments(rows: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Assignments that stood, each with its coached agents and assigned date."""
    events = sorted(rows["coaching_events"], key=lambda e: e["occurred_at"])
    deleted = {e["assignment_id"] for e in events if e["event_type"] == "assignment_deleted"}
    members: dict[str, set[str]] = defaultdict(set)
    found = []
    for event in events:
        if event["event_type"] == "group_member_added":
            members[event["group_id"]].add(event["agent_id"])
        elif event["event_type"] == "group_member_removed":
            members[event["group_id"]].discard(event["agent_id"])
        elif event["event_type"] == "assignment_created" and event["assignment_id"] not in deleted:
            agents = (
                {event["agent_id"]} if event.get("agent_id") else set(members[event["group_id"]])
            )
            found.append(event | {"agents": agents, "date": event["occurred_at"][:10]})
    return found
