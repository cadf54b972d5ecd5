from pakt.allocation.v1 import allocation_pb2 as _allocation_pb2
from pakt.common.v1 import programm_pb2 as _programm_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BescheidErlassen(_message.Message):
    __slots__ = ("bescheid_id", "antrag_id", "kommune_ags", "programm", "foerderjahr", "entscheidung", "ablehnungsgrund", "beantragt_cent", "bewilligt_cent", "rahmen_cent", "gebunden_vorher_cent", "begruendung", "bindungen")
    BESCHEID_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    ENTSCHEIDUNG_FIELD_NUMBER: _ClassVar[int]
    ABLEHNUNGSGRUND_FIELD_NUMBER: _ClassVar[int]
    BEANTRAGT_CENT_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    GEBUNDEN_VORHER_CENT_FIELD_NUMBER: _ClassVar[int]
    BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    BINDUNGEN_FIELD_NUMBER: _ClassVar[int]
    bescheid_id: str
    antrag_id: str
    kommune_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    entscheidung: _allocation_pb2.Entscheidung
    ablehnungsgrund: _allocation_pb2.Ablehnungsgrund
    beantragt_cent: int
    bewilligt_cent: int
    rahmen_cent: int
    gebunden_vorher_cent: int
    begruendung: str
    bindungen: _containers.RepeatedCompositeFieldContainer[Bindung]
    def __init__(self, bescheid_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., entscheidung: _Optional[_Union[_allocation_pb2.Entscheidung, str]] = ..., ablehnungsgrund: _Optional[_Union[_allocation_pb2.Ablehnungsgrund, str]] = ..., beantragt_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., rahmen_cent: _Optional[int] = ..., gebunden_vorher_cent: _Optional[int] = ..., begruendung: _Optional[str] = ..., bindungen: _Optional[_Iterable[_Union[Bindung, _Mapping]]] = ...) -> None: ...

class Bindung(_message.Message):
    __slots__ = ("kommune_ags", "verteilung_id", "rahmen_cent", "frei_vorher_cent", "gebunden_cent")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    VERTEILUNG_ID_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    FREI_VORHER_CENT_FIELD_NUMBER: _ClassVar[int]
    GEBUNDEN_CENT_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    verteilung_id: str
    rahmen_cent: int
    frei_vorher_cent: int
    gebunden_cent: int
    def __init__(self, kommune_ags: _Optional[str] = ..., verteilung_id: _Optional[str] = ..., rahmen_cent: _Optional[int] = ..., frei_vorher_cent: _Optional[int] = ..., gebunden_cent: _Optional[int] = ...) -> None: ...

class VerteilungFestgelegt(_message.Message):
    __slots__ = ("verteilung_id", "programm", "foerderjahr", "budget_cent", "rahmen")
    VERTEILUNG_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    BUDGET_CENT_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_FIELD_NUMBER: _ClassVar[int]
    verteilung_id: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    budget_cent: int
    rahmen: _containers.RepeatedCompositeFieldContainer[KommunenRahmen]
    def __init__(self, verteilung_id: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., budget_cent: _Optional[int] = ..., rahmen: _Optional[_Iterable[_Union[KommunenRahmen, _Mapping]]] = ...) -> None: ...

class KommunenRahmen(_message.Message):
    __slots__ = ("kommune_ags", "kreis_ags", "rahmen_cent")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    RAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    kreis_ags: str
    rahmen_cent: int
    def __init__(self, kommune_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., rahmen_cent: _Optional[int] = ...) -> None: ...
