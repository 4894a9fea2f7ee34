"""The text of alerts."""

from ml.alerts import failure_message, success_message


def test_success_message_lists_the_details() -> None:
    message = success_message("training", "run-1", {"promote": True, "new_score": 0.97})
    assert message.splitlines() == [
        "Pipeline `training` succeeded (run `run-1`).",
        "- promote: True",
        "- new_score: 0.97",
    ]


def test_failure_message_names_the_step_and_the_first_error_line() -> None:
    error = RuntimeError("Quality gates failed.\nDetails follow")
    message = failure_message("training", "run-2", "model_evaluator", error, None)
    assert "in step `model_evaluator`" in message
    assert "RuntimeError: Quality gates failed." in message
    assert "Details follow" not in message
    assert "Dashboard" not in message
