"""The Redis transport the worker connects with: kombu's own, with one fault closed.

Celery 5.7 closes the broken connection when it notices that the broker went away (`Consumer.
on_connection_error_after_connected`). Closing a channel gives its unacknowledged messages back to Redis, which
needs a Redis client; when the broker is still down at that moment the connection has already dropped its
transport's address, and kombu raises AttributeError instead of a connection error. Celery only ignores
connection errors there, so the consumer dies instead of reconnecting: a documents worker that noticed a Redis
restart a moment too early stopped for good (tests/recovery/test_lost_work.py). Here that case raises the
connection error it is, which Celery ignores and then reconnects as it does for every other broker outage; the
unacknowledged messages stay in Redis, where the next worker to connect restores them after the visibility
timeout (and the batch sweep re-sends whatever a Redis restarted empty lost).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the connection to the broker is already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


REDIS_SCHEMES = ("redis://", "rediss://")
TRANSPORT = "worker.broker:Transport"
