"""The command line works before any stack exists."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def test_help_needs_no_stack(tmp_path: Path) -> None:
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path / "no-zenml-here")}
    result = subprocess.run(
        [sys.executable, "run.py", "--help"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--only-inference" in result.stdout
    assert not (tmp_path / "no-zenml-here").exists()
