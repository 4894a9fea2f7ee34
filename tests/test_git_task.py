"""The git task commits the files the template wrote, and nothing that was already there."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generated_project import render


def tracked_files(project: Path) -> set[str]:
    """Return the files of the project's first commit."""
    result = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_files_already_in_the_destination_are_never_committed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    destination = tmp_path / "project"
    (destination / "data").mkdir(parents=True)
    (destination / ".env").write_text("SLACK_TOKEN=xoxb-not-for-git\n")
    (destination / "data" / "private.csv").write_text("name,salary\nada,1\n")

    render(destination, {}, tasks=True)

    committed = tracked_files(destination)
    assert ".env" not in committed and "data/private.csv" not in committed
    assert {"README.md", "run.py", "configs/stack.yaml", ".copier-answers.yml"} <= committed
    written = {
        path.relative_to(destination).as_posix()
        for path in destination.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }
    assert committed == written - {".env", "data/private.csv"}
    output = capfd.readouterr().out
    assert "2 file(s) that were already here are left out of git (.env, data/private.csv)" in output
