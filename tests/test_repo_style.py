"""The template repository's own Python code is linted and formatted."""

from conftest import FILE_SECONDS, REPO_ROOT, assert_ruff_clean


def test_repository_code_passes_ruff() -> None:
    assert_ruff_clean(REPO_ROOT)


def test_the_file_order_names_only_test_files_that_exist() -> None:
    present = {path.name for path in (REPO_ROOT / "tests").glob("test_*.py")}
    assert set(FILE_SECONDS) <= present, sorted(set(FILE_SECONDS) - present)
