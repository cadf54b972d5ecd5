"""Service layer of the case-plan service.

Only Integrationsmanager of the responsible Kommune read or change a plan; every use case checks
that first. Personal data is encrypted field by field (AES-GCM) with a data key of its own per
plan, which is stored only wrapped by the master key (envelope encryption): erasing a plan's
personal data deletes its key, and rotating the master key re-wraps the small keys only. Data is
decrypted only for the caller who may see it, and every access to it writes an entry to the
hash-chained access log in the same transaction. What leaves the service (events, aggregates) is
pseudonymous: the plan's random id, the Kommune, goal fields and statuses, an age band.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, Row, and_, func, select, update

from pakt import geheimhaltung
from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import events_pb2 as ev
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, PermissionDenied
from pakt.platform.idempotency import Idempotency
from pakt.platform.outbox import enqueue
from pakt.platform.reconciliation import queue_again
from pakt.platform.settings import SettingsError, env_int
from pakt.referenzdaten import gebiete
from services.caseplan import audit, domain
from services.caseplan.crypto import FieldCipher, Keyring, blind_index
from services.caseplan.domain import Pruefung
from services.caseplan.tables import (
    STATUS_ABGESCHLOSSEN,
    STATUS_OFFEN,
    datenschluessel,
    fortschreibung,
    idempotenzschluessel,
    integrationsplan,
    outbox,
    person,
    ziel,
    zugriffsprotokoll,
)

log = logging.getLogger(__name__)

PRODUCER = "caseplan"
PERSON_FIELDS = (
    "name", "geburtsdatum", "staatsangehoerigkeit", "sprachen", "haushalt", "qualifikationen", "schulbildung",
    "berufsabschluss", "entwicklung",
)
ZIEL_TEXTS = ("beschreibung", "massnahmen", "verantwortlich")
KEIN_ZUGRIFF = "Kein Zugriff auf diesen Plan."
NUR_IM = "Integrationspläne lesen und ändern nur Integrationsmanager der zuständigen Kommune."
NUR_BEWILLIGUNGSSTELLE = "Diesen Schritt geht nur die Bewilligungsstelle (RP Stuttgart)."
ALLE_PLAENE = "*"  # the access log's pseudonym for an action on every plan (key rotation)
PLAN_KEY_ID = "plan"  # the key id in ciphertexts made with a plan's own data key


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


@dataclass(frozen=True)
class Fallzahl:
    kommune_ags: str
    offene_plaene: int
    suppressed: bool


def suppress_small_cells(open_plans: Mapping[str, int]) -> list[Fallzahl]:
    """One Fallzahl per Kommune with open plans, by AGS, withheld by the same rule the reporting
    service publishes its figures with (pakt.geheimhaltung: small cells and their complements,
    Land, Kreis and Kommune levels together), so no difference between the two reveals a cell."""
    je_kommune: dict[str, dict[str, int]] = defaultdict(dict)
    for ags, count in open_plans.items():
        je_kommune[gebiete().kreis_of(ags) or ags[:5]][ags] = count
    cells = geheimhaltung.fallzahlen(je_kommune).kommunen
    return [
        Fallzahl(kommune_ags=ags, offene_plaene=cell.value, suppressed=cell.suppressed)
        for kreis in cells.values()
        for ags, cell in kreis.items()
        if open_plans[ags] > 0
    ]


def validate_kreis_ags(kreis_ags: str) -> None:
    if kreis_ags not in gebiete().kreise:
        raise InvalidArgument(
            [
                FieldViolation(
                    "kreis_ags",
                    f"{kreis_ags!r} ist kein Stadt- oder Landkreis in Baden-Württemberg; "
                    "erwartet wird der fünfstellige Kreisschlüssel (AGS), z. B. 08111.",
                )
            ]
        )


class CasePlanService:
    def __init__(self, engine: Engine, cipher: FieldCipher, on_events: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._keys = Idempotency(engine, idempotenzschluessel, "plan_id", clock=lambda: datetime.now(UTC))
        self.cipher = cipher
        self.on_events = on_events

    # -- aggregates, for everyone ----------------------------------------------------------

    def fallzahlen(self, kreis_ags: str | None) -> list[Fallzahl]:
        """Open plans per Kommune, optionally only the Kommunen of one Kreis."""
        query = (
            select(integrationsplan.c.kommune_ags, func.count())
            .where(integrationsplan.c.status == STATUS_OFFEN)
            .group_by(integrationsplan.c.kommune_ags)
        )
        if kreis_ags is not None:
            validate_kreis_ags(kreis_ags)
        with self._engine.connect() as conn:
            open_plans = {ags: count for ags, count in conn.execute(query)}
        # Suppressed over all Kreise, then filtered: a cell is withheld the same way whoever asks.
        fallzahlen = sorted(suppress_small_cells(open_plans), key=lambda f: f.kommune_ags)
        # A Gemeinde's AGS starts with its Kreis's (checked in pakt.referenzdaten), and a Landkreis
        # that took over the task is a Kommune of its own with exactly that AGS.
        return [f for f in fallzahlen if kreis_ags is None or f.kommune_ags.startswith(kreis_ags)]

    # -- the Integrationsmanager's use cases ------------------------------------------------

    def create_plan(self, principal: Principal, r: pb.CreatePlanRequest) -> pb.Plan:
        _require_im(principal)
        heute = _today()
        v = Pruefung()
        v.request_id(r.request_id)
        v.person(r.person, heute)
        v.text(r.einwilligung.zweck, "einwilligung.zweck", required=True, max_len=200, single_line=True)
        erteilt = v.datum(r.einwilligung.erteilt_am, "einwilligung.erteilt_am", required=True)
        if erteilt is not None and erteilt > heute:
            v.add("einwilligung.erteilt_am", "liegt in der Zukunft")
        if r.einwilligung.widerrufen_am:
            v.add("einwilligung.widerrufen_am", "ein Plan beginnt mit einer gültigen Einwilligung")
        if r.integrationsmanager:
            v.kennung(r.integrationsmanager, "integrationsmanager")
        eroeffnet = v.datum(r.eroeffnet_am, "eroeffnet_am", required=False) or heute
        naechste = v.datum(r.naechste_fortschreibung, "naechste_fortschreibung", required=False)
        v.raise_if_any()
        plan_id = str(uuid.uuid4())

        def action(conn: Connection, now: datetime) -> str:
            geburt = date.fromisoformat(r.person.geburtsdatum)
            conn.execute(
                integrationsplan.insert().values(
                    id=plan_id, kommune_ags=principal.ags, status=STATUS_OFFEN, eroeffnet_am=eroeffnet,
                    integrationsmanager=r.integrationsmanager or principal.person,
                    laufzeit_bis=domain.laufzeit_bis(eroeffnet),
                    naechste_fortschreibung=naechste or eroeffnet + timedelta(days=90),
                    altersband=domain.altersband(geburt, eroeffnet),
                    einwilligung_zweck=r.einwilligung.zweck, einwilligung_erteilt_am=erteilt, version=1,
                )
            )
            self._new_data_key(conn, plan_id)
            conn.execute(person.insert().values(plan_id=plan_id, **self._person_columns(conn, plan_id, r.person)))
            self._log(conn, principal, plan_id, audit.ANLEGEN, PERSON_FIELDS, "Anlage des Integrationsplans", now)
            self._event(conn, plan_id, ev.PlanEroeffnet(
                plan_id=plan_id, kommune_ags=principal.ags, altersband=domain.altersband(geburt, eroeffnet),
                eroeffnet_am=eroeffnet.isoformat(),
            ))
            return plan_id

        return self._idempotent(principal, "CreatePlan", r, action)

    def get_plan(self, principal: Principal, plan_id: str, zweck: str) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.plan_id(plan_id)
        v.text(zweck, "zweck", required=True, max_len=200, single_line=True)
        v.raise_if_any()
        with self._engine.begin() as conn:
            self._plan_row(conn, principal, plan_id)
            plan = self._load(conn, plan_id)
            self._log(conn, principal, plan_id, audit.LESEN, _felder(plan), zweck, datetime.now(UTC))
        return plan

    def list_plans(self, principal: Principal, r: pb.ListPlansRequest) -> list[pb.PlanUebersicht]:
        _require_im(principal)
        v = Pruefung()
        if r.status and r.status not in pb.Planstatus.values():
            v.add("status", "unbekannter Status")
        if r.integrationsmanager:
            v.kennung(r.integrationsmanager, "integrationsmanager")
        v.raise_if_any()
        p = integrationsplan.c
        offen = (
            select(func.count())
            .where(ziel.c.plan_id == p.id, ziel.c.status.in_(["ZIELSTATUS_OFFEN", "ZIELSTATUS_IN_ARBEIT"]))
            .scalar_subquery()
        )
        query = select(integrationsplan, offen.label("offene_ziele")).where(p.kommune_ags == principal.ags)
        if r.status:
            query = query.where(p.status == _STATUS_SPALTE[r.status])
        if r.integrationsmanager:
            query = query.where(p.integrationsmanager == r.integrationsmanager)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(p.naechste_fortschreibung, p.id)).all()
        return [_uebersicht(row, row.offene_ziele) for row in rows]

    def update_person(self, principal: Principal, r: pb.UpdatePersonRequest) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.person(r.person, _today())
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_personal_data(row)
            conn.execute(
                update(person).where(person.c.plan_id == r.plan_id).values(**self._person_columns(conn, r.plan_id, r.person))
            )
            self._bump(conn, row)
            self._log(conn, principal, r.plan_id, audit.AENDERN, PERSON_FIELDS, "Fortschreibung der Personendaten", now)
            return r.plan_id

        return self._idempotent(principal, "UpdatePerson", r, action)

    def add_ziel(self, principal: Principal, r: pb.AddZielRequest) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.ziel(r.ziel)
        if r.ziel.id:
            v.add("ziel.id", "vergibt der Dienst")
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_open(row)
            ziel_id = str(uuid.uuid4())
            position = conn.execute(select(func.count()).where(ziel.c.plan_id == r.plan_id)).scalar_one()
            columns = self._ziel_columns(conn, r.plan_id, ziel_id, r.ziel)
            conn.execute(ziel.insert().values(id=ziel_id, plan_id=r.plan_id, position=position, **columns))
            self._bump(conn, row)
            self._log(conn, principal, r.plan_id, audit.AENDERN, ["ziel." + f for f in ZIEL_TEXTS], "Ziel vereinbart", now)
            self._event(conn, r.plan_id, ev.ZielFortgeschrieben(
                plan_id=r.plan_id, kommune_ags=row.kommune_ags, ziel_id=ziel_id, feld=r.ziel.feld,
                status=r.ziel.status or pb.ZIELSTATUS_OFFEN,
            ))
            return r.plan_id

        return self._idempotent(principal, "AddZiel", r, action)

    def update_ziel(self, principal: Principal, r: pb.UpdateZielRequest) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.plan_id(r.ziel.id, "ziel.id")
        v.ziel(r.ziel)
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_open(row)
            changed = conn.execute(
                update(ziel)
                .where(ziel.c.id == r.ziel.id, ziel.c.plan_id == r.plan_id)
                .values(**self._ziel_columns(conn, r.plan_id, r.ziel.id, r.ziel))
            )
            if changed.rowcount != 1:
                raise InvalidArgument([FieldViolation("ziel.id", "kein Ziel dieses Plans")])
            self._bump(conn, row)
            self._log(conn, principal, r.plan_id, audit.AENDERN, ["ziel." + f for f in ZIEL_TEXTS], "Ziel fortgeschrieben", now)
            self._event(conn, r.plan_id, ev.ZielFortgeschrieben(
                plan_id=r.plan_id, kommune_ags=row.kommune_ags, ziel_id=r.ziel.id, feld=r.ziel.feld, status=r.ziel.status,
            ))
            return r.plan_id

        return self._idempotent(principal, "UpdateZiel", r, action)

    def record_fortschreibung(self, principal: Principal, r: pb.RecordFortschreibungRequest) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.text(r.notiz, "notiz", required=True)
        naechste = v.datum(r.naechste_am, "naechste_am", required=True)
        if naechste is not None and naechste <= _today():
            v.add("naechste_am", "die nächste Fortschreibung liegt in der Zukunft")
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_open(row)
            conn.execute(
                fortschreibung.insert().values(
                    plan_id=r.plan_id, datum=now.date(), naechste_am=naechste, akteur=principal.label,
                    notiz_enc=self._plan_cipher(conn, r.plan_id).encrypt(r.notiz, _kontext("fortschreibung", r.plan_id, "notiz")),
                )
            )
            self._bump(conn, row, naechste_fortschreibung=naechste)
            self._log(conn, principal, r.plan_id, audit.AENDERN, ["fortschreibung.notiz"], "Fortschreibung", now)
            return r.plan_id

        return self._idempotent(principal, "RecordFortschreibung", r, action)

    def close_plan(self, principal: Principal, r: pb.ClosePlanRequest) -> pb.Plan:
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        if r.grund == pb.ABSCHLUSSGRUND_UNSPECIFIED or r.grund not in pb.Abschlussgrund.values():
            v.add("grund", "fehlt oder ist unbekannt")
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_open(row)
            self._close(conn, row, r.grund, now)
            self._log(conn, principal, r.plan_id, audit.AENDERN, ["status"], "Abschluss des Plans", now)
            return r.plan_id

        return self._idempotent(principal, "ClosePlan", r, action)

    def hand_over(self, principal: Principal, r: pb.HandOverPlanRequest) -> pb.PlanUebersicht:
        """Wegzug: the receiving Kommune becomes responsible; the handing one loses access."""
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        if r.neue_kommune_ags not in gebiete().gemeinden and r.neue_kommune_ags not in gebiete().kreise:
            v.add("neue_kommune_ags", "ist keine Gemeinde und kein Kreis in Baden-Württemberg")
        v.kennung(r.neuer_integrationsmanager, "neuer_integrationsmanager")
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_open(row)
            if r.neue_kommune_ags == row.kommune_ags:
                raise InvalidArgument([FieldViolation("neue_kommune_ags", "der Plan liegt schon bei dieser Kommune")])
            self._bump(conn, row, kommune_ags=r.neue_kommune_ags, integrationsmanager=r.neuer_integrationsmanager)
            self._log(conn, principal, r.plan_id, audit.UEBERGABE, ["kommune_ags"], f"Übergabe an {r.neue_kommune_ags}", now)
            self._event(conn, r.plan_id, ev.PlanUebergeben(
                plan_id=r.plan_id, von_kommune_ags=row.kommune_ags, an_kommune_ags=r.neue_kommune_ags,
            ))
            return r.plan_id

        self._idempotent(principal, "HandOverPlan", r, action, load=False)
        # The caller is no longer responsible: it learns only the pseudonymous overview.
        with self._engine.connect() as conn:
            return _uebersicht(conn.execute(select(integrationsplan).where(integrationsplan.c.id == r.plan_id)).one(), 0)

    def withdraw_einwilligung(self, principal: Principal, r: pb.WithdrawEinwilligungRequest) -> pb.Plan:
        """The person withdraws consent: counselling under the plan ends; the data is kept until
        its retention ends or erasure is requested."""
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            if row.einwilligung_widerrufen_am is not None:
                raise FailedPrecondition("Die Einwilligung ist bereits widerrufen.")
            conn.execute(update(integrationsplan).where(integrationsplan.c.id == row.id).values(einwilligung_widerrufen_am=now.date()))
            if row.status == STATUS_OFFEN:
                self._close(conn, row, pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN, now)
            self._log(conn, principal, r.plan_id, audit.AENDERN, ["einwilligung"], "Widerruf der Einwilligung", now)
            return r.plan_id

        return self._idempotent(principal, "WithdrawEinwilligung", r, action)

    def caseload(self, principal: Principal, stichtag: str) -> pb.GetCaseloadResponse:
        """Open plans per Integrationsmanager and what is overdue, for the caller's Kommune."""
        _require_im(principal)
        v = Pruefung()
        tag = v.datum(stichtag, "stichtag", required=False) or _today()
        v.raise_if_any()
        p = integrationsplan.c
        with self._engine.connect() as conn:
            load = conn.execute(
                select(p.integrationsmanager, func.count())
                .where(p.kommune_ags == principal.ags, p.status == STATUS_OFFEN)
                .group_by(p.integrationsmanager)
                .order_by(p.integrationsmanager)
            ).all()
            reviews = conn.execute(
                select(p.id, p.integrationsmanager, p.naechste_fortschreibung).where(
                    p.kommune_ags == principal.ags, p.status == STATUS_OFFEN, p.naechste_fortschreibung < tag
                )
            ).all()
            deadlines = conn.execute(
                select(p.id, p.integrationsmanager, ziel.c.feld, ziel.c.frist)
                .join(ziel, ziel.c.plan_id == p.id)
                .where(
                    p.kommune_ags == principal.ags, p.status == STATUS_OFFEN, ziel.c.frist < tag,
                    ziel.c.status.in_(["ZIELSTATUS_OFFEN", "ZIELSTATUS_IN_ARBEIT"]),
                )
            ).all()
        overdue = [pb.Faelligkeit(plan_id=r.id, integrationsmanager=r.integrationsmanager or "", was="Fortschreibung",
                                  faellig_am=r.naechste_fortschreibung.isoformat()) for r in reviews]
        overdue += [pb.Faelligkeit(plan_id=r.id, integrationsmanager=r.integrationsmanager or "", was=r.feld,
                                   faellig_am=r.frist.isoformat()) for r in deadlines]
        return pb.GetCaseloadResponse(
            fallbelastung=[pb.Fallbelastung(integrationsmanager=im or "", offene_plaene=n) for im, n in load],
            ueberfaellig=sorted(overdue, key=lambda f: (f.faellig_am, f.plan_id)),
        )

    def export_person(self, principal: Principal, plan_id: str) -> str:
        """Everything held about the plan's person (GDPR Art. 15/20), with who accessed it."""
        _require_im(principal)
        v = Pruefung()
        v.plan_id(plan_id)
        v.raise_if_any()
        from google.protobuf.json_format import MessageToDict

        with self._engine.begin() as conn:
            self._plan_row(conn, principal, plan_id)
            plan = self._load(conn, plan_id)
            accesses = conn.execute(
                select(zugriffsprotokoll).where(zugriffsprotokoll.c.plan_pseudonym == plan_id).order_by(zugriffsprotokoll.c.id)
            ).all()
            self._log(conn, principal, plan_id, audit.EXPORT, _felder(plan), "Auskunft nach Art. 15 DSGVO", datetime.now(UTC))
        document = {
            "integrationsplan": MessageToDict(plan, preserving_proto_field_name=True),
            "zugriffe": [
                {"zeitpunkt": a.at.isoformat(), "akteur": a.akteur, "aktion": a.aktion, "felder": a.felder, "zweck": a.zweck}
                for a in accesses
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2)

    def erase_person(self, principal: Principal, r: pb.ErasePersonRequest) -> str:
        """Erasure (GDPR Art. 17): every personal datum of the plan goes; its pseudonymous facts
        (dates, goal fields and statuses, age band) and the access log stay."""
        _require_im(principal)
        v = Pruefung()
        v.request_id(r.request_id)
        v.plan_id(r.plan_id)
        v.text(r.grund, "grund", required=True, max_len=200, single_line=True)
        v.raise_if_any()

        def action(conn: Connection, now: datetime) -> str:
            row = self._plan_row(conn, principal, r.plan_id, lock=True)
            _require_personal_data(row)
            self._erase(conn, row, now)
            self._log(conn, principal, r.plan_id, audit.LOESCHEN, PERSON_FIELDS, r.grund, now)
            return r.plan_id

        self._idempotent(principal, "ErasePerson", r, action, load=False, keep_key=False)
        return r.plan_id

    # -- operations ---------------------------------------------------------------------------

    def republish_all(self, principal: Principal, r: pb.RepublishRequest) -> pb.RepublishResponse:
        """Operators, for rebuilding the reporting read model: every event the service wrote is
        queued to be published again, in order. The events are pseudonymous; no personal data is
        read, so nothing goes into the access log."""
        _require_operator(principal)
        if not r.alle:
            raise InvalidArgument([FieldViolation("alle", "muss gesetzt sein: es werden alle Ereignisse erneut veröffentlicht")])
        queued = queue_again(self._engine, outbox, None, principal.label, self.on_events)
        return pb.RepublishResponse(events_queued=queued)

    def erase_expired(self, aufbewahrung: Aufbewahrung, akteur: str = "system:aufbewahrung") -> tuple[int, int]:
        """The end of retention, per record type: the personal data of plans closed longer ago
        than aufbewahrung.personendaten is erased; the pseudonymous rest of plans closed longer
        ago than aufbewahrung.plan is deleted. Returns how many plans of each."""
        heute, now = _today(), datetime.now(UTC)
        closed = and_(integrationsplan.c.status == STATUS_ABGESCHLOSSEN)
        with self._engine.begin() as conn:
            personal = conn.execute(
                select(integrationsplan)
                .where(closed, integrationsplan.c.abgeschlossen_am < heute - aufbewahrung.personendaten,
                       integrationsplan.c.geloescht_am.is_(None))
                .with_for_update()
            ).all()
            for row in personal:
                self._erase(conn, row, now)
                audit.append(conn, zugriffsprotokoll, akteur=akteur, plan_pseudonym=row.id, aktion=audit.LOESCHEN,
                             felder=PERSON_FIELDS, zweck="Ende der Aufbewahrungsfrist (Personendaten)", at=now)
            plans = list(conn.execute(
                select(integrationsplan.c.id)
                .where(closed, integrationsplan.c.abgeschlossen_am < heute - aufbewahrung.plan,
                       integrationsplan.c.geloescht_am.is_not(None))
                .with_for_update()
            ).scalars())
            for plan_id in plans:
                for table in (ziel, fortschreibung, idempotenzschluessel, person, datenschluessel):
                    conn.execute(table.delete().where(table.c.plan_id == plan_id))
                conn.execute(integrationsplan.delete().where(integrationsplan.c.id == plan_id))
                audit.append(conn, zugriffsprotokoll, akteur=akteur, plan_pseudonym=plan_id, aktion=audit.LOESCHEN,
                             felder=["plan"], zweck="Ende der Aufbewahrungsfrist (Plan)", at=now)
        if personal or plans:
            log.info("retention ended", extra={"personendaten": len(personal), "plaene": len(plans)})
        return len(personal), len(plans)

    def rotate_keys(self, akteur: str, batch_size: int = 200) -> int:
        """Re-wrap every plan's data key with the active master key, in small transactions while
        the service keeps running. The plans' fields stay as they are: they are encrypted with
        their data key, which does not change. Old master keys must stay readable until this
        has finished."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        total = 0
        while True:
            with self._engine.begin() as conn:
                rows = conn.execute(select(datenschluessel).order_by(datenschluessel.c.plan_id).with_for_update()).all()
                stale = [r for r in rows if self.cipher.needs_rotation(r.schluessel_enc)][:batch_size]
                for r in stale:
                    conn.execute(
                        update(datenschluessel)
                        .where(datenschluessel.c.plan_id == r.plan_id)
                        .values(schluessel_enc=self.cipher.reencrypt(r.schluessel_enc, _kontext("datenschluessel", r.plan_id, "dek")))
                    )
                if stale:
                    audit.append(conn, zugriffsprotokoll, akteur=akteur, plan_pseudonym=ALLE_PLAENE,
                                 aktion=audit.SCHLUESSELWECHSEL, felder=["datenschluessel"],
                                 zweck=f"Neuverschlüsselung mit Schlüssel {self.cipher.keyring.active_id}")
            total += len(stale)
            if len(stale) < batch_size:
                return total

    # -- mechanics ------------------------------------------------------------------------------

    def _idempotent(
        self, principal: Principal, method: str, request, action, load: bool = True, keep_key: bool = True
    ) -> pb.Plan | None:
        """Run action once per (caller, request_id). The key keeps the plan's id, not the response,
        which holds personal data: a repeat answers with the plan as it is now."""
        plan_id, fresh = self._keys.run(principal.label, method, request, action, str, str, keep_key=keep_key)
        if fresh:
            self.on_events()
        if not load:
            return None
        with self._engine.begin() as conn:
            self._plan_row(conn, principal, plan_id)
            return self._load(conn, plan_id)

    def _plan_row(self, conn: Connection, principal: Principal, plan_id: str, lock: bool = False) -> Row:
        """The plan, if the caller is responsible for it; someone else's and unknown look alike."""
        query = select(integrationsplan).where(integrationsplan.c.id == plan_id)
        row = conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None or row.kommune_ags != principal.ags:
            raise PermissionDenied(KEIN_ZUGRIFF)
        return row

    def _bump(self, conn: Connection, row: Row, **values) -> None:
        conn.execute(update(integrationsplan).where(integrationsplan.c.id == row.id).values(version=(row.version or 0) + 1, **values))

    def _close(self, conn: Connection, row: Row, grund: int, now: datetime) -> None:
        conn.execute(
            update(integrationsplan)
            .where(integrationsplan.c.id == row.id)
            .values(status=STATUS_ABGESCHLOSSEN, abgeschlossen_am=now.date(), abschlussgrund=pb.Abschlussgrund.Name(grund),
                    version=(row.version or 0) + 1)
        )
        self._event(conn, row.id, ev.PlanAbgeschlossen(
            plan_id=row.id, kommune_ags=row.kommune_ags, grund=grund, abgeschlossen_am=now.date().isoformat(),
        ))

    def _erase(self, conn: Connection, row: Row, now: datetime) -> None:
        # Without its data key no copy of the plan's ciphertexts (WAL, backups, free pages) can be
        # read again; the rows go as well.
        conn.execute(datenschluessel.delete().where(datenschluessel.c.plan_id == row.id))
        conn.execute(person.delete().where(person.c.plan_id == row.id))
        conn.execute(update(ziel).where(ziel.c.plan_id == row.id).values(beschreibung_enc=None, massnahmen_enc=None, verantwortlich_enc=None))
        conn.execute(update(fortschreibung).where(fortschreibung.c.plan_id == row.id).values(notiz_enc=None))
        # A fingerprint of a request that held the person's data could be matched against guesses.
        conn.execute(idempotenzschluessel.delete().where(idempotenzschluessel.c.plan_id == row.id))
        if row.status == STATUS_OFFEN:
            self._close(conn, row, pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN, now)
        conn.execute(update(integrationsplan).where(integrationsplan.c.id == row.id).values(geloescht_am=now))

    def _log(self, conn: Connection, principal: Principal, plan_id: str, aktion: str, felder, zweck: str, now: datetime) -> None:
        audit.append(conn, zugriffsprotokoll, akteur=principal.label, plan_pseudonym=plan_id, aktion=aktion,
                     felder=list(felder), zweck=zweck, at=now)

    def _event(self, conn: Connection, plan_id: str, payload) -> None:
        version = int(datetime.now(UTC).timestamp() * 1_000_000)
        enqueue(conn, outbox, events.CASEPLAN_EVENTS,
                events.wrap(payload, aggregate_type="integrationsplan", aggregate_key=plan_id, aggregate_version=version, producer=PRODUCER))

    def _new_data_key(self, conn: Connection, plan_id: str) -> None:
        """A plan's own key, stored only wrapped by the master key: erasure deletes it."""
        dek = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
        conn.execute(datenschluessel.insert().values(
            plan_id=plan_id, schluessel_enc=self.cipher.encrypt(dek, _kontext("datenschluessel", plan_id, "dek"))
        ))

    def _plan_cipher(self, conn: Connection, plan_id: str) -> FieldCipher:
        wrapped = conn.execute(select(datenschluessel.c.schluessel_enc).where(datenschluessel.c.plan_id == plan_id)).scalar_one()
        dek = base64.b64decode(self.cipher.decrypt(wrapped, _kontext("datenschluessel", plan_id, "dek")))
        return FieldCipher(Keyring(keys={PLAN_KEY_ID: dek}, active_id=PLAN_KEY_ID))

    def _person_columns(self, conn: Connection, plan_id: str, p: pb.Person) -> dict[str, bytes | str]:
        values = {
            "name": p.name, "geburtsdatum": p.geburtsdatum, "staatsangehoerigkeit": p.staatsangehoerigkeit,
            "sprachen": json.dumps(list(p.sprachen), ensure_ascii=False), "haushalt": p.haushalt,
            "qualifikationen": p.qualifikationen, "schulbildung": p.schulbildung, "berufsabschluss": p.berufsabschluss,
            "entwicklung": p.entwicklung,
        }
        cipher = self._plan_cipher(conn, plan_id)
        columns: dict[str, bytes | str] = {f"{k}_enc": cipher.encrypt(v, _kontext("person", plan_id, k)) for k, v in values.items()}
        columns["suchindex"] = blind_index(f"{p.name}|{p.geburtsdatum}", self.cipher.keyring)
        return columns

    def _ziel_columns(self, conn: Connection, plan_id: str, ziel_id: str, z: pb.Ziel) -> dict:
        cipher = self._plan_cipher(conn, plan_id)
        return {
            "feld": pb.Zielfeld.Name(z.feld),
            "status": pb.Zielstatus.Name(z.status or pb.ZIELSTATUS_OFFEN),
            "frist": date.fromisoformat(z.frist) if z.frist else None,
            **{f"{f}_enc": cipher.encrypt(getattr(z, f), _kontext("ziel", ziel_id, f)) for f in ZIEL_TEXTS},
        }

    def _load(self, conn: Connection, plan_id: str) -> pb.Plan:
        row = conn.execute(select(integrationsplan).where(integrationsplan.c.id == plan_id)).one()
        plan = pb.Plan(
            id=row.id, kommune_ags=row.kommune_ags, integrationsmanager=row.integrationsmanager or "",
            status=_STATUS_ENUM[row.status], eroeffnet_am=row.eroeffnet_am.isoformat(),
            laufzeit_bis=_iso(row.laufzeit_bis), naechste_fortschreibung=_iso(row.naechste_fortschreibung),
            abgeschlossen_am=_iso(row.abgeschlossen_am),
            abschlussgrund=pb.Abschlussgrund.Value(row.abschlussgrund) if row.abschlussgrund else 0,
            einwilligung=pb.Einwilligung(zweck=row.einwilligung_zweck or "", erteilt_am=_iso(row.einwilligung_erteilt_am),
                                         widerrufen_am=_iso(row.einwilligung_widerrufen_am)),
            geloescht=row.geloescht_am is not None, version=row.version or 0,
        )
        # After erasure the goals and reviews keep their pseudonymous facts, nothing else.
        cipher = self._plan_cipher(conn, plan_id) if row.geloescht_am is None else None
        p = conn.execute(select(person).where(person.c.plan_id == plan_id)).one_or_none()
        if p is not None and cipher is not None:
            d = {f: cipher.decrypt(getattr(p, f"{f}_enc"), _kontext("person", plan_id, f)) for f in PERSON_FIELDS}
            d["sprachen"] = json.loads(d["sprachen"])
            plan.person.CopyFrom(pb.Person(**d))
        for z in conn.execute(select(ziel).where(ziel.c.plan_id == plan_id).order_by(ziel.c.position)):
            texts = {f: cipher.decrypt(getattr(z, f"{f}_enc"), _kontext("ziel", z.id, f)) if cipher and getattr(z, f"{f}_enc") else ""
                     for f in ZIEL_TEXTS}
            plan.ziele.append(pb.Ziel(id=z.id, feld=pb.Zielfeld.Value(z.feld), status=pb.Zielstatus.Value(z.status),
                                      frist=_iso(z.frist), **texts))
        for f in conn.execute(select(fortschreibung).where(fortschreibung.c.plan_id == plan_id).order_by(fortschreibung.c.id)):
            notiz = cipher.decrypt(f.notiz_enc, _kontext("fortschreibung", plan_id, "notiz")) if cipher and f.notiz_enc else ""
            plan.fortschreibungen.append(pb.Fortschreibung(datum=f.datum.isoformat(), notiz=notiz,
                                                           naechste_am=_iso(f.naechste_am), akteur=f.akteur))
        return plan


_STATUS_ENUM = {STATUS_OFFEN: pb.PLANSTATUS_OFFEN, STATUS_ABGESCHLOSSEN: pb.PLANSTATUS_ABGESCHLOSSEN}
_STATUS_SPALTE = {v: k for k, v in _STATUS_ENUM.items()}


def _kontext(table: str, row_id: str, field: str) -> bytes:
    """Associated data binding a ciphertext to its row and field: it cannot be moved unnoticed."""
    return f"{table}:{row_id}:{field}".encode()


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise PermissionDenied(NUR_BEWILLIGUNGSSTELLE)


def _require_im(principal: Principal) -> None:
    if not principal.is_integrationsmanager:
        raise PermissionDenied(NUR_IM)


def _require_open(row: Row) -> None:
    if row.status != STATUS_OFFEN:
        raise FailedPrecondition("Der Plan ist abgeschlossen.")


def _require_personal_data(row: Row) -> None:
    if row.geloescht_am is not None:
        raise FailedPrecondition("Die Personendaten dieses Plans sind gelöscht.")


def _felder(plan: pb.Plan) -> list[str]:
    """The personal fields a response holds, for the access log (names only, never values)."""
    felder = list(PERSON_FIELDS) if plan.HasField("person") else []
    if plan.ziele:
        felder += ["ziel." + f for f in ZIEL_TEXTS]
    if plan.fortschreibungen:
        felder.append("fortschreibung.notiz")
    return felder


def _uebersicht(row: Row, offene_ziele: int) -> pb.PlanUebersicht:
    return pb.PlanUebersicht(
        id=row.id, integrationsmanager=row.integrationsmanager or "", status=_STATUS_ENUM[row.status],
        eroeffnet_am=row.eroeffnet_am.isoformat(), naechste_fortschreibung=_iso(row.naechste_fortschreibung),
        offene_ziele=offene_ziele,
    )


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _today() -> date:
    return datetime.now(UTC).date()
