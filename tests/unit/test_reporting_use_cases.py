"""Reporting's projection without a database: each event type's handler, run against FakeUnits
with an in-memory repository. Older and repeated events change nothing, every event is counted
per producer in the unit of work that applies it, and the aggregator's table names every event
type of the three topics. Applied in a batch, the events come out exactly as one by one."""

from __future__ import annotations

from collections import Counter

import pytest
from google.protobuf.message import Message

from pakt.allocation.v1 import events_pb2 as allocation_events
from pakt.allocation.v1.events_pb2 import BescheidErlassen, KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1 import events_pb2 as antrag_events
from pakt.antrag.v1.antrag_pb2 import ANTRAG_STATUS_BEWILLIGT, ANTRAG_STATUS_EINGEGANGEN, Antrag
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.caseplan.v1 import events_pb2 as caseplan_events
from pakt.caseplan.v1.caseplan_pb2 import ZIELFELD_SPRACHE, ZIELSTATUS_ERREICHT, ZIELSTATUS_IN_ARBEIT
from pakt.caseplan.v1.events_pb2 import PlanAbgeschlossen, PlanEroeffnet, PlanUebergeben, ZielFortgeschrieben
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import PermissionDenied
from pakt.reporting.v1 import reporting_pb2 as rpb
from services.reporting import abfragen, aggregator, neuaufbau
from services.reporting.domain import PLAN_ABGESCHLOSSEN, PLAN_OFFEN, Plan
from tests.fakes import FakeUnits

SINDELFINGEN, ESSLINGEN = "08115045", "08116019"
BASE = dict(id="a1", antragsteller_ags="08115003", kreis_ags="08115", programm=1, foerderjahr=2017, betrag_cent=500_00)
RP = Principal(operator="neuaufbau")
KOMMUNE = Principal(ags="08115003")


class FakeRepository:
    """ReportingRepository's projection side, in memory."""

    def __init__(self) -> None:
        self.antraege: dict[str, dict] = {}
        self.verteilungen: dict[tuple[str, int], tuple[int, str]] = {}
        self.rahmen: dict[tuple[str, int], list[dict]] = {}
        self.plaene: dict[str, Plan] = {}
        self.ziele: dict[str, dict] = {}
        self.processed: Counter[str] = Counter()
        self.applied = 0

    def antrag_version(self, antrag_id):
        row = self.antraege.get(antrag_id)
        return None if row is None else row["version"]

    def save_antrag(self, antrag_id, values, *, neu):
        assert neu == (antrag_id not in self.antraege)
        self.antraege[antrag_id] = values

    def verteilung_version(self, programm, foerderjahr):
        found = self.verteilungen.get((programm, foerderjahr))
        return None if found is None else found[0]

    def save_verteilung(self, programm, foerderjahr, version, verteilung_id, *, neu):
        assert neu == ((programm, foerderjahr) not in self.verteilungen)
        self.verteilungen[(programm, foerderjahr)] = (version, verteilung_id)

    def replace_rahmen(self, programm, foerderjahr, rows):
        self.rahmen[(programm, foerderjahr)] = rows

    def plan(self, plan_id):
        return self.plaene.get(plan_id)

    def save_plan(self, plan_id, plan, *, neu):
        assert neu == (plan_id not in self.plaene)
        self.plaene[plan_id] = plan

    def move_ziele(self, plan_id, kommune_ags, kreis_ags):
        for ziel in self.ziele.values():
            if ziel["plan_id"] == plan_id:
                ziel.update(kommune_ags=kommune_ags, kreis_ags=kreis_ags)

    def ziel_version(self, ziel_id):
        row = self.ziele.get(ziel_id)
        return None if row is None else row["version"]

    def save_ziel(self, ziel_id, values, *, neu):
        assert neu == (ziel_id not in self.ziele)
        self.ziele[ziel_id] = dict(values)

    def antrag_versionen(self, antrag_ids):
        return {i: self.antraege[i]["version"] for i in antrag_ids if i in self.antraege}

    def save_antraege(self, neu, geaendert):
        for row in [*neu, *geaendert]:
            values = dict(row)
            self.save_antrag(values.pop("antrag_id"), values, neu=row in neu)

    def count_processed(self, producer, events=1):
        self.processed[producer] += events

    def count_applied(self, occurred_at, now, events=1):
        self.applied += events

    def reset(self, now):
        removed = len(self.antraege)
        self.__init__()
        return removed


@pytest.fixture
def units():
    return FakeUnits(FakeRepository())


def fold(units, payload: Message, version: int, producer: str) -> str:
    """As the consumer hands an event to the aggregator's table."""
    event = events.Event(
        events.wrap(payload, aggregate_type="x", aggregate_key="k", aggregate_version=version, producer=producer), payload
    )
    return aggregator.handlers(units)[type(payload)](event)


def test_the_table_names_every_event_type_of_the_three_topics():
    table = aggregator.handlers(FakeUnits(FakeRepository()))
    every_event_type = set()
    for module in (antrag_events, allocation_events, caseplan_events):
        messages = module.DESCRIPTOR.message_types_by_name.values()
        parts = {f.message_type.name for m in messages for f in m.fields if f.message_type is not None}
        every_event_type |= {getattr(module, m.name) for m in messages if m.name not in parts}  # not Bindung, KommunenRahmen
    assert set(table) == every_event_type
    assert len(every_event_type) == 9


def test_an_antrag_is_at_its_newest_version_however_often_and_late_its_events_arrive(units):
    eingereicht = AntragEingereicht(antrag=Antrag(**BASE, status=ANTRAG_STATUS_EINGEGANGEN, version=1))
    beschieden = AntragBeschieden(antrag=Antrag(**BASE, status=ANTRAG_STATUS_BEWILLIGT, bewilligt_cent=400_00, version=2))
    assert fold(units, beschieden, 2, "antrag") == "applied"
    assert fold(units, eingereicht, 1, "antrag") == "stale"  # older, late
    assert fold(units, beschieden, 2, "antrag") == "stale"  # the same again
    row = units.repo.antraege["a1"]
    assert (row["version"], row["status"], row["programm"], row["bewilligt_cent"]) == (
        2, "ANTRAG_STATUS_BEWILLIGT", "PROGRAMM_INTEGRATIONSMANAGEMENT", 400_00
    )
    assert (units.repo.applied, units.repo.processed) == (1, {"antrag": 3})
    assert units.committed == 3  # one unit of work per event: the change and its counts together


def _verteilung(verteilung_id: str, **rahmen: int) -> VerteilungFestgelegt:
    return VerteilungFestgelegt(
        verteilung_id=verteilung_id, programm=1, foerderjahr=2017,
        rahmen=[KommunenRahmen(kommune_ags=ags, kreis_ags=ags[:5], rahmen_cent=c) for ags, c in rahmen.items()],
    )


def test_the_newest_verteilung_replaces_every_planungsrahmen_of_its_programme_and_year(units):
    assert fold(units, _verteilung("v1", **{"08111000": 600_00, "08115003": 400_00}), 1, "allocation") == "applied"
    assert fold(units, _verteilung("v2", **{"08115003": 1_000_00}), 2, "allocation") == "applied"
    assert fold(units, _verteilung("v1", **{"08111000": 600_00, "08115003": 400_00}), 1, "allocation") == "stale"
    key = ("PROGRAMM_INTEGRATIONSMANAGEMENT", 2017)
    assert units.repo.verteilungen[key] == (2, "v2")
    assert units.repo.rahmen[key] == [
        {"kommune_ags": "08115003", "programm": key[0], "foerderjahr": 2017, "kreis_ags": "08115", "rahmen_cent": 1_000_00}
    ]
    assert (units.repo.applied, units.repo.processed) == (2, {"allocation": 3})


def test_a_bescheid_changes_nothing_but_is_counted_for_the_rebuild(units):
    assert fold(units, BescheidErlassen(bescheid_id="b1", antrag_id="a1", bewilligt_cent=400_00), 1, "allocation") == "ignored"
    assert (units.repo.applied, units.repo.processed, units.repo.antraege) == (0, {"allocation": 1}, {})


def test_a_goal_before_its_plan_and_a_handover_in_between(units):
    ziel = {"plan_id": "p1", "ziel_id": "z1", "feld": ZIELFELD_SPRACHE}
    uebergabe = PlanUebergeben(plan_id="p1", von_kommune_ags=SINDELFINGEN, an_kommune_ags=ESSLINGEN)
    # The goal's newest news arrives first and names the plan's Kommune after the handover.
    assert fold(units, ZielFortgeschrieben(**ziel, kommune_ags=ESSLINGEN, status=ZIELSTATUS_ERREICHT), 4, "caseplan") == "applied"
    assert fold(units, uebergabe, 3, "caseplan") == "stale"
    aelter = ZielFortgeschrieben(**ziel, kommune_ags=SINDELFINGEN, status=ZIELSTATUS_IN_ARBEIT)
    assert fold(units, aelter, 2, "caseplan") == "stale"
    assert fold(units, PlanEroeffnet(plan_id="p1", kommune_ags=SINDELFINGEN), 1, "caseplan") == "stale"
    assert units.repo.plaene["p1"] == Plan(4, ESSLINGEN, "08116", PLAN_OFFEN)
    assert units.repo.ziele["z1"] == {
        "plan_id": "p1", "version": 4, "feld": "ZIELFELD_SPRACHE", "status": "ZIELSTATUS_ERREICHT",
        "kommune_ags": ESSLINGEN, "kreis_ags": "08116",
    }
    # A later handover moves the plan and its goals; closing, even by an older event, is final.
    zurueck = PlanUebergeben(plan_id="p1", von_kommune_ags=ESSLINGEN, an_kommune_ags=SINDELFINGEN)
    assert fold(units, zurueck, 5, "caseplan") == "applied"
    assert units.repo.ziele["z1"]["kommune_ags"] == SINDELFINGEN
    assert fold(units, PlanAbgeschlossen(plan_id="p1", kommune_ags=ESSLINGEN), 4, "caseplan") == "applied"
    assert units.repo.plaene["p1"] == Plan(5, SINDELFINGEN, "08115", PLAN_ABGESCHLOSSEN)
    assert fold(units, PlanEroeffnet(plan_id="p1", kommune_ags=SINDELFINGEN), 1, "caseplan") == "stale"
    assert (units.repo.applied, units.repo.processed) == (3, {"caseplan": 7})


def test_a_goal_of_a_field_this_build_does_not_know_is_kept_by_its_number(units):
    fold(units, ZielFortgeschrieben(plan_id="p1", kommune_ags=ESSLINGEN, ziel_id="z1", feld=99, status=98), 1, "caseplan")
    assert (units.repo.ziele["z1"]["feld"], units.repo.ziele["z1"]["status"]) == ("99", "98")


def test_only_operators_empty_the_read_model_or_see_its_rows(units):
    fold(units, AntragEingereicht(antrag=Antrag(**BASE, status=ANTRAG_STATUS_EINGEGANGEN, version=1)), 1, "antrag")
    for use_case, request in (
        (neuaufbau.reset, rpb.ResetReadModelRequest()),
        (neuaufbau.aggregation_stand, rpb.GetAggregationStandRequest()),
        (abfragen.antrag_staende, rpb.ListAntragStaendeRequest()),
    ):
        with pytest.raises(PermissionDenied, match="Bewilligungsstelle"):
            use_case(units, KOMMUNE, request)
    assert units.repo.antraege
    assert neuaufbau.reset(units, RP, rpb.ResetReadModelRequest()).antraege_removed == 1
    assert (units.repo.antraege, units.repo.processed) == ({}, {})


def _event(payload: Message, version: int, producer: str) -> events.Event:
    return events.Event(
        events.wrap(payload, aggregate_type="x", aggregate_key="k", aggregate_version=version, producer=producer), payload
    )


def _stream() -> list[events.Event]:
    """Anträge in several versions, repeated and late, with a Bescheid, a Verteilung and a plan
    handed over with its goal."""
    out = []
    for antrag_id, versions in (("a1", [1, 2, 2, 4, 3, 5]), ("a2", [3, 1, 2, 3]), ("a3", [1])):
        for v in versions:
            base = {**BASE, "id": antrag_id}
            out.append(_event(AntragFortgeschrieben(antrag=Antrag(**base, status=min(v, 4), version=v, bewilligt_cent=v)), v, "antrag"))
    out.insert(3, _event(BescheidErlassen(bescheid_id="b1", antrag_id="a1", bewilligt_cent=1), 1, "allocation"))
    out.insert(5, _event(_verteilung("v1", **{"08111000": 600_00}), 1, "allocation"))
    ziel = {"plan_id": "p1", "ziel_id": "z1", "feld": ZIELFELD_SPRACHE, "status": ZIELSTATUS_IN_ARBEIT}
    out.insert(2, _event(PlanEroeffnet(plan_id="p1", kommune_ags=SINDELFINGEN), 1, "caseplan"))
    out.insert(6, _event(ZielFortgeschrieben(**ziel, kommune_ags=SINDELFINGEN), 2, "caseplan"))
    out.insert(9, _event(PlanUebergeben(plan_id="p1", von_kommune_ags=SINDELFINGEN, an_kommune_ags=ESSLINGEN), 3, "caseplan"))
    out.append(_event(ZielFortgeschrieben(**ziel, kommune_ags=SINDELFINGEN), 2, "caseplan"))
    return out


def _read_model(repo: FakeRepository) -> tuple:
    return (repo.antraege, repo.verteilungen, repo.rahmen, repo.plaene, repo.ziele, repo.processed, repo.applied)


@pytest.mark.parametrize("split", [1, 4, 100])
def test_a_batch_comes_out_as_its_events_one_by_one(split):
    """The same outcomes, rows and counters, however the stream is cut into batches; one commit
    per batch."""
    stream = _stream()
    one_by_one = FakeUnits(FakeRepository())
    table = aggregator.handlers(one_by_one)
    expected = [table[type(e.payload)](e) for e in stream]
    assert expected.count("applied") == one_by_one.repo.applied == 10

    batched = FakeUnits(FakeRepository())
    table, batch = aggregator.handlers(batched), aggregator.batch(batched)
    outcomes = []
    for start in range(0, len(stream), split):
        with batch():
            pending = [table[type(e.payload)](e) for e in stream[start : start + split]]
        outcomes += [o() if callable(o) else o for o in pending]
    assert outcomes == expected
    assert _read_model(batched.repo) == _read_model(one_by_one.repo)
    assert batched.committed == -(-len(stream) // split)
