"""The services make good a lost message on their own, on SQLite and PostgreSQL: antrag publishes
again the events of an Antrag that has waited minutes for its Bescheid (every minute, from a
background task), allocation answers a completed Prüfung it has decided already with its Bescheid
again, and antrag takes the same Bescheid a second time as a duplicate. Messages are lost on
purpose between the services (tests/reconciliation.py)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform import events
from services.allocation.tables import bescheid
from services.antrag import nachfrage
from services.antrag.tables import outbox as antrag_outbox
from tests.antraege import RP
from tests.reconciliation import complete, dienste, lost, submit


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def d(request, tmp_path):
    with dienste(request.param, tmp_path) as d:
        yield d


def test_a_lost_bescheid_is_made_good_without_an_operator(d, caplog):
    antrag_id = submit(d)
    complete(d, antrag_id)
    d.deliver(lose=lost("antrag", antrag_id, BescheidErlassen))
    assert d.antrag.get(RP, antrag_id).status == pb.ANTRAG_STATUS_ENTSCHEIDUNGSREIF

    # Not yet: allocation usually decides within seconds.
    assert d.antrag.republish_undecided() == 0
    # Minutes later, antrag's periodic check publishes the Antrag's events again; allocation knows
    # the completed Prüfung and sends its Bescheid again; antrag applies it.
    assert d.antrag.republish_undecided(older_than=timedelta(0)) == 3
    with caplog.at_level(logging.INFO, logger="services.allocation.entscheidung"):
        d.deliver()
    assert any("Bescheid published again" in r.message for r in caplog.records)
    a = d.antrag.get(RP, antrag_id)
    assert a.status == pb.ANTRAG_STATUS_BEWILLIGT and a.bewilligt_cent == 90_000_00
    assert d.antrag.republish_undecided(older_than=timedelta(0)) == 0
    with d.engines["allocation"].connect() as conn:  # decided once
        assert conn.execute(select(func.count()).select_from(bescheid)).scalar_one() == 1


def test_the_periodic_check_runs_until_stopped(d):
    antrag_id = submit(d)
    complete(d, antrag_id)
    d.deliver(lose=lambda consumer, event: consumer == "allocation")  # allocation hears nothing
    with d.engines["antrag"].begin() as conn:  # the Prüfung was completed ten minutes ago
        conn.exec_driver_sql("UPDATE antrag SET geaendert_at = geaendert_at - interval '10 minutes'"
                             if conn.dialect.name == "postgresql" else
                             "UPDATE antrag SET geaendert_at = datetime(geaendert_at, '-10 minutes')")

    async def run_briefly() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(nachfrage.run(d.antrag.units, stop, interval_s=0.05))
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run_briefly())
    with d.engines["antrag"].connect() as conn:
        pending = conn.execute(select(func.count()).select_from(antrag_outbox).where(antrag_outbox.c.published_at.is_(None))).scalar_one()
    assert pending == 3
    d.deliver()
    assert d.antrag.get(RP, antrag_id).status == pb.ANTRAG_STATUS_BEWILLIGT


def test_the_same_bescheid_again_is_a_duplicate_another_one_an_error(d, caplog):
    antrag_id = submit(d)
    complete(d, antrag_id)
    d.deliver()
    a = d.antrag.get(RP, antrag_id)
    same = BescheidErlassen(bescheid_id=a.bescheid_id, antrag_id=antrag_id, entscheidung=1, bewilligt_cent=a.bewilligt_cent)
    other = BescheidErlassen(bescheid_id=str(uuid.uuid4()), antrag_id=antrag_id, entscheidung=1, bewilligt_cent=1)

    def envelope(payload):
        return events.wrap(payload, aggregate_type="antrag", aggregate_key=antrag_id, aggregate_version=1, producer="allocation")

    with caplog.at_level(logging.ERROR, logger="services.antrag.bescheid"):
        # A new event id, as after an outbox lost and rebuilt: still the Bescheid antrag applied.
        assert d.antrag.apply_bescheid(envelope(same), same) == "duplicate"
        assert not caplog.records
        assert d.antrag.apply_bescheid(envelope(other), other) == "ignored"
        assert [r.message for r in caplog.records] == ["Bescheid for an Antrag not awaiting one"]
    assert d.antrag.get(RP, antrag_id) == a
