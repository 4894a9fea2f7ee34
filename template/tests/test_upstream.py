"""Workarounds for library slow spots: they work, and the code they work around is there."""

import importlib.metadata
import inspect
import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from zenml.deployers import base_deployer
from zenml.utils import source_utils

from upstream import (
    DEPLOYMENT_POLL_SECONDS,
    LOCAL_ORCHESTRATOR_LOGGER,
    _packages_by_module,
    cache_package_lookups,
    failed_steps_without_traceback,
    run_state,
    short_deployment_polls,
)


@pytest.mark.parametrize(
    ("ending", "status", "printed"),
    [
        ("pass", 0, ""),
        ("raise SystemExit(3)", 3, ""),
        ("raise SystemExit('no stage: train first')", 1, "no stage: train first"),
    ],
)
def test_exit_without_teardown_keeps_what_python_would_do(
    tmp_path: Path, ending: str, status: int, printed: str
) -> None:
    script = tmp_path / "command.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import atexit, threading
            from concurrent.futures import ThreadPoolExecutor
            from pathlib import Path
            from upstream import exit_without_teardown

            # A pool still referenced at exit: its idle worker ends only when woken.
            pool = ThreadPoolExecutor(1)

            def command():
                atexit.register(lambda: Path("handler").write_text("ran"))
                # Still running when the command ends: the exit must wait for it.
                worker = threading.Timer(0.3, lambda: Path("thread").write_text("done"))
                worker.start()
                pool.submit(print, "unflushed", end="").result()
                {ending}

            exit_without_teardown(command)
            """
        )
    )
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={"PYTHONPATH": root, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (status, "unflushed")
    assert result.stderr.strip() == printed
    assert (tmp_path / "handler").read_text() == "ran"
    assert (tmp_path / "thread").read_text() == "done"


def test_package_lookups_read_the_metadata_once(monkeypatch: pytest.MonkeyPatch) -> None:
    zenml_lookup = source_utils._get_package_for_module
    monkeypatch.setattr(source_utils, "_get_package_for_module", zenml_lookup)
    modules = ["sklearn.pipeline", "pandas", "numpy.core", "builtins", "ml.prediction"]
    expected = [zenml_lookup(module) for module in modules]
    assert expected[:2] == ["scikit-learn", "pandas"]
    reads = []
    real = importlib.metadata.packages_distributions
    monkeypatch.setattr(
        importlib.metadata, "packages_distributions", lambda: reads.append(1) or real()
    )
    _packages_by_module.cache_clear()
    cache_package_lookups()
    answers = [source_utils._get_package_for_module(module) for module in modules * 2]
    assert answers == expected * 2
    assert len(reads) == 1


def test_zenml_still_reads_the_metadata_on_every_lookup() -> None:
    # When this fails, ZenML caches the lookup itself: remove cache_package_lookups.
    assert "packages_distributions().get(" in inspect.getsource(source_utils)


def test_deployment_polls_are_short_inside_the_block_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    waits: list[str] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    with short_deployment_polls("local", on_wait=lambda: waits.append("local")):
        base_deployer.time.sleep(5)
        base_deployer.time.sleep(0.1)
        assert base_deployer.time.time() == pytest.approx(time.time(), abs=1)
    assert base_deployer.time is time
    with short_deployment_polls("gcp", on_wait=lambda: waits.append("gcp")):
        base_deployer.time.sleep(5)
    with short_deployment_polls("local"):
        base_deployer.time.sleep(5)
    assert slept == [DEPLOYMENT_POLL_SECONDS, 0.1, 5, DEPLOYMENT_POLL_SECONDS]
    assert waits == ["local", "local", "gcp"]


def test_zenml_deployers_still_poll_every_five_seconds() -> None:
    # When this fails, ZenML polls differently: remove short_deployment_polls.
    source = inspect.getsource(base_deployer.BaseDeployer._poll_deployment)
    assert "sleep_time = 5" in source and "time.sleep(sleep_time)" in source
    # serving.deploy.start_serving takes the first sleep as "provisioned, now waiting".
    assert inspect.getsource(base_deployer).count("sleep(") == 1


def test_zenml_still_spreads_one_materializer_over_a_set_of_outputs() -> None:
    # When this fails, ZenML keeps the outputs' order: steps may pass one materializer.
    from zenml.steps.base_step import BaseStep

    assert "allowed_output_names = set(" in inspect.getsource(BaseStep.configure)


# The online service's touches of ZenML's deployment internals (upstream.py, second part).
# Each test fails when ZenML changes what serving/ relies on; fix upstream.py then.


def test_zenml_still_stores_each_request_through_the_method_that_keeps_rows_out() -> None:
    # If ZenML renamed or bypassed this method, request rows would be stored again, silently.
    from zenml.deployers.server.service import PipelineDeploymentService

    from serving.service import PrivateRowsDeploymentService

    prepare = PipelineDeploymentService._prepare_execute_with_orchestrator
    assert list(inspect.signature(prepare).parameters) == ["self", "run_name", "resolved_params"]
    assert "deployment_parameters=resolved_params" in inspect.getsource(prepare)
    assert "self._prepare_execute_with_orchestrator(" in inspect.getsource(
        PipelineDeploymentService.prepare_pipeline_run
    )
    assert "self.prepare_pipeline_run(" in inspect.getsource(
        PipelineDeploymentService.execute_pipeline
    )
    ours = PrivateRowsDeploymentService._prepare_execute_with_orchestrator
    assert ours is not prepare
    assert ours.__module__ == "upstream" and "ROWS_PARAMETER" in inspect.getsource(ours)


def test_the_run_state_is_what_zenml_keeps_from_the_init_hook() -> None:
    from zenml.orchestrators.base_orchestrator import BaseOrchestrator
    from zenml.steps.step_context import RunContext

    assert "run_context.initialize(run_state)" in inspect.getsource(BaseOrchestrator.run_init_hook)
    RunContext._clear()
    try:
        state = object()
        RunContext().initialize(state)
        assert run_state() is state
    finally:
        RunContext._clear()


def test_zenml_still_invokes_a_deployment_as_record_pipeline_run_does() -> None:
    from zenml.deployers.server.app import BaseDeploymentAppRunner
    from zenml.deployers.server.models import (
        BaseDeploymentInvocationRequest,
        BaseDeploymentInvocationResponse,
        DeploymentInvocationResponseMetadata,
    )

    invoke = inspect.getsource(BaseDeploymentAppRunner)
    assert "self.service.get_pipeline_invoke_models()" in invoke
    assert "self.service.execute_pipeline(request)" in invoke
    request_fields = BaseDeploymentInvocationRequest.model_fields
    assert {"parameters", "skip_artifact_materialization"} <= set(request_fields)
    assert {"success", "outputs", "metadata"} <= set(BaseDeploymentInvocationResponse.model_fields)
    assert "run_id" in DeploymentInvocationResponseMetadata.model_fields


def test_zenml_still_hands_an_app_extension_the_parts_serving_uses() -> None:
    from zenml.config import AppExtensionSpec, DeploymentSettings
    from zenml.deployers.server.app import BaseDeploymentAppRunner

    assert isinstance(BaseDeploymentAppRunner.asgi_app, property)
    runner = inspect.getsource(BaseDeploymentAppRunner.__init__)
    assert "self.deployment = " in runner and "self.service = " in runner
    assert "app_runner=self," in inspect.getsource(BaseDeploymentAppRunner.install_extensions)
    assert {"extension", "extension_kwargs"} <= set(AppExtensionSpec.model_fields)
    settings = set(DeploymentSettings.model_fields)
    assert {"deployment_service_class", "app_extensions", "uvicorn_host"} <= settings


def test_a_step_failed_by_a_data_error_is_logged_without_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ml.data import DataError

    logger = logging.getLogger(LOCAL_ORCHESTRATOR_LOGGER)
    kept = list(logger.filters)
    try:
        failed_steps_without_traceback((DataError,))
        failed_steps_without_traceback((DataError,))
        assert len(logger.filters) == len(kept) + 1
        for error in (DataError("add rows"), RuntimeError("a bug")):
            try:
                raise error
            except Exception:
                logger.exception("Step %s failed.", "train_data_splitter")
    finally:
        logger.filters[:] = kept
    data_error, bug = caplog.records[-2:]
    assert data_error.getMessage() == "Step train_data_splitter failed."
    assert data_error.exc_info is None
    assert bug.exc_info is not None and "RuntimeError: a bug" in caplog.text


def test_zenml_still_logs_a_failed_step_with_its_traceback_there() -> None:
    # When this fails, ZenML reports failed steps elsewhere: move the filter there.
    from zenml.orchestrators.local import local_orchestrator

    assert local_orchestrator.logger.name == LOCAL_ORCHESTRATOR_LOGGER
    source = inspect.getsource(local_orchestrator.LocalOrchestrator.submit_pipeline)
    assert 'logger.exception("Step %s failed.", step_name)' in source
