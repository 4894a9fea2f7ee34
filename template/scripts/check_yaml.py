"""Check that the YAML files given on the command line parse; name each one that does not.

Run by `make lint` on configs/ and by the pre-commit hook on the YAML files a commit
touches. Exits with 1 when a file is not valid YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def invalid_yaml(paths: list[str]) -> list[str]:
    """Return one line per file that is not valid YAML: its path and the parser's reason."""
    problems = []
    for path in paths:
        try:
            yaml.safe_load(Path(path).read_text())
        except yaml.YAMLError as error:
            reason = " ".join(str(error).split())
            problems.append(f"{path} is not valid YAML: {reason}")
    return problems


def main() -> None:
    """Print the files that are not valid YAML, and fail when there is one."""
    problems = invalid_yaml(sys.argv[1:])
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
