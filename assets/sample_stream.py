"""The seeded sample stream: a realistic contact center's landing zone.

:func:`generate_sample` writes the seven streams of DESIGN.md section 2 as
micro-batch files, one per stream per day, in ``<landing>/<stream>/``:
``<YYYY-MM-DD>.jsonl.gz`` (gzip NDJSON), and ``<YYYY-MM-DD>.parquet`` for
``interactions``. Each is written under a ``.tmp`` name and renamed. Roster and
scorecard arrive on the first day (plus one team change half-way); every other
event lands in the file of the (UTC) day it occurred, except Auto QA scores,
which belong to the day of their interaction. A day without events of a stream
(coaching events, mostly) has no file of it; events that would fall after the
last day have not happened yet and are left out.

What the sample contains, so the pipeline has something to find:

- agents with their own strengths and weaknesses per attribute, so some fall
  below target and raise marks; a rare compliance breach now and then;
- an Auto QA model upgrade two thirds of the way through that scores one
  attribute a few points higher than supervisors do (calibration drift);
- supervisor audits of about 5% of interactions, with accepts, disputes,
  responses and re-evaluations;
- manual marks, groups and coaching assignments, mostly in the second half of
  the period, and agents who really improve on the coached attributes after
  the assignment day (most of them; a few plateau).

Everything derives from ``numpy.random.default_rng(seed)``: the same arguments
give byte-identical files. Columns are built with numpy for all days at once;
only the few coaching events are built in Python loops. Plain Python: the CLI
and the demo call it, Dagster does not need to.
"""

import gzip
import io
import json
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from models.streams import STREAMS

# Volumes and rates of the simulated center.
DAILY_INTERACTIONS = 6.0  # mean interactions per agent per day (weekday-adjusted)
AUDIT_RATE = 0.05  # share of interactions a supervisor audits
INDIVIDUAL_COACHING_SHARE = 0.15  # share of agents given an individual assignment
AGENTS_PER_GROUP = 20  # one group assignment per this many agents
MANUAL_MARKS_PER_AGENT = 0.1
GZIP_LEVEL = 3

STREAM_NAMES = tuple(STREAMS)

_DAY_S = 86_400
_HOUR_S = 3_600
_SHIFT_S = 9 * _HOUR_S
_WORK_OPENS_S = 7 * _HOUR_S
_WORKDAY_S = 16 * _HOUR_S
_MODEL_VERSIONS = ("autoqa-2.3.1", "autoqa-2.4.0")


@dataclass(frozen=True)
class SampleSummary:
    """What :func:`generate_sample` wrote: files, and rows per stream."""

    files: int
    rows: dict[str, int]


@dataclass(frozen=True)
class _AttributeSpec:
    attribute_id: str
    name: str
    target: float
    weight: float
    good: tuple[str, str, str]  # transcript excerpts of a score at or above target
    bad: tuple[str, str, str]  # ... and below it
    is_compliance: bool = False


_ATTRIBUTES = (
    _AttributeSpec(
        "greeting",
        "Greeting",
        85.0,
        0.5,
        (
            "Thank you for calling, my name is Sam, how can I help you today?",
            "Good morning and welcome, I'm here to help.",
            "Hi, thanks for reaching out! Who am I speaking with?",
        ),
        ("Yeah, what do you need?", "Hold on.", "Account number."),
    ),
    _AttributeSpec(
        "empathy",
        "Empathy",
        78.0,
        1.5,
        (
            "I completely understand how frustrating that must be.",
            "I'm sorry you had to deal with this twice.",
            "That sounds stressful, let's sort it out together.",
        ),
        (
            "That's just our policy.",
            "There's nothing I can do about that.",
            "You should have read the terms.",
        ),
    ),
    _AttributeSpec(
        "active_listening",
        "Active Listening",
        75.0,
        1.0,
        (
            "So if I understand correctly, the charge appeared after the upgrade?",
            "Let me repeat that back to make sure I have it right.",
            "You mentioned the router restarts at night, is that right?",
        ),
        (
            "Sorry, can you say all that again?",
            "As I said, what's your issue?",
            "Wait, which account was this?",
        ),
    ),
    _AttributeSpec(
        "product_knowledge",
        "Product Knowledge",
        80.0,
        1.5,
        (
            "The Plus plan includes roaming at no extra cost.",
            "That error code means the firmware needs an update; I can push it now.",
            "Your refund posts within three business days.",
        ),
        (
            "I'm not sure what that plan includes.",
            "I think that might work, maybe try it?",
            "Have you tried turning it off and on?",
        ),
    ),
    _AttributeSpec(
        "resolution",
        "Resolution",
        72.0,
        2.0,
        (
            "I've applied the credit; you'll see it on your next bill.",
            "The replacement ships today, tracking comes by email.",
            "It's fixed on our side; can you confirm it works now?",
        ),
        (
            "You'll need to call back another day.",
            "I can't fix that, try another department.",
            "Someone will probably get back to you.",
        ),
    ),
    _AttributeSpec(
        "call_control",
        "Call Control",
        70.0,
        1.0,
        (
            "Let's settle the billing question first, then the upgrade.",
            "I'll place you on a short hold, about two minutes.",
            "To keep this quick, I'll walk you through three steps.",
        ),
        ("Um, let me see, hold on, hmm...", "[silence for 95 seconds]", "Sorry, where were we?"),
    ),
    _AttributeSpec(
        "compliance_disclosure",
        "Compliance Disclosure",
        90.0,
        2.0,
        (
            "This call is recorded for quality and training purposes.",
            "Before we continue, can you confirm the last four digits of your card?",
            "A cancellation fee of 25 dollars applies; do you agree to proceed?",
        ),
        (
            "[recording disclosure not given]",
            "[account changed without identity verification]",
            "[fee not disclosed before the change]",
        ),
        is_compliance=True,
    ),
    _AttributeSpec(
        "closing",
        "Closing",
        80.0,
        0.5,
        (
            "Is there anything else I can help you with today?",
            "Thanks for your patience, have a great evening!",
            "You'll get a summary by email; thanks for being with us.",
        ),
        ("Ok bye.", "[customer disconnected without a closing]", "That's it."),
    ),
)
_COMPLIANCE = next(i for i, a in enumerate(_ATTRIBUTES) if a.is_compliance)
_TARGETS = np.array([a.target for a in _ATTRIBUTES])
_WEIGHTS = np.array([a.weight for a in _ATTRIBUTES])
_SKILL_ABOVE_TARGET = 5.0  # the average agent scores this far above each target
_NOISE_SD = np.array([7.0, 9.0, 9.0, 8.0, 10.0, 8.0, 1.5, 7.0])  # per interaction
_QUALITY_LOADING = np.where(np.arange(len(_ATTRIBUTES)) == _COMPLIANCE, 0.0, 1.0)
_DRIFTING_ATTRIBUTE = 2  # active_listening: the upgraded model scores it higher
_MODEL_UPGRADE_BIAS = 3.0
_PHRASES = pl.Series([p for a in _ATTRIBUTES for p in (*a.good, *a.bad)])

_CHANNELS = ("voice", "chat", "email", "messaging")
_CHANNEL_SHARE = (0.55, 0.25, 0.10, 0.10)
_HANDLE_MEDIAN_S = np.array([420.0, 540.0, 300.0, 780.0])
_QUEUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "billing": (
        ("invoice question", "payment failed", "refund request", "unexpected charge"),
        ("inquiry", "complaint", "refund"),
    ),
    "tech_support": (
        ("no connection", "slow speed", "device setup", "outage"),
        ("troubleshooting", "complaint", "inquiry"),
    ),
    "sales": (
        ("plan upgrade", "new line", "device offer", "price quote"),
        ("purchase", "inquiry"),
    ),
    "retention": (
        ("cancellation", "contract renewal", "competitor offer", "price increase"),
        ("cancel", "negotiate", "complaint"),
    ),
}
_QUEUE_SENTIMENT = np.array([0.0, -0.3, 0.6, -0.8])  # retention calls start unhappy

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
_QA_ANALYSTS = ("qa-01", "qa-02", "qa-03")

_DISPUTE_COMMENTS = (
    "I did verify the account, see the second minute.",
    "The customer interrupted me before I could finish.",
    "I followed the updated script from last week.",
    "The transfer was the customer's request.",
)
_RESPONSE_KEPT = (
    "Reviewed the recording again; the score stands.",
    "The step was skipped; please see the scorecard guide.",
)
_RESPONSE_CHANGED = (
    "Re-listened: you are right, score adjusted.",
    "Fair point, re-scored after calibration with QA.",
)
_NOTES_SUPERVISOR = (
    "Went through two calls together; good progress.",
    "Reminder: practise the phrasing from the best response.",
    "Follow-up booked for next week.",
)
_NOTES_AGENT = (
    "Listened to my calls, I see where I rushed.",
    "Tried the new phrasing today, customers reacted well.",
)


def parse_date(value: str | date) -> date:
    """A date from the command line: ``YYYY-MM-DD``, ``today`` or ``yesterday``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip().lower()
    if text == "today":
        return date.today()
    if text == "yesterday":
        return date.today() - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


def generate_sample(
    landing: Path,
    *,
    agents: int = 40,
    days: int = 28,
    start: date | None = None,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> SampleSummary:
    """Write a seeded sample of every stream into ``landing``, one file per day.

    ``start`` defaults to the day that makes the last generated day today.
    ``progress`` receives a line as the simulation starts, then one per file.
    Files of the same names already in ``landing`` are replaced.
    """
    if agents < 1:
        raise ValueError("agents: at least 1 is required")
    if days < 1:
        raise ValueError("days: at least 1 is required")
    if start is None:
        start = date.today() - timedelta(days=days - 1)
    # One child generator per concern, so changing one part of the sample
    # leaves the draws of the others alone.
    rngs = np.random.default_rng(seed).spawn(7)
    if progress is not None:
        progress(f"simulating {agents:,} agents over {days} days from {start.isoformat()}")
    clock = _Clock(start, days)
    world = _build_world(agents, clock, rngs[0])
    plan = _plan_coaching(world, clock, rngs[1])
    calls = _generate_interactions(world, clock, rngs[2])
    scores = _score_interactions(world, clock, calls, plan, rngs[3])
    audits = _audit(world, clock, calls, scores, rngs[4])
    reviews, reevaluations = _review(world, clock, calls, audits, rngs[5])
    coaching = _coaching_events(world, clock, calls, scores, plan, rngs[6])

    writer = _LandingWriter(Path(landing), clock, progress)
    writer.add_json_days("agents", _roster_frame(world, clock), by="updated_at")
    writer.add_json_days("attributes", _scorecard_frame(clock), by="updated_at")
    writer.add_interaction_days(world, calls, scores)
    writer.add_score_days(world, calls, scores)
    evaluations = _evaluations_frame(world, calls, audits, reevaluations)
    writer.add_json_days("evaluations", evaluations, by="evaluated_at")
    writer.add_json_days("evaluation_reviews", reviews, by="occurred_at")
    writer.add_json_days("coaching_events", coaching, by="day")
    return writer.run()


# --- time ------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """The generated period: days 0 .. days-1 from ``start``, in UTC seconds."""

    start: date
    days: int

    @property
    def epoch0(self) -> int:
        return int(
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()
        )

    @property
    def end(self) -> int:
        """The last second of the last day; later events have not happened yet."""
        return self.epoch0 + self.days * _DAY_S - 1

    def at(self, day: int, hours: float) -> int:
        return self.epoch0 + day * _DAY_S + int(hours * _HOUR_S)

    def day_of(self, seconds: np.ndarray | int) -> Any:
        return (np.asarray(seconds) - self.epoch0) // _DAY_S

    def iso_day(self, day: int) -> str:
        return (self.start + timedelta(days=day)).isoformat()


def _timestamps(seconds: np.ndarray) -> pl.Series:
    """UTC timestamps; polars writes them to JSON as ``2026-11-01T09:13:05+00:00``."""
    return (pl.Series(np.asarray(seconds, dtype=np.int64)) * 1_000_000).cast(
        pl.Datetime("us", "UTC")
    )


def _later(at: Any, seconds: Any) -> Any:
    """``seconds`` of working time (07:00-23:00 UTC) after ``at``.

    People answer reviews and coaching during their shifts, not at 3 am.
    Monotone in ``at``, so a chain of steps never runs out of order.
    """
    at, seconds = np.asarray(at, dtype=np.int64), np.asarray(seconds, dtype=np.int64)
    day, clock_time = np.divmod(at, _DAY_S)
    worked = day * _WORKDAY_S + np.clip(clock_time - _WORK_OPENS_S, 0, _WORKDAY_S) + seconds
    day, into = np.divmod(worked, _WORKDAY_S)
    later = day * _DAY_S + _WORK_OPENS_S + into
    return int(later) if later.ndim == 0 else later


def _strings(values: np.ndarray) -> pl.Series:
    """A string column from a numpy object array (which may hold None)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat()


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(
        pl.concat_str(pl.lit(prefix), pl.lit(pl.Series(numbers)).cast(pl.String).str.zfill(width))
    ).to_series()


# --- the center: roster, teams, skills --------------------------------------


@dataclass(frozen=True)
class _World:
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
    mover: int | None  # an agent who changes team half-way
    mover_team: int
    mover_day: int

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


def _build_world(n: int, clock: _Clock, rng: np.random.Generator) -> _World:
    n_teams = 1 if n < 2 else max(2, round(n / 10))
    width = max(4, len(str(n)))
    team_width = max(2, len(str(n_teams)))
    team = rng.permutation(np.arange(n) % n_teams)
    experience = rng.choice(3, size=n, p=_EXPERIENCE_SHARE)
    overall = rng.normal(0.0, 3.0, n) + _EXPERIENCE_SKILL[experience]
    skill = (
        _TARGETS[None, :]
        + _SKILL_ABOVE_TARGET
        + overall[:, None]
        + rng.normal(0.0, 5.0, (n, len(_ATTRIBUTES)))
    )
    skill[:, _COMPLIANCE] = 97.0 + rng.normal(0.0, 1.0, n)
    supervisors = [f"sup-{t + 1:0{team_width}d}" for t in range(n_teams)]
    mover = int(rng.integers(n)) if n_teams >= 2 and clock.days >= 2 else None
    mover_team = int((team[mover] + 1) % n_teams) if mover is not None else 0
    return _World(
        agent_ids=[f"agt-{a + 1:0{width}d}" for a in range(n)],
        names=[
            f"{_FIRST_NAMES[f]} {_LAST_NAMES[s]}"
            for f, s in zip(
                rng.integers(len(_FIRST_NAMES), size=n),
                rng.integers(len(_LAST_NAMES), size=n),
                strict=True,
            )
        ],
        team=team,
        team_ids=[f"team-{t + 1:0{team_width}d}" for t in range(n_teams)],
        supervisor_ids=supervisors,
        experience=experience,
        shift_start_h=rng.integers(7, 12, n).astype(float),
        volume=rng.uniform(0.8, 1.2, n),
        skill=skill,
        breach_p=np.minimum(np.exp(rng.normal(np.log(0.004), 1.0, n)), 0.05),
        evaluator_ids=supervisors + list(_QA_ANALYSTS),
        evaluator_bias=rng.normal(0.0, 2.0, n_teams + len(_QA_ANALYSTS)),
        id_width=width,
        mover=mover,
        mover_team=mover_team,
        mover_day=clock.days // 2,
    )


def _roster_frame(world: _World, clock: _Clock) -> pl.DataFrame:
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
    return frame.with_columns(_timestamps(frame["updated_at"].to_numpy()).alias("updated_at"))


def _scorecard_frame(clock: _Clock) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "attribute_id": [a.attribute_id for a in _ATTRIBUTES],
            "name": [a.name for a in _ATTRIBUTES],
            "target_score": [a.target for a in _ATTRIBUTES],
            "weight": [a.weight for a in _ATTRIBUTES],
            "is_compliance": [a.is_compliance for a in _ATTRIBUTES],
            "active": [True] * len(_ATTRIBUTES),
            "updated_at": _timestamps(np.full(len(_ATTRIBUTES), clock.at(0, 6.0))),
        }
    )


# --- the coaching plan (decided before scoring, so coaching can work) -------


@dataclass
class _Group:
    group_id: str
    name: str
    team: int
    attributes: list[int]
    members: list[int]
    removed: int | None  # added, then removed before dispatch
    created_day: int


@dataclass
class _Assignment:
    assignment_id: str
    day: int
    attributes: list[int]
    agents: list[int]  # the coached agents (group: remaining members)
    group: _Group | None = None
    deleted: bool = False


@dataclass
class _Plan:
    assignments: list[_Assignment] = field(default_factory=list)
    pending_groups: list[_Group] = field(default_factory=list)
    effect: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))


def _assignment_days(days: int) -> tuple[int, int] | None:
    """Assignment days: the second half, with 7 days of history where possible."""
    if days < 3:
        return None
    low = max(7, days // 2) if days >= 9 else max(1, days // 2)
    return low, max(low, days - 2)


def _plan_coaching(world: _World, clock: _Clock, rng: np.random.Generator) -> _Plan:
    plan = _Plan(effect=np.zeros((world.n, len(_ATTRIBUTES), clock.days)))
    window = _assignment_days(clock.days)
    if window is None:
        return plan
    low, high = window
    gaps = _TARGETS[None, :] - world.skill
    gaps[:, _COMPLIANCE] = -np.inf
    eligible = np.array([a for a in range(world.n) if a != world.mover], dtype=np.int64)
    if eligible.size == 0:
        return plan

    individual: list[_Assignment] = []
    n_individual = min(eligible.size, max(1, round(INDIVIDUAL_COACHING_SHARE * world.n)))
    weight = np.clip(gaps[eligible].max(axis=1), 0.0, None) + 0.5
    chosen = rng.choice(eligible, size=n_individual, replace=False, p=weight / weight.sum())
    coached: set[tuple[int, int]] = set()
    for agent in sorted(int(a) for a in chosen):
        order = np.argsort(-gaps[agent], kind="stable")
        attributes = [int(order[0])]
        if gaps[agent, order[1]] > 0 and rng.random() < 0.35:
            attributes.append(int(order[1]))
        coached.update((agent, k) for k in attributes)
        individual.append(_Assignment("", int(rng.integers(low, high + 1)), attributes, [agent]))
    if len(individual) >= 2:
        individual[0].deleted = True  # deleted by the supervisor the same day

    groups: list[_Assignment] = []
    areas = [k for k in range(len(_ATTRIBUTES)) if k != _COMPLIANCE]
    team_order = rng.permutation(len(world.team_ids))
    n_groups = max(1, round(world.n / AGENTS_PER_GROUP))
    for g in range(n_groups):
        # The team's area with the most agents near or below target, taking the
        # next team when one has fewer than two agents left to coach.
        best: tuple[int, int, list[int]] | None = None
        for attempt in range(len(team_order)):
            team = int(team_order[(g + attempt) % len(team_order)])
            pool = world.members(team)
            for k in rng.permutation(areas).tolist():
                candidates = [a for a in pool if (a, k) not in coached]
                candidates.sort(key=lambda a, k=k: -gaps[a, k])
                near = sum(gaps[a, k] > -3.0 for a in candidates)
                if len(candidates) >= 2 and (best is None or near > best[0]):
                    best = (near, k, candidates)
            if best is not None:
                break
        if best is None:
            continue
        near, area, candidates = best
        members = candidates[: max(2, min(near, int(rng.integers(3, 5))))]
        removed = None
        if all(s.group is None or s.group.removed is None for s in groups):
            # One agent is added to a group by mistake, and removed again.
            spare = candidates[len(members) :] or [a for a in pool if a not in members]
            if spare:
                removed = spare[0]
            elif len(members) >= 3:
                removed = members.pop()
        joined = members + ([removed] if removed is not None else [])
        coached.update((a, area) for a in joined)
        day = int(rng.integers(low, high + 1))
        group = _Group(
            group_id="",
            name=f"{_ATTRIBUTES[area].name} huddle {g + 1} ({world.team_ids[team]})",
            team=team,
            attributes=[area],
            members=members,
            removed=removed,
            created_day=day - 1,
        )
        groups.append(_Assignment("", day, [area], list(members), group=group))

    # A group still being put together on the last day: never dispatched.
    team = int(team_order[-1])
    area = int(rng.choice(areas))
    pending = [a for a in world.members(team) if (a, area) not in coached]
    pending.sort(key=lambda a: -gaps[a, area])
    if len(pending) >= 2:
        plan.pending_groups.append(
            _Group(
                group_id="",
                name=f"{_ATTRIBUTES[area].name} huddle {n_groups + 1} ({world.team_ids[team]})",
                team=team,
                attributes=[area],
                members=pending[:2],
                removed=None,
                created_day=clock.days - 1,
            )
        )

    plan.assignments = sorted(
        individual + groups, key=lambda s: (s.day, s.group is not None, s.agents[0])
    )
    for number, assignment in enumerate(plan.assignments, start=1):
        assignment.assignment_id = f"asg-{number:04d}"
    all_groups = [s.group for s in plan.assignments if s.group] + plan.pending_groups
    for number, group in enumerate(all_groups, start=1):
        group.group_id = f"grp-{number:03d}"

    # Coaching works: the score of a coached area rises after the assignment
    # day towards a plateau of several points (a few agents barely move).
    days = np.arange(clock.days)
    for assignment in plan.assignments:
        if assignment.deleted:
            continue
        for agent in assignment.agents:
            for k in assignment.attributes:
                gain = rng.uniform(8.0, 15.0) if rng.random() < 0.9 else rng.uniform(0.0, 1.5)
                pace = rng.uniform(1.0, 2.5)
                after = np.clip(days - assignment.day, 0, None)
                plan.effect[agent, k] = gain * (1.0 - np.exp(-after / pace))
    return plan


# --- interactions and Auto QA scores (vectorised over all days) -------------


@dataclass(frozen=True)
class _Calls:
    """Interactions, sorted by start time; row i has interaction number i + 1."""

    agent: np.ndarray
    day: np.ndarray
    started: np.ndarray  # UTC seconds
    handle_s: np.ndarray
    channel: np.ndarray
    queue: np.ndarray
    topic: np.ndarray  # index into the flat topic list
    intent: np.ndarray  # index into the flat intent list; its length for none
    id_width: int

    def __len__(self) -> int:
        return len(self.agent)

    def day_bounds(self, days: int) -> np.ndarray:
        return np.searchsorted(self.day, np.arange(days + 1))

    def ids(self, rows: np.ndarray) -> pl.Series:
        return _ids("int-", np.asarray(rows) + 1, self.id_width)


_TOPICS = [t for topics, _ in _QUEUES.values() for t in topics]
_INTENTS = [i for _, intents in _QUEUES.values() for i in intents]


def _generate_interactions(world: _World, clock: _Clock, rng: np.random.Generator) -> _Calls:
    weekday = (clock.start.weekday() + np.arange(clock.days)) % 7
    day_factor = np.select([weekday < 5, weekday == 5], [1.1, 0.75], 0.5)
    counts = rng.poisson(DAILY_INTERACTIONS * day_factor[:, None] * world.volume[None, :]).ravel()
    day = np.repeat(np.repeat(np.arange(clock.days), world.n), counts)
    agent = np.repeat(np.tile(np.arange(world.n), clock.days), counts)
    started = (
        clock.epoch0
        + day * _DAY_S
        + (world.shift_start_h[agent] * _HOUR_S).astype(np.int64)
        + rng.integers(0, _SHIFT_S, day.size)
    )
    order = np.lexsort((agent, started))
    agent, day, started = agent[order], day[order], started[order]
    m = agent.size

    channel = rng.choice(len(_CHANNELS), size=m, p=_CHANNEL_SHARE)
    handle = np.round(_HANDLE_MEDIAN_S[channel] * np.exp(rng.normal(0.0, 0.45, m)))
    dropped = rng.random(m) < 0.02  # calls too short to judge
    handle[dropped] = rng.integers(5, 40, int(dropped.sum()))
    primary_queue = world.team_on(agent, day) % len(_QUEUES)
    queue = np.where(rng.random(m) < 0.7, primary_queue, rng.integers(0, len(_QUEUES), m))
    n_topics = np.array([len(t) for t, _ in _QUEUES.values()])
    n_intents = np.array([len(i) for _, i in _QUEUES.values()])
    topic = np.concatenate([[0], np.cumsum(n_topics)[:-1]])[queue] + (
        rng.random(m) * n_topics[queue]
    ).astype(np.int64)
    intent = np.concatenate([[0], np.cumsum(n_intents)[:-1]])[queue] + (
        rng.random(m) * n_intents[queue]
    ).astype(np.int64)
    intent[rng.random(m) < 0.05] = len(_INTENTS)
    return _Calls(
        agent=agent,
        day=day,
        started=started,
        handle_s=handle,
        channel=channel,
        queue=queue,
        topic=topic,
        intent=intent,
        id_width=max(8, len(str(m))),
    )


@dataclass(frozen=True)
class _Scores:
    true: np.ndarray  # (interaction, attribute): what a careful human would score
    auto: np.ndarray  # (interaction, attribute): the Auto QA score
    scored_at: np.ndarray
    offset_s: np.ndarray  # (interaction, attribute)
    phrase: np.ndarray  # (interaction, attribute) index into _PHRASES
    model: np.ndarray  # index into _MODEL_VERSIONS
    sentiment: np.ndarray


def _score_interactions(
    world: _World, clock: _Clock, calls: _Calls, plan: _Plan, rng: np.random.Generator
) -> _Scores:
    m, n_attributes = len(calls), len(_ATTRIBUTES)
    quality = rng.normal(0.0, 5.0, m)  # a good or bad interaction lifts or sinks every area
    drift = np.cumsum(rng.normal(0.0, 0.15, (clock.days, n_attributes)), axis=0)
    drift[:, _COMPLIANCE] = 0.0
    true = (
        world.skill[calls.agent]
        + quality[:, None] * _QUALITY_LOADING
        + rng.normal(0.0, 1.0, (m, n_attributes)) * _NOISE_SD
        + drift[calls.day]
        + plan.effect[calls.agent, :, calls.day]
    )
    breach = rng.random(m) < world.breach_p[calls.agent]
    true[breach, _COMPLIANCE] = rng.uniform(20.0, 70.0, int(breach.sum()))
    true = np.clip(true, 0.0, 100.0)

    upgrade_day = max(1, round(clock.days * 2 / 3))
    model = (calls.day >= upgrade_day).astype(np.int64)
    machine_sd = np.where(np.arange(n_attributes) == _COMPLIANCE, 0.5, 3.0)
    auto = true + rng.normal(0.0, 1.0, (m, n_attributes)) * machine_sd
    auto[:, _DRIFTING_ATTRIBUTE] += _MODEL_UPGRADE_BIAS * model
    auto = np.round(np.clip(auto, 0.0, 100.0), 1)

    areas = np.arange(n_attributes) != _COMPLIANCE
    weights = _WEIGHTS * areas / (_WEIGHTS * areas).sum()
    reference = float((_TARGETS + _SKILL_ABOVE_TARGET) @ weights)
    sentiment = (
        5.6
        + (true @ weights - reference) / 4.0
        + _QUEUE_SENTIMENT[calls.queue]
        + rng.normal(0.0, 1.0, m)
    )
    below = auto < _TARGETS
    phrase = (
        np.arange(n_attributes) * 6 + below * 3 + rng.integers(0, 3, (m, n_attributes))
    ).astype(np.int64)
    handle = calls.handle_s.astype(np.int64)
    return _Scores(
        true=true,
        auto=auto,
        # Scored minutes to hours later, by the end of the interaction's day.
        scored_at=np.minimum(
            calls.started + handle + rng.integers(120, 3 * _HOUR_S, m),
            clock.epoch0 + (calls.day + 1) * _DAY_S - 1,
        ),
        offset_s=(rng.random((m, n_attributes)) * handle[:, None]).astype(np.int64),
        phrase=phrase,
        model=model,
        sentiment=np.round(np.clip(sentiment, 1.0, 10.0), 1),
    )


# --- supervisor audits and the Accept & Dispute workflow ---------------------


@dataclass(frozen=True)
class _Audits:
    """Evaluations (first versions), sorted by evaluated_at: row e is number e + 1."""

    call: np.ndarray
    evaluated_at: np.ndarray
    evaluator: np.ndarray  # index into world.evaluator_ids
    score: np.ndarray  # (evaluation, attribute)

    def __len__(self) -> int:
        return len(self.call)


def _audit(
    world: _World, clock: _Clock, calls: _Calls, scores: _Scores, rng: np.random.Generator
) -> _Audits:
    m = len(calls)
    audited = rng.random(m) < AUDIT_RATE
    lag = rng.choice(3, size=m, p=(0.4, 0.45, 0.15))
    ended = calls.started + calls.handle_s.astype(np.int64)
    # Every day gets a same-day audit, so every day has an evaluations file.
    bounds = calls.day_bounds(clock.days)
    for day in range(clock.days):
        low, high = bounds[day], bounds[day + 1]
        if high > low and not (audited[low:high] & (lag[low:high] == 0)).any():
            early = np.flatnonzero(ended[low:high] < clock.at(day, 21.0))
            pick = low + (int(rng.choice(early)) if early.size else 0)
            audited[pick], lag[pick] = True, 0

    call = np.flatnonzero(audited)
    day = calls.day[call]
    soonest = ended[call] + 15 * 60
    latest = np.maximum(soonest + 600, clock.epoch0 + day * _DAY_S + int(21.5 * _HOUR_S))
    same_day = soonest + (rng.random(call.size) * (latest - soonest)).astype(np.int64)
    later_day = clock.epoch0 + (day + lag[call]) * _DAY_S + rng.integers(8 * _HOUR_S, 18 * _HOUR_S)
    evaluated_at = np.where(lag[call] == 0, same_day, later_day)
    team = world.team_on(calls.agent[call], day)
    by_analyst = rng.random(call.size) < 0.2
    evaluator = np.where(
        by_analyst,
        len(world.team_ids) + rng.integers(0, len(_QA_ANALYSTS), call.size),
        team,
    )
    human_sd = np.where(np.arange(len(_ATTRIBUTES)) == _COMPLIANCE, 1.0, 4.0)
    score = (
        scores.true[call]
        + rng.normal(0.0, 1.0, (call.size, len(_ATTRIBUTES))) * human_sd
        + world.evaluator_bias[evaluator][:, None]
    )
    score = np.round(np.clip(score, 0.0, 100.0), 1)

    done = evaluated_at <= clock.end  # recent interactions are not audited yet
    order = np.lexsort((call[done], evaluated_at[done]))
    return _Audits(
        call=call[done][order],
        evaluated_at=evaluated_at[done][order],
        evaluator=evaluator[done][order],
        score=score[done][order],
    )


@dataclass(frozen=True)
class _Reevaluations:
    evaluation: np.ndarray
    attribute: np.ndarray
    evaluated_at: np.ndarray
    score: np.ndarray


def _review(
    world: _World, clock: _Clock, calls: _Calls, audits: _Audits, rng: np.random.Generator
) -> tuple[pl.DataFrame, _Reevaluations]:
    """The review log of every evaluation, and the re-evaluations after disputes."""
    e = len(audits)

    def hours(low: float, high: float) -> np.ndarray:
        return rng.integers(int(low * _HOUR_S), int(high * _HOUR_S), e)

    published = _later(audits.evaluated_at, rng.integers(5 * 60, 60 * 60, e))
    response = rng.random(e)
    accepted = response < 0.76
    disputed = (response >= 0.76) & (response < 0.9)
    # Of the rest, the agent never answers: most are closed after a few days.
    expired = (response >= 0.9) & (rng.random(e) < 0.7)
    expired_at = _later(published, hours(48, 80))
    rescored = disputed & (rng.random(e) < 0.5)
    accepted_at = _later(published, hours(1, 32))
    disputed_at = _later(published, hours(1, 24))
    responded_at = _later(disputed_at, hours(1, 24))
    outcome = rng.choice(3, size=e, p=(0.6, 0.2, 0.2))  # accepted, closed, disputed again
    outcome_at = _later(responded_at, hours(1, 32))
    responded_again_at = _later(outcome_at, hours(1, 24))
    if e and not (rescored & (responded_at <= clock.end)).any():
        first = 0  # make sure the sample shows one dispute that changed a score
        accepted[first], expired[first] = False, False
        disputed[first], rescored[first] = True, True
        disputed_at[first] = _later(published[first], _HOUR_S)
        responded_at[first] = _later(disputed_at[first], _HOUR_S)
        outcome_at[first] = _later(responded_at[first], _HOUR_S)

    # Agents dispute their lowest audited area, sometimes the two lowest.
    audited_areas = audits.score.copy()
    audited_areas[:, _COMPLIANCE] = np.inf
    lowest = np.argsort(audited_areas, axis=1, kind="stable")[:, :2]
    two = rng.random(e) < 0.35

    agent = np.array(world.agent_ids, dtype=object)[calls.agent[audits.call]]
    evaluator = np.array(world.evaluator_ids, dtype=object)[audits.evaluator]
    attribute_ids = np.array([a.attribute_id for a in _ATTRIBUTES], dtype=object)
    first_area = attribute_ids[lowest[:, 0]]
    second_area = np.where(two, attribute_ids[lowest[:, 1]], None)
    dispute_comment = np.array(_DISPUTE_COMMENTS, dtype=object)[
        rng.integers(0, len(_DISPUTE_COMMENTS), e)
    ]
    response_comment = np.where(
        rescored,
        np.array(_RESPONSE_CHANGED, dtype=object)[rng.integers(0, len(_RESPONSE_CHANGED), e)],
        np.array(_RESPONSE_KEPT, dtype=object)[rng.integers(0, len(_RESPONSE_KEPT), e)],
    )
    no_answer = np.full(e, "Closed: no response within the review period.", dtype=object)
    steps = [
        # (step, event_type, which evaluations, actor, when, with areas, comment)
        (1, "published", np.ones(e, bool), evaluator, published, False, None),
        (2, "accepted", accepted, agent, accepted_at, False, None),
        (2, "disputed", disputed, agent, disputed_at, True, dispute_comment),
        (2, "closed", expired, evaluator, expired_at, False, no_answer),
        (3, "responded", disputed, evaluator, responded_at, False, response_comment),
        (4, "accepted", disputed & (outcome == 0), agent, outcome_at, False, None),
        (4, "closed", disputed & (outcome == 1), evaluator, outcome_at, False, None),
        (4, "disputed", disputed & (outcome == 2), agent, outcome_at, True, dispute_comment),
        (5, "responded", disputed & (outcome == 2), evaluator, responded_again_at, False, None),
    ]
    parts = []
    numbers = np.arange(1, e + 1)
    for step, event_type, which, actor, at, with_areas, comment in steps:
        keep = which & (at <= clock.end)
        nothing = np.full(int(keep.sum()), None, dtype=object)
        parts.append(
            pl.DataFrame(
                {
                    "evaluation": numbers[keep],
                    "step": np.full(int(keep.sum()), step),
                    "event_type": [event_type] * int(keep.sum()),
                    "actor_id": _strings(actor[keep]),
                    "occurred_at": at[keep],
                    "first": _strings(first_area[keep] if with_areas else nothing),
                    "second": _strings(second_area[keep] if with_areas else nothing),
                    "comment": _strings(comment[keep] if comment is not None else nothing),
                },
                schema_overrides={"occurred_at": pl.Int64},
            )
        )
    width = max(6, len(str(e)))
    reviews = (
        pl.concat(parts)
        .sort("occurred_at", "evaluation", "step")
        .select(
            pl.concat_str(
                pl.lit("rv-"),
                pl.col("evaluation").cast(pl.String).str.zfill(width),
                pl.lit("-"),
                pl.col("step").cast(pl.String),
            ).alias("event_id"),
            pl.concat_str(
                pl.lit("eval-"), pl.col("evaluation").cast(pl.String).str.zfill(width)
            ).alias("evaluation_id"),
            "event_type",
            "actor_id",
            pl.col("occurred_at"),
            pl.when(pl.col("first").is_not_null())
            .then(pl.concat_list("first", "second").list.drop_nulls())
            .alias("disputed_attribute_ids"),
            "comment",
        )
    )
    reviews = reviews.with_columns(
        _timestamps(reviews["occurred_at"].to_numpy()).alias("occurred_at")
    )

    # A re-evaluation re-scores the disputed areas in the agent's favour,
    # just before the supervisor responds.
    redo = rescored & (responded_at <= clock.end)
    evaluation = np.concatenate([np.flatnonzero(redo), np.flatnonzero(redo & two)])
    attribute = np.concatenate([lowest[redo, 0], lowest[redo & two, 1]])
    old = audits.score[evaluation, attribute]
    new = np.round(np.clip(old + rng.uniform(4.0, 15.0, evaluation.size), 0.0, 100.0), 1)
    new = np.where(new == old, old - 1.0, new)
    return reviews, _Reevaluations(
        evaluation=evaluation,
        attribute=attribute,
        evaluated_at=responded_at[evaluation] - rng.integers(60, 600, evaluation.size),
        score=new,
    )


def _evaluations_frame(
    world: _World, calls: _Calls, audits: _Audits, redo: _Reevaluations
) -> pl.DataFrame:
    e, n_attributes = len(audits), len(_ATTRIBUTES)
    evaluation = np.concatenate([np.repeat(np.arange(e), n_attributes), redo.evaluation])
    attribute = np.concatenate([np.tile(np.arange(n_attributes), e), redo.attribute])
    version = np.concatenate(
        [np.ones(e * n_attributes, np.int64), np.full(redo.evaluation.size, 2)]
    )
    evaluated_at = np.concatenate([np.repeat(audits.evaluated_at, n_attributes), redo.evaluated_at])
    score = np.concatenate([audits.score.ravel(), redo.score])
    call = audits.call[evaluation]
    width = max(6, len(str(e)))
    numbers = pl.Series(evaluation + 1).cast(pl.String).str.zfill(width)
    frame = pl.DataFrame(
        {
            "evaluation": evaluation,
            "attribute": attribute,
            "event_id": (
                "ev-"
                + numbers
                + "-"
                + pl.Series(attribute + 1).cast(pl.String)
                + "-v"
                + pl.Series(version).cast(pl.String)
            ),
            "evaluation_id": "eval-" + numbers,
            "interaction_id": calls.ids(call),
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[call]),
            "evaluator_id": pl.Series(world.evaluator_ids).gather(audits.evaluator[evaluation]),
            "interaction_at": _timestamps(calls.started[call]),
            "evaluated_at": _timestamps(evaluated_at),
            "attribute_id": pl.Series([a.attribute_id for a in _ATTRIBUTES]).gather(attribute),
            "score": score,
        }
    )
    return frame.sort("evaluated_at", "evaluation", "attribute").drop("evaluation", "attribute")


# --- coaching events (few: built in Python) ----------------------------------


class _CoachingLog:
    """Collects coaching-app events; event ids follow time order."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.events: list[tuple[int, int, dict[str, Any]]] = []

    def add(self, at: int, event_type: str, actor_id: str, **fields: Any) -> bool:
        if at > self.clock.end:
            return False  # has not happened yet
        self.events.append(
            (int(at), len(self.events), {"event_type": event_type, "actor_id": actor_id} | fields)
        )
        return True

    def frame(self) -> pl.DataFrame:
        rows = []
        for number, (at, _, event) in enumerate(sorted(self.events, key=lambda x: x[:2]), 1):
            fields = {k: v for k, v in event.items() if v is not None}
            line = {"event_id": f"ce-{number:06d}", "occurred_at": _iso(at)} | fields
            text = json.dumps(line, separators=(",", ":"))
            rows.append({"day": int(self.clock.day_of(at)), "json": text})
        return pl.DataFrame(rows, schema={"day": pl.Int64, "json": pl.String})


def _coaching_events(
    world: _World,
    clock: _Clock,
    calls: _Calls,
    scores: _Scores,
    plan: _Plan,
    rng: np.random.Generator,
) -> pl.DataFrame:
    log = _CoachingLog(clock)
    by_agent = np.argsort(calls.agent, kind="stable")
    agent_bounds = np.searchsorted(calls.agent[by_agent], np.arange(world.n + 1))
    day_bounds = calls.day_bounds(clock.days)
    attribute_ids = [a.attribute_id for a in _ATTRIBUTES]

    def margin(rows: np.ndarray, areas: list[int]) -> np.ndarray:
        """How far the worst of the areas is above target, per interaction."""
        return (scores.auto[rows][:, areas] - _TARGETS[areas]).min(axis=1)

    def lowest(agent: int, areas: list[int], day: int, limit: int) -> list[int]:
        """The agent's lowest-scoring interactions in the areas, in the 7 days before."""
        rows = by_agent[agent_bounds[agent] : agent_bounds[agent + 1]]
        rows = rows[(calls.day[rows] >= day - 7) & (calls.day[rows] < day)]
        if rows.size == 0:
            return []
        worst = margin(rows, areas)
        order = np.argsort(worst, kind="stable")
        below = order[worst[order] < 0][:limit]
        return [int(r) for r in rows[below if below.size else order[:1]]]

    def best_responses(exclude: list[int], team: int, areas: list[int], day: int) -> list[int]:
        """Two high-scoring interactions of other agents, of the team where possible."""
        rows = np.arange(day_bounds[max(day - 7, 0)], day_bounds[day])
        rows = rows[~np.isin(calls.agent[rows], exclude)]
        if rows.size == 0:
            return []
        same_team = rows[world.team[calls.agent[rows]] == team]
        if same_team.size >= 2:
            rows = same_team
        best = margin(rows, areas)
        return [int(r) for r in rows[np.argsort(-best, kind="stable")[:2]]]

    def ids(rows: list[int]) -> list[str]:
        return [f"int-{row + 1:0{calls.id_width}d}" for row in rows]

    def names(areas: list[int]) -> list[str]:
        return [attribute_ids[k] for k in areas]

    def supervisor(agent: int) -> str:
        return world.supervisor_ids[world.team[agent]]

    def hours(low: float, high: float) -> int:
        return int(rng.uniform(low, high) * _HOUR_S)

    # Manual marks from the audit screen, some dismissed a few days later.
    marked: set[tuple[int, int]] = {
        (a, k) for s in plan.assignments for a in s.agents for k in s.attributes
    }
    if clock.days > 3:
        gaps = _TARGETS - world.skill
        gaps[:, _COMPLIANCE] = -np.inf
        n_marks = min(world.n, max(3, round(MANUAL_MARKS_PER_AGENT * world.n)))
        dismissed = 0
        for agent in rng.choice(world.n, size=n_marks, replace=False).tolist():
            area = int(np.argmax(gaps[agent]))
            day = int(rng.integers(3, clock.days))
            if (agent, area) in marked:
                continue
            marked.add((agent, area))
            at = clock.at(day, rng.uniform(9.0, 17.0))
            log.add(
                at,
                "mark_created",
                supervisor(agent),
                agent_id=world.agent_ids[agent],
                attribute_ids=names([area]),
                interaction_ids=ids(lowest(agent, [area], day, 3)),
            )
            if (dismissed == 0 or rng.random() < 0.4) and log.add(
                _later(at, hours(4, 48)),
                "mark_dismissed",
                supervisor(agent),
                agent_id=world.agent_ids[agent],
                attribute_id=attribute_ids[area],
            ):
                dismissed += 1

    for group in [s.group for s in plan.assignments if s.group] + plan.pending_groups:
        created = clock.at(group.created_day, rng.uniform(14.0, 16.0))
        actor = world.supervisor_ids[group.team]
        area_names = ", ".join(_ATTRIBUTES[k].name for k in group.attributes)
        # The supervisor marks the members from the audit screen, then groups
        # them: a group's conversations are its members' marked interactions.
        for i, agent in enumerate(group.members, 1):
            log.add(
                created - 3_600 + i * 60,
                "mark_created",
                actor,
                agent_id=world.agent_ids[agent],
                attribute_ids=names(group.attributes),
                interaction_ids=ids(lowest(agent, group.attributes, group.created_day, 3)),
            )
        log.add(
            created,
            "group_created",
            actor,
            group_id=group.group_id,
            name=group.name,
            description=f"Agents below target in {area_names}",
            attribute_ids=names(group.attributes),
        )
        joining = group.members + ([group.removed] if group.removed is not None else [])
        for i, agent in enumerate(joining, 1):
            log.add(
                created + i * 120,
                "group_member_added",
                actor,
                group_id=group.group_id,
                agent_id=world.agent_ids[agent],
            )
        if group.removed is not None:
            log.add(
                _later(created, hours(1, 2)),
                "group_member_removed",
                actor,
                group_id=group.group_id,
                agent_id=world.agent_ids[group.removed],
            )

    for assignment in plan.assignments:
        group = assignment.group
        first = assignment.agents[0]
        team = group.team if group else int(world.team[first])
        actor = world.supervisor_ids[team]
        assigned_at = clock.at(assignment.day, rng.uniform(9.0, 13.0))
        own = {
            a: lowest(a, assignment.attributes, assignment.day, 3 if group else 4)
            for a in assignment.agents
        }
        best = best_responses(assignment.agents, team, assignment.attributes, assignment.day)
        if group is None and rng.random() < 0.4:  # marked by hand the day before
            log.add(
                clock.at(assignment.day - 1, rng.uniform(12.0, 18.0)),
                "mark_created",
                actor,
                agent_id=world.agent_ids[first],
                attribute_ids=names(assignment.attributes),
                interaction_ids=ids(own[first]),
            )
        main = _ATTRIBUTES[assignment.attributes[0]]
        area_names = " & ".join(_ATTRIBUTES[k].name for k in assignment.attributes)
        with_target = rng.random() < 0.7
        follow_up = clock.start + timedelta(days=assignment.day + int(rng.integers(7, 15)))
        log.add(
            assigned_at,
            "assignment_created",
            actor,
            assignment_id=assignment.assignment_id,
            name=f"{group.name}: coaching" if group else f"{area_names} - {world.names[first]}",
            agent_id=None if group else world.agent_ids[first],
            group_id=group.group_id if group else None,
            attribute_ids=names(assignment.attributes),
            interaction_ids=ids([r for rows in own.values() for r in rows]),
            best_response_interaction_ids=ids(best),
            feedback=f"{main.name} is below the target of {main.target:g} on recent interactions.",
            action_plan=(
                f"Review the marked interactions, compare them with the best responses, "
                f'and use phrasing like: "{main.good[0]}"'
            ),
            follow_up_date=follow_up.isoformat(),
            target_score=main.target if with_target else None,
            target_date=(
                (follow_up + timedelta(days=7)).isoformat()
                if with_target and rng.random() < 0.5
                else None
            ),
        )
        if assignment.deleted:
            log.add(
                _later(assigned_at, hours(1, 6)),
                "assignment_deleted",
                actor,
                assignment_id=assignment.assignment_id,
            )
            continue
        for agent in assignment.agents:
            agent_id = world.agent_ids[agent]
            if rng.random() < 0.1:
                continue  # not opened yet
            seen = _later(assigned_at, hours(1, 24))
            log.add(
                seen,
                "assignment_acknowledged",
                agent_id,
                assignment_id=assignment.assignment_id,
                agent_id=agent_id,
            )
            # The agent goes through the items one after another.
            reviewed_at = seen
            for event_type, rows, chance in (
                ("interaction_reviewed", own[agent], 0.8),
                ("best_response_reviewed", best, 0.7),
            ):
                for i, row in enumerate(rows):
                    if i == 0 or rng.random() < chance:
                        reviewed_at = _later(reviewed_at, hours(0.2, 8))
                        log.add(
                            reviewed_at,
                            event_type,
                            agent_id,
                            assignment_id=assignment.assignment_id,
                            agent_id=agent_id,
                            interaction_id=ids([row])[0],
                        )
            if rng.random() < 0.4:
                log.add(
                    _later(seen, hours(2, 48)),
                    "note_added",
                    agent_id,
                    assignment_id=assignment.assignment_id,
                    note=str(rng.choice(_NOTES_AGENT)),
                )
        for first_note, delay in ((True, hours(2, 16)), (rng.random() < 0.5, hours(32, 96))):
            if first_note:
                log.add(
                    _later(assigned_at, delay),
                    "note_added",
                    actor,
                    assignment_id=assignment.assignment_id,
                    note=str(rng.choice(_NOTES_SUPERVISOR)),
                )
    return log.frame()


# --- writing the landing zone -------------------------------------------------


class _LandingWriter:
    """Writes one file per stream per day, atomically, a few files at a time."""

    def __init__(self, root: Path, clock: _Clock, progress: Callable[[str], None] | None) -> None:
        self.root = root
        self.clock = clock
        self.progress = progress
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

    def add_interaction_days(self, world: _World, calls: _Calls, scores: _Scores) -> None:
        bounds = calls.day_bounds(self.clock.days)
        for day in range(self.clock.days):
            low, high = int(bounds[day]), int(bounds[day + 1])
            if high > low:
                self._add(
                    "interactions",
                    day,
                    ".parquet",
                    lambda path, low=low, high=high: _write_parquet(
                        path, _interactions_frame(world, calls, scores, low, high)
                    ),
                )

    def add_score_days(self, world: _World, calls: _Calls, scores: _Scores) -> None:
        bounds = calls.day_bounds(self.clock.days)
        for day in range(self.clock.days):
            low, high = int(bounds[day]), int(bounds[day + 1])
            if high > low:
                self._add(
                    "auto_qa_scores",
                    day,
                    ".jsonl.gz",
                    lambda path, low=low, high=high: _write_json(
                        path, _scores_frame(world, calls, scores, low, high)
                    ),
                )

    def _add(self, stream: str, day: int, suffix: str, write: Callable[[Path], int]) -> None:
        path = self.root / stream / f"{self.clock.iso_day(day)}{suffix}"
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
    world: _World, calls: _Calls, scores: _Scores, low: int, high: int
) -> pl.DataFrame:
    rows = np.arange(low, high)
    return pl.DataFrame(
        {
            "interaction_id": calls.ids(rows),
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[rows]),
            "queue": pl.Series(list(_QUEUES)).gather(calls.queue[rows]),
            "channel": pl.Series(_CHANNELS).gather(calls.channel[rows]),
            "started_at": _timestamps(calls.started[rows]),
            "handle_time_s": calls.handle_s[rows].astype(np.float64),
            "sentiment_score": scores.sentiment[rows],
            "topic": pl.Series(_TOPICS).gather(calls.topic[rows]),
            "intent": pl.Series([*_INTENTS, None], dtype=pl.String).gather(calls.intent[rows]),
        }
    )


def _scores_frame(
    world: _World, calls: _Calls, scores: _Scores, low: int, high: int
) -> pl.DataFrame:
    n_attributes = len(_ATTRIBUTES)
    rows = np.repeat(np.arange(low, high), n_attributes)
    attribute = np.tile(np.arange(n_attributes), high - low)
    interaction_ids = calls.ids(np.arange(low, high)).gather(rows - low)
    return pl.DataFrame(
        {
            "event_id": "aq-"
            + interaction_ids.str.slice(4)
            + "-"
            + pl.Series(attribute + 1).cast(pl.String),
            "interaction_id": interaction_ids,
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[rows]),
            "attribute_id": pl.Series([a.attribute_id for a in _ATTRIBUTES]).gather(attribute),
            "interaction_at": _timestamps(calls.started[rows]),
            "score": scores.auto[low:high].ravel(),
            "scored_at": _timestamps(scores.scored_at[rows]),
            "evidence_quote": _PHRASES.gather(scores.phrase[low:high].ravel()),
            "evidence_offset_s": scores.offset_s[low:high].ravel(),
            "model_version": pl.Series(_MODEL_VERSIONS).gather(scores.model[rows]),
        }
    )
