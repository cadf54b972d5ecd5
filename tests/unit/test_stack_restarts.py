"""How `pakt up` restarts a child that dies: after a growing pause, and not for ever."""

from pakt.cli.stack import RESTART_PAUSES_S, RESTART_WINDOW_S, _Restarts


def test_pauses_grow_with_each_death_and_the_supervisor_gives_up_after_the_last():
    restarts = _Restarts()
    pauses = [restarts.died("allocation", now=10.0 * i) for i in range(len(RESTART_PAUSES_S) + 1)]
    assert pauses == [*RESTART_PAUSES_S, None]


def test_deaths_outside_the_window_are_forgotten():
    restarts = _Restarts()
    for i in range(len(RESTART_PAUSES_S)):
        restarts.died("allocation", now=float(i))
    # Long after those: a fresh start, the shortest pause again.
    assert restarts.died("allocation", now=RESTART_WINDOW_S + 100.0) == RESTART_PAUSES_S[0]


def test_each_child_counts_its_own_deaths():
    restarts = _Restarts()
    for i in range(len(RESTART_PAUSES_S)):
        restarts.died("allocation", now=float(i))
    assert restarts.died("reporting-aggregator", now=10.0) == RESTART_PAUSES_S[0]
