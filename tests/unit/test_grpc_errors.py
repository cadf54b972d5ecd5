"""Domain errors as gRPC statuses (pakt/platform/grpc_server.py): INVALID_ARGUMENT counts the
violations in its message and lists each once in google.rpc.BadRequest, capped by count and by
encoded size so that the trailers stay far below what clients accept."""

from __future__ import annotations

import pytest
from google.rpc import code_pb2, error_details_pb2

from pakt.platform import errors
from pakt.platform.grpc_server import MAX_STATUS_BYTES, MAX_VIOLATIONS, _invalid_argument, _status_for


def refusal(violations: list[errors.FieldViolation]) -> tuple[str, list[tuple[str, str]], int]:
    """Message, listed violations and encoded size of the status for these violations."""
    status = _invalid_argument(errors.InvalidArgument(violations))
    assert status.code == code_pb2.INVALID_ARGUMENT
    (detail,) = status.details
    bad_request = error_details_pb2.BadRequest()
    assert detail.Unpack(bad_request)
    return status.message, [(v.field, v.description) for v in bad_request.field_violations], status.ByteSize()


def lost_zero(i: int) -> errors.FieldViolation:
    ags = f"8{i:06d}"
    return errors.FieldViolation(
        f"zeile {i + 2}", f"„{ags}“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 0{ags})"
    )


def test_one_violation_is_counted_in_the_message_and_listed_once():
    message, listed, _ = refusal([errors.FieldViolation("betrag_cent", "muss größer als 0 sein")])
    assert message == "1 Angabe ist ungültig; Einzelheiten in den Details."
    assert listed == [("betrag_cent", "muss größer als 0 sein")]


def test_the_message_never_repeats_the_violations():
    message, listed, _ = refusal([lost_zero(i) for i in range(12)])
    assert message == "12 Angaben sind ungültig; Einzelheiten in den Details."
    assert listed == [(v.field, v.description) for v in (lost_zero(i) for i in range(12))]


@pytest.mark.parametrize("total", [60, 1102, 5001])
def test_long_violations_are_capped_by_encoded_size_and_the_rest_counted(total):
    message, listed, size = refusal([lost_zero(i) for i in range(total)])
    *shown, rest = listed
    assert size <= MAX_STATUS_BYTES
    assert shown == [(v.field, v.description) for v in (lost_zero(i) for i in range(len(shown)))]
    assert len(shown) >= 30  # the budget is used, not just a few
    assert rest == ("", f"… und {errors.zahl(total - len(shown))} weitere ungültige Angaben")
    assert message == f"{errors.zahl(total)} Angaben sind ungültig; Einzelheiten in den Details."


def test_short_violations_are_capped_by_count():
    short = [errors.FieldViolation(f"f{i}", "fehlt") for i in range(MAX_VIOLATIONS + 1)]
    _, listed, size = refusal(short)
    assert listed[:-1] == [(f"f{i}", "fehlt") for i in range(MAX_VIOLATIONS)]
    assert listed[-1] == ("", "… und 1 weitere ungültige Angabe")
    assert size <= MAX_STATUS_BYTES
    _, listed, _ = refusal(short[:MAX_VIOLATIONS])
    assert listed == [(f"f{i}", "fehlt") for i in range(MAX_VIOLATIONS)]  # all of them: no count


def test_an_overlong_field_or_description_is_cut():
    _, listed, size = refusal([errors.FieldViolation("x" * 10_000, "ü" * 10_000)])
    ((field, description),) = listed
    assert len(field) == 200 and field.endswith("…")
    assert len(description) == 1000 and description.endswith("…")
    assert size <= MAX_STATUS_BYTES


def test_other_errors_keep_their_message_and_code():
    status = _status_for(errors.FailedPrecondition("Der Antrag ist „eingegangen“."))
    assert status.code.name == "FAILED_PRECONDITION" and status.details == "Der Antrag ist „eingegangen“."
