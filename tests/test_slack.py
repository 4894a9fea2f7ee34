"""Slack alerts, against a local stand-in of Slack's Web API on loopback."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run, zenml_cli
from generated_project import run_in_project, setup_stack
from slack_standin import SlackStandIn

TOKEN = f"xoxb-stand-in-{secrets.token_hex(12)}"
CHANNEL = "C0ALERTS"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn(token=TOKEN).start()
    yield standin
    standin.stop()


def files_holding(project: Path, secret: str) -> list[str]:
    """Return the project's files that contain `secret`, the ZenML secrets store aside."""
    return [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file()
        and not path.name.startswith("zenml.db")
        and secret.encode() in path.read_bytes()
    ]


@pytest.mark.slow
def test_slack_alerts_arrive_and_a_broken_slack_never_breaks_a_run(
    running_project, slack: SlackStandIn
) -> None:
    project = running_project(
        setup=False,
        alerter="slack",
        slack_channel_id=CHANNEL,
        slack_api_url=slack.api_url,
        notify_on_successes=True,
    )
    outputs = []

    # Without the secret, set-up stops and says how to create it.
    missing = run_in_project(project, ["scripts/setup_stack.py"], check=False, capture=True)
    assert missing.returncode != 0
    assert "from the ZenML secret 'slack_token', which does not exist" in missing.stderr
    assert "zenml secret create slack_token -i\nand enter the key 'token'" in missing.stderr
    assert "Traceback" not in missing.stderr
    outputs.append(zenml_cli(project, "secret", "create", "slack_token", f"--token={TOKEN}"))
    setup_stack(project)

    outputs.append(run(project))
    by_pipeline = {
        message["text"].split("`")[1]: message
        for message in slack.messages
        if message["text"].startswith("Pipeline")
    }
    assert sorted(by_pipeline) == ["batch_inference", "training"]
    [serving] = [m["text"] for m in slack.messages if m["text"].startswith("Online serving")]
    assert "serves version 1 of 'zenml_e2e_project'" in serving
    assert {message["channel"] for message in slack.messages} == {CHANNEL}
    training = by_pipeline["training"]["text"]
    assert "- accuracy on the test set: 0." in training
    assert "- promoted: no model version holds the stage yet" in training
    inference = by_pipeline["batch_inference"]["text"]
    assert "- rows predicted: 57" in inference
    assert "- drifted columns: " in inference

    slack.messages.clear()
    outputs.append(run(project, "--fail-on-quality-gates", "--test-threshold", "1.01", check=False))
    [failure] = [message["text"] for message in slack.messages]
    assert failure.startswith("Pipeline `training` failed (run `training-")
    assert "in step `model_evaluator`" in failure
    assert "Error: RuntimeError: Quality gates failed: accuracy on the test set is" in failure

    # However Slack misbehaves, batch inference completes and the log says why.
    slack.messages.clear()
    slack.delay = 8  # longer than the alerter's 5 s timeout
    reasons = {
        "slow": f"Slack alert not sent: no answer from {slack.api_url} within 5 s.",
        "rate_limited": "Slack alert not sent: Slack is rate-limiting this token (HTTP 429",
        "refuse_tokens": "Slack alert not sent: Slack refused the token (invalid_auth).",
        "down": f"Slack alert not sent: cannot reach {slack.api_url} ([Errno 111]",
    }
    for behaviour, reason in reasons.items():
        slack.behaviour = behaviour
        if behaviour == "down":
            slack.stop()
        output = run(project, "--only-inference")  # asserts that the run succeeded
        assert reason in output, behaviour
        assert "Traceback" not in output, behaviour
        outputs.append(output)
    assert slack.messages == []

    assert not [output for output in outputs if TOKEN in output]
    assert files_holding(project, TOKEN) == []
