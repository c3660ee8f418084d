"""The worker's Redis transport (worker/broker.py): a channel closed after its connection let go of the broker's
address raises a connection error, which Celery ignores and then reconnects, instead of kombu's AttributeError,
which stopped the consumer for good (seen in tests/recovery/test_lost_work.py when Redis restarted)."""

import uuid

import pytest
import redis
from django.conf import settings
from kombu import Connection, Exchange, Queue
from kombu.common import ignore_errors

from worker.broker import TRANSPORT
from worker.celery_app import app


def _connection_holding_an_unacknowledged_message(transport: str | None) -> Connection:
    conn = Connection(settings.CELERY_BROKER_URL, transport=transport)
    name = f"broker-test-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name), name)
    with conn.Producer() as producer:
        producer.publish({"n": 1}, exchange=queue.exchange, routing_key=name, declare=[queue])
    assert queue(conn.default_channel).get(no_ack=False) is not None
    conn.transport.client = None  # as kombu's Connection.collect() leaves it once the broker went away
    return conn


def test_kombus_own_transport_fails_there_with_an_attribute_error():
    # given kombu's Redis transport, holding a message it has not acknowledged
    conn = _connection_holding_an_unacknowledged_message(None)

    # when Celery closes the connection as it does after noticing the broker is gone, then it does not survive
    with pytest.raises(AttributeError):
        ignore_errors(conn, conn.close)


def test_the_workers_transport_closes_quietly_and_leaves_the_message_for_a_later_restore():
    # given the worker's transport, holding a message it has not acknowledged
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = client.hlen("unacked")
    conn = _connection_holding_an_unacknowledged_message(TRANSPORT)

    # when Celery closes the connection after noticing the broker is gone
    ignore_errors(conn, conn.close)

    # then nothing escapes, and the message stays in Redis's unacknowledged set for the visibility-timeout restore
    assert client.hlen("unacked") == before + 1


def test_the_worker_app_connects_to_redis_through_that_transport():
    assert app.conf.broker_url.startswith("redis://")
    assert app.conf.broker_transport == TRANSPORT
    assert type(app.connection_for_read().transport).__module__ == "worker.broker"
