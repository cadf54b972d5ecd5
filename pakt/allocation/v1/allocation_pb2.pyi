import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pakt.common.v1 import programm_pb2 as _programm_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tranche(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANCHE_UNSPECIFIED: _ClassVar[Tranche]
    TRANCHE_VORLAEUFIG: _ClassVar[Tranche]
    TRANCHE_ENDGUELTIG: _ClassVar[Tranche]

class ParameterArt(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARAMETER_ART_UNSPECIFIED: _ClassVar[ParameterArt]
    PARAMETER_ART_BUDGET: _ClassVar[ParameterArt]
    PARAMETER_ART_SCHWELLENWERT: _ClassVar[ParameterArt]
    PARAMETER_ART_STICHTAG: _ClassVar[ParameterArt]

class Entscheidung(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTSCHEIDUNG_UNSPECIFIED: _ClassVar[Entscheidung]
    ENTSCHEIDUNG_BEWILLIGT: _ClassVar[Entscheidung]
    ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: _ClassVar[Entscheidung]
    ENTSCHEIDUNG_ABGELEHNT: _ClassVar[Entscheidung]

class Ablehnungsgrund(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ABLEHNUNGSGRUND_UNSPECIFIED: _ClassVar[Ablehnungsgrund]
    ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT: _ClassVar[Ablehnungsgrund]
    ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN: _ClassVar[Ablehnungsgrund]
    ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT: _ClassVar[Ablehnungsgrund]
    ABLEHNUNGSGRUND_KEIN_BUDGET: _ClassVar[Ablehnungsgrund]

class ErhebungArt(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERHEBUNG_ART_UNSPECIFIED: _ClassVar[ErhebungArt]
    ERHEBUNG_ART_VORLAEUFIG: _ClassVar[ErhebungArt]
    ERHEBUNG_ART_ENDGUELTIG: _ClassVar[ErhebungArt]
TRANCHE_UNSPECIFIED: Tranche
TRANCHE_VORLAEUFIG: Tranche
TRANCHE_ENDGUELTIG: Tranche
PARAMETER_ART_UNSPECIFIED: ParameterArt
PARAMETER_ART_BUDGET: ParameterArt
PARAMETER_ART_SCHWELLENWERT: ParameterArt
PARAMETER_ART_STICHTAG: ParameterArt
ENTSCHEIDUNG_UNSPECIFIED: Entscheidung
ENTSCHEIDUNG_BEWILLIGT: Entscheidung
ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: Entscheidung
ENTSCHEIDUNG_ABGELEHNT: Entscheidung
ABLEHNUNGSGRUND_UNSPECIFIED: Ablehnungsgrund
ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT: Ablehnungsgrund
ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN: Ablehnungsgrund
ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT: Ablehnungsgrund
ABLEHNUNGSGRUND_KEIN_BUDGET: Ablehnungsgrund
ERHEBUNG_ART_UNSPECIFIED: ErhebungArt
ERHEBUNG_ART_VORLAEUFIG: ErhebungArt
ERHEBUNG_ART_ENDGUELTIG: ErhebungArt

class Parameter(_message.Message):
    __slots__ = ("id", "art", "programm", "foerderjahr", "tranche", "betrag_cent", "stichtag", "gueltig_ab", "quelle", "erfasst_von", "erfasst_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ART_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    TRANCHE_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    STICHTAG_FIELD_NUMBER: _ClassVar[int]
    GUELTIG_AB_FIELD_NUMBER: _ClassVar[int]
    QUELLE_FIELD_NUMBER: _ClassVar[int]
    ERFASST_VON_FIELD_NUMBER: _ClassVar[int]
    ERFASST_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    art: ParameterArt
    programm: _programm_pb2.Programm
    foerderjahr: int
    tranche: Tranche
    betrag_cent: int
    stichtag: str
    gueltig_ab: str
    quelle: str
    erfasst_von: str
    erfasst_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., art: _Optional[_Union[ParameterArt, str]] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., tranche: _Optional[_Union[Tranche, str]] = ..., betrag_cent: _Optional[int] = ..., stichtag: _Optional[str] = ..., gueltig_ab: _Optional[str] = ..., quelle: _Optional[str] = ..., erfasst_von: _Optional[str] = ..., erfasst_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Planungsrahmen(_message.Message):
    __slots__ = ("kommune_ags", "kreis_ags", "programm", "foerderjahr", "rahmen_cent", "gebunden_cent", "verteilung_id")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    GEBUNDEN_CENT_FIELD_NUMBER: _ClassVar[int]
    VERTEILUNG_ID_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    kreis_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    rahmen_cent: int
    gebunden_cent: int
    verteilung_id: str
    def __init__(self, kommune_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., rahmen_cent: _Optional[int] = ..., gebunden_cent: _Optional[int] = ..., verteilung_id: _Optional[str] = ...) -> None: ...

class GetPlanungsrahmenRequest(_message.Message):
    __slots__ = ("kommune_ags", "programm", "foerderjahr")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    def __init__(self, kommune_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ...) -> None: ...

class GetPlanungsrahmenResponse(_message.Message):
    __slots__ = ("planungsrahmen",)
    PLANUNGSRAHMEN_FIELD_NUMBER: _ClassVar[int]
    planungsrahmen: Planungsrahmen
    def __init__(self, planungsrahmen: _Optional[_Union[Planungsrahmen, _Mapping]] = ...) -> None: ...

class ListPlanungsrahmenRequest(_message.Message):
    __slots__ = ("kreis_ags", "programm", "foerderjahr", "page_size", "page_token")
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kreis_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    page_size: int
    page_token: str
    def __init__(self, kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPlanungsrahmenResponse(_message.Message):
    __slots__ = ("planungsrahmen", "next_page_token")
    PLANUNGSRAHMEN_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    planungsrahmen: _containers.RepeatedCompositeFieldContainer[Planungsrahmen]
    next_page_token: str
    def __init__(self, planungsrahmen: _Optional[_Iterable[_Union[Planungsrahmen, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExplainPlanungsrahmenRequest(_message.Message):
    __slots__ = ("kommune_ags", "programm", "foerderjahr", "stand", "tranche")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    STAND_FIELD_NUMBER: _ClassVar[int]
    TRANCHE_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    stand: str
    tranche: Tranche
    def __init__(self, kommune_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., stand: _Optional[str] = ..., tranche: _Optional[_Union[Tranche, str]] = ...) -> None: ...

class Rechenweg(_message.Message):
    __slots__ = ("kommune_ags", "programm", "foerderjahr", "tranche", "stand", "budget", "stichtag", "basis", "erhebung_id", "anzahl", "anzahl_gesamt", "quote_ganz_cent", "rest", "restcents_gesamt", "rest_rang", "plus_ein_cent", "rahmen_cent", "erlaeuterung")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    TRANCHE_FIELD_NUMBER: _ClassVar[int]
    STAND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    STICHTAG_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    ERHEBUNG_ID_FIELD_NUMBER: _ClassVar[int]
    ANZAHL_FIELD_NUMBER: _ClassVar[int]
    ANZAHL_GESAMT_FIELD_NUMBER: _ClassVar[int]
    QUOTE_GANZ_CENT_FIELD_NUMBER: _ClassVar[int]
    REST_FIELD_NUMBER: _ClassVar[int]
    RESTCENTS_GESAMT_FIELD_NUMBER: _ClassVar[int]
    REST_RANG_FIELD_NUMBER: _ClassVar[int]
    PLUS_EIN_CENT_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    ERLAEUTERUNG_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    tranche: Tranche
    stand: str
    budget: Parameter
    stichtag: Parameter
    basis: str
    erhebung_id: str
    anzahl: int
    anzahl_gesamt: int
    quote_ganz_cent: int
    rest: int
    restcents_gesamt: int
    rest_rang: int
    plus_ein_cent: bool
    rahmen_cent: int
    erlaeuterung: str
    def __init__(self, kommune_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., tranche: _Optional[_Union[Tranche, str]] = ..., stand: _Optional[str] = ..., budget: _Optional[_Union[Parameter, _Mapping]] = ..., stichtag: _Optional[_Union[Parameter, _Mapping]] = ..., basis: _Optional[str] = ..., erhebung_id: _Optional[str] = ..., anzahl: _Optional[int] = ..., anzahl_gesamt: _Optional[int] = ..., quote_ganz_cent: _Optional[int] = ..., rest: _Optional[int] = ..., restcents_gesamt: _Optional[int] = ..., rest_rang: _Optional[int] = ..., plus_ein_cent: _Optional[bool] = ..., rahmen_cent: _Optional[int] = ..., erlaeuterung: _Optional[str] = ...) -> None: ...

class ExplainPlanungsrahmenResponse(_message.Message):
    __slots__ = ("rechenweg",)
    RECHENWEG_FIELD_NUMBER: _ClassVar[int]
    rechenweg: Rechenweg
    def __init__(self, rechenweg: _Optional[_Union[Rechenweg, _Mapping]] = ...) -> None: ...

class CompareVerteilungenRequest(_message.Message):
    __slots__ = ("programm", "foerderjahr", "kreis_ags")
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    programm: _programm_pb2.Programm
    foerderjahr: int
    kreis_ags: str
    def __init__(self, programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., kreis_ags: _Optional[str] = ...) -> None: ...

class Nachverteilung(_message.Message):
    __slots__ = ("kommune_ags", "kreis_ags", "vorlaeufig_cent", "endgueltig_cent", "differenz_cent", "gebunden_cent")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    VORLAEUFIG_CENT_FIELD_NUMBER: _ClassVar[int]
    ENDGUELTIG_CENT_FIELD_NUMBER: _ClassVar[int]
    DIFFERENZ_CENT_FIELD_NUMBER: _ClassVar[int]
    GEBUNDEN_CENT_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    kreis_ags: str
    vorlaeufig_cent: int
    endgueltig_cent: int
    differenz_cent: int
    gebunden_cent: int
    def __init__(self, kommune_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., vorlaeufig_cent: _Optional[int] = ..., endgueltig_cent: _Optional[int] = ..., differenz_cent: _Optional[int] = ..., gebunden_cent: _Optional[int] = ...) -> None: ...

class CompareVerteilungenResponse(_message.Message):
    __slots__ = ("vorlaeufig_budget_cent", "endgueltig_budget_cent", "vorlaeufig_basis", "endgueltig_basis", "kommunen")
    VORLAEUFIG_BUDGET_CENT_FIELD_NUMBER: _ClassVar[int]
    ENDGUELTIG_BUDGET_CENT_FIELD_NUMBER: _ClassVar[int]
    VORLAEUFIG_BASIS_FIELD_NUMBER: _ClassVar[int]
    ENDGUELTIG_BASIS_FIELD_NUMBER: _ClassVar[int]
    KOMMUNEN_FIELD_NUMBER: _ClassVar[int]
    vorlaeufig_budget_cent: int
    endgueltig_budget_cent: int
    vorlaeufig_basis: str
    endgueltig_basis: str
    kommunen: _containers.RepeatedCompositeFieldContainer[Nachverteilung]
    def __init__(self, vorlaeufig_budget_cent: _Optional[int] = ..., endgueltig_budget_cent: _Optional[int] = ..., vorlaeufig_basis: _Optional[str] = ..., endgueltig_basis: _Optional[str] = ..., kommunen: _Optional[_Iterable[_Union[Nachverteilung, _Mapping]]] = ...) -> None: ...

class ListParameterRequest(_message.Message):
    __slots__ = ("art", "programm", "foerderjahr")
    ART_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    art: ParameterArt
    programm: _programm_pb2.Programm
    foerderjahr: int
    def __init__(self, art: _Optional[_Union[ParameterArt, str]] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ...) -> None: ...

class ListParameterResponse(_message.Message):
    __slots__ = ("parameter",)
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    parameter: _containers.RepeatedCompositeFieldContainer[Parameter]
    def __init__(self, parameter: _Optional[_Iterable[_Union[Parameter, _Mapping]]] = ...) -> None: ...

class SetParameterRequest(_message.Message):
    __slots__ = ("request_id", "parameter")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    parameter: Parameter
    def __init__(self, request_id: _Optional[str] = ..., parameter: _Optional[_Union[Parameter, _Mapping]] = ...) -> None: ...

class SetParameterResponse(_message.Message):
    __slots__ = ("parameter", "verteilung_ids")
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    VERTEILUNG_IDS_FIELD_NUMBER: _ClassVar[int]
    parameter: Parameter
    verteilung_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parameter: _Optional[_Union[Parameter, _Mapping]] = ..., verteilung_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ImportErhebungRequest(_message.Message):
    __slots__ = ("kopf", "zeile")
    KOPF_FIELD_NUMBER: _ClassVar[int]
    ZEILE_FIELD_NUMBER: _ClassVar[int]
    kopf: ErhebungKopf
    zeile: str
    def __init__(self, kopf: _Optional[_Union[ErhebungKopf, _Mapping]] = ..., zeile: _Optional[str] = ...) -> None: ...

class ErhebungKopf(_message.Message):
    __slots__ = ("request_id", "stichtag", "art", "quelle", "dateiname")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STICHTAG_FIELD_NUMBER: _ClassVar[int]
    ART_FIELD_NUMBER: _ClassVar[int]
    QUELLE_FIELD_NUMBER: _ClassVar[int]
    DATEINAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    stichtag: str
    art: ErhebungArt
    quelle: str
    dateiname: str
    def __init__(self, request_id: _Optional[str] = ..., stichtag: _Optional[str] = ..., art: _Optional[_Union[ErhebungArt, str]] = ..., quelle: _Optional[str] = ..., dateiname: _Optional[str] = ...) -> None: ...

class ImportErhebungResponse(_message.Message):
    __slots__ = ("erhebung_id", "gemeinden", "anzahl_gesamt", "verteilung_ids")
    ERHEBUNG_ID_FIELD_NUMBER: _ClassVar[int]
    GEMEINDEN_FIELD_NUMBER: _ClassVar[int]
    ANZAHL_GESAMT_FIELD_NUMBER: _ClassVar[int]
    VERTEILUNG_IDS_FIELD_NUMBER: _ClassVar[int]
    erhebung_id: str
    gemeinden: int
    anzahl_gesamt: int
    verteilung_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, erhebung_id: _Optional[str] = ..., gemeinden: _Optional[int] = ..., anzahl_gesamt: _Optional[int] = ..., verteilung_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SimulateUmverteilungRequest(_message.Message):
    __slots__ = ("programm", "foerderjahr")
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    programm: _programm_pb2.Programm
    foerderjahr: int
    def __init__(self, programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ...) -> None: ...

class Umverteilung(_message.Message):
    __slots__ = ("kommune_ags", "kreis_ags", "rahmen_cent", "gebunden_cent", "frei_cent", "neuer_rahmen_cent")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    GEBUNDEN_CENT_FIELD_NUMBER: _ClassVar[int]
    FREI_CENT_FIELD_NUMBER: _ClassVar[int]
    NEUER_RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    kreis_ags: str
    rahmen_cent: int
    gebunden_cent: int
    frei_cent: int
    neuer_rahmen_cent: int
    def __init__(self, kommune_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., rahmen_cent: _Optional[int] = ..., gebunden_cent: _Optional[int] = ..., frei_cent: _Optional[int] = ..., neuer_rahmen_cent: _Optional[int] = ...) -> None: ...

class SimulateUmverteilungResponse(_message.Message):
    __slots__ = ("frei_gesamt_cent", "kommunen")
    FREI_GESAMT_CENT_FIELD_NUMBER: _ClassVar[int]
    KOMMUNEN_FIELD_NUMBER: _ClassVar[int]
    frei_gesamt_cent: int
    kommunen: _containers.RepeatedCompositeFieldContainer[Umverteilung]
    def __init__(self, frei_gesamt_cent: _Optional[int] = ..., kommunen: _Optional[_Iterable[_Union[Umverteilung, _Mapping]]] = ...) -> None: ...

class ApplyUmverteilungRequest(_message.Message):
    __slots__ = ("request_id", "programm", "foerderjahr", "quelle")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    QUELLE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    quelle: str
    def __init__(self, request_id: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., quelle: _Optional[str] = ...) -> None: ...

class ApplyUmverteilungResponse(_message.Message):
    __slots__ = ("verteilung_id", "frei_gesamt_cent")
    VERTEILUNG_ID_FIELD_NUMBER: _ClassVar[int]
    FREI_GESAMT_CENT_FIELD_NUMBER: _ClassVar[int]
    verteilung_id: str
    frei_gesamt_cent: int
    def __init__(self, verteilung_id: _Optional[str] = ..., frei_gesamt_cent: _Optional[int] = ...) -> None: ...

class BescheidStand(_message.Message):
    __slots__ = ("bescheid_id", "antrag_id", "kommune_ags", "programm", "foerderjahr", "entscheidung", "bewilligt_cent", "freigegeben_cent")
    BESCHEID_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    ENTSCHEIDUNG_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    FREIGEGEBEN_CENT_FIELD_NUMBER: _ClassVar[int]
    bescheid_id: str
    antrag_id: str
    kommune_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    entscheidung: Entscheidung
    bewilligt_cent: int
    freigegeben_cent: int
    def __init__(self, bescheid_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., entscheidung: _Optional[_Union[Entscheidung, str]] = ..., bewilligt_cent: _Optional[int] = ..., freigegeben_cent: _Optional[int] = ...) -> None: ...

class ListBescheideRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBescheideResponse(_message.Message):
    __slots__ = ("bescheide", "next_page_token")
    BESCHEIDE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bescheide: _containers.RepeatedCompositeFieldContainer[BescheidStand]
    next_page_token: str
    def __init__(self, bescheide: _Optional[_Iterable[_Union[BescheidStand, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RepublishRequest(_message.Message):
    __slots__ = ("antrag_ids", "alle")
    ANTRAG_IDS_FIELD_NUMBER: _ClassVar[int]
    ALLE_FIELD_NUMBER: _ClassVar[int]
    antrag_ids: _containers.RepeatedScalarFieldContainer[str]
    alle: bool
    def __init__(self, antrag_ids: _Optional[_Iterable[str]] = ..., alle: _Optional[bool] = ...) -> None: ...

class RepublishResponse(_message.Message):
    __slots__ = ("events_queued",)
    EVENTS_QUEUED_FIELD_NUMBER: _ClassVar[int]
    events_queued: int
    def __init__(self, events_queued: _Optional[int] = ...) -> None: ...
