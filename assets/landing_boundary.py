"""What of the landing zone may be read (DESIGN.md section 4: the landing zone
is a boundary).

Plain Python on ``lstat`` alone: nothing here opens a file or follows a link.

- :func:`list_landing` walks the zone once. The files of a stream are the
  entries directly in ``<landing>/<stream>/``; every other entry (at the root,
  in an unknown folder, in a sub-folder of a stream folder, a symlinked
  folder) is listed as ignored, with the reason, so nothing goes unseen.
- :func:`refusal` says, just before a file would be read, why it must not be
  opened: a symlink, not a regular file, or a path that resolves outside the
  zone. The ingest records such a file as rejected, unread.
- :func:`change_during_read` compares a file's state before and after its read:
  a file that changed meanwhile lands nothing and is read again next run.

:class:`LocalLanding` puts these together as a :class:`LandingZone`, the
interface the ingest engine and the sensor read a landing zone through; the
object-store landing zone (:mod:`assets.landing_objects`) is the other one.
"""

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models.streams import STREAMS

SYMLINK_REFUSAL = "symlink: not read (the landing zone is a boundary)"
OUTSIDE_REFUSAL = "resolves outside the landing zone: not read (the landing zone is a boundary)"
AT_ROOT = "at the landing root, not in a stream folder: not read"
READ_AGAIN = "nothing landed, the next run reads it again"


def not_a_stream_folder(name: str) -> str:
    return f"{name}/ is not a stream folder: not read"


def inside_a_stream_folder(stream: str) -> str:
    return f"a folder in {stream}/ or inside one: only a stream folder's own files are read"


# A landing file's format, told by its name's ending.
NDJSON_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)


def is_producer_temporary(name: str) -> bool:
    """Producers write to ``.name`` or ``name.tmp`` and rename; never read those."""
    return name.startswith(".") or name.endswith(".tmp")


@dataclass(frozen=True, order=True)
class LandingFile:
    """A file of a stream: an entry directly in its stream's folder (or an
    object directly under its stream's prefix)."""

    stream: str
    name: str
    path: Path | str  # the local file, or the object's URL
    # Status-change time (ctime) at listing: a rename into place or a write
    # sets it; an object's LastModified.
    changed_ns: int = field(default=0, compare=False)

    @property
    def ledger_name(self) -> str:
        """What the ledger, the raw rows and the rejected rows call the file:
        a local file by its name in its stream folder, an object by its URL."""
        return self.path if isinstance(self.path, str) else self.name


@dataclass(frozen=True, order=True)
class IgnoredEntry:
    """An entry of the landing zone that is not read, and why."""

    path: str  # relative to the landing root; a folder ends in "/"
    reason: str
    stream: str | None = None  # the stream folder it lies in, if any
    changed_ns: int = field(default=0, compare=False)


@dataclass(frozen=True)
class LandingListing:
    files: list[LandingFile]
    ignored: list[IgnoredEntry]


def _entries(folder: Path) -> Iterator[tuple[os.DirEntry[str], int]]:
    """The folder's entries that are not producers' temporaries, with their
    ctime; an entry (or the folder) removed meanwhile is simply gone."""
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in listed:
        if is_producer_temporary(entry.name):
            continue
        try:
            yield entry, entry.stat(follow_symlinks=False).st_ctime_ns
        except FileNotFoundError:
            continue


def _not_read(
    landing: Path, entry: os.DirEntry[str], changed_ns: int, reason: str, stream: str | None
) -> Iterator[IgnoredEntry]:
    """The entry, and everything under it when it is a real folder, all with
    one reason; a symlink is listed with its own reason and never followed."""
    relative = Path(entry.path).relative_to(landing).as_posix()
    if entry.is_symlink():
        yield IgnoredEntry(relative, SYMLINK_REFUSAL, stream, changed_ns)
    elif entry.is_dir(follow_symlinks=False):
        yield IgnoredEntry(relative + "/", reason, stream, changed_ns)
        for child, child_ns in _entries(Path(entry.path)):
            yield from _not_read(landing, child, child_ns, reason, stream)
    else:
        yield IgnoredEntry(relative, reason, stream, changed_ns)


def list_landing(landing: Path) -> LandingListing:
    """Every file of every stream, and every other entry with why it is not read."""
    files: list[LandingFile] = []
    ignored: list[IgnoredEntry] = []
    for top, top_ns in _entries(landing):
        if top.name not in STREAMS or top.is_symlink() or not top.is_dir():
            reason = AT_ROOT
            if top.is_dir(follow_symlinks=False):
                reason = not_a_stream_folder(top.name)
            stream = top.name if top.name in STREAMS else None
            ignored += _not_read(landing, top, top_ns, reason, stream)
            continue
        stream = top.name
        inside = inside_a_stream_folder(stream)
        for entry, changed_ns in _entries(Path(top.path)):
            if entry.is_dir(follow_symlinks=False):
                ignored += _not_read(landing, entry, changed_ns, inside, stream)
            else:
                # Symlinks and other non-files too: the ingest records them as rejected.
                files.append(LandingFile(stream, entry.name, Path(entry.path), changed_ns))
    return LandingListing(sorted(files), sorted(ignored))


def refusal(landing: Path, file: LandingFile, status: os.stat_result) -> str | None:
    """Why the file must not be opened, from its ``lstat``; None if it may be read."""
    if stat.S_ISLNK(status.st_mode):
        return SYMLINK_REFUSAL
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file: not read"
    # A folder on the way swapped for a symlink since the listing.
    expected = Path(os.path.realpath(landing)) / file.stream / file.name
    if Path(os.path.realpath(file.path)) != expected:
        return OUTSIDE_REFUSAL
    return None


@dataclass(frozen=True)
class FileState:
    """What ``lstat`` says of a file's content. Every write moves the size or
    the modification time, so one state before and after a read means every
    reader in between saw the same bytes."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> "FileState":
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)

    @property
    def identity(self) -> tuple[int, int]:
        return self.device, self.inode


class ContentState(Protocol):
    """What a landing zone says of a file's content: which file it is, its
    size, and when it was last written."""

    @property
    def identity(self) -> object: ...

    @property
    def size(self) -> int: ...

    @property
    def mtime_ns(self) -> int: ...


def file_state(path: Path) -> FileState | None:
    """The file's state now; None once it is gone."""
    try:
        return FileState.of(path.lstat())
    except FileNotFoundError:
        return None


def change_during_read(
    before: ContentState, after: ContentState | None, hashed_bytes: int | None
) -> str | None:
    """Why a read is void (the file changed while it was read), or None.

    ``hashed_bytes`` is how many bytes the checksum read (None if it could not
    read the file); a count other than the size means the file changed.
    """
    if after is None:
        change = "removed while it was read"
    elif after.identity != before.identity:
        change = "replaced while it was read"
    elif after.size != before.size:
        change = f"still being written: {before.size} bytes, then {after.size}"
    elif after.mtime_ns != before.mtime_ns:
        change = "modified while it was read"
    elif hashed_bytes is not None and hashed_bytes != before.size:
        change = f"still being written: {before.size} bytes, {hashed_bytes} hashed"
    else:
        return None
    return f"{change}; {READ_AGAIN}"


# --- the interface of a landing zone -------------------------------------------


class ReadRefused(Exception):
    """The file must not be opened: it is recorded as rejected, unread."""


class ReadLater(Exception):
    """Nothing of the file can be read now: it gets no ledger entry, and the
    next run tries it again."""


@dataclass(frozen=True)
class FileRead:
    """A landing file open for ingest: the local bytes to read, and
    ``change(hashed_bytes)``, asked after the read, which says why the read is
    void (the file changed meanwhile), or None."""

    path: Path
    change: Callable[[int | None], str | None]


class LandingZone(Protocol):
    """Where landing files are listed and read from."""

    # How much older than the newest arrival seen a file may look and still
    # be new (see the landing-zone sensor): 0 where a file's time is set when
    # it is complete.
    arrival_slack_ns: int

    def listing(self) -> LandingListing: ...

    def reading(self, file: LandingFile) -> AbstractContextManager[FileRead]:
        """The file, open for one read; raises ReadRefused or ReadLater."""
        ...


class LocalLanding:
    """The landing zone as a local folder."""

    # A rename into place sets the ctime: a file's time is that of its arrival.
    arrival_slack_ns = 0

    def __init__(self, root: Path) -> None:
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def listing(self) -> LandingListing:
        return list_landing(self.root)

    @contextmanager
    def reading(self, file: LandingFile) -> Iterator[FileRead]:
        path = Path(file.path)
        try:
            status = path.lstat()
        except FileNotFoundError:
            raise ReadLater("removed before it was read") from None
        refused = refusal(self.root, file, status)
        if refused is not None:
            raise ReadRefused(refused)
        before = FileState.of(status)
        yield FileRead(path, lambda hashed: change_during_read(before, file_state(path), hashed))
