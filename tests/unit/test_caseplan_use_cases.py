"""The rules of every changing case-plan use case, without a database: each runs against FakeUnits
with an in-memory repository, and the test looks at what it stored, logged and published. The
database's part (encryption at rest, locks, idempotency keys, the hash chain) is tested in
tests/integration/test_caseplan_*.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import events_pb2 as ev
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.caseplan import abfragen, audit, betrieb, betroffenenrechte, plaene
from services.caseplan.domain import PERSON_FIELDS, STATUS_ABGESCHLOSSEN, STATUS_OFFEN, Planstand
from tests.caseplan import ESSLINGEN, IM_ESSLINGEN, IM_STUTTGART, RP, STUTTGART, SYSTEM_STUTTGART, create_request
from tests.caseplan import person as a_person
from tests.caseplan import personal_values, rid
from tests.fakes import FakeUnits

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # the units of work's clock: "today" for every check
HEUTE = NOW.date()


@dataclass
class _Stored:
    columns: dict[str, Any]
    person: pb.Person | None
    ziele: dict[str, pb.Ziel] = field(default_factory=dict)
    fortschreibungen: list[pb.Fortschreibung] = field(default_factory=list)
    data_key: str = "k1"


@dataclass(frozen=True)
class Access:
    akteur: str
    plan: str
    aktion: str
    felder: tuple[str, ...]
    zweck: str


class FakeRepository:
    """The CasePlanRepository's methods the changing use cases call, on dicts; nothing encrypted."""

    def __init__(self) -> None:
        self.plans: dict[str, _Stored] = {}
        self.log: list[Access] = []
        self.active_key_id = "k2"

    def plan(self, plan_id: str, *, lock: bool = False) -> Planstand | None:
        stored = self.plans.get(plan_id)
        if stored is None:
            return None
        c = stored.columns
        return Planstand(plan_id, c["kommune_ags"], c["status"], c.get("version") or 0,
                         c.get("geloescht_am") is not None, c.get("einwilligung_widerrufen_am") is not None)

    def add_plan(self, plan_id: str, person: pb.Person, **columns: Any) -> None:
        self.plans[plan_id] = _Stored(dict(columns), pb.Person(**_fields(person)))

    def change_plan(self, plan_id: str, **columns: Any) -> None:
        self.plans[plan_id].columns.update(columns)

    def replace_person(self, plan_id: str, person: pb.Person) -> None:
        self.plans[plan_id].person = person

    def add_ziel(self, plan_id: str, ziel_id: str, z: pb.Ziel) -> None:
        self.plans[plan_id].ziele[ziel_id] = _ziel(z, ziel_id)

    def change_ziel(self, plan_id: str, z: pb.Ziel) -> bool:
        ziele = self.plans[plan_id].ziele
        if z.id not in ziele:
            return False
        ziele[z.id] = _ziel(z, z.id)
        return True

    def add_fortschreibung(self, plan_id: str, *, datum: date, naechste_am: date, akteur: str, notiz: str) -> None:
        self.plans[plan_id].fortschreibungen.append(pb.Fortschreibung(
            datum=datum.isoformat(), naechste_am=naechste_am.isoformat(), akteur=akteur, notiz=notiz,
        ))

    def erase_personal_data(self, plan_id: str) -> None:
        stored = self.plans[plan_id]
        stored.person, stored.data_key = None, ""
        for z in stored.ziele.values():
            z.beschreibung = z.massnahmen = z.verantwortlich = ""
        for f in stored.fortschreibungen:
            f.notiz = ""

    def remove(self, plan_id: str) -> None:
        del self.plans[plan_id]

    def load(self, plan_id: str) -> pb.Plan:
        stored = self.plans[plan_id]
        c = stored.columns
        plan = pb.Plan(
            id=plan_id, kommune_ags=c["kommune_ags"], integrationsmanager=c.get("integrationsmanager") or "",
            status=pb.PLANSTATUS_OFFEN if c["status"] == STATUS_OFFEN else pb.PLANSTATUS_ABGESCHLOSSEN,
            laufzeit_bis=_iso(c.get("laufzeit_bis")), naechste_fortschreibung=_iso(c.get("naechste_fortschreibung")),
            abgeschlossen_am=_iso(c.get("abgeschlossen_am")),
            abschlussgrund=pb.Abschlussgrund.Value(c["abschlussgrund"]) if c.get("abschlussgrund") else 0,
            geloescht=c.get("geloescht_am") is not None, version=c.get("version") or 0,
            ziele=list(stored.ziele.values()), fortschreibungen=stored.fortschreibungen,
        )
        if stored.person is not None:
            plan.person.CopyFrom(stored.person)
        return plan

    def overview(self, plan_id: str) -> pb.PlanUebersicht:
        plan = self.load(plan_id)
        return pb.PlanUebersicht(id=plan_id, integrationsmanager=plan.integrationsmanager, status=plan.status)

    def log_access(self, akteur: str, plan_pseudonym: str, aktion: str, felder, zweck: str, at: datetime) -> None:
        audit.new_entry((0, audit.GENESIS), akteur=akteur, plan_pseudonym=plan_pseudonym, aktion=aktion,
                        felder=list(felder), zweck=zweck, at=at)  # what the real log would refuse
        self.log.append(Access(akteur, plan_pseudonym, aktion, tuple(felder), zweck))

    def accesses(self, plan_id: str) -> list[dict[str, str]]:
        return [{"akteur": a.akteur, "aktion": a.aktion, "zweck": a.zweck} for a in self.log if a.plan == plan_id]

    def closed_before(self, day: date, *, erased: bool) -> list[Planstand]:
        return [
            self.plan(plan_id) for plan_id, s in self.plans.items()
            if s.columns["status"] == STATUS_ABGESCHLOSSEN and s.columns["abgeschlossen_am"] < day
            and (s.columns.get("geloescht_am") is not None) == erased
        ]

    def rewrap_stale_data_keys(self, limit: int) -> int:
        stale = [s for s in self.plans.values() if s.data_key and s.data_key != self.active_key_id][:limit]
        for s in stale:
            s.data_key = self.active_key_id
        return len(stale)


def _fields(message) -> dict:
    return {f.name: v for f, v in message.ListFields()}


def _ziel(z: pb.Ziel, ziel_id: str) -> pb.Ziel:
    stored = pb.Ziel(**_fields(z))
    stored.id, stored.status = ziel_id, z.status or pb.ZIELSTATUS_OFFEN
    return stored


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


@pytest.fixture
def units() -> FakeUnits[FakeRepository]:
    return FakeUnits(FakeRepository(), now=NOW)


def _published(units: FakeUnits) -> list[events.Event]:
    assert {topic for topic, _ in units.published} <= {events.CASEPLAN_EVENTS}
    return [events.unwrap(envelope.SerializeToString()) for _, envelope in units.published]


def _open(units: FakeUnits, principal: Principal = IM_STUTTGART, **overrides) -> pb.Plan:
    return plaene.create_plan(units, principal, create_request(**overrides)).plan


def _ziel_request(plan_id: str, **ziel) -> pb.AddZielRequest:
    return pb.AddZielRequest(request_id=rid(), plan_id=plan_id, ziel=pb.Ziel(
        feld=ziel.pop("feld", pb.ZIELFELD_SPRACHE), beschreibung=ziel.pop("beschreibung", "B1-Kurs abschließen"), **ziel
    ))


def _violations(raised: pytest.ExceptionInfo) -> dict[str, str]:
    return {v.field: v.description for v in raised.value.violations}


def _leaks(units: FakeUnits) -> list[str]:
    """Personal values of the test person found in anything the use cases published or logged."""
    published = "".join(str(e.envelope) + str(e.payload) for e in _published(units)) + str(units.repo.log)
    return [v for v in personal_values(a_person()) if v in published]


# -- opening a plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", [RP, SYSTEM_STUTTGART], ids=["operator", "kommune_system"])
def test_only_an_integrationsmanager_opens_a_plan(units, caller):
    with pytest.raises(PermissionDenied):
        _open(units, caller)
    assert units.repo.plans == {} and units.published == []


def test_a_new_plan_runs_two_years_and_is_announced_by_pseudonym_and_age_band(units):
    plan = _open(units, eroeffnet_am="2026-01-10")
    assert (plan.kommune_ags, plan.integrationsmanager, plan.status) == (STUTTGART, "mueller", pb.PLANSTATUS_OFFEN)
    assert (plan.laufzeit_bis, plan.naechste_fortschreibung) == ("2028-01-10", "2026-04-10")
    assert plan.person.name == a_person().name and plan.version == 1
    [opened] = _published(units)
    assert opened.payload == ev.PlanEroeffnet(plan_id=plan.id, kommune_ags=STUTTGART, altersband="27-44",
                                              eroeffnet_am="2026-01-10")
    assert opened.envelope.aggregate_key == plan.id
    assert units.repo.log == [Access(IM_STUTTGART.label, plan.id, audit.ANLEGEN, PERSON_FIELDS,
                                     "Anlage des Integrationsplans")]
    assert _leaks(units) == []


def test_a_plan_is_refused_with_every_bad_field_named_and_no_date_echoed(units):
    request = create_request(
        person=a_person(geburtsdatum="17.04.1991"), integrationsmanager="Müller",
        einwilligung=pb.Einwilligung(zweck="", erteilt_am=(HEUTE + timedelta(days=1)).isoformat(), widerrufen_am="2026-01-01"),
        naechste_fortschreibung="nächste Woche",
    )
    with pytest.raises(InvalidArgument) as raised:
        plaene.create_plan(units, IM_STUTTGART, request)
    assert set(_violations(raised)) == {
        "person.geburtsdatum", "integrationsmanager", "einwilligung.zweck", "einwilligung.erteilt_am",
        "einwilligung.widerrufen_am", "naechste_fortschreibung",
    }
    assert "17.04.1991" not in str(raised.value) and "nächste Woche" not in str(raised.value)
    assert units.repo.plans == {} and units.committed == 0


# -- changing it ------------------------------------------------------------------------------------------


def test_someone_elses_plan_and_an_unknown_one_are_refused_alike(units):
    plan = _open(units)
    for plan_id in (plan.id, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(PermissionDenied, match="Kein Zugriff auf diesen Plan."):
            plaene.update_person(units, IM_ESSLINGEN, pb.UpdatePersonRequest(
                request_id=rid(), plan_id=plan_id, person=a_person(haushalt="allein")))
    assert units.repo.plans[plan.id].person.haushalt == a_person().haushalt


def test_the_person_changes_with_a_new_version_and_a_log_entry_but_no_event(units):
    plan = _open(units)
    changed = plaene.update_person(units, IM_STUTTGART, pb.UpdatePersonRequest(
        request_id=rid(), plan_id=plan.id, person=a_person(haushalt="allein"))).plan
    assert (changed.person.haushalt, changed.version) == ("allein", 2)
    assert len(units.published) == 1  # only the opening
    assert units.repo.log[-1] == Access(IM_STUTTGART.label, plan.id, audit.AENDERN, PERSON_FIELDS,
                                        "Fortschreibung der Personendaten")


def test_goals_are_agreed_and_updated_on_an_open_plan_only(units):
    plan = _open(units)
    with pytest.raises(InvalidArgument) as raised:
        plaene.add_ziel(units, IM_STUTTGART, _ziel_request(plan.id, id="00000000-0000-4000-8000-000000000001"))
    assert _violations(raised) == {"ziel.id": "vergibt der Dienst"}

    with_goal = plaene.add_ziel(units, IM_STUTTGART, _ziel_request(plan.id, massnahmen="Kurs bei der VHS")).plan
    [ziel] = with_goal.ziele
    assert ziel.status == pb.ZIELSTATUS_OFFEN and with_goal.version == 2
    updated = plaene.update_ziel(units, IM_STUTTGART, pb.UpdateZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        id=ziel.id, feld=pb.ZIELFELD_SPRACHE, status=pb.ZIELSTATUS_ERREICHT, beschreibung="B1 bestanden"))).plan
    assert updated.ziele[0].status == pb.ZIELSTATUS_ERREICHT and updated.version == 3
    with pytest.raises(InvalidArgument) as raised:
        plaene.update_ziel(units, IM_STUTTGART, pb.UpdateZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
            id="00000000-0000-4000-8000-000000000002", feld=pb.ZIELFELD_SPRACHE, beschreibung="x")))
    assert _violations(raised) == {"ziel.id": "kein Ziel dieses Plans"}

    # The events carry the goal's field and status, never its texts.
    payloads = [e.payload for e in _published(units)[1:]]
    assert payloads == [
        ev.ZielFortgeschrieben(plan_id=plan.id, kommune_ags=STUTTGART, ziel_id=ziel.id, feld=pb.ZIELFELD_SPRACHE,
                               status=pb.ZIELSTATUS_OFFEN),
        ev.ZielFortgeschrieben(plan_id=plan.id, kommune_ags=STUTTGART, ziel_id=ziel.id, feld=pb.ZIELFELD_SPRACHE,
                               status=pb.ZIELSTATUS_ERREICHT),
    ]
    assert [(a.aktion, a.felder, a.zweck) for a in units.repo.log[1:]] == [
        (audit.AENDERN, ("ziel.beschreibung", "ziel.massnahmen", "ziel.verantwortlich"), "Ziel vereinbart"),
        (audit.AENDERN, ("ziel.beschreibung", "ziel.massnahmen", "ziel.verantwortlich"), "Ziel fortgeschrieben"),
    ]

    plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_SONSTIGES))
    with pytest.raises(FailedPrecondition, match="Der Plan ist abgeschlossen."):
        plaene.add_ziel(units, IM_STUTTGART, _ziel_request(plan.id))


def test_a_fortschreibung_sets_the_next_one_which_lies_in_the_future(units):
    plan = _open(units)
    with pytest.raises(InvalidArgument) as raised:
        plaene.record_fortschreibung(units, IM_STUTTGART, pb.RecordFortschreibungRequest(
            request_id=rid(), plan_id=plan.id, notiz="Gespräch", naechste_am=HEUTE.isoformat()))
    assert _violations(raised) == {"naechste_am": "die nächste Fortschreibung liegt in der Zukunft"}

    naechste = (HEUTE + timedelta(days=30)).isoformat()
    reviewed = plaene.record_fortschreibung(units, IM_STUTTGART, pb.RecordFortschreibungRequest(
        request_id=rid(), plan_id=plan.id, notiz="Gespräch geführt", naechste_am=naechste)).plan
    assert reviewed.naechste_fortschreibung == naechste and reviewed.version == 2
    assert [(f.datum, f.akteur, f.notiz) for f in reviewed.fortschreibungen] == [
        (HEUTE.isoformat(), IM_STUTTGART.label, "Gespräch geführt")
    ]
    assert units.repo.log[-1].felder == ("fortschreibung.notiz",) and len(units.published) == 1


def test_closing_names_a_reason_and_happens_once(units):
    plan = _open(units)
    with pytest.raises(InvalidArgument) as raised:
        plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=plan.id))
    assert _violations(raised) == {"grund": "fehlt oder ist unbekannt"}

    closed = plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(
        request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_WEGZUG)).plan
    assert (closed.status, closed.abgeschlossen_am, closed.abschlussgrund) == (
        pb.PLANSTATUS_ABGESCHLOSSEN, HEUTE.isoformat(), pb.ABSCHLUSSGRUND_WEGZUG)
    assert _published(units)[-1].payload == ev.PlanAbgeschlossen(
        plan_id=plan.id, kommune_ags=STUTTGART, grund=pb.ABSCHLUSSGRUND_WEGZUG, abgeschlossen_am=HEUTE.isoformat())
    with pytest.raises(FailedPrecondition):
        plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(
            request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_WEGZUG))


def test_a_handover_moves_the_plan_to_another_kommune_and_the_handing_one_loses_it(units):
    plan = _open(units)
    for ags, field_ in (("08111000", "neue_kommune_ags"), ("09162000", "neue_kommune_ags")):
        with pytest.raises(InvalidArgument) as raised:
            plaene.hand_over(units, IM_STUTTGART, pb.HandOverPlanRequest(
                request_id=rid(), plan_id=plan.id, neue_kommune_ags=ags, neuer_integrationsmanager="yilmaz"))
        assert list(_violations(raised)) == [field_]

    moved = plaene.hand_over(units, IM_STUTTGART, pb.HandOverPlanRequest(
        request_id=rid(), plan_id=plan.id, neue_kommune_ags=ESSLINGEN, neuer_integrationsmanager="yilmaz")).plan
    assert moved == pb.PlanUebersicht(id=plan.id, integrationsmanager="yilmaz", status=pb.PLANSTATUS_OFFEN)
    assert _published(units)[-1].payload == ev.PlanUebergeben(
        plan_id=plan.id, von_kommune_ags=STUTTGART, an_kommune_ags=ESSLINGEN)
    assert units.repo.log[-1] == Access(IM_STUTTGART.label, plan.id, audit.UEBERGABE, ("kommune_ags",),
                                        f"Übergabe an {ESSLINGEN}")
    with pytest.raises(PermissionDenied):
        abfragen.get_plan(units, IM_STUTTGART, pb.GetPlanRequest(plan_id=plan.id, zweck="noch einmal"))
    assert abfragen.get_plan(units, IM_ESSLINGEN, pb.GetPlanRequest(plan_id=plan.id, zweck="Übernahme")).plan.id == plan.id


def test_withdrawing_consent_closes_an_open_plan_once(units):
    plan = _open(units)
    withdrawn = plaene.withdraw_einwilligung(units, IM_STUTTGART, pb.WithdrawEinwilligungRequest(
        request_id=rid(), plan_id=plan.id)).plan
    assert (withdrawn.status, withdrawn.abschlussgrund) == (pb.PLANSTATUS_ABGESCHLOSSEN, pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN)
    assert withdrawn.person.name == a_person().name  # kept until erasure or the end of retention
    assert type(_published(units)[-1].payload) is ev.PlanAbgeschlossen
    assert units.repo.log[-1].felder == ("einwilligung",)
    with pytest.raises(FailedPrecondition, match="bereits widerrufen"):
        plaene.withdraw_einwilligung(units, IM_STUTTGART, pb.WithdrawEinwilligungRequest(request_id=rid(), plan_id=plan.id))

    # A plan closed before: the withdrawal is recorded, the plan is not closed a second time.
    other = _open(units)
    plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=other.id, grund=pb.ABSCHLUSSGRUND_SONSTIGES))
    published = len(units.published)
    after = plaene.withdraw_einwilligung(units, IM_STUTTGART, pb.WithdrawEinwilligungRequest(
        request_id=rid(), plan_id=other.id)).plan
    assert after.abschlussgrund == pb.ABSCHLUSSGRUND_SONSTIGES and len(units.published) == published


# -- reading, the person's rights --------------------------------------------------------------------------


def test_a_read_is_logged_with_its_purpose_and_the_fields_it_shows(units):
    plan = _open(units)
    plaene.add_ziel(units, IM_STUTTGART, _ziel_request(plan.id))
    with pytest.raises(InvalidArgument) as raised:
        abfragen.get_plan(units, IM_STUTTGART, pb.GetPlanRequest(plan_id=plan.id, zweck="Beratung\nQuellbrunn"))
    assert list(_violations(raised)) == ["zweck"]
    with pytest.raises(PermissionDenied):
        abfragen.get_plan(units, IM_ESSLINGEN, pb.GetPlanRequest(plan_id=plan.id, zweck="Neugier"))
    logged = len(units.repo.log)

    abfragen.get_plan(units, IM_STUTTGART, pb.GetPlanRequest(plan_id=plan.id, zweck="Beratungsgespräch"))
    assert units.repo.log[logged:] == [Access(
        IM_STUTTGART.label, plan.id, audit.LESEN,
        (*PERSON_FIELDS, "ziel.beschreibung", "ziel.massnahmen", "ziel.verantwortlich"), "Beratungsgespräch",
    )]


def test_the_auskunft_lists_the_accesses_before_it_and_is_logged_itself(units):
    plan = _open(units)
    document = json.loads(betroffenenrechte.export_person(units, IM_STUTTGART, pb.ExportPersonRequest(plan_id=plan.id)).json)
    assert document["integrationsplan"]["person"]["name"] == a_person().name
    assert [z["aktion"] for z in document["zugriffe"]] == [audit.ANLEGEN]
    assert units.repo.log[-1] == Access(IM_STUTTGART.label, plan.id, audit.EXPORT, PERSON_FIELDS,
                                        "Auskunft nach Art. 15 DSGVO")


def test_erasure_removes_the_person_closes_the_plan_and_keeps_the_pseudonymous_facts(units):
    plan = _open(units)
    plaene.add_ziel(units, IM_STUTTGART, _ziel_request(plan.id))
    with pytest.raises(InvalidArgument) as raised:
        betroffenenrechte.erase_person(units, IM_STUTTGART, pb.ErasePersonRequest(request_id=rid(), plan_id=plan.id))
    assert _violations(raised) == {"grund": "fehlt"}

    answer = betroffenenrechte.erase_person(units, IM_STUTTGART, pb.ErasePersonRequest(
        request_id=rid(), plan_id=plan.id, grund="Antrag nach Art. 17 DSGVO"))
    assert answer.plan_id == plan.id
    erased = units.repo.load(plan.id)
    assert erased.geloescht and not erased.HasField("person") and erased.ziele[0].beschreibung == ""
    assert erased.ziele[0].feld == pb.ZIELFELD_SPRACHE and erased.status == pb.PLANSTATUS_ABGESCHLOSSEN
    assert erased.abschlussgrund == pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN
    assert type(_published(units)[-1].payload) is ev.PlanAbgeschlossen
    assert units.repo.log[-1] == Access(IM_STUTTGART.label, plan.id, audit.LOESCHEN, PERSON_FIELDS,
                                        "Antrag nach Art. 17 DSGVO")
    with pytest.raises(FailedPrecondition, match="gelöscht"):
        betroffenenrechte.erase_person(units, IM_STUTTGART, pb.ErasePersonRequest(
            request_id=rid(), plan_id=plan.id, grund="noch einmal"))
    with pytest.raises(FailedPrecondition, match="gelöscht"):
        plaene.update_person(units, IM_STUTTGART, pb.UpdatePersonRequest(request_id=rid(), plan_id=plan.id, person=a_person()))
    assert _leaks(units) == []


# -- the operators' use cases -------------------------------------------------------------------------------


def test_retention_erases_the_person_first_and_the_whole_plan_later(units):
    aufbewahrung = betrieb.Aufbewahrung(personendaten=timedelta(days=30), plan=timedelta(days=60))
    recent, old, ancient, still_open = (_open(units) for _ in range(4))
    for plan, days in ((recent, 10), (old, 40), (ancient, 70)):
        plaene.close_plan(units, IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_FOERDERENDE))
        units.repo.change_plan(plan.id, abgeschlossen_am=HEUTE - timedelta(days=days))
    logged = len(units.repo.log)

    # Personal data of both plans closed longer than 30 days goes; the one closed longer than 60
    # days then goes whole, in the same unit of work.
    assert betrieb.erase_expired(units, aufbewahrung, akteur="betrieb:anna") == (2, 1)
    assert set(units.repo.plans) == {recent.id, old.id, still_open.id}
    assert units.repo.load(old.id).geloescht and not units.repo.load(recent.id).geloescht
    assert [(a.akteur, a.plan, a.zweck) for a in units.repo.log[logged:]] == [
        ("betrieb:anna", old.id, "Ende der Aufbewahrungsfrist (Personendaten)"),
        ("betrieb:anna", ancient.id, "Ende der Aufbewahrungsfrist (Personendaten)"),
        ("betrieb:anna", ancient.id, "Ende der Aufbewahrungsfrist (Plan)"),
    ]
    assert betrieb.erase_expired(units, aufbewahrung) == (0, 0)


def test_key_rotation_rewraps_in_batches_each_logged(units):
    for _ in range(5):
        _open(units)
    logged = len(units.repo.log)
    with pytest.raises(ValueError):
        betrieb.rotate_keys(units, "betrieb:anna", batch_size=0)
    assert betrieb.rotate_keys(units, "betrieb:anna", batch_size=2) == 5
    assert [(a.plan, a.aktion, a.zweck) for a in units.repo.log[logged:]] == [
        ("*", audit.SCHLUESSELWECHSEL, "Neuverschlüsselung mit Schlüssel k2")
    ] * 3  # 2 + 2 + 1
    assert betrieb.rotate_keys(units, "betrieb:anna") == 0 and len(units.repo.log) == logged + 3


def test_only_an_operator_republishes_and_only_everything(units):
    with pytest.raises(PermissionDenied, match="Bewilligungsstelle"):
        betrieb.republish(units, IM_STUTTGART, pb.RepublishRequest(alle=True))
    with pytest.raises(InvalidArgument) as raised:
        betrieb.republish(units, RP, pb.RepublishRequest())
    assert list(_violations(raised)) == ["alle"]
