"""Umverteilung on a real database (SQLite and PostgreSQL): unbound money pooled and redistributed
by the weights the Planungsrahmen follow, adding up to the budget, never below what is bound, applied once
per request_id as a new Verteilung version that the Planungsrahmen and later Entscheidungen follow."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pakt.allocation.v1.allocation_pb2 import ApplyUmverteilungRequest
from pakt.antrag.v1.antrag_pb2 import SCHRITT_PRUEFUNG_ABGESCHLOSSEN, Antrag
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.geld import euro
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from pakt.platform.unit_of_work import UnitOfWork
from pakt.referenzdaten import gebiete
from services.allocation import umverteilung
from services.allocation.domain import largest_remainder
from services.allocation.main import MIGRATIONS
from services.allocation.repository import AllocationRepository
from services.allocation.tables import bescheid, outbox, parameter, planungsrahmen, verteilung, verteilung_rahmen
from tests.allocation import Allocation
from tests.databases import migrated_engine

IM = 1  # PROGRAMM_INTEGRATIONSMANAGEMENT
BUDGET_IM = 58_000_000_00
RP = Principal(operator="sachbearbeiterin")
STUTTGART, BOEBLINGEN, ESSLINGEN = "08111000", "08115003", "08116019"


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Allocation(engine).prepared()


def _decide(service, ags: str, betrag_cent: int, jahr: int = 2017) -> str:
    """Decide an Antrag of a Gemeinde alone; returns the Bescheid's Entscheidung."""
    a = Antrag(id=str(uuid.uuid4()), antragsteller_ags=ags, programm=IM, foerderjahr=jahr, betrag_cent=betrag_cent, version=3)
    env = events.wrap(
        AntragFortgeschrieben(antrag=a, schritt=SCHRITT_PRUEFUNG_ABGESCHLOSSEN),
        aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag",
    )
    assert service.decide(env, a) == "applied"
    with service.engine.connect() as conn:
        return conn.execute(select(bescheid.c.entscheidung).where(bescheid.c.antrag_id == a.id)).scalar_one()


def _planungsrahmen(service, jahr: int = 2017) -> dict[str, tuple[int, int, str]]:
    with service.engine.connect() as conn:
        return {
            r.kommune_ags: (r.rahmen_cent, r.gebunden_cent, r.verteilung_id)
            for r in conn.execute(
                select(planungsrahmen).where(
                    planungsrahmen.c.programm == "PROGRAMM_INTEGRATIONSMANAGEMENT", planungsrahmen.c.foerderjahr == jahr
                )
            )
        }


def _rahmen(service, ags: str) -> int:
    return service.get_planungsrahmen(ags, IM, 2017).rahmen_cent


def _apply(service, request_id: str | None = None, jahr: int = 2017, quelle: str = "Beschluss RP vom 1. März 2018", principal=RP):
    request = ApplyUmverteilungRequest(
        request_id=request_id or str(uuid.uuid4()), programm=IM, foerderjahr=jahr, quelle=quelle
    )
    return service.apply_umverteilung(principal, request)


@pytest.fixture
def gebunden(service):
    """Stuttgart binds its whole Planungsrahmen, Böblingen part of it, Esslingen nothing."""
    assert _decide(service, STUTTGART, _rahmen(service, STUTTGART)) == "ENTSCHEIDUNG_BEWILLIGT"
    assert _decide(service, BOEBLINGEN, 100_000_00) == "ENTSCHEIDUNG_BEWILLIGT"
    return {STUTTGART: _rahmen(service, STUTTGART), BOEBLINGEN: 100_000_00}


def test_simulation_adds_up_to_the_budget_and_keeps_what_is_bound(service, gebunden):
    before = _planungsrahmen(service)
    sim = service.simulate_umverteilung(IM, 2017)
    rows = {k.kommune_ags: k for k in sim.kommunen}
    assert set(rows) == set(before) and len(rows) == 1101
    assert sum(k.rahmen_cent for k in sim.kommunen) == BUDGET_IM
    assert sum(k.neuer_rahmen_cent for k in sim.kommunen) == BUDGET_IM  # exactly, to the cent
    assert sim.frei_gesamt_cent == sum(k.frei_cent for k in sim.kommunen) == BUDGET_IM - sum(gebunden.values())
    for k in sim.kommunen:
        assert (k.rahmen_cent, k.gebunden_cent) == before[k.kommune_ags][:2]
        assert k.frei_cent == k.rahmen_cent - k.gebunden_cent
        assert k.neuer_rahmen_cent >= k.gebunden_cent
        assert k.kreis_ags == gebiete().gemeinden[k.kommune_ags].kreis_ags
    # The free money goes by the same weights as the Verteilung in force: the population.
    weights = {ags: g.population for ags, g in gebiete().gemeinden.items()}
    shares = largest_remainder(sim.frei_gesamt_cent, weights)
    assert {k.kommune_ags: k.neuer_rahmen_cent - k.gebunden_cent for k in sim.kommunen} == shares
    # Simulating changes nothing.
    assert _planungsrahmen(service) == before


def test_a_gemeinde_that_bound_its_whole_planungsrahmen_gets_room_again(service, gebunden):
    rows = {k.kommune_ags: k for k in service.simulate_umverteilung(IM, 2017).kommunen}
    stuttgart, esslingen = rows[STUTTGART], rows[ESSLINGEN]
    assert stuttgart.frei_cent == 0 and stuttgart.neuer_rahmen_cent > stuttgart.rahmen_cent
    # Its new room is its population share of everything still free.
    assert stuttgart.neuer_rahmen_cent - stuttgart.gebunden_cent == largest_remainder(
        service.simulate_umverteilung(IM, 2017).frei_gesamt_cent, {a: g.population for a, g in gebiete().gemeinden.items()}
    )[STUTTGART]
    # A Gemeinde that bound nothing shares its unspent money with the others: a little less.
    assert esslingen.gebunden_cent == 0 and esslingen.neuer_rahmen_cent < esslingen.rahmen_cent


def test_apply_stores_a_new_version_that_the_planungsrahmen_follow(service, gebunden):
    sim = service.simulate_umverteilung(IM, 2017)
    before = _planungsrahmen(service)
    reply = _apply(service, "umv-2017-1", quelle="Beschluss RP vom 1. März 2018")
    assert reply.frei_gesamt_cent == sim.frei_gesamt_cent
    after = _planungsrahmen(service)
    assert {ags: r[0] for ags, r in after.items()} == {k.kommune_ags: k.neuer_rahmen_cent for k in sim.kommunen}
    assert {ags: r[1] for ags, r in after.items()} == {ags: r[1] for ags, r in before.items()}  # bound stays bound
    assert {r[2] for r in after.values()} == {reply.verteilung_id}
    with service.engine.connect() as conn:
        row = conn.execute(select(verteilung).where(verteilung.c.id == reply.verteilung_id)).one()
        old = conn.execute(select(verteilung).where(verteilung.c.id == next(iter(before.values()))[2])).one()
        weights = dict(
            conn.execute(
                select(verteilung_rahmen.c.kommune_ags, verteilung_rahmen.c.anzahl).where(
                    verteilung_rahmen.c.verteilung_id == reply.verteilung_id
                )
            ).all()
        )
        stored = dict(
            conn.execute(
                select(verteilung_rahmen.c.kommune_ags, verteilung_rahmen.c.rahmen_cent).where(
                    verteilung_rahmen.c.verteilung_id == reply.verteilung_id
                )
            ).all()
        )
        festgelegt = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.event_type.like("%VerteilungFestgelegt%"))
        ).scalar_one()
    assert row.umverteilung is True and row.erfasst_von == "rp:sachbearbeiterin" and row.request_id == "umv-2017-1"
    assert row.budget_cent == BUDGET_IM
    assert "Beschluss RP vom 1. März 2018" in row.basis and row.basis.startswith("Umverteilung; ")
    # The same inputs as the Verteilung it replaces: the same parameter versions and weights.
    assert (row.budget_parameter_id, row.stichtag_parameter_id, row.erhebung_id, row.tranche) == (
        old.budget_parameter_id, old.stichtag_parameter_id, old.erhebung_id, old.tranche,
    )
    assert weights == {ags: g.population for ags, g in gebiete().gemeinden.items()}
    assert stored == {ags: r[0] for ags, r in after.items()}
    assert festgelegt == 8 + 1  # the eight at start, then the Umverteilung
    # A restart (or any recompute) keeps the Umverteilung in force: its inputs have not changed.
    assert service.ensure_verteilungen() == 0
    assert _planungsrahmen(service) == after
    # The explanation gives the rule's figure and says that the Umverteilung's Planungsrahmen applies.
    explained = service.explain(STUTTGART, IM, 2017, "", 0)
    assert "Seit der Umverteilung" in explained.erlaeuterung and euro(after[STUTTGART][0]) in explained.erlaeuterung


def test_the_same_request_id_applies_once(service, gebunden):
    first = _apply(service, "umv-einmal")
    rahmen = _planungsrahmen(service)
    again = _apply(service, "umv-einmal")
    assert again == first
    assert _planungsrahmen(service) == rahmen
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(verteilung).where(verteilung.c.umverteilung)).scalar_one() == 1
    with pytest.raises(InvalidArgument) as other_year:
        _apply(service, "umv-einmal", jahr=2018)
    with pytest.raises(InvalidArgument) as other_quelle:
        _apply(service, "umv-einmal", quelle="eine andere Begründung")
    assert [v.field for v in other_year.value.violations] == ["request_id"]
    assert [v.field for v in other_quelle.value.violations] == ["request_id"]


def test_only_an_operator_may_apply(service, gebunden):
    before = _planungsrahmen(service)
    with pytest.raises(PermissionDenied):
        _apply(service, principal=Principal(ags=STUTTGART))
    assert _planungsrahmen(service) == before


def test_entscheidungen_after_apply_follow_the_new_planungsrahmen(service, gebunden):
    assert _decide(service, STUTTGART, 1_00) == "ENTSCHEIDUNG_ABGELEHNT"  # full before
    _apply(service)
    rahmen = service.get_planungsrahmen(STUTTGART, IM, 2017)
    room = rahmen.rahmen_cent - rahmen.gebunden_cent
    assert room > 0
    assert _decide(service, STUTTGART, room + 1_000_00) == "ENTSCHEIDUNG_TEILWEISE_BEWILLIGT"
    after = service.get_planungsrahmen(STUTTGART, IM, 2017)
    assert after.gebunden_cent == after.rahmen_cent == rahmen.rahmen_cent
    with service.engine.connect() as conn:
        total, bound, over = conn.execute(
            select(
                func.sum(planungsrahmen.c.rahmen_cent),
                func.sum(planungsrahmen.c.gebunden_cent),
                func.count().filter(planungsrahmen.c.gebunden_cent > planungsrahmen.c.rahmen_cent),
            ).where(planungsrahmen.c.programm == "PROGRAMM_INTEGRATIONSMANAGEMENT", planungsrahmen.c.foerderjahr == 2017)
        ).one()
        bewilligt = conn.execute(select(func.sum(bescheid.c.bewilligt_cent))).scalar_one()
    assert total == BUDGET_IM and over == 0 and bound == bewilligt


def test_applying_again_without_new_bindings_changes_nothing_and_is_refused(service, gebunden):
    _apply(service)
    rahmen = _planungsrahmen(service)
    with pytest.raises(FailedPrecondition, match="bereits nach der Regel verteilt"):
        _apply(service)
    assert _planungsrahmen(service) == rahmen
    # After new Bindungen there is something to redistribute again.
    _decide(service, ESSLINGEN, _rahmen(service, ESSLINGEN))
    second = _apply(service)
    assert {r[2] for r in _planungsrahmen(service).values()} == {second.verteilung_id}


def test_nothing_bound_means_nothing_to_change(service):
    sim = service.simulate_umverteilung(IM, 2017)
    assert sim.frei_gesamt_cent == BUDGET_IM
    assert all(k.neuer_rahmen_cent == k.rahmen_cent for k in sim.kommunen)
    with pytest.raises(FailedPrecondition):
        _apply(service)


def test_bad_requests_name_their_fields(service):
    with pytest.raises(InvalidArgument) as exc:
        service.apply_umverteilung(RP, ApplyUmverteilungRequest(request_id="", programm=0, foerderjahr=1999, quelle=" "))
    assert [v.field for v in exc.value.violations] == ["request_id", "programm", "foerderjahr", "quelle"]
    with pytest.raises(InvalidArgument) as exc:
        _apply(service, request_id="mit Leerzeichen", quelle="x" * 61)
    assert [v.field for v in exc.value.violations] == ["request_id", "quelle"]
    with pytest.raises(InvalidArgument) as exc:
        service.simulate_umverteilung(99, 2017)
    assert [v.field for v in exc.value.violations] == ["programm"]
    with pytest.raises(NotFound, match="keine Verteilung in Kraft"):
        service.simulate_umverteilung(IM, 2019)


def test_planungsrahmen_that_no_longer_follow_the_parameters_in_force_are_not_redistributed(service, gebunden):
    # A budget version that came into force without a recompute yet (say, at midnight).
    with service.engine.begin() as conn:
        conn.execute(
            parameter.insert().values(
                art="budget", programm="PROGRAMM_INTEGRATIONSMANAGEMENT", foerderjahr=2017, tranche="TRANCHE_ENDGUELTIG",
                betrag_cent=60_000_000_00, gueltig_ab=datetime.now(UTC).date(), quelle="Test", erfasst_von="rp:test",
                erfasst_at=datetime.now(UTC),
            )
        )
    rahmen = _planungsrahmen(service)
    with pytest.raises(FailedPrecondition, match="nicht mehr auf den heute geltenden"):
        service.simulate_umverteilung(IM, 2017)
    with pytest.raises(FailedPrecondition):
        _apply(service)
    assert _planungsrahmen(service) == rahmen


def test_a_new_budget_version_replaces_the_umverteilung_by_the_rule(service, gebunden):
    from pakt.allocation.v1.allocation_pb2 import (
        Parameter,
        ParameterArt,
        SetParameterRequest,
        Tranche,
    )

    _apply(service)
    reply = service.set_parameter(
        RP,
        SetParameterRequest(
            request_id="budget-60",
            parameter=Parameter(
                art=ParameterArt.PARAMETER_ART_BUDGET, programm=IM, foerderjahr=2017, tranche=Tranche.TRANCHE_ENDGUELTIG,
                betrag_cent=60_000_000_00, gueltig_ab="2018-01-01", quelle="Test: mehr Geld",
            ),
        ),
    )
    assert len(reply.verteilung_ids) == 1
    rahmen = _planungsrahmen(service)
    with service.engine.connect() as conn:
        row = conn.execute(select(verteilung).where(verteilung.c.id == reply.verteilung_ids[0])).one()
    assert row.umverteilung is False and sum(r[0] for r in rahmen.values()) == 60_000_000_00
    shares = largest_remainder(60_000_000_00, {a: g.population for a, g in gebiete().gemeinden.items()})
    assert {ags: r[0] for ags, r in rahmen.items()} == shares


def test_an_entscheidung_waiting_on_a_locked_planungsrahmen_decides_against_the_new_planungsrahmen(service, gebunden):
    """PostgreSQL: apply holds the row locks of the Planungsrahmen; an Entscheidung waiting for them must find the
    new Planungsrahmen, not a deleted row (which would reject it for want of a Planungsrahmen)."""
    if service.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL; SQLite serialises whole transactions")
    request = ApplyUmverteilungRequest(request_id="umv-lock", programm=IM, foerderjahr=2017, quelle="Test")
    outcome = {}
    with service.engine.connect() as conn:
        tx = conn.begin()
        umverteilung._apply(UnitOfWork(conn, datetime.now(UTC), AllocationRepository(conn), outbox), RP, request)
        waiting = threading.Thread(target=lambda: outcome.update(e=_decide(service, STUTTGART, 1_000_00)))
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive()  # blocked on Stuttgart's row lock
        tx.commit()
    waiting.join(10)
    assert outcome["e"] == "ENTSCHEIDUNG_BEWILLIGT"
    rahmen = service.get_planungsrahmen(STUTTGART, IM, 2017)
    assert rahmen.gebunden_cent == gebunden[STUTTGART] + 1_000_00 <= rahmen.rahmen_cent
