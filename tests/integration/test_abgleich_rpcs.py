"""The reconciliation and rebuild RPCs of every service over real gRPC with TLS and signed
credentials, on SQLite and PostgreSQL: only operators of the Bewilligungsstelle may call them,
the listings page through everything by id, and Republish names its Anträge or asks for all
explicitly and queues exactly those events."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select

from pakt.allocation.v1 import allocation_pb2
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2
from pakt.reporting.v1 import reporting_pb2
from services.allocation.tables import outbox as allocation_outbox
from services.antrag.tables import outbox as antrag_outbox
from services.caseplan.tables import outbox as caseplan_outbox
from services.reporting.tables import antrag_stand
from tests.antraege import ALTBACH, ESSLINGEN, RP, STUTTGART, kommune, rid, submission
from tests.caseplan import IM_STUTTGART, create_request
from tests.reconciliation import Dienste, dienste

OK, DENIED, UNAUTH, INVALID = "OK", "PERMISSION_DENIED", "UNAUTHENTICATED", "INVALID_ARGUMENT"
# Refused callers first: a call wrongly allowed would change what the operator's call then finds.
CALLERS = {"none": None, "kommune": STUTTGART, "integrationsmanager": f"{STUTTGART}:mueller", "rp": "rp:abgleich"}
OPERATORS_ONLY = {"none": UNAUTH, "kommune": DENIED, "integrationsmanager": DENIED, "rp": OK}
RPCS = [
    ("antrag", "ListGeldstaende", pb.ListGeldstaendeRequest()),
    ("antrag", "Republish", pb.RepublishRequest(alle=True)),
    ("allocation", "ListBescheide", allocation_pb2.ListBescheideRequest()),
    ("allocation", "Republish", allocation_pb2.RepublishRequest(alle=True)),
    ("caseplan", "Republish", caseplan_pb2.RepublishRequest(alle=True)),
    ("reporting", "ListAntragStaende", reporting_pb2.ListAntragStaendeRequest()),
    ("reporting", "GetAggregationStand", reporting_pb2.GetAggregationStandRequest()),
    ("reporting", "ResetReadModel", reporting_pb2.ResetReadModelRequest()),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def d(request, tmp_path):
    with dienste(request.param, tmp_path) as d:
        yield d


def _code(call) -> str:
    try:
        call()
    except grpc.RpcError as err:
        return err.code().name
    return OK


def _fields(call) -> list[str]:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = []
    for detail in rpc_status.from_call(raised.value).details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            fields += [v.field for v in bad_request.field_violations]
    return fields


def _antraege(d: Dienste, count: int, decided: int) -> list[str]:
    """count Anträge of different Gemeinden, the first `decided` of them decided, all delivered."""
    ids = []
    for i in range(count):
        ags = [STUTTGART, ESSLINGEN, ALTBACH][i % 3]
        a = d.antrag.submit(kommune(ags), submission(antragsteller_ags=ags, betrag_cent=10_000_00 + i,
                                                     foerderjahr=2017 + i // 3 % 2,
                                                     beginn=f"{2017 + i // 3 % 2}-07-01", ende=f"{2017 + i // 3 % 2}-12-31",
                                                     programm=3)).antrag
        if i < decided:
            d.antrag.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.id))
            d.antrag.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id))
        ids.append(a.id)
    d.deliver()
    return ids


def _unpublished(d: Dienste) -> dict[str, int]:
    counts = {}
    for name, outbox in (("antrag", antrag_outbox), ("allocation", allocation_outbox), ("caseplan", caseplan_outbox)):
        with d.engines[name].connect() as conn:
            counts[name] = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ).scalar_one()
    return counts


def _reporting_rows(d: Dienste) -> int:
    with d.engines["reporting"].connect() as conn:
        return conn.execute(select(func.count()).select_from(antrag_stand)).scalar_one()


def test_only_operators_may_reconcile_and_rebuild(d):
    _antraege(d, 3, decided=2)
    d.caseplan.create_plan(IM_STUTTGART, create_request())
    d.deliver()
    assert _unpublished(d) == {"antrag": 0, "allocation": 0, "caseplan": 0} and _reporting_rows(d) == 3
    for service, method, request in RPCS:
        got = {}
        for caller, identity in CALLERS.items():
            if caller == "rp":
                # Nothing was queued again nor removed by a refused call.
                assert _unpublished(d) == {"antrag": 0, "allocation": 0, "caseplan": 0}, f"{service}.{method}"
                assert _reporting_rows(d) == 3, f"{service}.{method}"
            got[caller] = _code(lambda: d.call(service, identity, method, request))
        assert got == OPERATORS_ONLY, f"{service}.{method}"
        d.deliver()  # what the operator's call queued
    # The last call emptied the read model; the Anträge' events published again fill it.
    assert _reporting_rows(d) == 0
    d.call("antrag", "rp", "Republish", pb.RepublishRequest(alle=True))
    d.deliver()
    assert _reporting_rows(d) == 3


def _all_pages(d: Dienste, service: str, method: str, request_type, field: str, size: int) -> list[list]:
    pages, token = [], ""
    while True:
        reply = d.call(service, "rp", method, request_type(page_size=size, page_token=token))
        pages.append(list(getattr(reply, field)))
        token = reply.next_page_token
        if not token:
            return pages


def test_listings_page_through_every_row_by_id(d):
    ids = _antraege(d, 7, decided=5)
    reporting = d.reporting

    antraege = _all_pages(d, "antrag", "ListGeldstaende", pb.ListGeldstaendeRequest, "geldstaende", 3)
    assert [len(p) for p in antraege] == [3, 3, 1]
    rows = [g for p in antraege for g in p]
    assert [g.antrag_id for g in rows] == sorted(ids)
    for g in rows:
        a = d.antrag.get(RP, g.antrag_id)
        assert (g.antragsteller_ags, g.programm, g.foerderjahr, g.status, g.version, g.bescheid_id, g.bewilligt_cent) == (
            a.antragsteller_ags, a.programm, a.foerderjahr, a.status, a.version, a.bescheid_id, a.bewilligt_cent
        )
    assert sum(1 for g in rows if g.bescheid_id) == 5

    bescheide = _all_pages(d, "allocation", "ListBescheide", allocation_pb2.ListBescheideRequest, "bescheide", 2)
    assert [len(p) for p in bescheide] == [2, 2, 1]
    flat = [b for p in bescheide for b in p]
    assert [b.bescheid_id for b in flat] == sorted(g.bescheid_id for g in rows if g.bescheid_id)
    by_antrag = {g.antrag_id: g for g in rows}
    assert all(by_antrag[b.antrag_id].bewilligt_cent == b.bewilligt_cent for b in flat)

    staende = _all_pages(d, "reporting", "ListAntragStaende", reporting_pb2.ListAntragStaendeRequest, "antrag_staende", 7)
    assert [len(p) for p in staende] == [7]
    assert [(r.antrag_id, r.version) for r in staende[0]] == [(g.antrag_id, g.version) for g in rows]
    # One page of the default size holds them all.
    assert len(d.call("antrag", "rp", "ListGeldstaende", pb.ListGeldstaendeRequest()).geldstaende) == 7

    for service, method, request_type in (
        ("antrag", "ListGeldstaende", pb.ListGeldstaendeRequest),
        ("allocation", "ListBescheide", allocation_pb2.ListBescheideRequest),
        ("reporting", "ListAntragStaende", reporting_pb2.ListAntragStaendeRequest),
    ):
        assert _fields(lambda: d.call(service, "rp", method, request_type(page_token="kein Token!"))) == ["page_token"]
        assert _fields(lambda: d.call(service, "rp", method, request_type(page_size=5001))) == ["page_size"]
    assert reporting.events_applied() > 0


def test_republish_queues_the_named_antraege_or_all_of_them(d):
    ids = _antraege(d, 3, decided=2)
    d.caseplan.create_plan(IM_STUTTGART, create_request())
    d.deliver()

    for service, request_type in (("antrag", pb.RepublishRequest), ("allocation", allocation_pb2.RepublishRequest)):
        assert _fields(lambda: d.call(service, "rp", "Republish", request_type())) == ["antrag_ids"]
        assert _fields(lambda: d.call(service, "rp", "Republish", request_type(antrag_ids=ids, alle=True))) == ["antrag_ids"]
        assert _fields(lambda: d.call(service, "rp", "Republish", request_type(antrag_ids=[ids[0], "08111000"]))) == [
            "antrag_ids[1]"
        ]
        assert _fields(lambda: d.call(service, "rp", "Republish", request_type(antrag_ids=[ids[0]] * 1001))) == ["antrag_ids"]
    assert _fields(lambda: d.call("caseplan", "rp", "Republish", caseplan_pb2.RepublishRequest())) == ["alle"]
    assert _unpublished(d) == {"antrag": 0, "allocation": 0, "caseplan": 0}

    # One decided Antrag: its four events at antrag (submitted, Prüfung begun and completed,
    # Bescheid applied), its one Bescheid at allocation; nothing of the others.
    decided = ids[0]
    assert d.call("antrag", "rp", "Republish", pb.RepublishRequest(antrag_ids=[decided])).events_queued == 4
    assert d.call("allocation", "rp", "Republish", allocation_pb2.RepublishRequest(antrag_ids=[decided])).events_queued == 1
    assert _unpublished(d) == {"antrag": 4, "allocation": 1, "caseplan": 0}
    with d.engines["antrag"].connect() as conn:
        keys = set(conn.execute(select(antrag_outbox.c.aggregate_key).where(antrag_outbox.c.published_at.is_(None))).scalars())
    assert keys == {decided}
    # Asked again before the relay has sent them: nothing is queued twice.
    assert d.call("antrag", "rp", "Republish", pb.RepublishRequest(antrag_ids=[decided])).events_queued == 0
    before = d.antrag.get(RP, decided)
    d.deliver()
    assert d.antrag.get(RP, decided) == before  # the Bescheid arrived again and changed nothing

    with d.engines["allocation"].connect() as conn:
        allocation_rows = conn.execute(select(func.count()).select_from(allocation_outbox)).scalar_one()
    assert d.call("allocation", "rp", "Republish", allocation_pb2.RepublishRequest(alle=True)).events_queued == allocation_rows
    assert d.call("caseplan", "rp", "Republish", caseplan_pb2.RepublishRequest(alle=True)).events_queued == 1
    assert d.call("antrag", "rp", "Republish", pb.RepublishRequest(alle=True)).events_queued == 4 + 4 + 1
    d.deliver()
    assert _unpublished(d) == {"antrag": 0, "allocation": 0, "caseplan": 0}
