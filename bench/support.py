"""Helpers every benchmark needs: a free loopback port, the machine's CPU model, a file's MD5.

Plain Python on purpose: the benchmarks that time the client or the sandbox alone import this
module without Django settings, as do the ones that start the whole portal.
"""

from __future__ import annotations

import base64
import hashlib
import platform
import socket
from pathlib import Path

_MIB = 1024 * 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_model() -> str:
    """The CPU's model name as `lscpu` shows it, for the machine line of a result."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def file_md5_base64(path: Path) -> str:
    """A file's MD5 in base64, the form of MWS's Content-MD5, read a MiB at a time."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_MIB), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()
