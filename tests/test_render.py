"""Every combination of answers renders a clean, formatted, complete project."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, Renderer, assert_ruff_clean
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
    "configs/monitoring.yaml",
    "configs/serving.yaml",
    "configs/stack.local.yaml",
    "configs/stack.yaml",
    "configs/training.yaml",
    "docs/upstream.md",
    "materializers/__init__.py",
    "materializers/fast_parquet.py",
    "ml/__init__.py",
    "ml/alerts.py",
    "ml/card.py",
    "ml/contract.py",
    "ml/data.py",
    "ml/drift.py",
    "ml/estimation.py",
    "ml/evaluation.py",
    "ml/history.py",
    "ml/metrics.py",
    "ml/monitoring.py",
    "ml/online.py",
    "ml/prediction.py",
    "ml/preprocessing.py",
    "ml/promotion.py",
    "ml/quality.py",
    "ml/roles.py",
    "ml/search.py",
    "ml/settings.py",
    "ml/signature.py",
    "monitoring/__init__.py",
    "monitoring/__main__.py",
    "monitoring/labels.py",
    "monitoring/online.py",
    "monitoring/trigger.py",
    "monitoring/workspace.py",
    "pipelines/__init__.py",
    "pipelines/batch_inference.py",
    "pipelines/monitor.py",
    "pipelines/online_inference.py",
    "pipelines/training.py",
    "scripts/check_yaml.py",
    "scripts/setup_stack.py",
    "serving/__init__.py",
    "serving/__main__.py",
    "serving/deploy.py",
    "serving/http.py",
    "serving/identity.py",
    "serving/recording.py",
    "serving/service.py",
    "serving/state.py",
    "stack/__init__.py",
    "stack/cards.py",
    "stack/components.py",
    "stack/registry.py",
    "stack/stages.py",
    "steps/__init__.py",
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
    "steps/monitoring/__init__.py",
    "steps/monitoring/batch_recorder.py",
    "steps/monitoring/firing_recorder.py",
    "steps/monitoring/performance_estimator_fitter.py",
    "steps/monitoring/retrain_trigger.py",
    "steps/promotion/__init__.py",
    "steps/promotion/promote_latest.py",
    "steps/promotion/promote_with_metric_compare.py",
    "steps/reporting/__init__.py",
    "steps/reporting/model_card.py",
    "steps/training/__init__.py",
    "steps/training/model_evaluator.py",
    "steps/training/model_trainer.py",
    "tests/conftest.py",
    "tests/test_alerts.py",
    "tests/test_card.py",
    "tests/test_cli.py",
    "tests/test_configs.py",
    "tests/test_contract.py",
    "tests/test_data.py",
    "tests/test_deploy.py",
    "tests/test_drift.py",
    "tests/test_evaluation.py",
    "tests/test_http.py",
    "tests/test_identity.py",
    "tests/test_materializer.py",
    "tests/test_metrics.py",
    "tests/test_online.py",
    "tests/test_monitoring.py",
    "tests/test_pipelines.py",
    "tests/test_prediction.py",
    "tests/test_preprocessing.py",
    "tests/test_promotion.py",
    "tests/test_roles.py",
    "tests/test_search.py",
    "tests/test_setup_stack.py",
    "tests/test_signature.py",
    "tests/test_upstream.py",
}

SLACK_FILES = {"alerters/__init__.py", "alerters/slack_web_api.py", "tests/test_slack_web_api.py"}
CI_FILES = {"github": {".github/workflows/ci.yml"}, "gitlab": {".gitlab-ci.yml"}, "none": set()}
SLACK = {"alerter": "slack", "slack_channel_id": "C0123456789"}
# A ZenML secret reference such as {{slack_token.token}} is meant to stay as it is.
SECRET_REFERENCE = re.compile(r"\{\{[A-Za-z0-9_-]+[.][A-Za-z0-9_]+\}\}")

COPIER = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
# Options that shape the pipelines together: every combination renders.
FLAGS = ["hyperparameters_tuning", "metric_compare_promotion", "data_quality_checks"]
REMOTE_DEPLOYERS = {"kubernetes", "aws", "gcp"}
SCHEMES = {"s3": "s3://", "gcs": "gs://", "azure": "az://"}
REGRESSION_METRICS = {"r2", "rmse", "mae"}


def choices_of(question: str) -> list:
    """Return the values copier.yml offers for a question: its choices, or both booleans."""
    spec = COPIER[question]
    if spec.get("type") == "bool":
        return [True, False]
    return [
        choice["value"] if isinstance(choice, dict) else choice
        for choice in spec["choices"].values()
    ]


CHOICE_QUESTIONS = [
    name
    for name, spec in COPIER.items()
    if not name.startswith("_")
    and spec.get("when") is not False
    and ("choices" in spec or spec.get("type") == "bool")
    and name not in FLAGS
]


def effective(answers: dict) -> dict:
    """Return the answers with copier.yml's defaults for the ones not given."""
    result = dict(answers)
    result.setdefault("dataset", "breast_cancer")
    if result["dataset"] != "custom":
        result.setdefault(
            "task_type", "regression" if result["dataset"] == "diabetes" else "classification"
        )
    result.setdefault("task_type", "classification")
    regression = result["task_type"] == "regression"
    result.setdefault("promotion_metric", "r2" if regression else "accuracy")
    result.setdefault(
        "model_families",
        ["ridge", "random_forest", "hist_gradient_boosting"]
        if regression
        else ["logistic_regression", "random_forest"],
    )
    result.setdefault("orchestrator", "local")
    result.setdefault("deployer", "local" if result["orchestrator"] == "local" else "none")
    here = result["orchestrator"] == "local" and result["deployer"] not in REMOTE_DEPLOYERS
    remote_store = {"sagemaker": "s3", "vertex": "gcs"}.get(
        result["orchestrator"], "gcs" if result["deployer"] == "gcp" else "s3"
    )
    result.setdefault("artifact_store", "local" if here else remote_store)
    result.setdefault("experiment_tracker", "mlflow_local" if here else "mlflow_remote")
    return result


def valid(answers: dict) -> bool:
    """Whether copier.yml's validators accept the answers (its cross-question rules)."""
    a = effective(answers)
    bundled = "regression" if a["dataset"] == "diabetes" else "classification"
    regression = a["task_type"] == "regression"
    away = a["orchestrator"] != "local" or a["deployer"] in REMOTE_DEPLOYERS
    families = set(a["model_families"])
    return not (
        (a["dataset"] != "custom" and a["task_type"] != bundled)
        or (a["promotion_metric"] in REGRESSION_METRICS) != regression
        or (regression and families & {"logistic_regression", "svm"})
        or (not regression and "ridge" in families)
        or ("svm" in families and a["promotion_metric"] in {"roc_auc", "log_loss"})
        or (a["orchestrator"] != "local" and a["deployer"] == "local")
        or (away and a["artifact_store"] == "local")
        or (away and a["experiment_tracker"] == "mlflow_local")
        # Questions that copier.yml asks only for some answers (`when:`)
        or ("task_type" in answers and a["dataset"] != "custom")
        or ("search_strategy" in a and a.get("hyperparameters_tuning") is False)
    )


def complete(answers: dict) -> dict:
    """Add the free-text answers (and enabling choices) that the chosen ones require."""
    a = dict(answers)
    if "task_type" in a:
        a.setdefault("dataset", "custom")
    if a.get("promotion_metric") in REGRESSION_METRICS or "ridge" in a.get("model_families", []):
        a.setdefault("dataset", "diabetes")
    if a.get("dataset") == "custom":
        a.setdefault("dataset_path", "data/rows.parquet")
        a.setdefault("target_column", "churned")
        if a.get("task_type") == "regression":
            a.setdefault("inference_data_path", "data/new.csv")
    if a.get("alerter") == "slack":
        a.setdefault("slack_channel_id", "C0123456789")
    full = effective(a)
    if full["orchestrator"] != "local" or full["deployer"] in REMOTE_DEPLOYERS:
        a.setdefault("container_registry_uri", "registry.example.com/team")
        a.setdefault("zenml_server_url", "https://zenml.example.com")
    if full["artifact_store"] != "local":
        a.setdefault("artifact_store_path", SCHEMES[full["artifact_store"]] + "bucket/zenml")
    if full["experiment_tracker"] == "mlflow_remote":
        a.setdefault("mlflow_tracking_uri", "https://mlflow.example.com")
    return a


def matrix() -> list[dict]:
    """Every choice of every question at least once, and every combination of FLAGS.

    Choices are packed greedily into as few renders as the validators' rules allow;
    the FLAGS combinations are then spread over those renders.
    """
    packed: list[dict] = []
    for question in CHOICE_QUESTIONS:
        for value in choices_of(question):
            value = [value] if COPIER[question].get("multiselect") else value
            for case in packed:
                if question not in case and valid(complete({**case, question: value})):
                    case[question] = value
                    break
            else:
                assert valid(complete({question: value})), (question, value)
                packed.append({question: value})
    combinations = [
        dict(zip(FLAGS, values, strict=True))
        for values in itertools.product([True, False], repeat=len(FLAGS))
    ]
    cases = []
    for index in range(max(len(packed), len(combinations))):
        case = packed[index % len(packed)]
        flags = combinations[index % len(combinations)]
        if not valid(complete({**case, **flags})):
            flags = {**flags, "hyperparameters_tuning": True}
        defaults = {
            name: COPIER[name]["default"]
            for name in ("notify_on_failures", "notify_on_successes", "target_environment")
        }
        cases.append(complete({**defaults, **case, **flags}))
    return cases


def test_the_matrix_covers_every_choice_and_every_combination_of_flags() -> None:
    cases = [effective(case) for case in matrix()]
    for question in CHOICE_QUESTIONS:
        offered = choices_of(question)
        if COPIER[question].get("multiselect"):
            chosen = {value for case in cases for value in case[question]}
        else:
            chosen = {case.get(question, COPIER[question].get("default")) for case in cases}
        assert set(offered) <= chosen, question
    combinations = {tuple(case[flag] for flag in FLAGS) for case in cases}
    assert len(combinations) == 2 ** len(FLAGS)
    assert all(valid(case) for case in matrix())


def rendered_files(project: Path) -> set[str]:
    """Return the project's files relative to its root."""
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "answers",
    matrix(),
    ids=lambda answers: "-".join(
        str(value)
        for key, value in effective(answers).items()
        if key in {"dataset", "promotion_metric", "orchestrator", "deployer", "alerter"}
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
    assert parameters["search"]["hyperparameters_tuning"] is answers["hyperparameters_tuning"]
    assert parameters["promotion"]["metric_compare"] is answers["metric_compare_promotion"]
    assert parameters["promotion"]["target_environment"] == answers["target_environment"]
    assert set(inference) == {"parameters"}  # the model and its stage come from training
    drift = inference["parameters"]["drift"]
    assert drift["data_quality_checks"] is answers["data_quality_checks"]
    for config in (training, inference):
        assert config["parameters"]["alerts"] == {
            "notify_on_failures": answers["notify_on_failures"],
            "notify_on_successes": answers["notify_on_successes"],
        }


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
    assert training["data"]["task_type"] == task_type
    assert training["promotion"]["metric"] == metric
    assert list(training["search"]["model_families"]) == families
    assert training["search"]["strategy"] == answers.get("search_strategy", "random")
    assert training["search"]["cv_folds"] == answers.get("cv_folds", 3)
    # Data settings live in training's file only; batch inference adds its new rows.
    assert training["data"]["dataset"] == answers.get("dataset", "breast_cancer")
    assert inference["inference_data_path"] == (answers.get("inference_data_path") or None)
    assert training["data"]["inference_share"] == (
        0.0 if answers.get("inference_data_path") else 0.1
    )
    kind = "Regressor" if task_type == "regression" else "Classifier"
    for family, spec in training["search"]["model_families"].items():
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
    # One test per family, the whole-file check, the refused edits, serving's and docker's.
    assert f"{len(families) + 13} passed" in result.stdout


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
