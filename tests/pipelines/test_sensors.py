"""The landing-zone sensor, evaluated with build_sensor_context."""

from pathlib import Path

from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from assets.resources import CenterResource
from pipelines.sensors import landing_zone_sensor


def tick(instance: DagsterInstance, landing: Path, cursor: str | None):
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
