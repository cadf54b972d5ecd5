"""The gRPC client plumbing now lives in pakt.platform.client, which the dashboard shares; this
name remains for CLI modules that still import it from here."""

from pakt.platform.client import CALL_TIMEOUT_S, CallFailed, acting_as, call, channel, describe

__all__ = ["CALL_TIMEOUT_S", "CallFailed", "acting_as", "call", "channel", "describe"]
