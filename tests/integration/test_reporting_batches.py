"""The reporting aggregation applying a stream in batches, against a real broker (Tansu), on
SQLite and PostgreSQL: the read model and every counter come out as with the events applied one by
one, duplicates and older versions arriving late included; a failure inside a batch rolls it back
whole, and the batch is applied again event by event, the failing one retried."""

from __future__ import annotations

import asyncio
import random
import uuid
from contextlib import contextmanager

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from pakt.allocation.v1.events_pb2 import BescheidErlassen, KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.caseplan.v1.caseplan_pb2 import ZIELFELD_SPRACHE, ZIELSTATUS_ERREICHT, ZIELSTATUS_IN_ARBEIT
from pakt.caseplan.v1.events_pb2 import PlanAbgeschlossen, PlanEroeffnet, PlanUebergeben, ZielFortgeschrieben
from pakt.platform import events
from pakt.platform.readiness import Readiness
from pakt.platform.unit_of_work import UnitsOfWork
from services.reporting import aggregator, projektion
from services.reporting.main import MIGRATIONS
from services.reporting.repository import ReportingRepository
from services.reporting.tables import (
    aggregation_erzeuger,
    aggregation_stand,
    antrag_stand,
    plan_stand,
    rahmen_stand,
    verteilung_stand,
    ziel_stand,
)
from tests.databases import migrated_engine
from tests.integration.test_event_consumer import _consuming, _eventually
from tests.reporting import Lesemodell

PARTITIONS = 3
GEMEINDEN = ["08111000", "08115003", "08115045", "08116019", "08117001"]


def _event(payload, aggregate_key: str, version: int, producer: str) -> events.Event:
    envelope = events.wrap(payload, aggregate_type="x", aggregate_key=aggregate_key, aggregate_version=version, producer=producer)
    return events.Event(envelope, payload)


def _stream(seed: int = 11) -> list[tuple[str, events.Event]]:
    """(topic, event) as the owners publish them, then part of it again (a republish: duplicates,
    and older versions after newer ones), and some versions out of order."""
    rnd = random.Random(seed)
    antrag, allocation, caseplan = [], [], []
    for j in range(2):
        rahmen = [KommunenRahmen(kommune_ags=g, kreis_ags=g[:5], rahmen_cent=100_000_00 * (j + 1)) for g in GEMEINDEN]
        for version in (1, 2):
            v = VerteilungFestgelegt(verteilung_id=f"v{j}-{version}", programm=1 + j, foerderjahr=2017, rahmen=rahmen[version - 1 :])
            allocation.append(_event(v, f"{j}/2017", version, "allocation"))
    for n in range(60):
        antrag_id = str(uuid.UUID(int=rnd.getrandbits(128)))
        g = rnd.choice(GEMEINDEN)
        base = {"id": antrag_id, "antragsteller_ags": g, "kreis_ags": g[:5], "programm": 1 + n % 2, "foerderjahr": 2017,
                    "betrag_cent": rnd.randrange(60_000_00, 200_000_00)}
        versions = list(range(1, rnd.randrange(2, 7)))
        if n % 7 == 0:
            versions[-2:] = versions[-1:-3:-1]  # the last two swapped
        for version in versions:
            a = Antrag(**base, status=min(version, 4), version=version, bewilligt_cent=base["betrag_cent"] if version >= 4 else 0)
            payload = (
                AntragEingereicht(antrag=a) if version == 1
                else AntragBeschieden(antrag=a, bescheid_id=f"b-{antrag_id}") if version == 4
                else AntragFortgeschrieben(antrag=a)
            )
            antrag.append(_event(payload, antrag_id, version, "antrag"))
            if version == 4:
                b = BescheidErlassen(bescheid_id=f"b-{antrag_id}", antrag_id=antrag_id, bewilligt_cent=a.bewilligt_cent)
                allocation.append(_event(b, antrag_id, 1, "allocation"))
    for n in range(12):
        plan_id = f"p{n}"
        von, an = rnd.sample(GEMEINDEN, 2)
        ziel = {"plan_id": plan_id, "ziel_id": f"z{n}", "feld": ZIELFELD_SPRACHE}
        plan = [
            _event(PlanEroeffnet(plan_id=plan_id, kommune_ags=von), plan_id, 1, "caseplan"),
            _event(ZielFortgeschrieben(**ziel, kommune_ags=von, status=ZIELSTATUS_IN_ARBEIT), plan_id, 2, "caseplan"),
            _event(PlanUebergeben(plan_id=plan_id, von_kommune_ags=von, an_kommune_ags=an), plan_id, 3, "caseplan"),
            _event(ZielFortgeschrieben(**ziel, kommune_ags=an, status=ZIELSTATUS_ERREICHT), plan_id, 4, "caseplan"),
        ]
        if n % 3 == 0:
            plan.append(_event(PlanAbgeschlossen(plan_id=plan_id, kommune_ags=an), plan_id, 5, "caseplan"))
        if n % 4 == 0:
            plan[1], plan[2] = plan[2], plan[1]  # the goal's news after the handover that followed it
        caseplan += plan
    first = (
        [(events.ANTRAG_EVENTS, e) for e in antrag]
        + [(events.ALLOCATION_EVENTS, e) for e in allocation]
        + [(events.CASEPLAN_EVENTS, e) for e in caseplan]
    )
    again = [first[i] for i in sorted(rnd.sample(range(len(first)), len(first) // 3))]
    return first + again


async def _publish(bootstrap: str, stream: list[tuple[str, events.Event]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    try:
        sent = [
            await producer.send(topic, e.envelope.SerializeToString(), key=e.envelope.aggregate_key.encode())
            for topic, e in stream
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def _snapshot(engine) -> dict:
    """Every row of the read model and every counter, but the time of the last change."""
    tables = (antrag_stand, verteilung_stand, rahmen_stand, plan_stand, ziel_stand, aggregation_erzeuger)
    with engine.connect() as conn:
        rows = {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in tables}
        s = aggregation_stand.c
        rows["stand"] = list(conn.execute(select(s.events_applied, s.neuestes_ereignis_at)))
    return rows


class Flaky(ReportingRepository):
    """Fails writing one Antrag the first `failures` times, after the write, so that a failure
    that left anything behind would show."""

    target: str = ""
    failures = 0
    seen = 0

    def save_antrag(self, antrag_id, values, *, neu):
        super().save_antrag(antrag_id, values, neu=neu)
        self._fail_if(antrag_id == Flaky.target)

    def save_antraege(self, neu, geaendert):
        super().save_antraege(neu, geaendert)
        self._fail_if(any(row["antrag_id"] == Flaky.target for row in [*neu, *geaendert]))

    def _fail_if(self, hit: bool) -> None:
        if hit:
            Flaky.seen += 1
            if Flaky.failures:
                Flaky.failures -= 1
                raise RuntimeError("database away")


@pytest.fixture
def engine(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield engine


@pytest.mark.parametrize("failures", [0, 2], ids=["clean", "failing"])
def test_batches_give_the_read_model_and_counters_of_one_by_one(tansu, engine, failures):
    stream = _stream()
    target = next(e.payload.antrag.id for topic, e in stream if topic == events.ANTRAG_EVENTS and e.envelope.aggregate_version == 3)
    Flaky.target, Flaky.failures, Flaky.seen = target, failures, 0
    tansu.restart(topics={t: PARTITIONS for t in aggregator.TOPICS})
    units = UnitsOfWork(engine, Flaky)
    sizes: list[int] = []

    @contextmanager
    def counted():
        with projektion.stapel(units):
            yield
        sizes.append(1)

    readiness = Readiness()
    consumer = aggregator.consumer(tansu.settings(PARTITIONS), units, readiness)
    consumer.batch = counted

    def processed() -> int:
        with units.read() as repo:
            return sum(repo.events_processed().values())

    async def consume() -> None:
        await _publish(tansu.bootstrap, stream)  # all there before the first poll: batches of many
        async with _consuming(consumer):
            await _eventually(lambda: processed() >= len(stream), "every event processed")
            await asyncio.sleep(1)  # anything beyond would be counted twice

    asyncio.run(consume())
    batched = _snapshot(engine)
    assert processed() == len(stream)
    assert len(sizes) < len(stream) / 5  # applied in batches, not one by one
    if failures:
        assert Flaky.seen >= 3  # failed in its batch, failed alone, then applied
        assert readiness.ready

    Lesemodell(engine).reset()
    Flaky.failures = 0
    one_by_one = Lesemodell(engine)
    outcomes = [one_by_one.apply(e) for _, e in stream]
    assert outcomes.count("stale") > len(stream) / 5  # duplicates and late versions were in it
    assert _snapshot(engine) == batched
    assert batched["stand"][0][0] == outcomes.count("applied")
