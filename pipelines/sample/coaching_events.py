"""What supervisors and agents do in the coaching app, from the plan and the
scores: the interactions each assignment lists (and those listed by
mistake), the audits of coached interactions, and every coaching event
(marks, groups, assignments, acknowledgments, reviews, notes). Coaching
events are few: they are built in Python, one assignment at a time."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from pipelines.sample.audits import CoachingAudit
from pipelines.sample.auto_qa import Scores
from pipelines.sample.clock import HOUR_S, Clock, id_prefix, iso, later
from pipelines.sample.coaching_plan import ALL, NONE, OUTSIDE, TEAMMATE, Assignment, Group, Plan
from pipelines.sample.interactions import Calls
from pipelines.sample.roster import World, scored_areas
from pipelines.sample.scorecard import ATTRIBUTE_IDS, ATTRIBUTES, COACHABLE, TARGETS

MANUAL_MARKS_PER_AGENT = 0.1

_NOTES_SUPERVISOR = (
    "Went through two calls together; good progress.",
    "Reminder: practise the phrasing from the best response.",
    "Follow-up booked for next week.",
)
_NOTES_AGENT = (
    "Listened to my calls, I see where I rushed.",
    "Tried the new phrasing today, customers reacted well.",
)


@dataclass(frozen=True)
class Items:
    """What an assignment lists: each coached agent's own low-scoring
    interactions, those listed by mistake, and other agents' best responses."""

    marked: dict[int, list[int]]
    stray: list[int]
    best: list[int]


class Lookup:
    """The interactions of an agent, or of a team, in the week before a day,
    ranked by how their scores in some areas compare with the targets."""

    def __init__(self, world: World, clock: Clock, calls: Calls, scores: Scores) -> None:
        self.world, self.calls, self.scores = world, calls, scores
        self.by_agent = np.argsort(calls.agent, kind="stable")
        self.agent_bounds = np.searchsorted(calls.agent[self.by_agent], np.arange(world.n + 1))
        self.day_bounds = calls.day_bounds(clock.days)

    def margin(self, rows: np.ndarray, areas: list[int]) -> np.ndarray:
        """How far the worst of the areas is above target; inf where none is scored."""
        gap = self.scores.auto[rows][:, areas] - TARGETS[areas]
        return np.where(np.isnan(gap), np.inf, gap).min(axis=1)

    def week_before(self, agent: int, day: int) -> np.ndarray:
        rows = self.by_agent[self.agent_bounds[agent] : self.agent_bounds[agent + 1]]
        return rows[(self.calls.day[rows] >= day - 7) & (self.calls.day[rows] < day)]

    def lowest(self, agent: int, areas: list[int], day: int, limit: int) -> list[int]:
        """The agent's interactions below target in the areas (else the lowest one)."""
        rows = self.week_before(agent, day)
        worst = self.margin(rows, areas)
        rows, worst = rows[np.isfinite(worst)], worst[np.isfinite(worst)]
        order = np.argsort(worst, kind="stable")
        below = order[worst[order] < 0][:limit]
        return [int(r) for r in rows[below if below.size else order[:1]]]

    def best_responses(
        self, exclude: list[int], team: int, areas: list[int], day: int
    ) -> list[int]:
        """Two high-scoring interactions of other agents, of the team where possible."""
        rows = np.arange(self.day_bounds[max(day - 7, 0)], self.day_bounds[day])
        rows = rows[~np.isin(self.calls.agent[rows], exclude)]
        rows = rows[np.isfinite(self.margin(rows, areas))]
        same_team = rows[self.world.team[self.calls.agent[rows]] == team]
        if same_team.size >= 2:
            rows = same_team
        best = self.margin(rows, areas)
        return [int(r) for r in rows[np.argsort(-best, kind="stable")[:2]]]

    def outside(self, agent: int, areas: list[int], day: int) -> list[int]:
        """The agent's call with the unhappiest customer among those scored in none of the areas."""
        rows = self.week_before(agent, day)
        rows = rows[np.isinf(self.margin(rows, areas))]
        return [int(r) for r in rows[np.argsort(self.scores.sentiment[rows], kind="stable")[:1]]]

    def teammate(self, agent: int, areas: list[int], day: int) -> list[int]:
        """A teammate's lowest interaction in the areas."""
        found = [
            (self.margin(np.array(rows), areas)[0], rows[0])
            for other in self.world.members(int(self.world.team[agent]))
            if other != agent and (rows := self.lowest(other, areas, day, 1))
        ]
        return [min(found)[1]] if found else []


def pick_items(lookup: Lookup, plan: Plan) -> list[Items]:
    """The items of each assignment of the plan, in its order."""
    picked = []
    for assignment in plan.assignments:
        areas, day = assignment.attributes, assignment.day
        group = assignment.group
        first = assignment.agents[0]
        limit = 3 if group else 4
        marked = {a: lookup.lowest(a, areas, day, limit) for a in assignment.agents}
        stray: list[int] = []
        if group is not None and group.removed is not None:
            # Listed before the agent was taken out of the group.
            stray = lookup.lowest(group.removed, areas, day, 1)
        elif assignment.stray_interaction == TEAMMATE:
            stray = lookup.teammate(first, areas, day)
        elif assignment.stray_interaction == OUTSIDE:
            stray = lookup.outside(first, areas, day)
        team = group.team if group else int(lookup.world.team[first])
        best = lookup.best_responses(assignment.agents, team, areas, day)
        picked.append(Items(marked, stray, best))
    return picked


def coaching_audits(
    world: World, plan: Plan, items: list[Items], rng: np.random.Generator
) -> list[CoachingAudit]:
    """The supervisor audits a marked interaction of some agents to go
    through it with them, within hours of the assignment."""
    audits = []
    for assignment, listed in zip(plan.assignments, items, strict=True):
        if assignment.deleted:
            continue
        for task in assignment.tasks:
            if task.audit is None or not listed.marked[task.agent]:
                continue
            audits.append(
                CoachingAudit(
                    candidates=listed.marked[task.agent],
                    at=later(assignment.assigned_at, int(rng.uniform(1.0, 4.0) * HOUR_S)),
                    evaluator=int(world.team[task.agent]),  # the team's supervisor
                    answer=task.audit,
                    answer_from=task.opened_at or assignment.assigned_at,
                )
            )
    return audits


class _CoachingLog:
    """Collects coaching-app events; event ids follow time order."""

    def __init__(self, clock: Clock, site: str) -> None:
        self.clock = clock
        self.id_start = id_prefix("ce", site)
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
            line = {"event_id": f"{self.id_start}{number:06d}", "occurred_at": iso(at)} | fields
            text = json.dumps(line, separators=(",", ":"))
            rows.append({"day": int(self.clock.day_of(at)), "json": text})
        return pl.DataFrame(rows, schema={"day": pl.Int64, "json": pl.String})


def coaching_events(
    world: World,
    clock: Clock,
    lookup: Lookup,
    plan: Plan,
    items: list[Items],
    rng: np.random.Generator,
) -> pl.DataFrame:
    log = _CoachingLog(clock, world.site)
    ids = lookup.calls.id_list

    def names(areas: list[int]) -> list[str]:
        return [ATTRIBUTE_IDS[k] for k in areas]

    def hours(low: float, high: float) -> int:
        return int(rng.uniform(low, high) * HOUR_S)

    # Manual marks from the audit screen, some dismissed a few days later.
    marked: set[tuple[int, int]] = {
        (a, k) for s in plan.assignments for a in s.agents for k in s.attributes
    }
    if clock.days > 3:
        scored = np.array([scored_areas(t)[0] & COACHABLE for t in range(len(world.team_ids))])
        gaps = np.where(scored[world.team], TARGETS - world.skill, -np.inf)
        n_marks = min(world.n, max(3, round(MANUAL_MARKS_PER_AGENT * world.n)))
        dismissed = 0
        for agent in rng.choice(world.n, size=n_marks, replace=False).tolist():
            area = int(np.argmax(gaps[agent]))
            day = int(rng.integers(3, clock.days))
            rows = lookup.lowest(agent, [area], day, 3)
            if (agent, area) in marked or not rows:
                continue
            marked.add((agent, area))
            at = clock.at(day, rng.uniform(9.0, 17.0))
            log.add(
                at,
                "mark_created",
                world.supervisor(agent),
                agent_id=world.agent_ids[agent],
                attribute_ids=names([area]),
                interaction_ids=ids(rows),
            )
            if (dismissed == 0 or rng.random() < 0.4) and log.add(
                later(at, hours(4, 48)),
                "mark_dismissed",
                world.supervisor(agent),
                agent_id=world.agent_ids[agent],
                attribute_id=ATTRIBUTE_IDS[area],
            ):
                dismissed += 1

    for group in [s.group for s in plan.assignments if s.group] + plan.pending_groups:
        _group_events(log, world, clock, lookup, group, rng)

    coached_before: set[tuple[int, int]] = set()
    for assignment, listed in zip(plan.assignments, items, strict=True):
        _assignment_events(log, world, clock, assignment, listed, coached_before, ids, rng)
        coached_before.update((a, k) for a in assignment.agents for k in assignment.attributes)
    return log.frame()


def _group_events(
    log: _CoachingLog,
    world: World,
    clock: Clock,
    lookup: Lookup,
    group: Group,
    rng: np.random.Generator,
) -> None:
    created = clock.at(group.created_day, rng.uniform(14.0, 16.0))
    actor = world.supervisor_ids[group.team]
    area_names = ", ".join(ATTRIBUTES[k].name for k in group.attributes)
    attribute_ids = [ATTRIBUTE_IDS[k] for k in group.attributes]
    # The supervisor marks the members from the audit screen, then groups
    # them: a group's conversations are its members' marked interactions.
    for i, agent in enumerate(group.members, 1):
        log.add(
            created - 3_600 + i * 60,
            "mark_created",
            actor,
            agent_id=world.agent_ids[agent],
            attribute_ids=attribute_ids,
            interaction_ids=lookup.calls.id_list(
                lookup.lowest(agent, group.attributes, group.created_day, 3)
            ),
        )
    log.add(
        created,
        "group_created",
        actor,
        group_id=group.group_id,
        name=group.name,
        description=f"Agents below target in {area_names}",
        attribute_ids=attribute_ids,
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
            later(created, int(rng.uniform(1.0, 2.0) * HOUR_S)),
            "group_member_removed",
            actor,
            group_id=group.group_id,
            agent_id=world.agent_ids[group.removed],
        )


def _assignment_events(
    log: _CoachingLog,
    world: World,
    clock: Clock,
    assignment: Assignment,
    listed: Items,
    coached_before: set[tuple[int, int]],
    ids: Callable[[list[int]], list[str]],
    rng: np.random.Generator,
) -> None:
    def hours(low: float, high: float) -> int:
        return int(rng.uniform(low, high) * HOUR_S)

    group = assignment.group
    first = assignment.agents[0]
    actor = world.supervisor_ids[group.team if group else int(world.team[first])]
    assigned_at = assignment.assigned_at
    areas = assignment.attributes
    listed_areas = areas + ([assignment.stray_area] if assignment.stray_area is not None else [])
    names = [ATTRIBUTE_IDS[k] for k in listed_areas]
    again = any((first, k) in coached_before for k in areas)
    if group is None and not again and rng.random() < 0.4:  # marked by hand the day before
        log.add(
            clock.at(assignment.day - 1, rng.uniform(12.0, 18.0)),
            "mark_created",
            actor,
            agent_id=world.agent_ids[first],
            attribute_ids=[ATTRIBUTE_IDS[k] for k in areas],
            interaction_ids=ids(listed.marked[first]),
        )
    main = ATTRIBUTES[areas[0]]
    area_names = " & ".join(ATTRIBUTES[k].name for k in listed_areas)
    follow_up = clock.start + timedelta(days=assignment.follow_up_day)
    log.add(
        assigned_at,
        "assignment_created",
        actor,
        assignment_id=assignment.assignment_id,
        name=f"{group.name}: coaching" if group else f"{area_names} - {world.names[first]}",
        agent_id=None if group else world.agent_ids[first],
        group_id=group.group_id if group else None,
        attribute_ids=names,
        interaction_ids=ids([r for rows in listed.marked.values() for r in rows] + listed.stray),
        best_response_interaction_ids=ids(listed.best),
        feedback=(
            f"{main.name} is below the target of {main.target:g} on recent interactions."
            if not again
            else f"{main.name} is still below the target of {main.target:g}; let's try again."
        ),
        action_plan=(
            f"Review the marked interactions, compare them with the best responses, "
            f'and use phrasing like: "{main.good[0]}"'
        ),
        follow_up_date=follow_up.isoformat(),
        target_score=main.target if assignment.with_target else None,
        target_date=(
            (clock.start + timedelta(days=assignment.target_day)).isoformat()
            if assignment.target_day is not None
            else None
        ),
    )
    if assignment.deleted:
        log.add(
            later(assigned_at, hours(1, 6)),
            "assignment_deleted",
            actor,
            assignment_id=assignment.assignment_id,
        )
        return
    for task in assignment.tasks:
        if task.opened_at is None:
            continue  # not opened
        agent_id = world.agent_ids[task.agent]
        log.add(
            task.opened_at,
            "assignment_acknowledged",
            agent_id,
            assignment_id=assignment.assignment_id,
            agent_id=agent_id,
        )
        # The agent goes through the items one after another.
        items = [("interaction_reviewed", r) for r in listed.marked[task.agent]] + [
            ("best_response_reviewed", r) for r in listed.best
        ]
        if task.reviews == NONE or not items:
            count = 0
        elif task.reviews == ALL or len(items) == 1:
            count = len(items)
        else:
            count = int(rng.integers(1, len(items)))
        reviewed_at = task.opened_at
        for event_type, row in items[:count]:
            reviewed_at = later(reviewed_at, hours(0.2, 8))
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
                later(task.opened_at, hours(2, 48)),
                "note_added",
                agent_id,
                assignment_id=assignment.assignment_id,
                note=str(rng.choice(_NOTES_AGENT)),
            )
    for first_note, delay in ((True, hours(2, 16)), (rng.random() < 0.5, hours(32, 96))):
        if first_note:
            log.add(
                later(assigned_at, delay),
                "note_added",
                actor,
                assignment_id=assignment.assignment_id,
                note=str(rng.choice(_NOTES_SUPERVISOR)),
            )
