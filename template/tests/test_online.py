"""Online predictions in the history (record_predictions): ids, files, days, labels, status."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import as_records
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from test_http import Service, body

import monitoring.__main__ as monitoring_cli
from ml.estimation import PerformanceEstimator
from ml.history import History
from ml.monitoring import PREDICTION_ID, check_labels, record_labels
from ml.online import (
    VersionFacts,
    close_days,
    online_batch_id,
    open_days,
    read_day,
)
from ml.prediction import ServedModel, predict, records_to_frame
from ml.settings import CONFIGS, MonitoringConfig, ServingConfig, TrainingConfig, load_settings
from monitoring.labels import record_late_labels
from serving.recording import NOT_RECORDED, OnlineRecorder, RecordingSettings

MODEL = "breast_cancer_model"
# A moment in the middle of a UTC day, so that a test's requests fall on one day.
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def rows(mixed_frame: pd.DataFrame) -> list[dict[str, Any]]:
    return as_records(mixed_frame.drop(columns=["target"]).head(4))


def recorder(root: Path, id_column: str | None = None, at: datetime = NOON) -> OnlineRecorder:
    return OnlineRecorder(RecordingSettings(str(root), id_column, MODEL), clock=lambda: at)


def recorded_files(root: Path) -> list[Path]:
    return sorted((root / "online").rglob("*.parquet"))


def facts(served: ServedModel, mixed_frame: pd.DataFrame) -> VersionFacts:
    """Return version 3's facts, with an estimator fitted on the rows it was trained on."""
    raw = mixed_frame.drop(columns=["target"])
    features = served.preprocess_pipeline.transform(raw)
    target = np.where(mixed_frame["target"] == 1, "yes", "no")
    classes = [str(label) for label in served.model.classes_]
    estimator = PerformanceEstimator("classification", "accuracy", classes).fit(
        features, served.model.predict(features), served.model.predict_proba(features), target
    )
    return VersionFacts(metric="accuracy", served=served, estimator=estimator)


def test_recording_is_off_by_default_and_then_answers_byte_for_byte_as_before(
    served: ServedModel, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = ServingConfig.load(CONFIGS)
    assert config.record_predictions is False and config.recording() is None
    service = Service(served, auth_key=None, recorder=None)
    expected = predict(records_to_frame(rows), served).as_outputs(3)
    with TestClient(service.app) as client:
        predicted = client.post("/predict", json=body(rows))
        invoked = client.post("/invoke", json=body(rows))
    assert predicted.content == JSONResponse({"outputs": expected}).body
    assert invoked.content == JSONResponse({"outputs": expected, "run_id": "run-1"}).body
    assert not list(tmp_path.iterdir())


def test_on_each_row_gets_an_id_and_each_request_a_file_of_its_own(
    served: ServedModel, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "history"
    service = Service(served, auth_key=None, recorder=recorder(root))
    expected = predict(records_to_frame(rows), served).as_outputs(3)
    with TestClient(service.app) as client:
        answers = [client.post(path, json=body(rows)) for path in ("/predict", "/invoke")]
    batch = online_batch_id(MODEL, 3, NOON.date())
    for answer in answers:
        assert answer.status_code == 200, answer.text
        outputs = answer.json()["outputs"]
        assert {key: outputs[key] for key in expected} == expected  # only a field is added
        assert len(outputs["prediction_ids"]) == len(rows)
        assert all(id_.startswith(f"{batch}-") for id_ in outputs["prediction_ids"])
    assert answers[1].json()["run_id"] == "run-1"
    assert len(recorded_files(root)) == 2
    # Both requests were answered at the same moment: their files come in either order.
    day = read_day(History(str(root)), NOON.date()).sort_values(PREDICTION_ID, kind="stable")
    first = answers[0].json()["outputs"]["prediction_ids"]
    if day[PREDICTION_ID].iloc[0] not in first:
        day = pd.concat([day.iloc[4:], day.iloc[:4]])
    assert day[PREDICTION_ID].tolist() == first + answers[1].json()["outputs"]["prediction_ids"]
    assert day["prediction"].tolist() == expected["predictions"] * 2
    assert day["proba:yes"].tolist() == [p["yes"] for p in expected["probabilities"]] * 2
    assert (day["model_version"] == 3).all() and (day["model_name"] == MODEL).all()
    assert [json.loads(row) for row in day["row"]] == rows * 2
    assert set(day["predicted_at"]) == {NOON.isoformat()}


def test_a_refused_request_records_nothing(
    served: ServedModel, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "history"
    service = Service(served, auth_key=None, recorder=recorder(root))
    with TestClient(service.app) as client:
        answer = client.post("/predict", json=body([{"signal": 1.0}]))
    assert answer.status_code == 422
    assert recorded_files(root) == []


def test_the_users_own_id_column_names_each_prediction(
    served: ServedModel, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "history"
    service = Service(served, auth_key=None, recorder=recorder(root, id_column="order"))
    own = [{**row, "order": f"A{n}"} for n, row in enumerate(rows)]
    with TestClient(service.app) as client:
        answer = client.post("/predict", json=body(own))
        missing = client.post("/invoke", json=body(rows))
        repeated = client.post("/invoke", json=body([own[0], own[0]]))
    assert answer.status_code == 200, answer.text
    outputs = answer.json()["outputs"]
    assert outputs["prediction_ids"] == ["A0", "A1", "A2", "A3"]
    assert outputs["warnings"] == []  # the id column is not a feature the model misses
    assert missing.status_code == 422
    assert missing.json()["detail"] == (
        "4 rows have no 'order', the id column of configs/monitoring.yaml: send each row's "
        "id, or set id_column to null there."
    )
    assert repeated.status_code == 422 and "repeats 1 ids" in repeated.json()["detail"]
    assert service.recorded == []  # refused before any run
    assert len(recorded_files(root)) == 1


def test_concurrent_requests_are_all_recorded(
    served: ServedModel, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "history"
    service = Service(
        served, auth_key=None, max_concurrent_runs=100, recorder=recorder(root, at=NOON)
    )
    callers = 60

    async def load() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await asyncio.gather(
                *(
                    client.post("/invoke" if n % 2 else "/predict", json=body(rows))
                    for n in range(callers)
                )
            )

    answers = asyncio.run(asyncio.wait_for(load(), timeout=120))
    assert {answer.status_code for answer in answers} == {200}
    sent = [id_ for answer in answers for id_ in answer.json()["outputs"]["prediction_ids"]]
    assert len(set(sent)) == callers * len(rows)
    assert len(recorded_files(root)) == callers
    stored = read_day(History(str(root)), NOON.date())[PREDICTION_ID]
    assert sorted(stored) == sorted(sent)


def test_an_unreachable_history_costs_the_history_not_the_answer(
    served: ServedModel,
    rows: list[dict[str, Any]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    service = Service(served, auth_key=None, recorder=recorder(blocked / "history"))
    secret = 246.813579  # not test_serving.py's mark, which it looks for in every file
    with caplog.at_level(logging.ERROR), TestClient(service.app) as client:
        answer = client.post("/predict", json=body([{**rows[0], "signal": secret}]))
    assert answer.status_code == 200, answer.text
    outputs = answer.json()["outputs"]
    assert len(outputs["predictions"]) == 1 and len(outputs["prediction_ids"]) == 1
    assert outputs["warnings"][-1] == NOT_RECORDED
    failures = [record.getMessage() for record in caplog.records]
    assert len(failures) == 1 and "\n" not in failures[0]
    assert failures[0].startswith("Recording 1 online predictions in ")
    assert "NotADirectoryError" in failures[0] and str(secret) not in failures[0]


def answer_at(
    service_root: Path, served: ServedModel, rows: list[dict[str, Any]], at: datetime
) -> list[str]:
    service = Service(served, auth_key=None, recorder=recorder(service_root, at=at))
    with TestClient(service.app) as client:
        answer = client.post("/predict", json=body(rows))
    assert answer.status_code == 200, answer.text
    return answer.json()["outputs"]["prediction_ids"]


def test_a_day_over_becomes_one_batch_per_version_that_labels_join(
    served: ServedModel, mixed_frame: pd.DataFrame, tmp_path: Path
) -> None:
    root = tmp_path / "history"
    history = History(str(root))
    new = as_records(mixed_frame.drop(columns=["target"]).iloc[100:160])
    truth = np.where(mixed_frame["target"].iloc[100:160] == 1, "yes", "no")
    promoted = replace(served, version=4)
    morning = answer_at(root, served, new[:30], NOON - timedelta(hours=3))
    evening = answer_at(root, served, new[30:], NOON + timedelta(hours=8))
    by_four = answer_at(root, promoted, new[:10], NOON + timedelta(hours=9))
    next_day = answer_at(root, promoted, new[:5], NOON + timedelta(days=1))
    asked: list[int] = []

    def version_facts(model_name: str, version: int) -> VersionFacts:
        assert model_name == MODEL
        asked.append(version)
        return facts(replace(served, version=version), mixed_frame)

    # Not before the day ends, and its grace after.
    early = close_days(history, version_facts, 100, NOON + timedelta(hours=12, minutes=14))
    assert early.batches == [] and early.problems == []
    closed = close_days(history, version_facts, 100, NOON + timedelta(hours=12, minutes=15)).batches
    assert [record.batch_id for record in closed] == [
        online_batch_id(MODEL, 3, NOON.date()),
        online_batch_id(MODEL, 4, NOON.date()),
    ]
    three, four = closed
    assert (three.rows, three.model_version, four.rows, four.model_version) == (60, 3, 10, 4)
    assert three.classes == ["no", "yes"] and three.metric == "accuracy"
    assert three.predicted_at == NOON + timedelta(hours=8)  # its last prediction
    assert three.estimated is not None and 0.5 < three.estimated <= 1
    assert history.batches() == closed
    assert [day.day for day in open_days(history)] == [NOON.date() + timedelta(days=1)]
    later = close_days(history, version_facts, 100, NOON + timedelta(days=3)).batches
    assert [(record.rows, record.model_version) for record in later] == [(5, 4)]
    assert asked == [3, 4, 4]  # a day closed once is not read again
    assert open_days(history) == []

    labels = check_labels(
        pd.DataFrame({PREDICTION_ID: morning + evening + by_four, "target": [*truth, *truth[:10]]}),
        PREDICTION_ID,
        "target",
        "classification",
        "labels.csv",
    )
    report = record_labels(history, labels, "classification", by_key=True, source="labels.csv")
    assert report.matched == {three.batch_id: 60, four.batch_id: 10} and report.unknown == []
    labelled = history.batch(three.batch_id)
    assert labelled is not None and labelled.labelled_rows == 60
    assert labelled.realized["accuracy"] > 0.5
    assert next_day[0].startswith(online_batch_id(MODEL, 4, NOON.date() + timedelta(days=1)))


def test_labels_for_a_day_still_open_are_named_and_the_status_shows_it(
    served: ServedModel,
    rows: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "history"
    ids = answer_at(root, served, rows, datetime.now(timezone.utc))
    monitoring = load_settings("monitoring", MonitoringConfig).model_copy(
        update={"history_path": str(root)}
    )
    training = load_settings("training", TrainingConfig)
    target = training.parameters.data.target_column
    labels_file = tmp_path / "labels.csv"
    pd.DataFrame({PREDICTION_ID: [*ids, "nobody-1"], target: ["yes"] * 5}).to_csv(
        labels_file, index=False
    )
    record_late_labels(str(labels_file), training, monitoring)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "5 labels read; 0 matched predictions in 0 batch(es)."
    assert printed[1] == "1 ids match no recorded prediction ('nobody-1'): they were left out."
    today = datetime.now(timezone.utc).date()
    assert printed[2].startswith(
        f"4 labels are for online predictions of days still open ({today}): send them again "
        f"after {today + timedelta(days=1)} 00:15 UTC"
    )

    monkeypatch.setattr(monitoring_cli, "load_settings", lambda *_: monitoring)
    shown = CliRunner().invoke(monitoring_cli.main, ["status"])
    assert shown.exit_code == 0, shown.output
    assert f"{today} UTC  online, open  version 3  4 rows" in shown.output
    as_json = json.loads(CliRunner().invoke(monitoring_cli.main, ["status", "--json"]).output)
    assert as_json["open_online_days"] == [
        {
            "day": str(today),
            "rows": 4,
            "model_versions": [3],
            "closes_at": f"{today + timedelta(days=1)}T00:15:00+00:00",
        }
    ]


def test_a_day_whose_version_is_gone_stays_open_and_is_closed_later(
    served: ServedModel, mixed_frame: pd.DataFrame, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "history"
    history = History(str(root))
    answer_at(root, served, rows, NOON)
    answer_at(root, replace(served, version=4), rows, NOON)
    gone = {4}

    def version_facts(model_name: str, version: int) -> VersionFacts:
        if version in gone:
            raise KeyError(f"No model version found for name '{model_name}' and version {version}")
        return facts(replace(served, version=version), mixed_frame)

    after = NOON + timedelta(days=1)
    first = close_days(history, version_facts, 100, after)
    assert [record.model_version for record in first.batches] == [3]
    assert first.problems == [
        f'The online predictions of {NOON.date()} by version 4 stay open: "No model version '
        f"found for name '{MODEL}' and version 4\""
    ]
    assert [day.day for day in open_days(history)] == [NOON.date()]
    gone.clear()
    second = close_days(history, version_facts, 100, after)
    assert [record.model_version for record in second.batches] == [4]  # 3 is kept as it was
    assert second.problems == [] and open_days(history) == []
    assert len(history.batches()) == 2
