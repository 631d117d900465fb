"""The stdlib-only contract really fails when a domain-like package imports a
third-party module, and passes when it does not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """\
[importlinter]
root_package = toydomain
include_external_packages = True
contract_types =
    stdlib_only: ktv_archlint.StdlibOnlyContract

[importlinter:contract:stdlib]
name = toydomain imports only the standard library
type = stdlib_only
source_modules = toydomain
"""


def lint(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    pkg = tmp_path / "toydomain"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import model\n")
    (pkg / "model.py").write_text(body)
    (tmp_path / ".importlinter").write_text(CONFIG)
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run([exe, "--config", str(tmp_path / ".importlinter"), "--no-cache"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("module", ["hypothesis", "pytest"])
def test_a_third_party_import_breaks_the_contract(tmp_path: Path, module: str) -> None:
    result = lint(tmp_path, f"import json\nimport {module}\n")
    assert result.returncode != 0
    assert f"toydomain.model imports {module}" in result.stdout.replace("\n", " ")


def test_standard_library_only_is_kept(tmp_path: Path) -> None:
    result = lint(tmp_path, "import json\nimport zoneinfo\nfrom datetime import UTC\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout
