"""Where reports and feeds keep their files: one way to store a file and one way to open it.

``store_file`` puts a finished file (a verified download, an uploaded or built feed) into
storage under a name no partial file ever carries; ``open_stored`` opens it again and raises
``StoredFileMissing`` when storage lost it.

``AtomicFileSystemStorage`` is local file storage in which a file carries its name only once
it is whole. Django's ``FileSystemStorage`` writes a new file under its final name chunk by
chunk, so a process killed half way (a worker SIGKILLed while it keeps a processing report, a
web process stopped during a feed upload) leaves a partial file that looks like a finished one.
Here the content goes to a hidden temporary file in the same folder first, is flushed to disk,
and is then published under its name with a hard link, which is atomic and never replaces an
existing file. A process killed before that leaves only a ``.*.part`` file behind. Files are
readable by the portal's own user only (unless ``FILE_UPLOAD_PERMISSIONS`` says otherwise):
every download goes through the portal.
"""

from __future__ import annotations

import logging
import os
import posixpath
import tempfile
from pathlib import Path
from typing import IO, Any, cast

from django.core.files import File
from django.core.files.move import file_move_safe
from django.core.files.storage import FileSystemStorage, default_storage

logger = logging.getLogger(__name__)


class StoredFileMissing(Exception):
    """A row names a stored file that storage no longer has (deleted by hand, a lost
    volume); the message says which file and what it means for the seller."""


def open_stored(name: str, missing: str) -> IO[bytes]:
    """The stored file ``name`` opened for streaming; ``StoredFileMissing(missing)`` when it
    is gone."""
    try:
        return default_storage.open(name, "rb")
    except FileNotFoundError:
        logger.error("the stored file %s is missing", name)
        raise StoredFileMissing(missing) from None


def store_file(source: Path | IO[bytes], name: str) -> str:
    """Put a finished file into storage under ``name`` (or a free variant of it, never
    replacing a file); returns the name storage chose. No partial file ever carries it.

    A file on disk (a download that was verified while it streamed to a temporary file) is
    moved: on local storage it is renamed next to its destination and published with a hard
    link, so a report of a gigabyte is never copied. A stream (an upload, a built feed) is
    written through the storage, which publishes it only once it is whole: the atomic local
    storage below, or an object store, which shows an object only once its upload completed.
    """
    if isinstance(source, Path):
        try:
            final_path = Path(default_storage.path(name))
        except NotImplementedError:
            with source.open("rb") as handle:
                return default_storage.save(name, File(handle, name=posixpath.basename(name)))
        # A storage that has paths is a file-system storage.
        return _move_into(cast(FileSystemStorage, default_storage), source, final_path)
    return default_storage.save(name, File(source, name=posixpath.basename(name)))


def _move_into(storage: FileSystemStorage, source: Path, final_path: Path) -> str:
    final_path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=final_path.parent)
    os.close(fd)
    try:
        file_move_safe(str(source), temporary, allow_overwrite=True)
        name = os.path.relpath(final_path, storage.location).replace("\\", "/")
        while True:
            try:
                os.link(temporary, storage.path(name))
                break
            except FileExistsError:
                name = storage.get_available_name(name)
    finally:
        os.unlink(temporary)
    if storage.file_permissions_mode is not None:
        os.chmod(storage.path(name), storage.file_permissions_mode)
    return name


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                handle.flush()
                os.fsync(handle.fileno())
            while True:
                try:
                    os.link(temporary, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            os.unlink(temporary)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
