"""Settings from environment variables; every test passes its own env dict (os.environ untouched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pakt.platform.settings import SERVICES, ServiceSettings, SettingsError, TlsSettings, target
from pakt.platform.tls import TlsFiles


@pytest.mark.parametrize(
    ("service", "grpc_port", "metrics_port"),
    [("antrag", 50051, 9461), ("allocation", 50052, 9462), ("caseplan", 50053, 9463), ("reporting", 50054, 9464)],
)
def test_defaults(service, grpc_port, metrics_port, tmp_path):
    s = ServiceSettings.from_env(service, {"PAKT_DATA_DIR": str(tmp_path)})
    assert s.name == service
    assert (s.grpc_port, s.metrics_port) == (grpc_port, metrics_port)
    assert s.db_url == f"sqlite:///{tmp_path.resolve()}/{service}.db"
    assert s.bind_host == "127.0.0.1"
    assert s.log_level == "INFO"
    assert s.shutdown_grace_s == 10.0
    k = s.kafka
    assert (k.bootstrap_servers, k.topic_partitions, k.create_topics, k.enable_idempotence) == (
        "127.0.0.1:9092",
        3,
        True,
        False,
    )
    assert (k.rebalance_timeout_ms, k.security_protocol) == (3000, "PLAINTEXT")


def test_tls_files_default_to_the_local_ca_in_the_data_dir(tmp_path):
    tls = ServiceSettings.from_env("antrag", {"PAKT_DATA_DIR": str(tmp_path)}).tls
    pki = tmp_path.resolve() / "pki"
    assert (tls.ca_cert, tls.cert, tls.key) == (pki / "ca.pem", pki / "server.pem", pki / "server-key.pem")


def test_tls_files_from_the_environment():
    env = {"PAKT_TLS_CA": "/etc/pakt/ca.pem", "PAKT_TLS_CERT": "/etc/pakt/tls.crt", "PAKT_TLS_KEY": "/etc/pakt/tls.key"}
    tls = ServiceSettings.from_env("reporting", env).tls
    assert (tls.ca_cert, tls.cert, tls.key) == (Path("/etc/pakt/ca.pem"), Path("/etc/pakt/tls.crt"), Path("/etc/pakt/tls.key"))


@pytest.mark.parametrize("missing", ["PAKT_TLS_CA", "PAKT_TLS_CERT", "PAKT_TLS_KEY"])
def test_missing_tls_file_names_the_variable_and_the_path(tmp_path, missing):
    env = {name: str(tmp_path / name.lower()) for name in ["PAKT_TLS_CA", "PAKT_TLS_CERT", "PAKT_TLS_KEY"]}
    for name, path in env.items():
        if name != missing:
            Path(path).write_text("pem")
    tls = TlsSettings.from_env(env)  # reading the settings does not need the files yet
    with pytest.raises(SettingsError) as raised:
        tls.files()
    assert missing in str(raised.value) and env[missing] in str(raised.value)


def test_existing_tls_files_are_the_servers_files(tmp_path):
    for name in ["ca.pem", "server.pem", "server-key.pem"]:
        (tmp_path / "pki").mkdir(exist_ok=True)
        (tmp_path / "pki" / name).write_text("pem")
    pki = tmp_path.resolve() / "pki"
    assert TlsSettings.from_env({"PAKT_DATA_DIR": str(tmp_path)}).files() == TlsFiles(
        pki / "ca.pem", pki / "server.pem", pki / "server-key.pem"
    )


def test_all_four_services_are_known():
    assert set(SERVICES) == {"antrag", "allocation", "caseplan", "reporting"}


def test_default_data_dir_is_pakt_data_in_the_working_directory():
    s = ServiceSettings.from_env("antrag", {})
    assert s.db_url == f"sqlite:///{(Path.cwd() / '.pakt-data').resolve()}/antrag.db"


def test_relative_data_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = ServiceSettings.from_env("caseplan", {"PAKT_DATA_DIR": "daten"})
    assert s.db_url == f"sqlite:///{tmp_path.resolve()}/daten/caseplan.db"


def test_environment_overrides_every_default():
    env = {
        "PAKT_BIND_HOST": "0.0.0.0",
        "PAKT_ANTRAG_GRPC_PORT": "6001",
        "PAKT_ANTRAG_METRICS_PORT": "7001",
        "PAKT_ANTRAG_DB_URL": "postgresql+psycopg://pakt@db:5432/antrag",
        "PAKT_LOG_LEVEL": "debug",
        "PAKT_SHUTDOWN_GRACE_S": "25",
        "PAKT_KAFKA_BOOTSTRAP": "kafka-0:9093,kafka-1:9093",
        "PAKT_KAFKA_TOPIC_PARTITIONS": "12",
        "PAKT_KAFKA_CREATE_TOPICS": "false",
        "PAKT_KAFKA_IDEMPOTENCE": "true",
        "PAKT_KAFKA_REBALANCE_TIMEOUT_MS": "60000",
        "PAKT_KAFKA_SECURITY_PROTOCOL": "SSL",
        # Another service's variables do not leak into this one.
        "PAKT_ALLOCATION_GRPC_PORT": "6002",
    }
    s = ServiceSettings.from_env("antrag", env)
    assert (s.bind_host, s.grpc_port, s.metrics_port) == ("0.0.0.0", 6001, 7001)
    assert s.db_url == "postgresql+psycopg://pakt@db:5432/antrag"
    assert s.log_level == "DEBUG"
    assert s.shutdown_grace_s == 25.0
    k = s.kafka
    assert k.bootstrap_servers == "kafka-0:9093,kafka-1:9093"
    assert (k.topic_partitions, k.create_topics, k.enable_idempotence) == (12, False, True)
    assert (k.rebalance_timeout_ms, k.security_protocol) == (60000, "SSL")


def test_empty_values_mean_the_default():
    env = {"PAKT_ANTRAG_GRPC_PORT": "", "PAKT_KAFKA_CREATE_TOPICS": "", "PAKT_ANTRAG_DB_URL": "", "PAKT_DATA_DIR": "/srv/pakt"}
    s = ServiceSettings.from_env("antrag", env)
    assert (s.grpc_port, s.kafka.create_topics, s.db_url) == (50051, True, "sqlite:////srv/pakt/antrag.db")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PAKT_ANTRAG_GRPC_PORT", "abc"),
        ("PAKT_ANTRAG_GRPC_PORT", "50051.0"),
        ("PAKT_ANTRAG_METRICS_PORT", "9461x"),
        ("PAKT_KAFKA_TOPIC_PARTITIONS", "drei"),
        ("PAKT_KAFKA_REBALANCE_TIMEOUT_MS", "3s"),
        ("PAKT_SHUTDOWN_GRACE_S", "2.5"),
    ],
)
def test_malformed_number_names_the_variable(name, raw):
    with pytest.raises(SettingsError) as raised:
        ServiceSettings.from_env("antrag", {name: raw})
    assert name in str(raised.value)
    assert repr(raw) in str(raised.value)


@pytest.mark.parametrize(("name", "raw"), [("PAKT_KAFKA_CREATE_TOPICS", "maybe"), ("PAKT_KAFKA_IDEMPOTENCE", "2")])
def test_malformed_boolean_names_the_variable(name, raw):
    with pytest.raises(SettingsError) as raised:
        ServiceSettings.from_env("reporting", {name: raw})
    assert name in str(raised.value)
    assert "boolean" in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("False", False), ("no", False), ("OFF", False)],
)
def test_boolean_spellings(raw, value):
    assert ServiceSettings.from_env("antrag", {"PAKT_KAFKA_IDEMPOTENCE": raw}).kafka.enable_idempotence is value


def test_unknown_service_is_an_error():
    with pytest.raises(SettingsError, match="dashboard"):
        ServiceSettings.from_env("dashboard", {})


def test_target_default_port():
    assert target("antrag", {}) == "127.0.0.1:50051"
    assert target("allocation", {}) == "127.0.0.1:50052"
    assert target("caseplan", {}) == "127.0.0.1:50053"
    assert target("reporting", {}) == "127.0.0.1:50054"


def test_target_follows_the_grpc_port():
    assert target("allocation", {"PAKT_ALLOCATION_GRPC_PORT": "6002"}) == "127.0.0.1:6002"


def test_target_explicit_wins_over_the_port():
    env = {"PAKT_ALLOCATION_GRPC_PORT": "6002", "PAKT_ALLOCATION_TARGET": "allocation.pakt.svc:50052"}
    assert target("allocation", env) == "allocation.pakt.svc:50052"


def test_target_of_one_service_ignores_another_services_variables():
    env = {"PAKT_ANTRAG_TARGET": "antrag:1", "PAKT_ANTRAG_GRPC_PORT": "1"}
    assert target("reporting", env) == "127.0.0.1:50054"


def test_target_malformed_port_names_the_variable():
    with pytest.raises(SettingsError, match="PAKT_REPORTING_GRPC_PORT"):
        target("reporting", {"PAKT_REPORTING_GRPC_PORT": "x"})
