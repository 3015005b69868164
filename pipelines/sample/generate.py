"""The seeded sample stream: a realistic contact center's landing zone.

:func:`generate_sample` writes the seven streams of DESIGN.md section 2 as
micro-batch files, one per stream per day, in ``<landing>/<stream>/``:
``<YYYY-MM-DD>.jsonl.gz`` (gzip NDJSON), and ``<YYYY-MM-DD>.parquet`` for
``interactions``. Roster and scorecard arrive on the first day (plus one team
change half-way); every other event lands in the file of the (UTC) day it
occurred, except Auto QA scores, which belong to the day of their
interaction. A day without events of a stream (coaching events, mostly) has
no file of it; events that would fall after the last day have not happened
yet and are left out.

What the sample simulates, one module each: the scorecard and queues
(``scorecard``), the roster (``roster``), the coaching plan and what it does
to scores (``coaching_plan``), interactions (``interactions``), Auto QA
(``auto_qa``), audits and their reviews (``audits``), the coaching app's
events (``coaching_events``), and the files (``landing``).

Everything derives from ``numpy.random.default_rng(seed)``: the same
arguments give byte-identical files.
"""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pipelines.sample.audits import audit, evaluations_frame, review
from pipelines.sample.auto_qa import score_interactions
from pipelines.sample.clock import Clock
from pipelines.sample.coaching_events import Lookup, coaching_audits, coaching_events, pick_items
from pipelines.sample.coaching_plan import plan_coaching
from pipelines.sample.interactions import DAILY_INTERACTIONS, generate_interactions
from pipelines.sample.landing import LandingWriter, SampleSummary
from pipelines.sample.roster import build_world, roster_frame
from pipelines.sample.scorecard import scorecard_frame


def generate_sample(
    landing: Path,
    *,
    agents: int = 40,
    days: int = 28,
    start: date | None = None,
    seed: int = 7,
    interactions_per_day: float = DAILY_INTERACTIONS,
    site: str = "",
    progress: Callable[[str], None] | None = None,
) -> SampleSummary:
    """Write a seeded sample of every stream into ``landing``, one file per day.

    ``start`` defaults to the day that makes the last generated day today.
    ``interactions_per_day`` is the mean per agent on a weekday.
    ``site`` simulates one site of a center built site by site: the site is
    in every id and file name, so several sites' samples share one landing
    zone without a clash. Empty (the default) for a single-site center.
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
    rngs = np.random.default_rng(seed).spawn(8)
    if progress is not None:
        progress(f"simulating {agents:,} agents over {days} days from {start.isoformat()}")
    clock = Clock(start, days)
    world = build_world(agents, clock, rngs[0], site)
    plan = plan_coaching(world, clock, rngs[1])
    calls = generate_interactions(world, clock, rngs[2], interactions_per_day)
    scores = score_interactions(world, clock, calls, plan, rngs[3])
    lookup = Lookup(world, clock, calls, scores)
    items = pick_items(lookup, plan)
    audits = audit(
        world, clock, calls, scores, coaching_audits(world, plan, items, rngs[4]), rngs[5]
    )
    reviews, reevaluations = review(world, clock, calls, audits, rngs[6])
    coaching = coaching_events(world, clock, lookup, plan, items, rngs[7])

    writer = LandingWriter(Path(landing), clock, progress, site)
    writer.add_json_days("agents", roster_frame(world, clock), by="updated_at")
    writer.add_json_days("attributes", scorecard_frame(clock), by="updated_at")
    writer.add_call_days(world, calls, scores)
    evaluations = evaluations_frame(world, calls, audits, reevaluations)
    writer.add_json_days("evaluations", evaluations, by="evaluated_at")
    writer.add_json_days("evaluation_reviews", reviews, by="occurred_at")
    writer.add_json_days("coaching_events", coaching, by="day")
    return writer.run()
