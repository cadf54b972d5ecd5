"""The rules of antrag's mutating use cases, without a database: each use case against an
in-memory repository (tests.fakes.FakeUnits), and the pure rules they apply (services.antrag.domain).
Idempotency, row locks and the outbox are the database's part and are tested against both
databases in tests/integration."""

from __future__ import annotations

import types
import uuid
from datetime import UTC, date, datetime

import pytest

from pakt.allocation.v1.allocation_pb2 import (
    ENTSCHEIDUNG_ABGELEHNT,
    ENTSCHEIDUNG_BEWILLIGT,
)
from pakt.allocation.v1.events_pb2 import BescheidErlassen
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import AntragStatus, MittelabrufStatus
from pakt.antrag.v1.events_pb2 import (
    AntragBeschieden,
    AntragEingereicht,
    AntragFortgeschrieben,
)
from pakt.platform import events
from pakt.platform.errors import FailedPrecondition, NotFound, PermissionDenied
from services.antrag import antragsteller, bescheid, bewilligungsstelle, domain
from tests.antraege import (
    ALTBACH,
    ESSLINGEN,
    RP,
    SPRACHERWERB,
    STUTTGART,
    kommune,
    rid,
    submission,
)
from tests.fakes import FakeUnits

S = AntragStatus
NOW = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)
OTHER = "08115003"


class FakeRepository:
    """AntragRepository's contract over dicts."""

    def __init__(self) -> None:
        self.antraege: dict[str, dict] = {}
        self.beteiligte: dict[str, list[tuple[str, str, int]]] = {}
        self.history: list[dict] = []
        self.abrufe: dict[str, dict] = {}
        self.uebertragungen: list[dict] = []

    def find(self, antrag_id, *, lock=False):
        row = self.antraege.get(antrag_id)
        return None if row is None else types.SimpleNamespace(**row)

    def add(self, row, stellen, beteiligte):
        self.antraege[row["id"]] = dict(row)
        self.beteiligte[row["id"]] = list(beteiligte)

    def change(self, row, values):
        assert self.antraege[row.id]["version"] == row.version
        self.antraege[row.id].update(values)

    def record(self, antrag_id, version, zeitpunkt, akteur, schritt, vorher, nachher, begruendung, betrag_cent):
        self.history.append(dict(antrag_id=antrag_id, version=version, akteur=akteur, schritt=schritt,
                                 vorher=vorher, nachher=nachher, betrag_cent=betrag_cent))

    def load(self, ids):
        return [
            pb.Antrag(
                id=i, status=S.Value(self.antraege[i]["status"]), version=self.antraege[i]["version"],
                antragsteller_ags=self.antraege[i]["antragsteller_ags"],
                bewilligt_cent=self.antraege[i]["bewilligt_cent"], ausgezahlt_cent=self.antraege[i]["ausgezahlt_cent"],
                begruendung=self.antraege[i]["begruendung"],
                mittelabrufe=[pb.Mittelabruf(id=m["id"], betrag_cent=m["betrag_cent"]) for m in self.abrufe.values()
                              if m["antrag_id"] == i],
            )
            for i in ids
        ]

    def visible(self, principal, antrag_id):
        return any(ags == principal.ags for ags, _, _ in self.beteiligte.get(antrag_id, []))

    def lock_kommunen(self, ags_list, programm):
        pass

    def role_in_active_antrag(self, ags, roles, programm, beginn, ende):
        for antrag_id, beteiligte in self.beteiligte.items():
            a = self.antraege[antrag_id]
            if a["programm"] == programm and S.Value(a["status"]) not in domain.BEENDET and domain.overlaps(
                a["beginn"], a["ende"], beginn, ende
            ):
                for b_ags, rolle, _ in beteiligte:
                    if b_ags == ags and rolle in roles:
                        return rolle
        return None

    def uebertragung_overlapping(self, gemeinde_ags, programm, beginn, ende):
        return None

    def uebertragende(self, kreis_ags, programm, beginn, ende):
        return []

    def add_mittelabruf(self, abruf_id, antrag_id, betrag_cent, now):
        self.abrufe[abruf_id] = dict(id=abruf_id, antrag_id=antrag_id, betrag_cent=betrag_cent,
                                     status=MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT))

    def mittelabruf(self, abruf_id, antrag_id):
        m = self.abrufe.get(abruf_id)
        return None if m is None or m["antrag_id"] != antrag_id else types.SimpleNamespace(**m)

    def has_open_mittelabruf(self, antrag_id):
        return any(m["antrag_id"] == antrag_id and m["status"].endswith("ANGEFORDERT") for m in self.abrufe.values())

    def mark_paid(self, abruf_id, now):
        self.abrufe[abruf_id]["status"] = MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_AUSGEZAHLT)


@pytest.fixture
def units():
    return FakeUnits(FakeRepository(), now=NOW)


def payloads(units) -> list:
    return [events.unwrap(envelope.SerializeToString()).payload for _, envelope in units.published]


def submitted(units, **fields) -> str:
    return antragsteller.submit(units, kommune(STUTTGART), submission(**fields)).antrag.id


def in_status(units, status: int, **columns) -> str:
    antrag_id = submitted(units)
    units.repo.antraege[antrag_id].update(status=S.Name(status), **columns)
    return antrag_id


def test_submit_stores_the_antrag_with_its_first_history_entry_and_event(units):
    antrag_id = submitted(units)
    assert units.repo.antraege[antrag_id]["status"] == "ANTRAG_STATUS_EINGEGANGEN"
    assert [h["schritt"] for h in units.repo.history] == ["SCHRITT_EINGEREICHT"]
    [event] = payloads(units)
    assert isinstance(event, AntragEingereicht)
    assert event.antrag.id == antrag_id and event.antrag.begruendung == ""  # free text never in events


def test_a_kommune_applies_in_its_own_name_only_and_an_operator_never_applies(units):
    with pytest.raises(PermissionDenied):
        antragsteller.submit(units, kommune(OTHER), submission())
    with pytest.raises(PermissionDenied):
        antragsteller.submit(units, RP, submission())
    assert units.repo.antraege == {} and units.published == []


def test_a_member_of_a_kooperation_cannot_apply_on_its_own_for_the_same_period(units):
    member, lead = ALTBACH, ESSLINGEN
    antragsteller.submit(
        units, kommune(lead),
        submission(antragsteller_ags=lead, programm=SPRACHERWERB, mitglieder=[pb.Kooperationsmitglied(ags=member, anteil_prozent=40)]),
    )
    with pytest.raises(FailedPrecondition, match="bereits Mitglied eines gemeinsamen Antrags"):
        antragsteller.submit(units, kommune(member), submission(antragsteller_ags=member, programm=SPRACHERWERB))
    assert len(units.repo.antraege) == 1


def test_a_step_moves_the_status_records_who_and_publishes(units):
    antrag_id = submitted(units)
    bewilligungsstelle.begin_pruefung(units, RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=antrag_id))
    assert units.repo.antraege[antrag_id]["status"] == "ANTRAG_STATUS_IN_PRUEFUNG"
    assert units.repo.antraege[antrag_id]["version"] == 2
    assert (units.repo.history[-1]["akteur"], units.repo.history[-1]["vorher"]) == ("rp:sachbearbeitung", "ANTRAG_STATUS_EINGEGANGEN")
    assert isinstance(payloads(units)[-1], AntragFortgeschrieben)


@pytest.mark.parametrize(
    "use_case, request_type, caller",
    [
        (bewilligungsstelle.begin_pruefung, pb.BeginPruefungRequest, kommune(STUTTGART)),
        (bewilligungsstelle.complete_pruefung, pb.CompletePruefungRequest, kommune(STUTTGART)),
        (antragsteller.withdraw, pb.WithdrawAntragRequest, RP),
    ],
)
def test_steps_belong_to_one_side(units, use_case, request_type, caller):
    antrag_id = submitted(units)
    fields = {"begruendung": "x"} if request_type is pb.WithdrawAntragRequest else {}
    with pytest.raises(PermissionDenied):
        use_case(units, caller, request_type(request_id=rid(), antrag_id=antrag_id, **fields))
    assert units.repo.antraege[antrag_id]["version"] == 1


def test_another_kommune_learns_nothing_about_an_antrag_and_operators_hear_it_is_missing(units):
    antrag_id = submitted(units)
    with pytest.raises(PermissionDenied, match="Kein Zugriff"):
        antragsteller.withdraw(units, kommune(OTHER), pb.WithdrawAntragRequest(request_id=rid(), antrag_id=antrag_id, begruendung="x"))
    with pytest.raises(NotFound):
        bewilligungsstelle.begin_pruefung(units, RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=str(uuid.uuid4())))


def test_a_step_out_of_order_changes_nothing(units):
    antrag_id = submitted(units)
    with pytest.raises(FailedPrecondition, match="nur im Status"):
        bewilligungsstelle.complete_pruefung(units, RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=antrag_id))
    assert units.repo.antraege[antrag_id]["version"] == 1 and len(units.published) == 1


def test_mittelabruf_and_auszahlung_move_the_money(units):
    antrag_id = in_status(units, S.ANTRAG_STATUS_BEWILLIGT, bewilligt_cent=100_00)
    abruf = antragsteller.request_mittelabruf(
        units, kommune(STUTTGART), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=antrag_id, betrag_cent=60_00)
    ).mittelabruf
    with pytest.raises(FailedPrecondition, match="übersteigt den noch abrufbaren Betrag"):
        antragsteller.request_mittelabruf(
            units, kommune(STUTTGART), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=antrag_id, betrag_cent=40_01)
        )
    bewilligungsstelle.confirm_auszahlung(
        units, RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=antrag_id, mittelabruf_id=abruf.id)
    )
    assert units.repo.antraege[antrag_id]["ausgezahlt_cent"] == 60_00
    with pytest.raises(FailedPrecondition, match="bereits ausgezahlt"):
        bewilligungsstelle.confirm_auszahlung(
            units, RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=antrag_id, mittelabruf_id=abruf.id)
        )


def test_verwendungsnachweis_settles_every_cent(units):
    antrag_id = in_status(units, S.ANTRAG_STATUS_BEWILLIGT, bewilligt_cent=100_00, ausgezahlt_cent=80_00)
    antragsteller.submit_verwendungsnachweis(
        units, kommune(STUTTGART),
        pb.SubmitVerwendungsnachweisRequest(request_id=rid(), antrag_id=antrag_id, verwendet_cent=70_00, bericht="b"),
    )
    a = units.repo.antraege[antrag_id]
    assert (a["status"], a["rueckforderung_cent"], a["freigegeben_cent"]) == ("ANTRAG_STATUS_ABGESCHLOSSEN", 10_00, 30_00)


def test_nachforderung_frist_lies_within_a_year(units):
    antrag_id = in_status(units, S.ANTRAG_STATUS_IN_PRUEFUNG)
    request = pb.RequestNachforderungRequest(request_id=rid(), antrag_id=antrag_id, text="Bitte", frist="2019-03-02")
    with pytest.raises(Exception, match="ungültig"):
        bewilligungsstelle.request_nachforderung(units, RP, request)
    request.frist = "2018-04-01"
    bewilligungsstelle.request_nachforderung(units, RP, request)
    assert units.repo.antraege[antrag_id]["nachforderung_frist"] == date(2018, 4, 1)


def test_a_bescheid_is_applied_once_and_only_to_an_antrag_awaiting_it(units):
    antrag_id = in_status(units, S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF, bescheid_id=None)
    b = BescheidErlassen(bescheid_id=str(uuid.uuid4()), antrag_id=antrag_id, entscheidung=ENTSCHEIDUNG_BEWILLIGT,
                         bewilligt_cent=5_00, begruendung="ok")
    envelope = events.wrap(b, aggregate_type="antrag", aggregate_key=antrag_id, aggregate_version=1, producer="allocation")
    assert bescheid.apply_bescheid(units, envelope, b) == "applied"
    assert units.repo.antraege[antrag_id]["status"] == "ANTRAG_STATUS_BEWILLIGT"
    assert isinstance(payloads(units)[-1], AntragBeschieden)
    assert bescheid.apply_bescheid(units, envelope, b) == "duplicate"
    other = BescheidErlassen(bescheid_id=str(uuid.uuid4()), antrag_id=antrag_id, entscheidung=ENTSCHEIDUNG_ABGELEHNT)
    assert bescheid.apply_bescheid(units, envelope, other) == "ignored"
    assert units.repo.antraege[antrag_id]["version"] == 2


# -- the pure rules -----------------------------------------------------------------------------


def test_mittelabruf_error_allows_exactly_what_is_left():
    assert domain.mittelabruf_error(40, 100, 60) is None
    assert "übersteigt" in domain.mittelabruf_error(41, 100, 60)


@pytest.mark.parametrize(
    "heute, offen, verwendet, fragment",
    [
        (date(2017, 12, 31), False, 0, "folgt auf das Ende"),
        (date(2018, 1, 1), True, 0, "noch nicht ausgezahlt"),
        (date(2018, 1, 1), False, 81, "mehr als ausgezahlt"),
        (date(2018, 1, 1), False, 80, None),
    ],
)
def test_verwendungsnachweis_error(heute, offen, verwendet, fragment):
    error = domain.verwendungsnachweis_error(heute, date(2017, 12, 31), offen, verwendet, 80)
    assert (error is None) if fragment is None else (fragment in error)


def test_frist_error_bounds():
    heute = date(2018, 3, 1)
    assert domain.frist_error(heute, heute) is None
    assert domain.frist_error(date(2019, 3, 1), heute) is None
    assert domain.frist_error(date(2019, 3, 2), heute) is not None
    assert domain.frist_error(date(2018, 2, 28), heute) is not None


def test_a_kommune_applies_itself_or_is_a_member_never_both():
    assert domain.ausschliessende_rollen(antragsteller=True) == [domain.MITGLIED]
    assert domain.ausschliessende_rollen(antragsteller=False) == [domain.ANTRAGSTELLER, domain.MITGLIED]
    assert "Mitglied eines gemeinsamen Antrags" in domain.kooperation_error("08111000", domain.MITGLIED)
    assert "an einem Antrag beteiligt" in domain.kooperation_error("08111000", domain.ANTRAGSTELLER)
