"""Supervisor audits and the Accept & Dispute workflow: evaluations of a
sample of interactions (on their queue's scorecard), the audits supervisors
make of coached interactions, each evaluation's review log, and the
re-evaluations after disputes."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.sample.auto_qa import Scores
from pipelines.sample.clock import DAY_S, HOUR_S, Clock, id_prefix, later, strings, timestamps
from pipelines.sample.coaching_plan import ACCEPTED, DISPUTED
from pipelines.sample.interactions import Calls
from pipelines.sample.roster import QA_ANALYSTS, World
from pipelines.sample.scorecard import ATTRIBUTE_IDS, ATTRIBUTES, COMPLIANCE

AUDIT_RATE = 0.05  # share of interactions a supervisor or QA analyst audits

# How an agent answers an evaluation
_ACCEPTS, _DISPUTES, _SILENT = 0, 1, 2
_ANSWERS = {ACCEPTED: _ACCEPTS, DISPUTED: _DISPUTES}

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


@dataclass(frozen=True)
class CoachingAudit:
    """A supervisor's audit of one of an assignment's marked interactions, to
    go through it with the agent."""

    candidates: list[int]  # the marked interactions, the preferred one first
    at: int
    evaluator: int  # index into World.evaluator_ids
    answer: str  # ACCEPTED, DISPUTED or UNANSWERED
    answer_from: int  # the agent answers once the assignment is opened


@dataclass(frozen=True)
class Audits:
    """Evaluations (first versions), sorted by evaluated_at: row e is number e + 1."""

    call: np.ndarray
    evaluated_at: np.ndarray
    evaluator: np.ndarray  # index into World.evaluator_ids
    score: np.ndarray  # (evaluation, attribute); NaN where not on the scorecard
    answer: np.ndarray  # how the agent answers
    answer_from: np.ndarray  # not before this moment
    coaching: np.ndarray  # audited for a coaching session

    def __len__(self) -> int:
        return len(self.call)


def audit(
    world: World,
    clock: Clock,
    calls: Calls,
    scores: Scores,
    coaching: list[CoachingAudit],
    rng: np.random.Generator,
) -> Audits:
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
    latest = np.maximum(soonest + 600, clock.epoch0 + day * DAY_S + int(21.5 * HOUR_S))
    same_day = soonest + (rng.random(call.size) * (latest - soonest)).astype(np.int64)
    later_day = clock.epoch0 + (day + lag[call]) * DAY_S + rng.integers(8 * HOUR_S, 18 * HOUR_S)
    evaluated_at = np.where(lag[call] == 0, same_day, later_day)
    team = world.team_on(calls.agent[call], day)
    by_analyst = rng.random(call.size) < 0.2
    evaluator = np.where(
        by_analyst, len(world.team_ids) + rng.integers(0, len(QA_ANALYSTS), call.size), team
    )
    response = rng.random(call.size)
    answer = np.select([response < 0.76, response < 0.9], [_ACCEPTS, _DISPUTES], _SILENT)

    # A coached interaction is audited once: the first one not audited already.
    taken = set(call.tolist())
    picked = []
    for request in coaching:
        row = next((r for r in request.candidates if r not in taken), None)
        if row is not None:
            taken.add(row)
            picked.append((row, request))
    for_coaching = np.repeat([False, True], [call.size, len(picked)])
    answer_from = np.zeros(call.size, np.int64)

    def add(column: np.ndarray, values: list[int]) -> np.ndarray:
        return np.concatenate([column, np.array(values, dtype=np.int64)])

    call = add(call, [row for row, _ in picked])
    evaluated_at = add(evaluated_at, [r.at for _, r in picked])
    evaluator = add(evaluator, [r.evaluator for _, r in picked])
    answer = add(answer, [_ANSWERS.get(r.answer, _SILENT) for _, r in picked])
    answer_from = add(answer_from, [r.answer_from for _, r in picked])

    human_sd = np.where(np.arange(len(ATTRIBUTES)) == COMPLIANCE, 1.0, 4.0)
    score = (
        scores.true[call]
        + rng.normal(0.0, 1.0, (call.size, len(ATTRIBUTES))) * human_sd
        + world.evaluator_bias[evaluator][:, None]
    )
    score = np.where(scores.scored[call], np.round(np.clip(score, 0.0, 100.0), 1), np.nan)

    done = evaluated_at <= clock.end  # recent interactions are not audited yet
    order = np.lexsort((call[done], evaluated_at[done]))
    return Audits(
        call=call[done][order],
        evaluated_at=evaluated_at[done][order],
        evaluator=evaluator[done][order],
        score=score[done][order],
        answer=answer[done][order],
        answer_from=answer_from[done][order],
        coaching=for_coaching[done][order],
    )


@dataclass(frozen=True)
class Reevaluations:
    evaluation: np.ndarray
    attribute: np.ndarray
    evaluated_at: np.ndarray
    score: np.ndarray


def review(
    world: World, clock: Clock, calls: Calls, audits: Audits, rng: np.random.Generator
) -> tuple[pl.DataFrame, Reevaluations]:
    """The review log of every evaluation, and the re-evaluations after disputes."""
    e = len(audits)

    def hours(low: float, high: float) -> np.ndarray:
        return rng.integers(int(low * HOUR_S), int(high * HOUR_S), e)

    published = later(audits.evaluated_at, rng.integers(5 * 60, 60 * 60, e))
    # A coached agent answers while going through the assignment; the
    # supervisor answers a dispute of it at the next session, days later.
    seen = np.maximum(published, audits.answer_from)
    answer_delay = np.where(audits.coaching, hours(1, 8), hours(1, 24))
    response_delay = np.where(audits.coaching, hours(48, 80), hours(1, 24))
    accepted = audits.answer == _ACCEPTS
    disputed = audits.answer == _DISPUTES
    # The agent never answers: most are closed after a few days.
    expired = (audits.answer == _SILENT) & (rng.random(e) < 0.7)
    expired_at = later(published, hours(48, 80))
    rescored = disputed & (rng.random(e) < 0.5)
    accepted_at = later(seen, np.where(audits.coaching, answer_delay, hours(1, 32)))
    disputed_at = later(seen, answer_delay)
    responded_at = later(disputed_at, response_delay)
    outcome = rng.choice(3, size=e, p=(0.6, 0.2, 0.2))  # accepted, closed, disputed again
    outcome_at = later(responded_at, hours(1, 32))
    responded_again_at = later(outcome_at, hours(1, 24))
    if e and not (rescored & (responded_at <= clock.end)).any():
        first = 0  # make sure the sample shows one dispute that changed a score
        accepted[first], expired[first] = False, False
        disputed[first], rescored[first] = True, True
        disputed_at[first] = later(published[first], HOUR_S)
        responded_at[first] = later(disputed_at[first], HOUR_S)
        outcome_at[first] = later(responded_at[first], HOUR_S)

    # Agents dispute their lowest audited area, sometimes the two lowest.
    audited_areas = np.nan_to_num(audits.score, nan=np.inf)
    audited_areas[:, COMPLIANCE] = np.inf
    lowest = np.argsort(audited_areas, axis=1, kind="stable")[:, :2]
    two = rng.random(e) < 0.35

    agent = np.array(world.agent_ids, dtype=object)[calls.agent[audits.call]]
    evaluator = np.array(world.evaluator_ids, dtype=object)[audits.evaluator]
    attribute_ids = np.array(ATTRIBUTE_IDS, dtype=object)
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
                    "actor_id": strings(actor[keep]),
                    "occurred_at": at[keep],
                    "first": strings(first_area[keep] if with_areas else nothing),
                    "second": strings(second_area[keep] if with_areas else nothing),
                    "comment": strings(comment[keep] if comment is not None else nothing),
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
                pl.lit(id_prefix("rv", world.site)),
                pl.col("evaluation").cast(pl.String).str.zfill(width),
                pl.lit("-"),
                pl.col("step").cast(pl.String),
            ).alias("event_id"),
            pl.concat_str(
                pl.lit(id_prefix("eval", world.site)),
                pl.col("evaluation").cast(pl.String).str.zfill(width),
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
        timestamps(reviews["occurred_at"].to_numpy()).alias("occurred_at")
    )

    # A re-evaluation re-scores the disputed areas in the agent's favour,
    # just before the supervisor responds.
    redo = rescored & (responded_at <= clock.end)
    evaluation = np.concatenate([np.flatnonzero(redo), np.flatnonzero(redo & two)])
    attribute = np.concatenate([lowest[redo, 0], lowest[redo & two, 1]])
    old = audits.score[evaluation, attribute]
    new = np.round(np.clip(old + rng.uniform(4.0, 15.0, evaluation.size), 0.0, 100.0), 1)
    new = np.where(new == old, old - 1.0, new)
    return reviews, Reevaluations(
        evaluation=evaluation,
        attribute=attribute,
        evaluated_at=responded_at[evaluation] - rng.integers(60, 600, evaluation.size),
        score=new,
    )


def evaluations_frame(
    world: World, calls: Calls, audits: Audits, redo: Reevaluations
) -> pl.DataFrame:
    evaluation, attribute = np.nonzero(~np.isnan(audits.score))  # the queue's scorecard
    evaluation = np.concatenate([evaluation, redo.evaluation])
    attribute = np.concatenate([attribute, redo.attribute])
    first = np.ones(evaluation.size - redo.evaluation.size, np.int64)
    version = np.concatenate([first, np.full(redo.evaluation.size, 2)])
    evaluated_at = np.concatenate(
        [audits.evaluated_at[evaluation[: first.size]], redo.evaluated_at]
    )
    score = np.concatenate(
        [audits.score[evaluation[: first.size], attribute[: first.size]], redo.score]
    )
    call = audits.call[evaluation]
    width = max(6, len(str(len(audits))))
    numbers = pl.Series(evaluation + 1).cast(pl.String).str.zfill(width)
    frame = pl.DataFrame(
        {
            "evaluation": evaluation,
            "attribute": attribute,
            "event_id": (
                id_prefix("ev", world.site)
                + numbers
                + "-"
                + pl.Series(attribute + 1).cast(pl.String)
                + "-v"
                + pl.Series(version).cast(pl.String)
            ),
            "evaluation_id": id_prefix("eval", world.site) + numbers,
            "interaction_id": calls.ids(call),
            "agent_id": pl.Series(world.agent_ids).gather(calls.agent[call]),
            "evaluator_id": pl.Series(world.evaluator_ids).gather(audits.evaluator[evaluation]),
            "interaction_at": timestamps(calls.started[call]),
            "evaluated_at": timestamps(evaluated_at),
            "attribute_id": pl.Series(ATTRIBUTE_IDS).gather(attribute),
            "score": score,
        }
    )
    return frame.sort("evaluated_at", "evaluation", "attribute").drop("evaluation", "attribute")
