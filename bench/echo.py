"""The transport ceiling: a grpc.aio unary echo behind exactly what every service puts in front of
its handlers, so that what a service call costs beyond it is the service's own work.

The server is the services' own bootstrap (pakt.platform.grpc_server.GrpcServer): the same TLS
with the stack's server certificate and key, the same interceptor (per-call credential checked
against the platform CA, trace id, metrics, error mapping), one process of its own like each
service. Its one method takes a SubmitAntragRequest and answers it unchanged, so the bytes on the
wire and the (de)serialisation are those of a complete Antrag. It has no thread hop, no database
and no broker: those belong to the service.

    .venv/bin/python bench/echo.py --ca CA --cert CERT --key KEY [--port N]

prints "port N" once it serves and stops at SIGTERM or when its stdin closes (its parent ended).
bench/run.py starts it through echo_server().
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pakt.antrag.v1.antrag_pb2 import SubmitAntragRequest  # noqa: E402
from pakt.platform.grpc_server import GrpcServer  # noqa: E402
from pakt.platform.tls import TlsFiles  # noqa: E402

# The credential's audience is this name, as for pakt.antrag.v1.AntragService.
ECHO_SERVICE = "pakt.bench.v1.EchoService"
ECHO_METHOD = f"/{ECHO_SERVICE}/Echo"


async def _echo(request: SubmitAntragRequest, context: grpc.aio.ServicerContext) -> SubmitAntragRequest:
    return request


def echo_stub(channel: grpc.aio.Channel) -> grpc.aio.UnaryUnaryMultiCallable:
    """The echo method on a client channel (use the load clients' channel credentials)."""
    return channel.unary_unary(
        ECHO_METHOD,
        request_serializer=SubmitAntragRequest.SerializeToString,
        response_deserializer=SubmitAntragRequest.FromString,
    )


async def serve(tls: TlsFiles, host: str, port: int) -> None:
    server = GrpcServer(host, port, [ECHO_SERVICE], tls)
    handler = grpc.method_handlers_generic_handler(
        ECHO_SERVICE,
        {
            "Echo": grpc.unary_unary_rpc_method_handler(
                _echo,
                request_deserializer=SubmitAntragRequest.FromString,
                response_serializer=SubmitAntragRequest.SerializeToString,
            )
        },
    )
    server.server.add_generic_rpc_handlers((handler,))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def stop_when_parent_is_gone() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=stop_when_parent_is_gone, daemon=True).start()
    await server.start()
    await server.set_serving(True)
    print(f"port {server.port}", flush=True)
    await stop.wait()
    await server.stop(1)


@contextmanager
def echo_server(tls: TlsFiles, log_file: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """The echo server as a child process on a free port; yields its target."""
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--ca", str(tls.ca_cert), "--cert", str(tls.cert),
             "--key", str(tls.key), "--host", host, "--port", "0"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip
    try:
        line = proc.stdout.readline().decode().strip()
        if not line.startswith("port "):
            proc.wait(10)
            raise RuntimeError(f"echo server did not start (exit code {proc.returncode}); see {log_file}")
        yield f"{host}:{int(line.split()[1])}"
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ca", type=Path, required=True, help="CA certificate the callers' certificates chain to")
    parser.add_argument("--cert", type=Path, required=True, help="server certificate (PEM)")
    parser.add_argument("--key", type=Path, required=True, help="server key (PEM)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)
    asyncio.run(serve(TlsFiles(args.ca, args.cert, args.key), args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
