"""Versioned parameters on a real database (SQLite and PostgreSQL): who may set them, what a new
version recomputes now or only from its date, how a Planungsrahmen is explained as of a date, and the
provisional against the final Verteilung (Nachverteilung)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from pakt.allocation.v1.allocation_pb2 import Parameter, ParameterArt, SetParameterRequest, Tranche
from pakt.antrag.v1.antrag_pb2 import SCHRITT_PRUEFUNG_ABGESCHLOSSEN, Antrag
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from pakt.referenzdaten import gebiete
from services.allocation.domain import largest_remainder
from services.allocation.main import MIGRATIONS
from services.allocation.tables import parameter, planungsrahmen
from tests.allocation import Allocation
from tests.databases import migrated_engine

IM = 1  # PROGRAMM_INTEGRATIONSMANAGEMENT
RP = Principal(operator="haushalt")
STUTTGART, BOEBLINGEN, BOELLEN, EMERINGEN = "08111000", "08115003", "08336010", "08425035"
BEVOELKERUNG = "Bevölkerung (Zensus 2022), solange keine Erhebung vorliegt"


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Allocation(engine).prepared()


def _budget(betrag_cent: int, gueltig_ab: str, jahr: int = 2018, request_id: str | None = None, **fields) -> SetParameterRequest:
    return SetParameterRequest(
        request_id=request_id or str(uuid.uuid4()),
        parameter=Parameter(
            art=ParameterArt.PARAMETER_ART_BUDGET, programm=IM, foerderjahr=jahr, tranche=Tranche.TRANCHE_ENDGUELTIG,
            betrag_cent=betrag_cent, gueltig_ab=gueltig_ab, quelle="Haushaltsbeschluss (Test)", **fields,
        ),
    )


def _planungsrahmen(service, jahr: int) -> dict[str, int]:
    with service.engine.connect() as conn:
        return dict(
            conn.execute(
                select(planungsrahmen.c.kommune_ags, planungsrahmen.c.rahmen_cent).where(
                    planungsrahmen.c.programm == "PROGRAMM_INTEGRATIONSMANAGEMENT", planungsrahmen.c.foerderjahr == jahr
                )
            ).all()
        )


def _population() -> dict[str, int]:
    return {ags: g.population for ags, g in gebiete().gemeinden.items()}


def test_seeds_are_listed_as_recorded_by_the_system(service):
    alle = service.list_parameter(0, 0, 0)
    assert len(alle) == 9 + 1 + 3  # budgets, Schwellenwert, Stichtage
    assert {p.erfasst_von for p in alle} == {"system:seed"}
    assert [p.gueltig_ab for p in alle] == sorted(p.gueltig_ab for p in alle)  # oldest first
    im_2017 = service.list_parameter(ParameterArt.PARAMETER_ART_BUDGET, IM, 2017)
    assert [(p.tranche, p.betrag_cent, p.gueltig_ab) for p in im_2017] == [
        (Tranche.TRANCHE_VORLAEUFIG, 35_000_000_00, "2017-07-01"),
        (Tranche.TRANCHE_ENDGUELTIG, 58_000_000_00, "2017-12-01"),
    ]
    assert all(p.quelle and p.id for p in im_2017)
    stichtage = service.list_parameter(ParameterArt.PARAMETER_ART_STICHTAG, 0, 0)
    assert [(p.foerderjahr, p.stichtag) for p in stichtage] == [(2017, "2017-03-31"), (2017, "2017-06-30"), (2018, "2017-06-30")]


def test_only_an_operator_sets_parameters(service):
    with pytest.raises(PermissionDenied):
        service.set_parameter(Principal(ags=STUTTGART), _budget(60_000_000_00, "2018-01-01"))
    assert len(service.list_parameter(0, 0, 0)) == 13


def test_a_budget_version_in_force_recomputes_the_planungsrahmen(service):
    reply = service.set_parameter(RP, _budget(60_000_000_00, "2018-01-01"))
    assert reply.parameter.erfasst_von == "rp:haushalt" and reply.parameter.id
    assert reply.parameter.betrag_cent == 60_000_000_00 and reply.parameter.gueltig_ab == "2018-01-01"
    assert len(reply.verteilung_ids) == 1
    rahmen = _planungsrahmen(service, 2018)
    assert sum(rahmen.values()) == 60_000_000_00
    assert rahmen == largest_remainder(60_000_000_00, _population())
    assert service.get_planungsrahmen(STUTTGART, IM, 2018).verteilung_id == reply.verteilung_ids[0]
    assert sum(_planungsrahmen(service, 2017).values()) == 58_000_000_00  # the other year is untouched
    assert service.list_parameter(ParameterArt.PARAMETER_ART_BUDGET, IM, 2018)[-1] == reply.parameter
    assert service.ensure_verteilungen() == 0


def test_a_future_version_changes_nothing_now_but_explains_its_date(service):
    before = _planungsrahmen(service, 2018)
    reply = service.set_parameter(RP, _budget(70_000_000_00, "2099-01-01"))
    assert list(reply.verteilung_ids) == []
    assert _planungsrahmen(service, 2018) == before
    heute = service.explain(STUTTGART, IM, 2018, "", 0)
    assert heute.budget.betrag_cent == 58_000_000_00 and heute.rahmen_cent == before[STUTTGART]
    dann = service.explain(STUTTGART, IM, 2018, "2099-01-02", 0)
    assert (dann.budget.id, dann.budget.betrag_cent, dann.stand) == (reply.parameter.id, 70_000_000_00, "2099-01-02")
    assert dann.rahmen_cent == largest_remainder(70_000_000_00, _population())[STUTTGART]


def test_explain_as_of_july_2017_uses_the_provisional_tranche(service):
    vorl = service.explain(STUTTGART, IM, 2017, "2017-08-01", 0)
    assert vorl.tranche == Tranche.TRANCHE_VORLAEUFIG and vorl.budget.betrag_cent == 35_000_000_00
    assert vorl.budget.gueltig_ab == "2017-07-01" and vorl.budget.erfasst_von == "system:seed"
    assert vorl.stichtag.stichtag == "2017-03-31" and vorl.basis == BEVOELKERUNG and vorl.erhebung_id == ""
    assert vorl.rahmen_cent == largest_remainder(35_000_000_00, _population())[STUTTGART]
    endg = service.explain(STUTTGART, IM, 2017, "", 0)
    assert endg.tranche == Tranche.TRANCHE_ENDGUELTIG and endg.budget.betrag_cent == 58_000_000_00
    assert endg.stichtag.stichtag == "2017-06-30"
    # Asked for explicitly, the provisional Tranche is explained today as well.
    assert service.explain(STUTTGART, IM, 2017, "", Tranche.TRANCHE_VORLAEUFIG).rahmen_cent == vorl.rahmen_cent
    # Before any budget was in force there is nothing to explain.
    with pytest.raises(NotFound):
        service.explain(STUTTGART, IM, 2017, "2017-06-30", 0)


@pytest.mark.parametrize("ags", [STUTTGART, BOEBLINGEN, BOELLEN, EMERINGEN])
def test_explain_gives_the_planungsrahmen_in_force_and_its_rank(service, ags):
    r = service.explain(ags, IM, 2017, "", 0)
    assert r.rahmen_cent == service.get_planungsrahmen(ags, IM, 2017).rahmen_cent
    assert r.anzahl == gebiete().gemeinden[ags].population and r.anzahl_gesamt == sum(_population().values())
    # budget × anzahl = quote_ganz × anzahl_gesamt + rest, as the proto says.
    assert r.budget.betrag_cent * r.anzahl == r.quote_ganz_cent * r.anzahl_gesamt + r.rest
    assert r.rahmen_cent == r.quote_ganz_cent + int(r.plus_ein_cent)
    assert r.plus_ein_cent == (r.rest_rang <= r.restcents_gesamt)
    rang = f"{r.rest_rang:,}".replace(",", ".")
    assert f"Rang {rang}" in r.erlaeuterung and BEVOELKERUNG in r.erlaeuterung


def test_the_worked_example_of_the_documentation(service):
    # docs/allocation.md: Böllen 517,11 € (rank 115 of 555 cents), Emeringen 820,06 € (rank 888).
    boellen, emeringen = service.explain(BOELLEN, IM, 2017, "", 0), service.explain(EMERINGEN, IM, 2017, "", 0)
    assert (boellen.rahmen_cent, boellen.rest_rang, boellen.restcents_gesamt, boellen.plus_ein_cent) == (51_711, 115, 555, True)
    assert (emeringen.rahmen_cent, emeringen.rest_rang, emeringen.plus_ein_cent) == (82_006, 888, False)


def test_bad_parameters_name_their_fields(service):
    def fields(request: SetParameterRequest) -> list[str]:
        with pytest.raises(InvalidArgument) as exc:
            service.set_parameter(RP, request)
        return [v.field for v in exc.value.violations]

    assert fields(SetParameterRequest(request_id="", parameter=Parameter())) == [
        "request_id", "parameter.art", "parameter.gueltig_ab", "parameter.quelle",
    ]
    bad_budget = _budget(0, "2018-13-01", jahr=1999)
    bad_budget.parameter.programm = 0
    bad_budget.parameter.tranche = 0
    bad_budget.parameter.quelle = " "
    assert fields(bad_budget) == [
        "parameter.programm", "parameter.betrag_cent", "parameter.foerderjahr", "parameter.tranche",
        "parameter.gueltig_ab", "parameter.quelle",
    ]
    assert fields(_budget(1, "2018-01-01", stichtag="2017-06-30")) == ["parameter.stichtag"]
    stichtag = SetParameterRequest(
        request_id="s1",
        parameter=Parameter(
            art=ParameterArt.PARAMETER_ART_STICHTAG, programm=IM, foerderjahr=2018, tranche=Tranche.TRANCHE_ENDGUELTIG,
            betrag_cent=5, gueltig_ab="2018-01-01", quelle="Test",
        ),
    )
    assert fields(stichtag) == ["parameter.programm", "parameter.stichtag", "parameter.betrag_cent"]
    schwelle = SetParameterRequest(
        request_id="s2",
        parameter=Parameter(
            art=ParameterArt.PARAMETER_ART_SCHWELLENWERT, programm=IM, foerderjahr=2018, betrag_cent=1,
            gueltig_ab="2018-01-01", quelle="Test",
        ),
    )
    assert fields(schwelle) == ["parameter.foerderjahr"]
    assert len(service.list_parameter(0, 0, 0)) == 13


def test_the_same_request_id_sets_once(service):
    first = service.set_parameter(RP, _budget(60_000_000_00, "2018-01-01", request_id="budget-2018-a"))
    again = service.set_parameter(RP, _budget(60_000_000_00, "2018-01-01", request_id="budget-2018-a"))
    assert again.parameter == first.parameter
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(parameter)).scalar_one() == 14
    with pytest.raises(InvalidArgument) as exc:
        service.set_parameter(RP, _budget(61_000_000_00, "2018-01-01", request_id="budget-2018-a"))
    assert [v.field for v in exc.value.violations] == ["request_id"]


def test_a_budget_below_what_is_bound_is_refused_whole(service):
    rahmen = service.get_planungsrahmen(STUTTGART, IM, 2018).rahmen_cent
    a = Antrag(id=str(uuid.uuid4()), antragsteller_ags=STUTTGART, programm=IM, foerderjahr=2018, betrag_cent=rahmen, version=3)
    env = events.wrap(
        AntragFortgeschrieben(antrag=a, schritt=SCHRITT_PRUEFUNG_ABGESCHLOSSEN),
        aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag",
    )
    service.decide(env, a)
    before = _planungsrahmen(service, 2018)
    with pytest.raises(FailedPrecondition, match=STUTTGART):
        service.set_parameter(RP, _budget(50_000_000_00, "2018-01-01"))
    assert _planungsrahmen(service, 2018) == before
    assert len(service.list_parameter(0, 0, 0)) == 13  # the version is not recorded either


def test_compare_provisional_and_final(service):
    reply = service.compare(IM, 2017, "")
    assert reply.vorlaeufig_budget_cent == 35_000_000_00 and reply.endgueltig_budget_cent == 58_000_000_00
    assert reply.vorlaeufig_basis == reply.endgueltig_basis == BEVOELKERUNG
    assert len(reply.kommunen) == 1101
    assert sum(k.vorlaeufig_cent for k in reply.kommunen) == 35_000_000_00
    assert sum(k.endgueltig_cent for k in reply.kommunen) == 58_000_000_00
    assert all(k.differenz_cent == k.endgueltig_cent - k.vorlaeufig_cent for k in reply.kommunen)
    rahmen = _planungsrahmen(service, 2017)
    assert {k.kommune_ags: k.endgueltig_cent for k in reply.kommunen} == rahmen  # the final one is in force
    kreis = service.compare(IM, 2017, "08115")
    assert {k.kreis_ags for k in kreis.kommunen} == {"08115"} and BOEBLINGEN in {k.kommune_ags for k in kreis.kommunen}
    with pytest.raises(InvalidArgument):
        service.compare(IM, 2017, "99999")
    with pytest.raises(FailedPrecondition):
        service.compare(IM, 2018, "")  # 2018 has no provisional Tranche
