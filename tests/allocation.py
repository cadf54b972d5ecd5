"""The allocation use cases on one database, called as the gRPC API and the consumer call them, for
the integration tests."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.platform.auth import Principal
from services.allocation import abfragen, abgleich, entscheidung, erhebung, haushalt, umverteilung, verteilung
from services.allocation.main import prepare, units_of_work

# Whoever asks: the queries answer every Kommune and the Bewilligungsstelle alike.
LESER = Principal(operator="lesend")


class Allocation:
    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.units = units_of_work(engine, on_events)

    def prepared(self) -> Allocation:
        """As at start: the seeded parameters and their Verteilungen."""
        prepare(self.units)
        return self

    def __getattr__(self, name: str):
        use_case = _USE_CASES.get(name)
        if use_case is None:
            raise AttributeError(name)
        return lambda *args, **kwargs: use_case(self.units, *args, **kwargs)

    def get_planungsrahmen(self, kommune_ags: str, programm: int, foerderjahr: int) -> pb.Planungsrahmen:
        request = pb.GetPlanungsrahmenRequest(kommune_ags=kommune_ags, programm=programm, foerderjahr=foerderjahr)
        return abfragen.get_planungsrahmen(self.units, LESER, request).planungsrahmen

    def explain(self, kommune_ags: str, programm: int, foerderjahr: int, stand: str, tranche: int) -> pb.Rechenweg:
        request = pb.ExplainPlanungsrahmenRequest(
            kommune_ags=kommune_ags, programm=programm, foerderjahr=foerderjahr, stand=stand, tranche=tranche
        )
        return abfragen.explain(self.units, LESER, request).rechenweg

    def compare(self, programm: int, foerderjahr: int, kreis_ags: str) -> pb.CompareVerteilungenResponse:
        request = pb.CompareVerteilungenRequest(programm=programm, foerderjahr=foerderjahr, kreis_ags=kreis_ags)
        return abfragen.compare(self.units, LESER, request)

    def list_parameter(self, art: int, programm: int, foerderjahr: int) -> list[pb.Parameter]:
        request = pb.ListParameterRequest(art=art, programm=programm, foerderjahr=foerderjahr)
        return list(abfragen.list_parameter(self.units, LESER, request).parameter)

    def simulate_umverteilung(self, programm: int, foerderjahr: int) -> pb.SimulateUmverteilungResponse:
        request = pb.SimulateUmverteilungRequest(programm=programm, foerderjahr=foerderjahr)
        return umverteilung.simulate(self.units, LESER, request)


_USE_CASES = {
    "seed_parameters": haushalt.seed_parameters,
    "ensure_verteilungen": verteilung.ensure_verteilungen,
    "set_parameter": haushalt.set_parameter,
    "import_erhebung": erhebung.import_erhebung,
    "apply_umverteilung": umverteilung.apply,
    "apply_antrag_event": entscheidung.apply_antrag_event,
    "decide": entscheidung.decide,
    "release": entscheidung.release,
    "list_bescheide": abfragen.list_bescheide,
    "republish": abgleich.republish,
}
