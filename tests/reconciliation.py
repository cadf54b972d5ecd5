"""The four services on real databases, each behind its real gRPC API (TLS, signed credentials)
in a thread, for the tests of reconciliation and rebuild (`pakt abgleich`, `pakt report rebuild`).

Between the services, `deliver` hands every unpublished outbox row, in outbox order, to the
consumers of its topic, through their real entry points, and marks it published: what the outbox
relay and the broker do (tests/integration/test_outbox_relay.py tests those against a real
broker; the e2e tests run the whole chain). Here the hop is in the test's hands so it can lose a
message on purpose, as a broker that lost data would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
from sqlalchemy import Engine, Row, select, update

from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.allocation.v1 import events_pb2 as allocation_events
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.antrag.v1 import events_pb2 as antrag_events  # noqa: F401  registers the payload types
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.caseplan.v1 import events_pb2 as caseplan_events  # noqa: F401  registers the payload types
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform import events
from pakt.platform.pki import DevPki, ensure_dev_pki
from pakt.platform.tls import channel_credentials
from pakt.reporting.v1 import reporting_pb2_grpc
from pakt.platform.settings import KafkaSettings
from services.allocation.grpc_api import AllocationServicer
from services.allocation.main import GRPC_SERVICE_NAME as ALLOCATION_SERVICE_NAME
from services.allocation.main import MIGRATIONS as ALLOCATION_MIGRATIONS
from services.allocation.tables import outbox as allocation_outbox
from services.antrag.grpc_api import AntragServicer
from services.antrag.main import GRPC_SERVICE_NAME as ANTRAG_SERVICE_NAME
from services.antrag.main import MIGRATIONS as ANTRAG_MIGRATIONS
from tests.antraege import Antraege
from services.antrag.tables import outbox as antrag_outbox
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.main import GRPC_SERVICE_NAME as CASEPLAN_SERVICE_NAME
from services.caseplan.main import MIGRATIONS as CASEPLAN_MIGRATIONS
from services.caseplan.tables import outbox as caseplan_outbox
from services.reporting.freshness import Freshness
from services.reporting.grpc_api import ReportingServicer
from services.reporting.main import GRPC_SERVICE_NAME as REPORTING_SERVICE_NAME
from services.reporting.main import MIGRATIONS as REPORTING_MIGRATIONS
from tests.allocation import Allocation
from tests.antraege import RP, STUTTGART, kommune, rid, submission
from tests.caseplan import Plaene, cipher
from tests.conftest import _postgres_database
from tests.databases import migrated_engine
from tests.reporting import Lesemodell
from tests.grpc_servers import ServedInThread

SERVICES = ("antrag", "allocation", "caseplan", "reporting")
STUBS = {
    "antrag": antrag_pb2_grpc.AntragServiceStub,
    "allocation": allocation_pb2_grpc.AllocationServiceStub,
    "caseplan": caseplan_pb2_grpc.CasePlanServiceStub,
    "reporting": reporting_pb2_grpc.ReportingServiceStub,
}
# Who consumes what: (topic, consumer name).
CONSUMERS = {
    events.ANTRAG_EVENTS: ("allocation", "reporting"),
    events.ALLOCATION_EVENTS: ("antrag", "reporting"),
    events.CASEPLAN_EVENTS: ("reporting",),
}

# A message that does not arrive: lose(consumer, event) -> True.
Loss = Callable[[str, events.Event], bool]


@dataclass
class Dienste:
    pki: DevPki
    engines: dict[str, Engine]
    antrag: Antraege
    allocation: Allocation
    caseplan: Plaene
    reporting: Lesemodell
    servers: dict[str, ServedInThread]

    def target(self, service: str) -> str:
        return self.servers[service].target

    def call(self, service: str, identity: str | None, method: str, request):
        credentials = channel_credentials(self.pki.ca_cert, self.pki.client(identity) if identity else None)
        with grpc.secure_channel(self.target(service), credentials) as channel:
            return getattr(STUBS[service](channel), method)(request, timeout=30)

    def env(self, data_dir: Path) -> dict[str, str]:
        """The environment under which `pakt` reaches these services as a local-stack user would."""
        return {
            "PAKT_DATA_DIR": str(data_dir),
            "PAKT_TLS_CA": str(self.pki.ca_cert),
            **{f"PAKT_{s.upper()}_TARGET": self.target(s) for s in SERVICES},
        }

    def deliver(self, lose: Loss | None = None) -> int:
        """Until no outbox has anything unpublished: publish it to its consumers, in order.
        Returns how many rows were published."""
        published = 0
        while rows := self._pending():
            for outbox_name, row in rows:
                event = events.unwrap(row.payload)
                for consumer in CONSUMERS[row.topic]:
                    if lose is None or not lose(consumer, event):
                        self._consume(consumer, event)
                outbox = OUTBOXES[outbox_name]
                with self.engines[outbox_name].begin() as conn:
                    conn.execute(update(outbox).where(outbox.c.id == row.id).values(published_at=datetime.now(UTC)))
                published += 1
        return published

    def _pending(self) -> list[tuple[str, Row]]:
        rows = []
        for name, outbox in OUTBOXES.items():
            with self.engines[name].connect() as conn:
                rows += [
                    (name, r)
                    for r in conn.execute(select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id))
                ]
        return rows

    def _consume(self, consumer: str, event: events.Event) -> str:
        if consumer == "allocation":
            return self.allocation.apply_antrag_event(event)
        if consumer == "antrag":
            if not isinstance(event.payload, allocation_events.BescheidErlassen):
                return "ignored"
            return self.antrag.apply_bescheid(event.envelope, event.payload)
        return self.reporting.apply(event)

    @contextmanager
    def delivering(self, interval_s: float = 0.1) -> Iterator[None]:
        """Deliver in a background thread while the block runs, as a running relay would."""
        stop = threading.Event()
        errors: list[BaseException] = []

        def loop() -> None:
            while not stop.is_set():
                try:
                    self.deliver()
                except BaseException as exc:  # noqa: BLE001  reported to the test below
                    errors.append(exc)
                    return
                stop.wait(interval_s)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)
        if errors:
            raise errors[0]


OUTBOXES = {"antrag": antrag_outbox, "allocation": allocation_outbox, "caseplan": caseplan_outbox}


@contextmanager
def dienste(backend: str, tmp_path: Path) -> Iterator[Dienste]:
    """The four services on fresh databases of the backend ("sqlite" or "postgres")."""
    pki = ensure_dev_pki(tmp_path / "pki")
    with ExitStack() as stack:
        urls = {
            s: f"sqlite:///{tmp_path}/{s}.db" if backend == "sqlite" else stack.enter_context(contextmanager(_postgres_database)())
            for s in SERVICES
        }
        migrations = {"antrag": ANTRAG_MIGRATIONS, "allocation": ALLOCATION_MIGRATIONS,
                      "caseplan": CASEPLAN_MIGRATIONS, "reporting": REPORTING_MIGRATIONS}
        engines = {s: stack.enter_context(migrated_engine(urls[s], migrations[s])) for s in SERVICES}
        antrag = Antraege(engines["antrag"])
        allocation = Allocation(engines["allocation"]).prepared()
        caseplan = Plaene(engines["caseplan"], cipher())
        reporting = Lesemodell(engines["reporting"])
        servicers = {
            "antrag": (ANTRAG_SERVICE_NAME,
                       lambda s: antrag_pb2_grpc.add_AntragServiceServicer_to_server(AntragServicer(antrag.units), s)),
            "allocation": (ALLOCATION_SERVICE_NAME,
                           lambda s: allocation_pb2_grpc.add_AllocationServiceServicer_to_server(
                               AllocationServicer(allocation.units), s)),
            "caseplan": (CASEPLAN_SERVICE_NAME,
                         lambda s: caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(CasePlanServicer(caseplan.units), s)),
            "reporting": (REPORTING_SERVICE_NAME,
                          lambda s: reporting_pb2_grpc.add_ReportingServiceServicer_to_server(
                              ReportingServicer(reporting.units, Freshness(KafkaSettings.from_env({}), "pakt-reporting", ())), s)),
        }
        servers = {}
        for name, (service_name, add) in servicers.items():
            servers[name] = ServedInThread(service_name, add, pki)
            stack.callback(servers[name].stop)
        yield Dienste(pki, engines, antrag, allocation, caseplan, reporting, servers)


# -- Anträge through their steps, as the callers would take them --------------------------------


def submit(d: Dienste, ags: str = STUTTGART, betrag: int = 90_000_00) -> str:
    return d.antrag.submit(kommune(ags), submission(antragsteller_ags=ags, betrag_cent=betrag)).antrag.id


def complete(d: Dienste, antrag_id: str) -> None:
    d.antrag.begin_pruefung(RP, pb.BeginPruefungRequest(request_id=rid(), antrag_id=antrag_id))
    d.antrag.complete_pruefung(RP, pb.CompletePruefungRequest(request_id=rid(), antrag_id=antrag_id))


def pay(d: Dienste, antrag_id: str, cent: int) -> None:
    ags = d.antrag.get(RP, antrag_id).antragsteller_ags
    a = d.antrag.request_mittelabruf(
        kommune(ags), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=antrag_id, betrag_cent=cent)
    ).antrag
    d.antrag.confirm_auszahlung(
        RP, pb.ConfirmAuszahlungRequest(request_id=rid(), antrag_id=antrag_id, mittelabruf_id=a.mittelabrufe[-1].id)
    )


def lost(consumer: str, antrag_id: str, payload_type: type | None = None) -> Loss:
    """The events about one Antrag (of one payload type) never reach one consumer."""

    def lose(c: str, event: events.Event) -> bool:
        return (
            c == consumer
            and event.envelope.aggregate_key == antrag_id
            and (payload_type is None or isinstance(event.payload, payload_type))
        )

    return lose
