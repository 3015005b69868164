"""Interactions: who took which call, when, on which channel and queue, for
every day at once (vectorised with numpy)."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.sample.clock import DAY_S, HOUR_S, Clock, id_prefix, ids
from pipelines.sample.roster import PRIMARY_QUEUE_SHARE, World, team_queues
from pipelines.sample.scorecard import QUEUES

DAILY_INTERACTIONS = 6.0  # mean interactions per agent per day (weekday-adjusted)

CHANNELS = ("voice", "chat", "email", "messaging")
_CHANNEL_SHARE = (0.55, 0.25, 0.10, 0.10)
_HANDLE_MEDIAN_S = np.array([420.0, 540.0, 300.0, 780.0])
_SHIFT_S = 9 * HOUR_S
TOPICS = [t for queue in QUEUES.values() for t in queue.topics]
INTENTS = [i for queue in QUEUES.values() for i in queue.intents]


@dataclass(frozen=True)
class Calls:
    """Interactions, sorted by start time; row i has interaction number i + 1."""

    agent: np.ndarray
    day: np.ndarray
    started: np.ndarray  # UTC seconds
    handle_s: np.ndarray
    channel: np.ndarray
    queue: np.ndarray
    topic: np.ndarray  # index into TOPICS
    intent: np.ndarray  # index into INTENTS; its length for none
    id_width: int
    id_start: str  # "int-", with the site when there is one

    def __len__(self) -> int:
        return len(self.agent)

    def day_bounds(self, days: int) -> np.ndarray:
        return np.searchsorted(self.day, np.arange(days + 1))

    def ids(self, rows: np.ndarray) -> pl.Series:
        return ids(self.id_start, np.asarray(rows) + 1, self.id_width)

    def id_list(self, rows: list[int]) -> list[str]:
        return [f"{self.id_start}{row + 1:0{self.id_width}d}" for row in rows]


def generate_interactions(
    world: World, clock: Clock, rng: np.random.Generator, per_day: float
) -> Calls:
    weekday = (clock.start.weekday() + np.arange(clock.days)) % 7
    day_factor = np.select([weekday < 5, weekday == 5], [1.1, 0.75], 0.5)
    mean = per_day * day_factor[:, None] * world.volume[None, :]
    if world.away is not None:
        mean[world.away_from :, world.away] = 0.0
    counts = rng.poisson(mean).ravel()
    day = np.repeat(np.repeat(np.arange(clock.days), world.n), counts)
    agent = np.repeat(np.tile(np.arange(world.n), clock.days), counts)
    started = (
        clock.epoch0
        + day * DAY_S
        + (world.shift_start_h[agent] * HOUR_S).astype(np.int64)
        + rng.integers(0, _SHIFT_S, day.size)
    )
    order = np.lexsort((agent, started))
    agent, day, started = agent[order], day[order], started[order]
    m = agent.size

    channel = rng.choice(len(CHANNELS), size=m, p=_CHANNEL_SHARE)
    handle = np.round(_HANDLE_MEDIAN_S[channel] * np.exp(rng.normal(0.0, 0.45, m)))
    dropped = rng.random(m) < 0.02  # calls too short to judge
    handle[dropped] = rng.integers(5, 40, int(dropped.sum()))
    # Skills-based routing: a team takes its own queue's calls and, for the
    # rest, one neighbouring queue's; never the other queues'.
    primary, secondary = team_queues(world.team_on(agent, day))
    queue = np.where(rng.random(m) < PRIMARY_QUEUE_SHARE, primary, secondary)
    n_topics = np.array([len(q.topics) for q in QUEUES.values()])
    n_intents = np.array([len(q.intents) for q in QUEUES.values()])
    topic = np.concatenate([[0], np.cumsum(n_topics)[:-1]])[queue] + (
        rng.random(m) * n_topics[queue]
    ).astype(np.int64)
    intent = np.concatenate([[0], np.cumsum(n_intents)[:-1]])[queue] + (
        rng.random(m) * n_intents[queue]
    ).astype(np.int64)
    intent[rng.random(m) < 0.05] = len(INTENTS)
    return Calls(
        agent=agent,
        day=day,
        started=started,
        handle_s=handle,
        channel=channel,
        queue=queue,
        topic=topic,
        intent=intent,
        id_width=max(8, len(str(m))),
        id_start=id_prefix("int", world.site),
    )
