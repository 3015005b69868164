"""The landing-zone sensor, evaluated with build_sensor_context."""

import json
from pathlib import Path

from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context
from object_store import ObjectStore

from assets.resources import CenterResource
from pipelines.sensors import landing_zone_sensor, new_arrivals


def tick(instance: DagsterInstance, landing: Path | str, cursor: str | None):
    context = build_sensor_context(
        instance=instance, cursor=cursor, resources={"center": CenterResource(landing=str(landing))}
    )
    return landing_zone_sensor(context), context.cursor


def test_new_file_gives_one_run_and_the_next_tick_none(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "auto_qa_scores").mkdir(parents=True)
    (landing / "auto_qa_scores" / "2026-11-01.jsonl").write_text("{}\n")
    (landing / "interactions").mkdir()
    (landing / "interactions" / "2026-11-01.parquet").write_bytes(b"")
    with DagsterInstance.ephemeral() as instance:
        first, cursor = tick(instance, landing, None)
        assert isinstance(first, RunRequest)
        assert first.tags["coachwh/new_files"] == "2"
        assert first.run_key

        again, cursor_after = tick(instance, landing, cursor)
        assert isinstance(again, SkipReason)
        assert cursor_after == cursor


def test_temporary_file_is_ignored(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "auto_qa_scores").mkdir(parents=True)
    (landing / "auto_qa_scores" / "2026-11-02.jsonl.tmp").write_text("{}\n")
    (landing / "auto_qa_scores" / ".2026-11-02.jsonl").write_text("{}\n")
    with DagsterInstance.ephemeral() as instance:
        result, cursor = tick(instance, landing, None)
        assert isinstance(result, SkipReason)
        assert cursor is None


def test_a_file_renamed_into_place_after_a_tick_is_new(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "evaluations"
    folder.mkdir(parents=True)
    (folder / "2026-11-01.jsonl").write_text("{}\n")
    pending = folder / "2026-11-02.jsonl.tmp"
    pending.write_text("{}\n")
    with DagsterInstance.ephemeral() as instance:
        first, cursor = tick(instance, landing, None)
        pending.rename(folder / "2026-11-02.jsonl")
        second, _ = tick(instance, landing, cursor)
        assert isinstance(first, RunRequest) and isinstance(second, RunRequest)
        assert first.run_key != second.run_key
        assert second.tags["coachwh/new_files"] == "1"


def test_links_in_a_stream_folder_start_a_run_that_records_them(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "agents").mkdir(parents=True)
    (landing / "agents" / "broken.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    (landing / "agents" / "passwd.jsonl").symlink_to("/etc/passwd")
    with DagsterInstance.ephemeral() as instance:
        result, _ = tick(instance, landing, None)
        assert isinstance(result, RunRequest)
        assert result.tags["coachwh/new_files"] == "2"


def test_entries_that_are_not_read_start_no_run_and_are_reported_once(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "scores").mkdir(parents=True)
    (landing / "scores" / "a.jsonl").write_text("{}\n")
    (landing / "notes.jsonl").write_text("{}\n")
    with DagsterInstance.ephemeral() as instance:
        first, cursor = tick(instance, landing, None)
        assert isinstance(first, SkipReason)
        # notes.jsonl, scores/ and scores/a.jsonl
        assert first.skip_message == "no new files; 3 new entries ignored (see `coachwh status`)"

        again, _ = tick(instance, landing, cursor)
        assert isinstance(again, SkipReason)
        assert again.skip_message == "no new files in the landing zone"


def test_an_upload_older_than_the_newest_seen_is_new_within_the_slack() -> None:
    # An upload's time is when it began: b (at 100) turns up after c (at 150).
    new, cursor = new_arrivals({"s/a": 100, "s/c": 150}, None, slack_ns=60)
    assert new == {"s/a": 100, "s/c": 150}
    # The names within 60 of the newest, 150: both.
    assert cursor == {"ctime_ns": 150, "names": ["s/a", "s/c"]}

    seen = json.dumps(cursor)
    new, after = new_arrivals({"s/a": 100, "s/c": 150, "s/b": 100}, seen, slack_ns=60)
    assert new == {"s/b": 100}
    assert after == {"ctime_ns": 150, "names": ["s/a", "s/b", "s/c"]}  # the newest stays

    # Older than 150 - 60: before the slack, not new (the next run takes it).
    assert new_arrivals({"s/a": 100, "s/c": 150, "s/z": 89}, seen, slack_ns=60) == ({}, None)
    # With no slack (a local folder), only a name at the newest time may be new.
    assert new_arrivals({"s/c": 150, "s/b": 100}, seen, slack_ns=0) == ({}, None)
    assert new_arrivals({"s/c": 150, "s/d": 150}, seen, slack_ns=0) == (
        {"s/d": 150},
        {"ctime_ns": 150, "names": ["s/c", "s/d"]},
    )


def test_new_objects_on_object_storage_give_one_run_each_tick(s3_landing: ObjectStore) -> None:
    s3_landing.put("auto_qa_scores/2026-11-01.jsonl", b"{}\n")
    s3_landing.put("auto_qa_scores/2026-11-02.jsonl.tmp", b"{}\n")
    s3_landing.put("notes.jsonl", b"{}\n")
    with DagsterInstance.ephemeral() as instance:
        first, cursor = tick(instance, s3_landing.url, None)
        assert isinstance(first, RunRequest)
        assert first.tags["coachwh/new_files"] == "1"

        again, cursor_after = tick(instance, s3_landing.url, cursor)
        assert isinstance(again, SkipReason)
        assert again.skip_message == "no new files in the landing zone"
        assert cursor_after == cursor

        # The producer's upload under the final name (within the same second, maybe).
        s3_landing.put("auto_qa_scores/2026-11-02.jsonl", b"{}\n")
        second, _ = tick(instance, s3_landing.url, cursor)
        assert isinstance(second, RunRequest)
        assert second.tags["coachwh/new_files"] == "1"
        assert second.run_key != first.run_key
