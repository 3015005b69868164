"""Shared test set-up: nothing may wait on the network for telemetry; the
dbt manifest and a real demo, each built once per session."""

import os
from pathlib import Path

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

import pytest


@pytest.fixture(scope="session")
def dbt_manifest():
    """The dbt project parsed once per session (the prepare step)."""
    from assets.dbt import prepare_dbt_project

    return prepare_dbt_project()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``coachwh demo`` with its defaults, as ``make demo`` runs it (40 agents,
    28 days ending today, seed 7), in a home of its own; built once per
    session for every test that reads a real demo. Returns the home and what
    the command printed."""
    from coachwh_process import coachwh

    home = tmp_path_factory.mktemp("demo")
    result = coachwh(home, "demo")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home, result.stdout


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-API server (moto's server mode) on a free loopback port."""
    try:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    except Exception as error:  # any failure to start means: no server to test against
        pytest.skip(f"moto's S3 server cannot start on loopback: {error}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_landing(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A fresh bucket on the S3 server, with the AWS environment pointing at
    it, and the landing zone ``s3://<bucket>/landing`` in it."""
    from object_store import ObjectStore

    environment = {
        "AWS_ACCESS_KEY_ID": "coachwh-test",
        "AWS_SECRET_ACCESS_KEY": "coachwh-test-secret",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        # Nothing of this machine's own AWS set-up may take part.
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return ObjectStore.with_new_bucket(s3_endpoint, environment, request.node.name)
