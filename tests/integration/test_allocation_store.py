"""The allocation use cases on a real database (SQLite and PostgreSQL): the schema is the one
tables.py declares, Planungsrahmen add up to the budgets, each Antrag is decided once, and the
database refuses over-commitment."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pakt.antrag.v1.antrag_pb2 import SCHRITT_PRUEFUNG_ABGESCHLOSSEN, SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN, Antrag, Kooperationsmitglied
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.platform import events
from services.allocation.main import MIGRATIONS
from services.allocation.tables import bescheid, bindung, metadata, outbox, planungsrahmen
from tests.allocation import Allocation
from tests.databases import migrated_engine

IM = 1  # PROGRAMM_INTEGRATIONSMANAGEMENT


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Allocation(engine).prepared()


def _entscheidungsreif(ags: str, betrag_cent: int, jahr: int = 2017, **fields):
    """The event of a completed Prüfung, which allocation decides on: (envelope, Antrag)."""
    a = Antrag(id=str(uuid.uuid4()), antragsteller_ags=ags, programm=IM, foerderjahr=jahr, betrag_cent=betrag_cent, version=3, **fields)
    payload = AntragFortgeschrieben(antrag=a, schritt=SCHRITT_PRUEFUNG_ABGESCHLOSSEN)
    return events.wrap(payload, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag"), a


def _nachweis(a: Antrag, freigegeben_cent: int):
    done = Antrag()
    done.CopyFrom(a)
    done.freigegeben_cent = freigegeben_cent
    payload = AntragFortgeschrieben(antrag=done, schritt=SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN)
    return events.wrap(payload, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=9, producer="antrag"), done


def test_migrated_schema_matches_the_table_definitions(service):
    with service.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_planungsrahmen_add_up_exactly_to_each_budget(service):
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


def test_entscheidungen_never_commit_more_than_the_planungsrahmen(service):
    rahmen = service.get_planungsrahmen("08111000", IM, 2017)
    amounts = [rahmen.rahmen_cent - 5_00, 3_00, 7_00, 1_00]
    ids = []
    for betrag in amounts:
        env, payload = _entscheidungsreif("08111000", betrag)
        assert service.decide(env, payload) == "applied"
        ids.append(payload.id)
    after = service.get_planungsrahmen("08111000", IM, 2017)
    assert after.gebunden_cent == after.rahmen_cent
    with service.engine.connect() as conn:
        rows = {r.antrag_id: r for r in conn.execute(select(bescheid))}
        committed = conn.execute(select(func.sum(bescheid.c.bewilligt_cent))).scalar_one()
    assert committed == after.gebunden_cent  # every committed cent traces to a Bescheid
    assert [(rows[i].entscheidung, rows[i].bewilligt_cent) for i in ids] == [
        ("ENTSCHEIDUNG_BEWILLIGT", rahmen.rahmen_cent - 5_00),
        ("ENTSCHEIDUNG_BEWILLIGT", 3_00),
        ("ENTSCHEIDUNG_TEILWEISE_BEWILLIGT", 2_00),
        ("ENTSCHEIDUNG_ABGELEHNT", 0),
    ]


def test_the_same_event_twice_decides_once(service):
    env, payload = _entscheidungsreif("08111000", 1_000_00)
    assert service.decide(env, payload) == "applied"
    assert service.decide(env, payload) == "duplicate"
    # Even a re-published copy with a new event id decides nothing twice.
    env2 = events.wrap(AntragFortgeschrieben(antrag=payload, schritt=SCHRITT_PRUEFUNG_ABGESCHLOSSEN), aggregate_type="antrag", aggregate_key=payload.id, aggregate_version=3, producer="antrag")
    assert service.decide(env2, payload) == "duplicate"
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(bescheid)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(outbox).where(outbox.c.event_type.like("%Bescheid%"))).scalar_one() == 1
    assert service.get_planungsrahmen("08111000", IM, 2017).gebunden_cent == 1_000_00


def test_database_refuses_to_overcommit_a_planungsrahmen(service):
    with pytest.raises(IntegrityError):
        with service.engine.begin() as conn:
            conn.execute(
                update(planungsrahmen)
                .where(planungsrahmen.c.kommune_ags == "08111000")
                .values(gebunden_cent=planungsrahmen.c.rahmen_cent + 1)
            )


def test_landkreis_without_delegation_is_rejected(service):
    env, payload = _entscheidungsreif("08115", 1_000_00)
    service.decide(env, payload)
    with service.engine.connect() as conn:
        row = conn.execute(select(bescheid)).one()
    assert (row.entscheidung, row.ablehnungsgrund) == ("ENTSCHEIDUNG_ABGELEHNT", "ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN")


def _gebunden(service, *ags: str) -> list[int]:
    return [service.get_planungsrahmen(x, IM, 2017).gebunden_cent for x in ags]


def test_kooperation_draws_on_the_pooled_planungsrahmen_of_lead_and_members(service):
    lead, members = "08116019", ["08116004", "08116076"]  # Esslingen am Neckar, Altbach, Aichwald
    rahmen = [service.get_planungsrahmen(x, IM, 2017).rahmen_cent for x in (lead, *members)]
    # More than the lead's own Planungsrahmen, less than the pool: approved in full, bound across the pool.
    betrag = rahmen[0] + rahmen[1] // 2
    env, a = _entscheidungsreif(lead, betrag, mitglieder=[Kooperationsmitglied(ags=m, anteil_prozent=10) for m in members])
    assert service.decide(env, a) == "applied"
    with service.engine.connect() as conn:
        row = conn.execute(select(bescheid)).one()
        bound = dict(conn.execute(select(bindung.c.kommune_ags, bindung.c.gebunden_cent)).all())
    assert (row.entscheidung, row.bewilligt_cent, row.rahmen_cent) == ("ENTSCHEIDUNG_BEWILLIGT", betrag, sum(rahmen))
    assert sum(bound.values()) == betrag and set(bound) == {lead, *members}
    assert _gebunden(service, lead, *members) == [bound[lead], bound[members[0]], bound[members[1]]]


def test_small_gemeinde_alone_is_below_the_schwellenwert_but_not_in_a_landkreis_pool(service):
    altbach, aichwald = "08116004", "08116076"
    env, a = _entscheidungsreif(altbach, 10_000_00)
    service.decide(env, a)
    env, b = _entscheidungsreif("08116", 10_000_00, uebertragende_ags=[altbach, aichwald])
    service.decide(env, b)
    with service.engine.connect() as conn:
        decided = {r.antrag_id: (r.entscheidung, r.ablehnungsgrund) for r in conn.execute(select(bescheid))}
    pool = sum(service.get_planungsrahmen(x, IM, 2017).rahmen_cent for x in (altbach, aichwald))
    assert pool >= 51_000_00 > service.get_planungsrahmen(altbach, IM, 2017).rahmen_cent
    assert decided[a.id] == ("ENTSCHEIDUNG_ABGELEHNT", "ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT")
    assert decided[b.id] == ("ENTSCHEIDUNG_BEWILLIGT", "ABLEHNUNGSGRUND_UNSPECIFIED")
    assert sum(_gebunden(service, altbach, aichwald)) == 10_000_00


def test_verwendungsnachweis_releases_the_unspent_part_once(service):
    lead, member = "08116019", "08116004"
    env, a = _entscheidungsreif(lead, 90_000_00, mitglieder=[Kooperationsmitglied(ags=member, anteil_prozent=10)])
    service.decide(env, a)
    before = _gebunden(service, lead, member)
    env, done = _nachweis(a, 30_000_01)
    assert service.release(env, done) == "applied"
    assert service.release(env, done) == "duplicate"
    after = _gebunden(service, lead, member)
    assert sum(before) - sum(after) == 30_000_01
    with service.engine.connect() as conn:
        released = conn.execute(select(func.sum(bindung.c.freigegeben_cent))).scalar_one()
    assert released == 30_000_01  # every released cent traces to its binding
