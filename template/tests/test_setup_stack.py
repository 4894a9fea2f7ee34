"""The stack set-up reads configs/stack.yaml and the user's overrides safely."""

from pathlib import Path

import pytest
import yaml

from scripts.setup_stack import deep_merge, fields_with_credentials, load_stack_spec

STACK = {
    "name": "demo_local",
    "zenml_server_url": "",
    "components": {
        "orchestrator": {"name": "demo_orchestrator", "flavor": "local"},
        "experiment_tracker": {
            "name": "demo_mlflow",
            "flavor": "mlflow",
            "configuration": {"tracking_uri": "https://mlflow.example.com"},
        },
    },
}


def write_stack(folder: Path, local: object) -> tuple[Path, Path]:
    """Write a stack file and a local override file; return their paths."""
    stack, override = folder / "stack.yaml", folder / "stack.local.yaml"
    stack.write_text(yaml.safe_dump(STACK))
    override.write_text(yaml.safe_dump(local))
    return stack, override


def test_local_settings_merge_over_the_stack_mapping_by_mapping() -> None:
    merged = deep_merge(
        STACK,
        {"components": {"experiment_tracker": {"configuration": {"tracking_uri": "http://m"}}}},
    )
    tracker = merged["components"]["experiment_tracker"]
    assert tracker == {
        "name": "demo_mlflow",
        "flavor": "mlflow",
        "configuration": {"tracking_uri": "http://m"},
    }
    assert merged["components"]["orchestrator"] == STACK["components"]["orchestrator"]
    assert STACK["components"]["experiment_tracker"]["configuration"]["tracking_uri"] == (
        "https://mlflow.example.com"
    )


def test_the_spec_is_the_stack_with_local_settings_over_it(tmp_path: Path) -> None:
    stack, local = write_stack(tmp_path, {"components": {"orchestrator": {"connector": "k8s"}}})
    spec = load_stack_spec(stack, local)
    assert spec["components"]["orchestrator"] == {
        "name": "demo_orchestrator",
        "flavor": "local",
        "connector": "k8s",
    }


def test_an_empty_local_file_changes_nothing(tmp_path: Path) -> None:
    stack, local = write_stack(tmp_path, {})
    assert load_stack_spec(stack, local) == STACK


def test_a_placeholder_left_unfilled_stops_the_set_up(tmp_path: Path) -> None:
    override = {"components": {"experiment_tracker": {"configuration": {"x": "<bucket>"}}}}
    stack, local = write_stack(tmp_path, override)
    with pytest.raises(SystemExit, match="experiment_tracker.configuration.x is still a place"):
        load_stack_spec(stack, local)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"zenml_server_url": "https://ada:pa55word@zenml.example.com"}, "zenml_server_url"),
        (
            {
                "components": {
                    "experiment_tracker": {
                        "configuration": {"tracking_uri": "http://ada:pa55word@mlflow:5000"}
                    }
                }
            },
            "components.experiment_tracker.configuration.tracking_uri",
        ),
    ],
)
def test_credentials_in_a_url_stop_the_set_up_without_being_repeated(
    tmp_path: Path, override: dict, field: str
) -> None:
    stack, local = write_stack(tmp_path, override)
    with pytest.raises(SystemExit) as stopped:
        load_stack_spec(stack, local)
    message = str(stopped.value)
    assert message.startswith(f"{field} holds credentials in its URL")
    assert "ZenML secret" in message and "\n" not in message
    assert "pa55word" not in message


def test_only_urls_with_a_user_or_password_count_as_credentials() -> None:
    spec = {
        "a": "https://mlflow.example.com/path?user=x@y",
        "b": ["s3://bucket/zenml", "git@github.com:org/repo"],
        "c": {"d": "https://token@host", "e": 5},
    }
    assert fields_with_credentials(spec) == ["c.d"]
