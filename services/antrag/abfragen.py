"""Queries on Anträge: one Antrag, its history, pages of Anträge, and the Übertragungen. A Kommune
reads what it takes part in; the Bewilligungsstelle reads everything."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import AntragStatus
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.auth import Principal
from pakt.platform.errors import FieldViolation, InvalidArgument, PermissionDenied
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.platform.validation import UUID
from services.antrag import domain, mapping
from services.antrag.domain import Violations
from services.antrag.repository import AntragRepository
from services.antrag.schritt import authorize_read

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_TOKEN = 300  # what _encode_page_token produces is about 170 characters


def get(units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.GetAntragRequest) -> pb.GetAntragResponse:
    v = Violations()
    v.antrag_id(r.id, "id")
    v.raise_if_any()
    with units.read() as repo:
        authorize_read(repo, principal, r.id)
        return pb.GetAntragResponse(antrag=repo.load([r.id])[0])


def history(
    units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.GetAntragHistoryRequest
) -> pb.GetAntragHistoryResponse:
    v = Violations()
    v.antrag_id(r.antrag_id)
    v.raise_if_any()
    with units.read() as repo:
        authorize_read(repo, principal, r.antrag_id)
        rows = repo.history(r.antrag_id)
    return pb.GetAntragHistoryResponse(eintraege=[mapping.historien_eintrag(h) for h in rows])


def list_antraege(
    units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.ListAntraegeRequest
) -> pb.ListAntraegeResponse:
    domain.validate_list(r)
    filters = filter_fingerprint(r)
    after = _decode_page_token(r.page_token, filters)
    columns = {
        "antragsteller_ags": r.kommune_ags,
        "kreis_ags": r.kreis_ags,
        "programm": Programm.Name(r.programm) if r.programm else "",
        "foerderjahr": r.foerderjahr,
        "status": AntragStatus.Name(r.status) if r.status else "",
    }
    size = r.page_size or DEFAULT_PAGE_SIZE
    with units.read() as repo:
        if not principal.is_operator and r.kommune_ags and r.kommune_ags != principal.ags:
            if not repo.reads_for(principal, r.kommune_ags):
                raise PermissionDenied(f"Keine Berechtigung für Anträge von {r.kommune_ags}.")
        visible_to = None if principal.is_operator else principal
        ids = repo.page(visible_to, {c: v for c, v in columns.items() if v}, after, size)
        page = repo.load(ids[:size])
    token = ""
    if len(ids) > size:
        last = page[-1]
        token = _encode_page_token(last.eingegangen_at.ToDatetime(tzinfo=UTC), last.id, filters)
    return pb.ListAntraegeResponse(antraege=page, next_page_token=token)


def list_uebertragungen(
    units: UnitsOfWork[AntragRepository], principal: Principal, r: pb.ListUebertragungenRequest
) -> pb.ListUebertragungenResponse:
    v = Violations()
    if r.gemeinde_ags:
        v.ags(r.gemeinde_ags, "gemeinde_ags", kind="gemeinde")
    if r.kreis_ags:
        v.ags(r.kreis_ags, "kreis_ags", kind="kreis")
    v.raise_if_any()
    if not principal.is_operator:
        for field, value in (("gemeinde_ags", r.gemeinde_ags), ("kreis_ags", r.kreis_ags)):
            if value and value != principal.ags:
                raise PermissionDenied(f"Keine Berechtigung für Übertragungen von {value} ({field}).")
    with units.read() as repo:
        rows = repo.uebertragungen(None if principal.is_operator else principal.ags, r.gemeinde_ags, r.kreis_ags)
    return pb.ListUebertragungenResponse(uebertragungen=[mapping.uebertragung_proto(row._asdict()) for row in rows])


# -- page tokens: where the last page ended, bound to the query's filters ---------------------


def filter_fingerprint(r: pb.ListAntraegeRequest) -> str:
    content = pb.ListAntraegeRequest()
    content.CopyFrom(r)
    content.page_size = 0
    content.page_token = ""
    return hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()[:16]


def _encode_page_token(at: datetime, last_id: str, filters: str) -> str:
    raw = json.dumps({"at": at.isoformat(), "id": last_id, "f": filters}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page_token(token: str, filters: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    invalid = InvalidArgument([FieldViolation("page_token", "ungültiges Seitentoken")])
    if len(token) > MAX_PAGE_TOKEN:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        at, last_id, f = datetime.fromisoformat(data["at"]), str(data["id"]), data["f"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise invalid from None
    if not UUID.fullmatch(last_id):
        raise invalid
    if f != filters:
        raise InvalidArgument([FieldViolation("page_token", "gehört zu einer Abfrage mit anderen Filtern")])
    return at, last_id
