"""The template repository's own Python code is linted and formatted."""

import subprocess
import sys

from conftest import REPO_ROOT


def test_repository_code_passes_ruff() -> None:
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
