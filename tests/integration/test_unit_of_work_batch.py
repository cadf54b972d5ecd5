"""UnitsOfWork.batch on SQLite and PostgreSQL: the units of work a thread runs inside it share one
transaction (inbox entries and outbox events included) that commits, or rolls back, as a whole;
the relay is nudged once, after the commit; other threads keep their own transactions."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select

from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.antrag.v1.events_pb2 import AntragEingereicht
from pakt.platform import events
from pakt.platform.db import make_engine
from pakt.platform.inbox import inbox_table
from pakt.platform.outbox import outbox_table
from pakt.platform.unit_of_work import BatchFailed, UnitsOfWork

metadata = MetaData()
inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
effects = Table("wirkung", metadata, Column("id", Integer, primary_key=True, autoincrement=False))


@pytest.fixture
def units(db_url):
    engine = make_engine(db_url)
    metadata.create_all(engine)
    nudges = []
    units = UnitsOfWork(engine, lambda conn: conn, inbox=inbox, outbox=outbox, on_events=lambda: nudges.append(1))
    units.nudges = nudges
    yield units
    engine.dispose()


def _count(units, table) -> int:
    with units.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _effect(n: int, publish: bool = False):
    def work(uow):
        uow.conn.execute(effects.insert().values(id=n))
        if publish:
            payload = AntragEingereicht(antrag=Antrag(id=f"a{n}", version=1))
            uow.publish(events.ANTRAG_EVENTS, events.wrap(payload, aggregate_type="antrag", aggregate_key=f"a{n}", aggregate_version=1, producer="test"))
        return n

    return work


def test_units_of_work_inside_a_batch_share_one_transaction_and_nudge_once(units):
    seen = []

    def noting(n: int):
        def work(uow):
            seen.append((uow.conn, uow.batch))
            return _effect(n, publish=True)(uow)

        return work

    with units.batch() as shared:
        for n in range(3):
            units.run(noting(n))
        assert units.apply("e-1", _effect(10), duplicate="dup") == 10
        assert units.apply("e-1", _effect(11), duplicate="dup") == "dup"  # the inbox sees the batch's own entry
        assert units.nudges == []
        if units.engine.dialect.name == "postgresql":  # (SQLite: readers wait for the writer too)
            assert _count(units, effects) == 0  # nothing committed yet
    assert len({id(conn) for conn, _ in seen}) == 1
    assert all(batch is shared for _, batch in seen)
    assert (_count(units, effects), _count(units, inbox), _count(units, outbox)) == (4, 1, 3)
    assert units.nudges == [1]


def test_a_failure_inside_a_batch_rolls_all_of_it_back(units):
    with pytest.raises(RuntimeError, match="database away"), units.batch():
        units.run(_effect(1, publish=True))
        units.apply("e-1", _effect(2), duplicate="dup")
        units.run(lambda uow: (_ for _ in ()).throw(RuntimeError("database away")))
    assert (_count(units, effects), _count(units, inbox), _count(units, outbox)) == (0, 0, 0)
    assert units.nudges == []
    # Nothing is left open: the next batch and a plain unit of work work as before.
    with units.batch():
        units.run(_effect(1))
    units.run(_effect(2))
    assert _count(units, effects) == 2


def test_a_unit_of_work_that_failed_fails_the_batch_even_if_its_caller_went_on(units):
    def half_done(uow):
        uow.conn.execute(effects.insert().values(id=1))
        raise ValueError("invalid")

    with pytest.raises(BatchFailed):
        with units.batch():
            try:
                units.run(half_done)
            except ValueError:
                pass  # a caller that swallows the error must not commit the half of its writes
            units.run(_effect(2))
    assert _count(units, effects) == 0


def test_batches_do_not_nest_and_other_threads_keep_their_own_transactions(units):
    with units.batch():
        with pytest.raises(RuntimeError, match="open in this thread"):
            with units.batch():
                pass
        units.run(_effect(1))
        if units.engine.dialect.name == "postgresql":
            # Another thread commits on its own, at once (SQLite: one writer at a time).
            worker = threading.Thread(target=units.run, args=(_effect(2),))
            worker.start()
            worker.join(10)
            assert _count(units, effects) == 1
    assert _count(units, effects) == (2 if units.engine.dialect.name == "postgresql" else 1)


def test_outside_a_batch_every_unit_of_work_commits_on_its_own(units):
    units.run(_effect(1, publish=True))
    assert units.run(lambda uow: uow.batch) is None
    assert (_count(units, effects), units.nudges) == (1, [1])
