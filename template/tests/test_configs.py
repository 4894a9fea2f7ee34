"""The configuration files are valid as rendered, and a wrong one is refused by name."""

from pathlib import Path

import pytest
import yaml

from ml.metrics import get_metric
from ml.search import build_estimator, search_space
from ml.settings import (
    CONFIGS,
    BatchInferenceConfig,
    ServingConfig,
    SettingsError,
    TrainingConfig,
    load_settings,
)
from run import load_docker_settings

TRAINING = load_settings("training", TrainingConfig).parameters
# A metric of the other task, which the training file must refuse.
OTHER_METRIC = "accuracy" if TRAINING.data.task_type == "regression" else "r2"
FIRST_FAMILY = next(iter(TRAINING.search.model_families))


def test_every_file_is_valid() -> None:
    load_settings("batch_inference", BatchInferenceConfig)
    assert ServingConfig.load().model_name == load_settings("training", TrainingConfig).model.name
    assert load_docker_settings()["required_integrations"]
    get_metric(TRAINING.promotion.metric, TRAINING.data.task_type)


@pytest.mark.parametrize("family", sorted(TRAINING.search.model_families))
def test_each_family_builds_and_its_space_parses(family: str) -> None:
    spec = TRAINING.search.model_families[family]
    estimator = build_estimator(spec.estimator, spec.defaults, random_state=0)
    get_metric(TRAINING.promotion.metric).check_estimator(estimator)
    space = search_space(family, spec.search_space, TRAINING.search.strategy)
    assert set(space) <= set(estimator.get_params())


def edited(tmp_path: Path, edit: dict[tuple[str, ...], object]) -> Path:
    """Write configs/training.yaml into tmp_path with the values at `edit`'s key paths."""
    document = yaml.safe_load((CONFIGS / "training.yaml").read_text())
    for path, value in edit.items():
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if value is KeyError:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    (tmp_path / "training.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {("parameters", "search", "cv_fold"): 4},
            "parameters.search.cv_fold is not a setting",
        ),
        (
            {("parameters", "search", "cv_folds"): 1},
            "parameters.search.cv_folds Input should be greater than or equal to 2 (it is 1)",
        ),
        (
            {("parameters", "promotion", "min_improvement"): float("nan")},
            "parameters.promotion.min_improvement Input should be a finite number",
        ),
        (
            {("parameters", "promotion", "metric_compare"): "latest"},
            "parameters.promotion.metric_compare Input should be a valid boolean",
        ),
        (
            {("parameters", "promotion", "metric"): OTHER_METRIC},
            f"training.yaml: parameters.promotion.metric The metric '{OTHER_METRIC}' scores",
        ),
        ({("parameters", "data", "target_column"): KeyError}, "data.target_column is missing"),
        ({("extra",): {"notify_on_failure": True}}, "training.yaml: extra is not a setting"),
        (
            {("parameters", "search", "resources"): {"cpus": 2}},
            "parameters.search.resources 'cpus' is not a resource: use",
        ),
        (
            {("parameters", "search", "model_families", FIRST_FAMILY, "search_spce"): {}},
            f"parameters.search.model_families.{FIRST_FAMILY}.search_spce is not a setting",
        ),
    ],
)
def test_a_wrong_key_or_value_is_named_with_its_file_and_path(
    tmp_path: Path, edit: dict, message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings("training", TrainingConfig, edited(tmp_path, edit))
    assert message in str(refused.value)
    assert str(tmp_path / "training.yaml") in str(refused.value)
    assert "\n" not in str(refused.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "training.yaml").write_text("model:\n  name: x\nparameters: [unclosed\n")
    with pytest.raises(SettingsError, match=r"training.yaml is not valid YAML \(line \d+\)"):
        load_settings("training", TrainingConfig, tmp_path)


def test_serving_takes_the_model_and_its_stage_from_training_only(tmp_path: Path) -> None:
    for name in ("training", "serving"):
        (tmp_path / f"{name}.yaml").write_text((CONFIGS / f"{name}.yaml").read_text())
    with (tmp_path / "serving.yaml").open("a") as serving:
        serving.write("stage: staging\n")
    with pytest.raises(SettingsError) as refused:
        ServingConfig.load(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'serving.yaml'}: stage is not a setting of this file (another file "
        "holds it): remove it."
    )


def test_a_misspelled_docker_setting_is_named_with_its_file(tmp_path: Path) -> None:
    raw = yaml.safe_load((CONFIGS / "docker.yaml").read_text())
    raw["requirement"] = raw.pop("requirements")
    (tmp_path / "docker.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(SettingsError) as refused:
        load_docker_settings(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'docker.yaml'}: requirement is not a setting (check its spelling and "
        "its group)."
    )
