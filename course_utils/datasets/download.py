"""Network helpers shared by the real loaders."""

from __future__ import annotations

import socket
from functools import lru_cache


@lru_cache(maxsize=32)
def reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """True when a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    Used before a download so that an offline machine falls back within seconds
    instead of waiting for a long HTTP time-out.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
