"""The Kafka event envelope: wrap() fills every field, unwrap() round-trips, bad records are refused."""

from __future__ import annotations

import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.events import UnreadableEvent, unwrap, wrap


def _eingereicht() -> AntragEingereicht:
    antrag = Antrag(
        id="a-0001",
        status=AntragStatus.ANTRAG_STATUS_EINGEGANGEN,
        antragsteller_ags="08115003",
        kreis_ags="08115",
        programm=Programm.PROGRAMM_INTEGRATIONSMANAGEMENT,
        foerderjahr=2017,
        betrag_cent=5_100_000,
        version=1,
    )
    antrag.eingegangen_at.FromSeconds(1_500_000_000)
    return AntragEingereicht(antrag=antrag)


def _wrap(payload=None, **overrides):
    kwargs = {"aggregate_type": "antrag", "aggregate_key": "a-0001", "aggregate_version": 1, "producer": "antrag"}
    return wrap(payload or _eingereicht(), **{**kwargs, **overrides})


def test_wrap_fills_the_envelope():
    before = time.time_ns()
    env = _wrap(aggregate_version=7)
    after = time.time_ns()
    assert uuid.UUID(env.event_id).version == 4
    assert env.event_type == "pakt.antrag.v1.AntragEingereicht"
    assert (env.aggregate_type, env.aggregate_key, env.aggregate_version, env.producer) == (
        "antrag",
        "a-0001",
        7,
        "antrag",
    )
    assert before <= env.occurred_at.ToNanoseconds() <= after
    assert env.payload.type_url == "type.googleapis.com/pakt.antrag.v1.AntragEingereicht"


def test_every_event_gets_its_own_id():
    assert len({_wrap().event_id for _ in range(100)}) == 100


def test_event_type_is_the_payloads_full_name():
    env = _wrap(AntragBeschieden(antrag=Antrag(id="a-0001"), bescheid_id="b-1"))
    assert env.event_type == "pakt.antrag.v1.AntragBeschieden"


def test_unwrap_round_trips_the_payload():
    original = _wrap(aggregate_version=3)
    event = unwrap(original.SerializeToString())
    assert type(event.payload) is AntragEingereicht
    assert event.payload == _eingereicht()
    assert event.payload.antrag.betrag_cent == 5_100_000
    assert event.payload.antrag.antragsteller_ags == "08115003"
    assert event.envelope == original
    assert event.envelope.aggregate_version == 3


@pytest.mark.parametrize(
    "value",
    [b"\xff\xff\xff", b"garbage", b"", b'{"event_type": "pakt.antrag.v1.AntragEingereicht"}', b"\x0a\x05hello"],
    ids=["invalid-wire", "text", "empty", "json", "bare-event-id"],
)
def test_garbage_is_unreadable(value):
    with pytest.raises(UnreadableEvent):
        unwrap(value)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_unreadable_event(value):
    try:
        unwrap(value)
    except UnreadableEvent:
        pass


def _tampered(**fields) -> bytes:
    env = Envelope()
    env.CopyFrom(_wrap())
    for name, value in fields.items():
        if name == "payload_value":
            env.payload.value = value
        else:
            setattr(env, name, value)
    return env.SerializeToString()


@pytest.mark.parametrize(
    "tampering",
    [
        {"event_type": "pakt.antrag.v1.AntragGeloescht"},  # no such message
        {"event_type": "pakt.antrag.v1.AntragStatus"},  # an enum, not a message
        {"event_type": ""},
        {"event_type": "pakt.antrag.v1.AntragBeschieden"},  # type and payload disagree
        {"payload_value": b"\xff\xff\xff"},  # corrupt payload bytes
    ],
    ids=["unknown-type", "enum-name", "no-type", "mismatched-type", "corrupt-payload"],
)
def test_envelope_with_unknown_or_wrong_type_is_unreadable(tampering):
    with pytest.raises(UnreadableEvent):
        unwrap(_tampered(**tampering))
