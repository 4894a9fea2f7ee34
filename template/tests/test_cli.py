"""The command line works before any stack exists."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run_without_zenml(tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path / "no-zenml-here")}
    return subprocess.run(
        [sys.executable, "run.py", *options],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_help_needs_no_stack(tmp_path: Path) -> None:
    result = run_without_zenml(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "--only-inference" in result.stdout
    assert not (tmp_path / "no-zenml-here").exists()


def test_contradictory_options_are_refused_before_any_stack_is_read(tmp_path: Path) -> None:
    result = run_without_zenml(tmp_path, "--only-training", "--only-inference")
    assert result.returncode == 2
    assert "Choose --only-training or --only-inference, not both" in result.stderr
    assert not (tmp_path / "no-zenml-here").exists()


def test_a_wrong_setting_stops_the_run_naming_file_and_key(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns(".zenml-home", ".git"))
    config = project / "configs" / "training.yaml"
    config.write_text(config.read_text().replace("    cv_folds:", "    cv_fold:"))
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path / "no-zenml-here")}
    result = subprocess.run(
        [sys.executable, "run.py"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {config}: parameters.search.cv_fold is not a setting "
        "(check its spelling and its group); and parameters.search.cv_folds is missing."
    )
    assert not (tmp_path / "no-zenml-here").exists()
