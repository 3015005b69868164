"""The ingest engine: landing-zone files into the raw tables (DESIGN.md section 4).

Plain Python and DuckDB, no Dagster, so it is tested on its own. What may be
read is the landing zone's to say (:class:`assets.landing_boundary.LandingZone`:
a local folder, or an object-store prefix read through local copies). For
each file:

0. refuse a symlink, or anything else that is not a regular file inside the
   zone, unread (it is recorded as rejected);
1. read it whole (a truncated gzip, a bad Parquet footer or bytes that are not
   UTF-8 reject the file, and nothing of it lands);
2. validate every line in bulk with SQL generated from the stream's contract
   (``models.streams``), and ask pydantic only for the readable reason of each
   rejected row;
3. drop duplicates (inside the file and against the raw table, on the
   stream's de-duplication key);
4. unless the file changed while it was read (then nothing of it lands, and
   the next run reads it again), write the rows, the rejected rows and the
   ledger entry in one transaction.
"""

import gzip
import hashlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assets.landing_boundary import (
    NDJSON_SUFFIXES,
    PARQUET_SUFFIXES,
    LandingFile,
    LandingZone,
    LocalLanding,
    ReadLater,
    ReadRefused,
)
from assets.warehouse_schema import LINEAGE_COLUMNS, ensure_warehouse
from models.streams import STREAMS, Column, StreamContract, model_columns

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class UnreadableFileError(Exception):
    """A file that cannot be read to its end; it is rejected whole."""


# A file that changed while it was read, or that cannot be fetched now: no
# ledger entry, read again next run.
CHANGING = "changing"


@dataclass(frozen=True)
class FileResult:
    """One file's ledger entry (none for a file whose status is CHANGING)."""

    stream: str
    file: str
    rows_total: int
    rows_ok: int
    rows_rejected: int
    rows_duplicate: int
    status: str
    error: str | None = None


def pending_files(
    conn: duckdb.DuckDBPyConnection, files: Iterable[LandingFile], streams: Iterable[str]
) -> list[LandingFile]:
    """The files of the given streams that have no ledger entry yet."""
    ledger = {
        (stream, file)
        for stream, file in conn.execute("select stream, file from ingest.file_ledger").fetchall()
    }
    wanted = set(streams)
    return [f for f in files if f.stream in wanted and (f.stream, f.ledger_name) not in ledger]


# --- reading -----------------------------------------------------------------


def _decoded_text(path: Path) -> str:
    """The file's text; raises UnreadableFileError for a broken gzip or non-UTF-8.

    A leading byte-order mark is an encoding mark, not text (as DuckDB's own
    reader takes it)."""
    content = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise UnreadableFileError(f"gzip stream cannot be read to its end: {error}") from error
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"bytes that are not UTF-8 text: {error}") from error


def _lines(text: str) -> pa.Table:
    """(row_no, line_no, raw): the non-blank lines; row_no counts only those.
    A line ends in LF or CRLF."""
    lines = pc.utf8_rtrim(pa.array(text.split("\n"), pa.large_string()), characters="\r")
    numbers = pa.array(np.arange(1, len(lines) + 1, dtype=np.int64))
    kept = pa.table({"line_no": numbers, "raw": lines}).filter(
        pc.invert(pc.equal(pc.utf8_trim_whitespace(lines), ""))
    )
    rows = pa.array(np.arange(1, kept.num_rows + 1, dtype=np.int64))
    return kept.add_column(0, "row_no", rows)


# --- typing: three sources of typed rows --------------------------------------
#
# Each gives (line_no, raw, <contract columns typed>, type_failure), in the
# file's row order, where type_failure names the first field whose value cannot
# be read as its type. line_no and raw are NULL where the fast paths don't read
# lines; a row's number in its file is then its position (the staged table's
# rowid + 1), numbered without a window, which would cost a third of the time.


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_sql_literal(v) for v in value) + "]::varchar[]"
    return "'" + str(value).replace("'", "''") + "'"


def _first_failure(checks: list[tuple[str, str]]) -> str:
    """SQL naming the field of the first failing (condition, field) pair."""
    if not checks:
        return "null::varchar"
    return "case " + " ".join(f"when {cond} then '{name}'" for cond, name in checks) + " end"


# A text that DuckDB's reader may have made of a JSON array, object or boolean
# (its text is itself a JSON array or object, or true/false): such a file is
# read again line by line, where JSON types are seen exactly. A text that only
# starts with a bracket ("[silence]") is not JSON, so it keeps the fast path.
RECHECK = "!recheck"


def read_json_typed_sql(contract: StreamContract, path: Path) -> str:
    """The fast path: DuckDB's own NDJSON reader, typed by the contract.

    It raises on any line it cannot read as the contract's types (not JSON, a
    text where a timestamp belongs); the caller then reads the file line by
    line. Numbers are read as text first, so a boolean is not taken for 1.
    """
    read_as = {
        c.name: ("VARCHAR" if c.sql_type == "DOUBLE" else c.sql_type) for c in contract.columns
    }
    columns = ", ".join(f"{_sql_literal(n)}: {_sql_literal(t)}" for n, t in read_as.items())
    typed, failures = [], []
    for column in contract.columns:
        name = f'"{column.name}"'
        if column.sql_type == "DOUBLE":
            cast = f"try_cast(case when {name} not in ('true', 'false') then {name} end as double)"
            failures.append((f"{name} is not null and {cast} is null", column.name))
            typed.append(f"{cast} as {name}")
        else:
            if column.sql_type == "VARCHAR":
                suspect = (
                    f"case when {name}[1] in ('[', '{{') then json_valid({name}) "
                    f"else {name} in ('true', 'false') end"
                )
                failures.append((suspect, RECHECK))
            typed.append(name)
    return f"""
        select null::bigint as line_no, null::varchar as raw,
               {", ".join(typed)}, {_first_failure(failures)} as type_failure
        from read_json({_sql_literal(str(path))}, columns = {{{columns}}},
                       format = 'newline_delimited', maximum_object_size = 16777216)
    """


def json_lines_typed_sql(contract: StreamContract, lines: str) -> str:
    """The exact path: each line of ``lines(line_no, raw)`` parsed on
    its own, so one bad line rejects one row."""
    names = [c.name for c in contract.columns]
    paths = ", ".join(_sql_literal(f"$.{name}") for name in names)
    typed, failures = [], [("not is_object", "row")]
    for i, column in enumerate(contract.columns, start=1):
        value = f"v[{i}]"
        if column.is_list:
            cast = f"try_cast({value} as varchar[])"
        elif column.python_type is str:
            # Numbers read as text (as the contract coerces them); nothing else does.
            cast = (
                f"case when json_type({value}) in ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') "
                f"then {value} ->> '$' end"
            )
        else:
            cast = f"try_cast({value} ->> '$' as {column.sql_type})"
        typed.append(f'{cast} as "{column.name}"')
        failures.append((f"json_type({value}) <> 'NULL' and {cast} is null", column.name))
    return f"""
        with objects as (
            select line_no, raw,
                   coalesce(case when json_valid(raw) then json_type(raw) = 'OBJECT' end, false)
                       as is_object
            from {lines}
        ),
        parsed as (
            select *, case when is_object then json_extract(raw, [{paths}]) end as v
            from objects
        )
        select line_no, raw, {", ".join(typed)},
               {_first_failure(failures)} as type_failure
        from parsed
    """


def parquet_typed_sql(contract: StreamContract, path: Path, present: set[str]) -> str:
    """Parquet rows cast to the contract's types; a missing column is NULL."""
    typed, failures = [], []
    for column in contract.columns:
        if column.name in present:
            cast = f'try_cast(src."{column.name}" as {column.sql_type})'
            failures.append((f'src."{column.name}" is not null and {cast} is null', column.name))
        else:
            cast = f"null::{column.sql_type}"
        typed.append(f'{cast} as "{column.name}"')
    return f"""
        select null::bigint as line_no, null::varchar as raw, {", ".join(typed)},
               {_first_failure(failures)} as type_failure
        from read_parquet({_sql_literal(str(path))}) src
    """


# --- the contract's rules, on typed rows -----------------------------------------


def _rule_checks(column: Column) -> list[str]:
    """SQL conditions that break the contract for a present, typed value."""
    name = f'"{column.name}"'
    broken = []
    if column.enum:
        broken.append(f"{name} not in ({', '.join(_sql_literal(e) for e in column.enum)})")
    length = f"len({name})" if column.is_list else f"length({name})"
    if column.min_length is not None:
        broken.append(f"{length} < {column.min_length}")
    if column.item_min_length is not None:
        broken.append(
            f"not coalesce(list_bool_and(list_transform({name}, "
            f"lambda x: x is not null and length(x) >= {column.item_min_length})), true)"
        )
    if column.ge is not None:
        broken.append(f"{name} < {column.ge}")
    if column.gt is not None:
        broken.append(f"{name} <= {column.gt}")
    if column.le is not None:
        broken.append(f"{name} > {column.le}")
    return broken


def _variant_failure(contract: StreamContract, model: type) -> str:
    checks = []
    for column in model_columns(model):
        if column.name == contract.discriminator:
            continue
        if column.required:
            checks.append((f'"{column.name}" is null', column.name))
        checks += [(cond, column.name) for cond in _rule_checks(column)]
    for predicate, reason in model.row_rules:
        checks.append((f"not coalesce({predicate}, false)", reason.split(":", 1)[0]))
    return _first_failure(checks)


def _half_even_sql(value: str, decimals: int) -> str:
    """A DOUBLE kept to ``decimals`` places as models.base.HalfEven keeps it:
    its shortest text, read as a DECIMAL, rounded half-even (DuckDB's round()
    and its text-to-DECIMAL cast round half away from zero). NULL past 10^14,
    far outside any range such a field allows."""
    return f"round_even(try_cast({value}::varchar as decimal(38, 24)), {decimals})::double"


def validated_sql(contract: StreamContract, typed_rows: str) -> str:
    """Typed rows checked against every rule of the contract: each column with
    its default applied and kept to its decimals, and ``failed_field``, the
    first field that breaks the contract (NULL for a valid row). Every check
    derives from the pydantic contract, so the two cannot drift."""
    tag = contract.discriminator
    if tag:
        tags = ", ".join(_sql_literal(t) for t in contract.variants)
        variants = " ".join(
            f"when {_sql_literal(t)} then {_variant_failure(contract, m)}"
            for t, m in contract.variants.items()
        )
        rules = (
            f"case when {tag} is null or {tag} not in ({tags}) then '{tag}' "
            f"else case {tag} {variants} end end"
        )
    else:
        (model,) = contract.variants.values()
        rules = _variant_failure(contract, model)
    columns = []
    for column in contract.columns:
        value = f'"{column.name}"'
        if column.decimals is not None:
            value = _half_even_sql(value, column.decimals)
        if column.default is not None:
            value = f"coalesce({value}, {_sql_literal(column.default)})"
        owners = [t for t, m in contract.variants.items() if column.name in m.model_fields]
        if tag and column.name != tag and len(owners) < len(contract.variants):
            owned_by = ", ".join(_sql_literal(t) for t in owners)
            value = f"case when {tag} in ({owned_by}) then {value} end"
        columns.append(f'{value} as "{column.name}"')
    return f"""
        select line_no, raw, {", ".join(columns)},
               coalesce(type_failure, {rules}) as failed_field
        from ({typed_rows}) typed_rows
    """


# --- one file, one transaction -------------------------------------------------


def _sha256(path: Path) -> tuple[str, int]:
    """The checksum of the file's bytes, and how many bytes it read."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# Hashing a file overlaps its validation: both release the GIL.
_hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")


def _stage(conn: duckdb.DuckDBPyConnection, contract: StreamContract, path: Path):
    """Validate the file's rows into the temp table ``landing_batch``.

    Returns the file's lines (row_no, line_no, raw) when they were read, else
    None (the fast path never splits the file in Python)."""
    stage = "create or replace temp table landing_batch as "
    if path.name.endswith(PARQUET_SUFFIXES):
        try:
            present = {
                row[0]
                for row in conn.execute(
                    f"select name from parquet_schema({_sql_literal(str(path))})"
                ).fetchall()
            }
            conn.execute(
                stage + validated_sql(contract, parquet_typed_sql(contract, path, present))
            )
        except duckdb.Error as error:
            raise UnreadableFileError(f"not a readable Parquet file: {error}") from error
        return None
    try:
        conn.execute(stage + validated_sql(contract, read_json_typed_sql(contract, path)))
        recheck = conn.execute(
            "select count(*) from landing_batch where failed_field = ?", [RECHECK]
        ).fetchall()[0][0]
        if not recheck:
            return None
    except duckdb.Error:
        pass  # some line is not what the contract reads: take it line by line
    lines = _lines(_decoded_text(path))
    conn.register("landing_lines", lines)
    try:
        conn.execute(
            stage + validated_sql(contract, json_lines_typed_sql(contract, "landing_lines"))
        )
    finally:
        conn.unregister("landing_lines")
    return lines


def _rejected_rows(
    conn: duckdb.DuckDBPyConnection,
    contract: StreamContract,
    path: Path,
    lines: pa.Table | None,
) -> pa.Table:
    """(line_no, raw, reason) of every rejected row, the reason from pydantic."""
    rejected = conn.sql(
        "select rowid + 1 as row_no, failed_field from landing_batch "
        "where failed_field is not null order by row_no"
    ).to_arrow_table()
    if rejected.num_rows == 0:
        return pa.table({"line_no": pa.array([], pa.int64()), "raw": [], "reason": []})
    if path.name.endswith(PARQUET_SUFFIXES):
        rows = (
            f"select row_number() over () as row_no, * from read_parquet({_sql_literal(str(path))})"
        )
        source = conn.sql(
            f"select row_no, row_no as line_no, to_json(src)::varchar as raw from ({rows}) src"
        ).to_arrow_table()
    else:
        source = lines if lines is not None else _lines(_decoded_text(path))
    wanted = pc.is_in(source.column("row_no"), value_set=rejected.column("row_no"))
    found = source.filter(wanted).sort_by("row_no")
    raws = found.column("raw").to_pylist()
    reasons = [
        contract.rejection_reason(raw) or f"{field}: value breaks the contract"
        for raw, field in zip(raws, rejected.column("failed_field").to_pylist(), strict=True)
    ]
    return pa.table(
        {
            "line_no": found.column("line_no"),
            "raw": pa.array(raws, pa.large_string()),
            "reason": pa.array(reasons, pa.large_string()),
        }
    )


def _load_rows(
    conn: duckdb.DuckDBPyConnection,
    contract: StreamContract,
    file: LandingFile,
    rejected: pa.Table,
    run_id: str,
) -> FileResult:
    """Insert the staged batch's valid, new rows and the rejected rows (inside
    the caller's transaction). Returns the ledger counts."""
    columns = ", ".join(f'"{c.name}"' for c in contract.columns)
    key = contract.dedup_key
    valid_times = f'"{contract.dedup_time}") from landing_batch where failed_field is null'
    same_key = " and ".join(f'r."{k}" = b."{k}"' for k in key) + (
        f' and r."{contract.dedup_time}" between (select min({valid_times}) '
        f"and (select max({valid_times})"
    )
    partition = ", ".join(f'"{k}"' for k in key)
    total, copies = conn.execute(
        f"select count(*), count(*) filter (where failed_field is null) "
        f"- count(distinct ({partition})) filter (where failed_field is null) from landing_batch"
    ).fetchall()[0]
    # Keeping the first copy of a key costs a window over the batch: only
    # when the file really holds the same row twice.
    first_copy = (
        f"qualify row_number() over (partition by {partition} order by rowid) = 1" if copies else ""
    )
    inserted = conn.execute(
        f"""
        insert into raw.{contract.name} ({columns}, {", ".join(LINEAGE_COLUMNS)})
        select {columns}, ?, coalesce(line_no, rowid + 1), now(), ?
        from landing_batch b
        where failed_field is null
          and not exists (select 1 from raw.{contract.name} r where {same_key})
        {first_copy}
        """,
        [file.ledger_name, run_id],
    ).fetchall()[0][0]
    if rejected.num_rows:
        conn.register("rejected_batch", rejected)
        try:
            conn.execute(
                "insert into ingest.rejected_rows select ?, ?, line_no, raw, reason "
                "from rejected_batch",
                [contract.name, file.ledger_name],
            )
        finally:
            conn.unregister("rejected_batch")
    return FileResult(
        stream=contract.name,
        file=file.ledger_name,
        rows_total=total,
        rows_ok=inserted,
        rows_rejected=rejected.num_rows,
        rows_duplicate=total - inserted - rejected.num_rows,
        status="ingested",
    )


def _write_ledger(
    conn: duckdb.DuckDBPyConnection, result: FileResult, sha: str | None, run_id: str
) -> None:
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


def _read(conn: duckdb.DuckDBPyConnection, contract: StreamContract, path: Path) -> pa.Table:
    """Every read of the file: its rows validated into ``landing_batch``, and
    the rejected rows returned."""
    if not path.name.endswith(NDJSON_SUFFIXES + PARQUET_SUFFIXES):
        raise UnreadableFileError("unsupported file type: expected .jsonl, .jsonl.gz, .parquet")
    lines = _stage(conn, contract, path)
    return _rejected_rows(conn, contract, path, lines)


def _checksum(digest: Future[tuple[str, int]]) -> tuple[str | None, int | None, str | None]:
    """(sha256, bytes hashed, error) of the hashing thread's work."""
    try:
        sha, hashed = digest.result()
    except OSError as error:
        return None, None, f"cannot be read: {error}"
    return sha, hashed, None


def _reject(
    conn: duckdb.DuckDBPyConnection, file: LandingFile, error: str, sha: str | None, run_id: str
) -> FileResult:
    log.warning("rejecting %s/%s: %s", file.stream, file.name, error)
    result = FileResult(file.stream, file.ledger_name, 0, 0, 0, 0, "rejected", error)
    _write_ledger(conn, result, sha, run_id)
    return result


def _changing(file: LandingFile, change: str) -> FileResult:
    log.warning("not ingesting %s/%s: %s", file.stream, file.name, change)
    return FileResult(file.stream, file.ledger_name, 0, 0, 0, 0, CHANGING, change)


def ingest_file(
    conn: duckdb.DuckDBPyConnection, landing: LandingZone, file: LandingFile, run_id: str
) -> FileResult:
    """Ingest one file: its rows and its ledger entry commit together, or not at all.

    A file that must not be opened (a symlink, not a regular file, a path out
    of the landing zone), that cannot be read, or whose rows the database
    refuses, is recorded as rejected with the reason, and nothing else of it
    lands. A file that changed while it was read, or that cannot be fetched
    now, lands nothing and gets no ledger entry, so the next run reads it again.
    """
    with ExitStack() as opened:
        try:
            read = opened.enter_context(landing.reading(file))
        except ReadRefused as refused:
            return _reject(conn, file, str(refused), None, run_id)
        except ReadLater as later:
            return _changing(file, str(later))
        # The checksum reads the file beside validation (both release the GIL);
        # both read between the two states the landing zone compares, so an
        # unchanged state means the checksum is that of the bytes ingested.
        digest = _hasher.submit(_sha256, read.path)
        try:
            try:
                rejected, error = _read(conn, STREAMS[file.stream], read.path), None
            except (UnreadableFileError, duckdb.Error, OSError) as failure:
                rejected, error = None, str(failure)
            sha, hashed, hash_error = _checksum(digest)
            change = read.change(hashed)
            if change is not None:
                return _changing(file, change)
            error = error or hash_error
            if error is None and rejected is not None:
                try:
                    return _commit(conn, file, rejected, sha, run_id)
                except duckdb.Error as failure:
                    error = str(failure)
            return _reject(conn, file, str(error), sha, run_id)
        finally:
            conn.execute("drop table if exists landing_batch")


def _commit(
    conn: duckdb.DuckDBPyConnection,
    file: LandingFile,
    rejected: pa.Table,
    sha: str | None,
    run_id: str,
) -> FileResult:
    """The staged rows, the rejected rows and the ledger entry, in one transaction."""
    conn.execute("begin transaction")
    try:
        result = _load_rows(conn, STREAMS[file.stream], file, rejected, run_id)
        _write_ledger(conn, result, sha, run_id)
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")
    return result


def ingest_pending(
    conn: duckdb.DuckDBPyConnection,
    landing: Path | LandingZone,
    streams: Iterable[str] = STREAMS,
    run_id: str = "",
    progress: Progress | None = None,
) -> list[FileResult]:
    """Ingest every pending file of the given streams, one transaction per file.

    ``landing`` is a landing zone, or the folder of a local one. Progress
    names what of the streams' folders is ignored, and each file's outcome: a
    file that changed while it was read is left for the next run.
    """
    zone = LocalLanding(landing) if isinstance(landing, Path) else landing
    ensure_warehouse(conn)
    conn.execute("set TimeZone = 'UTC'")
    wanted = set(streams)
    listing = zone.listing()
    files = pending_files(conn, listing.files, wanted)
    if progress:
        for entry in listing.ignored:
            if entry.stream in wanted:
                progress(f"ignored {entry.path}: {entry.reason}")
    results = []
    started = datetime.now(UTC)
    for number, file in enumerate(files, start=1):
        result = ingest_file(conn, zone, file, run_id)
        results.append(result)
        if progress:
            outcome = (
                f"{result.rows_ok} ok, {result.rows_rejected} rejected, "
                f"{result.rows_duplicate} duplicate"
                if result.status == "ingested"
                else result.error
            )
            where = f"{file.stream}/{file.name}"
            progress(f"[{number}/{len(files)}] {where}: {result.status}, {outcome}")
    if progress and files:
        seconds = (datetime.now(UTC) - started).total_seconds()
        changing = sum(r.status == CHANGING for r in results)
        left = f"; {changing} changed while read, read again next run" if changing else ""
        progress(f"read {len(files)} files in {seconds:.1f}s{left}")
    return results
