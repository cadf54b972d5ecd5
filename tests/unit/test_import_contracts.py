"""The dependency directions hold: `lint-imports` checks the contracts in pyproject.toml
([tool.importlinter]): services independent of each other, pakt/ never importing a service, the
dashboard importing neither a service nor the CLI, services importing neither the CLI nor the
dashboard, and each service's domain.py free of the database, gRPC and the broker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.is_file(), f"{lint_imports} missing: import-linter is a dev extra (pip install -e '.[dev]')"
    # --no-cache: nothing written into the working tree; the graph is small enough to build each time.
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=240
    )
    output, returncode = result.stdout + result.stderr, result.returncode
    print(output)  # pytest shows it with the failure: which contract broke, by which import chain
    assert returncode == 0, "lint-imports: an import contract is broken (its output under 'Captured stdout')"
    assert "0 broken" in output
