"""The template repository's own Python code is linted and formatted."""

from conftest import REPO_ROOT, assert_ruff_clean


def test_repository_code_passes_ruff() -> None:
    assert_ruff_clean(REPO_ROOT)
