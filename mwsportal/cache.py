"""The Redis cache backend, with one client per connection pool instead of one per call.

Django's Redis backend builds a new ``redis.Redis`` for every cache operation, and building
one (its table of response callbacks) costs more CPU than the operation itself: on the partner
API, which reads a verified key and counts the rate limit in the cache on every request, it
was the largest share of the cache's cost. A ``redis.Redis`` is safe to share between threads
(each command takes a connection from the pool), so one per pool is built and kept.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class SharedRedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            with self._lock:
                client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient
