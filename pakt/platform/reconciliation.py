"""What the services' reconciliation and rebuild RPCs share: keyset pages over a table's key, and
the choice of what to publish again (docs/reliability.md, "Abgleich und Neuaufbau").

The listings are for operators comparing whole services, so they page by primary key (stable while
rows are added) rather than by a filter; a page token is the last key of the previous page.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, Table

from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.validation import Violations
from pakt.platform.outbox import republish

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000
# Anträge per Republish call: a page of the CLI's repair, well below every database's limit of
# bound parameters.
MAX_REPUBLISH_IDS = 1000
_KEY = re.compile(r"[A-Za-z0-9._:/-]{1,100}")
_MAX_TOKEN = 200


def page_size(value: int) -> int:
    """The page size a request asks for (0: the default); INVALID_ARGUMENT outside 0..MAX."""
    if not 0 <= value <= MAX_PAGE_SIZE:
        raise InvalidArgument([FieldViolation("page_size", f"0 bis {MAX_PAGE_SIZE} (0: {DEFAULT_PAGE_SIZE})")])
    return value or DEFAULT_PAGE_SIZE


def encode_page_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


def decode_page_token(token: str) -> str | None:
    """The last key of the previous page; None for the first page."""
    if not token:
        return None
    invalid = InvalidArgument([FieldViolation("page_token", "ungültiges Seitentoken")])
    if len(token) > _MAX_TOKEN:
        raise invalid
    try:
        key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    if not _KEY.fullmatch(key):
        raise invalid
    return key


def republish_selection(ids: Sequence[str], alle: bool, pattern: re.Pattern[str], field: str = "antrag_ids") -> list[str] | None:
    """The aggregates a Republish request names, or None for every one (alle). One of the two must
    be given, explicitly: an empty request publishes nothing by accident, nor everything."""
    v = Violations()
    if alle and ids:
        v.add(field, "entweder einzelne IDs oder alle, nicht beides")
    elif not alle and not ids:
        v.add(field, "fehlt: die IDs, deren Ereignisse erneut veröffentlicht werden sollen (oder alle)")
    elif len(ids) > MAX_REPUBLISH_IDS:
        v.add(field, f"höchstens {MAX_REPUBLISH_IDS} je Aufruf (sind {len(ids)})")
    else:
        for i, value in enumerate(ids):
            if not pattern.fullmatch(value):
                v.add(f"{field}[{i}]", f"„{value[:60]}“ ist keine gültige ID (UUID in Kleinbuchstaben)")
    v.raise_if_any()
    return None if alle else sorted(set(ids))


def queue_again(
    engine: Engine, outbox: Table, keys: list[str] | None, by: str, on_events: Callable[[], None]
) -> int:
    """The Republish use case of every service: queue the published events of the given aggregates
    (None: of all) to be published again, note who asked, and wake the relay."""
    with engine.begin() as conn:
        queued = republish(conn, outbox, keys)
    log.info(
        "events queued to be published again",
        extra={"by": by, "aggregates": "alle" if keys is None else len(keys), "events": queued},
    )
    if queued:
        on_events()
    return queued
