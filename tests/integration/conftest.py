"""Fixtures of the integration tests: a real broker."""

from __future__ import annotations

import pytest

from tests.broker import Tansu


@pytest.fixture
def tansu(tmp_path):
    """A Tansu broker on a free port, without topics; the test may stop and restart it."""
    broker = Tansu(tmp_path / "tansu.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
