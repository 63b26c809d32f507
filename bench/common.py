"""What every benchmark script needs besides the product: a free loopback port, the CPU's
name for the JSON it prints, and the MD5 of a file as MWS sends it."""

from __future__ import annotations

import platform
import socket
from pathlib import Path

from mwsportal.mws.checksums import content_md5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def file_md5(path: Path) -> str:
    """The base64 Content-MD5 of a stored file, read in chunks."""
    with path.open("rb") as handle:
        return content_md5(handle)
