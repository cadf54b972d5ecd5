"""JSON logs to stdout, one object per line, with service name and trace id.

Never log personal data: log ids and codes, not names or free text from applicants.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime

trace_id: contextvars.ContextVar[str] = contextvars.ContextVar("trace_id", default="")

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if tid := trace_id.get():
            entry["trace_id"] = tid
        # Structured fields passed with extra={...}.
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RateLimit(logging.Filter):
    """Bounds the log volume when something keeps failing (a broker that is away, a client
    retrying bad calls): per message template a burst, then one line every few seconds, and a
    ceiling for the whole process. A line let through after suppression says how many were
    dropped since."""

    def __init__(self, burst: int = 5, per_key_s: float = 5.0, process_per_s: float = 2.0) -> None:
        super().__init__()
        self.burst, self.per_key_s = burst, per_key_s
        self.process_rate, self.process_burst = process_per_s, 4 * process_per_s
        self._keys: dict[tuple[str, str], list[float]] = {}  # key -> [tokens, last, suppressed]
        self._process = [self.process_burst, time.monotonic()]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        key = (record.name, str(record.msg))
        with self._lock:
            state = self._keys.setdefault(key, [float(self.burst), now, 0.0])
            state[0] = min(self.burst, state[0] + (now - state[1]) / self.per_key_s)
            state[1] = now
            bucket = self._process
            bucket[0] = min(self.process_burst, bucket[0] + (now - bucket[1]) * self.process_rate)
            bucket[1] = now
            if state[0] < 1 or bucket[0] < 1:
                state[2] += 1
                return False
            state[0] -= 1
            bucket[0] -= 1
            if state[2]:
                record.suppressed = int(state[2])
                state[2] = 0
            if len(self._keys) > 10_000:  # message templates are few; guard against formatted ones
                self._keys.clear()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RateLimit())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The Kafka client is chatty at INFO about every connection.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
