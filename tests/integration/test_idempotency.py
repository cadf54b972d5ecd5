"""The one idempotency of every service, on SQLite and PostgreSQL: a command run through
UnitsOfWork.run_once answers a repeat as the first call did without running again; the same
request_id for another request is refused; of two equal requests racing, one runs and both get its
answer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, func, select

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform.db import make_engine
from pakt.platform.errors import InvalidArgument
from pakt.platform.idempotency import response_bytes
from pakt.platform.unit_of_work import UnitsOfWork

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
def units(db_url):
    engine = make_engine(db_url)
    metadata.create_all(engine)
    # The repository does not matter here: the command writes its effect on the connection.
    yield UnitsOfWork(engine, lambda conn: conn, keys=keys)
    engine.dispose()


def _run(units: UnitsOfWork, request: pb.WithdrawAntragRequest, caller: str = "urn:pakt:kommune:08111000"):
    def command(uow):
        uow.conn.execute(effects.insert())
        # The time of the run: a repeat that ran again would answer with another.
        return pb.WithdrawAntragResponse(antrag=pb.Antrag(id=request.antrag_id, begruendung=uow.now.isoformat()))

    return units.run_once(caller, "WithdrawAntrag", request, command, response_bytes(pb.WithdrawAntragResponse))


def _effects(units: UnitsOfWork) -> int:
    with units.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(effects)).scalar_one()


def test_a_repeat_answers_as_the_first_call_without_running_again(units):
    request = pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-1")
    first = _run(units, request)
    assert _effects(units) == 1
    again = _run(units, request)
    assert again == first
    assert _effects(units) == 1
    # The key is the caller's: another caller's same request_id is its own command.
    _run(units, request, caller="urn:pakt:kommune:08115003")
    assert _effects(units) == 2


def test_the_same_request_id_for_another_request_is_refused_naming_it(units):
    _run(units, pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-1"))
    with pytest.raises(InvalidArgument) as refused:
        _run(units, pb.WithdrawAntragRequest(request_id="r-1", antrag_id="a-2"))
    [violation] = refused.value.violations
    assert violation.field == "request_id" and "WithdrawAntrag" in violation.description
    assert "a-2" not in violation.description  # the request itself is never echoed
    assert _effects(units) == 1


def test_of_two_equal_requests_racing_one_runs_and_both_get_its_answer(units):
    request = pb.WithdrawAntragRequest(request_id="r-race", antrag_id="a-1")
    gate = threading.Barrier(2)
    answers = []

    def call():
        gate.wait()
        answers.append(_run(units, request))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 2 and answers[0] == answers[1]
    assert _effects(units) == 1
