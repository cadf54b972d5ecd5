"""The contracts in proto/: buf lint is clean, the committed generated code is current, and the
fields and enum values that municipal systems rely on are what the docs promise."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from google.protobuf.descriptor import FieldDescriptor

from pakt.antrag.v1 import antrag_pb2
from pakt.common.v1 import programm_pb2

ROOT = Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def _generated_files(root: Path) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file() and p.name.endswith(GENERATED_SUFFIXES) and ".venv" not in p.parts
    }


def _load_gen_proto():
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "scripts" / "gen_proto.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_buf_lint_is_clean():
    buf = Path(sys.executable).parent / "buf"
    assert buf.exists(), f"buf not found at {buf}: install the dev extras (buf-bin)"
    result = subprocess.run([str(buf), "lint"], cwd=PROTO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"buf lint failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip() == "", f"buf lint reported:\n{result.stdout}"


def test_committed_generated_code_is_not_stale(tmp_path):
    _load_gen_proto().generate(tmp_path)
    fresh = _generated_files(tmp_path)
    committed = _generated_files(ROOT / "pakt")
    committed = {"pakt/" + name: path for name, path in committed.items()}

    # One module per .proto file and kind (messages, type stubs, gRPC stubs).
    assert len(fresh) == 3 * len(list(PROTO.rglob("*.proto")))
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    assert not missing, f"generated files not committed: {missing}; run `make proto`"
    assert not extra, f"committed generated files without a .proto: {extra}; run `make proto`"
    stale = sorted(name for name in fresh if fresh[name].read_bytes() != committed[name].read_bytes())
    assert not stale, f"generated code is stale: {stale}; run `make proto`"


def test_submit_antrag_request_fields_and_types():
    fields = antrag_pb2.SubmitAntragRequest.DESCRIPTOR.fields_by_name
    expected = {
        "request_id": (1, FieldDescriptor.TYPE_STRING),
        "antragsteller_ags": (2, FieldDescriptor.TYPE_STRING),
        "programm": (3, FieldDescriptor.TYPE_ENUM),
        "foerderjahr": (4, FieldDescriptor.TYPE_INT32),
        "betrag_cent": (5, FieldDescriptor.TYPE_INT64),
    }
    for name, (number, type_) in expected.items():
        assert name in fields, f"SubmitAntragRequest lacks {name}"
        assert (fields[name].number, fields[name].type) == (number, type_), name
        assert not fields[name].is_repeated, name
    assert fields["programm"].enum_type.full_name == "pakt.common.v1.Programm"


def test_programm_enum_is_exactly_the_four_programmes():
    values = {v.name: v.number for v in programm_pb2.Programm.DESCRIPTOR.values}
    assert values == {
        "PROGRAMM_UNSPECIFIED": 0,
        "PROGRAMM_INTEGRATIONSMANAGEMENT": 1,
        "PROGRAMM_JUNGE_FLUECHTLINGE": 2,
        "PROGRAMM_SPRACHERWERB": 3,
        "PROGRAMM_EHRENAMT": 4,
    }


def test_antrag_status_has_the_states_of_an_application():
    names = set(antrag_pb2.AntragStatus.keys())
    assert antrag_pb2.AntragStatus.Value("ANTRAG_STATUS_UNSPECIFIED") == 0
    for state in ["EINGEGANGEN", "BEWILLIGT", "TEILWEISE_BEWILLIGT", "ABGELEHNT", "ZURUECKGEZOGEN"]:
        assert f"ANTRAG_STATUS_{state}" in names, state
    assert all(name.startswith("ANTRAG_STATUS_") for name in names)
