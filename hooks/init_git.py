"""Copier task: make a newly generated project a git repository with a first commit.

`copier update` needs the project under git. This runs in the destination after
`copier copy --trust`, touches nothing outside it, and does nothing when the
destination is already inside a git work tree or when git is not installed.

Usage: python init_git.py AUTHOR_NAME AUTHOR_EMAIL
(the author is used only when git has no identity configured). A git that fails
only gets a warning: the project is complete without the commit, and a failing task
would make Copier delete it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def git(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in the current directory and return the finished process."""
    return subprocess.run(["git", *args], capture_output=True, text=True, env=env)


def main(author_name: str, author_email: str) -> int:
    """Initialise the repository and commit the generated files, once."""
    if shutil.which("git") is None:
        print("git is not installed: run `git init` and commit before `copier update`.")
        return 0
    if git("rev-parse", "--is-inside-work-tree").returncode == 0:
        print("The project is already inside a git repository; nothing to do.")
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
        ("add", "--all"),
        (
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "--message",
            "Generate the project from zenml-e2e-template",
        ),
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
    print("Made the project a git repository with a first commit.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
