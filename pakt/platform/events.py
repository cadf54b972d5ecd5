"""Kafka topics and the event envelope (proto/pakt/common/v1/envelope.proto)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp

from pakt.common.v1.envelope_pb2 import Envelope

ANTRAG_EVENTS = "pakt.antrag.v1.events"
ALLOCATION_EVENTS = "pakt.allocation.v1.events"
CASEPLAN_EVENTS = "pakt.caseplan.v1.events"
ALL_TOPICS = (ANTRAG_EVENTS, ALLOCATION_EVENTS, CASEPLAN_EVENTS)


def wrap(
    payload: Message, *, aggregate_type: str, aggregate_key: str, aggregate_version: int, producer: str
) -> Envelope:
    occurred_at = Timestamp()
    occurred_at.GetCurrentTime()
    env = Envelope(
        event_id=str(uuid.uuid4()),
        event_type=payload.DESCRIPTOR.full_name,
        aggregate_type=aggregate_type,
        aggregate_key=aggregate_key,
        aggregate_version=aggregate_version,
        occurred_at=occurred_at,
        producer=producer,
    )
    env.payload.Pack(payload)
    return env


class UnreadableEvent(ValueError):
    """A record that is not an Envelope of a known payload type; consumers skip it."""


@dataclass(frozen=True)
class Event:
    envelope: Envelope
    payload: Message


def unwrap(value: bytes) -> Event:
    """Decode a record value. The payload's module must be imported by the caller."""
    env = Envelope()
    try:
        env.ParseFromString(value)
        descriptor = descriptor_pool.Default().FindMessageTypeByName(env.event_type)
        cls = message_factory.GetMessageClass(descriptor)
        payload = cls()
        if not env.payload.Unpack(payload):
            raise UnreadableEvent(f"payload is not {env.event_type}")
    except (DecodeError, KeyError) as exc:
        raise UnreadableEvent(str(exc)) from exc
    return Event(envelope=env, payload=payload)
