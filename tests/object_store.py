"""Test access to the S3-API server the ``s3_landing`` fixture starts: a
client of its own (not the pipeline's), to put and remove objects."""

import re
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class ObjectStore:
    bucket: str
    fs: Any  # s3fs.S3FileSystem
    environment: dict[str, str]

    @classmethod
    def with_new_bucket(cls, endpoint: str, environment: dict[str, str], name: str):
        import s3fs

        fs = s3fs.S3FileSystem(
            key=environment["AWS_ACCESS_KEY_ID"],
            secret=environment["AWS_SECRET_ACCESS_KEY"],
            endpoint_url=endpoint,
            client_kwargs={"region_name": environment["AWS_REGION"]},
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        # Bucket names: 3-63 lowercase letters, digits and hyphens.
        bucket = (
            re.sub(r"[^a-z0-9]+", "-", name.lower())[:40].strip("-") + "-"
        ) + uuid.uuid4().hex[:8]
        fs.mkdir(bucket)
        return cls(bucket, fs, environment)

    @property
    def url(self) -> str:
        """The landing zone: the prefix ``landing`` of the bucket."""
        return f"s3://{self.bucket}/landing"

    def put(self, key: str, data: bytes) -> str:
        """Upload an object under the landing prefix; returns its URL."""
        self.fs.pipe_file(f"{self.bucket}/landing/{key}", data)
        return f"{self.url}/{key}"

    def remove(self, key: str) -> None:
        self.fs.rm_file(f"{self.bucket}/landing/{key}")

    def keys(self) -> list[str]:
        prefix = f"{self.bucket}/landing/"
        return sorted(path.removeprefix(prefix) for path in self.fs.find(prefix))
