"""Serving starts in a thread that lets batch inference run while the service starts."""

import threading
from concurrent.futures import Future
from typing import Any

import click
import pytest

import run
from ml.settings import (
    BatchInferenceConfig,
    MonitoringConfig,
    ServingConfig,
    TrainingConfig,
    load_settings,
)
from serving import deploy
from serving.deploy import ServingState, start_serving
from serving.identity import IdentityCheck

URL = "http://127.0.0.1:8000"
STATE = ServingState(
    1, URL, IdentityCheck(URL, True, True, "this deployment's service"), "deployed"
)


def test_start_returns_once_the_service_is_starting_and_the_future_gives_the_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answering = threading.Event()

    def serve(config: Any, on_starting: Any) -> ServingState:
        on_starting()  # provisioned: ZenML now waits for /health
        assert answering.wait(timeout=30)
        return STATE

    monkeypatch.setattr(deploy, "serve", serve)
    started = start_serving(ServingConfig.load())
    assert not started.done()  # the caller goes on while the service starts
    answering.set()
    assert started.result(timeout=30) == STATE


@pytest.mark.parametrize("error", [RuntimeError("no deployer answers"), SystemExit(0)])
def test_a_failure_before_the_service_starts_reaches_the_caller(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    def serve(config: Any, on_starting: Any) -> ServingState:
        raise error

    monkeypatch.setattr(deploy, "serve", serve)
    started = start_serving(ServingConfig.load())
    assert started.exception(timeout=30) is error


class NeverAnswers(Future):
    """A service still starting; waiting for it fails the test instead of hanging it."""

    def result(self, timeout: float | None = None) -> Any:
        raise AssertionError("the run waited for a service that was still starting")


def test_a_failed_batch_inference_does_not_wait_for_a_service_still_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_batch(*args: Any) -> None:
        raise click.ClickException("Pipeline batch_inference failed in step `inference_predict`")

    monkeypatch.setattr(deploy, "start_serving", lambda config: NeverAnswers())
    monkeypatch.setattr(run, "run_pipeline", failing_batch)
    with pytest.raises(click.ClickException) as failure:
        run.predict_while_serving(
            load_settings("training", TrainingConfig),
            load_settings("batch_inference", BatchInferenceConfig),
            load_settings("monitoring", MonitoringConfig),
            ServingConfig.load(),
            no_cache=False,
        )
    assert failure.value.message == "Pipeline batch_inference failed in step `inference_predict`"
    assert capsys.readouterr().err.strip() == run.STILL_STARTING
