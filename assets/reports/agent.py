"""An agent's own export: that agent's assignments in agent words, the marked
interactions and best responses, progress by attribute, the coaching log by
cycle and the daily charts; and what the export may never contain.

Only the agent's rows, and no group context: every table is an explicit
column list with no group column, an assignment made for a group is named
after what it coaches, and the files are searched for :func:`forbidden_for`
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
    assignments = _assignments(snapshot, agent_id, filters, attributes)
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
                f"""select {", ".join(f"i.{c}" for c in columns)}
                    from marts.assignment_interactions as i
                    where i.agent_id = ? and i.kind = ?
                      and list_contains(?::varchar[], i.assignment_id)
                    order by i.assignment_id, i.interaction_date, i.interaction_id""",
                [agent_id, kind, kept],
            )
            tables.append(Table(name, title, frame))
    progress = pl.DataFrame(schema={"assignment_id": pl.String, "attribute_id": pl.String})
    if snapshot.has("marts.coaching_progress"):
        progress = snapshot.frame(
            progress_sql(
                snapshot,
                "",
                "p.agent_id = ? and list_contains(?::varchar[], p.assignment_id) and "
                + attribute_clause,
            )
            + " order by p.assignment_id, p.attribute_id",
            [agent_id, kept, *attribute_params],
        )
        tables.append(Table("progress", "Progress by attribute", progress))
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


def _assignments(
    snapshot: Snapshot, agent_id: str, filters: ReportFilters, attributes: dict[str, Attribute]
) -> pl.DataFrame:
    """The agent's assignments in agent words; one made for a group is named
    after the attributes it coaches, since its own name is the group's."""
    where, params = assignment_conditions(filters, "a")
    columns = snapshot.present("marts.agent_assignments", AGENT_ASSIGNMENT_COLUMNS)
    group_made = "false"
    if snapshot.has("marts.coaching_assignments"):
        have = snapshot.columns("marts.coaching_assignments")
        signs = [
            s
            for c, s in (
                ("coaching_type", "s.coaching_type = 'Group'"),
                ("group_id", "s.group_id is not null"),
                ("parent_assignment_id", "s.parent_assignment_id is not null"),
            )
            if c in have
        ]
        if signs:
            group_made = (
                "coalesce((select bool_or(" + " or ".join(signs) + ") "
                "from marts.coaching_assignments as s "
                "where s.assignment_id = a.assignment_id), false)"
            )
    assignments = snapshot.frame(
        f"""select {", ".join(f"a.{c}" for c in columns)}, {group_made} as _for_group
            from marts.agent_assignments as a
            where a.agent_id = ? and {where}
            order by a.assigned_date, a.assignment_id""",
        [agent_id, *params],
    )
    renamed = [
        " & ".join(attributes[a].name if a in attributes else a for a in (ids or [])) + " coaching"
        if for_group
        else name
        for name, ids, for_group in assignments.select(
            "name", "attribute_ids", "_for_group"
        ).iter_rows()
    ]
    return assignments.with_columns(pl.Series("name", renamed, dtype=pl.String)).drop("_for_group")


def forbidden_for(
    snapshot: Snapshot, agent_id: str, attributes: dict[str, Attribute]
) -> dict[str, frozenset[str]]:
    """What an agent's export may never contain: other agents' ids, group ids
    and group names (a group named like an attribute is left out: it cannot be
    told apart from the attribute)."""
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
        "group name": frozenset(
            n for n in group_names if n and n.strip().casefold() not in attribute_words
        ),
    }
