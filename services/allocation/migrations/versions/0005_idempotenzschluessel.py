"""One idempotency for allocation's commands: the first answer to each request, per caller and
request_id, in idempotenzschluessel (pakt.platform.idempotency), instead of looking for the
request_id on the parameter, erhebung and verteilung rows it created. Those columns stay as the
record of which request created a row.

The requests of earlier revisions get their keys here, so that repeating one still answers as
before: the caller is the Bewilligungsstelle ("rp"), the fingerprint that of the request the row
was created from, the answer what a repeat was answered with.

Revision ID: 0005
Revises: 0004
"""

import hashlib
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from google.protobuf.timestamp_pb2 import Timestamp

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.idempotency import fingerprint

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AKTEUR = "rp"
ART = {"budget": pb.PARAMETER_ART_BUDGET, "schwellenwert": pb.PARAMETER_ART_SCHWELLENWERT, "stichtag": pb.PARAMETER_ART_STICHTAG}
UMVERTEILUNG_BASIS = re.compile(r"Umverteilung; ([0-9.]+,[0-9]{2}) € frei; (.*)", re.DOTALL)

# The columns read, typed, so that dates and times come back as such on SQLite too.
parameter = sa.table(
    "parameter", *(sa.column(c) for c in ("id", "art", "programm", "foerderjahr", "tranche", "betrag_cent", "quelle")),
    sa.column("stichtag", sa.Date), sa.column("gueltig_ab", sa.Date), sa.column("request_id"),
    sa.column("erfasst_von"), sa.column("erfasst_at", sa.DateTime(timezone=True)),
)
erhebung = sa.table(
    "erhebung", *(sa.column(c) for c in ("id", "art", "quelle", "dateiname", "sha256", "anzahl_gesamt", "request_id")),
    sa.column("stichtag", sa.Date), sa.column("importiert_at", sa.DateTime(timezone=True)),
)
erhebung_anzahl = sa.table("erhebung_anzahl", sa.column("erhebung_id"))
verteilung = sa.table(
    "verteilung", *(sa.column(c) for c in ("id", "programm", "foerderjahr", "basis", "erhebung_id", "request_id")),
    sa.column("umverteilung", sa.Boolean), sa.column("berechnet_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    keys = op.create_table(
        "idempotenzschluessel",
        sa.Column("akteur", sa.String(80), primary_key=True),
        sa.Column("request_id", sa.String(100), primary_key=True),
        sa.Column("methode", sa.String(60), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("antwort", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    conn = op.get_bind()
    found = [*_parameter_keys(conn), *_erhebung_keys(conn), *_umverteilung_keys(conn)]
    # A request_id used for two kinds of request (once possible: they were kept apart) keeps its first.
    rows, seen = [], set()
    for key in sorted(found, key=lambda k: _utc(k["created_at"])):
        if key["request_id"] not in seen:
            seen.add(key["request_id"])
            rows.append(key)
    if rows:
        op.bulk_insert(keys, rows)


def downgrade() -> None:
    op.drop_table("idempotenzschluessel")


def _key(request_id: str, methode: str, digest: str, antwort: bytes, created_at: datetime) -> dict:
    return {
        "akteur": AKTEUR, "request_id": request_id, "methode": methode, "payload_sha256": digest, "antwort": antwort,
        "created_at": created_at,
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parameter_keys(conn) -> list[dict]:
    keys = []
    for row in conn.execute(sa.select(parameter).where(parameter.c.request_id.is_not(None))).mappings():
        fields = {
            "art": ART[row["art"]],
            "programm": Programm.Value(row["programm"]) if row["programm"] else 0,
            "foerderjahr": row["foerderjahr"] or 0,
            "tranche": pb.Tranche.Value(row["tranche"]) if row["tranche"] else 0,
            "betrag_cent": row["betrag_cent"],
            "stichtag": _iso(row["stichtag"]),
            "gueltig_ab": _iso(row["gueltig_ab"]),
            "quelle": row["quelle"],
        }
        request = pb.SetParameterRequest(parameter=pb.Parameter(**fields))
        erfasst_at = Timestamp()
        erfasst_at.FromDatetime(_utc(row["erfasst_at"]))
        answer = pb.SetParameterResponse(
            parameter=pb.Parameter(id=row["id"], erfasst_von=row["erfasst_von"], erfasst_at=erfasst_at, **fields)
        )
        digest = fingerprint("SetParameter", request)
        keys.append(_key(row["request_id"], "SetParameter", digest, answer.SerializeToString(), row["erfasst_at"]))
    return keys


def _erhebung_keys(conn) -> list[dict]:
    keys = []
    for row in conn.execute(sa.select(erhebung)).mappings():
        kopf = pb.ErhebungKopf(
            stichtag=_iso(row["stichtag"]), art=pb.ErhebungArt.Value(row["art"]), quelle=row["quelle"],
            dateiname=row["dateiname"],
        )
        # As services/allocation/erhebung.py import_digest(): the Kopf and the file's hash.
        digest = hashlib.sha256(f"{fingerprint('ImportErhebung', kopf)}\0{row['sha256']}".encode()).hexdigest()
        gemeinden = conn.execute(
            sa.select(sa.func.count()).select_from(erhebung_anzahl).where(erhebung_anzahl.c.erhebung_id == row["id"])
        ).scalar_one()
        # The Verteilungen the import computed: those of this Erhebung computed no later.
        v = verteilung.c
        verteilungen = conn.execute(
            sa.select(v.id)
            .where(v.erhebung_id == row["id"], v.berechnet_at <= row["importiert_at"], v.umverteilung.is_(False))
            .order_by(v.programm, v.foerderjahr)
        ).scalars().all()
        answer = pb.ImportErhebungResponse(
            erhebung_id=row["id"], gemeinden=gemeinden, anzahl_gesamt=row["anzahl_gesamt"], verteilung_ids=verteilungen
        )
        keys.append(_key(row["request_id"], "ImportErhebung", digest, answer.SerializeToString(), row["importiert_at"]))
    return keys


def _umverteilung_keys(conn) -> list[dict]:
    keys = []
    for row in conn.execute(sa.select(verteilung).where(verteilung.c.request_id.is_not(None))).mappings():
        match = UMVERTEILUNG_BASIS.fullmatch(row["basis"]) if row["umverteilung"] else None
        if match is None:
            continue
        request = pb.ApplyUmverteilungRequest(
            programm=Programm.Value(row["programm"]), foerderjahr=row["foerderjahr"], quelle=match.group(2)
        )
        frei = int(match.group(1).replace(".", "").replace(",", ""))
        answer = pb.ApplyUmverteilungResponse(verteilung_id=row["id"], frei_gesamt_cent=frei)
        digest = fingerprint("ApplyUmverteilung", request)
        keys.append(_key(row["request_id"], "ApplyUmverteilung", digest, answer.SerializeToString(), row["berechnet_at"]))
    return keys


def _iso(value) -> str:
    """A date as the request gave it."""
    return value.isoformat() if value is not None else ""
