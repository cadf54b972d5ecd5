"""The antrag service layer on a real database (SQLite and PostgreSQL): an Antrag and its event
are stored together or not at all, and request_ids make submission idempotent."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from pakt.allocation.v1.allocation_pb2 import ENTSCHEIDUNG_TEILWEISE_BEWILLIGT
from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1.antrag_pb2 import ANTRAG_STATUS_TEILWEISE_BEWILLIGT, SubmitAntragRequest
from pakt.platform import events
from pakt.platform.errors import InvalidArgument, NotFound
from tests.databases import migrated_engine
from services.antrag.main import MIGRATIONS
from services.antrag.service import AntragService
from services.antrag.tables import antrag, idempotenz, outbox


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield AntragService(engine)


def _count(service, table) -> int:
    with service.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _request(**overrides) -> SubmitAntragRequest:
    fields = dict(
        request_id=str(uuid.uuid4()), antragsteller_ags="08111000", programm=1, foerderjahr=2017, betrag_cent=9_900_00
    )
    return SubmitAntragRequest(**{**fields, **overrides})


def test_submit_stores_antrag_and_its_event_together(service):
    stored = service.submit(_request())
    assert service.get(stored.id) == stored
    with service.engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
    event = events.unwrap(row.payload)
    assert row.aggregate_key == stored.id and row.topic == events.ANTRAG_EVENTS
    assert event.payload.antrag == stored
    assert event.envelope.aggregate_version == 1


def test_rejected_submission_stores_and_publishes_nothing(service):
    with pytest.raises(InvalidArgument) as exc:
        service.submit(_request(antragsteller_ags="08999999", betrag_cent=-5))
    assert {v.field for v in exc.value.violations} == {"antragsteller_ags", "betrag_cent"}
    assert (_count(service, antrag), _count(service, outbox), _count(service, idempotenz)) == (0, 0, 0)


def test_same_request_id_returns_the_first_antrag(service):
    request = _request()
    first = service.submit(request)
    assert service.submit(request) == first
    assert (_count(service, antrag), _count(service, outbox)) == (1, 1)


def test_same_request_id_with_other_content_is_rejected(service):
    request = _request()
    service.submit(request)
    with pytest.raises(InvalidArgument) as exc:
        service.submit(_request(request_id=request.request_id, betrag_cent=1))
    assert [v.field for v in exc.value.violations] == ["request_id"]
    assert _count(service, antrag) == 1


def test_bescheid_is_applied_once_however_often_it_arrives(service):
    stored = service.submit(_request())
    bescheid = BescheidErlassen(
        bescheid_id=str(uuid.uuid4()),
        antrag_id=stored.id,
        entscheidung=ENTSCHEIDUNG_TEILWEISE_BEWILLIGT,
        bewilligt_cent=4_000_00,
        begruendung="Teilweise bewilligt",
    )
    envelope = events.wrap(bescheid, aggregate_type="antrag", aggregate_key=stored.id, aggregate_version=1, producer="allocation")
    assert service.apply_bescheid(envelope, bescheid) == "applied"
    assert service.apply_bescheid(envelope, bescheid) == "duplicate"
    decided = service.get(stored.id)
    assert decided.status == ANTRAG_STATUS_TEILWEISE_BEWILLIGT
    assert (decided.bewilligt_cent, decided.version) == (4_000_00, 2)
    assert _count(service, outbox) == 2


def test_unknown_antrag_is_not_found(service):
    with pytest.raises(NotFound):
        service.get(str(uuid.uuid4()))
