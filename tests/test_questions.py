"""Validators of the questionnaire reject bad answers with a message that helps."""

from __future__ import annotations

import pytest
import yaml

from conftest import Renderer


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"product_name": "my-product"}, "'my-product' is not a valid product name"),
        ({"product_name": "2fast"}, "starting with a letter"),
        ({"product_name": "Churn"}, "use lowercase letters"),
        ({"product_name": "class"}, "'class' is a Python keyword"),
        ({"email": "not-an-email"}, "'not-an-email' is not an email address"),
        ({"zenml_server_url": "localhost:8080"}, "'localhost:8080' is not a URL"),
        ({"zenml_server_url": "ftp://server"}, "is not a URL"),
        ({"version": "one"}, "'one' is not a version"),
        ({"copyright_year": "26"}, "'26' is not a year"),
        ({"project_name": "  "}, "The project name must not be empty"),
        (
            {"dataset": "custom", "dataset_path": "data/rows.xlsx", "target_column": "y"},
            "'data/rows.xlsx' is not a CSV or Parquet file",
        ),
        ({"dataset": "custom", "dataset_path": "data/rows.csv"}, "Name the target column"),
        (
            {
                "dataset": "custom",
                "dataset_path": "a.csv",
                "target_column": "y",
                "inference_data_path": "new.json",
            },
            "'new.json' is not a CSV or Parquet file",
        ),
        (
            {"dataset": "wine", "task_type": "regression"},
            "task_type 'regression' contradicts dataset 'wine', which is a classification",
        ),
        (
            {"dataset": "diabetes", "task_type": "classification"},
            "contradicts dataset 'diabetes', which is a regression",
        ),
        (
            {"dataset": "diabetes", "promotion_metric": "accuracy"},
            "this metric scores classes, and the task is regression: choose r2, rmse or mae",
        ),
        (
            {"promotion_metric": "rmse"},
            "this metric scores quantities, and the task is classification",
        ),
        ({"promotion_metric": "auc"}, "Invalid choice for 'promotion_metric'"),
        (
            {"dataset": "diabetes", "model_families": ["logistic_regression"]},
            "Invalid choice for 'model_families': this family predicts classes, and the task is "
            "regression",
        ),
        (
            {"model_families": ["ridge"]},
            "ridge predicts quantities, and the task is classification",
        ),
        (
            {"promotion_metric": "roc_auc", "model_families": ["svm"]},
            "an SVM gives no class probabilities, which roc_auc needs",
        ),
        ({"dataset": "diabetes", "model_families": ["svm"]}, "this family predicts classes"),
        ({"model_families": []}, "Choose at least one model family"),
        ({"search_iterations": 0}, "search_iterations must be between 1 and 500, not 0"),
        ({"cv_folds": 1}, "cv_folds must be between 2 and 20, not 1"),
        ({"promotion_min_improvement": -0.1}, "promotion_min_improvement must be 0 or more"),
        ({"alerter": "slack"}, "'' is not a Slack channel"),
        ({"alerter": "slack", "slack_channel_id": "my channel"}, "'my channel' is not a Slack"),
        (
            {"alerter": "slack", "slack_channel_id": "C01", "slack_token_secret": "my secret"},
            "'my secret' is not a ZenML secret name",
        ),
        (
            {"alerter": "slack", "slack_channel_id": "C01", "slack_api_url": "slack.com/api"},
            "'slack.com/api' is not a URL",
        ),
        ({"alerter": "teams"}, "Invalid choice for 'alerter'"),
        (
            {"orchestrator": "kubernetes", "artifact_store": "local"},
            "orchestrator 'kubernetes' runs steps away from this machine, where they cannot "
            "read artifact_store 'local'",
        ),
        (
            {"orchestrator": "kubeflow", "container_registry_uri": ""},
            "orchestrator 'kubeflow' runs steps in containers, so container_registry_uri",
        ),
        (
            {
                "orchestrator": "airflow",
                "container_registry_uri": "registry.example.com/team",
                "mlflow_tracking_uri": "https://mlflow.example.com",
                "deployer": "local",
            },
            "deployer 'local' serves from a process on the machine that runs the deploy, which "
            "orchestrator 'airflow' runs away from",
        ),
        (
            {"deployer": "kubernetes", "artifact_store": "local"},
            "deployer 'kubernetes' runs the service away from this machine, where it cannot "
            "read artifact_store 'local'",
        ),
        (
            {
                "deployer": "aws",
                "artifact_store_path": "s3://bucket/z",
                "container_registry_uri": "",
            },
            "deployer 'aws' runs the service in containers, so container_registry_uri",
        ),
        (
            {
                "deployer": "gcp",
                "artifact_store_path": "gs://bucket/z",
                "container_registry_uri": "europe-docker.pkg.dev/p/r",
                "experiment_tracker": "mlflow_local",
            },
            "experiment_tracker 'mlflow_local' keeps MLflow's files on this machine, which "
            "deployer 'gcp' cannot reach",
        ),
        (
            {
                "deployer": "kubernetes",
                "artifact_store_path": "s3://bucket/z",
                "container_registry_uri": "registry.example.com/team",
                "mlflow_tracking_uri": "https://mlflow.example.com",
            },
            "deployer 'kubernetes' runs a service that must reach ZenML's store",
        ),
        (
            {
                "orchestrator": "vertex",
                "container_registry_uri": "europe-docker.pkg.dev/p/r",
                "experiment_tracker": "mlflow_local",
            },
            "experiment_tracker 'mlflow_local' keeps MLflow's files on this machine, which "
            "orchestrator 'vertex' cannot reach",
        ),
        (
            {
                "orchestrator": "sagemaker",
                "container_registry_uri": "1.dkr.ecr.eu-west-1.amazonaws.com/z",
                "mlflow_tracking_uri": "https://mlflow.example.com",
            },
            "orchestrator 'sagemaker' runs steps that must reach ZenML's store",
        ),
        (
            {"artifact_store": "gcs", "artifact_store_path": "s3://bucket"},
            "'s3://bucket' is not a path of artifact_store 'gcs': it must start with gs://",
        ),
        (
            {"experiment_tracker": "mlflow_remote"},
            "experiment_tracker 'mlflow_remote' needs the server's URL in mlflow_tracking_uri",
        ),
    ],
)
def test_bad_answers_are_rejected(render_project: Renderer, answers: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_project(**answers)


def test_product_name_is_derived_from_the_project_name(render_project: Renderer) -> None:
    project = render_project(project_name="My Fancy-Product 2")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["product_name"] == "my_fancy_product_2"
    config = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    assert config["model"]["name"] == "my_fancy_product_2"


def test_good_urls_are_accepted(render_project: Renderer) -> None:
    project = render_project(zenml_server_url="https://zenml.example.com:8080")
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    assert stack["zenml_server_url"] == "https://zenml.example.com:8080"
