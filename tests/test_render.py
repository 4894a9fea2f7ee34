"""Every combination of answers renders a clean, formatted, complete project."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import Renderer, assert_ruff_clean
from generated_project import run_in_project

PROJECT_FILES = {
    ".copier-answers.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Makefile",
    "README.md",
    "pyproject.toml",
    "run.py",
    "upstream.py",
    "configs/batch_inference.yaml",
    "configs/docker.yaml",
    "configs/serving.yaml",
    "configs/stack.local.yaml",
    "configs/stack.yaml",
    "configs/training.yaml",
    "docs/upstream.md",
    "materializers/__init__.py",
    "materializers/fast_parquet.py",
    "ml/__init__.py",
    "ml/alerts.py",
    "ml/contract.py",
    "ml/data.py",
    "ml/drift.py",
    "ml/metrics.py",
    "ml/prediction.py",
    "ml/preprocessing.py",
    "ml/promotion.py",
    "ml/quality.py",
    "ml/roles.py",
    "ml/search.py",
    "ml/signature.py",
    "pipelines/__init__.py",
    "pipelines/batch_inference.py",
    "pipelines/online_inference.py",
    "pipelines/training.py",
    "scripts/check_yaml.py",
    "scripts/setup_stack.py",
    "serving/__init__.py",
    "serving/__main__.py",
    "serving/deploy.py",
    "serving/http.py",
    "serving/service.py",
    "serving/state.py",
    "steps/__init__.py",
    "steps/model_registry.py",
    "steps/stack.py",
    "steps/alerts/__init__.py",
    "steps/alerts/notify_on_failure.py",
    "steps/alerts/notify_on_success.py",
    "steps/data_quality/__init__.py",
    "steps/data_quality/drift_quality_gate.py",
    "steps/data_quality/drift_report.py",
    "steps/etl/__init__.py",
    "steps/etl/data_loader.py",
    "steps/etl/inference_data_loader.py",
    "steps/etl/train_data_preprocessor.py",
    "steps/etl/train_data_splitter.py",
    "steps/hp_tuning/__init__.py",
    "steps/hp_tuning/hp_tuning_select_best_model.py",
    "steps/hp_tuning/hp_tuning_single_search.py",
    "steps/inference/__init__.py",
    "steps/inference/inference_predict.py",
    "steps/inference/online_predict.py",
    "steps/inference/predictions_exporter.py",
    "steps/promotion/__init__.py",
    "steps/promotion/model_stage.py",
    "steps/promotion/promote_latest.py",
    "steps/promotion/promote_with_metric_compare.py",
    "steps/training/__init__.py",
    "steps/training/model_evaluator.py",
    "steps/training/model_trainer.py",
    "tests/conftest.py",
    "tests/test_alerts.py",
    "tests/test_cli.py",
    "tests/test_configs.py",
    "tests/test_contract.py",
    "tests/test_data.py",
    "tests/test_drift.py",
    "tests/test_materializer.py",
    "tests/test_metrics.py",
    "tests/test_pipelines.py",
    "tests/test_prediction.py",
    "tests/test_preprocessing.py",
    "tests/test_promotion.py",
    "tests/test_roles.py",
    "tests/test_search.py",
    "tests/test_signature.py",
    "tests/test_upstream.py",
}

SLACK_FILES = {"alerters/__init__.py", "alerters/slack_web_api.py"}
CI_FILES = {"github": {".github/workflows/ci.yml"}, "gitlab": {".gitlab-ci.yml"}, "none": set()}
SLACK = {"alerter": "slack", "slack_channel_id": "C0123456789"}
# A ZenML secret reference such as {{slack_token.token}} is meant to stay as it is.
SECRET_REFERENCE = re.compile(r"\{\{[A-Za-z0-9_-]+[.][A-Za-z0-9_]+\}\}")

LICENSES = ["apache", "mit", "bsd", "isc", "gpl3", "none"]
DATASETS = [
    {"dataset": "breast_cancer"},
    {"dataset": "diabetes"},
    {"dataset": "custom", "dataset_path": "data/rows.parquet", "target_column": "churned"},
    {"dataset": "wine"},
    {
        "dataset": "custom",
        "dataset_path": "/srv/data/prices.csv",
        "target_column": "price",
        "task_type": "regression",
        "inference_data_path": "data/new.csv",
    },
    {"dataset": "iris"},
    {"dataset": "digits"},
]
FLAGS = ["hyperparameters_tuning", "metric_compare_promotion", "data_quality_checks"]


def matrix() -> list[dict]:
    """Product over the options that shape the pipelines, a cycle over the others."""
    independent = itertools.cycle(
        [
            {
                "open_source_license": license_,
                "target_environment": environment,
                "notify_on_failures": failures,
                "notify_on_successes": successes,
                "ci": ci,
                **alerter,
            }
            for license_, environment, failures, successes, ci, alerter in zip(
                LICENSES,
                itertools.cycle(["staging", "production"]),
                itertools.cycle([True, False, True]),
                itertools.cycle([False, True]),
                itertools.cycle(["github", "gitlab", "none"]),
                itertools.cycle([{}, SLACK, {}]),
                strict=False,
            )
        ]
    )
    datasets = itertools.cycle(DATASETS)
    cases = []
    for values in itertools.product([True, False], repeat=len(FLAGS)):
        cases.append(
            {**dict(zip(FLAGS, values, strict=True)), **next(independent), **next(datasets)}
        )
    # Licenses not reached by the cycle above still get a render of their own.
    covered = {case["open_source_license"] for case in cases}
    cases += [{"open_source_license": license_} for license_ in LICENSES if license_ not in covered]
    return cases


def rendered_files(project: Path) -> set[str]:
    """Return the project's files relative to its root."""
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "answers",
    matrix(),
    ids=lambda answers: "-".join(
        f"{key[:8]}={value}" for key, value in answers.items() if "path" not in key
    ),
)
def test_render_is_complete_clean_and_formatted(render_project: Renderer, answers: dict) -> None:
    project = render_project(**answers)
    license_ = answers.get("open_source_license", "apache")
    expected = PROJECT_FILES | ({"LICENSE"} if license_ != "none" else set())
    if answers.get("alerter") == "slack":
        expected |= SLACK_FILES
    expected |= CI_FILES[answers.get("ci", "github")]
    assert rendered_files(project) == expected

    for path in project.rglob("*"):
        if path.is_file():
            text = SECRET_REFERENCE.sub("", path.read_text())
            assert "{{" not in text and "{%" not in text, f"Jinja left in {path}"
    for path in [
        *project.glob("configs/*.yaml"),
        *(project / path for path in CI_FILES[answers.get("ci", "github")]),
        project / ".copier-answers.yml",
        project / ".pre-commit-config.yaml",
    ]:
        assert yaml.safe_load(path.read_text()) is not None
    assert_ruff_clean(project)


@pytest.mark.parametrize("answers", matrix()[:4])
def test_answers_reach_the_configs(render_project: Renderer, answers: dict) -> None:
    project = render_project(**answers)
    training = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    inference = yaml.safe_load((project / "configs" / "batch_inference.yaml").read_text())
    parameters = training["parameters"]
    assert parameters["hp_tuning"] is answers["hyperparameters_tuning"]
    assert parameters["promotion"] == (
        "metric_compare" if answers["metric_compare_promotion"] else "latest"
    )
    assert parameters["target_stage"] == answers["target_environment"]
    assert inference["model"]["version"] == answers["target_environment"]
    assert inference["parameters"]["data_quality_checks"] is answers["data_quality_checks"]
    for config in (training, inference):
        assert config["extra"]["notify_on_failure"] is answers["notify_on_failures"]
        assert config["parameters"]["notify_on_success_enabled"] is answers["notify_on_successes"]


def dependencies(project: Path) -> list[str]:
    """Return the runtime dependencies of the project's pyproject.toml."""
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]


def generated_texts(project: Path) -> dict[Path, str]:
    """Return the lower-cased text of every generated file but the answers file."""
    return {
        path: path.read_text().lower()
        for path in project.rglob("*")
        if path.is_file() and path.name != ".copier-answers.yml"
    }


def test_no_license_means_no_license_anywhere(render_project: Renderer) -> None:
    project = render_project(open_source_license="none")
    assert not (project / "LICENSE").exists()
    for path, text in generated_texts(project).items():
        assert "licensed" not in text and "license = " not in text, path
    assert (
        "license"
        not in yaml.safe_load((project / "configs" / "training.yaml").read_text())["model"]
    )


@pytest.mark.parametrize(
    ("license_", "phrase"),
    [
        ("mit", "MIT License"),
        ("bsd", "BSD 3-Clause"),
        ("isc", "ISC License"),
        ("gpl3", "GNU GENERAL PUBLIC LICENSE"),
        ("apache", "Apache License"),
    ],
)
def test_license_text_names_the_holder(
    render_project: Renderer, license_: str, phrase: str
) -> None:
    project = render_project(
        open_source_license=license_, full_name="Ada Lovelace", copyright_year="2031"
    )
    text = (project / "LICENSE").read_text()
    assert phrase in text
    if license_ in {"mit", "bsd", "isc"}:
        assert "2031" in text and "Ada Lovelace" in text
    assert "Ada Lovelace" in (project / "pyproject.toml").read_text()


MODEL_CASES = [
    # answers, task type, metric, families in the config (in choice order)
    ({}, "classification", "accuracy", ["logistic_regression", "random_forest"]),
    (
        {"dataset": "diabetes"},
        "regression",
        "r2",
        ["ridge", "random_forest", "hist_gradient_boosting"],
    ),
    (
        {
            "dataset": "custom",
            "dataset_path": "d.csv",
            "target_column": "y",
            "task_type": "regression",
            "promotion_metric": "mae",
            "model_families": ["knn", "decision_tree"],
            "search_strategy": "grid",
        },
        "regression",
        "mae",
        ["decision_tree", "knn"],
    ),
    (
        {
            "dataset": "iris",
            "promotion_metric": "roc_auc",
            "model_families": ["hist_gradient_boosting", "logistic_regression", "knn"],
            "hyperparameters_tuning": False,
        },
        "classification",
        "roc_auc",
        ["logistic_regression", "hist_gradient_boosting", "knn"],
    ),
    (
        {"promotion_metric": "f1", "model_families": ["svm", "decision_tree"], "cv_folds": 5},
        "classification",
        "f1",
        ["decision_tree", "svm"],
    ),
]


@pytest.mark.parametrize(("answers", "task_type", "metric", "families"), MODEL_CASES)
def test_model_answers_reach_the_training_config(
    render_project: Renderer, answers: dict, task_type: str, metric: str, families: list
) -> None:
    project = render_project(**answers)
    training = yaml.safe_load((project / "configs" / "training.yaml").read_text())["parameters"]
    inference = yaml.safe_load((project / "configs" / "batch_inference.yaml").read_text())[
        "parameters"
    ]
    assert training["task_type"] == task_type
    assert training["metric"] == metric
    assert list(training["model_families"]) == families
    assert training["search_strategy"] == answers.get("search_strategy", "random")
    assert training["cv_folds"] == answers.get("cv_folds", 3)
    for key in ("dataset", "dataset_path", "target_column", "inference_data_path"):
        assert training[key] == inference[key]
    assert training["dataset"] == answers.get("dataset", "breast_cancer")
    kind = "Regressor" if task_type == "regression" else "Classifier"
    for family, spec in training["model_families"].items():
        if family in {"decision_tree", "random_forest", "hist_gradient_boosting", "knn"}:
            assert spec["estimator"].endswith(kind), family


@pytest.mark.parametrize(("answers", "task_type", "metric", "families"), MODEL_CASES[2:])
def test_rendered_grids_build_in_the_generated_project(
    render_project: Renderer, answers: dict, task_type: str, metric: str, families: list
) -> None:
    project = render_project(**answers)
    result = run_in_project(
        project, ["-m", "pytest", "-q", "tests/test_configs.py"], check=False, capture=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    # One test per family, the metric's, and the roles' and bounds'.
    assert f"{len(families) + 2} passed" in result.stdout


def test_without_an_alerter_no_slack_code_or_dependency_is_rendered(
    render_project: Renderer,
) -> None:
    project = render_project()
    assert not (project / "alerters").exists()
    for path, text in generated_texts(project).items():
        assert "slack_sdk" not in text and "slack-sdk" not in text, path
    assert (
        "alerter"
        not in yaml.safe_load((project / "configs" / "stack.yaml").read_text())["components"]
    )


def test_slack_answers_reach_the_stack_without_any_token(render_project: Renderer) -> None:
    project = render_project(
        **SLACK, slack_token_secret="team_bot", slack_api_url="https://slack.example.gov/api/"
    )
    alerter = yaml.safe_load((project / "configs" / "stack.yaml").read_text())["components"][
        "alerter"
    ]
    assert alerter["flavor"] == "slack_web_api"
    assert alerter["configuration"] == {
        "slack_token": "{{team_bot.token}}",
        "channel_id": "C0123456789",
        "api_url": "https://slack.example.gov/api/",
        "timeout": 5,
    }
    assert "slack-sdk>=3.30,<4" in dependencies(project)
    assert "zenml secret create team_bot -i" in (project / "README.md").read_text()
