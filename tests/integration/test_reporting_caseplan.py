"""Integrationsmanagement casework in the reporting read model (SQLite and PostgreSQL): the
case-plan service's pseudonymous events fold into open plans per Kommune and goals per field, the
same however often and in whatever order they arrive, and GetIntegrationsmanagement publishes no
count describing fewer than five people, nor one that a total minus the published cells gives."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from alembic import command
from alembic.config import Config
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from pakt.caseplan.v1.caseplan_pb2 import (
    ABSCHLUSSGRUND_ZIELE_ERREICHT,
    ZIELFELD_ARBEIT,
    ZIELFELD_SPRACHE,
    ZIELFELD_WOHNEN,
    ZIELSTATUS_ERREICHT,
    ZIELSTATUS_IN_ARBEIT,
    ZIELSTATUS_OFFEN,
    Zielfeld,
    Zielstatus,
)
from pakt.caseplan.v1.events_pb2 import PlanAbgeschlossen, PlanEroeffnet, PlanUebergeben, ZielFortgeschrieben
from pakt.platform import events
from pakt.platform.db import make_engine
from pakt.platform.errors import InvalidArgument
from pakt.reporting.v1 import reporting_pb2 as rpb
from pakt.geheimhaltung import MIN_PERSONEN
from pakt.platform.settings import KafkaSettings
from services.reporting.freshness import Freshness
from services.reporting.grpc_api import ReportingServicer
from services.reporting.main import MIGRATIONS
from services.reporting.tables import aggregation_stand, plan_stand, ziel_stand
from tests.databases import migrated_engine
from tests.reporting import Lesemodell

BOEBLINGEN, SINDELFINGEN, LEONBERG = "08115003", "08115045", "08115028"
LANDKREIS_BOEBLINGEN = "08115"  # a Landkreis running Integrationsmanagement for its Gemeinden
ESSLINGEN, NUERTINGEN = "08116019", "08116049"
STUTTGART = "08111000"


@pytest.fixture
def readmodel(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Lesemodell(engine)


@dataclass
class Fallakte:
    """Builds a case-plan event stream as the service does (one aggregate version per event,
    increasing; every event names the plan's Kommune as it is then) and remembers what it says."""

    clock: int = 1_700_000_000_000_000
    events: list[events.Event] = field(default_factory=list)
    kommune: dict[str, str] = field(default_factory=dict)
    offen: set[str] = field(default_factory=set)
    ziele: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # ziel_id -> plan, feld, status
    ids: itertools.count = field(default_factory=itertools.count)

    def _emit(self, plan_id: str, payload) -> None:
        self.clock += 1 + next(self.ids) % 7
        envelope = events.wrap(
            payload, aggregate_type="integrationsplan", aggregate_key=plan_id, aggregate_version=self.clock,
            producer="caseplan",
        )
        self.events.append(events.Event(envelope, payload))

    def eroeffnen(self, kommune: str) -> str:
        plan_id = f"plan-{next(self.ids)}"
        self.kommune[plan_id] = kommune
        self.offen.add(plan_id)
        self._emit(plan_id, PlanEroeffnet(plan_id=plan_id, kommune_ags=kommune, altersband="27-44", eroeffnet_am="2026-11-02"))
        return plan_id

    def ziel(self, plan_id: str, feld: int, status: int = ZIELSTATUS_OFFEN, ziel_id: str | None = None) -> str:
        ziel_id = ziel_id or f"ziel-{next(self.ids)}"
        self.ziele[ziel_id] = (plan_id, feld, status)
        self._emit(plan_id, ZielFortgeschrieben(
            plan_id=plan_id, kommune_ags=self.kommune[plan_id], ziel_id=ziel_id, feld=feld, status=status
        ))
        return ziel_id

    def uebergeben(self, plan_id: str, an: str) -> None:
        von, self.kommune[plan_id] = self.kommune[plan_id], an
        self._emit(plan_id, PlanUebergeben(plan_id=plan_id, von_kommune_ags=von, an_kommune_ags=an))

    def abschliessen(self, plan_id: str) -> None:
        self.offen.discard(plan_id)
        self._emit(plan_id, PlanAbgeschlossen(
            plan_id=plan_id, kommune_ags=self.kommune[plan_id], grund=ABSCHLUSSGRUND_ZIELE_ERREICHT,
            abgeschlossen_am="2027-03-01",
        ))

    def offene_je_kommune(self) -> dict[str, int]:
        return dict(Counter(self.kommune[p] for p in self.offen))

    def ziele_stand(self) -> dict[str, tuple[str, str, str, str]]:
        return {
            z: (plan, Zielfeld.Name(feld), Zielstatus.Name(status), self.kommune[plan])
            for z, (plan, feld, status) in self.ziele.items()
        }


def offene_je_kommune(readmodel: Lesemodell) -> dict[str, int]:
    """What the read model holds, before any suppression."""
    p = plan_stand.c
    with readmodel.engine.connect() as conn:
        rows = conn.execute(
            select(p.kommune_ags, func.count()).where(p.status == "PLANSTATUS_OFFEN").group_by(p.kommune_ags)
        ).all()
    return {ags: n for ags, n in rows}


def ziele_stand(readmodel: Lesemodell) -> dict[str, tuple[str, str, str, str]]:
    z = ziel_stand.c
    with readmodel.engine.connect() as conn:
        rows = conn.execute(select(z.ziel_id, z.plan_id, z.feld, z.status, z.kommune_ags)).all()
    return {r.ziel_id: (r.plan_id, r.feld, r.status, r.kommune_ags) for r in rows}


def rpc(readmodel: Lesemodell, by: int, kreis_ags: str = "") -> rpb.GetIntegrationsmanagementResponse:
    # GetIntegrationsmanagement needs no broker: the freshness probe points nowhere.
    servicer = ReportingServicer(readmodel.units, Freshness(KafkaSettings.from_env({}), "pakt-reporting", ()))
    return asyncio.run(
        servicer.GetIntegrationsmanagement(rpb.GetIntegrationsmanagementRequest(by=by, kreis_ags=kreis_ags), None)
    )


def cells(response) -> dict[str, tuple[int, bool]]:
    return {r.key: (r.offene_plaene.value, r.offene_plaene.suppressed) for r in response.rows}


def zielfelder(response) -> dict[str, tuple[tuple[int, bool], tuple[int, bool]]]:
    return {
        Zielfeld.Name(z.feld): ((z.ziele.value, z.ziele.suppressed), (z.erreicht.value, z.erreicht.suppressed))
        for z in response.zielfelder
    }


def _scenario() -> Fallakte:
    akte = Fallakte()
    boeblingen = [akte.eroeffnen(BOEBLINGEN) for _ in range(6)]
    sindelfingen = [akte.eroeffnen(SINDELFINGEN) for _ in range(3)]
    leonberg = [akte.eroeffnen(LEONBERG) for _ in range(5)]
    esslingen = [akte.eroeffnen(ESSLINGEN) for _ in range(7)]
    # Sprache: six people, five reached their goal, one is still at it.
    for i, plan in enumerate(boeblingen):
        ziel = akte.ziel(plan, ZIELFELD_SPRACHE)
        akte.ziel(plan, ZIELFELD_SPRACHE, ZIELSTATUS_ERREICHT if i < 5 else ZIELSTATUS_IN_ARBEIT, ziel_id=ziel)
    # Arbeit: eight people, every one reached it; one of them moves to Esslingen in between.
    umzug = sindelfingen[2]
    arbeit_umzug = akte.ziel(umzug, ZIELFELD_ARBEIT, ZIELSTATUS_IN_ARBEIT)
    akte.uebergeben(umzug, ESSLINGEN)
    akte.ziel(umzug, ZIELFELD_ARBEIT, ZIELSTATUS_ERREICHT, ziel_id=arbeit_umzug)
    for plan in esslingen:
        akte.ziel(plan, ZIELFELD_ARBEIT, ZIELSTATUS_ERREICHT)
    # Wohnen: two people only.
    for plan in leonberg[:2]:
        akte.ziel(plan, ZIELFELD_WOHNEN, ZIELSTATUS_ERREICHT)
    akte.abschliessen(esslingen[0])
    return akte


def test_events_fold_into_open_plans_and_goals_and_a_handover_moves_both(readmodel):
    akte = _scenario()
    assert {readmodel.apply(e) for e in akte.events} == {"applied"}
    assert offene_je_kommune(readmodel) == {BOEBLINGEN: 6, SINDELFINGEN: 2, LEONBERG: 5, ESSLINGEN: 7}
    assert offene_je_kommune(readmodel) == akte.offene_je_kommune()
    assert ziele_stand(readmodel) == akte.ziele_stand()
    with readmodel.engine.connect() as conn:
        kreise = dict(conn.execute(select(plan_stand.c.plan_id, plan_stand.c.kreis_ags)).all())
    assert kreise == {p: akte.kommune[p][:5] for p in akte.kommune}
    assert readmodel.events_applied() == len(akte.events)


def test_replaying_twice_and_backwards_changes_nothing(readmodel):
    akte = _scenario()
    for e in akte.events:
        readmodel.apply(e)
    land, boeblingen = rpc(readmodel, rpb.GLIEDERUNG_LANDKREIS), rpc(readmodel, rpb.GLIEDERUNG_KOMMUNE, "08115")
    assert {readmodel.apply(e) for e in akte.events} == {"stale"}
    assert {readmodel.apply(e) for e in reversed(akte.events)} == {"stale"}
    assert rpc(readmodel, rpb.GLIEDERUNG_LANDKREIS) == land
    assert rpc(readmodel, rpb.GLIEDERUNG_KOMMUNE, "08115") == boeblingen
    assert readmodel.events_applied() == len(akte.events)


def test_the_report_withholds_small_cells_and_their_complements(readmodel):
    for e in _scenario().events:
        readmodel.apply(e)

    land = rpc(readmodel, rpb.GLIEDERUNG_LANDKREIS)
    assert len(land.rows) == 44
    kreise = cells(land)
    assert kreise["08115"] == (13, False)
    assert kreise["08116"] == (7, False)
    assert kreise["08111"] == (0, False)
    assert next(r.name for r in land.rows if r.key == "08115") == "Böblingen"
    assert (land.offene_plaene_gesamt.value, land.offene_plaene_gesamt.suppressed) == (20, False)
    assert land.events_applied == len(_scenario().events)

    # In Böblingen 13 = 6 + 2 + 5: Sindelfingen's 2 is withheld, and the smallest other cell with
    # it (Leonberg's 5), else 13 - 6 - 5 would give it away. The Landkreis itself has no plans.
    boeblingen = rpc(readmodel, rpb.GLIEDERUNG_KOMMUNE, "08115")
    kommunen = cells(boeblingen)
    assert kommunen[BOEBLINGEN] == (6, False)
    assert kommunen[SINDELFINGEN] == (0, True)
    assert kommunen[LEONBERG] == (0, True)
    assert kommunen[LANDKREIS_BOEBLINGEN] == (0, False)
    assert [ags for ags, (_, suppressed) in kommunen.items() if suppressed] == [LEONBERG, SINDELFINGEN]
    assert all(value == 0 for ags, (value, _) in kommunen.items() if ags not in (BOEBLINGEN,))
    assert (boeblingen.offene_plaene_gesamt.value, boeblingen.offene_plaene_gesamt.suppressed) == (13, False)
    assert list(boeblingen.zielfelder) == []

    esslingen = cells(rpc(readmodel, rpb.GLIEDERUNG_KOMMUNE, "08116"))
    assert esslingen[ESSLINGEN] == (7, False)
    assert esslingen[NUERTINGEN] == (0, False)

    assert zielfelder(land) == {
        # Six goals, five reached: 6 - 5 would describe the one person still at it.
        "ZIELFELD_SPRACHE": ((6, False), (0, True)),
        "ZIELFELD_ARBEIT": ((8, False), (8, False)),
        "ZIELFELD_ANERKENNUNG": ((0, False), (0, False)),
        "ZIELFELD_WOHNEN": ((0, True), (0, True)),
        "ZIELFELD_SCHULE_BILDUNG": ((0, False), (0, False)),
        "ZIELFELD_SONSTIGES": ((0, False), (0, False)),
    }
    assert [z.name for z in land.zielfelder] == ["Sprache", "Arbeit", "Anerkennung", "Wohnen", "Schule/Bildung", "Sonstiges"]


def test_older_events_arriving_late_do_not_undo_newer_ones(readmodel):
    akte = Fallakte()
    plan = akte.eroeffnen(SINDELFINGEN)
    ziel = akte.ziel(plan, ZIELFELD_SPRACHE, ZIELSTATUS_IN_ARBEIT)
    akte.uebergeben(plan, ESSLINGEN)
    akte.ziel(plan, ZIELFELD_SPRACHE, ZIELSTATUS_ERREICHT, ziel_id=ziel)
    eroeffnet, in_arbeit, uebergeben, erreicht = akte.events
    other = akte.eroeffnen(LEONBERG)
    akte.abschliessen(other)
    other_eroeffnet, other_abgeschlossen = akte.events[4:]

    assert readmodel.apply(erreicht) == "applied"  # a goal's news before the plan's opening
    assert readmodel.apply(uebergeben) == "stale"  # Esslingen is already known from the goal
    assert readmodel.apply(in_arbeit) == "stale"  # names Sindelfingen and an older status
    assert readmodel.apply(eroeffnet) == "stale"
    assert readmodel.apply(other_abgeschlossen) == "applied"
    assert readmodel.apply(other_eroeffnet) == "stale"  # closing is final
    assert offene_je_kommune(readmodel) == {ESSLINGEN: 1}
    assert ziele_stand(readmodel) == {ziel: (plan, "ZIELFELD_SPRACHE", "ZIELSTATUS_ERREICHT", ESSLINGEN)}


def test_a_handover_moves_goals_recorded_before_it(readmodel):
    akte = Fallakte()
    plan = akte.eroeffnen(SINDELFINGEN)
    ziel = akte.ziel(plan, ZIELFELD_WOHNEN)
    akte.uebergeben(plan, STUTTGART)
    for e in akte.events:
        readmodel.apply(e)
    assert ziele_stand(readmodel) == {ziel: (plan, "ZIELFELD_WOHNEN", "ZIELSTATUS_OFFEN", STUTTGART)}
    with readmodel.engine.connect() as conn:
        assert conn.execute(select(ziel_stand.c.kreis_ags)).scalar_one() == "08111"
    assert offene_je_kommune(readmodel) == {STUTTGART: 1}


@pytest.mark.parametrize(
    ("by", "kreis_ags", "field"),
    [(0, "", "by"), (rpb.GLIEDERUNG_PROGRAMM, "", "by"), (rpb.GLIEDERUNG_KOMMUNE, "", "kreis_ags"),
     (rpb.GLIEDERUNG_KOMMUNE, "08115003", "kreis_ags"), (rpb.GLIEDERUNG_LANDKREIS, "08115", "kreis_ags")],
)
def test_bad_requests_name_the_field(readmodel, by, kreis_ags, field):
    with pytest.raises(InvalidArgument) as raised:
        rpc(readmodel, by, kreis_ags)
    assert [v.field for v in raised.value.violations] == [field]


def test_utilisation_does_not_accept_the_kommune_breakdown(readmodel):
    with pytest.raises(InvalidArgument):
        readmodel.utilisation(rpb.GLIEDERUNG_KOMMUNE, 0)


# -- the property: random plans, delivered shuffled and with duplicates -----------------------------

KOMMUNEN = [BOEBLINGEN, SINDELFINGEN, LEONBERG, LANDKREIS_BOEBLINGEN, ESSLINGEN, NUERTINGEN, STUTTGART]
KREISE = sorted({k[:5] for k in KOMMUNEN})
FELDER = [ZIELFELD_SPRACHE, ZIELFELD_ARBEIT, ZIELFELD_WOHNEN]
STATUS = [ZIELSTATUS_OFFEN, ZIELSTATUS_IN_ARBEIT, ZIELSTATUS_ERREICHT]

plan_details = st.tuples(
    st.none() | st.none() | st.sampled_from(KOMMUNEN),  # handed over to, half-way through its goals
    st.sampled_from([False, False, False, True]),  # closed at the end
    st.lists(st.tuples(st.sampled_from(FELDER), st.lists(st.sampled_from(STATUS), min_size=1, max_size=3)), max_size=3),
)
# Plans per Kommune: up to 9, so that Kreise of five and more beside small Kommunen are common.
plans_per_kommune = st.dictionaries(st.sampled_from(KOMMUNEN), st.integers(min_value=0, max_value=9))


def _story(spec) -> Fallakte:
    akte = Fallakte()
    for kommune, (an, closed, goals) in spec:
        plan = akte.eroeffnen(kommune)
        for i, (feld, statuses) in enumerate(goals):
            if an is not None and an != akte.kommune[plan] and i == len(goals) // 2:
                akte.uebergeben(plan, an)
            ziel = akte.ziel(plan, feld, statuses[0])
            for status in statuses[1:]:
                akte.ziel(plan, feld, status, ziel_id=ziel)
        if an is not None and an != akte.kommune[plan] and not goals:
            akte.uebergeben(plan, an)
        if closed:
            akte.abschliessen(plan)
    return akte


def _reset(readmodel: Lesemodell) -> None:
    with readmodel.engine.begin() as conn:
        conn.execute(delete(ziel_stand))
        conn.execute(delete(plan_stand))
        conn.execute(update(aggregation_stand).values(events_applied=0))


def _published_small(value: int) -> bool:
    return 0 < value < MIN_PERSONEN


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=plans_per_kommune, data=st.data())
def test_no_published_cell_describes_fewer_than_five_people_whatever_the_events(readmodel, counts, data):
    _reset(readmodel)
    akte = _story([(kommune, data.draw(plan_details)) for kommune, n in counts.items() for _ in range(n)])
    order = data.draw(st.permutations(range(len(akte.events))))
    again = data.draw(st.lists(st.sampled_from(range(len(akte.events))), max_size=20)) if akte.events else []
    for i in [*order, *again]:
        readmodel.apply(akte.events[i])

    # Folded exactly, whatever the order and however often.
    assert offene_je_kommune(readmodel) == akte.offene_je_kommune()
    assert ziele_stand(readmodel) == akte.ziele_stand()
    assert readmodel.events_applied() <= len(akte.events)

    expected = akte.offene_je_kommune()
    land = rpc(readmodel, rpb.GLIEDERUNG_LANDKREIS)
    total = sum(expected.values())
    kreise = {r.key: r.offene_plaene for r in land.rows}
    every_cell = [land.offene_plaene_gesamt, *kreise.values()]
    gesamt = land.offene_plaene_gesamt
    assert gesamt.suppressed or gesamt.value == total
    published_below_withheld = 0
    for kreis in KREISE:
        answer = rpc(readmodel, rpb.GLIEDERUNG_KOMMUNE, kreis)
        kreis_total = sum(n for ags, n in expected.items() if ags.startswith(kreis))
        assert answer.offene_plaene_gesamt == kreise[kreis], "a Kreis is the same figure in both answers"
        assert kreise[kreis].suppressed or kreise[kreis].value == kreis_total
        kommunen = {r.key: r.offene_plaene for r in answer.rows}
        every_cell += kommunen.values()
        for ags, cell in kommunen.items():
            assert cell.suppressed or cell.value == expected.get(ags, 0)
        withheld = [ags for ags, c in kommunen.items() if c.suppressed]
        rest = kreis_total - sum(c.value for c in kommunen.values())
        if not kreise[kreis].suppressed:
            # Kreis minus its published Kommunen gives no single Kommune and no group below five.
            assert not withheld or (len(withheld) >= 2 and rest >= MIN_PERSONEN)
        else:
            assert withheld or kreis_total == 0
            published_below_withheld += sum(c.value for c in kommunen.values())
    if not gesamt.suppressed:
        withheld_kreise = [k for k, c in kreise.items() if c.suppressed]
        rest = gesamt.value - sum(c.value for c in kreise.values())
        assert not withheld_kreise or (len(withheld_kreise) >= 2 and rest >= MIN_PERSONEN)
        assert not withheld_kreise or rest - published_below_withheld >= MIN_PERSONEN

    ziele = akte.ziele_stand()
    for row in land.zielfelder:
        feld = Zielfeld.Name(row.feld)
        mine = [(plan, status) for plan, f, status, _ in ziele.values() if f == feld]
        people = {plan for plan, _ in mine}
        reached = {plan for plan, status in mine if status == "ZIELSTATUS_ERREICHT"}
        not_reached = {plan for plan, status in mine if status != "ZIELSTATUS_ERREICHT"}
        every_cell += [row.ziele, row.erreicht]
        if not row.ziele.suppressed:
            assert not _published_small(len(people)) and row.ziele.value == len(mine)
        if not row.erreicht.suppressed:
            assert not row.ziele.suppressed
            assert not _published_small(len(reached)) and not _published_small(len(not_reached))
            assert row.erreicht.value == sum(1 for _, s in mine if s == "ZIELSTATUS_ERREICHT")

    assert all(c.value == 0 for c in every_cell if c.suppressed)
    assert not any(_published_small(c.value) for c in every_cell if not c.suppressed)


def _upgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_revision_0001_upgrades_with_its_rows_and_empty_casework_tables(db_url):
    engine = make_engine(db_url)
    try:
        _upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(text("UPDATE aggregation_stand SET events_applied = 7 WHERE id = 1"))
        _upgrade(engine, "head")
        readmodel = Lesemodell(engine)
        assert readmodel.events_applied() == 7
        answer = rpc(readmodel, rpb.GLIEDERUNG_LANDKREIS)
        assert (answer.offene_plaene_gesamt.value, answer.offene_plaene_gesamt.suppressed) == (0, False)
        assert all(not r.offene_plaene.suppressed and r.offene_plaene.value == 0 for r in answer.rows)
    finally:
        engine.dispose()
