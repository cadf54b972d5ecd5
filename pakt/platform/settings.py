"""Settings from environment variables, read once into typed objects.

Every variable has a local default so that `pakt up` runs without configuration; a production
deployment sets them in its environment (this repository has no deployment manifests). A malformed
value stops the process at start with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pakt.platform.tls import TlsFiles

# Default ports of the local stack: (gRPC, Prometheus metrics).
DEFAULT_PORTS: dict[str, tuple[int, int]] = {
    "antrag": (50051, 9461),
    "allocation": (50052, 9462),
    "caseplan": (50053, 9463),
    "reporting": (50054, 9464),
}
SERVICES = tuple(DEFAULT_PORTS)


class SettingsError(RuntimeError):
    pass


def env_int(name: str, default: int, env: Mapping[str, str] = os.environ) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (true/false)")


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get("PAKT_DATA_DIR") or ".pakt-data").resolve()


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str
    # Partitions of the topics the services create where create_topics is on.
    topic_partitions: int
    create_topics: bool
    # Apache Kafka supports the idempotent producer; the local Tansu broker does not.
    enable_idempotence: bool
    # How long the broker waits for group members to join; short locally, Kafka's default in prod.
    rebalance_timeout_ms: int
    security_protocol: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> KafkaSettings:
        return cls(
            bootstrap_servers=env.get("PAKT_KAFKA_BOOTSTRAP") or "127.0.0.1:9092",
            topic_partitions=env_int("PAKT_KAFKA_TOPIC_PARTITIONS", 3, env),
            create_topics=_bool(env, "PAKT_KAFKA_CREATE_TOPICS", True),
            enable_idempotence=_bool(env, "PAKT_KAFKA_IDEMPOTENCE", False),
            rebalance_timeout_ms=env_int("PAKT_KAFKA_REBALANCE_TIMEOUT_MS", 3000, env),
            security_protocol=env.get("PAKT_KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT",
        )


@dataclass(frozen=True)
class TlsSettings:
    """The server's TLS files: the CA that the certificates behind callers' credentials must
    chain to, and its own certificate and key. Locally `pakt up` creates them
    (pakt.platform.pki); production mounts its own."""

    ca_cert: Path
    cert: Path
    key: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TlsSettings:
        pki = data_dir(env) / "pki"
        return cls(
            ca_cert=Path(env.get("PAKT_TLS_CA") or pki / "ca.pem"),
            cert=Path(env.get("PAKT_TLS_CERT") or pki / "server.pem"),
            key=Path(env.get("PAKT_TLS_KEY") or pki / "server-key.pem"),
        )

    def files(self) -> TlsFiles:
        """The files, once they are known to exist; checked at service start, not when read, so
        that settings can be read before `pakt up` has created the local CA."""
        for name, path in [("PAKT_TLS_CA", self.ca_cert), ("PAKT_TLS_CERT", self.cert), ("PAKT_TLS_KEY", self.key)]:
            if not path.is_file():
                raise SettingsError(
                    f"{name}: no file at {path} (`pakt up` creates the local development CA; "
                    "elsewhere set PAKT_TLS_CA, PAKT_TLS_CERT and PAKT_TLS_KEY)"
                )
        return TlsFiles(self.ca_cert, self.cert, self.key)


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    bind_host: str
    grpc_port: int
    metrics_port: int
    db_url: str
    log_level: str
    kafka: KafkaSettings
    tls: TlsSettings
    # Seconds in-flight calls get to finish after SIGTERM.
    shutdown_grace_s: float

    @classmethod
    def from_env(cls, name: str, env: Mapping[str, str] = os.environ) -> ServiceSettings:
        if name not in DEFAULT_PORTS:
            raise SettingsError(f"unknown service {name!r}")
        prefix = f"PAKT_{name.upper()}_"
        grpc_default, metrics_default = DEFAULT_PORTS[name]
        default_db = f"sqlite:///{data_dir(env) / (name + '.db')}"
        return cls(
            name=name,
            bind_host=env.get("PAKT_BIND_HOST") or "127.0.0.1",
            grpc_port=env_int(prefix + "GRPC_PORT", grpc_default, env),
            metrics_port=env_int(prefix + "METRICS_PORT", metrics_default, env),
            db_url=env.get(prefix + "DB_URL") or default_db,
            log_level=(env.get("PAKT_LOG_LEVEL") or "INFO").upper(),
            kafka=KafkaSettings.from_env(env),
            tls=TlsSettings.from_env(env),
            shutdown_grace_s=float(env_int("PAKT_SHUTDOWN_GRACE_S", 10, env)),
        )


def target(service: str, env: Mapping[str, str] = os.environ) -> str:
    """Where a client reaches a service's gRPC API: PAKT_<SERVICE>_TARGET or the local default."""
    explicit = env.get(f"PAKT_{service.upper()}_TARGET")
    if explicit:
        return explicit
    port = env_int(f"PAKT_{service.upper()}_GRPC_PORT", DEFAULT_PORTS[service][0], env)
    return f"127.0.0.1:{port}"


def aggregator_metrics_port(env: Mapping[str, str] = os.environ) -> int:
    """The reporting aggregation worker's metrics port (it runs beside the reporting API)."""
    return env_int("PAKT_REPORTING_AGGREGATOR_METRICS_PORT", 9465, env)
