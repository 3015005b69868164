"""The ingest engine: landing-zone files into the raw tables (DESIGN.md section 4).

Plain Python and DuckDB, no Dagster, so it is tested on its own. For each file:

1. read it whole (a truncated gzip, a bad Parquet footer or bytes that are not
   UTF-8 reject the file, and nothing of it lands);
2. validate every line in bulk with SQL generated from the stream's contract
   (``models.streams``), and ask pydantic only for the readable reason of each
   rejected row;
3. drop duplicates (inside the file and against the raw table, on the
   stream's de-duplication key);
4. write the rows, the rejected rows and the ledger entry in one transaction.
"""

import gzip
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assets.warehouse_schema import LINEAGE_COLUMNS, ensure_warehouse
from models.streams import STREAMS, Column, StreamContract, model_columns

log = logging.getLogger(__name__)

NDJSON_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)
Progress = Callable[[str], None]


class UnreadableFileError(Exception):
    """A file that cannot be read to its end; it is rejected whole."""


@dataclass(frozen=True, order=True)
class LandingFile:
    """A file of the landing zone, named relative to its stream's folder."""

    stream: str
    name: str
    path: Path


@dataclass(frozen=True)
class FileResult:
    """One file's ledger entry."""

    stream: str
    file: str
    rows_total: int
    rows_ok: int
    rows_rejected: int
    rows_duplicate: int
    status: str
    error: str | None = None


def is_producer_temporary(name: str) -> bool:
    """Producers write to ``.name`` or ``name.tmp`` and rename; never read those."""
    return name.startswith(".") or name.endswith(".tmp")


def landing_files(landing: Path, streams: Iterable[str] = STREAMS) -> list[LandingFile]:
    """Every finished file of the given streams, in name order per stream."""
    found = []
    for stream in streams:
        folder = landing / stream
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            relative = path.relative_to(folder)
            if path.is_file() and not any(is_producer_temporary(p) for p in relative.parts):
                found.append(LandingFile(stream, relative.as_posix(), path))
    return sorted(found)


def pending_files(
    conn: duckdb.DuckDBPyConnection, landing: Path, streams: Iterable[str] = STREAMS
) -> list[LandingFile]:
    """Files of the landing zone that have no ledger entry yet."""
    ledger = {
        (stream, file)
        for stream, file in conn.execute("select stream, file from ingest.file_ledger").fetchall()
    }
    return [f for f in landing_files(landing, streams) if (f.stream, f.name) not in ledger]


# --- reading -----------------------------------------------------------------


def _lines_table(text: str) -> pa.Table:
    """One row per line of the text, numbered from 1, blank lines left out."""
    lines = pc.list_flatten(pc.split_pattern(pa.array([text], pa.large_string()), "\n"))
    numbers = pa.array(np.arange(1, len(lines) + 1, dtype=np.int64))
    table = pa.table({"line_no": numbers, "raw": lines})
    blank = pc.equal(pc.utf8_trim_whitespace(lines), "")
    return table.filter(pc.invert(blank))


def read_lines(conn: duckdb.DuckDBPyConnection, path: Path, content: bytes) -> pa.Table:
    """The file's rows as (line_no, raw JSON text); raises UnreadableFileError."""
    name = path.name
    if name.endswith(PARQUET_SUFFIXES):
        try:
            return conn.sql(
                "select row_number() over () as line_no, to_json(t)::varchar as raw "
                "from read_parquet($path) t",
                params={"path": str(path)},
            ).to_arrow_table()
        except duckdb.Error as error:
            raise UnreadableFileError(f"not a readable Parquet file: {error}") from error
    if name.endswith(".gz"):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise UnreadableFileError(f"gzip stream cannot be read to its end: {error}") from error
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"bytes that are not UTF-8 text: {error}") from error
    return _lines_table(text)


# --- bulk validation ---------------------------------------------------------


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_sql_literal(v) for v in value) + "]::varchar[]"
    return "'" + str(value).replace("'", "''") + "'"


_TEXT_PATTERNS = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "datetime": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}",
}


def _typed_value(column: Column, value: str) -> str:
    """SQL turning the column's JSON value into its raw-table type (NULL if it can't)."""
    if column.is_list:
        return f"try_cast({value} as varchar[])"
    if column.python_type is str:
        return f"({value} ->> '$')"
    return f"try_cast({value} ->> '$' as {column.sql_type})"


def _value_is_valid(column: Column, value: str, typed: str) -> str:
    """SQL that is true where a present JSON value satisfies the column's contract."""
    kinds = ", ".join(f"'{k}'" for k in column.json_types)
    if column.is_list:
        checks = [
            f"json_type({value}) = 'ARRAY'",
            f"coalesce(list_bool_and(list_transform({value}::json[], "
            f"lambda x: json_type(x) in ({kinds}))), true)",
        ]
        if column.min_length is not None:
            checks.append(f"len({typed}) >= {column.min_length}")
        if column.item_min_length is not None:
            checks.append(
                f"coalesce(list_bool_and(list_transform({typed}, "
                f"lambda x: length(x) >= {column.item_min_length})), true)"
            )
        return " and ".join(checks)
    checks = [f"json_type({value}) in ({kinds})", f"{typed} is not null"]
    pattern = _TEXT_PATTERNS.get(column.python_type.__name__)
    if pattern:
        checks.append(f"regexp_matches({value} ->> '$', '{pattern}')")
    if column.enum:
        checks.append(f"{typed} in ({', '.join(_sql_literal(e) for e in column.enum)})")
    if column.min_length is not None:
        checks.append(f"length({typed}) >= {column.min_length}")
    if column.ge is not None:
        checks.append(f"{typed} >= {column.ge}")
    if column.gt is not None:
        checks.append(f"{typed} > {column.gt}")
    if column.le is not None:
        checks.append(f"{typed} <= {column.le}")
    return " and ".join(checks)


def validation_sql(contract: StreamContract, source: str) -> str:
    """SQL over ``source(line_no, raw)`` giving every contract column typed, and
    ``failed_field``: the first field that breaks the contract (NULL if none).

    Every check derives from the pydantic contract, so the two cannot drift.
    """
    names = [c.name for c in contract.columns]
    position = {name: i + 1 for i, name in enumerate(names)}
    paths = ", ".join(_sql_literal(f"$.{name}") for name in names)
    tag = contract.discriminator

    def value(name: str) -> str:
        return f"v[{position[name]}]"

    def present(name: str) -> str:
        return f"({value(name)} is not null and json_type({value(name)}) <> 'NULL')"

    typed_columns, failures = [], []
    for variant_tag, model in contract.variants.items():
        when = f"{tag}_text = {_sql_literal(variant_tag)}" if tag else "true"
        fields = []
        for column in model_columns(model):
            if column.name == tag:
                continue
            typed = _typed_value(column, value(column.name))
            valid = _value_is_valid(column, value(column.name), typed)
            ok = f"{present(column.name)} and {valid}"
            if not column.required:
                ok = f"not {present(column.name)} or ({valid})"
            fields.append(f"when not ({ok}) then '{column.name}'")
        failures.append((when, fields))
    for column in contract.columns:
        typed = _typed_value(column, value(column.name))
        if column.name != tag and column.default is not None:
            typed = f"coalesce({typed}, {_sql_literal(column.default)})"
        if tag and column.name != tag:
            owners = [t for t, m in contract.variants.items() if column.name in m.model_fields]
            if len(owners) < len(contract.variants):
                tags = ", ".join(_sql_literal(t) for t in owners)
                typed = f"case when {tag}_text in ({tags}) then {typed} end"
        typed_columns.append(f'{typed} as "{column.name}"')

    if tag:
        tags = ", ".join(_sql_literal(t) for t in contract.variants)
        tag_check = f"when {tag}_text is null or {tag}_text not in ({tags}) then '{tag}'"
        variant_checks = " ".join(
            f"when {when} then (case {' '.join(fields)} end)" for when, fields in failures
        )
        field_failure = f"case {tag_check} else (case {variant_checks} end) end"
        tag_text = f"json_extract_string(v[{position[tag]}], '$') as {tag}_text,"
    else:
        ((_, fields),) = failures
        field_failure = f"case {' '.join(fields)} end"
        tag_text = ""

    rules = []
    for variant_tag, model in contract.variants.items():
        for predicate, _reason in model.row_rules:
            guard = f"{tag} = {_sql_literal(variant_tag)} and " if tag else ""
            field = _reason.split(":", 1)[0]
            rules.append(f"when {guard}not coalesce({predicate}, false) then '{field}'")
    rule_failure = f"case {' '.join(rules)} end" if rules else "null"

    return f"""
        with lines as (
            select line_no, raw,
                   coalesce(case when json_valid(raw) then json_type(raw) = 'OBJECT' end, false)
                       as is_object
            from {source}
        ),
        parsed as (
            select line_no, raw, is_object,
                   case when is_object then json_extract(raw, [{paths}]) end as v
            from lines
        ),
        checked as (
            select line_no, raw, is_object, v, {tag_text}
                   case when not is_object then 'row' else {field_failure} end as field_failure
            from parsed
        ),
        typed as (
            select line_no, raw, field_failure, {", ".join(typed_columns)}
            from checked
        )
        select * exclude (field_failure),
               coalesce(field_failure, {rule_failure}) as failed_field
        from typed
    """


# --- one file, one transaction -------------------------------------------------


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _rejection_reasons(contract: StreamContract, rejected: pa.Table) -> pa.Table:
    """Ask pydantic why each rejected row breaks the contract."""
    reasons = []
    for raw, field in zip(
        rejected.column("raw").to_pylist(), rejected.column("failed_field").to_pylist(), strict=True
    ):
        reason = contract.rejection_reason(raw)
        reasons.append(reason or f"{field}: value breaks the contract")
    return pa.table(
        {
            "line_no": rejected.column("line_no"),
            "raw": rejected.column("raw"),
            "reason": pa.array(reasons, pa.large_string()),
        }
    )


def _write_ledger(conn: duckdb.DuckDBPyConnection, result: FileResult, sha: str, run_id: str):
    conn.execute(
        "insert into ingest.file_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)",
        [
            result.stream,
            result.file,
            sha,
            result.rows_total,
            result.rows_ok,
            result.rows_rejected,
            result.rows_duplicate,
            result.status,
            result.error,
            run_id,
        ],
    )


def _load_rows(
    conn: duckdb.DuckDBPyConnection,
    contract: StreamContract,
    file: LandingFile,
    lines: pa.Table,
    run_id: str,
) -> FileResult:
    """Validate, de-duplicate and insert one file's lines (inside the caller's
    transaction). Returns the ledger counts."""
    conn.register("landing_lines", lines)
    try:
        conn.execute(
            "create or replace temp table landing_batch as "
            + validation_sql(contract, "landing_lines")
        )
    finally:
        conn.unregister("landing_lines")
    columns = ", ".join(f'"{c.name}"' for c in contract.columns)
    key = contract.dedup_key
    same_key = " and ".join(f'r."{k}" = b."{k}"' for k in key)
    partition = ", ".join(f'"{k}"' for k in key)
    inserted = conn.execute(
        f"""
        insert into raw.{contract.name} ({columns}, {", ".join(LINEAGE_COLUMNS)})
        select {columns}, ?, line_no, now(), ?
        from landing_batch b
        where failed_field is null
          and not exists (select 1 from raw.{contract.name} r where {same_key})
        qualify row_number() over (partition by {partition} order by line_no) = 1
        """,
        [file.name, run_id],
    ).fetchall()[0][0]
    rejected = conn.sql(
        "select line_no, raw, failed_field from landing_batch "
        "where failed_field is not null order by line_no"
    ).to_arrow_table()
    if rejected.num_rows:
        conn.register("rejected_batch", _rejection_reasons(contract, rejected))
        try:
            conn.execute(
                "insert into ingest.rejected_rows select ?, ?, line_no, raw, reason "
                "from rejected_batch",
                [contract.name, file.name],
            )
        finally:
            conn.unregister("rejected_batch")
    conn.execute("drop table landing_batch")
    total = lines.num_rows
    return FileResult(
        stream=contract.name,
        file=file.name,
        rows_total=total,
        rows_ok=inserted,
        rows_rejected=rejected.num_rows,
        rows_duplicate=total - inserted - rejected.num_rows,
        status="ingested",
    )


def ingest_file(conn: duckdb.DuckDBPyConnection, file: LandingFile, run_id: str) -> FileResult:
    """Ingest one file: its rows and its ledger entry commit together, or not at all.

    A file that cannot be read, or whose rows the database refuses, is recorded
    as rejected with the error, and nothing else of it lands.
    """
    contract = STREAMS[file.stream]
    content = file.path.read_bytes()
    sha = _sha256(content)
    conn.execute("begin transaction")
    try:
        if not file.name.endswith(NDJSON_SUFFIXES + PARQUET_SUFFIXES):
            raise UnreadableFileError("unsupported file type: expected .jsonl, .jsonl.gz, .parquet")
        result = _load_rows(conn, contract, file, read_lines(conn, file.path, content), run_id)
    except (UnreadableFileError, duckdb.Error) as error:
        conn.execute("rollback")
        log.warning("rejecting %s/%s: %s", file.stream, file.name, error)
        result = FileResult(file.stream, file.name, 0, 0, 0, 0, "rejected", str(error))
        conn.execute("begin transaction")
    _write_ledger(conn, result, sha, run_id)
    conn.execute("commit")
    return result


def ingest_pending(
    conn: duckdb.DuckDBPyConnection,
    landing: Path,
    streams: Iterable[str] = STREAMS,
    run_id: str = "",
    progress: Progress | None = None,
) -> list[FileResult]:
    """Ingest every pending file of the given streams, one transaction per file."""
    ensure_warehouse(conn)
    conn.execute("set TimeZone = 'UTC'")
    files = pending_files(conn, landing, streams)
    results = []
    started = datetime.now(UTC)
    for number, file in enumerate(files, start=1):
        result = ingest_file(conn, file, run_id)
        results.append(result)
        if progress:
            progress(
                f"[{number}/{len(files)}] {file.stream}/{file.name}: {result.status}, "
                f"{result.rows_ok} ok, {result.rows_rejected} rejected, "
                f"{result.rows_duplicate} duplicate"
            )
    if progress and files:
        seconds = (datetime.now(UTC) - started).total_seconds()
        progress(f"ingested {len(files)} files in {seconds:.1f}s")
    return results
