"""The rules of allocation's mutating use cases, without a database: each use case against an
in-memory repository (tests.fakes.FakeUnits) with the seeded parameters: Verteilungen computed,
a parameter version set, an Erhebung imported, an Umverteilung applied, an Antrag decided and
released again. Idempotency, the inbox, row locks and the outbox are the database's part and are
tested against both databases in tests/integration."""

from __future__ import annotations

import types
import uuid
from datetime import UTC, datetime

import pytest

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1.events_pb2 import BescheidErlassen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import (
    SCHRITT_PRUEFUNG_ABGESCHLOSSEN,
    SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN,
    Antrag,
    Kooperationsmitglied,
)
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from pakt.referenzdaten import gebiete
from services.allocation import domain, entscheidung, erhebung, haushalt, umverteilung, verteilung
from tests.fakes import FakeUnits

NOW = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)
RP = Principal(operator="haushalt")
STUTTGART, ALTBACH, AICHWALD, ESSLINGEN = "08111000", "08116004", "08116076", "08116019"
IM, IM_NAME = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT, "PROGRAMM_INTEGRATIONSMANAGEMENT"
BUDGET_IM = 58_000_000_00


class Row(types.SimpleNamespace):
    def _asdict(self) -> dict:
        return dict(vars(self))


def _copy(row: Row) -> Row:
    """What a query returns: a snapshot, not the stored row."""
    return Row(**vars(row))


class FakeRepository:
    """AllocationRepository's contract over dicts."""

    def __init__(self) -> None:
        self.parameter: list[Row] = []
        self.erhebungen: dict[str, Row] = {}
        self.anzahl: dict[str, dict[str, int]] = {}
        self.verteilungen: dict[str, Row] = {}
        self.verteilung_rahmen: dict[str, list[dict]] = {}
        self.rahmen: dict[tuple[str, str, int], Row] = {}
        self.bescheide: dict[str, Row] = {}
        self.bindung: dict[tuple[str, str], Row] = {}
        self.queued_again: list[str] = []

    def parameters(self):
        return [_copy(p) for p in self.parameter]

    def parameters_valid_by(self, stand):
        return sorted((_copy(p) for p in self.parameter if p.gueltig_ab <= stand), key=lambda p: (p.gueltig_ab, p.id))

    def add_parameters(self, rows):
        for row in rows:
            self.add_parameter(row)

    def add_parameter(self, row):
        self.parameter.append(Row(**{"request_id": None, **row, "id": len(self.parameter) + 1}))
        return _copy(self.parameter[-1])

    def has_budget(self, programm, foerderjahr):
        return any(p.art == "budget" and (p.programm, p.foerderjahr) == (programm, foerderjahr) for p in self.parameter)

    def erhebung_for(self, stichtag, imported_before):
        found = [e for e in self.erhebungen.values() if e.stichtag == stichtag and e.importiert_at < imported_before]
        found.sort(key=lambda e: (e.art != "ERHEBUNG_ART_ENDGUELTIG", -e.importiert_at.timestamp(), e.id))
        return _copy(found[0]) if found else None

    def anzahlen(self, erhebung_id):
        return dict(self.anzahl[erhebung_id])

    def add_erhebung(self, row, anzahlen):
        self.erhebungen[row["id"]] = Row(**row)
        self.anzahl[row["id"]] = dict(anzahlen)

    def verteilung(self, verteilung_id):
        return _copy(self.verteilungen[verteilung_id])

    def verteilung_in_force(self, programm, foerderjahr):
        for (_, p, j), r in sorted(self.rahmen.items()):
            if (p, j) == (programm, foerderjahr):
                return _copy(self.verteilungen[r.verteilung_id])
        return None

    def verteilung_of_request(self, request_id):
        return next((_copy(v) for v in self.verteilungen.values() if v.request_id == request_id), None)

    def add_verteilung(self, row, rahmen):
        self.verteilungen[row["id"]] = Row(**row)
        self.verteilung_rahmen[row["id"]] = list(rahmen)

    def gewichte(self, verteilung_id):
        return {r["kommune_ags"]: r["anzahl"] for r in self.verteilung_rahmen[verteilung_id]}

    def rahmen_of(self, programm, foerderjahr, *, lock):
        return [_copy(r) for (_, p, j), r in sorted(self.rahmen.items()) if (p, j) == (programm, foerderjahr)]

    def gebunden(self, programm, foerderjahr, *, lock=False):
        return {r.kommune_ags: r.gebunden_cent for r in self.rahmen_of(programm, foerderjahr, lock=lock)}

    def pool(self, kommunen, programm, foerderjahr):
        return [_copy(self.rahmen[(a, programm, foerderjahr)]) for a in sorted(kommunen) if (a, programm, foerderjahr) in self.rahmen]

    def set_rahmen(self, programm, foerderjahr, verteilung_id, shares, kreise, existing):
        for ags in set(existing) - set(shares):
            del self.rahmen[(ags, programm, foerderjahr)]
        for ags, cent in shares.items():
            kept = self.rahmen.get((ags, programm, foerderjahr))
            if kept is not None:
                kept.rahmen_cent, kept.verteilung_id = cent, verteilung_id
            else:
                self.rahmen[(ags, programm, foerderjahr)] = Row(
                    kommune_ags=ags, programm=programm, foerderjahr=foerderjahr, kreis_ags=kreise[ags],
                    rahmen_cent=cent, gebunden_cent=0, verteilung_id=verteilung_id,
                )

    def bind(self, kommune_ags, programm, foerderjahr, gebunden_vorher, cent):
        r = self.rahmen[(kommune_ags, programm, foerderjahr)]
        if r.gebunden_cent != gebunden_vorher:
            return False
        assert r.gebunden_cent + cent <= r.rahmen_cent  # the database's check constraint
        r.gebunden_cent += cent
        return True

    def bescheid_of(self, antrag_id):
        row = self.bescheide.get(antrag_id)
        return _copy(row) if row is not None else None

    def add_bescheid(self, row, bindungen):
        self.bescheide[row["antrag_id"]] = Row(**row)
        for b in bindungen:
            self.bindung[(row["id"], b["kommune_ags"])] = Row(bescheid_id=row["id"], freigegeben_cent=0, **b)

    def bindungen(self, bescheid_id):
        return [_copy(b) for (bid, _), b in sorted(self.bindung.items()) if bid == bescheid_id]

    def release(self, r, cent):
        self.bindung[(r.bescheid_id, r.kommune_ags)].freigegeben_cent = cent
        self.rahmen[(r.kommune_ags, r.programm, r.foerderjahr)].gebunden_cent -= cent

    def publish_again(self, antrag_ids):
        self.queued_again += antrag_ids
        return len(antrag_ids)


class Units(FakeUnits):
    woken = 0

    def on_events(self) -> None:
        self.woken += 1


@pytest.fixture
def units() -> Units:
    """The seeded parameters and the Verteilungen they give, on 1 March 2018."""
    u = Units(FakeRepository(), now=NOW)
    haushalt.seed_parameters(u)
    assert verteilung.ensure_verteilungen(u) == 8
    u.published.clear()
    return u


def _payloads(units: Units, payload_type) -> list:
    found = [events.unwrap(envelope.SerializeToString()).payload for _, envelope in units.published]
    return [p for p in found if isinstance(p, payload_type)]


def _rahmen(units: Units, ags: str, jahr: int = 2017) -> Row:
    return units.repo.rahmen[(ags, IM_NAME, jahr)]


def _population() -> dict[str, int]:
    return {ags: g.population for ags, g in gebiete().gemeinden.items()}


# -- Verteilungen ----------------------------------------------------------------------------------


def test_the_seeded_budgets_are_distributed_by_population_to_the_cent(units):
    repo = units.repo
    assert len(repo.verteilungen) == 8
    im_2017 = {ags: r.rahmen_cent for (ags, p, j), r in repo.rahmen.items() if (p, j) == (IM_NAME, 2017)}
    assert im_2017 == domain.largest_remainder(BUDGET_IM, _population())
    assert {v.basis for v in repo.verteilungen.values()} == {verteilung.BEVOELKERUNG}
    assert {v.tranche for v in repo.verteilungen.values()} == {"TRANCHE_ENDGUELTIG"}
    # Nothing changed: nothing is computed again, nothing published.
    assert verteilung.ensure_verteilungen(units) == 0 and units.published == []


def test_a_new_verteilung_keeps_what_is_bound_and_publishes_the_planungsrahmen(units):
    _rahmen(units, STUTTGART).gebunden_cent = 1_000_00
    haushalt.set_parameter(units, RP, _budget(60_000_000_00, "2018-01-01", jahr=2017))
    assert _rahmen(units, STUTTGART).gebunden_cent == 1_000_00
    (festgelegt,) = _payloads(units, VerteilungFestgelegt)
    assert festgelegt.budget_cent == 60_000_000_00 and len(festgelegt.rahmen) == 1101
    assert sum(k.rahmen_cent for k in festgelegt.rahmen) == 60_000_000_00


# -- parameters ------------------------------------------------------------------------------------


def _budget(betrag_cent: int, gueltig_ab: str, jahr: int = 2018) -> pb.SetParameterRequest:
    return pb.SetParameterRequest(
        request_id=str(uuid.uuid4()),
        parameter=pb.Parameter(
            art=pb.PARAMETER_ART_BUDGET, programm=IM, foerderjahr=jahr, tranche=pb.TRANCHE_ENDGUELTIG,
            betrag_cent=betrag_cent, gueltig_ab=gueltig_ab, quelle="Haushaltsbeschluss (Test)",
        ),
    )


def test_a_budget_version_in_force_is_recorded_and_redistributed(units):
    reply = haushalt.set_parameter(units, RP, _budget(60_000_000_00, "2018-01-01"))
    assert (reply.parameter.erfasst_von, reply.parameter.betrag_cent, reply.parameter.gueltig_ab) == (
        "rp:haushalt", 60_000_000_00, "2018-01-01"
    )
    (verteilung_id,) = reply.verteilung_ids
    assert units.repo.verteilungen[verteilung_id].erfasst_von == "rp:haushalt"
    assert {ags: r.rahmen_cent for (ags, p, j), r in units.repo.rahmen.items() if (p, j) == (IM_NAME, 2018)} == (
        domain.largest_remainder(60_000_000_00, _population())
    )


def test_a_version_dated_in_the_future_changes_no_planungsrahmen(units):
    reply = haushalt.set_parameter(units, RP, _budget(70_000_000_00, "2099-01-01"))
    assert reply.parameter.id and list(reply.verteilung_ids) == [] and units.published == []


def test_only_the_bewilligungsstelle_sets_parameters_and_a_bad_version_is_refused(units):
    with pytest.raises(PermissionDenied):
        haushalt.set_parameter(units, Principal(ags=STUTTGART), _budget(1, "2018-01-01"))
    with pytest.raises(InvalidArgument):
        haushalt.set_parameter(units, RP, _budget(0, "2018-01-01"))
    assert len(units.repo.parameter) == 13 and units.committed == 2  # the seeds and their Verteilungen


def test_a_budget_below_what_is_bound_is_refused(units):
    _rahmen(units, STUTTGART, 2018).gebunden_cent = _rahmen(units, STUTTGART, 2018).rahmen_cent
    with pytest.raises(FailedPrecondition, match=STUTTGART):
        haushalt.set_parameter(units, RP, _budget(50_000_000_00, "2018-01-01"))


# -- an Erhebung -----------------------------------------------------------------------------------


def _kopf(**fields) -> pb.ErhebungKopf:
    values = {
        "request_id": "erhebung-1", "stichtag": "2017-06-30", "art": pb.ERHEBUNG_ART_ENDGUELTIG,
        "quelle": "Erhebung (Test)", "dateiname": "erhebung.csv",
    }
    return pb.ErhebungKopf(**{**values, **fields})


def _counts() -> dict[str, int]:
    return {ags: g.population // 100 for ags, g in sorted(gebiete().gemeinden.items())}


def _lines(counts: dict[str, int]) -> list[str]:
    return ["ags;anzahl"] + [f"{ags};{n}" for ags, n in counts.items()]


def test_an_erhebung_for_the_stichtag_in_force_redistributes_by_its_counts(units):
    counts = _counts()
    reply = erhebung.import_erhebung(units, RP, _kopf(), _lines(counts))
    assert (reply.gemeinden, reply.anzahl_gesamt, len(reply.verteilung_ids)) == (1101, sum(counts.values()), 8)
    stored = units.repo.erhebungen[reply.erhebung_id]
    assert (stored.art, stored.importiert_von, stored.request_id) == ("ERHEBUNG_ART_ENDGUELTIG", "rp:haushalt", "erhebung-1")
    assert units.repo.anzahl[reply.erhebung_id] == counts
    im = {ags: r.rahmen_cent for (ags, p, j), r in units.repo.rahmen.items() if (p, j) == (IM_NAME, 2017)}
    assert im == domain.largest_remainder(BUDGET_IM, counts)
    assert {units.repo.verteilungen[v].basis for v in reply.verteilung_ids} == {
        "Erhebung zum Stichtag 2017-06-30 (endgültig)"
    }


def test_an_erhebung_no_stichtag_in_force_names_is_stored_and_changes_nothing(units):
    reply = erhebung.import_erhebung(units, RP, _kopf(stichtag="2016-12-31"), _lines(_counts()))
    assert reply.erhebung_id in units.repo.erhebungen and list(reply.verteilung_ids) == [] and units.published == []


def test_a_bad_file_or_caller_stores_nothing(units):
    lines = _lines(_counts())
    lines[5] = lines[5].split(";")[0] + ";12,5"
    with pytest.raises(InvalidArgument) as err:
        erhebung.import_erhebung(units, RP, _kopf(quelle=" "), lines)
    assert [v.field for v in err.value.violations] == ["kopf.quelle", "zeile 6"]
    with pytest.raises(PermissionDenied):
        erhebung.import_erhebung(units, Principal(ags=STUTTGART), _kopf(), _lines(_counts()))
    assert units.repo.erhebungen == {}


def test_an_import_is_identified_by_its_kopf_and_its_file_not_its_request_id():
    sha = "a" * 64
    assert erhebung.import_digest(_kopf(), sha) == erhebung.import_digest(_kopf(request_id="anders"), sha)
    assert erhebung.import_digest(_kopf(), sha) != erhebung.import_digest(_kopf(), "b" * 64)
    assert erhebung.import_digest(_kopf(), sha) != erhebung.import_digest(_kopf(quelle="andere Quelle"), sha)


# -- an Antrag decided, and released ---------------------------------------------------------------


def _event(a: Antrag, schritt: int = SCHRITT_PRUEFUNG_ABGESCHLOSSEN) -> events.Event:
    """antrag's event, as the consumer hands it over."""
    envelope = events.wrap(
        AntragFortgeschrieben(antrag=a, schritt=schritt),
        aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag",
    )
    return events.unwrap(envelope.SerializeToString())


def _antrag(ags: str, betrag_cent: int, jahr: int = 2017, **fields) -> Antrag:
    return Antrag(id=str(uuid.uuid4()), antragsteller_ags=ags, programm=IM, foerderjahr=jahr, betrag_cent=betrag_cent, **fields)


def _decide(units: Units, a: Antrag) -> str:
    return entscheidung.apply_antrag_event(units, _event(a))


def test_an_antrag_within_its_planungsrahmen_is_approved_and_bound(units):
    a = _antrag(STUTTGART, 100_000_00)
    assert _decide(units, a) == "applied"
    assert _rahmen(units, STUTTGART).gebunden_cent == 100_000_00
    stored = units.repo.bescheide[a.id]
    assert (stored.entscheidung, stored.bewilligt_cent, stored.rahmen_ags) == ("ENTSCHEIDUNG_BEWILLIGT", 100_000_00, STUTTGART)
    (erlassen,) = _payloads(units, BescheidErlassen)
    assert (erlassen.antrag_id, erlassen.bewilligt_cent, erlassen.bescheid_id) == (a.id, 100_000_00, stored.id)
    assert [(b.kommune_ags, b.gebunden_cent, b.frei_vorher_cent) for b in erlassen.bindungen] == [
        (STUTTGART, 100_000_00, _rahmen(units, STUTTGART).rahmen_cent)
    ]


def test_above_what_is_free_an_antrag_is_approved_in_part_then_rejected(units):
    rahmen = _rahmen(units, STUTTGART).rahmen_cent
    first, second, third = _antrag(STUTTGART, rahmen - 5_00), _antrag(STUTTGART, 7_00), _antrag(STUTTGART, 1_00)
    for a in (first, second, third):
        _decide(units, a)
    bescheide = units.repo.bescheide
    assert [(bescheide[a.id].entscheidung, bescheide[a.id].bewilligt_cent) for a in (first, second, third)] == [
        ("ENTSCHEIDUNG_BEWILLIGT", rahmen - 5_00),
        ("ENTSCHEIDUNG_TEILWEISE_BEWILLIGT", 5_00),
        ("ENTSCHEIDUNG_ABGELEHNT", 0),
    ]
    assert bescheide[third.id].ablehnungsgrund == "ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT"
    assert _rahmen(units, STUTTGART).gebunden_cent == rahmen


def test_the_schwellenwert_and_the_pool(units):
    alone, kreis = _antrag(ALTBACH, 10_000_00), _antrag("08116", 10_000_00, uebertragende_ags=[ALTBACH, AICHWALD])
    without = _antrag("08115", 10_000_00)
    for a in (alone, kreis, without):
        _decide(units, a)
    b = units.repo.bescheide
    assert (b[alone.id].entscheidung, b[alone.id].ablehnungsgrund) == ("ENTSCHEIDUNG_ABGELEHNT", "ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT")
    assert (b[kreis.id].entscheidung, b[kreis.id].rahmen_ags) == ("ENTSCHEIDUNG_BEWILLIGT", None)
    assert _rahmen(units, ALTBACH).gebunden_cent + _rahmen(units, AICHWALD).gebunden_cent == 10_000_00
    assert b[without.id].ablehnungsgrund == "ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN"


def test_a_year_without_budget_is_rejected_for_that(units):
    a = _antrag(STUTTGART, 1_000_00, jahr=2019)
    _decide(units, a)
    assert units.repo.bescheide[a.id].ablehnungsgrund == "ABLEHNUNGSGRUND_KEIN_BUDGET"


def test_a_kooperation_binds_across_the_pool(units):
    lead_rahmen = _rahmen(units, ESSLINGEN).rahmen_cent
    a = _antrag(ESSLINGEN, lead_rahmen + 1_000_00, mitglieder=[Kooperationsmitglied(ags=ALTBACH, anteil_prozent=10)])
    _decide(units, a)
    bound = {ags: b.gebunden_cent for (_, ags), b in units.repo.bindung.items()}
    assert set(bound) == {ESSLINGEN, ALTBACH} and sum(bound.values()) == lead_rahmen + 1_000_00
    assert units.repo.bescheide[a.id].entscheidung == "ENTSCHEIDUNG_BEWILLIGT"


def test_an_antrag_decided_already_is_not_decided_again_its_bescheid_is_published_again(units):
    a = _antrag(STUTTGART, 1_000_00)
    _decide(units, a)
    units.published.clear()
    assert _decide(units, a) == "republished"
    assert units.repo.queued_again == [a.id] and units.woken == 1 and units.published == []
    assert _rahmen(units, STUTTGART).gebunden_cent == 1_000_00


def test_a_verwendungsnachweis_gives_back_what_was_not_spent_once(units):
    a = _antrag(ESSLINGEN, 90_000_00, mitglieder=[Kooperationsmitglied(ags=ALTBACH, anteil_prozent=10)])
    _decide(units, a)
    before = _rahmen(units, ESSLINGEN).gebunden_cent + _rahmen(units, ALTBACH).gebunden_cent
    done = Antrag()
    done.CopyFrom(a)
    done.freigegeben_cent = 30_000_01
    event = _event(done, SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN)
    assert entscheidung.apply_antrag_event(units, event) == "applied"
    after = _rahmen(units, ESSLINGEN).gebunden_cent + _rahmen(units, ALTBACH).gebunden_cent
    assert before - after == 30_000_01
    assert sum(b.freigegeben_cent for b in units.repo.bindung.values()) == 30_000_01
    # Released once; never more than was bound; nothing without a Bescheid.
    assert entscheidung.release(units, event.envelope, done) == "duplicate"
    other = _antrag(STUTTGART, 1_000_00)
    _decide(units, other)
    assert entscheidung.release(units, event.envelope, Antrag(id=other.id, freigegeben_cent=1_000_01)) == "rejected"
    assert entscheidung.release(units, event.envelope, Antrag(id=str(uuid.uuid4()), freigegeben_cent=1)) == "ignored"
    assert _rahmen(units, STUTTGART).gebunden_cent == 1_000_00


# -- Umverteilung ----------------------------------------------------------------------------------


def _umverteilung(request_id: str = "umv-1", quelle: str = "Beschluss RP") -> pb.ApplyUmverteilungRequest:
    return pb.ApplyUmverteilungRequest(request_id=request_id, programm=IM, foerderjahr=2017, quelle=quelle)


def test_nothing_bound_nothing_to_redistribute(units):
    with pytest.raises(FailedPrecondition, match="bereits nach der Regel verteilt"):
        umverteilung.apply(units, RP, _umverteilung())


def test_an_umverteilung_gives_room_to_a_gemeinde_that_bound_everything(units):
    stuttgart = _rahmen(units, STUTTGART).rahmen_cent
    _decide(units, _antrag(STUTTGART, stuttgart))
    units.published.clear()
    reply = umverteilung.apply(units, RP, _umverteilung(quelle="Beschluss RP vom 1. März 2018"))
    assert reply.frei_gesamt_cent == BUDGET_IM - stuttgart
    stored = units.repo.verteilungen[reply.verteilung_id]
    assert (stored.umverteilung, stored.request_id, stored.erfasst_von, stored.budget_cent) == (True, "umv-1", "rp:haushalt", BUDGET_IM)
    assert stored.basis.startswith("Umverteilung; ") and stored.basis.endswith("frei; Beschluss RP vom 1. März 2018")
    rahmen = {ags: r for (ags, p, j), r in units.repo.rahmen.items() if (p, j) == (IM_NAME, 2017)}
    assert sum(r.rahmen_cent for r in rahmen.values()) == BUDGET_IM
    assert rahmen[STUTTGART].rahmen_cent > stuttgart == rahmen[STUTTGART].gebunden_cent
    shares = domain.largest_remainder(reply.frei_gesamt_cent, _population())
    assert {ags: r.rahmen_cent - r.gebunden_cent for ags, r in rahmen.items()} == shares
    (festgelegt,) = _payloads(units, VerteilungFestgelegt)
    assert festgelegt.verteilung_id == reply.verteilung_id
    # The Umverteilung stays in force: its inputs are those of the Verteilung it replaced.
    assert verteilung.ensure_verteilungen(units) == 0


def test_only_the_bewilligungsstelle_redistributes(units):
    with pytest.raises(PermissionDenied):
        umverteilung.apply(units, Principal(ags=STUTTGART), _umverteilung())
    with pytest.raises(InvalidArgument):
        umverteilung.apply(units, RP, _umverteilung(quelle="x" * 61))
