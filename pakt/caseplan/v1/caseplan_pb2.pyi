from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetFallzahlenRequest(_message.Message):
    __slots__ = ("kreis_ags",)
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    kreis_ags: str
    def __init__(self, kreis_ags: _Optional[str] = ...) -> None: ...

class Fallzahl(_message.Message):
    __slots__ = ("kommune_ags", "offene_plaene", "suppressed")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    OFFENE_PLAENE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    offene_plaene: int
    suppressed: bool
    def __init__(self, kommune_ags: _Optional[str] = ..., offene_plaene: _Optional[int] = ..., suppressed: _Optional[bool] = ...) -> None: ...

class GetFallzahlenResponse(_message.Message):
    __slots__ = ("fallzahlen",)
    FALLZAHLEN_FIELD_NUMBER: _ClassVar[int]
    fallzahlen: _containers.RepeatedCompositeFieldContainer[Fallzahl]
    def __init__(self, fallzahlen: _Optional[_Iterable[_Union[Fallzahl, _Mapping]]] = ...) -> None: ...
