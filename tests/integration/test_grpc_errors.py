"""How refusals reach a client over real gRPC (TLS, signed credentials), with the antrag and
allocation services on SQLite: an Antrag with many bad fields arrives as INVALID_ARGUMENT with a
capped list of violations and the count of the rest, and the CLI prints it; bytes that are no
request message are refused after authentication, without a traceback in the log."""

from __future__ import annotations

import base64
import logging

import grpc
import pytest
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.cli.main import main as pakt_cli
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.tls import channel_credentials
from services.allocation import main as allocation_main
from services.allocation.grpc_api import AllocationServicer
from services.antrag.grpc_api import AntragServicer
from services.antrag.main import GRPC_SERVICE_NAME, MIGRATIONS
from tests.antraege import Antraege
from tests.antraege import STUTTGART, submission
from tests.databases import migrated_engine
from tests.grpc_servers import ServedInThread

# C-core clients refuse trailers above 8 KiB at random and above 16 KiB always.
METADATA_SOFT_LIMIT = 8192
VZAE = "Stellenanteil in Hundertstel einer Vollzeitstelle: 1 bis 100 (100 = eine volle Stelle)"


@pytest.fixture
def antrag(tmp_path, monkeypatch):
    """The antrag service on a free port; the CLI finds the test's CA under PAKT_DATA_DIR."""
    pki = ensure_dev_pki(tmp_path / "pki")
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    for name in ("PAKT_TLS_CA", "PAKT_CLIENT_CERT", "PAKT_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)
    with migrated_engine(f"sqlite:///{tmp_path}/antrag.db", MIGRATIONS) as engine:
        server = ServedInThread(
            GRPC_SERVICE_NAME,
            lambda grpc_server: antrag_pb2_grpc.add_AntragServiceServicer_to_server(
                AntragServicer(Antraege(engine).units), grpc_server
            ),
            pki,
        )
        try:
            yield server, pki
        finally:
            server.stop()


def fifty_bad_stellen() -> pb.SubmitAntragRequest:
    """The most Stellen an Antrag may have, each without share and Qualifikation: 100 violations."""
    return submission(stellen=[pb.Stelle(vzae_hundertstel=0, qualifikation=0) for _ in range(50)])


def violations(err: grpc.RpcError) -> list[tuple[str, str]]:
    found = []
    for detail in rpc_status.from_call(err).details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            found += [(v.field, v.description) for v in bad_request.field_violations]
    return found


def trailer_bytes(err: grpc.RpcError) -> int:
    """The trailers' size as gRPC counts it: name, value (binary ones base64-encoded) and 32 bytes."""
    size = 0
    for key, value in err.trailing_metadata() or ():
        encoded = base64.b64encode(value) if key.endswith("-bin") else value.encode()
        size += len(key) + len(encoded) + 32
    return size + len(err.details().encode()) * 3  # grpc-message, percent-encoded at worst


def expected(i: int) -> tuple[str, str]:
    """The i-th violation of fifty_bad_stellen, in the order the service names them."""
    stelle, which = divmod(i, 2)
    return (f"stellen[{stelle}].vzae_hundertstel", VZAE) if which == 0 else (f"stellen[{stelle}].qualifikation", "fehlt")


def test_an_antrag_with_fifty_bad_stellen_arrives_as_a_capped_list_with_the_rest_counted(antrag):
    server, pki = antrag
    credentials = channel_credentials(pki.ca_cert, pki.client(STUTTGART))
    with grpc.secure_channel(server.target, credentials) as channel:
        with pytest.raises(grpc.RpcError) as raised:
            antrag_pb2_grpc.AntragServiceStub(channel).SubmitAntrag(fifty_bad_stellen(), timeout=10)
    err = raised.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == "100 Angaben sind ungültig; Einzelheiten in den Details."
    *shown, rest = violations(err)
    assert 10 <= len(shown) < 100
    assert shown == [expected(i) for i in range(len(shown))]
    assert rest == ("", f"… und {100 - len(shown)} weitere ungültige Angaben")
    assert trailer_bytes(err) < METADATA_SOFT_LIMIT * 3 // 4


def test_the_cli_prints_the_capped_list(antrag, tmp_path, capsys):
    server, _ = antrag
    path = tmp_path / "antrag.json"
    path.write_text(json_format.MessageToJson(fifty_bad_stellen()), encoding="utf-8")
    code = pakt_cli(["antrag", "submit", str(path), "--target", server.target])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "Fehler: Ungültige Eingabe: 100 Angaben sind ungültig; Einzelheiten in den Details."
    shown = lines[1:-1]
    assert shown == [f"  {field}: {description}" for field, description in map(expected, range(len(shown)))]
    assert lines[-1] == f"  … und {100 - len(shown)} weitere ungültige Angaben"


# -- bytes that are no request message --------------------------------------------------------------

# A length-delimited field 1 that announces 5 bytes and has 2: no protobuf message at all.
GARBAGE = b"\x0a\x05ab"


@pytest.fixture
def allocation(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    with migrated_engine(f"sqlite:///{tmp_path}/allocation.db", allocation_main.MIGRATIONS) as engine:
        server = ServedInThread(
            allocation_main.GRPC_SERVICE_NAME,
            lambda grpc_server: allocation_pb2_grpc.add_AllocationServiceServicer_to_server(
                AllocationServicer(allocation_main.units_of_work(engine)), grpc_server
            ),
            pki,
        )
        try:
            yield server, pki
        finally:
            server.stop()


def raw_call(server: ServedInThread, pki, identity: str | None, method: str, payload) -> grpc.RpcError:
    """Sends bytes as they are, unary or (for a list) as a client stream; returns the refusal."""
    credentials = channel_credentials(pki.ca_cert, pki.client(identity) if identity else None)
    with grpc.secure_channel(server.target, credentials) as channel:
        if isinstance(payload, list):
            send = channel.stream_unary(method)  # no serializers: bytes in, bytes out
            with pytest.raises(grpc.RpcError) as raised:
                send(iter(payload), timeout=10)
        else:
            send = channel.unary_unary(method)
            with pytest.raises(grpc.RpcError) as raised:
                send(payload, timeout=10)
    return raised.value


def assert_nothing_logged_as_error(caplog) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


def test_undecodable_bytes_are_invalid_argument_for_an_authenticated_caller(antrag, caplog):
    server, pki = antrag
    caplog.set_level(logging.DEBUG)
    err = raw_call(server, pki, STUTTGART, f"/{GRPC_SERVICE_NAME}/SubmitAntrag", GARBAGE)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == "Die Anfrage ist keine lesbare SubmitAntragRequest-Nachricht."
    assert_nothing_logged_as_error(caplog)


def test_undecodable_bytes_without_credential_are_unauthenticated(antrag, caplog):
    server, pki = antrag
    caplog.set_level(logging.DEBUG)
    err = raw_call(server, pki, None, f"/{GRPC_SERVICE_NAME}/SubmitAntrag", GARBAGE)
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert err.details().startswith("Kein Berechtigungsnachweis")
    assert_nothing_logged_as_error(caplog)


def test_a_valid_request_in_raw_bytes_still_reaches_the_service(antrag):
    """The wrapped decoder decodes what it can: the same path, with a message, answers as usual."""
    server, pki = antrag
    err = raw_call(server, pki, STUTTGART, f"/{GRPC_SERVICE_NAME}/GetAntrag",
                   pb.GetAntragRequest(id="kein-uuid").SerializeToString())
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == "1 Angabe ist ungültig; Einzelheiten in den Details."


def test_an_undecodable_message_in_a_client_stream_is_invalid_argument(allocation, caplog):
    server, pki = allocation
    caplog.set_level(logging.DEBUG)
    kopf = allocation_pb2.ImportErhebungRequest(kopf=allocation_pb2.ErhebungKopf(request_id="r")).SerializeToString()
    zeile = allocation_pb2.ImportErhebungRequest(zeile="08111000;1").SerializeToString()
    method = f"/{allocation_main.GRPC_SERVICE_NAME}/ImportErhebung"
    err = raw_call(server, pki, "rp", method, [kopf, zeile, GARBAGE, zeile])
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == "Die Anfrage ist keine lesbare ImportErhebungRequest-Nachricht (Nachricht 3 des Datenstroms)."
    err = raw_call(server, pki, None, method, [GARBAGE])
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert_nothing_logged_as_error(caplog)
