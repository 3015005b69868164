"""DDL of the working database's bookkeeping and raw tables (DESIGN.md section 4),
and of the build state in schema ``control`` (:mod:`assets.build_state`).

Raw tables take their columns from the stream contracts in ``models/``; each
adds the lineage columns of where the row came from.
"""

import duckdb

from models.streams import STREAMS, StreamContract

LINEAGE_COLUMNS = {
    "_file": "VARCHAR",
    "_line_no": "BIGINT",
    "_ingested_at": "TIMESTAMPTZ",
    "_run_id": "VARCHAR",
}

_BOOKKEEPING = """
create schema if not exists ingest;
create schema if not exists raw;
create table if not exists ingest.file_ledger (
    stream varchar not null,
    file varchar not null,
    sha256 varchar,
    rows_total bigint not null,
    rows_ok bigint not null,
    rows_rejected bigint not null,
    rows_duplicate bigint not null,
    status varchar not null check (status in ('ingested', 'rejected')),
    error varchar,
    ingested_at timestamptz not null,
    run_id varchar,
    primary key (stream, file)
);
create table if not exists ingest.rejected_rows (
    stream varchar not null,
    file varchar not null,
    line_no bigint not null,
    raw varchar,
    reason varchar not null
);
create schema if not exists control;
create table if not exists control.build_settings (
    as_of date not null,
    changed_at timestamptz not null
);
create table if not exists control.source_changes (
    source varchar primary key,
    changed_at timestamptz not null
);
create table if not exists control.model_builds (
    unique_id varchar primary key,
    fingerprint varchar not null,
    built_at timestamptz not null,
    run_id varchar
);
create table if not exists control.publishes (
    run_id varchar,
    as_of date not null,
    fingerprint varchar not null,
    published_at timestamptz not null,
    marts varchar[] not null
);
"""


def raw_table_ddl(contract: StreamContract) -> str:
    columns = [f'"{c.name}" {c.sql_type}' for c in contract.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
    return f"create table if not exists raw.{contract.name} ({', '.join(columns)})"


def ensure_warehouse(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the ingest and raw schemas and tables if they are missing, and
    add to a raw table the optional fields its contract gained since."""
    conn.execute(_BOOKKEEPING)
    for contract in STREAMS.values():
        conn.execute(raw_table_ddl(contract))
    held = set(
        conn.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'raw'"
        ).fetchall()
    )
    for contract in STREAMS.values():
        for column in contract.columns:
            if (contract.name, column.name) not in held:
                conn.execute(
                    f'alter table raw.{contract.name} add column "{column.name}" {column.sql_type}'
                )
