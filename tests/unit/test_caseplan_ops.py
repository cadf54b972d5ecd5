"""The case-plan service's operator tasks (services/caseplan/ops.py): arguments checked before the
database is touched, the operator named in the access log, the local stack's keys, and `pakt serve
caseplan …` reaching the tasks without the CLI importing the service."""

from __future__ import annotations

import stat

import pytest

from pakt.cli.main import main as pakt
from pakt.cli.stack import ChildFailed, Stack, StackConfig
from services.caseplan import ops
from services.caseplan.crypto import FieldCipher, Keyring


@pytest.fixture
def no_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    for name in ("PAKT_CASEPLAN_DB_URL", "PAKT_CASEPLAN_KEYS", "PAKT_CASEPLAN_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_tasks_check_their_arguments_before_touching_the_database(no_keys, capsys):
    assert ops.main(["audit", "verify", "--expect", "3:nothex"]) == 1
    assert "--expect: Anker" in capsys.readouterr().err
    assert ops.main(["rotate-key", "--batch", "0"]) == 1
    assert "--batch muss mindestens 1 sein" in capsys.readouterr().err
    assert ops.main(["rotate-key"]) == 1
    assert "PAKT_CASEPLAN_KEYS is not set" in capsys.readouterr().err
    assert ops.main(["aufbewahrung", "--tage", "-1"]) == 1
    assert "nicht negativ" in capsys.readouterr().err
    assert ops.main(["rotate-key", "--json"]) == 1
    assert capsys.readouterr().err.startswith('{"error": "Schlüssel des Fallplan-Dienstes')
    assert not (no_keys / "caseplan.db").exists()


def test_pakt_serve_hands_a_task_to_the_service(no_keys, capsys):
    assert pakt(["serve", "caseplan", "rotate-key", "--batch", "0"]) == 1
    assert "--batch muss mindestens 1 sein" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        pakt(["serve", "caseplan", "--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert usage.startswith("usage: pakt serve caseplan") and "rotate-key" in usage and "dev-keys" in usage
    assert pakt(["serve", "antrag", "rotate-key"]) == 1
    assert "Der Dienst antrag hat keine Betriebsaufgaben" in capsys.readouterr().err
    assert not (no_keys / "caseplan.db").exists()


def test_the_cli_no_longer_offers_the_tasks_itself(capsys):
    with pytest.raises(SystemExit) as exited:
        pakt(["caseplan", "rotate-key"])
    assert exited.value.code == 2
    assert "invalid choice: 'rotate-key'" in capsys.readouterr().err


def test_the_operator_is_named_in_the_access_log(monkeypatch):
    monkeypatch.setattr(ops.getpass, "getuser", lambda: "anna meier")
    assert ops.operator() == "betrieb:anna_meier"

    def no_user():
        raise KeyError("uid not found")

    monkeypatch.setattr(ops.getpass, "getuser", no_user)
    assert ops.operator() == "betrieb:unbekannt"


def test_dev_keys_creates_a_private_key_file_once(tmp_path, capsys):
    path = tmp_path / "caseplan-keys"
    assert ops.main(["dev-keys", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"Schlüsseldatei {path} angelegt."
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    assert ops.main(["dev-keys", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"Schlüsseldatei {path} vorhanden."
    assert path.read_text() == content
    ring = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(path)})
    assert ring.index_key is not None
    assert content not in capsys.readouterr().out  # never prints key material


def test_the_local_stack_creates_its_keys_by_running_the_service(tmp_path):
    """What `pakt up` does before it starts the services: the service's entry point, in a process
    of its own, writes the key file the case-plan service then reads."""
    stack = Stack(StackConfig(data_dir=tmp_path))
    stack.ensure_caseplan_keys()
    assert stat.S_IMODE(stack.caseplan_keys.stat().st_mode) == 0o600
    ring = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(stack.caseplan_keys)})
    blob = FieldCipher(ring).encrypt("Testperson 0001", b"person:p:name")
    stack.ensure_caseplan_keys()  # kept, so what was encrypted stays readable
    again = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(stack.caseplan_keys)})
    assert FieldCipher(again).decrypt(blob, b"person:p:name") == "Testperson 0001"


def test_the_local_stack_stops_when_its_keys_cannot_be_created(tmp_path):
    (tmp_path / "caseplan-keys").mkdir()  # in the way of the key file
    with pytest.raises(ChildFailed) as failed:
        Stack(StackConfig(data_dir=tmp_path)).ensure_caseplan_keys()
    assert "Schlüssel des Fallplan-Dienstes nicht angelegt (Exit-Code 1)" in str(failed.value)
    assert "Schlüsseldatei" in str(failed.value)
