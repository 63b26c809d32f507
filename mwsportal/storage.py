"""Local file storage in which a file carries its name only once it is whole.

Django's ``FileSystemStorage`` writes a new file under its final name chunk by chunk, so a
process killed half way (a worker SIGKILLed while it keeps a processing report, a web process
stopped during a feed upload) leaves a partial file that looks like a finished one. Here the
content goes to a hidden temporary file in the same folder first, is flushed to disk, and is
then published under its name with a hard link, which is atomic and never replaces an existing
file. A process killed before that leaves only a ``.*.part`` file behind. Files are readable by
the portal's own user only (unless ``FILE_UPLOAD_PERMISSIONS`` says otherwise): every download
goes through the portal.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage


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
