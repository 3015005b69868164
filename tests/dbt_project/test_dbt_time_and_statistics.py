"""Local days in the center's time zone, and the Welch p-value macro against
scipy."""

import itertools
from datetime import UTC, date, datetime

import duckdb
import pytest
from scipy import stats


def test_late_evening_utc_is_the_next_day_in_a_utc_plus_2_center(make_warehouse) -> None:
    """Cairo is UTC+2 in winter: 23:30 UTC on 01-10 is 01:30 on 01-11 there,
    while 21:30 UTC is still 23:30 on 01-10."""
    warehouse = make_warehouse("timezone", as_of="2024-01-11", timezone="Africa/Cairo")
    ingested = datetime(2024, 1, 12, 0, 0, tzinfo=UTC)
    warehouse.insert(
        "agents",
        [
            {
                "agent_id": "a",
                "name": "A",
                "team": "T",
                "active": True,
                "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
            }
        ],
        ingested,
    )
    warehouse.insert(
        "attributes",
        [
            {
                "attribute_id": "EMP",
                "name": "Empathy",
                "target_score": 80.0,
                "weight": 1.0,
                "is_compliance": False,
                "active": True,
                "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
            }
        ],
        ingested,
    )
    late_evening = datetime(2024, 1, 10, 23, 30, tzinfo=UTC)
    evening = datetime(2024, 1, 10, 21, 30, tzinfo=UTC)
    warehouse.insert(
        "interactions",
        [
            {
                "interaction_id": iid,
                "agent_id": "a",
                "queue": "q",
                "channel": "chat",
                "started_at": started,
                "handle_time_s": 60.0,
                "sentiment_score": 5.0,
            }
            for iid, started in (("late", late_evening), ("early", evening))
        ],
        ingested,
    )
    warehouse.insert(
        "auto_qa_scores",
        [
            {
                "event_id": f"q-{iid}",
                "interaction_id": iid,
                "agent_id": "a",
                "attribute_id": "EMP",
                "interaction_at": started,
                "score": score,
                "scored_at": ingested,
            }
            for iid, started, score in (("late", late_evening, 90.0), ("early", evening, 50.0))
        ],
        ingested,
    )
    warehouse.dbt("run")

    days = dict(
        warehouse.query(
            "select interaction_id, interaction_date "
            "from intermediate.int_interaction_scores_resolved"
        )
    )
    assert days == {"late": date(2024, 1, 11), "early": date(2024, 1, 10)}
    assert set(warehouse.query("select day, interactions_n from marts.contact_center_metrics")) == {
        (date(2024, 1, 11), 1),
        (date(2024, 1, 10), 1),
    }

    # as_of 01-10: its current window (01-04 .. 01-10) holds only the 21:30 UTC score
    warehouse.dbt("run", "--select", "agent_attribute_scores", as_of="2024-01-10")
    assert warehouse.query("select current_score, current_n from marts.agent_attribute_scores") == [
        (50.0, 1)
    ]


T_VALUES = (0.0, 1e-4, 0.05, 0.3, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 30.0, -2.2)
DF_VALUES = (0.6, 1.0, 1.3, 2.5, 3.7, 5.2, 9.9, 17.4, 31.6, 64.2, 150.5, 400.3, 1000.7, 20000.0)


@pytest.fixture(scope="module")
def compiled_macros(make_warehouse) -> dict[str, str]:
    """The p-value macros compiled by dbt, to run on a grid in plain DuckDB."""
    warehouse = make_warehouse("statistics")
    sql = {}
    for name, inline in (
        ("student", "select t, df, {{ student_t_two_sided_p('t', 'df') }} as p from grid"),
        (
            "welch",
            "select id, {{ welch_p_value('n_a', 'sum_a', 'sum_sq_a', 'n_b', 'sum_b', "
            "'sum_sq_b') }} as p from samples",
        ),
    ):
        result = warehouse.dbt("compile", "--inline", inline)
        sql[name] = result.result.results[0].node.compiled_code
    return sql


def test_student_t_p_value_matches_scipy(compiled_macros) -> None:
    """Two-sided p of Student's t over a grid of t and non-integer df."""
    grid = list(itertools.product(T_VALUES, DF_VALUES))
    with duckdb.connect() as conn:
        conn.execute("create table grid (t double, df double)")
        conn.executemany("insert into grid values (?, ?)", grid)
        rows = conn.execute(compiled_macros["student"]).fetchall()
    assert len(rows) == len(grid)
    for t, df, p in rows:
        assert p == pytest.approx(2 * stats.t.sf(abs(t), df), abs=1e-6), (t, df)


SAMPLES = (
    ([75, 80, 82], [60, 70, 65]),
    ([72, 74, 73], [70, 80, 75]),
    ([70, 72], [60, 64]),
    ([55.5, 91.25, 70, 64, 88.5, 79], [61, 62, 63.5]),
    ([100, 0, 50, 50, 75], [49, 51, 50, 52, 48, 50, 49.5]),
    ([80, 80, 80, 81], [80, 79, 80]),
)
# The test is undefined with one score on a side, or no variance on either.
UNDEFINED = (([70], [60, 70, 80]), ([80, 80, 80], [70, 70, 70]))


def test_welch_p_value_matches_scipy(compiled_macros) -> None:
    """The Welch test from (n, sum, sum of squares) of each side against
    scipy's ttest_ind(equal_var=False) on the samples themselves."""
    with duckdb.connect() as conn:
        conn.execute(
            "create table samples (id int, n_a bigint, sum_a double, sum_sq_a double, "
            "n_b bigint, sum_b double, sum_sq_b double)"
        )
        conn.executemany(
            "insert into samples values (?, ?, ?, ?, ?, ?, ?)",
            [
                (i, len(a), sum(a), sum(x * x for x in a), len(b), sum(b), sum(x * x for x in b))
                for i, (a, b) in enumerate(SAMPLES + UNDEFINED)
            ],
        )
        p_values = dict(conn.execute(compiled_macros["welch"]).fetchall())
    for i, (a, b) in enumerate(SAMPLES):
        expected = stats.ttest_ind(a, b, equal_var=False).pvalue
        assert p_values[i] == pytest.approx(expected, abs=1e-6), (a, b)
    assert [p_values[len(SAMPLES) + i] for i in range(len(UNDEFINED))] == [None, None]
