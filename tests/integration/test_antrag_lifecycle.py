"""The life of an Antrag in the antrag service on a real database (SQLite and PostgreSQL):
every step, its history entry and its event, the money rules, Kooperation and Übertragung."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pakt.allocation.v1.allocation_pb2 import ENTSCHEIDUNG_TEILWEISE_BEWILLIGT
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import AntragStatus, Schritt
from pakt.platform import events
from pakt.platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.antrag.main import MIGRATIONS
from tests.antraege import Antraege
from services.antrag.tables import antrag, historie, idempotenzschluessel, mittelabruf, outbox
from tests.antraege import (
    AICHWALD, ALTBACH, DENKENDORF, ESSLINGEN, ESSLINGEN_KREIS, RP, STUTTGART, BAD_BOLL, SPRACHERWERB, approved, bescheid, kommune, rid,
    submission,
)
from tests.databases import migrated_engine

S = AntragStatus
FRIST = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Antraege(engine)


def outbox_events(service: Antraege, antrag_id: str) -> list[events.Event]:
    with service.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.payload).where(outbox.c.aggregate_key == antrag_id).order_by(outbox.c.id)).all()
    return [events.unwrap(r.payload) for r in rows]


def count(service: Antraege, table) -> int:
    with service.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_single_antrag_from_submission_to_rueckforderung(service):
    stuttgart = kommune(STUTTGART)
    a = service.submit(stuttgart, submission()).antrag
    assert a.status == S.ANTRAG_STATUS_EINGEGANGEN and len(a.stellen) == 2 and a.beginn == "2017-07-01"

    service.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.id, vermerk="Unterlagen vollständig?"))
    n = service.request_nachforderung(
        RP, pb.RequestNachforderungRequest(request_id=rid(), antrag_id=a.id, text="Stellenbeschreibung fehlt", frist=FRIST)
    ).antrag
    assert n.status == S.ANTRAG_STATUS_NACHFORDERUNG and n.nachforderung.frist == FRIST
    b = service.answer_nachforderung(
        stuttgart, pb.AnswerNachforderungRequest(request_id=rid(), antrag_id=a.id, antwort="Liegt bei.")
    ).antrag
    assert b.status == S.ANTRAG_STATUS_IN_PRUEFUNG and b.nachforderung.antwort == "Liegt bei."
    r = service.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id)).antrag
    assert r.status == S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF

    bescheid(service, a.id, 100_000_00, ENTSCHEIDUNG_TEILWEISE_BEWILLIGT)
    assert service.get(stuttgart, a.id).status == S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT

    first = service.request_mittelabruf(stuttgart, pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=60_000_00))
    second = service.request_mittelabruf(stuttgart, pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=40_000_00))
    assert second.antrag.abgerufen_cent == 100_000_00
    with pytest.raises(FailedPrecondition, match="noch abrufbaren Betrag von 0,00 €"):
        service.request_mittelabruf(stuttgart, pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=1))
    for abruf in (first.mittelabruf, second.mittelabruf):
        service.confirm_auszahlung(RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=a.id, mittelabruf_id=abruf.id))

    done = service.submit_verwendungsnachweis(
        stuttgart, pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=a.id, verwendet_cent=87_654_32, bericht="Zwei Stellen besetzt.")
    ).antrag
    assert done.status == S.ANTRAG_STATUS_ABGESCHLOSSEN
    assert (done.ausgezahlt_cent, done.verwendet_cent) == (100_000_00, 87_654_32)
    # Every cent accounted for: paid out = spent + reclaimed; approved = spent + released.
    assert done.rueckforderung_cent == 12_345_68
    assert done.freigegeben_cent == 12_345_68

    history = service.history(stuttgart, a.id)
    assert [h.schritt for h in history] == [
        Schritt.SCHRITT_EINGEREICHT, Schritt.SCHRITT_PRUEFUNG_BEGONNEN, Schritt.SCHRITT_NACHFORDERUNG_GESTELLT,
        Schritt.SCHRITT_NACHFORDERUNG_BEANTWORTET, Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN, Schritt.SCHRITT_BESCHIEDEN,
        Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN, Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN,
        Schritt.SCHRITT_AUSZAHLUNG_ANGEWIESEN, Schritt.SCHRITT_AUSZAHLUNG_ANGEWIESEN,
        Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN,
    ]
    assert [h.version for h in history] == list(range(1, 12))
    assert [h.akteur for h in history][:3] == ["kommune:08111000", "rp:sachbearbeitung", "rp:sachbearbeitung"]
    assert history[5].akteur == "allocation" and history[5].betrag_cent == 100_000_00
    assert history[2].begruendung.startswith("Stellenbeschreibung fehlt")
    assert all(h.status_nachher == history[i + 1].status_vorher for i, h in enumerate(history[:-1]))

    # One event per version, in order, without the contact person or free texts.
    published = outbox_events(service, a.id)
    assert [e.envelope.aggregate_version for e in published] == list(range(1, 12))
    assert all(not e.payload.antrag.HasField("ansprechperson") and not e.payload.antrag.begruendung for e in published)
    assert published[-1].payload.schritt == Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN
    assert published[-1].payload.antrag.freigegeben_cent == 12_345_68


def test_withdrawal_before_the_decision_only(service):
    stuttgart = kommune(STUTTGART)
    a = service.submit(stuttgart, submission()).antrag
    w = service.withdraw(stuttgart, pb.WithdrawAntragRequest(request_id=rid(), antrag_id=a.id, begruendung="Doppelt gestellt")).antrag
    assert w.status == S.ANTRAG_STATUS_ZURUECKGEZOGEN
    assert service.history(RP, a.id)[-1].begruendung == "Doppelt gestellt"

    b = service.submit(stuttgart, submission()).antrag
    service.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=b.id))
    service.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=b.id))
    with pytest.raises(FailedPrecondition, match="„entscheidungsreif“"):
        service.withdraw(stuttgart, pb.WithdrawAntragRequest(request_id=rid(), antrag_id=b.id, begruendung="zu spät"))


@pytest.mark.parametrize(
    "step",
    ["complete", "answer", "abruf", "nachweis", "auszahlung"],
)
def test_illegal_transitions_name_the_current_status(service, step):
    stuttgart = kommune(STUTTGART)
    a = service.submit(stuttgart, submission()).antrag
    calls = {
        "complete": lambda: service.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.id)),
        "answer": lambda: service.answer_nachforderung(stuttgart, pb.AnswerNachforderungRequest(request_id=rid(), antrag_id=a.id, antwort="x")),
        "abruf": lambda: service.request_mittelabruf(stuttgart, pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=1)),
        "nachweis": lambda: service.submit_verwendungsnachweis(stuttgart, pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=a.id, verwendet_cent=0, bericht="x")),
        "auszahlung": lambda: service.confirm_auszahlung(RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=a.id, mittelabruf_id=str(uuid.uuid4()))),
    }
    before = (count(service, historie), count(service, outbox))
    with pytest.raises(FailedPrecondition, match="im Status „eingegangen“"):
        calls[step]()
    assert (count(service, historie), count(service, outbox)) == before


def test_concurrent_draw_downs_beyond_the_approval_exactly_one_succeeds(service):
    a = approved(service, betrag=100_000_00)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def draw():
        barrier.wait()
        try:
            outcomes.append(service.request_mittelabruf(
                kommune(STUTTGART), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=60_000_00)
            ))
        except FailedPrecondition as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["FailedPrecondition", "RequestMittelabrufResponse"]
    assert service.get(RP, a.id).abgerufen_cent == 60_000_00
    assert count(service, mittelabruf) == 1


def test_verwendungsnachweis_rules(service):
    a = approved(service, betrag=50_000_00)
    stuttgart = kommune(STUTTGART)
    abruf = service.request_mittelabruf(stuttgart, pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=30_000_00))
    nachweis = lambda cent: service.submit_verwendungsnachweis(  # noqa: E731
        stuttgart, pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=a.id, verwendet_cent=cent, bericht="Bericht")
    )
    with pytest.raises(FailedPrecondition, match="noch nicht ausgezahlt"):
        nachweis(10_000_00)
    service.confirm_auszahlung(RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=a.id, mittelabruf_id=abruf.mittelabruf.id))
    with pytest.raises(FailedPrecondition, match="mehr als ausgezahlt"):
        nachweis(30_000_01)
    done = nachweis(30_000_00).antrag
    # Spent all that was drawn: nothing to pay back, the undrawn 20,000 € go back to the Planungsrahmen.
    assert (done.rueckforderung_cent, done.freigegeben_cent) == (0, 20_000_00)


def test_nachweis_waits_for_the_end_of_the_foerderzeitraum(service):
    a = approved(service, betrag=10_000_00)
    early = Antraege(service.engine, clock=lambda: datetime(2017, 11, 30, tzinfo=UTC))
    with pytest.raises(FailedPrecondition, match="2017-12-31"):
        early.submit_verwendungsnachweis(
            kommune(STUTTGART), pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=a.id, verwendet_cent=0, bericht="x")
        )


def test_same_request_id_returns_the_first_result_and_other_content_is_rejected(service):
    stuttgart = kommune(STUTTGART)
    request = submission()
    first = service.submit(stuttgart, request)
    again = service.submit(stuttgart, request)
    assert again == first
    assert count(service, antrag) == 1
    changed = pb.SubmitAntragRequest()
    changed.CopyFrom(request)
    changed.betrag_cent += 1
    with pytest.raises(InvalidArgument) as exc:
        service.submit(stuttgart, changed)
    assert exc.value.violations[0].field == "request_id"
    # The first result, even after the Antrag has moved on.
    service.begin_pruefung(RP, pb.BeginPruefungRequest(request_id="pruefung-1", antrag_id=first.antrag.id))
    assert service.submit(stuttgart, request).antrag.status == S.ANTRAG_STATUS_EINGEGANGEN
    # Keys are per caller: another Kommune may use the same key for its own request.
    other = service.submit(kommune(ESSLINGEN), submission(request_id=request.request_id, antragsteller_ags=ESSLINGEN))
    assert other.antrag.id != first.antrag.id


def test_joint_antrag_binds_its_members(service):
    lead = kommune(ESSLINGEN)
    joint = service.submit(lead, submission(
        antragsteller_ags=ESSLINGEN,
        mitglieder=[pb.Kooperationsmitglied(ags=ALTBACH, anteil_prozent=20), pb.Kooperationsmitglied(ags=AICHWALD, anteil_prozent=25)],
    )).antrag
    assert [(m.ags, m.anteil_prozent) for m in joint.mitglieder] == [(ALTBACH, 20), (AICHWALD, 25)]
    # Members read it but do not act on it; they cannot apply alone for the same programme and period.
    assert service.get(kommune(ALTBACH), joint.id) == joint
    with pytest.raises(PermissionDenied, match="antragstellende Kommune"):
        service.withdraw(kommune(ALTBACH), pb.WithdrawAntragRequest(request_id=rid(), antrag_id=joint.id, begruendung="x"))
    with pytest.raises(FailedPrecondition, match="Mitglied eines gemeinsamen Antrags"):
        service.submit(kommune(ALTBACH), submission(antragsteller_ags=ALTBACH, beginn="2017-10-01"))
    # Other programmes, other periods and other Kommunen are free.
    service.submit(kommune(ALTBACH), submission(antragsteller_ags=ALTBACH, beginn="2017-01-01", ende="2017-06-30"))
    service.submit(kommune(ALTBACH), submission(antragsteller_ags=ALTBACH, programm=SPRACHERWERB))
    # A Kommune applying alone cannot become a member for the same period.
    with pytest.raises(FailedPrecondition, match="bereits an einem Antrag beteiligt"):
        service.submit(kommune(DENKENDORF), submission(
            antragsteller_ags=DENKENDORF, beginn="2017-01-01", ende="2017-06-30",
            mitglieder=[pb.Kooperationsmitglied(ags=ALTBACH, anteil_prozent=10)],
        ))
    # Withdrawn, the Kooperation no longer binds.
    service.withdraw(lead, pb.WithdrawAntragRequest(request_id=rid(), antrag_id=joint.id, begruendung="Neu aufgestellt"))
    service.submit(kommune(AICHWALD), submission(antragsteller_ags=AICHWALD))


def test_member_of_another_kreis_is_rejected(service):
    with pytest.raises(InvalidArgument) as exc:
        service.submit(kommune(ESSLINGEN), submission(
            antragsteller_ags=ESSLINGEN, mitglieder=[pb.Kooperationsmitglied(ags=BAD_BOLL, anteil_prozent=10)]
        ))
    assert [v.field for v in exc.value.violations] == ["mitglieder[0].ags"]


def test_uebertragung_moves_integrationsmanagement_to_the_landkreis(service):
    altbach = kommune(ALTBACH)
    kreis = kommune(ESSLINGEN_KREIS)
    earlier = service.submit(altbach, submission(antragsteller_ags=ALTBACH, beginn="2017-01-01", ende="2017-03-31")).antrag
    with pytest.raises(FailedPrecondition, match="keine Übertragung"):
        service.submit(kreis, submission(antragsteller_ags=ESSLINGEN_KREIS))
    with pytest.raises(PermissionDenied):
        service.get(kreis, earlier.id)

    u = service.record_uebertragung(altbach, pb.RecordUebertragungRequest(
        request_id=rid(), gemeinde_ags=ALTBACH, programm=1, beginn="2017-04-01", ende="2018-12-31"
    )).uebertragung
    assert u.kreis_ags == ESSLINGEN_KREIS
    with pytest.raises(FailedPrecondition, match="dem Landkreis übertragen"):
        service.submit(altbach, submission(antragsteller_ags=ALTBACH))
    with pytest.raises(FailedPrecondition, match="bereits übertragen"):
        service.record_uebertragung(altbach, pb.RecordUebertragungRequest(
            request_id=rid(), gemeinde_ags=ALTBACH, programm=1, beginn="2018-01-01", ende="2018-06-30"
        ))

    by_kreis = service.submit(kreis, submission(antragsteller_ags=ESSLINGEN_KREIS)).antrag
    assert list(by_kreis.uebertragende_ags) == [ALTBACH]
    # The Landkreis reads the delegating Gemeinde's Anträge for the programme, and the Gemeinde
    # reads the Antrag made on its behalf; a Gemeinde that did not delegate reads neither.
    assert service.get(kreis, earlier.id) == earlier
    assert service.get(altbach, by_kreis.id).id == by_kreis.id
    with pytest.raises(PermissionDenied):
        service.get(kommune(AICHWALD), by_kreis.id)
    listed = service.list(kreis, pb.ListAntraegeRequest(kommune_ags=ALTBACH))
    assert [x.id for x in listed.antraege] == [earlier.id]
    assert [x.gemeinde_ags for x in service.list_uebertragungen(kreis, pb.ListUebertragungenRequest())] == [ALTBACH]


def test_list_pages_in_stable_order_with_filters(service):
    ids = []
    for who in (STUTTGART, ESSLINGEN, ALTBACH, STUTTGART, ESSLINGEN):
        ids.append(service.submit(kommune(who), submission(antragsteller_ags=who, programm=SPRACHERWERB)).antrag.id)
    seen, token = [], ""
    while True:
        page = service.list(RP, pb.ListAntraegeRequest(page_size=2, page_token=token))
        seen += [a.id for a in page.antraege]
        token = page.next_page_token
        if not token:
            break
    assert seen == ids
    kreis = service.list(RP, pb.ListAntraegeRequest(kreis_ags=ESSLINGEN_KREIS))
    assert [a.id for a in kreis.antraege] == [ids[1], ids[2], ids[4]]
    own = service.list(kommune(STUTTGART), pb.ListAntraegeRequest())
    assert [a.id for a in own.antraege] == [ids[0], ids[3]]
    with pytest.raises(PermissionDenied):
        service.list(kommune(STUTTGART), pb.ListAntraegeRequest(kommune_ags=ESSLINGEN))
    first = service.list(RP, pb.ListAntraegeRequest(page_size=1))
    with pytest.raises(InvalidArgument) as refused:
        service.list(RP, pb.ListAntraegeRequest(page_size=1, kreis_ags=ESSLINGEN_KREIS, page_token=first.next_page_token))
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("page_token", "gehört zu einer Abfrage mit anderen Filtern")
    ]
    assert service.list(RP, pb.ListAntraegeRequest(status=S.ANTRAG_STATUS_BEWILLIGT)).antraege == []


def test_rejected_step_stores_nothing(service):
    a = approved(service, betrag=10_000_00)
    before = {t.name: count(service, t) for t in (antrag, historie, outbox, mittelabruf, idempotenzschluessel)}
    with pytest.raises(FailedPrecondition):
        service.request_mittelabruf(kommune(STUTTGART), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=a.id, betrag_cent=10_000_01))
    assert {t.name: count(service, t) for t in (antrag, historie, outbox, mittelabruf, idempotenzschluessel)} == before
    assert service.get(RP, a.id) == a
