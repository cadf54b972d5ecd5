"""Commands over gRPC are idempotent per caller and request_id (AIP-155, Stripe's idempotency keys).

A key records the method, a fingerprint of the request without its request_id, and what a repeat
is answered with: the first response's bytes, or, where a response may hold personal data, only the
id of the aggregate the command changed (a repeat then answers with the aggregate as it is now).
The unit of work writes the key in the command's own transaction (UnitsOfWork.run_once), so a
command and its key commit together or not at all. Of two equal requests racing, one commits its
key; the other fails on the key's primary key and answers as the winner did. The same request_id
for a different request is refused, naming request_id; the message never echoes the request (it
may hold personal data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message
from sqlalchemy import Column, Connection, DateTime, Engine, MetaData, String, Table, select

from pakt.platform.errors import FieldViolation, InvalidArgument

T = TypeVar("T")
M = TypeVar("M", bound=Message)


def fingerprint(method: str, request: Message) -> str:
    """SHA-256 of the method and the request as serialised deterministically, without request_id."""
    content = type(request)()
    content.CopyFrom(request)
    content.request_id = ""
    return hashlib.sha256(method.encode() + b"\0" + content.SerializeToString(deterministic=True)).hexdigest()


@dataclass(frozen=True)
class Answer(Generic[T]):
    """How a command's result is kept in its key (store) and given back to a repeat (replay)."""

    store: Callable[[T], Any]
    replay: Callable[[Any], T]


def response_bytes(response_type: type[M]) -> Answer[M]:
    """A repeat gets the first response, byte for byte."""
    return Answer(lambda m: m.SerializeToString(), response_type.FromString)


def key_table(metadata: MetaData, answer: Column, akteur_length: int = 100) -> Table:
    """A service's key table; `answer` is the column a repeat is answered from (the response's
    bytes, or the id of the aggregate the command changed)."""
    return Table(
        "idempotenzschluessel",
        metadata,
        Column("akteur", String(akteur_length), primary_key=True),
        Column("request_id", String(100), primary_key=True),
        Column("methode", String(60), nullable=False),
        Column("payload_sha256", String(64), nullable=False),
        answer,
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


class KeyStore:
    """The key table of a service: columns akteur, request_id (primary key), methode,
    payload_sha256, created_at and one answer column (the table's only other column)."""

    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table
        fixed = {"akteur", "request_id", "methode", "payload_sha256", "created_at"}
        [self.answer] = [c for c in table.c if c.name not in fixed]

    def replay(self, caller: str, request_id: str, digest: str) -> Any | None:
        """The stored answer for this key, None if there is none; refuses a reused request_id."""
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

    def store(
        self, conn: Connection, caller: str, request_id: str, method: str, digest: str, now: datetime, answer: Any
    ) -> None:
        conn.execute(
            self.table.insert().values(
                akteur=caller, request_id=request_id, methode=method, payload_sha256=digest, created_at=now,
                **{self.answer.name: answer},
            )
        )
