"""The landing zone's setting: a local folder, or an object-store prefix."""

from pathlib import Path

import pydantic
import pytest

from models.settings import Settings


def test_a_local_landing_zone_is_an_absolute_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.landing_location == str(tmp_path.resolve() / "landing")
    assert settings.landing_dir == tmp_path.resolve() / "landing"
    assert Settings(home=tmp_path, landing=tmp_path / "in").landing_dir == tmp_path / "in"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("s3://bucket/prefix/", "s3://bucket/prefix"),
        ("s3://bucket/a/b//", "s3://bucket/a/b"),
        ("s3://bucket", "s3://bucket"),
        ("s3://bucket/", "s3://bucket"),
    ],
)
def test_an_object_store_prefix_is_kept_as_a_url(tmp_path: Path, given: str, kept: str) -> None:
    settings = Settings(home=tmp_path, landing=given)
    assert settings.landing_location == kept
    with pytest.raises(ValueError, match="is not a local folder"):
        _ = settings.landing_dir


def test_an_object_store_url_without_a_bucket_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(pydantic.ValidationError, match="landing\n.*expected s3://bucket/prefix"):
        Settings(home=tmp_path, landing="s3:///prefix")


def test_the_environment_variable_may_name_a_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHWH_LANDING", "s3://center-landing/streams/")
    assert Settings().landing_location == "s3://center-landing/streams"
