"""Auto QA: how good every interaction truly was, on each attribute of its
queue's scorecard, and what the Auto QA engine scored (vectorised over all
interactions at once).

A true score is the agent's level in the attribute, plus how the call went,
plus drifts that have nothing to do with coaching: each team's own (a new
price plan that trips every agent of a team in one area, a team training that
lifts one; uncoached teammates show it as well), each agent's form from day
to day, and what coaching did (the plan's effect).
"""

from dataclasses import dataclass

import numpy as np

from pipelines.sample.clock import DAY_S, HOUR_S, Clock
from pipelines.sample.coaching_plan import Plan
from pipelines.sample.interactions import Calls
from pipelines.sample.roster import SKILL_ABOVE_TARGET, World, scored_areas
from pipelines.sample.scorecard import (
    ATTRIBUTES,
    COACHABLE,
    COMPLIANCE,
    DRIFTING_ATTRIBUTE,
    NOISE_SD,
    QUALITY_LOADING,
    QUEUE_SENTIMENT,
    SCORED,
    TARGETS,
    WEIGHTS,
)

MODEL_VERSIONS = ("autoqa-2.3.1", "autoqa-2.4.0")
_MODEL_UPGRADE_BIAS = 3.0  # the upgraded model scores DRIFTING_ATTRIBUTE this much higher
_TEAM_DRIFT_SD = 0.2  # a team's daily step in each area
_TEAM_CHANGE = (2.0, 3.5)  # points a team-wide change moves one area
_FORM_SD = 0.25  # an agent's daily step in every area


@dataclass(frozen=True)
class Scores:
    scored: np.ndarray  # (interaction, attribute): on the interaction's queue's scorecard
    true: np.ndarray  # (interaction, attribute): what a careful human would score
    auto: np.ndarray  # (interaction, attribute): the Auto QA score; NaN where not scored
    scored_at: np.ndarray
    offset_s: np.ndarray  # (interaction, attribute)
    phrase: np.ndarray  # (interaction, attribute) index into PHRASES
    model: np.ndarray  # index into MODEL_VERSIONS
    sentiment: np.ndarray


def score_interactions(
    world: World, clock: Clock, calls: Calls, plan: Plan, rng: np.random.Generator
) -> Scores:
    m, n_attributes = len(calls), len(ATTRIBUTES)
    quality = rng.normal(0.0, 5.0, m)  # a good or bad interaction lifts or sinks every area
    drift = _team_drift(world, clock, rng)
    form = np.cumsum(rng.normal(0.0, _FORM_SD, (world.n, clock.days)), axis=1)
    true = (
        world.skill[calls.agent]
        + quality[:, None] * QUALITY_LOADING
        + rng.normal(0.0, 1.0, (m, n_attributes)) * NOISE_SD
        + drift[world.team_on(calls.agent, calls.day), calls.day]
        + form[calls.agent, calls.day][:, None] * COACHABLE
        + plan.effect[calls.agent, :, calls.day]
    )
    breach = rng.random(m) < world.breach_p[calls.agent]
    true[breach, COMPLIANCE] = rng.uniform(20.0, 70.0, int(breach.sum()))
    true = np.clip(true, 0.0, 100.0)
    scored = SCORED[calls.queue]

    upgrade_day = max(1, round(clock.days * 2 / 3))
    model = (calls.day >= upgrade_day).astype(np.int64)
    machine_sd = np.where(np.arange(n_attributes) == COMPLIANCE, 0.5, 3.0)
    auto = true + rng.normal(0.0, 1.0, (m, n_attributes)) * machine_sd
    auto[:, DRIFTING_ATTRIBUTE] += _MODEL_UPGRADE_BIAS * model
    auto = np.where(scored, np.round(np.clip(auto, 0.0, 100.0), 1), np.nan)

    weights = WEIGHTS * COACHABLE / (WEIGHTS * COACHABLE).sum()
    reference = float((TARGETS + SKILL_ABOVE_TARGET) @ weights)
    sentiment = (
        5.6
        + (true @ weights - reference) / 4.0
        + QUEUE_SENTIMENT[calls.queue]
        + rng.normal(0.0, 1.0, m)
    )
    below = auto < TARGETS
    phrase = (
        np.arange(n_attributes) * 6 + below * 3 + rng.integers(0, 3, (m, n_attributes))
    ).astype(np.int64)
    handle = calls.handle_s.astype(np.int64)
    return Scores(
        scored=scored,
        true=true,
        auto=auto,
        # Scored minutes to hours later, by the end of the interaction's day.
        scored_at=np.minimum(
            calls.started + handle + rng.integers(120, 3 * HOUR_S, m),
            clock.epoch0 + (calls.day + 1) * DAY_S - 1,
        ),
        offset_s=(rng.random((m, n_attributes)) * handle[:, None]).astype(np.int64),
        phrase=phrase,
        model=model,
        sentiment=np.round(np.clip(sentiment, 1.0, 10.0), 1),
    )


def _team_drift(world: World, clock: Clock, rng: np.random.Generator) -> np.ndarray:
    """(team, day, attribute): each team's random walk in every area, and in
    one area of about half the teams a change from some day on."""
    n_teams = len(world.team_ids)
    drift = np.cumsum(rng.normal(0.0, _TEAM_DRIFT_SD, (n_teams, clock.days, len(ATTRIBUTES))), 1)
    days = np.arange(clock.days)
    for team in range(n_teams):
        changes, area, start, size = (
            rng.random() < 0.5,
            int(rng.choice(np.flatnonzero(scored_areas(team)[0] & COACHABLE))),
            int(rng.integers(clock.days // 3, max(clock.days // 3, clock.days - 4) + 1)),
            rng.uniform(*_TEAM_CHANGE) * rng.choice((-1.0, 1.0)),
        )
        if changes:
            drift[team, :, area] += size * np.clip((days - start) / 3.0, 0.0, 1.0)
    drift[:, :, COMPLIANCE] = 0.0
    return drift
