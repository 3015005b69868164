"""The coaching plan: who is coached on what and when, how each agent takes
it, and what that does to the agent's scores.

Decided before any score is drawn, because it shapes them. An agent's
engagement (acknowledging the assignment, reviewing its items) scales the
effect of coaching, and agents differ in how much it moves them: for most it
helps, for some it helps little, for a few it fails and their scores fall.
Agents who never open their assignment do not improve.

Beside the random casting, a sample long enough to show them tells each
story a supervisor meets, on the days where the warehouse can see it: an
agent who improves past the target, one who never opens the assignment, one
whose scores fall, one coached and then away for the last week, agents who
plateau (coached twice on one area, still sliding), an agent who disputes
the audit of a coached interaction, and one who has not yet opened an
audited assignment. Supervisors make mistakes too: an area the agent is not
scored in, a teammate's interaction, or one outside the areas, listed on an
assignment.
"""

from dataclasses import dataclass, field

import numpy as np

from pipelines.sample.clock import DAY_S, HOUR_S, Clock, id_prefix, later
from pipelines.sample.roster import World, scored_areas, team_queues
from pipelines.sample.scorecard import ATTRIBUTES, COACHABLE, SCORED, TARGETS

INDIVIDUAL_COACHING_SHARE = 0.4  # share of agents given an individual assignment
AGENTS_PER_GROUP = 13  # one group assignment per this many agents
PLATEAU_SHARE = 0.025  # share of agents coached twice on one area without improvement
FIRST_ASSIGNMENT_DAY = 7  # a full week of scores before the first assignment
SPILL = 0.4  # share of a coached area's change that reaches the agent's other areas

# How much of the items an agent reviews
NONE, SOME, ALL = "none", "some", "all"
_ENGAGEMENT = {NONE: 0.25, SOME: 0.625, ALL: 1.0}  # once opened
# How the agent answers the supervisor's audit of a coached interaction
ACCEPTED, DISPUTED, UNANSWERED = "accepted", "disputed", "unanswered"
# Supervisors' mistakes: an interaction listed that is a teammate's, or one
# not scored in any of the assignment's areas
TEAMMATE, OUTSIDE = "teammate", "outside"


@dataclass
class Group:
    group_id: str
    name: str
    team: int
    attributes: list[int]
    members: list[int]
    removed: int | None  # added, then removed before dispatch
    created_day: int


@dataclass
class Task:
    """One agent's part of an assignment, and how the agent takes it."""

    agent: int
    opened_at: int | None  # when the agent acknowledges it; None: never
    reviews: str  # NONE, SOME or ALL of the items
    audit: str | None  # a marked interaction is audited: how the agent answers
    responsiveness: float  # at full engagement, 1 lifts an area 5 points past its target
    slump: float = 0.0  # points every area falls as the coaching fails
    slide: float = 0.0  # points a day the coached areas fall from the assignment on


@dataclass
class Assignment:
    assignment_id: str
    day: int
    assigned_at: int
    attributes: list[int]  # the coached areas
    tasks: list[Task]
    follow_up_day: int
    target_day: int | None
    with_target: bool
    group: Group | None = None
    deleted: bool = False
    stray_area: int | None = None  # listed by mistake: the agent is not scored in it
    stray_interaction: str | None = None  # TEAMMATE or OUTSIDE: listed by mistake

    @property
    def agents(self) -> list[int]:
        return [task.agent for task in self.tasks]


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    pending_groups: list[Group] = field(default_factory=list)
    # (agent, attribute, day): what coaching adds to the agent's level
    effect: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))


@dataclass(frozen=True)
class _Role:
    """A story cast on one individual assignment: its days and how it goes."""

    first_day: int
    last_day: int
    opens_within_h: float | None  # None: never opened
    reviews: str
    audit: str | None = None
    responsiveness: tuple[float, float] = (0.7, 1.2)
    slump: bool = False
    plateau: bool = False
    away: bool = False  # the agent away for the last week


def plan_coaching(world: World, clock: Clock, rng: np.random.Generator) -> Plan:
    plan = Plan(effect=np.zeros((world.n, len(ATTRIBUTES), clock.days)))
    if clock.days < 3:
        return plan
    low = FIRST_ASSIGNMENT_DAY if clock.days > FIRST_ASSIGNMENT_DAY + 2 else max(1, clock.days // 2)
    eligible = np.array([a for a in range(world.n) if a != world.mover], dtype=np.int64)
    if eligible.size == 0:
        return plan
    gaps = TARGETS[None, :] - world.skill
    # (team, attribute): areas the team's calls are scored in, and in both its queues
    areas_any = np.array([scored_areas(t)[0] & COACHABLE for t in range(len(world.team_ids))])
    areas_all = np.array([scored_areas(t)[1] & COACHABLE for t in range(len(world.team_ids))])
    worst_gap = np.where(areas_any[world.team], gaps, -np.inf).max(axis=1)

    roles = _cast(world, clock, low)
    agents = _individuals(world, eligible, worst_gap, roles, rng)
    coached: set[tuple[int, int]] = set()
    individual: list[Assignment] = []
    for i, agent in enumerate(agents):
        role = roles[i] if i < len(roles) else None
        # A plateau needs many scores of the area: one both queues score.
        allowed = (areas_all if role is not None and role.plateau else areas_any)[world.team[agent]]
        order = [int(k) for k in np.argsort(-gaps[agent], kind="stable") if allowed[k]]
        if not order:
            continue
        areas = order[:1]
        if role is None and len(order) > 1 and gaps[agent, order[1]] > 0 and rng.random() < 0.35:
            areas.append(order[1])
        coached.update((agent, k) for k in areas)
        if role is None:
            day = int(rng.integers(low, clock.last_day + 1))
            assignment = _assignment(clock, day, areas, rng)
            assignment.tasks = [_random_task(agent, assignment.assigned_at, rng)]
            individual.append(assignment)
            continue
        day = int(rng.integers(role.first_day, role.last_day + 1))
        assignment = _assignment(clock, day, areas, rng)
        assignment.tasks = [_cast_task(agent, role, assignment.assigned_at, rng)]
        individual.append(assignment)
        if role.plateau:
            # Coached again on the area when the first round did not help.
            again = _assignment(clock, day + 8 + int(rng.integers(0, 2)), areas, rng)
            again.tasks = [_cast_task(agent, role, again.assigned_at, rng)]
            again.tasks[0].reviews, again.tasks[0].slide = NONE, 0.0
            individual.append(again)
    _make_mistakes(world, individual, areas_any, rng)

    groups = _plan_groups(world, clock, low, gaps, areas_all, coached, plan, rng)
    assignments = individual + groups
    if len(individual) >= 2:
        # Made by mistake, and deleted by the supervisor within hours.
        agent = int(rng.choice(eligible))
        area = int(np.argmax(np.where(areas_any[world.team[agent]], gaps[agent], -np.inf)))
        deleted = _assignment(clock, int(rng.integers(low, clock.last_day + 1)), [area], rng)
        deleted.tasks, deleted.deleted = [Task(agent, None, NONE, None, 0.0)], True
        assignments.append(deleted)

    plan.assignments = sorted(
        assignments, key=lambda s: (s.day, s.group is not None, s.agents[0], s.assigned_at)
    )
    for number, assignment in enumerate(plan.assignments, start=1):
        assignment.assignment_id = f"{id_prefix('asg', world.site)}{number:04d}"
    all_groups = [s.group for s in plan.assignments if s.group] + plan.pending_groups
    for number, group in enumerate(all_groups, start=1):
        group.group_id = f"{id_prefix('grp', world.site)}{number:03d}"
    _add_effects(plan, world, clock, gaps, rng)
    return plan


def _cast(world: World, clock: Clock, low: int) -> list[_Role]:
    """The stories, each within the days where it shows: ``Improvement`` and
    ``Action Required`` need the deadline (at most 14 days after the
    assignment) past, a plateau two assignments at least 7 days old, a
    pending review the last days."""
    last = clock.last_day
    roles: list[_Role] = []
    if world.away is not None:
        # Reviews done before leaving; nothing scored in the current window.
        roles.append(_Role(low, world.away_from - 4, 12.0, ALL, away=True))
    # Coached twice on one area (8 days apart), and the area keeps sliding.
    plateau = _Role(low, last - 16, 12.0, SOME, responsiveness=(-0.1, 0.1), plateau=True)
    roles += [plateau] * max(1, round(PLATEAU_SHARE * world.n))
    roles += [
        # Goes through everything and improves past the target.
        _Role(low, last - 15, 12.0, ALL, responsiveness=(1.0, 1.3)),
        # Works through some of it and improves.
        _Role(low, last - 8, 24.0, SOME, responsiveness=(0.9, 1.2)),
        # Never opens it.
        _Role(low, last - 15, None, NONE, responsiveness=(0.0, 0.0)),
        # Works on it, and every area falls.
        _Role(low, last - 15, 24.0, SOME, ACCEPTED, responsiveness=(-0.9, -0.6), slump=True),
        # Disputes the audit of a coached interaction at once; the supervisor
        # answers at the next session, days later: pending on the last day.
        _Role(last - 2, last - 1, 4.0, SOME, DISPUTED),
        # Has not opened it, nor answered the audit of a coached interaction.
        _Role(last - 2, last, None, NONE, UNANSWERED),
    ]
    return [role for role in roles if low <= role.first_day <= role.last_day]


def _individuals(
    world: World,
    eligible: np.ndarray,
    worst_gap: np.ndarray,
    roles: list[_Role],
    rng: np.random.Generator,
) -> list[int]:
    """The agents given an individual assignment, in the order of the roles
    they play (the rest after them)."""
    count = min(eligible.size, max(1, round(INDIVIDUAL_COACHING_SHARE * world.n)))
    weight = np.clip(worst_gap[eligible], 0.0, None) + 0.5
    chosen = [int(a) for a in rng.choice(eligible, count, replace=False, p=weight / weight.sum())]
    away = world.away if any(role.away for role in roles) else None
    if away in chosen:
        chosen.remove(away)
    elif away is not None:
        chosen.pop()
    # The stories of a score that moves go to the agents furthest below target.
    chosen.sort(key=lambda a: -worst_gap[a])
    return ([away] if away is not None else []) + chosen


def _assignment(clock: Clock, day: int, areas: list[int], rng: np.random.Generator) -> Assignment:
    follow_up = day + int(rng.integers(7, 11))
    with_target = bool(rng.random() < 0.7)
    return Assignment(
        assignment_id="",
        day=day,
        assigned_at=clock.at(day, rng.uniform(9.0, 13.0)),
        attributes=areas,
        tasks=[],
        follow_up_day=follow_up,
        target_day=follow_up + int(rng.integers(0, 5))
        if with_target and rng.random() < 0.4
        else None,
        with_target=with_target,
    )


def _opened(assigned_at: int, within_h: float, rng: np.random.Generator) -> int:
    return later(assigned_at, int(rng.uniform(1.0, within_h) * HOUR_S))


def _cast_task(agent: int, role: _Role, assigned_at: int, rng: np.random.Generator) -> Task:
    opened = None if role.opens_within_h is None else _opened(assigned_at, role.opens_within_h, rng)
    return Task(
        agent=agent,
        opened_at=opened,
        reviews=role.reviews,
        audit=role.audit,
        responsiveness=float(rng.uniform(*role.responsiveness)),
        slump=float(rng.uniform(3.0, 5.0)) if role.slump else 0.0,
        slide=float(rng.uniform(0.35, 0.45)) if role.plateau else 0.0,
    )


def _random_task(
    agent: int, assigned_at: int, rng: np.random.Generator, audit_share: float = 0.35
) -> Task:
    engagement = rng.random()
    opened = None if engagement < 0.15 else _opened(assigned_at, 24.0, rng)
    reviews = NONE if engagement < 0.25 else SOME if engagement < 0.6 else ALL
    audit = None
    if rng.random() < audit_share:
        audit = UNANSWERED if opened is None else ACCEPTED if rng.random() < 0.75 else DISPUTED
    kind = rng.random()
    if kind < 0.7:
        responsiveness = rng.uniform(0.7, 1.3)  # coaching helps
    elif kind < 0.88:
        responsiveness = rng.uniform(0.0, 0.3)  # it helps little
    else:
        responsiveness = rng.uniform(-0.7, -0.3)  # it fails
    return Task(agent, opened, reviews, audit, float(responsiveness))


def _make_mistakes(
    world: World, assignments: list[Assignment], areas_any: np.ndarray, rng: np.random.Generator
) -> None:
    """One assignment lists an interaction outside its areas (where the
    agent's queues have one), one a teammate's interaction, one an area the
    agent is not scored in. The mistakes change no story: dispatch removes
    what they list."""
    free = [assignments[i] for i in rng.permutation(len(assignments))]
    for mistake in (OUTSIDE, TEAMMATE, "area"):
        for assignment in free:
            team = world.team[assignment.agents[0]]
            unscored = np.flatnonzero(~areas_any[team] & COACHABLE)
            if mistake == "area" and unscored.size:
                assignment.stray_area = int(rng.choice(unscored))
            elif mistake == TEAMMATE and len(world.members(int(team))) >= 2:
                assignment.stray_interaction = TEAMMATE
            elif mistake == OUTSIDE and _has_queue_outside(int(team), assignment.attributes):
                assignment.stray_interaction = OUTSIDE
            else:
                continue
            free.remove(assignment)
            break


def _has_queue_outside(team: int, areas: list[int]) -> bool:
    """Whether one of the team's queues scores none of the areas."""
    return any(not SCORED[queue, areas].any() for queue in team_queues(team))


def _plan_groups(
    world: World,
    clock: Clock,
    low: int,
    gaps: np.ndarray,
    areas_all: np.ndarray,
    coached: set[tuple[int, int]],
    plan: Plan,
    rng: np.random.Generator,
) -> list[Assignment]:
    groups: list[Assignment] = []
    team_order = rng.permutation(len(world.team_ids))
    n_groups = max(1, round(world.n / AGENTS_PER_GROUP))
    for g in range(n_groups):
        # The team's area with the most agents near or below target, taking the
        # next team when one has fewer than two agents left to coach.
        best: tuple[int, int, list[int]] | None = None
        for attempt in range(len(team_order)):
            team = int(team_order[(g + attempt) % len(team_order)])
            pool = [a for a in world.members(team) if a != world.away]
            for k in rng.permutation(np.flatnonzero(areas_all[team])).tolist():
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
        assignment = _assignment(clock, int(rng.integers(low, clock.last_day + 1)), [area], rng)
        assignment.group = Group(
            group_id="",
            name=f"{ATTRIBUTES[area].name} huddle {g + 1} ({world.team_ids[team]})",
            team=team,
            attributes=[area],
            members=members,
            removed=removed,
            created_day=assignment.day - 1,
        )
        assignment.tasks = [
            _random_task(a, assignment.assigned_at, rng, audit_share=0.15) for a in members
        ]
        groups.append(assignment)

    # A group still being put together on the last day: never dispatched.
    team = int(team_order[-1])
    area = int(rng.choice(np.flatnonzero(areas_all[team])))
    pending = [a for a in world.members(team) if (a, area) not in coached]
    pending.sort(key=lambda a: -gaps[a, area])
    if len(pending) >= 2:
        plan.pending_groups.append(
            Group(
                group_id="",
                name=f"{ATTRIBUTES[area].name} huddle {n_groups + 1} ({world.team_ids[team]})",
                team=team,
                attributes=[area],
                members=pending[:2],
                removed=None,
                created_day=clock.last_day,
            )
        )
    return groups


def _add_effects(
    plan: Plan, world: World, clock: Clock, gaps: np.ndarray, rng: np.random.Generator
) -> None:
    """What each task does to the agent's levels, from the moment the agent
    opens it: an engaged, responsive agent's coached areas rise past their
    target and the rest follow a little; a slump sinks every area; a plateau
    slides."""
    days = np.arange(clock.days)
    for assignment in plan.assignments:
        if assignment.deleted:
            continue
        areas = assignment.attributes
        for task in assignment.tasks:
            agent = task.agent
            engagement = 0.0 if task.opened_at is None else _ENGAGEMENT[task.reviews]
            onset = (task.opened_at or assignment.assigned_at) - clock.epoch0
            after = np.clip(days - onset / DAY_S, 0.0, None)
            ramp = 1.0 - np.exp(-after / rng.uniform(1.0, 3.0))
            room = np.clip(gaps[agent, areas], 0.0, None) + 5.0
            gain = engagement * task.responsiveness * room + rng.normal(0.0, 1.0, len(areas))
            others = COACHABLE.copy()
            others[areas] = False
            effect = plan.effect[agent]
            effect[areas] += gain[:, None] * ramp
            effect[others] += (SPILL * gain.mean() - task.slump) * ramp
            effect[areas] -= task.slump * ramp
            effect[areas] -= task.slide * np.clip(days - assignment.day, 0, None)
