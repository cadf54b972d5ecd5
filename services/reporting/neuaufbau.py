"""The rebuild of the read model (`pakt report rebuild`, docs/reliability.md): emptying it, and how
far filling it again from the owners' events has got. For operators of the Bewilligungsstelle."""

from __future__ import annotations

import logging

from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.reporting.v1 import reporting_pb2
from services.reporting import domain
from services.reporting.repository import ReportingRepository

log = logging.getLogger(__name__)


def reset(
    units: UnitsOfWork[ReportingRepository], principal: Principal, request: reporting_pb2.ResetReadModelRequest
) -> reporting_pb2.ResetReadModelResponse:
    """Every table and counter of the read model emptied in one transaction."""
    guards.operator(principal, domain.NUR_BEWILLIGUNGSSTELLE)
    removed = units.run(lambda uow: uow.repo.reset(uow.now))
    log.warning("read model reset for a rebuild", extra={"by": principal.label, "antraege_removed": removed})
    return reporting_pb2.ResetReadModelResponse(antraege_removed=removed)


def aggregation_stand(
    units: UnitsOfWork[ReportingRepository], principal: Principal, request: reporting_pb2.GetAggregationStandRequest
) -> reporting_pb2.GetAggregationStandResponse:
    """Events applied, and events processed per producer, since creation or the last reset."""
    guards.operator(principal, domain.NUR_BEWILLIGUNGSSTELLE)
    with units.read() as repo:
        applied, processed = repo.events_applied(), repo.events_processed()
    return reporting_pb2.GetAggregationStandResponse(events_applied=applied, events_processed=processed)
