"""Who may do what with an Antrag, checked over real gRPC with TLS and signed credentials.

Every RPC is called by the applicant Kommune, another Kommune, the Landkreis the applicant
transferred Integrationsmanagement to, an operator of the Bewilligungsstelle, a caller without
a credential, and Integrationsmanager of the applicant and of the Landkreis: their identities are
for the case-plan service only and are refused on every RPC, though they carry the AGS that the
Kommune's own systems are allowed with. The Antrag is put into the status the step needs first,
so a refusal can only come from authorisation. The callers that must be refused go first: a
wrongly allowed call would change the Antrag and show up as OK in the table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
import pytest

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.platform.auth import NUR_FALLPLANUNG
from pakt.platform.pki import DevPki, ensure_dev_pki
from pakt.platform.tls import channel_credentials
from services.antrag.grpc_api import AntragServicer
from services.antrag.main import GRPC_SERVICE_NAME, MIGRATIONS
from tests.antraege import Antraege
from tests.antraege import ALTBACH, ESSLINGEN_KREIS, RP, SPRACHERWERB, STUTTGART, bescheid, kommune, rid, submission
from tests.databases import migrated_engine
from tests.grpc_servers import ServedInThread

OK, DENIED, UNAUTH, NOT_FOUND = "OK", "PERMISSION_DENIED", "UNAUTHENTICATED", "NOT_FOUND"
# The callers, in the order they call: those to be refused before the one allowed to act.
CALLERS = {
    "none": None,
    "im_own": f"{ALTBACH}:mueller",
    "im_landkreis": f"{ESSLINGEN_KREIS}:schmidt",
    "other": STUTTGART,
    "landkreis": ESSLINGEN_KREIS,
    "rp": "rp:sachbearbeitung",
    "own": ALTBACH,
}
INTEGRATIONSMANAGER = ("im_own", "im_landkreis")
# Integrationsmanager are refused everywhere, whatever their Kommune may do.
_IM = dict.fromkeys(INTEGRATIONSMANAGER, DENIED)
APPLICANT = {"own": OK, "other": DENIED, "landkreis": DENIED, "rp": DENIED, "none": UNAUTH, **_IM}
OPERATOR = {"own": DENIED, "other": DENIED, "landkreis": DENIED, "rp": OK, "none": UNAUTH, **_IM}
READER = {"own": OK, "other": DENIED, "landkreis": OK, "rp": OK, "none": UNAUTH, **_IM}


@pytest.fixture
def setup(db_url, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    with migrated_engine(db_url, MIGRATIONS) as engine:
        service = Antraege(engine)
        # Altbach transferred Integrationsmanagement to Landkreis Esslingen for 2018: the Landkreis
        # reads Altbach's Integrationsmanagement Anträge from then on.
        service.record_uebertragung(kommune(ALTBACH), pb.RecordUebertragungRequest(
            request_id=rid(), gemeinde_ags=ALTBACH, programm=1, beginn="2018-01-01", ende="2018-12-31"
        ))
        server = ServedInThread(
            GRPC_SERVICE_NAME,
            lambda grpc_server: antrag_pb2_grpc.add_AntragServiceServicer_to_server(AntragServicer(service.units), grpc_server),
            pki,
        )
        try:
            yield service, server, pki
        finally:
            server.stop()


def call(server: ServedInThread, pki: DevPki, identity: str | None, method: str, request):
    credentials = channel_credentials(pki.ca_cert, pki.client(identity) if identity else None)
    with grpc.secure_channel(server.target, credentials) as channel:
        return getattr(antrag_pb2_grpc.AntragServiceStub(channel), method)(request, timeout=10)


# -- an Antrag of Altbach in the status each step needs ------------------------------------------


def eingegangen(s: Antraege) -> pb.Antrag:
    return s.submit(kommune(ALTBACH), submission(antragsteller_ags=ALTBACH, betrag_cent=40_000_00)).antrag


def in_pruefung(s: Antraege) -> pb.Antrag:
    a = eingegangen(s)
    return s.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.id)).antrag


def nachforderung(s: Antraege) -> pb.Antrag:
    a = in_pruefung(s)
    frist = pb.RequestNachforderungRequest(request_id=rid(), antrag_id=a.id, text="Stellenplan", frist=_today())
    return s.request_nachforderung(RP, frist).antrag


def bewilligt(s: Antraege) -> pb.Antrag:
    a = in_pruefung(s)
    s.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id))
    bescheid(s, a.id, 40_000_00)
    return s.get(RP, a.id)


def abgerufen(s: Antraege) -> pb.Antrag:
    a = bewilligt(s)
    return s.request_mittelabruf(
        kommune(ALTBACH), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=10_000_00)
    ).antrag


def ausgezahlt(s: Antraege) -> pb.Antrag:
    a = abgerufen(s)
    return s.confirm_auszahlung(
        RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=a.id, mittelabruf_id=a.mittelabrufe[0].id)
    ).antrag


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


@dataclass(frozen=True)
class Rpc:
    method: str
    prepare: Callable[[Antraege], pb.Antrag | None]
    request: Callable[[pb.Antrag | None], object]
    expected: dict[str, str]


RPCS = [
    Rpc("SubmitAntrag", lambda s: None,
        lambda a: submission(antragsteller_ags=ALTBACH, programm=SPRACHERWERB), APPLICANT),
    Rpc("WithdrawAntrag", eingegangen,
        lambda a: pb.WithdrawAntragRequest(request_id=rid(), antrag_id=a.id, begruendung="zurück"), APPLICANT),
    Rpc("AnswerNachforderung", nachforderung,
        lambda a: pb.AnswerNachforderungRequest(request_id=rid(), antrag_id=a.id, antwort="anbei"), APPLICANT),
    Rpc("RequestMittelabruf", bewilligt,
        lambda a: pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=1_00), APPLICANT),
    Rpc("SubmitVerwendungsnachweis", ausgezahlt,
        lambda a: pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=a.id, verwendet_cent=9_000_00,
                                                      bericht="besetzt"), APPLICANT),
    Rpc("RecordUebertragung", lambda s: None,
        lambda a: pb.RecordUebertragungRequest(request_id=rid(), gemeinde_ags=ALTBACH, programm=1,
                                               beginn="2017-01-01", ende="2017-03-31"), APPLICANT),
    Rpc("BeginPruefung", eingegangen, lambda a: pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.id), OPERATOR),
    Rpc("RequestNachforderung", in_pruefung,
        lambda a: pb.RequestNachforderungRequest(request_id=rid(), antrag_id=a.id, text="Stellenplan", frist=_today()),
        OPERATOR),
    Rpc("CompletePruefung", in_pruefung, lambda a: pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id), OPERATOR),
    Rpc("ConfirmAuszahlung", abgerufen,
        lambda a: pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=a.id, mittelabruf_id=a.mittelabrufe[0].id),
        OPERATOR),
    Rpc("GetAntrag", eingegangen, lambda a: pb.GetAntragRequest(id=a.id), READER),
    Rpc("GetAntragHistory", eingegangen, lambda a: pb.GetAntragHistoryRequest(antrag_id=a.id), READER),
    Rpc("ListAntraege", eingegangen, lambda a: pb.ListAntraegeRequest(kommune_ags=ALTBACH), READER),
    Rpc("ListUebertragungen", lambda s: None, lambda a: pb.ListUebertragungenRequest(kreis_ags=ESSLINGEN_KREIS),
        {"own": DENIED, "other": DENIED, "landkreis": OK, "rp": OK, "none": UNAUTH, **_IM}),
    Rpc("ListGeldstaende", bewilligt, lambda a: pb.ListGeldstaendeRequest(), OPERATOR),
    Rpc("Republish", bewilligt, lambda a: pb.RepublishRequest(antrag_ids=[a.id]), OPERATOR),
]


def test_the_matrix_covers_every_rpc_of_the_service():
    methods = pb.DESCRIPTOR.services_by_name["AntragService"].methods_by_name
    assert sorted(r.method for r in RPCS) == sorted(methods)


@pytest.mark.parametrize("rpc", RPCS, ids=lambda r: r.method)
def test_authorisation_matrix(setup, rpc: Rpc):
    service, server, pki = setup
    antrag = rpc.prepare(service)
    outcomes, replies, reasons = {}, {}, {}
    for name, identity in CALLERS.items():
        try:
            replies[name] = call(server, pki, identity, rpc.method, rpc.request(antrag))
            outcomes[name] = OK
        except grpc.RpcError as err:
            outcomes[name] = err.code().name
            reasons[name] = err.details()
    assert outcomes == rpc.expected
    # Refused as Integrationsmanager, not by a later check that another request might pass.
    assert {name: reasons[name] for name in INTEGRATIONSMANAGER} == dict.fromkeys(INTEGRATIONSMANAGER, NUR_FALLPLANUNG)
    if rpc.expected is READER and antrag is not None:
        # Allowed readers see the Antrag itself, not just an empty answer.
        for name in ("own", "landkreis", "rp"):
            assert antrag.id in str(replies[name]) or replies[name].eintraege, (rpc.method, name)


def test_unknown_antrag_looks_the_same_as_someone_elses_to_a_kommune(setup):
    service, server, pki = setup
    theirs = eingegangen(service)
    unknown = str(uuid.uuid4())
    for antrag_id in (theirs.id, unknown):
        with pytest.raises(grpc.RpcError) as err:
            call(server, pki, STUTTGART, "GetAntrag", pb.GetAntragRequest(id=antrag_id))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert err.value.details() == "Kein Zugriff auf diesen Antrag."
    with pytest.raises(grpc.RpcError) as err:
        call(server, pki, "rp", "GetAntrag", pb.GetAntragRequest(id=unknown))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_lists_show_each_caller_only_what_it_may_see(setup):
    service, server, pki = setup
    altbach = eingegangen(service)
    stuttgart = service.submit(kommune(STUTTGART), submission()).antrag

    def ids(identity: str) -> set[str]:
        return {a.id for a in call(server, pki, identity, "ListAntraege", pb.ListAntraegeRequest()).antraege}

    assert ids(ALTBACH) == {altbach.id}
    assert ids(STUTTGART) == {stuttgart.id}
    assert ids(ESSLINGEN_KREIS) == {altbach.id}
    assert ids("rp") == {altbach.id, stuttgart.id}
