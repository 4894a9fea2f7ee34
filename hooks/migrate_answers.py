"""Copier migration: carry answers renamed between template versions into the project.

Runs in the destination before `copier update` renders the new version. For every
version in `answer_renames.yaml` newer than the project's and no newer than the
target, it renames the answers in the project's answers file, keeping the user's
values, or mapping them where the rename lists `values`. Running it again changes
nothing. Copier passes the versions in the
environment as VERSION_PEP440_FROM and VERSION_PEP440_TO.

Usage: python migrate_answers.py ANSWERS_FILE
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml
from packaging.version import Version

RENAMES_FILE = Path(__file__).resolve().parent / "answer_renames.yaml"


Rename = tuple[str, str, dict[Any, Any]]


def renames_between(renames: dict[str, dict[str, Any]], old: Version, new: Version) -> list[Rename]:
    """Return (old name, new name, value map) of versions in (old, new], oldest first.

    A rename is `old: new`, or `old: {to: new, values: {old value: new value}}`.
    """
    pairs: list[Rename] = []
    for version in sorted(renames, key=Version):
        if old < Version(version) <= new:
            for old_name, rename in renames[version].items():
                if isinstance(rename, dict):
                    pairs.append((old_name, rename["to"], dict(rename.get("values") or {})))
                else:
                    pairs.append((old_name, rename, {}))
    return pairs


def migrate(answers_file: Path, pairs: list[Rename]) -> list[str]:
    """Rename answers in `answers_file`; return a line for each answer renamed."""
    answers = yaml.safe_load(answers_file.read_text()) or {}
    done = []
    for old_name, new_name, values in pairs:
        if old_name not in answers:
            continue
        value = answers.pop(old_name)
        if new_name in answers:
            done.append(f"Dropped the answer {old_name}: {new_name} is already answered.")
            continue
        answers[new_name] = values.get(value, value)
        if answers[new_name] == value:
            done.append(f"Renamed the answer {old_name} to {new_name}, keeping {value!r}.")
        else:
            done.append(
                f"Renamed the answer {old_name} to {new_name}: {value!r} is now "
                f"{answers[new_name]!r}."
            )
    if done:
        header = "# Changes here will be overwritten by Copier; do not edit manually.\n"
        answers_file.write_text(header + yaml.safe_dump(answers, sort_keys=True))
    return done


def main(answers_file: str) -> int:
    """Apply the renames of the versions this update crosses."""
    old = Version(os.environ["VERSION_PEP440_FROM"])
    new = Version(os.environ["VERSION_PEP440_TO"])
    renames = yaml.safe_load(RENAMES_FILE.read_text()) or {}
    for line in migrate(Path(answers_file), renames_between(renames, old, new)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
