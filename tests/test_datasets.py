"""The user's own files, from training to predictions."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from real_table import make_table

from conftest import assert_all_pipelines_completed, inspect, plain_text, probe, run
from generated_project import run_in_project, service_url


def messy_rows(size: int, seed: int, with_label: bool = True) -> pd.DataFrame:
    """Rows with numeric and categorical features, gaps, and a string label."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=size)
    frame = pd.DataFrame(
        {
            "signal": signal,
            "noise": rng.normal(size=size),
            "plan": rng.choice(["basic", "plus", "pro"], size=size),
            "region": rng.choice(["north", "south"], size=size),
        }
    )
    frame.loc[::7, "noise"] = np.nan
    frame.loc[::11, "plan"] = None
    if with_label:
        frame["churned"] = np.where(signal + 0.3 * rng.normal(size=size) > 0, "yes", "no")
        frame.loc[::50, "churned"] = None
    return frame


def set_parameter(project: Path, config: str, **values: object) -> None:
    """Edit parameters of a generated config file, as a user would."""
    path = project / "configs" / f"{config}.yaml"
    document = yaml.safe_load(path.read_text())
    document["parameters"].update(values)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.slow
def test_own_csv_with_messy_rows_and_a_file_of_new_rows(running_project) -> None:
    project = running_project(
        dataset="custom",
        dataset_path="data/customers.csv",
        target_column="churned",
        inference_data_path="data/new_customers.csv",
    )
    (project / "data").mkdir()
    messy_rows(400, seed=1).to_csv(project / "data" / "customers.csv", index=False)
    new_rows = messy_rows(60, seed=2, with_label=False)
    new_rows.loc[:4, "plan"] = "enterprise"  # a category training never saw
    new_rows.assign(campaign="spring").to_csv(project / "data" / "new_customers.csv", index=False)
    set_parameter(project, "batch_inference", predictions_path="predictions/churn.csv")

    output = run(project)
    assert "Dropped 8 of 400 rows whose target 'churned' is missing" in output
    assert "Dropped columns the model was not trained on: campaign." in output
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    assert state["predictions"] == 60
    contract = state["versions"][0]["data_contract"]
    assert contract["target_classes"] == ["no", "yes"]
    assert contract["columns"]["plan"]["kind"] == "categorical"
    written = pd.read_csv(project / "predictions" / "churn.csv", index_col=0)
    assert len(written) == 60 and set(written["churned"]) <= {"yes", "no"}
    assert written["prediction_id"].is_unique and set(written["model_version"]) == {1}

    # Bad files, each with the cause the run's last line must give in one line, naming
    # the column or the file.
    bad_new_rows = {
        "a missing column": (
            new_rows.drop(columns=["noise"]),
            "lacks columns the model was trained on: noise",
        ),
        "a changed type": (
            new_rows.assign(signal="high"),
            "'signal' was numeric (float64) in training but is categorical (object) now",
        ),
        "an empty file": (new_rows.iloc[:0], "new_customers.csv (inference_data_path) holds no"),
        "an empty column": (
            new_rows.assign(noise=np.nan),
            "the new rows leave 'noise' empty, which training had values in",
        ),
    }
    for case, (frame, message) in bad_new_rows.items():
        frame.to_csv(project / "data" / "new_customers.csv", index=False)
        output, last_line = run_failing(project, "--only-inference")
        assert last_line.startswith("Error: Pipeline batch_inference failed in step "), case
        assert message in last_line, case
        assert "Pipeline batch_inference failed (run" in output, case  # the failure alert
    bad_training_rows = {
        "one class": (
            messy_rows(100, seed=3).assign(churned="yes"),
            "The target column 'churned' holds one class (yes)",
        ),
        "a class with one row": (
            pd.concat([messy_rows(100, seed=3), messy_rows(1, seed=4).assign(churned="maybe")]),
            "The class maybe of 'churned' has a single row",
        ),
    }
    for case, (frame, message) in bad_training_rows.items():
        frame.to_csv(project / "data" / "customers.csv", index=False)
        output, last_line = run_failing(project, "--only-training")
        assert last_line.startswith(
            "Error: Pipeline training failed in step train_data_splitter: DataError: "
        ), case
        assert message in last_line, case
        assert "Traceback" not in output, case  # the one line is the whole report
    after = inspect(project)
    assert after["versions"] == state["versions"]  # failed runs leave no version behind
    assert after["predictions"] == 60

    # New data without a column: the staged version cannot score it, and the decision
    # says so instead of failing.
    messy_rows(400, seed=1).drop(columns=["noise"]).to_csv(
        project / "data" / "customers.csv", index=False
    )
    run(project, "--only-training")
    changed = inspect(project)["versions"][-1]
    assert changed["number"] == 2
    assert changed["promotion"]["promote"] is True
    assert changed["promotion"]["reason"].startswith(
        "version 1 cannot score this version's test rows (The new data lacks columns the "
        "model was trained on: noise)"
    )
    assert changed["stage"] == "staging"


def run_failing(project: Path, *options: str) -> tuple[str, str]:
    """Run `run.py`, which must fail; return all it printed and its last stderr line."""
    result = run_in_project(project, ["run.py", *options], check=False, capture=True)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    plain = plain_text(result.stderr)
    return plain_text(result.stdout) + plain, plain.strip().splitlines()[-1]


@pytest.mark.slow
def test_own_parquet_file_with_a_held_out_share(running_project) -> None:
    project = running_project(
        dataset="custom", dataset_path="data/customers.parquet", target_column="churned"
    )
    (project / "data").mkdir()
    messy_rows(300, seed=3).to_parquet(project / "data" / "customers.parquet")
    run(project)
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    assert state["predictions"] == 29  # 10 % of the 294 labelled rows


@pytest.mark.slow
def test_own_regression_file(running_project) -> None:
    project = running_project(
        dataset="custom",
        dataset_path="data/houses.csv",
        target_column="price",
        task_type="regression",
        promotion_metric="mae",
    )
    rng = np.random.default_rng(4)
    size = 300
    area = rng.uniform(30, 200, size=size)
    houses = pd.DataFrame(
        {
            "area": area,
            "rooms": rng.integers(1, 6, size=size),
            "city": rng.choice(["a", "b", "c"], size=size),
        }
    )
    houses["price"] = 3000 * area + np.where(houses["city"] == "a", 50000, 0)
    houses["price"] += rng.normal(scale=5000, size=size)
    (project / "data").mkdir()
    houses.to_csv(project / "data" / "houses.csv", index=False)
    output = run(project)
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    assert state["predictions"] == 30
    evaluation = state["versions"][0]["evaluation"]
    assert evaluation["metric"] == "mae" and evaluation["test"] < 10000
    assert "target_classes" not in state["versions"][0]["data_contract"]
    # The online service and the registered MLflow model answer as batch inference did.
    seen = probe(project)
    for path in ("/invoke", "/predict"):
        response = httpx.post(
            f"{service_url(output)}{path}", json={"parameters": {"rows": seen["rows"]}}, timeout=60
        )
        assert response.status_code == 200, response.text
        outputs = response.json()["outputs"]
        assert outputs["predictions"] == pytest.approx(seen["batch"], rel=1e-9)
        assert outputs["probabilities"] is None
    assert seen["pyfunc"] == pytest.approx(seen["batch"], rel=1e-9)


@pytest.mark.slow
def test_a_real_table_gets_roles_a_bounded_width_and_a_sampled_search(running_project) -> None:
    project = running_project(
        dataset="custom",
        dataset_path="data/flights.parquet",
        target_column="late",
        task_type="classification",
        promotion_metric="accuracy",
        model_families=["hist_gradient_boosting", "svm"],
        inference_data_path="data/new_flights.csv",
    )
    (project / "data").mkdir()
    make_table(3000, seed=0, task_type="classification").to_parquet(
        project / "data" / "flights.parquet"
    )
    new_rows = make_table(200, seed=7, task_type="classification").drop(columns=["late"])
    new_rows.loc[:4, "departed_at"] = "not a date"
    new_rows.loc[5:7, "carrier"] = "ZZ"  # a carrier training never saw
    new_rows.to_csv(project / "data" / "new_flights.csv", index=False)
    training = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    parameters = training["parameters"]
    parameters["search"]["model_families"]["svm"]["max_training_rows"] = 1000
    parameters["search"]["max_rows"] = 500
    parameters["preprocessing"].update(column_roles={"seats": "high_cardinality"}, max_features=20)
    (project / "configs" / "training.yaml").write_text(yaml.safe_dump(training, sort_keys=False))

    output = run(project)
    assert "Skipping a family: 'svm' is limited to 1,000 training rows" in output
    assert "Searching hist_gradient_boosting on 500 of" in output
    assert "Leaving out columns that cannot be features as they are: order_id" in output
    assert "Column 'departed_at': 5 of 200 rows hold values that do not read as dates" in output
    assert "Column 'carrier': 3 of 200 rows hold categories training never saw" in output
    state = inspect(project)
    assert_all_pipelines_completed(state, training_runs=1)
    assert state["predictions"] == 200
    version = state["versions"][0]
    roles = {name: spec["role"] for name, spec in version["data_contract"]["columns"].items()}
    assert roles == {
        "departed_at": "datetime",
        "route": "high_cardinality",
        "carrier": "categorical",
        "origin": "categorical",
        "order_id": "identifier",
        "remark": "text",
        "distance": "numeric",
        "departure_delay": "numeric",
        "seats": "high_cardinality",
    }
    assert version["preprocessing"]["feature_columns"] <= 20
    selection = version["model_selection"]
    assert selection["search_rows"] == 500
    assert selection["best"] == "hist_gradient_boosting" and list(selection["skipped"]) == ["svm"]
    assert version["evaluation"]["test"] > 0.8

    parameters["preprocessing"]["column_roles"] = {"remark": "ordinal"}
    (project / "configs" / "training.yaml").write_text(yaml.safe_dump(training, sort_keys=False))
    output = run(project, "--only-training", check=False)
    assert "column_roles gives 'remark' the role 'ordinal': use one of numeric," in output
