from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Programm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRAMM_UNSPECIFIED: _ClassVar[Programm]
    PROGRAMM_INTEGRATIONSMANAGEMENT: _ClassVar[Programm]
    PROGRAMM_JUNGE_FLUECHTLINGE: _ClassVar[Programm]
    PROGRAMM_SPRACHERWERB: _ClassVar[Programm]
    PROGRAMM_EHRENAMT: _ClassVar[Programm]
PROGRAMM_UNSPECIFIED: Programm
PROGRAMM_INTEGRATIONSMANAGEMENT: Programm
PROGRAMM_JUNGE_FLUECHTLINGE: Programm
PROGRAMM_SPRACHERWERB: Programm
PROGRAMM_EHRENAMT: Programm
