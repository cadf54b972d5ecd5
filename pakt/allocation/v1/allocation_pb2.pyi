from pakt.common.v1 import programm_pb2 as _programm_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
ENTSCHEIDUNG_UNSPECIFIED: Entscheidung
ENTSCHEIDUNG_BEWILLIGT: Entscheidung
ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: Entscheidung
ENTSCHEIDUNG_ABGELEHNT: Entscheidung
ABLEHNUNGSGRUND_UNSPECIFIED: Ablehnungsgrund
ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT: Ablehnungsgrund
ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN: Ablehnungsgrund
ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT: Ablehnungsgrund
ABLEHNUNGSGRUND_KEIN_BUDGET: Ablehnungsgrund

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
