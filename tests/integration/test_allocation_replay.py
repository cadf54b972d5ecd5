"""Replaying Antrag events changes nothing, on SQLite and PostgreSQL: allocation decides each
Antrag once and releases each Verwendungsnachweis once, whether an event comes twice (the same
event id, as after a redelivery) or re-published (a new event id, as after an outbox resend)."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select

from pakt.antrag.v1.antrag_pb2 import (
    SCHRITT_PRUEFUNG_ABGESCHLOSSEN,
    SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN,
    Antrag,
    Kooperationsmitglied,
)
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.platform import events
from pakt.referenzdaten import gebiete
from services.allocation.main import MIGRATIONS
from services.allocation.tables import bescheid, bindung, planungsrahmen
from tests.allocation import Allocation
from tests.databases import migrated_engine


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Allocation(engine).prepared()


def _event(antrag: Antrag, schritt: int) -> events.Event:
    payload = AntragFortgeschrieben(antrag=antrag, schritt=schritt)
    envelope = events.wrap(payload, aggregate_type="antrag", aggregate_key=antrag.id, aggregate_version=antrag.version, producer="antrag")
    return events.unwrap(envelope.SerializeToString())


def _play(service: Allocation, seed: int = 7) -> list[events.Event]:
    """Anträge of many Gemeinden (some competing for one Planungsrahmen, some joint) decided, and for every
    third a proof of use releasing part of what was approved; returns the events in order."""
    rng = random.Random(seed)
    esslingen = sorted(a for a, g in gebiete().gemeinden.items() if g.kreis_ags == "08116")
    history = []
    for i in range(120):
        lead = rng.choice(esslingen[:12])
        members = [Kooperationsmitglied(ags=m, anteil_prozent=10) for m in rng.sample(esslingen[12:], 2)] if i % 5 == 0 else []
        a = Antrag(
            id=str(uuid.uuid4()), antragsteller_ags=lead, programm=rng.choice([1, 3]), foerderjahr=rng.choice([2017, 2018]),
            betrag_cent=rng.randrange(1_000_00, 200_000_00), version=4, mitglieder=members,
        )
        history.append(_event(a, SCHRITT_PRUEFUNG_ABGESCHLOSSEN))
        assert service.apply_antrag_event(history[-1]) == "applied"
        with service.engine.connect() as conn:
            bewilligt = conn.execute(select(bescheid.c.bewilligt_cent).where(bescheid.c.antrag_id == a.id)).scalar_one()
        if i % 3 == 0 and bewilligt:
            done = Antrag()
            done.CopyFrom(a)
            done.version, done.bewilligt_cent, done.freigegeben_cent = 9, bewilligt, rng.randrange(1, bewilligt + 1)
            history.append(_event(done, SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN))
            assert service.apply_antrag_event(history[-1]) == "applied"
    return history


def _state(service: Allocation) -> dict:
    with service.engine.connect() as conn:
        rahmen = sorted(tuple(r) for r in conn.execute(select(planungsrahmen.c.kommune_ags, planungsrahmen.c.programm,
                                                                 planungsrahmen.c.foerderjahr, planungsrahmen.c.gebunden_cent)))
        bescheide = sorted(tuple(r) for r in conn.execute(select(bescheid.c.antrag_id, bescheid.c.entscheidung,
                                                                    bescheid.c.bewilligt_cent, bescheid.c.gebunden_vorher_cent)))
        bound = sorted(
            tuple(r) for r in conn.execute(
                select(bescheid.c.antrag_id, bindung.c.kommune_ags, bindung.c.gebunden_cent, bindung.c.freigegeben_cent)
                .join(bescheid, bescheid.c.id == bindung.c.bescheid_id)
            )
        )
    return {"planungsrahmen": rahmen, "bescheide": bescheide, "bound": bound}


def test_replaying_every_antrag_event_twice_leaves_identical_state(service):
    history = _play(service)
    once = _state(service)
    assert any(b for _, _, _, b in once["bound"])  # and some of it was released again

    # The same events again (redelivery), then re-published copies with new event ids.
    assert {service.apply_antrag_event(e) for e in history} == {"duplicate"}
    republished = [_event(e.payload.antrag, e.payload.schritt) for e in history]
    assert {service.apply_antrag_event(e) for e in republished} <= {"duplicate", "ignored"}
    assert _state(service) == once


def test_replayed_history_gives_the_same_state_in_a_fresh_database(service, tmp_path):
    """Entscheidungen depend on the events and their order only: a second database reaches the same state."""
    history = _play(service, seed=11)
    with migrated_engine(f"sqlite:///{tmp_path}/second.db", MIGRATIONS) as engine:
        second = Allocation(engine).prepared()
        for e in history + history:
            second.apply_antrag_event(e)
        assert _state(second) == _state(service)


def test_the_invariant_holds_after_the_history(service):
    _play(service, seed=3)
    with service.engine.connect() as conn:
        rahmen = conn.execute(select(planungsrahmen)).all()
        bound = conn.execute(select(bindung)).all()
    per_frame: dict[tuple, int] = {}
    for b in bound:
        key = (b.kommune_ags, b.programm, b.foerderjahr)
        per_frame[key] = per_frame.get(key, 0) + b.gebunden_cent - b.freigegeben_cent
    for f in rahmen:
        assert 0 <= f.gebunden_cent <= f.rahmen_cent
        assert f.gebunden_cent == per_frame.get((f.kommune_ags, f.programm, f.foerderjahr), 0)
