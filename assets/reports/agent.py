"""An agent's own export: that agent's assignments in agent words, the marked
interactions and best responses, progress by attribute, the meeting notes,
the evaluations in review, the coaching log by cycle and the daily charts;
and what the export may never contain.

Only the agent's rows, and no group context: every table is an explicit
column list with no group column, assignments go by the agent-facing id and
name of ``agent_assignments`` (one made for a group is named after what it
coaches), and the files are searched for :func:`forbidden_for`
before they are kept (:mod:`assets.reports.export`).

A section is a query here (a :class:`Table` in the report) and a block of
``templates/agent.html.j2``; the CSV file and the XLSX sheet follow from the
table."""

import polars as pl

from assets.reports.errors import ReportError, check_known
from assets.reports.filters import (
    ReportFilters,
    assignment_conditions,
    filters_record,
    report_folder,
)
from assets.reports.report import (
    AssignmentCard,
    Report,
    Table,
    agent_label,
    charts,
    coached,
    daily_table,
)
from assets.reports.snapshot import Attribute, Snapshot
from assets.reports.supervisor import attribute_condition, progress_sql

AGENT_ASSIGNMENT_COLUMNS = (
    "assignment_id",
    "name",
    "attribute_ids",
    "assigned_date",
    "follow_up_date",
    "target_score",
    "target_date",
    "agent_status",
    "plan_status",
    "interactions_n",
    "interactions_reviewed_n",
    "best_responses_n",
    "best_responses_reviewed_n",
    "feedback",
    "action_plan",
)
AGENT_INTERACTION_COLUMNS = (
    "assignment_id",
    "interaction_id",
    "interaction_date",
    "queue",
    "channel",
    "attribute_ids",
    "kore_evaluation_score",
    "audit_score",
    "sentiment_score",
    "reviewed",
)
REVIEW_COLUMNS = (
    "tab",
    "interaction_id",
    "interaction_date",
    "queue",
    "audit_score",
    "review_status",
    "dispute_rounds",
    "disputed_attribute_ids",
    "last_event_at",
    "resolution_hours",
)
# The review screen's tabs, in its order, and the page's heading of each.
REVIEW_TABS = (
    ("Pending Review", "Waiting for my review"),
    ("Disputes", "Disputed"),
    ("Resolved", "Resolved"),
)
COACHING_LOG_COLUMNS = (
    "cycle_start",
    "cycle_end",
    "attribute_id",
    "is_focus",
    "current_score",
    "target_score",
    "gap",
    "below_target_n",
    "compliance_flags_n",
    "baseline_score",
    "delta",
    "evidence",
)


def load_agent_report(snapshot: Snapshot, agent_id: str, filters: ReportFilters) -> Report:
    """One agent's own coaching log: only rows of ``agent_id``, no group context."""
    if not snapshot.has("marts.agent_assignments"):
        raise ReportError("the serving snapshot has no marts.agent_assignments")
    check_known("--agent", [agent_id], "agents", snapshot.agents())

    attributes = snapshot.attributes()
    assignments = _assignments(snapshot, agent_id, filters)
    kept = assignments["assignment_id"].to_list()
    attribute_clause, attribute_params = attribute_condition(filters, "p.attribute_id")

    tables = [Table("assignments", "Assignments", assignments)]
    if snapshot.has("marts.assignment_interactions"):
        columns = snapshot.present("marts.assignment_interactions", AGENT_INTERACTION_COLUMNS)
        for kind, name, title in (
            ("marked", "marked_interactions", "Marked interactions"),
            ("best_response", "best_responses", "Best responses"),
        ):
            frame = snapshot.frame(
                agent_facing(
                    f"""select {", ".join(f"i.{c}" for c in columns)}
                        from marts.assignment_interactions as i
                        where i.agent_id = ? and i.kind = ?""",
                    "interaction_date, interaction_id",
                ),
                [agent_id, kind, agent_id, kept],
            )
            tables.append(Table(name, title, frame))
    progress = pl.DataFrame(schema={"assignment_id": pl.String, "attribute_id": pl.String})
    if snapshot.has("marts.coaching_progress"):
        progress = snapshot.frame(
            agent_facing(
                progress_sql(snapshot, "", "p.agent_id = ? and " + attribute_clause),
                "attribute_id",
            ),
            [agent_id, *attribute_params, agent_id, kept],
        )
        tables.append(Table("progress", "Progress by attribute", progress))
    if snapshot.has("marts.assignment_notes"):
        tables.append(Table("notes", "Notes", _notes(snapshot, agent_id, kept)))
    if snapshot.has("marts.review_queue"):
        tables.append(Table("review", "Review", _review(snapshot, agent_id, attributes)))
    notes = []
    if snapshot.has("marts.coaching_log"):
        columns = snapshot.present("marts.coaching_log", COACHING_LOG_COLUMNS)
        log_clause, log_params = attribute_condition(filters, "l.attribute_id")
        sort = [c for c in ("cycle_start", "attribute_id") if c in columns]
        selected = [
            f"l.{c}"
            + (
                ", coalesce(names.attribute_name, l.attribute_id) as attribute_name"
                if c == "attribute_id"
                else ""
            )
            for c in columns
        ]
        log = snapshot.frame(
            f"""with names as ({snapshot.attributes_sql()})
                select {", ".join(selected)}
                from marts.coaching_log as l left join names using (attribute_id)
                where l.agent_id = ? and {log_clause}
                order by {", ".join(f"l.{c}" for c in sort) or "1"}""",
            [agent_id, *log_params],
        )
        tables.append(Table("coaching_log", "Coaching log", log))
    else:
        notes.append("The coaching log by cycle is not in the warehouse yet.")

    agent_name = None
    if "agent_name" in snapshot.columns("marts.coaching_monitor"):
        rows = snapshot.conn.execute(
            "select max(agent_name) from marts.coaching_monitor where agent_id = ?", [agent_id]
        ).fetchall()
        agent_name = rows[0][0]
    items = charts(
        snapshot,
        attributes,
        coached(
            [{**r, "agent_id": agent_id, "agent_name": agent_name} for r in assignments.to_dicts()],
            filters,
        ),
        progress,
        filters.as_of,
    )
    tables.append(daily_table(items, with_agent=False))
    return Report(
        kind="agent",
        directory=report_folder("agent", filters, agent_id),
        title=f"Coaching log: {agent_label(agent_name, agent_id)}",
        filters=filters,
        record=filters_record("agent", filters, agent_id),
        data_as_of=snapshot.data_as_of(),
        attributes=attributes,
        tables=tuple(tables),
        charts=items,
        cards=tuple(AssignmentCard(row) for row in assignments.to_dicts()),
        notes=tuple(notes),
        forbidden=forbidden_for(snapshot, agent_id, attributes),
    )


def _assignments(snapshot: Snapshot, agent_id: str, filters: ReportFilters) -> pl.DataFrame:
    """The agent's assignments in agent words: ``agent_assignments`` gives
    the agent-facing id, and names one made for a group after what it coaches."""
    where, params = assignment_conditions(filters, "a")
    columns = snapshot.present("marts.agent_assignments", AGENT_ASSIGNMENT_COLUMNS)
    return snapshot.frame(
        f"""select {", ".join(f"a.{c}" for c in columns)}
            from marts.agent_assignments as a
            where a.agent_id = ? and {where}
            order by a.assigned_date, a.assignment_id""",
        [agent_id, *params],
    )


def _notes(snapshot: Snapshot, agent_id: str, kept: list[str]) -> pl.DataFrame:
    """The meeting notes on the agent's listed assignments, oldest first; a
    note the agent wrote is theirs ("you"). ``assignment_notes`` keys them by
    the agent-facing id and holds no other agent's note on a shared one."""
    return snapshot.frame(
        """select n.occurred_date, a.name,
                  case when n.actor_id = n.agent_id then 'you' else n.actor_id end as written_by,
                  n.note
           from marts.assignment_notes as n
           join marts.agent_assignments as a
             on a.assignment_id = n.assignment_id and a.agent_id = n.agent_id
           where n.agent_id = ? and list_contains(?::varchar[], n.assignment_id)
           order by n.occurred_at, n.note_id""",
        [agent_id, kept],
    )


def _review(snapshot: Snapshot, agent_id: str, attributes: dict[str, Attribute]) -> pl.DataFrame:
    """The agent's evaluations in review, by tab in the order the review
    screen shows them, with the disputed attributes by name."""
    columns = snapshot.present("marts.review_queue", REVIEW_COLUMNS)
    tabs = [tab for tab, _ in REVIEW_TABS]
    frame = snapshot.frame(
        f"""select {", ".join(f"r.{c}" for c in columns)}
            from marts.review_queue as r
            where r.agent_id = ?
            order by list_position(?::varchar[], r.tab), r.interaction_date, r.evaluation_id""",
        [agent_id, tabs],
    )
    if "disputed_attribute_ids" not in frame.columns:
        return frame
    names = {a: attribute.name for a, attribute in attributes.items()}
    return frame.with_columns(
        pl.col("disputed_attribute_ids")
        .list.eval(pl.element().replace(names))
        .alias("disputed_attribute_ids")
    ).rename({"disputed_attribute_ids": "disputed_attributes"})


def agent_facing(sql: str, order: str) -> str:
    """Rows of ``sql``, keyed by the supervisor's assignment id, re-keyed by
    the agent-facing one and kept to the listed assignments; its parameters
    come first, then the agent and the list of agent-facing ids."""
    return f"""select ids.agent_assignment_id as assignment_id, q.* exclude (assignment_id)
        from ({sql}) as q
        join (select assignment_id, agent_assignment_id from marts.coaching_assignments
              where agent_id = ?) as ids using (assignment_id)
        where list_contains(?::varchar[], ids.agent_assignment_id)
        order by ids.agent_assignment_id, {order}"""


def forbidden_for(
    snapshot: Snapshot, agent_id: str, attributes: dict[str, Attribute]
) -> dict[str, frozenset[str]]:
    """What an agent's export may never contain: other agents' ids, group ids,
    the ids of group assignments and group names (a group named like an
    attribute is left out: it cannot be told apart from the attribute)."""
    conn = snapshot.conn
    agents: set[str] = set()
    for table, columns in snapshot.relations.items():
        if not table.startswith("marts."):
            continue
        if "agent_id" in columns:
            agents |= {
                a for (a,) in conn.execute(f"select distinct agent_id from {table}").fetchall()
            }
        for list_column in ("agent_ids", "outlier_agent_ids"):
            if list_column in columns:
                agents |= {
                    a
                    for (a,) in conn.execute(
                        f"select distinct unnest({list_column}) from {table}"
                    ).fetchall()
                }
    groups: set[str] = set()
    group_names: set[str] = set()
    parents: set[str] = set()
    if "parent_assignment_id" in snapshot.columns("marts.coaching_assignments"):
        parents = {
            p
            for (p,) in conn.execute(
                "select distinct parent_assignment_id from marts.coaching_assignments"
            ).fetchall()
        }
    for table in ("marts.coaching_assignments", "marts.coaching_groups"):
        if "group_id" in snapshot.columns(table):
            groups |= {
                g for (g,) in conn.execute(f"select distinct group_id from {table}").fetchall()
            }
    if "name" in snapshot.columns("marts.coaching_groups"):
        group_names = {
            n for (n,) in conn.execute("select distinct name from marts.coaching_groups").fetchall()
        }
    attribute_words = {a.casefold() for a in attributes} | {
        a.name.casefold() for a in attributes.values()
    }
    return {
        "agent id": frozenset(a for a in agents if a and a != agent_id),
        "group id": frozenset(g for g in groups if g),
        "group assignment id": frozenset(p for p in parents if p),
        "group name": frozenset(
            n for n in group_names if n and n.strip().casefold() not in attribute_words
        ),
    }
