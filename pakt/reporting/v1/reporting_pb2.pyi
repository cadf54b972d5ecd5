from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Gliederung(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GLIEDERUNG_UNSPECIFIED: _ClassVar[Gliederung]
    GLIEDERUNG_LANDKREIS: _ClassVar[Gliederung]
    GLIEDERUNG_PROGRAMM: _ClassVar[Gliederung]
GLIEDERUNG_UNSPECIFIED: Gliederung
GLIEDERUNG_LANDKREIS: Gliederung
GLIEDERUNG_PROGRAMM: Gliederung

class GetUtilisationRequest(_message.Message):
    __slots__ = ("by", "foerderjahr")
    BY_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    by: Gliederung
    foerderjahr: int
    def __init__(self, by: _Optional[_Union[Gliederung, str]] = ..., foerderjahr: _Optional[int] = ...) -> None: ...

class UtilisationRow(_message.Message):
    __slots__ = ("key", "name", "planungsrahmen_cent", "beantragt_cent", "bewilligt_cent", "ausgezahlt_cent", "antraege")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLANUNGSRAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    BEANTRAGT_CENT_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_CENT_FIELD_NUMBER: _ClassVar[int]
    ANTRAEGE_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    planungsrahmen_cent: int
    beantragt_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    antraege: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., planungsrahmen_cent: _Optional[int] = ..., beantragt_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., antraege: _Optional[int] = ...) -> None: ...

class GetUtilisationResponse(_message.Message):
    __slots__ = ("rows", "events_applied")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[UtilisationRow]
    events_applied: int
    def __init__(self, rows: _Optional[_Iterable[_Union[UtilisationRow, _Mapping]]] = ..., events_applied: _Optional[int] = ...) -> None: ...
