"""Demo feeder: plays municipal systems submitting realistic Anträge over gRPC.

Larger Gemeinden apply more often; amounts follow each programme's typical size (for
Integrationsmanagement: positions of 0.5 to 3 VZÄ at about 65,000 € a year each).
"""

from __future__ import annotations

import logging
import random
import time
import uuid

import grpc

from pakt.antrag.v1 import antrag_pb2, antrag_pb2_grpc
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


def antrag(rng: random.Random) -> antrag_pb2.SubmitAntragRequest:
    gemeinden = list(gebiete().gemeinden.values())
    gemeinde = rng.choices(gemeinden, weights=[g.population for g in gemeinden])[0]
    programm = rng.choices(list(PROGRAMM_GEWICHTE), weights=list(PROGRAMM_GEWICHTE.values()))[0]
    jahr = rng.choice(programme()[programm].foerderjahre)
    if programm == "PROGRAMM_INTEGRATIONSMANAGEMENT":
        betrag = int(rng.choice([0.5, 1, 1, 1.5, 2, 3]) * VZAE_KOSTEN_CENT)
    else:
        low, high = KLEINPROGRAMM_BETRAG_CENT
        betrag = rng.randrange(low, high, 10_000)
    return antrag_pb2.SubmitAntragRequest(
        request_id=str(uuid.uuid4()),
        antragsteller_ags=gemeinde.ags,
        programm=Programm.Value(programm),
        foerderjahr=jahr,
        betrag_cent=betrag,
    )


def run(target: str, rate_per_s: float, count: int | None = None, seed: int | None = None) -> int:
    """Submit Anträge at about rate_per_s until count is reached (None: until interrupted)."""
    rng = random.Random(seed)
    sent = 0
    with grpc.insecure_channel(target) as channel:
        stub = antrag_pb2_grpc.AntragServiceStub(channel)
        while count is None or sent < count:
            request = antrag(rng)
            try:
                stub.SubmitAntrag(request, timeout=10, wait_for_ready=True)
                sent += 1
            except grpc.RpcError as err:
                log.warning("demo submission failed", extra={"code": err.code().name})
            time.sleep(rng.expovariate(rate_per_s))
    return sent
