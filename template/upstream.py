"""Workarounds for slow spots in the libraries the project runs on.

Each one is measured here and reported in docs/upstream.md, and a test in
tests/test_upstream.py fails once the library changes the code it works around, so
that the workaround is removed rather than kept out of habit.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# ZenML checks a deployment every 5 s while it starts; a local one answers /health a
# few seconds in, so a deploy waited 2.5 s too long on average (up to 5 s). Deployers
# in the cloud take minutes and each check calls their API, so they keep ZenML's pace.
DEPLOYMENT_POLL_SECONDS = 0.5
SHORT_POLL_DEPLOYERS = ("local", "docker")


def cache_package_lookups() -> None:
    """Make ZenML read the installed packages' metadata once per process, not per artifact.

    ZenML 0.98 resolves the package of every stored artifact's type through
    `importlib.metadata.packages_distributions()`, which reads the metadata of every
    installed distribution: 0.22 s a call here, 7.2 s of a cold `python run.py` (33
    outputs). Installed packages do not change while a run stores its artifacts. The
    replacement gives the same answer as ZenML's own function.
    """
    from zenml.utils import source_utils

    source_utils._get_package_for_module = package_for_module


def package_for_module(module_name: str) -> str | None:
    """Return the one distribution that provides `module_name`'s top-level package."""
    names = _packages_by_module().get(module_name.split(".", maxsplit=1)[0], [])
    return names[0] if len(names) == 1 else None


@functools.cache
def _packages_by_module() -> Mapping[str, list[str]]:
    import importlib.metadata

    return importlib.metadata.packages_distributions()


@contextmanager
def short_deployment_polls(
    deployer_flavor: str, seconds: float = DEPLOYMENT_POLL_SECONDS
) -> Iterator[None]:
    """Within the block, a deployer on this machine waits at most `seconds` between checks.

    Other flavors keep ZenML's own interval.
    """
    from zenml.deployers import base_deployer

    if deployer_flavor not in SHORT_POLL_DEPLOYERS:
        yield
        return
    original = base_deployer.time
    base_deployer.time = _ShortSleeps(seconds)
    try:
        yield
    finally:
        base_deployer.time = original


class _ShortSleeps:
    """The `time` module, with every sleep cut to at most `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, wanted: float) -> None:
        time.sleep(min(wanted, self.seconds))
