"""The one idempotency of every service, on SQLite and PostgreSQL: a repeat answers as the first
call did without running the command again; the same request_id for another request is refused;
of two equal requests racing, one runs and both get its answer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, func, select

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform.db import make_engine
from pakt.platform.errors import InvalidArgument
from pakt.platform.idempotency import Idempotency

metadata = MetaData()
keys = Table(
    "idempotenzschluessel",
    metadata,
    Column("akteur", String(100), primary_key=True),
    Column("request_id", String(100), primary_key=True),
    Column("methode", String(60), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("antwort", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
effects = Table("wirkung", metadata, Column("id", Integer, primary_key=True, autoincrement=True))


@pytest.fixture
def idempotency(db_url):
    engine = make_engine(db_url)
    metadata.create_all(engine)
    yield Idempotency(engine, keys, "antwort")
    engine.dispose()


def _run(idempotency: Idempotency, request: pb.WithdrawAntragRequest, caller: str = "urn:pakt:kommune:08111000"):
    def command(conn, now):
        conn.execute(effects.insert())
        return pb.WithdrawAntragResponse(antrag=pb.Antrag(id=request.antrag_id, begruendung=now.isoformat()))

    return idempotency.run(
        caller, "WithdrawAntrag", request, command, lambda r: r.SerializeToString(), pb.WithdrawAntragResponse.FromString
    )


def _effects(idempotency: Idempotency) -> int:
    with idempotency.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(effects)).scalar_one()


def test_a_repeat_answers_as_the_first_call_without_running_again(idempotency):
    request = pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-1")
    first, fresh = _run(idempotency, request)
    again, repeated = _run(idempotency, request)
    assert (fresh, repeated) == (True, False)
    assert again == first
    assert _effects(idempotency) == 1
    # The key is the caller's: another caller's same request_id is its own command.
    _, other = _run(idempotency, request, caller="urn:pakt:kommune:08115003")
    assert other is True and _effects(idempotency) == 2


def test_the_same_request_id_for_another_request_is_refused_naming_it(idempotency):
    _run(idempotency, pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-1"))
    with pytest.raises(InvalidArgument) as refused:
        _run(idempotency, pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-2"))
    [violation] = refused.value.violations
    assert violation.field == "request_id" and "WithdrawAntrag" in violation.description
    assert "a-2" not in violation.description  # the request itself is never echoed
    assert _effects(idempotency) == 1


def test_of_two_equal_requests_racing_one_runs_and_both_get_its_answer(idempotency):
    request = pb.WithdrawAntragRequest(request_id="r-race", antrag_id="a-1")
    gate = threading.Barrier(2)
    answers = []

    def call():
        gate.wait()
        answers.append(_run(idempotency, request))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 2 and answers[0][0] == answers[1][0]
    assert _effects(idempotency) == 1
