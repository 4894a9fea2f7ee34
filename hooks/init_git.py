"""Copier task: make a newly generated project a git repository with a first commit.

`copier update` needs the project under git. This runs in the destination after
`copier copy --trust`, touches nothing outside it, and does nothing when the
destination is already inside a git work tree or when git is not installed.

Only the files the template wrote are committed: the destination may already have
held files of the user's (a `.env`, private data), and a first commit must never
publish them. The template's own file set is found by rendering the same template
version with the same answers into a temporary folder; when that fails, nothing is
committed and the task says why.

Usage: python init_git.py AUTHOR_NAME AUTHOR_EMAIL TEMPLATE_PATH TEMPLATE_COMMIT ANSWERS_FILE
(the author is used only when git has no identity configured). A git that fails
only gets a warning: the project is complete without the commit, and a failing task
would make Copier delete it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

COMMIT_MESSAGE = "Generate the project from zenml-e2e-template"


def git(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in the current directory and return the finished process."""
    return subprocess.run(["git", *args], capture_output=True, text=True, env=env)


def files_under(folder: Path) -> set[str]:
    """Return the paths, relative to `folder` and with '/', of the files under it."""
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


def template_files(template: str, commit: str, answers_file: Path) -> set[str]:
    """Return the files that `template` renders with the answers in `answers_file`."""
    from copier import run_copy

    answers = yaml.safe_load(answers_file.read_text()) or {}
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    with tempfile.TemporaryDirectory() as scratch:
        run_copy(
            template,
            scratch,
            data=data,
            defaults=True,
            quiet=True,
            skip_tasks=True,
            vcs_ref=commit or None,
        )
        return files_under(Path(scratch))


def main(
    author_name: str,
    author_email: str,
    template: str = "",
    commit: str = "",
    answers_file: str = ".copier-answers.yml",
) -> int:
    """Initialise the repository and commit the files the template wrote, once."""
    if shutil.which("git") is None:
        print("git is not installed: run `git init` and commit before `copier update`.")
        return 0
    if git("rev-parse", "--is-inside-work-tree").returncode == 0:
        print("The project is already inside a git repository; nothing to do.")
        return 0
    try:
        own = template_files(template, commit, Path(answers_file)) & files_under(Path.cwd())
    except Exception as error:  # noqa: BLE001 - the project is complete without the commit
        print(
            f"Made no first commit: could not tell the template's files from others here "
            f"({type(error).__name__}). Commit the project yourself before `copier update`.",
            file=sys.stderr,
        )
        return 0
    env = dict(os.environ)
    identity = (
        git("config", "user.name").stdout.strip(),
        git("config", "user.email").stdout.strip(),
    )
    if not all(identity):
        env.update(
            GIT_AUTHOR_NAME=author_name,
            GIT_AUTHOR_EMAIL=author_email,
            GIT_COMMITTER_NAME=author_name,
            GIT_COMMITTER_EMAIL=author_email,
        )
    for args in (
        ("init", "--quiet"),
        ("add", "--", *sorted(own)),
        ("-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", COMMIT_MESSAGE),
    ):
        result = git(*args, env=env)
        if result.returncode != 0:
            # The project is complete without the commit: warn, never fail the copy.
            print(
                f"Could not make the first commit (git {' '.join(args[:1])}: "
                f"{result.stderr.strip()}). Commit the project yourself before "
                "`copier update`.",
                file=sys.stderr,
            )
            return 0
    others = sorted(files_under(Path.cwd()) - own)
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" * (len(others) > 3))
        print(
            f"Made the project a git repository and committed only the template's files; "
            f"{len(others)} file(s) that were already here are left out of git ({shown})."
        )
    else:
        print("Made the project a git repository with a first commit.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
