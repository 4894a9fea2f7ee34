"""Workarounds for slow spots and missing interfaces in the libraries the project runs on.

The only module that touches a library's private names. Each workaround is reported in
docs/upstream.md, and a test in tests/test_upstream.py fails once the library changes
the code it works around, so that the workaround is fixed or removed rather than kept
out of habit, or left to fail silently.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

# ZenML checks a deployment every 5 s while it starts; a local one answers /health a
# few seconds in, so a deploy waited 2.5 s too long on average (up to 5 s). Deployers
# in the cloud take minutes and each check calls their API, so they keep ZenML's pace.
DEPLOYMENT_POLL_SECONDS = 0.5
SHORT_POLL_DEPLOYERS = ("local", "docker")


def exit_without_teardown(command: Callable[[], object]) -> NoReturn:
    """Run a command line, then end the process without freeing every loaded module.

    Once ZenML, MLflow and pyarrow are loaded, the interpreter's teardown takes 1.7 s
    after the work is done, and now and then aborts a process that succeeded
    (docs/upstream.md). Here the process ends as Python ends it, minus that teardown:
    threads that are not daemons are waited for, exit handlers run (MLflow ends its
    run, ZenML ships its logs), output is flushed, and the exit status is the
    command's. An exception other than SystemExit propagates, with its traceback and
    the ordinary teardown.
    """
    try:
        command()
        status = 0
    except SystemExit as done:
        status = _exit_status(done.code)
    # What the interpreter does first on exit: wake idle thread pools, join threads.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`run.py | head`) or stream
            pass
    os._exit(status)


def _exit_status(code: object) -> int:
    """Return the status Python gives `sys.exit(code)`, printing a message code as it does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


# The logger with which ZenML's local orchestrator reports a failed step, traceback included.
LOCAL_ORCHESTRATOR_LOGGER = "zenml.orchestrators.local.local_orchestrator"


def failed_steps_without_traceback(expected: tuple[type[BaseException], ...]) -> None:
    """Make the local orchestrator report a step failed by an `expected` error in one line.

    ZenML logs every failed step with its traceback, then the run fails with the same
    error, which `run.py` prints as one line naming the fix. For the project's own data
    errors the traceback only buries that line; any other error keeps its traceback.
    """
    logger = logging.getLogger(LOCAL_ORCHESTRATOR_LOGGER)
    if not any(isinstance(known, _NoTracebackFor) for known in logger.filters):
        logger.addFilter(_NoTracebackFor(expected))


class _NoTracebackFor(logging.Filter):
    """Drops the traceback from records whose exception is one of `expected`."""

    def __init__(self, expected: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.expected = expected

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.expected):
            record.exc_info = None
            record.exc_text = None
        return True


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
    deployer_flavor: str,
    seconds: float = DEPLOYMENT_POLL_SECONDS,
    on_wait: Callable[[], object] | None = None,
) -> Iterator[None]:
    """Within the block, a deployer on this machine waits at most `seconds` between checks.

    Other flavors keep ZenML's own interval. `on_wait`, if given, is called before each
    wait of any flavor: ZenML waits only once the deployment is provisioned, so the
    first call says that what is left is the wait for the service to answer.
    """
    from zenml.deployers import base_deployer

    cap = seconds if deployer_flavor in SHORT_POLL_DEPLOYERS else None
    original = base_deployer.time
    base_deployer.time = _WatchedSleeps(cap, on_wait)
    try:
        yield
    finally:
        base_deployer.time = original


class _WatchedSleeps:
    """The `time` module, with every sleep cut to at most `cap` and announced to `on_wait`."""

    def __init__(self, cap: float | None, on_wait: Callable[[], object] | None) -> None:
        self.cap = cap
        self.on_wait = on_wait

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, wanted: float) -> None:
        if self.on_wait is not None:
            self.on_wait()
        time.sleep(wanted if self.cap is None else min(wanted, self.cap))


# The online service: ZenML's deployment internals that serving/ builds on. ZenML 0.98
# offers them as extension points (a service class, app extensions) without a stable
# interface, so each is reached here only, and tests/test_upstream.py checks its shape.

ROWS_PARAMETER = "rows"


def deployment_app_parts(app_runner: Any) -> tuple[Any, Any, Any]:
    """Return an app extension's FastAPI app, deployment and deployment service."""
    return app_runner.asgi_app, app_runner.deployment, app_runner.service


def run_state() -> Any:
    """Return what the pipeline's init hook returned, in the service's process."""
    from zenml.steps.step_context import get_or_create_run_context

    return get_or_create_run_context().state


def record_pipeline_run(
    service: Any, parameters: dict[str, Any]
) -> tuple[bool, str | None, dict[str, Any] | None]:
    """Run the deployed pipeline once on `parameters`, as `/invoke` does.

    Returns whether the run succeeded, its id and its outputs (in memory: the outputs
    are not stored as artifacts).
    """
    request_model, _ = service.get_pipeline_invoke_models()
    response = service.execute_pipeline(
        request_model(parameters=parameters, skip_artifact_materialization=True)
    )
    run_id = str(response.metadata.run_id) if response.metadata.run_id else None
    return response.success, run_id, response.outputs


def rows_kept_out_of_store(service_class: type) -> type:
    """Return a subclass of a deployment service that stores no request rows.

    ZenML stores the parameters of every request in the snapshot of its run. The
    subclass stores the snapshot with the `rows` parameter left at its default (no
    rows), and hands the rows to the step only through the snapshot held in this
    process's memory.
    """

    class RowsKeptOutOfStore(service_class):  # type: ignore[misc, valid-type]
        def _prepare_execute_with_orchestrator(
            self, run_name: str | None, resolved_params: dict[str, Any]
        ) -> tuple[Any, Any]:
            stored = {
                name: value for name, value in resolved_params.items() if name != ROWS_PARAMETER
            }
            run, snapshot = super()._prepare_execute_with_orchestrator(run_name, stored)
            for step in snapshot.step_configurations.values():
                if ROWS_PARAMETER in step.config.parameters:
                    step.config.parameters[ROWS_PARAMETER] = resolved_params.get(ROWS_PARAMETER, [])
            return run, snapshot

    return RowsKeptOutOfStore
