"""The case-plan rules without a database: term and age bands, what a plan's state allows, the
field names the access log records, the request checks that never echo a plan's dates, and the
access log's hash chain over entries in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.caseplan import audit, domain
from services.caseplan.domain import STATUS_ABGESCHLOSSEN, STATUS_OFFEN, Planstand
from tests.caseplan import IM_ESSLINGEN, IM_STUTTGART, STUTTGART, create_request, person, rid

HEUTE = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("geburt", "am", "band"),
    [
        ("2009-11-21", "2027-11-20", "unter 18"),
        ("2009-11-20", "2027-11-20", "18-26"),
        ("1999-11-21", "2026-11-20", "18-26"),
        ("1999-11-20", "2026-11-20", "27-44"),
        ("1981-11-20", "2026-11-20", "45-64"),
        ("1961-11-20", "2026-11-20", "65+"),
    ],
)
def test_the_age_leaves_the_person_only_as_a_band(geburt, am, band):
    assert domain.altersband(date.fromisoformat(geburt), date.fromisoformat(am)) == band


def test_a_plan_runs_two_years():
    assert domain.laufzeit_bis(date(2026, 1, 10)) == date(2028, 1, 10)


def test_a_plan_belongs_to_its_kommune_and_its_state_decides_what_is_possible():
    stand = Planstand("p-1", STUTTGART, STATUS_OFFEN, 3)
    assert domain.responsible(stand, IM_STUTTGART) is stand
    for other in (None, stand):
        with pytest.raises(PermissionDenied, match="Kein Zugriff auf diesen Plan."):
            domain.responsible(other, IM_ESSLINGEN)
    domain.require_open(stand)
    domain.require_personal_data(stand)
    domain.require_einwilligung(stand)
    with pytest.raises(FailedPrecondition, match="abgeschlossen"):
        domain.require_open(replace(stand, status=STATUS_ABGESCHLOSSEN))
    with pytest.raises(FailedPrecondition, match="gelöscht"):
        domain.require_personal_data(replace(stand, geloescht=True))
    with pytest.raises(FailedPrecondition, match="widerrufen"):
        domain.require_einwilligung(replace(stand, einwilligung_widerrufen=True))
    with pytest.raises(InvalidArgument):
        domain.require_other_kommune(stand, STUTTGART)


def test_the_access_log_names_the_fields_a_plan_shows():
    assert domain.felder(pb.Plan()) == []
    assert domain.felder(pb.Plan(person=person(), ziele=[pb.Ziel()], fortschreibungen=[pb.Fortschreibung()])) == [
        *domain.PERSON_FIELDS, "ziel.beschreibung", "ziel.massnahmen", "ziel.verantwortlich", "fortschreibung.notiz",
    ]


def test_a_new_plans_dates_default_and_are_never_echoed():
    eroeffnung = domain.check_create(create_request(), HEUTE)
    assert (eroeffnung.eroeffnet_am, eroeffnung.naechste_fortschreibung) == (HEUTE, HEUTE + timedelta(days=90))
    assert eroeffnung.geburtsdatum == date(1991, 4, 17)

    with pytest.raises(InvalidArgument) as raised:
        domain.check_create(create_request(person=person(geburtsdatum="1991-02-30"), eroeffnet_am="20.11.2026"), HEUTE)
    assert {v.field: v.description for v in raised.value.violations} == {
        "person.geburtsdatum": "ist kein Datum im Format JJJJ-MM-TT",
        "eroeffnet_am": "ist kein Datum im Format JJJJ-MM-TT",
    }


def test_ids_are_checked_by_the_platforms_rule():
    with pytest.raises(InvalidArgument) as raised:
        domain.check_withdraw(pb.WithdrawEinwilligungRequest(request_id="", plan_id="PLAN-1"))
    assert {v.field: v.description for v in raised.value.violations} == {
        "request_id": "fehlt: jeder ändernde Aufruf braucht einen Idempotenzschlüssel",
        "plan_id": "„PLAN-1“ ist keine Plan-ID (UUID in Kleinbuchstaben)",
    }
    domain.check_withdraw(pb.WithdrawEinwilligungRequest(request_id=rid(), plan_id="00000000-0000-4000-8000-000000000000"))


def test_a_caseload_is_as_of_today_unless_asked_otherwise():
    assert domain.check_caseload(pb.GetCaseloadRequest(), HEUTE) == HEUTE
    assert domain.check_caseload(pb.GetCaseloadRequest(stichtag="2027-01-01"), HEUTE) == date(2027, 1, 1)
    with pytest.raises(InvalidArgument):
        domain.check_caseload(pb.GetCaseloadRequest(stichtag="morgen"), HEUTE)


# -- the hash chain, over entries in memory -----------------------------------------------------------------


def _chain(n: int) -> list[SimpleNamespace]:
    rows, head = [], (0, audit.GENESIS)
    for i in range(n):
        entry = audit.new_entry(head, akteur=IM_STUTTGART.label, plan_pseudonym=f"plan-{i}", aktion=audit.LESEN,
                                felder=["name"], zweck="Beratung", at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i))
        rows.append(SimpleNamespace(**entry))
        head = (entry["id"], entry["hash"])
    return rows


def test_a_chain_links_each_entry_to_its_predecessor_and_detects_a_change():
    rows = _chain(5)
    assert [r.id for r in rows] == [1, 2, 3, 4, 5] and rows[0].prev_hash == audit.GENESIS
    report = audit.check(rows)
    assert (report.ok, report.entries, report.anchor) == (True, 5, f"5:{rows[-1].hash}")

    rows[2].zweck = "Statistik"
    report = audit.check(rows)
    assert (report.ok, report.first_bad_id, report.head_id) == (False, 3, 2)
    assert report.problem == "Eintrag 3: Prüfsumme stimmt nicht (verändert)"


def test_a_cut_off_tail_shows_only_against_an_anchor():
    rows = _chain(5)
    anchor = (5, rows[-1].hash)
    assert audit.check(rows[:4]).ok
    report = audit.check(rows[:4], expect=anchor)
    assert (report.ok, report.first_bad_id) == (False, 5)


def test_an_entry_carries_names_never_values():
    for bad in ({"felder": ["Xaverine Quellbrunn"]}, {"aktion": "SCHAUEN"}, {"zweck": ""}, {"at": datetime(2026, 1, 1)}):
        values = {"akteur": "a", "plan_pseudonym": "p", "aktion": audit.LESEN, "felder": "name", "zweck": "z",
                  "at": datetime(2026, 1, 1, tzinfo=UTC)} | bad
        with pytest.raises(ValueError):
            audit.new_entry((0, audit.GENESIS), **values)
