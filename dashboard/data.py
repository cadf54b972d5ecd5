"""What the dashboard shows, fetched from the ReportingService and shaped into German tables.

The dashboard runs on the operator's side: it calls as PAKT_DASHBOARD_IDENTITY if set, else with
the certificate PAKT_CLIENT_CERT names, else as "rp:dashboard" with a certificate of the local CA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pakt.cli.grpc_client import acting_as, call
from pakt.geld import euro, quote
from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc


@dataclass(frozen=True)
class Auslastung:
    rows: list[reporting_pb2.UtilisationRow]
    events_applied: int

    def total(self, field: str) -> int:
        return sum(getattr(r, field) for r in self.rows)


def fetch(target: str, by: int, foerderjahr: int) -> Auslastung:
    reply = call(
        target,
        reporting_pb2_grpc.ReportingServiceStub,
        "GetUtilisation",
        reporting_pb2.GetUtilisationRequest(by=by, foerderjahr=foerderjahr),
        acting_as(os.environ.get("PAKT_DASHBOARD_IDENTITY"), "rp:dashboard"),
    )
    return Auslastung(rows=list(reply.rows), events_applied=reply.events_applied)


def table(auslastung: Auslastung, key_label: str) -> list[dict[str, str]]:
    """One row per Kreis or programme, money formatted the German way."""
    return [
        {
            key_label: r.key,
            "Name": r.name,
            "Planungsrahmen": euro(r.planungsrahmen_cent),
            "beantragt": euro(r.beantragt_cent),
            "bewilligt": euro(r.bewilligt_cent),
            "ausgezahlt": euro(r.ausgezahlt_cent),
            "Anträge": str(r.antraege),
            "Auslastung": quote(r.bewilligt_cent, r.planungsrahmen_cent),
        }
        for r in auslastung.rows
    ]
