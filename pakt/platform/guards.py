"""The guards every service uses: who may take a step, checked before anything is read or written.

The caller's identity comes from its certificate (pakt.platform.auth); these say what each kind of
caller may do. The messages are German: the Kommune's staff or the operator read them.
"""

from __future__ import annotations

from pakt.platform.auth import Principal
from pakt.platform.errors import PermissionDenied

NUR_BEWILLIGUNGSSTELLE = "Diesen Schritt geht nur die Bewilligungsstelle (RP Stuttgart)."
NUR_KOMMUNE = "Diesen Schritt geht nur die antragstellende Kommune."
NUR_INTEGRATIONSMANAGER = "Integrationspläne lesen und ändern nur Integrationsmanager der zuständigen Kommune."


def operator(principal: Principal, message: str = NUR_BEWILLIGUNGSSTELLE) -> None:
    """An operator of the Bewilligungsstelle."""
    if not principal.is_operator:
        raise PermissionDenied(message)


def kommune(principal: Principal, message: str = NUR_KOMMUNE) -> None:
    """A Kommune (its own systems or staff), not the Bewilligungsstelle."""
    if principal.is_operator:
        raise PermissionDenied(message)


def integrationsmanager(principal: Principal, message: str = NUR_INTEGRATIONSMANAGER) -> None:
    """An Integrationsmanager of a Kommune."""
    if not principal.is_integrationsmanager:
        raise PermissionDenied(message)


def own_kommune(principal: Principal, ags: str, message: str) -> None:
    """A Kommune acting for itself only."""
    if principal.ags != ags:
        raise PermissionDenied(message)
