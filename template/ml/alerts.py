"""The text of the alerts that pipelines send on success and on failure."""

from __future__ import annotations

import re
from collections.abc import Sequence

# The user name and password part of a URL, such as `user:password@` in https://user:password@host
URL_CREDENTIALS = re.compile(r"(?<=://)[^/?#@\s]*@")


def without_credentials(text: str) -> str:
    """Return `text` with the user name and password taken out of every URL in it."""
    return URL_CREDENTIALS.sub("", text)


def success_message(pipeline: str, run: str, results: Sequence[str]) -> str:
    """Return the alert for a successful run: a line per result, as each result says it."""
    lines = [f"Pipeline `{pipeline}` succeeded (run `{run}`)."]
    return "\n".join(lines + [f"- {result}" for result in results])


def failure_message(
    pipeline: str, run: str, step: str | None, error: BaseException, dashboard_url: str | None
) -> str:
    """Return the alert for a failed run: where it failed, the error, and a link."""
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    lines = [
        f"Pipeline `{pipeline}` failed (run `{run}`)" + (f" in step `{step}`." if step else "."),
        f"Error: {type(error).__name__}: {first_line}",
    ]
    if dashboard_url:
        lines.append(f"Dashboard: {dashboard_url}")
    return "\n".join(lines)
