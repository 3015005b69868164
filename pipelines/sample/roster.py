"""The simulated center's people: agents in teams, each team with a
supervisor and the two queues it takes calls from, each agent with a level
per attribute; QA analysts who audit beside the supervisors; one agent who
changes team half-way and one who is away for the last week."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pipelines.sample.clock import Clock, id_prefix, timestamps
from pipelines.sample.scorecard import ATTRIBUTES, COMPLIANCE, QUEUES, SCORED, TARGETS

SKILL_ABOVE_TARGET = 5.0  # the average agent scores this far above each target
PRIMARY_QUEUE_SHARE = 0.7  # the rest of a team's calls come from its second queue
AWAY_DAYS = 8  # longer than a window: the away agent's current window is empty

_FIRST_NAMES = (
    "Ana", "Ben", "Carla", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jamal",
    "Kira", "Luis", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Umar", "Vera", "Wes", "Xin", "Yara", "Zoe", "Marco", "Lena", "Omar", "Chloe",
)  # fmt: skip
_LAST_NAMES = (
    "Silva", "Okafor", "Novak", "Tanaka", "Garcia", "Muller", "Khan", "Rossi", "Dubois",
    "Smith", "Kowalski", "Nguyen", "Haddad", "Larsen", "Costa", "Ivanova", "Brennan",
    "Mensah", "Fischer", "Moreau", "Sato", "Patel", "Lopez", "Berg", "Adeyemi",
)  # fmt: skip
_EXPERIENCE = ("junior", "intermediate", "senior")
_EXPERIENCE_SHARE = (0.3, 0.45, 0.25)
_EXPERIENCE_SKILL = np.array([-3.0, 0.0, 2.5])
QA_ANALYSTS = ("qa-01", "qa-02", "qa-03")


@dataclass(frozen=True)
class World:
    agent_ids: list[str]
    names: list[str]
    team: np.ndarray  # team index of each agent (at the start)
    team_ids: list[str]
    supervisor_ids: list[str]
    experience: np.ndarray
    shift_start_h: np.ndarray
    volume: np.ndarray  # relative daily volume of each agent
    skill: np.ndarray  # (agent, attribute) latent mean score
    breach_p: np.ndarray  # chance of a compliance breach per interaction
    evaluator_ids: list[str]  # supervisors, then QA analysts
    evaluator_bias: np.ndarray
    id_width: int
    site: str  # "" for a single-site center; else in every id
    mover: int | None  # an agent who changes team half-way
    mover_team: int
    mover_day: int
    away: int | None  # an agent on leave from ``away_from`` to the last day
    away_from: int

    @property
    def n(self) -> int:
        return len(self.agent_ids)

    def team_on(self, agent: np.ndarray, day: np.ndarray) -> np.ndarray:
        team = self.team[agent].copy()
        if self.mover is not None:
            team[(agent == self.mover) & (day >= self.mover_day)] = self.mover_team
        return team

    def members(self, team: int) -> list[int]:
        return [int(a) for a in np.flatnonzero(self.team == team) if a != self.mover]

    def supervisor(self, agent: int) -> str:
        return self.supervisor_ids[self.team[agent]]


def team_queues(team: Any) -> tuple[Any, Any]:
    """A team's primary queue and its second one (of one team, or of many)."""
    return team % len(QUEUES), (team + 1) % len(QUEUES)


def scored_areas(team: int) -> tuple[np.ndarray, np.ndarray]:
    """The attributes a team's calls are scored on: in any of its queues, and
    in both (so every agent of the team has many scores of them)."""
    first, second = (SCORED[queue] for queue in team_queues(team))
    return first | second, first & second


def build_world(n: int, clock: Clock, rng: np.random.Generator, site: str = "") -> World:
    n_teams = 1 if n < 2 else max(2, round(n / 10))
    width = max(4, len(str(n)))
    team_width = max(2, len(str(n_teams)))
    team = rng.permutation(np.arange(n) % n_teams)
    experience = rng.choice(3, size=n, p=_EXPERIENCE_SHARE)
    overall = rng.normal(0.0, 3.0, n) + _EXPERIENCE_SKILL[experience]
    skill = (
        TARGETS[None, :]
        + SKILL_ABOVE_TARGET
        + overall[:, None]
        + rng.normal(0.0, 5.0, (n, len(ATTRIBUTES)))
    )
    skill[:, COMPLIANCE] = 97.0 + rng.normal(0.0, 1.0, n)
    supervisors = [f"{id_prefix('sup', site)}{t + 1:0{team_width}d}" for t in range(n_teams)]
    mover = int(rng.integers(n)) if n_teams >= 2 and clock.days >= 2 else None
    mover_team = int((team[mover] + 1) % n_teams) if mover is not None else 0
    # Someone is on holiday over the last week, when the sample is long
    # enough for that agent to have been coached before.
    stayers = [a for a in range(n) if a != mover]
    away = (
        int(rng.choice(stayers)) if clock.days >= 2 * AWAY_DAYS + 1 and len(stayers) >= 3 else None
    )
    return World(
        agent_ids=[f"{id_prefix('agt', site)}{a + 1:0{width}d}" for a in range(n)],
        names=[
            f"{_FIRST_NAMES[f]} {_LAST_NAMES[s]}"
            for f, s in zip(
                rng.integers(len(_FIRST_NAMES), size=n),
                rng.integers(len(_LAST_NAMES), size=n),
                strict=True,
            )
        ],
        team=team,
        team_ids=[f"{id_prefix('team', site)}{t + 1:0{team_width}d}" for t in range(n_teams)],
        supervisor_ids=supervisors,
        experience=experience,
        shift_start_h=rng.integers(7, 12, n).astype(float),
        volume=rng.uniform(0.8, 1.2, n),
        skill=skill,
        breach_p=np.minimum(np.exp(rng.normal(np.log(0.004), 1.0, n)), 0.05),
        evaluator_ids=supervisors + list(QA_ANALYSTS),
        evaluator_bias=rng.normal(0.0, 2.0, n_teams + len(QA_ANALYSTS)),
        id_width=width,
        site=site,
        mover=mover,
        mover_team=mover_team,
        mover_day=clock.days // 2,
        away=away,
        away_from=clock.days - AWAY_DAYS,
    )


def roster_frame(world: World, clock: Clock) -> pl.DataFrame:
    rows = [
        {
            "agent_id": world.agent_ids[a],
            "name": world.names[a],
            "team": world.team_ids[world.team[a]],
            "supervisor_id": world.supervisor_ids[world.team[a]],
            "experience_level": _EXPERIENCE[world.experience[a]],
            "active": True,
            "updated_at": clock.at(0, 6.0),
        }
        for a in range(world.n)
    ]
    if world.mover is not None:
        rows.append(
            rows[world.mover]
            | {
                "team": world.team_ids[world.mover_team],
                "supervisor_id": world.supervisor_ids[world.mover_team],
                "updated_at": clock.at(world.mover_day, 6.5),
            }
        )
    frame = pl.DataFrame(rows)
    return frame.with_columns(timestamps(frame["updated_at"].to_numpy()).alias("updated_at"))
