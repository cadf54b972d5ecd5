"""Self-repair of the antrag service: an Antrag whose Prüfung was completed minutes ago and that
still has no Bescheid has its events published again, every minute, until allocation's Bescheid
arrives. So a message lost between the services (a broker that lost data, a consumer that skipped
a record) is made good without an operator; `pakt abgleich` is the operator's check of the same.

The process schedules it as a background task:

    runtime.add_task("bescheid-nachfrage", functools.partial(nachfrage.run, units))
"""

from __future__ import annotations

import asyncio
import logging

from pakt.platform.unit_of_work import UnitsOfWork
from services.antrag import abgleich
from services.antrag.repository import AntragRepository

log = logging.getLogger(__name__)

INTERVAL_S = 60.0


async def run(units: UnitsOfWork[AntragRepository], stop: asyncio.Event, interval_s: float = INTERVAL_S) -> None:
    """Until stop: every interval_s, one round of abgleich.republish_undecided. A failed round
    (e.g. the database is away) is logged and the next one tried; it never ends the process."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
        except TimeoutError:
            try:
                await asyncio.to_thread(abgleich.republish_undecided, units)
            except Exception:  # noqa: BLE001  the next round tries again
                log.exception("republishing Anträge without a Bescheid failed; trying again next round")
