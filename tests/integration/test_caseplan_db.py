"""Case-plan service on a real database: migrations, the Fallzahlen query, and its gRPC API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import Engine, exc, insert, inspect

from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from pakt.platform.grpc_server import GrpcServer
from pakt.platform.db import migrate
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.tls import channel_credentials
from tests.caseplan import Plaene, cipher
from tests.databases import migrated_engine
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.main import GRPC_SERVICE_NAME, MIGRATIONS
from services.caseplan.domain import STATUS_ABGESCHLOSSEN, STATUS_OFFEN, Fallzahl
from services.caseplan.tables import integrationsplan, metadata

STUTTGART = "08111000"  # Stadtkreis 08111
BOEBLINGEN = "08115003"  # Landkreis Böblingen, 08115
KARLSRUHE = "08212000"  # Stadtkreis Karlsruhe, 08212


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield engine


def _plan(kommune_ags: str, closed: bool = False) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kommune_ags": kommune_ags,
        "status": STATUS_ABGESCHLOSSEN if closed else STATUS_OFFEN,
        "eroeffnet_am": date(2018, 3, 1),
        "abgeschlossen_am": date(2020, 2, 28) if closed else None,
    }


@pytest.fixture
def plans(engine: Engine) -> None:
    # Stuttgart: 8 plans, 2 of them closed, so 6 open. Böblingen: 3 open, too few to publish.
    # Karlsruhe: 5 open, the smallest other cell: withheld with Böblingen's, or the Land total
    # minus the published cells would give Böblingen's 3 away.
    rows = [_plan(STUTTGART) for _ in range(6)] + [_plan(STUTTGART, closed=True) for _ in range(2)]
    rows += [_plan(BOEBLINGEN) for _ in range(3)] + [_plan(KARLSRUHE) for _ in range(5)]
    with engine.begin() as conn:
        conn.execute(insert(integrationsplan), rows)


def test_migrated_schema_matches_the_table_definitions(engine: Engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_migrating_again_changes_nothing(engine: Engine):
    # Every start migrates; a restarted replica finds the schema at head.
    migrate(engine, MIGRATIONS)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", *metadata.tables}


@pytest.mark.usefixtures("plans")
def test_fallzahlen_count_open_plans_and_suppress_small_cells(engine: Engine):
    assert Plaene(engine, cipher()).fallzahlen(None) == [
        Fallzahl(kommune_ags=STUTTGART, offene_plaene=6, suppressed=False),
        Fallzahl(kommune_ags=BOEBLINGEN, offene_plaene=0, suppressed=True),
        Fallzahl(kommune_ags=KARLSRUHE, offene_plaene=0, suppressed=True),
    ]


@pytest.mark.usefixtures("plans")
def test_fallzahlen_of_one_kreis(engine: Engine):
    service = Plaene(engine, cipher())
    assert service.fallzahlen("08115") == [Fallzahl(kommune_ags=BOEBLINGEN, offene_plaene=0, suppressed=True)]
    assert service.fallzahlen("08111") == [Fallzahl(kommune_ags=STUTTGART, offene_plaene=6, suppressed=False)]
    # Esslingen has no plans at all: no row, not a row with zero.
    assert service.fallzahlen("08116") == []


@pytest.mark.parametrize(
    ("status", "abgeschlossen_am"),
    [(STATUS_ABGESCHLOSSEN, None), (STATUS_OFFEN, date(2020, 1, 1)), ("unbekannt", None)],
)
def test_database_rejects_inconsistent_status(engine: Engine, status: str, abgeschlossen_am: date | None):
    row = _plan(STUTTGART) | {"status": status, "abgeschlossen_am": abgeschlossen_am}
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        conn.execute(insert(integrationsplan), row)


@pytest.mark.usefixtures("plans")
def test_grpc_api_serves_fallzahlen_and_rejects_an_unknown_kreis(engine: Engine, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")

    async def scenario() -> None:
        server = GrpcServer("127.0.0.1", 0, [GRPC_SERVICE_NAME], pki.server)
        caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(
            CasePlanServicer(Plaene(engine, cipher()).units), server.server
        )
        await server.start()
        try:
            credentials = channel_credentials(pki.ca_cert, pki.client("rp"))
            async with grpc.aio.secure_channel(f"127.0.0.1:{server.port}", credentials) as channel:
                stub = caseplan_pb2_grpc.CasePlanServiceStub(channel)
                response = await stub.GetFallzahlen(caseplan_pb2.GetFallzahlenRequest())
                assert [(f.kommune_ags, f.offene_plaene, f.suppressed) for f in response.fallzahlen] == [
                    (STUTTGART, 6, False),
                    (BOEBLINGEN, 0, True),
                    (KARLSRUHE, 0, True),
                ]

                call = stub.GetFallzahlen(caseplan_pb2.GetFallzahlenRequest(kreis_ags="08999"))
                with pytest.raises(grpc.aio.AioRpcError) as raised:
                    await call
                assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                status = await rpc_status.aio.from_call(call)
                bad_request = error_details_pb2.BadRequest()
                assert status.details[0].Unpack(bad_request)
                assert [v.field for v in bad_request.field_violations] == ["kreis_ags"]
        finally:
            await server.stop(0)

    asyncio.run(scenario())
