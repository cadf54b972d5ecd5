"""The allocation service layer on a real database (SQLite and PostgreSQL): frames add up to
the budgets, each Antrag is decided once, and the database refuses over-commitment."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.antrag.v1.events_pb2 import AntragEingereicht
from pakt.platform import events
from tests.databases import migrated_engine
from services.allocation.main import MIGRATIONS
from services.allocation.service import AllocationService
from services.allocation.tables import bescheid, outbox, planungsrahmen

IM = 1  # PROGRAMM_INTEGRATIONSMANAGEMENT


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        svc = AllocationService(engine)
        svc.seed_parameters()
        svc.ensure_verteilungen()
        yield svc


def _eingereicht(ags: str, betrag_cent: int, jahr: int = 2017):
    a = Antrag(id=str(uuid.uuid4()), antragsteller_ags=ags, programm=IM, foerderjahr=jahr, betrag_cent=betrag_cent, version=1)
    payload = AntragEingereicht(antrag=a)
    return events.wrap(payload, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=1, producer="antrag"), payload


def test_frames_add_up_exactly_to_each_budget(service):
    with service.engine.connect() as conn:
        sums = dict(
            ((p, j), s)
            for p, j, s in conn.execute(
                select(planungsrahmen.c.programm, planungsrahmen.c.foerderjahr, func.sum(planungsrahmen.c.rahmen_cent))
                .group_by(planungsrahmen.c.programm, planungsrahmen.c.foerderjahr)
            )
        )
        per_budget = conn.execute(select(func.count()).select_from(planungsrahmen)).scalar_one()
    assert sums[("PROGRAMM_INTEGRATIONSMANAGEMENT", 2017)] == 58_000_000_00
    assert sums[("PROGRAMM_EHRENAMT", 2018)] == 4_000_000_00
    assert len(sums) == 8 and per_budget == 8 * 1101
    # A second start computes nothing again.
    assert service.ensure_verteilungen() == 0


def test_decisions_never_commit_more_than_the_frame(service):
    frame = service.get_planungsrahmen("08111000", IM, 2017)
    amounts = [frame.rahmen_cent - 5_00, 3_00, 7_00, 1_00]
    ids = []
    for betrag in amounts:
        env, payload = _eingereicht("08111000", betrag)
        assert service.decide(env, payload) == "applied"
        ids.append(payload.antrag.id)
    after = service.get_planungsrahmen("08111000", IM, 2017)
    assert after.gebunden_cent == after.rahmen_cent
    with service.engine.connect() as conn:
        rows = {r.antrag_id: r for r in conn.execute(select(bescheid))}
        committed = conn.execute(select(func.sum(bescheid.c.bewilligt_cent))).scalar_one()
    assert committed == after.gebunden_cent  # every committed cent traces to a Bescheid
    assert [(rows[i].entscheidung, rows[i].bewilligt_cent) for i in ids] == [
        ("ENTSCHEIDUNG_BEWILLIGT", frame.rahmen_cent - 5_00),
        ("ENTSCHEIDUNG_BEWILLIGT", 3_00),
        ("ENTSCHEIDUNG_TEILWEISE_BEWILLIGT", 2_00),
        ("ENTSCHEIDUNG_ABGELEHNT", 0),
    ]


def test_the_same_event_twice_decides_once(service):
    env, payload = _eingereicht("08111000", 1_000_00)
    assert service.decide(env, payload) == "applied"
    assert service.decide(env, payload) == "duplicate"
    # Even a re-published copy with a new event id decides nothing twice.
    env2 = events.wrap(payload, aggregate_type="antrag", aggregate_key=payload.antrag.id, aggregate_version=1, producer="antrag")
    assert service.decide(env2, payload) == "duplicate"
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(bescheid)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(outbox).where(outbox.c.event_type.like("%Bescheid%"))).scalar_one() == 1
    assert service.get_planungsrahmen("08111000", IM, 2017).gebunden_cent == 1_000_00


def test_database_refuses_to_overcommit_a_frame(service):
    with pytest.raises(IntegrityError):
        with service.engine.begin() as conn:
            conn.execute(
                update(planungsrahmen)
                .where(planungsrahmen.c.kommune_ags == "08111000")
                .values(gebunden_cent=planungsrahmen.c.rahmen_cent + 1)
            )


def test_landkreis_without_delegation_is_rejected(service):
    env, payload = _eingereicht("08115", 1_000_00)
    service.decide(env, payload)
    with service.engine.connect() as conn:
        row = conn.execute(select(bescheid)).one()
    assert (row.entscheidung, row.ablehnungsgrund) == ("ENTSCHEIDUNG_ABGELEHNT", "ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN")
