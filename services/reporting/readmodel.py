"""Applying events to the read model, and the utilisation queries the dashboard asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, case, func, select, update

from pakt.allocation.v1.events_pb2 import VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.events import Event
from pakt.referenzdaten import gebiete, programme
from pakt.reporting.v1.reporting_pb2 import Gliederung
from services.reporting.tables import aggregation_stand, antrag_stand, rahmen_stand, verteilung_stand

WITHDRAWN = AntragStatus.Name(AntragStatus.ANTRAG_STATUS_ZURUECKGEZOGEN)


@dataclass(frozen=True)
class Zeile:
    key: str
    name: str
    planungsrahmen_cent: int
    beantragt_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    antraege: int


class ReadModel:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def apply(self, event: Event) -> str:
        """Apply one event; returns the outcome for metrics. Idempotent by aggregate version."""
        payload = event.payload
        with self.engine.begin() as conn:
            if isinstance(payload, (AntragEingereicht, AntragBeschieden, AntragFortgeschrieben)):
                outcome = _apply_antrag(conn, payload.antrag)
            elif isinstance(payload, VerteilungFestgelegt):
                outcome = _apply_verteilung(conn, payload, event.envelope.aggregate_version)
            else:
                return "ignored"
            if outcome == "applied":
                conn.execute(
                    update(aggregation_stand)
                    .where(aggregation_stand.c.id == 1)
                    .values(
                        events_applied=aggregation_stand.c.events_applied + 1, aktualisiert_at=datetime.now(UTC)
                    )
                )
        return outcome

    def events_applied(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(aggregation_stand.c.events_applied)).scalar_one()

    def utilisation(self, by: int, foerderjahr: int) -> list[Zeile]:
        jahre = {j for p in programme().values() for j in p.foerderjahre}
        violations = []
        if by not in (Gliederung.GLIEDERUNG_LANDKREIS, Gliederung.GLIEDERUNG_PROGRAMM):
            violations.append(FieldViolation("by", "Gliederung fehlt: LANDKREIS oder PROGRAMM"))
        if foerderjahr and foerderjahr not in jahre:
            violations.append(
                FieldViolation("foerderjahr", f"{foerderjahr} ist kein Förderjahr (möglich: {sorted(jahre)})")
            )
        if violations:
            raise InvalidArgument(violations)
        if by == Gliederung.GLIEDERUNG_LANDKREIS:
            names = {ags: k.bezeichnung for ags, k in sorted(gebiete().kreise.items())}
            antrag_key, rahmen_key = antrag_stand.c.kreis_ags, rahmen_stand.c.kreis_ags
        else:
            names = {key: p.name for key, p in programme().items()}
            antrag_key, rahmen_key = antrag_stand.c.programm, rahmen_stand.c.programm
        with self.engine.connect() as conn:
            rahmen = _sum_by(conn, rahmen_key, [func.sum(rahmen_stand.c.rahmen_cent)], rahmen_stand, foerderjahr)
            active = antrag_stand.c.status != WITHDRAWN
            antraege = _sum_by(
                conn,
                antrag_key,
                [
                    func.sum(case((active, antrag_stand.c.betrag_cent), else_=0)),
                    func.sum(antrag_stand.c.bewilligt_cent),
                    func.sum(antrag_stand.c.ausgezahlt_cent),
                    func.sum(case((active, 1), else_=0)),
                ],
                antrag_stand,
                foerderjahr,
            )
        rows = []
        for key, name in names.items():
            beantragt, bewilligt, ausgezahlt, anzahl = antraege.get(key, (0, 0, 0, 0))
            rows.append(Zeile(key, name, rahmen.get(key, (0,))[0], beantragt, bewilligt, ausgezahlt, anzahl))
        return rows


def _sum_by(conn: Connection, key, sums: list, table, foerderjahr: int) -> dict[str, tuple[int, ...]]:
    query = select(key, *sums).group_by(key)
    if foerderjahr:
        query = query.where(table.c.foerderjahr == foerderjahr)
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in conn.execute(query)}


def _apply_antrag(conn: Connection, a: Antrag) -> str:
    current = conn.execute(
        select(antrag_stand.c.version).where(antrag_stand.c.antrag_id == a.id)
    ).scalar_one_or_none()
    if current is not None and current >= a.version:
        return "stale"
    values = {
        "version": a.version,
        "antragsteller_ags": a.antragsteller_ags,
        "kreis_ags": a.kreis_ags,
        "programm": Programm.Name(a.programm),
        "foerderjahr": a.foerderjahr,
        "status": AntragStatus.Name(a.status),
        "betrag_cent": a.betrag_cent,
        # What stays committed: the Verwendungsnachweis releases the unspent part to the frame.
        "bewilligt_cent": a.bewilligt_cent - a.freigegeben_cent,
        "ausgezahlt_cent": a.ausgezahlt_cent,
    }
    if current is None:
        conn.execute(antrag_stand.insert().values(antrag_id=a.id, **values))
    else:
        conn.execute(update(antrag_stand).where(antrag_stand.c.antrag_id == a.id).values(**values))
    return "applied"


def _apply_verteilung(conn: Connection, v: VerteilungFestgelegt, version: int) -> str:
    programm = Programm.Name(v.programm)
    key = and_(verteilung_stand.c.programm == programm, verteilung_stand.c.foerderjahr == v.foerderjahr)
    current = conn.execute(select(verteilung_stand.c.version).where(key)).scalar_one_or_none()
    if current is not None and current >= version:
        return "stale"
    if current is None:
        conn.execute(
            verteilung_stand.insert().values(
                programm=programm, foerderjahr=v.foerderjahr, version=version, verteilung_id=v.verteilung_id
            )
        )
    else:
        conn.execute(update(verteilung_stand).where(key).values(version=version, verteilung_id=v.verteilung_id))
    conn.execute(
        rahmen_stand.delete().where(rahmen_stand.c.programm == programm, rahmen_stand.c.foerderjahr == v.foerderjahr)
    )
    conn.execute(
        rahmen_stand.insert(),
        [
            {
                "kommune_ags": r.kommune_ags,
                "programm": programm,
                "foerderjahr": v.foerderjahr,
                "kreis_ags": r.kreis_ags,
                "rahmen_cent": r.rahmen_cent,
            }
            for r in v.rahmen
        ],
    )
    return "applied"
