"""Printing results: German text for people, JSON for machines (money as integer cents)."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

_INT64 = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64}


def to_dict(message: Message) -> dict:
    """The protobuf JSON form with proto field names, enum names, and 64-bit integers as numbers
    (the JSON mapping writes them as strings, which scripts then have to convert)."""
    data = MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    return _ints(message, data)


def _ints(message: Message, data: dict) -> dict:
    for field in message.DESCRIPTOR.fields:
        if field.name not in data:
            continue
        value = getattr(message, field.name)
        if field.type in _INT64:
            data[field.name] = [int(v) for v in value] if field.is_repeated else int(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.full_name.startswith("pakt."):
            if field.is_repeated:
                data[field.name] = [_ints(m, d) for m, d in zip(value, data[field.name], strict=True)]
            else:
                data[field.name] = _ints(value, data[field.name])
    return data
