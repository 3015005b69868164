"""The landing zone on object storage: an ``s3://bucket/prefix`` (DESIGN.md section 9).

Plain Python, no Dagster. :class:`ObjectStoreLanding` is the second
implementation of :class:`assets.landing_boundary.LandingZone`, beside the
local folder; the ingest rules stay the ingest engine's
(:mod:`assets.landing_zone`), which reads every file the same way:

- the files of a stream are the objects directly under ``<prefix>/<stream>/``;
  a producer's temporary names (``.x``, ``x.tmp``, at any level) are never
  read, and every other object (at the prefix root, under an unknown folder,
  deeper inside a stream's folder) is listed as ignored, with the reason, as
  in a local landing zone;
- an object is copied whole to a local file (in a folder beside the
  warehouse, see :func:`local_copies`) and ingested from there, so DuckDB
  reads it without any extension; the copy is removed after its read;
- its ETag, size and LastModified are asked before the copy and after the
  read: an object that changed meanwhile lands nothing and is read again by
  the next run, and the checksum is that of the copy, the bytes ingested;
- the ledger calls an object by its URL.

Credentials, region and endpoint come from the usual AWS environment
variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``
or ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``)
or the AWS configuration files, through s3fs and botocore.
"""

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assets.landing_boundary import (
    AT_ROOT,
    NDJSON_SUFFIXES,
    PARQUET_SUFFIXES,
    READ_AGAIN,
    FileRead,
    IgnoredEntry,
    LandingFile,
    LandingListing,
    LandingZone,
    LocalLanding,
    ReadLater,
    change_during_read,
    inside_a_stream_folder,
    is_producer_temporary,
    not_a_stream_folder,
)
from models.settings import OBJECT_STORE_PREFIX, is_object_store
from models.streams import STREAMS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# An object's LastModified is when its upload began, not when it appeared:
# an object may turn up after a smaller one that began later. The sensor
# therefore still takes an object as new when its time lies up to this much
# before the newest it has seen (a longer upload is taken by the next run,
# which ingests every pending file).
UPLOAD_SLACK = timedelta(minutes=15)


class ObjectStoreError(OSError):
    """The object store could not be reached or asked (network, credentials,
    a missing bucket)."""


def local_copies(warehouse: Path) -> Path:
    """The folder, beside the warehouse, that objects are copied into for their read."""
    return warehouse.with_name(f".{warehouse.name}.landing")


def open_landing(location: str | Path, copies: Path | None = None) -> LandingZone:
    """The landing zone at ``location``: a local folder, or an ``s3://`` prefix
    whose objects are read through local copies in ``copies``."""
    if isinstance(location, str) and is_object_store(location):
        return ObjectStoreLanding(location, copies)
    return LocalLanding(Path(location))


@dataclass(frozen=True)
class ObjectState:
    """What the object store says of an object's content. Every upload gives
    the key a new LastModified, and a new ETag unless the bytes are the same."""

    etag: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: dict[str, Any]) -> "ObjectState":
        return cls(str(info.get("ETag", "")), int(info["size"]), _ns(info["LastModified"]))

    @property
    def identity(self) -> str:
        return self.etag


def _ns(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _format_suffix(name: str) -> str:
    """The suffix the ingest engine tells a file's format by (none if unsupported)."""
    return next((s for s in NDJSON_SUFFIXES + PARQUET_SUFFIXES if name.endswith(s)), "")


class ObjectStoreLanding:
    """The landing zone as an object-store prefix (``s3://bucket/prefix``)."""

    arrival_slack_ns = UPLOAD_SLACK // timedelta(microseconds=1) * 1000

    def __init__(self, url: str, copies: Path | None = None) -> None:
        # Imported here: a local landing zone never loads the S3 client.
        import botocore.exceptions
        import s3fs

        self.url = url.rstrip("/")
        self._root = self.url.removeprefix(OBJECT_STORE_PREFIX)
        self._copies = copies
        self._swept = False
        self._failures = (OSError, botocore.exceptions.BotoCoreError)
        region = os.environ.get("AWS_REGION")  # botocore reads only AWS_DEFAULT_REGION
        # No listing cache: every listing and state asked must be the store's own, now.
        self._fs = s3fs.S3FileSystem(
            skip_instance_cache=True,
            use_listings_cache=False,
            client_kwargs={"region_name": region} if region else {},
        )

    def __str__(self) -> str:
        return self.url

    def _ask(self, what: str, call: Callable[[], Any]) -> Any:
        """The store's answer; its failures, whatever their kind, as ObjectStoreError
        (a missing object stays FileNotFoundError)."""
        try:
            return call()
        except FileNotFoundError:
            raise
        except self._failures as error:
            raise ObjectStoreError(f"{what} {self.url}: {error}") from error

    # --- listing ----------------------------------------------------------------

    def listing(self) -> LandingListing:
        """Every object of every stream, and every other object with why it is
        not read (the rules of ``list_landing``, on keys)."""
        try:
            found = self._ask("cannot list", lambda: self._fs.find(self._root, detail=True))
        except FileNotFoundError as error:
            raise ObjectStoreError(f"cannot list {self.url}: {error}") from error
        files: list[LandingFile] = []
        ignored: list[IgnoredEntry] = []
        folders: dict[str, IgnoredEntry] = {}
        for key, info in found.items():
            relative = key[len(self._root) + 1 :]
            parts = relative.split("/")
            # A folder marker holds no data; a temporary name hides all below it.
            if relative.endswith("/") or any(is_producer_temporary(p) for p in parts):
                continue
            changed_ns = _ns(info["LastModified"])
            stream = parts[0] if parts[0] in STREAMS else None
            if len(parts) == 1:
                ignored.append(IgnoredEntry(relative, AT_ROOT, stream, changed_ns))
                continue
            if stream is not None and len(parts) == 2:
                url = f"{OBJECT_STORE_PREFIX}{key}"
                files.append(LandingFile(stream, parts[1], url, changed_ns))
                continue
            if stream is None:
                reason, depth = not_a_stream_folder(parts[0]), 1
            else:
                reason, depth = inside_a_stream_folder(stream), 2
            ignored.append(IgnoredEntry(relative, reason, stream, changed_ns))
            # Each folder once, as a local listing shows it, as new as its newest object.
            for end in range(depth, len(parts)):
                folder = "/".join(parts[:end]) + "/"
                seen = folders.get(folder)
                if seen is None or seen.changed_ns < changed_ns:
                    folders[folder] = IgnoredEntry(folder, reason, stream, changed_ns)
        return LandingListing(sorted(files), sorted(ignored + list(folders.values())))

    # --- reading ----------------------------------------------------------------

    def _state(self, url: str) -> ObjectState | None:
        """The object's state now; None once it is gone."""
        try:
            return ObjectState.of(self._ask("cannot ask", lambda: self._fs.info(url)))
        except FileNotFoundError:
            return None

    def _copy_path(self, name: str) -> Path:
        """A fresh local file for one object's bytes, named with its format's suffix.

        The first copy of this landing zone's life removes what is left in the
        folder: only the process writing the warehouse reads landing files,
        so a copy found there belongs to a killed run."""
        if self._copies is None:
            raise ValueError(f"reading {self.url} needs a folder for local copies")
        if not self._swept:
            if self._copies.is_dir():
                for leftover in self._copies.iterdir():
                    leftover.unlink(missing_ok=True)
            self._copies.mkdir(parents=True, exist_ok=True)
            self._swept = True
        return self._copies / f"{uuid.uuid4().hex}{_format_suffix(name)}"

    def _change(self, url: str, before: ObjectState, hashed: int | None) -> str | None:
        try:
            after = self._state(url)
        except ObjectStoreError as error:
            return f"could not be checked after its read ({error}); {READ_AGAIN}"
        return change_during_read(before, after, hashed)

    @contextmanager
    def reading(self, file: LandingFile) -> Iterator[FileRead]:
        url = str(file.path)
        try:
            before = self._state(url)
        except ObjectStoreError as error:
            raise ReadLater(f"could not be fetched ({error}); {READ_AGAIN}") from error
        if before is None:
            raise ReadLater("removed before it was read")
        copy = self._copy_path(file.name)
        try:
            try:
                self._ask("cannot fetch", lambda: self._fs.get_file(url, str(copy)))
            except FileNotFoundError:
                raise ReadLater(f"removed while it was read; {READ_AGAIN}") from None
            except ObjectStoreError as error:
                raise ReadLater(f"could not be fetched ({error}); {READ_AGAIN}") from error
            yield FileRead(copy, lambda hashed: self._change(url, before, hashed))
        finally:
            copy.unlink(missing_ok=True)

    # --- writing ----------------------------------------------------------------

    def upload(self, folder: Path) -> int:
        """Upload every file under ``folder`` to the same path under the
        prefix; returns how many. An object appears whole once uploaded, so no
        temporary name is needed."""
        local = sorted(p for p in folder.rglob("*") if p.is_file())
        remote = [f"{self._root}/{p.relative_to(folder).as_posix()}" for p in local]
        if local:
            self._ask("cannot upload to", lambda: self._fs.put([str(p) for p in local], remote))
        return len(local)


@contextmanager
def landing_folder(location: str) -> Iterator[Path]:
    """A local folder to write landing files into: the landing zone itself, or,
    for an object store, a temporary folder whose files are uploaded under the
    prefix once the writing is done."""
    if not is_object_store(location):
        yield Path(location)
        return
    store = ObjectStoreLanding(location)
    with tempfile.TemporaryDirectory(prefix="coachwh-landing-") as folder:
        yield Path(folder)
        store.upload(Path(folder))
