"""gRPC calls from the CLI and the dashboard, with errors turned into German messages."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

CALL_TIMEOUT_S = 10.0


class CallFailed(Exception):
    """A failed call, with a message meant for the person at the terminal."""


def channel(target: str) -> grpc.Channel:
    return grpc.insecure_channel(target)


def describe(err: grpc.RpcError, target: str) -> str:
    code = err.code()
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"Dienst unter {target} nicht erreichbar. Läuft das System (make run)?"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"Dienst unter {target} antwortet nicht rechtzeitig."
    status = rpc_status.from_call(err)
    if status is not None:
        lines = []
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                lines += [f"  {v.field}: {v.description}" for v in bad_request.field_violations]
        if lines:
            return "Ungültige Eingabe:\n" + "\n".join(lines)
    labels = {
        grpc.StatusCode.NOT_FOUND: "Nicht gefunden",
        grpc.StatusCode.INVALID_ARGUMENT: "Ungültige Eingabe",
        grpc.StatusCode.FAILED_PRECONDITION: "Nicht möglich",
        grpc.StatusCode.PERMISSION_DENIED: "Keine Berechtigung",
        grpc.StatusCode.UNAUTHENTICATED: "Nicht angemeldet",
    }
    return f"{labels.get(code, 'Fehler ' + code.name)}: {err.details()}"


def call(target: str, stub_class, method: str, request):
    """One unary call on a fresh channel; raises CallFailed with a German message."""
    with channel(target) as ch:
        try:
            return getattr(stub_class(ch), method)(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            raise CallFailed(describe(err, target)) from None
