"""gRPC server bootstrap shared by all services: TLS, authentication, health, reflection, metrics,
error mapping.

Every call except health and reflection must carry a credential (pakt.platform.auth); handlers get
its principal from pakt.platform.auth.caller(). Service code raises pakt.platform.errors; the
interceptor turns them into status codes, with google.rpc.BadRequest field violations for
INVALID_ARGUMENT (as many as fit into the trailers, the rest counted). Bytes that are no request
message are answered INVALID_ARGUMENT too, after authentication, not UNKNOWN with a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from pakt.platform import auth, errors
from pakt.platform.logging import trace_id
from pakt.platform.metrics import RPC_HANDLED, RPC_SECONDS
from pakt.platform.tls import TlsFiles, server_credentials

log = logging.getLogger(__name__)

TRACE_HEADER = "x-trace-id"
# Open without a credential: Kubernetes probes and tools such as grpcurl have none.
PUBLIC_SERVICES = frozenset({health.SERVICE_NAME, reflection.SERVICE_NAME})


# A refusal travels in the trailers: its message as grpc-message, its details base64-encoded as
# grpc-status-details-bin. C-core clients refuse metadata above 16 KiB, and above 8 KiB at random
# (grpc.max_metadata_size), so the encoded status stays at 4 KiB (5.5 KiB in base64) and lists at
# most 100 violations; a last violation counts the rest.
MAX_STATUS_BYTES = 4096
MAX_VIOLATIONS = 100
MAX_MESSAGE_CHARS = 1000
MAX_FIELD_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
# What the lengths of the BadRequest, the Any and the details entry may grow by as violations are
# added (their varints), beyond the size of the status with an empty BadRequest.
_VARINT_GROWTH = 6


def _status_for(exc: errors.DomainError) -> grpc.Status:
    if isinstance(exc, errors.InvalidArgument):
        return rpc_status.to_status(_invalid_argument(exc))
    code = {
        errors.NotFound: code_pb2.NOT_FOUND,
        errors.FailedPrecondition: code_pb2.FAILED_PRECONDITION,
        errors.AlreadyExists: code_pb2.ALREADY_EXISTS,
        errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
        errors.PermissionDenied: code_pb2.PERMISSION_DENIED,
    }.get(type(exc), code_pb2.INTERNAL)
    return rpc_status.to_status(status_pb2.Status(code=code, message=_cut(str(exc), MAX_MESSAGE_CHARS)))


def _invalid_argument(exc: errors.InvalidArgument) -> status_pb2.Status:
    """INVALID_ARGUMENT with each violation once, in google.rpc.BadRequest, as many as fit into
    MAX_STATUS_BYTES and MAX_VIOLATIONS; the message only counts them."""
    Violation = error_details_pb2.BadRequest.FieldViolation
    message = _cut(str(exc), MAX_MESSAGE_CHARS)
    empty = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message)
    empty.details.add().Pack(error_details_pb2.BadRequest())
    budget = MAX_STATUS_BYTES - empty.ByteSize() - _VARINT_GROWTH

    def rest(n: int) -> error_details_pb2.BadRequest.FieldViolation:
        angaben = "ungültige Angabe" if n == 1 else "ungültige Angaben"
        return Violation(field="", description=f"… und {errors.zahl(n)} weitere {angaben}")

    candidates = [
        Violation(field=_cut(v.field, MAX_FIELD_CHARS), description=_cut(v.description, MAX_DESCRIPTION_CHARS))
        for v in exc.violations[:MAX_VIOLATIONS]
    ]
    sizes = [_embedded_size(v) for v in candidates]
    if len(exc.violations) > MAX_VIOLATIONS or sum(sizes) > budget:
        # Not all of them: keep room for the one that counts the rest (at most all of them).
        budget -= _embedded_size(rest(len(exc.violations)))
    shown: list[error_details_pb2.BadRequest.FieldViolation] = []
    for violation, size in zip(candidates, sizes, strict=True):
        if size > budget:
            break
        shown.append(violation)
        budget -= size
    if len(shown) < len(exc.violations):
        shown.append(rest(len(exc.violations) - len(shown)))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message)
    status.details.add().Pack(error_details_pb2.BadRequest(field_violations=shown))
    return status


def _embedded_size(message) -> int:
    """The bytes a message takes as one element of a repeated field: tag, length, content."""
    size = message.ByteSize()
    return 1 + max(1, (size.bit_length() + 6) // 7) + size


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Interceptor(grpc.aio.ServerInterceptor):
    """Authentication, trace id, latency and outcome metrics, and domain-error mapping for unary
    and client-streaming (stream-unary) calls; services that stream responses are not served."""

    def __init__(self, authenticator: auth.Authenticator) -> None:
        self.authenticator = authenticator

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        service = method.split("/")[1]
        public = service in PUBLIC_SERVICES
        if handler is None or (handler.unary_unary is None and public):
            return handler
        streaming = handler.unary_unary is None
        if not streaming:
            inner, make_handler = handler.unary_unary, grpc.unary_unary_rpc_method_handler
        elif handler.stream_unary is not None:
            # A client stream (e.g. a file's lines): authenticated before the handler reads it.
            inner, make_handler = handler.stream_unary, grpc.stream_unary_rpc_method_handler
        else:
            # Only unary and client-streaming calls are authenticated below; none of ours streams responses.
            raise RuntimeError(f"{method} streams responses: not authenticated, so not served")
        request_type = _request_type(method)

        async def wrapper(request, context: grpc.aio.ServicerContext):
            metadata = context.invocation_metadata() or ()
            trace_id.set(dict(metadata).get(TRACE_HEADER) or uuid.uuid4().hex)
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                if not public:
                    # Like trace_id: every call runs in its own task, so this stays with the call.
                    auth.current.set(self.authenticator.authenticate(metadata, service))
                if streaming:
                    return await inner(_decoded(request, request_type), context)
                if isinstance(request, _Undecodable):
                    raise _UnreadableRequest(request_type)
                return await inner(request, context)
            except _UnreadableRequest as exc:
                code = grpc.StatusCode.INVALID_ARGUMENT
                await context.abort(code, str(exc))
            except errors.DomainError as exc:
                status = _status_for(exc)
                code = status.code
                await context.abort_with_status(status)
            except Exception:
                # context.abort() raises too, after setting the code; anything else is a bug.
                set_code = context.code()
                code = set_code if isinstance(set_code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
                if code == grpc.StatusCode.UNKNOWN:
                    log.exception("unhandled error", extra={"method": method})
                raise
            finally:
                RPC_SECONDS.labels(method).observe(time.perf_counter() - started)
                RPC_HANDLED.labels(method, code.name).inc()

        return make_handler(
            wrapper,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


class _Undecodable:
    """What a request's bytes become when they are no message of the expected type: grpc would
    answer the DecodeError UNKNOWN, with the decoder's text and an ERROR with traceback, before the
    caller is authenticated. The interceptor answers it after authentication instead."""

    __slots__ = ()


_UNDECODABLE = _Undecodable()


class _UnreadableRequest(Exception):
    def __init__(self, request_type: str, number: int | None = None) -> None:
        where = f" (Nachricht {number} des Datenstroms)" if number is not None else ""
        super().__init__(f"Die Anfrage ist keine lesbare {request_type}-Nachricht{where}.")


def _tolerant(deserializer):
    if deserializer is None:
        return None

    def deserialize(data: bytes):
        try:
            return deserializer(data)
        except DecodeError:
            return _UNDECODABLE

    return deserialize


async def _decoded(requests: AsyncIterator, request_type: str) -> AsyncIterator:
    """A client stream's messages, refused at the first that could not be decoded."""
    number = 0
    async for message in requests:
        number += 1
        if isinstance(message, _Undecodable):
            raise _UnreadableRequest(request_type, number)
        yield message


def _request_type(method: str) -> str:
    """The name of a method's request message, e.g. "SubmitAntragRequest" for
    "/pakt.antrag.v1.AntragService/SubmitAntrag"."""
    service, _, name = method.strip("/").partition("/")
    try:
        return descriptor_pool.Default().FindServiceByName(service).methods_by_name[name].input_type.name
    except KeyError:
        return "Protobuf"


class GrpcServer:
    """An aio server on one TLS port, with health (NOT_SERVING until set_serving) and reflection.

    Credentials of callers are checked against the CA in `tls`."""

    def __init__(self, host: str, port: int, service_names: Iterable[str], tls: TlsFiles) -> None:
        self.server = grpc.aio.server(interceptors=[_Interceptor(auth.Authenticator.from_file(tls.ca_cert))])
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.service_names = list(service_names)
        reflection.enable_server_reflection(
            [*self.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.address = f"{host}:{port}"
        self.port = self.server.add_secure_port(self.address, server_credentials(tls))

    async def start(self) -> None:
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.start()
        log.info("gRPC listening", extra={"address": self.address, "port": self.port})

    async def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ["", *self.service_names]:
            await self.health.set(name, status)

    async def stop(self, grace_s: float) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)


def use_case_rpc(use_case: Callable, principal: Callable[[], auth.Principal] = auth.caller):
    """A servicer method that hands the request to its use case, use_case(units, principal,
    request), off the event loop; the servicer holds its units of work as `self.units`."""

    async def handler(self, request, context):
        caller = principal()
        return await asyncio.to_thread(use_case, self.units, caller, request)

    return handler
