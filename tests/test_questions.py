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
        (
            {"promotion_min_improvement": -0.1},
            "promotion_min_improvement must be a finite number, 0 or more, not -0.1",
        ),
        ({"promotion_min_improvement": float("nan")}, "must be a finite number, 0 or more"),
        ({"promotion_min_improvement": "inf"}, "must be a finite number, 0 or more, not inf"),
        ({"product_name": "churn\n"}, "'churn\\?' is not a valid product name"),
        ({"product_name": "a" * 51}, "product_name is 51 characters long: use at most 50"),
        ({"product_name": "yes"}, "'yes' reads as a boolean in YAML"),
        ({"product_name": "null"}, "'null' reads as nothing in YAML"),
        ({"version": "0.1.0\n"}, "is not a version"),
        ({"copyright_year": "2026\n"}, "is not a year"),
        ({"email": "a@b.c\n"}, "email must be one line of printable text"),
        ({"project_name": "two\nlines"}, "project_name must be one line of printable text"),
        ({"project_name": "x" * 101}, "project_name is 101 characters long"),
        ({"full_name": "Ada\tLovelace"}, "full_name must be one line of printable text"),
        ({"project_name": "broken \ud83d surrogate"}, "must be one line of printable text"),
        ({"zenml_server_url": 'https://zenml.example.com/"x'}, "is not a URL"),
        ({"zenml_server_url": "https://zenml.example.com\n"}, "must be one line of printable"),
        (
            {"dataset": "custom", "dataset_path": "rows.csv\n", "target_column": "y"},
            "dataset_path must be one line of printable text",
        ),
        (
            {"dataset": "custom", "dataset_path": "rows.csv", "target_column": "a\u2028b"},
            "target_column must be one line of printable text",
        ),
        (
            {"artifact_store": "s3", "artifact_store_path": "s3://my bucket/z"},
            "is not a path of artifact_store 's3'",
        ),
        ({"alerter": "slack"}, "'' is not a Slack channel"),
        ({"alerter": "slack", "slack_channel_id": "C01\n"}, "'C01\\?' is not a Slack channel"),
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
        ({"runs_remotely": True}, "runs_remotely is derived from orchestrator and deployer"),
        ({"remote_orchestrator": True}, "remote_orchestrator is derived from orchestrator"),
        ({"remote_deployer": True}, "remote_deployer is derived from deployer: leave it out"),
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


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nan", "-inf"])
@pytest.mark.parametrize("question", ["search_iterations", "cv_folds"])
def test_whole_number_answers_refuse_values_that_are_not_finite(
    render_project: Renderer, question: str, value: object
) -> None:
    # Copier casts int answers before any validator runs, and the cast refuses these.
    with pytest.raises((ValueError, OverflowError), match="nan|NaN|inf"):
        render_project(**{question: value})


@pytest.mark.parametrize(
    ("project_name", "product_name"),
    [
        ("My Fancy-Product 2", "my_fancy_product_2"),
        ("2 Fast 2 Furious", "fast_2_furious"),
        ("🚀 ✨", "my_product"),
    ],
)
def test_product_name_is_derived_from_the_project_name(
    render_project: Renderer, project_name: str, product_name: str
) -> None:
    project = render_project(project_name=project_name)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["product_name"] == product_name
    config = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    assert config["model"]["name"] == product_name


def test_good_urls_are_accepted(render_project: Renderer) -> None:
    project = render_project(zenml_server_url="https://zenml.example.com:8080")
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    assert stack["zenml_server_url"] == "https://zenml.example.com:8080"


SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"zenml_server_url": f"https://ada:{SECRET}@zenml.example.com"},
            "zenml_server_url must not hold credentials .* log in with `zenml login URL`",
        ),
        (
            {
                "experiment_tracker": "mlflow_remote",
                "mlflow_tracking_uri": f"https://ada:{SECRET}@mlflow.example.com",
            },
            "mlflow_tracking_uri must not hold credentials .* ZenML secret named by "
            "mlflow_credentials_secret",
        ),
        (
            {
                "alerter": "slack",
                "slack_channel_id": "C01",
                "slack_api_url": f"https://bot:{SECRET}@slack.example.com/api/",
            },
            "slack_api_url must not hold credentials .* ZenML secret named by slack_token_secret",
        ),
        (
            {
                "orchestrator": "kubernetes",
                "artifact_store": "s3",
                "artifact_store_path": "s3://bucket/zenml",
                "container_registry_uri": f"ada:{SECRET}@registry.example.com/team",
                "mlflow_tracking_uri": "https://mlflow.example.com",
                "zenml_server_url": "https://zenml.example.com",
            },
            "container_registry_uri must not hold credentials .* `docker login`",
        ),
        (
            {
                "orchestrator": "kubernetes",
                "artifact_store": "s3",
                "artifact_store_path": f"s3://AKIAEXAMPLE:{SECRET}@bucket/zenml",
                "container_registry_uri": "registry.example.com/team",
                "mlflow_tracking_uri": "https://mlflow.example.com",
                "zenml_server_url": "https://zenml.example.com",
            },
            "artifact_store_path must not hold credentials .* ZenML service connector",
        ),
        (
            {
                "alerter": "slack",
                "slack_channel_id": "C01",
                "slack_api_url": f"https://slack.example.com/api/?token={SECRET}",
            },
            "slack_api_url must not hold credentials .* query string.* ZenML secret named by "
            "slack_token_secret",
        ),
        (
            {
                "experiment_tracker": "mlflow_remote",
                "mlflow_tracking_uri": f"https://mlflow.example.com/?x=1&Api_Key={SECRET}",
            },
            "mlflow_tracking_uri must not hold credentials .* query string.* ZenML secret "
            "named by mlflow_credentials_secret",
        ),
        (
            {
                "orchestrator": "kubernetes",
                "artifact_store": "s3",
                "artifact_store_path": "s3://bucket/zenml",
                "container_registry_uri": f"registry.example.com/team?token={SECRET}",
                "mlflow_tracking_uri": "https://mlflow.example.com",
                "zenml_server_url": "https://zenml.example.com",
            },
            "container_registry_uri must not hold credentials .* query string.* `docker login`",
        ),
    ],
)
def test_credentials_in_urls_are_refused_without_repeating_them(
    render_project: Renderer, answers: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        render_project(**answers)
    assert SECRET not in str(refused.value)


def test_a_long_project_name_derives_a_product_name_that_fits(render_project: Renderer) -> None:
    project = render_project(project_name="A very long project name " * 4)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["product_name"] == "a_very_long_project_name_a_very_long_project_name"
    assert len(answers["product_name"]) <= 50


def test_answers_with_emoji_and_quotes_read_back_from_toml_and_yaml(
    render_project: Renderer,
) -> None:
    import tomllib

    name = 'Churn 🚀 "fast" \\ model'
    project = render_project(
        project_name=name,
        product_name="churn",
        full_name='Ada "Countess" Lovelace ✨',
        dataset="custom",
        dataset_path='data/"odd" \\ ✨.csv',
        target_column="y`it's`",
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"].startswith(name + ": ")
    assert pyproject["project"]["authors"][0]["name"] == 'Ada "Countess" Lovelace ✨'
    training = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    assert training["model"]["description"] == name
    assert training["parameters"]["data"]["dataset_path"] == 'data/"odd" \\ ✨.csv'
    assert training["parameters"]["data"]["target_column"] == "y`it's`"
    readme = (project / "README.md").read_text()
    assert readme.startswith('# Churn 🚀 "fast" \\\\ model\n')
    assert "`` y`it's` ``" in readme


def test_good_urls_with_quotes_read_back_from_the_stack(render_project: Renderer) -> None:
    url = "https://zenml.example.com:8080/a%22b?q=1&r=%0A"
    project = render_project(zenml_server_url=url)
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())
    assert stack["zenml_server_url"] == url


def test_derived_answers_are_not_stored_and_shape_the_stack(render_project: Renderer) -> None:
    derived = {"remote_orchestrator", "remote_deployer", "runs_remotely"}
    here = render_project("here")
    assert not derived & set(yaml.safe_load((here / ".copier-answers.yml").read_text()))
    assert (
        "container_registry"
        not in yaml.safe_load((here / "configs" / "stack.yaml").read_text())["components"]
    )
    # A remote deployer alone runs the service away from here: it needs pushed images.
    away = render_project(
        "away",
        deployer="kubernetes",
        container_registry_uri="registry.example.com/team",
        mlflow_tracking_uri="https://mlflow.example.com",
        zenml_server_url="https://zenml.example.com",
    )
    answers = yaml.safe_load((away / ".copier-answers.yml").read_text())
    assert not derived & set(answers)
    assert answers["artifact_store"] == "s3" and answers["experiment_tracker"] == "mlflow_remote"
    stack = yaml.safe_load((away / "configs" / "stack.yaml").read_text())["components"]
    assert stack["container_registry"]["configuration"]["uri"] == "registry.example.com/team"
    assert (
        "| Container registry and image builder | `registry.example.com/team`"
        in (away / "README.md").read_text()
    )
