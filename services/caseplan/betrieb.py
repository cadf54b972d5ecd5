"""The operators' use cases: the end of retention (hourly in the service, or `pakt serve caseplan
aufbewahrung`), re-wrapping the data keys after a new master key (`rotate-key`), and publishing
every event again for a rebuild of reporting (the Republish RPC). ops.py is their command line."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.reconciliation import queue_again
from pakt.platform.settings import SettingsError, env_int
from pakt.platform.unit_of_work import Units, UnitsOfWork
from services.caseplan import audit
from services.caseplan.betroffenenrechte import erase
from services.caseplan.domain import ALLE_PLAENE, PERSON_FIELDS
from services.caseplan.plaene import Uow
from services.caseplan.repository import CasePlanRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Aufbewahrung:
    """How long each record type is kept after a plan is closed."""

    # The person and every text of the plan (PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE, default 3 years).
    personendaten: timedelta
    # The pseudonymous rest: dates, goal fields and statuses (PAKT_CASEPLAN_AUFBEWAHRUNG_PLAN_TAGE,
    # default 10 years); never shorter than the personal data.
    plan: timedelta

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Aufbewahrung:
        personendaten = env_int("PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE", 3 * 365, env)
        plan = env_int("PAKT_CASEPLAN_AUFBEWAHRUNG_PLAN_TAGE", 10 * 365, env)
        if not 0 <= personendaten <= plan:
            raise SettingsError(
                "PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE must be at least 0 and at most PAKT_CASEPLAN_AUFBEWAHRUNG_PLAN_TAGE"
            )
        return cls(timedelta(days=personendaten), timedelta(days=plan))


def erase_expired(
    units: Units[CasePlanRepository], aufbewahrung: Aufbewahrung, akteur: str = "system:aufbewahrung"
) -> tuple[int, int]:
    """The end of retention, per record type, in one unit of work: the personal data of plans
    closed longer ago than aufbewahrung.personendaten is erased; the pseudonymous rest of plans
    closed longer ago than aufbewahrung.plan is deleted. Returns how many plans of each."""

    def work(uow: Uow) -> tuple[int, int]:
        heute = uow.now.date()
        personal = uow.repo.closed_before(heute - aufbewahrung.personendaten, erased=False)
        for stand in personal:
            erase(uow, stand)
            uow.repo.log_access(akteur, stand.id, audit.LOESCHEN, PERSON_FIELDS,
                                "Ende der Aufbewahrungsfrist (Personendaten)", uow.now)
        plans = uow.repo.closed_before(heute - aufbewahrung.plan, erased=True)
        for stand in plans:
            uow.repo.remove(stand.id)
            uow.repo.log_access(akteur, stand.id, audit.LOESCHEN, ["plan"], "Ende der Aufbewahrungsfrist (Plan)", uow.now)
        return len(personal), len(plans)

    personendaten, plaene = units.run(work)
    if personendaten or plaene:
        log.info("retention ended", extra={"personendaten": personendaten, "plaene": plaene})
    return personendaten, plaene


def rotate_keys(units: Units[CasePlanRepository], akteur: str, batch_size: int = 200) -> int:
    """Re-wrap every plan's data key with the active master key, in small units of work while the
    service keeps running, each logged. The plans' fields stay as they are: they are encrypted
    with their data key, which does not change. Old master keys must stay readable until this has
    finished."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")

    def batch(uow: Uow) -> int:
        rewrapped = uow.repo.rewrap_stale_data_keys(batch_size)
        if rewrapped:
            uow.repo.log_access(akteur, ALLE_PLAENE, audit.SCHLUESSELWECHSEL, ["datenschluessel"],
                                f"Neuverschlüsselung mit Schlüssel {uow.repo.active_key_id}", uow.now)
        return rewrapped

    total = 0
    while True:
        rewrapped = units.run(batch)
        total += rewrapped
        if rewrapped < batch_size:
            return total


def republish(units: UnitsOfWork[CasePlanRepository], principal: Principal, r: pb.RepublishRequest) -> pb.RepublishResponse:
    """Operators, for rebuilding the reporting read model: every event the service wrote is
    queued to be published again, in order. The events are pseudonymous; no personal data is
    read, so nothing goes into the access log."""
    guards.operator(principal)
    if not r.alle:
        raise InvalidArgument([FieldViolation("alle", "muss gesetzt sein: es werden alle Ereignisse erneut veröffentlicht")])
    return pb.RepublishResponse(
        events_queued=queue_again(units.engine, units.outbox, None, principal.label, units.on_events)
    )
