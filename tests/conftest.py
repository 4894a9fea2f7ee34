"""Rendering helpers shared by the template's tests."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from generated_project import render  # noqa: E402

QUESTIONS = {
    name
    for name in yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    if not name.startswith("_")
}

Renderer = Callable[..., Path]


@pytest.fixture
def render_project(tmp_path: Path) -> Renderer:
    """Return a function that renders the template with the given answers."""

    def _render(name: str = "project", **answers: Any) -> Path:
        undeclared = set(answers) - QUESTIONS
        assert not undeclared, f"not questions of copier.yml: {sorted(undeclared)}"
        return render(tmp_path / name, answers)

    return _render
