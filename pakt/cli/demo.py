"""Demo feeder: plays municipal systems and the Bewilligungsstelle, so the dashboard moves.

Gemeinden submit realistic Anträge (larger Gemeinden more often; Integrationsmanagement as
positions of 0.5 to 3 VZÄ at about 65,000 € a year each), each as itself with its credential from
the local development CA. The Bewilligungsstelle (rp:demo) checks them, now and then asks for more
information, and completes the Prüfung, after which allocation decides; approved Anträge draw
money down and get it paid out.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import deque
from datetime import UTC, date, datetime

import grpc

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.cli.grpc_client import channel
from pakt.common.v1.programm_pb2 import Programm
from pakt.referenzdaten import gebiete, programme

log = logging.getLogger(__name__)

# Share of Anträge per programme, and the amount range (cent) of one Antrag.
PROGRAMM_GEWICHTE = {
    "PROGRAMM_INTEGRATIONSMANAGEMENT": 0.55,
    "PROGRAMM_JUNGE_FLUECHTLINGE": 0.15,
    "PROGRAMM_SPRACHERWERB": 0.15,
    "PROGRAMM_EHRENAMT": 0.15,
}
VZAE_KOSTEN_CENT = 6_500_000
KLEINPROGRAMM_BETRAG_CENT = (200_000, 3_000_000)
LIGA = ["Caritasverband", "Diakonisches Werk", "AWO Kreisverband", "DRK-Kreisverband", "Der Paritätische"]
QUALIFIKATIONEN = [
    pb.QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN,
    pb.QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG,
    pb.QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN,
]
OPERATOR = "rp:demo"
CALL_TIMEOUT_S = 10


def antrag(rng: random.Random) -> pb.SubmitAntragRequest:
    gemeinden = list(gebiete().gemeinden.values())
    gemeinde = rng.choices(gemeinden, weights=[g.population for g in gemeinden])[0]
    programm = rng.choices(list(PROGRAMM_GEWICHTE), weights=list(PROGRAMM_GEWICHTE.values()))[0]
    jahr = rng.choice(programme()[programm].foerderjahre)
    stellen = []
    if programm == "PROGRAMM_INTEGRATIONSMANAGEMENT":
        hundertstel = int(rng.choice([0.5, 1, 1, 1.5, 2, 3]) * 100)
        betrag = hundertstel * VZAE_KOSTEN_CENT // 100
        while hundertstel > 0:
            stellen.append(pb.Stelle(vzae_hundertstel=min(100, hundertstel), qualifikation=rng.choice(QUALIFIKATIONEN)))
            hundertstel -= 100
    else:
        low, high = KLEINPROGRAMM_BETRAG_CENT
        betrag = rng.randrange(low, high, 10_000)
    dritte = rng.random() < 0.4
    return pb.SubmitAntragRequest(
        request_id=str(uuid.uuid4()),
        antragsteller_ags=gemeinde.ags,
        programm=Programm.Value(programm),
        foerderjahr=jahr,
        betrag_cent=betrag,
        beginn=date(jahr, rng.choice([1, 4, 7]), 1).isoformat(),
        ende=date(jahr, 12, 31).isoformat(),
        stellen=stellen,
        traegerschaft=pb.TRAEGERSCHAFT_DRITTE if dritte else pb.TRAEGERSCHAFT_EIGENREGIE,
        traeger_name=f"{rng.choice(LIGA)} {gemeinde.name.split(',')[0]}" if dritte else "",
        ansprechperson=pb.Ansprechperson(name="Integrationsbeauftragte", email=f"integration@{gemeinde.ags}.kommune.example"),
        begruendung=f"Begleitung Geflüchteter in der Anschlussunterbringung in {gemeinde.name}.",
    )


class Feeder:
    def __init__(self, target: str, rng: random.Random) -> None:
        self.target = target
        self.rng = rng
        self.operator = antrag_pb2_grpc.AntragServiceStub(channel(target, OPERATOR))
        # Approved or pending Anträge to follow up: (id, applicant AGS).
        self.open: deque[tuple[str, str]] = deque(maxlen=200)

    def as_kommune(self, ags: str, method: str, request):
        # A channel carries one caller's credential: one per Gemeinde call.
        with channel(self.target, ags) as ch:
            return getattr(antrag_pb2_grpc.AntragServiceStub(ch), method)(request, timeout=CALL_TIMEOUT_S, wait_for_ready=True)

    def as_rp(self, method: str, request):
        return getattr(self.operator, method)(request, timeout=CALL_TIMEOUT_S, wait_for_ready=True)

    def submit_and_check(self) -> None:
        request = antrag(self.rng)
        a = self.as_kommune(request.antragsteller_ags, "SubmitAntrag", request).antrag
        self.as_rp("BeginPruefung", pb.BeginPruefungRequest(request_id=str(uuid.uuid4()), antrag_id=a.id))
        if self.rng.random() < 0.1:
            frist = datetime.now(UTC).date().isoformat()
            self.as_rp("RequestNachforderung", pb.RequestNachforderungRequest(
                request_id=str(uuid.uuid4()), antrag_id=a.id, text="Bitte Stellenplan nachreichen.", frist=frist
            ))
            self.as_kommune(a.antragsteller_ags, "AnswerNachforderung", pb.AnswerNachforderungRequest(
                request_id=str(uuid.uuid4()), antrag_id=a.id, antwort="Stellenplan liegt bei."
            ))
        self.as_rp("CompletePruefung", pb.CompletePruefungRequest(request_id=str(uuid.uuid4()), antrag_id=a.id))
        self.open.append((a.id, a.antragsteller_ags))

    def draw_down_one(self) -> None:
        """Follow up an earlier Antrag: once approved, draw part of it and pay it out."""
        if not self.open:
            return
        antrag_id, ags = self.open.popleft()
        a = self.as_rp("GetAntrag", pb.GetAntragRequest(id=antrag_id)).antrag
        if a.status == pb.ANTRAG_STATUS_ENTSCHEIDUNGSREIF:
            self.open.append((antrag_id, ags))  # not decided yet: look again later
            return
        frei = a.bewilligt_cent - a.abgerufen_cent
        if a.status not in (pb.ANTRAG_STATUS_BEWILLIGT, pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT) or frei <= 0:
            return
        abruf = self.as_kommune(ags, "RequestMittelabruf", pb.RequestMittelabrufRequest(
            request_id=str(uuid.uuid4()), antrag_id=antrag_id, betrag_cent=max(1, frei // self.rng.choice([1, 2, 4]))
        )).mittelabruf
        self.as_rp("ConfirmAuszahlung", pb.ConfirmAuszahlungRequest(
            request_id=str(uuid.uuid4()), antrag_id=antrag_id, mittelabruf_id=abruf.id
        ))


def run(target: str, rate_per_s: float, count: int | None = None, seed: int | None = None) -> int:
    """Submit Anträge at about rate_per_s until count is reached (None: until interrupted)."""
    rng = random.Random(seed)
    feeder = Feeder(target, rng)
    sent = 0
    while count is None or sent < count:
        try:
            feeder.submit_and_check()
            sent += 1
            if rng.random() < 0.5:
                feeder.draw_down_one()
        except grpc.RpcError as err:
            log.warning("demo step failed", extra={"code": err.code().name, "details": err.details()})
        time.sleep(rng.expovariate(rate_per_s))
    return sent
