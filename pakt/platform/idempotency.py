"""Commands over gRPC are idempotent per caller and request_id (AIP-155, Stripe's idempotency keys).

A key records the method, a fingerprint of the request without its request_id, and what a repeat
is answered with: the first response's bytes, or, where a response may hold personal data, only the
id of the aggregate the command changed (a repeat then answers with the aggregate as it is now).
The key is written in the command's own transaction, so a command and its key commit together or
not at all. Of two equal requests racing, one commits its key; the other fails on the key's primary
key and answers as the winner did. The same request_id for a different request is refused, naming
request_id; the message never echoes the request (it may hold personal data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.exc import IntegrityError

from pakt.platform.errors import FieldViolation, InvalidArgument

T = TypeVar("T")
A = TypeVar("A")


def fingerprint(method: str, request: Message) -> str:
    """SHA-256 of the method and the request as serialised deterministically, without request_id."""
    content = type(request)()
    content.CopyFrom(request)
    content.request_id = ""
    return hashlib.sha256(method.encode() + b"\0" + content.SerializeToString(deterministic=True)).hexdigest()


class Idempotency(Generic[A]):
    """Runs a command once per (caller, request_id) in one transaction with its key.

    The service's key table has the columns akteur, request_id (primary key), methode,
    payload_sha256, created_at and `answer`, the column a repeat is answered from, of type A
    (the response's bytes, or an aggregate id)."""

    def __init__(
        self, engine: Engine, table: Table, answer: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.table = table
        self.answer = table.c[answer]
        # "now" for the command and the key's created_at: the service's clock.
        self.clock = clock

    def run(
        self,
        caller: str,
        method: str,
        request: Message,
        command: Callable[[Connection, datetime], T],
        to_answer: Callable[[T], A],
        from_answer: Callable[[A], T],
        keep_key: bool = True,
    ) -> tuple[T, bool]:
        """(result, True) after running command(conn, now) and committing it with its key;
        (the first result, False) for a repeat. keep_key=False runs the command without writing a
        key (for a command that removes what a key would point to, such as an erasure)."""
        digest = fingerprint(method, request)
        earlier = self._replay(caller, request.request_id, digest)
        if earlier is not None:
            return from_answer(earlier), False
        try:
            with self.engine.begin() as conn:
                now = self.clock()
                result = command(conn, now)
                if keep_key:
                    conn.execute(
                        self.table.insert().values(
                            akteur=caller,
                            request_id=request.request_id,
                            methode=method,
                            payload_sha256=digest,
                            created_at=now,
                            **{self.answer.name: to_answer(result)},
                        )
                    )
        except IntegrityError:
            # A concurrent call with the same request_id won the race; answer as it did.
            earlier = self._replay(caller, request.request_id, digest)
            if earlier is None:
                raise
            return from_answer(earlier), False
        return result, True

    def _replay(self, caller: str, request_id: str, digest: str) -> A | None:
        k = self.table.c
        with self.engine.connect() as conn:
            key = conn.execute(
                select(k.methode, k.payload_sha256, self.answer).where(k.akteur == caller, k.request_id == request_id)
            ).one_or_none()
        if key is None:
            return None
        if key.payload_sha256 != digest:
            raise InvalidArgument(
                [FieldViolation("request_id", f"wurde bereits für einen anderen Aufruf verwendet ({key.methode})")]
            )
        return key[2]

