"""Kombu's Redis transport, made to survive Redis going away while a worker waits for tasks.

When the broker connection drops, the worker closes the channel before it reconnects. Kombu's
Redis channel first reads the reply of the BRPOP it has outstanding; with Redis gone that read
raises, the close stops half way, and the worker later closes the same channel again after its
transport was released, which ends the worker with "Unrecoverable error: AttributeError".
With ``acks_late`` and a free pool slot there is always such a BRPOP, so every Redis restart
stopped every worker. Here the outstanding read is given up when Redis cannot answer it, so the
close completes and the worker reconnects. Messages a worker had not acknowledged stay in
Redis's unacked set and are delivered again after the visibility timeout, as after any crash.
"""

from __future__ import annotations

from queue import Empty

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()
            except Empty:
                pass
            except self.connection_errors:
                # Redis is gone: the BRPOP will never be answered.
                pass
        super().close()


class Transport(redis.Transport):
    Channel = Channel
