"""Incremental cost at scale: 2,000 agents x 8 attributes x 90 days (about 20M
Auto QA score rows). One new day must rebuild in at most 0.2x the time of a
full rebuild, and about as fast with 90 days of history as with 7.

Minutes of work and about 2 GB of disk: runs only with COACHWH_BENCHMARK=1
(``COACHWH_BENCHMARK=1 pytest tests/dbt_project/test_dbt_performance.py -s``).
The raw tables are filled by SQL, as ingest would leave them: one batch per
day, appended in day order, stamped the next morning.
"""

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("COACHWH_BENCHMARK") != "1", reason="set COACHWH_BENCHMARK=1 to run"
    ),
]

AGENTS = int(os.environ.get("COACHWH_BENCHMARK_AGENTS", "2000"))
ATTRIBUTES = 8
INTERACTIONS_PER_AGENT_DAY = 14
AUDIT_EVERY = 20  # one interaction in 20 is audited
FIRST_DAY = date(2024, 1, 1)


def _load_days(warehouse, first: int, last: int) -> None:
    """Append the raw rows of days first..last (0-based), one batch per day."""
    with warehouse.connect() as conn:
        if first == 0:
            conn.execute(f"""
                insert into raw.agents
                select 'a' || lpad(a::varchar, 5, '0'), 'Agent ' || a, 'T' || (a % 40), null, null,
                    true, timestamptz '2023-12-31 00:00:00+00', 'agents.jsonl', a,
                    timestamptz '2023-12-31 00:30:00+00', 'setup'
                from range({AGENTS}) as agents(a)
            """)
            conn.execute(f"""
                insert into raw.attributes
                select 'attr' || k, 'Attribute ' || k, 70 + k, 1 + (k % 3), k = 0, true,
                    timestamptz '2023-12-31 00:00:00+00', 'attributes.jsonl', k,
                    timestamptz '2023-12-31 00:30:00+00', 'setup'
                from range({ATTRIBUTES}) as attributes(k)
            """)
        for day in range(first, last + 1):
            day_start = datetime.combine(
                FIRST_DAY + timedelta(days=day), datetime.min.time(), tzinfo=UTC
            )
            ingested = day_start + timedelta(days=1, minutes=30)
            conn.execute(f"""
                create or replace temp table day_interactions as
                select
                    -- unordered ids (as UUIDs would be), so no key range is clustered
                    'i' || substr(md5({day} || '-' || a || '-' || k), 1, 20) as interaction_id,
                    'a' || lpad(a::varchar, 5, '0') as agent_id,
                    'queue' || (a % 12) as queue,
                    ['voice', 'chat', 'email', 'messaging'][1 + (k % 4)] as channel,
                    timestamptz '{day_start.isoformat()}'
                        + to_seconds(28800 + (a * 7 + k * 1973) % 36000) as started_at,
                    (120 + (a * 13 + k * 29) % 900)::double as handle_time_s,
                    (1 + (a + k) % 10)::double as sentiment_score,
                    a, k
                from range({AGENTS}) as agents(a), range({INTERACTIONS_PER_AGENT_DAY}) as calls(k)
            """)
            conn.execute(f"""
                insert into raw.interactions
                select interaction_id, agent_id, queue, channel, started_at, handle_time_s,
                    sentiment_score, null, null, 'interactions/{day}.parquet', a * 100 + k,
                    timestamptz '{ingested.isoformat()}', 'run-{day}'
                from day_interactions
            """)
            conn.execute(f"""
                insert into raw.auto_qa_scores
                select
                    'q-' || interaction_id || '-' || attr, interaction_id, agent_id,
                    'attr' || attr, started_at,
                    (40 + (a * 17 + k * 31 + attr * 7 + {day} * 3) % 61)::double,
                    started_at + interval 2 hour, 'quote', 12.5, 'v1',
                    'auto_qa_scores/{day}.jsonl.gz', row_number() over (),
                    timestamptz '{ingested.isoformat()}', 'run-{day}'
                from day_interactions, range({ATTRIBUTES}) as attributes(attr)
            """)
            conn.execute(f"""
                insert into raw.evaluations
                select
                    'v-' || interaction_id || '-' || attr, 'ev-' || interaction_id, interaction_id,
                    agent_id, 'sup' || (a % 100), started_at, started_at + interval 20 hour,
                    'attr' || attr, (50 + (a + attr * 11 + k) % 51)::double,
                    'evaluations/{day}.jsonl.gz', row_number() over (),
                    timestamptz '{ingested.isoformat()}', 'run-{day}'
                from day_interactions, range({ATTRIBUTES}) as attributes(attr)
                where (a + k) % {AUDIT_EVERY} = 0
            """)
            conn.execute(f"""
                insert into raw.evaluation_reviews
                select 'r-' || interaction_id, 'ev-' || interaction_id, 'published',
                    'sup' || (a % 100), started_at + interval 21 hour, null, null,
                    'evaluation_reviews/{day}.jsonl.gz', a * 100 + k,
                    timestamptz '{ingested.isoformat()}', 'run-{day}'
                from day_interactions
                where (a + k) % {AUDIT_EVERY} = 0
            """)
            if day % 7 == 6:  # a weekly round of individual assignments
                conn.execute(f"""
                    insert into raw.coaching_events (event_id, occurred_at, actor_id, event_type,
                        agent_id, attribute_ids, interaction_ids, assignment_id, name,
                        best_response_interaction_ids, follow_up_date,
                        _file, _line_no, _ingested_at, _run_id)
                    select 'c-{day}-' || a,
                        timestamptz '{day_start.isoformat()}' + interval 17 hour,
                        'sup1', 'assignment_created', agent_id, ['attr1', 'attr2'],
                        [interaction_id], 'A-{day}-' || a, 'Coaching ' || a, [],
                        date '{(day_start + timedelta(days=14)).date()}',
                        'coaching_events/{day}.jsonl.gz', a,
                        timestamptz '{ingested.isoformat()}', 'run-{day}'
                    from day_interactions
                    where k = 0 and a % 20 = {day % 20}
                """)


def _timed_run(warehouse, *args: str) -> float:
    started = time.perf_counter()
    warehouse.dbt(*args)
    return time.perf_counter() - started


def _incremental_day(make_warehouse, name: str, history_days: int) -> tuple[float, object]:
    """Build history_days - 1 days, then time the run that adds the last day."""
    as_of = (FIRST_DAY + timedelta(days=history_days - 1)).isoformat()
    warehouse = make_warehouse(name, as_of=as_of, timezone="UTC")
    _load_days(warehouse, 0, history_days - 2)
    warehouse.dbt("run")
    _load_days(warehouse, history_days - 1, history_days - 1)
    return _timed_run(warehouse, "run"), warehouse


def test_one_new_day_rebuilds_in_a_fifth_of_a_full_rebuild(make_warehouse, tmp_path) -> None:
    incremental_90, warehouse = _incremental_day(make_warehouse, "benchmark90", 90)
    scores_n = warehouse.query("select count(*) from raw.auto_qa_scores")[0][0]
    full_copy = warehouse.copy(tmp_path / "full")
    full_90 = _timed_run(full_copy, "run", "--full-refresh")
    incremental_7, _ = _incremental_day(make_warehouse, "benchmark7", 7)
    print(
        f"\n{scores_n:,} Auto QA rows: full rebuild {full_90:.1f}s, one new day "
        f"{incremental_90:.1f}s ({incremental_90 / full_90:.2f}x); one new day with 7 days "
        f"of history {incremental_7:.1f}s"
    )
    assert incremental_90 <= 0.2 * full_90
    assert incremental_90 <= 1.5 * incremental_7 + 2.0
