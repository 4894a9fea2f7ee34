"""The service's HTTP contract, through an ASGI client: the guard, row parsing and auth."""

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
from conftest import as_records
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ml.prediction import ServedModel, predict, records_to_frame
from serving.http import add_endpoints
from serving.recording import OnlineRecorder

KEY = "a-test-key"
IDENTITY = {"deployment": "test", "model_version": 3}


class Service:
    """The endpoints on a FastAPI app, and the rows each `/invoke` run was recorded with.

    Each run starts by calling `on_run`, which may hold it, as a slow store would.
    """

    def __init__(
        self,
        served: ServedModel,
        auth_key: str | None,
        max_request_bytes: int = 20_000,
        max_concurrent_runs: int = 4,
        on_run: Callable[[], object] = lambda: None,
        recorder: OnlineRecorder | None = None,
    ) -> None:
        self.served = served
        self.recorded: list[list[dict[str, Any]]] = []
        self.on_run = on_run
        self.app = FastAPI()
        add_endpoints(
            self.app,
            auth_key=auth_key,
            max_request_bytes=max_request_bytes,
            max_concurrent_runs=max_concurrent_runs,
            served_model=lambda: served,
            record_run=self.record_run,
            identity=IDENTITY,
            recorder=recorder,
        )

    def record_run(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Predict the rows as the online pipeline's step does, and note the run."""
        self.on_run()
        self.recorded.append(rows)
        outputs = predict(records_to_frame(rows), self.served).as_outputs(self.served.version)
        return {"outputs": outputs, "run_id": f"run-{len(self.recorded)}"}


@pytest.fixture
def service(served: ServedModel) -> Iterator[tuple[Service, TestClient]]:
    keyed = Service(served, auth_key=KEY)
    with TestClient(keyed.app, headers={"Authorization": f"Bearer {KEY}"}) as client:
        yield keyed, client


@pytest.fixture
def rows(mixed_frame: pd.DataFrame) -> list[dict[str, Any]]:
    return as_records(mixed_frame.drop(columns=["target"]).head(4))


def body(rows: Any) -> dict[str, Any]:
    return {"parameters": {"rows": rows}}


@pytest.mark.parametrize("path", ["/invoke", "/predict"])
def test_both_paths_answer_rows_with_the_shared_prediction(
    service: tuple[Service, TestClient],
    rows: list[dict[str, Any]],
    served: ServedModel,
    path: str,
) -> None:
    keyed, client = service
    answer = client.post(path, json=body(rows))
    assert answer.status_code == 200, answer.text
    expected = predict(records_to_frame(rows), served).as_outputs(3)
    assert answer.json()["outputs"] == expected
    assert len(keyed.recorded) == (1 if path == "/invoke" else 0)


def test_the_key_is_asked_on_every_path_but_health_before_the_body_is_read(
    service: tuple[Service, TestClient],
) -> None:
    keyed, client = service
    for path in ("/invoke", "/predict", "/identity", "/docs", "/openapi.json"):
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}):
            answer = client.post(path, content=b"{not json", headers=headers)
            assert answer.status_code == 401, path
            assert answer.headers["www-authenticate"] == "Bearer"
            assert answer.json()["detail"].startswith("A missing or wrong key")
    assert client.get("/identity").json() == IDENTITY
    assert keyed.recorded == []


def test_a_body_over_the_limit_is_refused_with_or_without_its_length(
    service: tuple[Service, TestClient], rows: list[dict[str, Any]]
) -> None:
    keyed, client = service
    large = body(rows * 200)
    assert client.post("/invoke", json=large).status_code == 413
    chunks = iter([b'{"parameters": {"rows": [', b"1," * 12_000, b"1]}}"])
    answer = client.post("/invoke", content=chunks)  # sent chunked, without Content-Length
    assert answer.status_code == 413
    assert "raise max_request_bytes in configs/serving.yaml" in answer.json()["detail"]
    assert keyed.recorded == []


@pytest.mark.parametrize(
    ("text", "status", "detail"),
    [
        ("{not json", 400, "The body is not valid JSON"),
        ('{"parameters": {"rows": [{"signal": NaN}]}}', 400, "NaN is not a JSON value"),
        ('{"parameters": {"rows": [{"signal": 1e400}]}}', 422, "beyond what a 64-bit float"),
        ('{"parameters": {"rows": [{"signal": -1e400}]}}', 422, "(-1e400)"),
        ('{"parameters": {"rows": [{"signal": 1' + "0" * 400 + "}]}}", 422, "64-bit float"),
        ('{"parameters": {"rows": [{"signal": 2' + "0" * 308 + "}]}}", 422, "64-bit float"),
        ('{"parameters": {"rows": [{"signal": 1' + "0" * 5000 + "}]}}", 422, "64-bit float"),
        ('{"parameters": {"rows": ' + "[" * 5000 + "]" * 5000 + "}}", 400, "too deep"),
        ('{"parameters": {"rows": [{"colour": ' + "[" * 500 + "]" * 500 + "}]}}", 422, "a list"),
        ('{"parameters": {"rows": [{"signal": 1, "signal": 2}]}}', 422, "more than once"),
        ('{"parameters": {"rows": [], "limit": 3}}', 422, "these parameters are not accepted"),
        ('{"parameters": {"rows": []}}', 422, "`rows` is empty"),
        ('{"rows": [{"signal": 1}]}', 422, "The body must be"),
        ('{"parameters": {"rows": [{"signal": 1, "colour": {"a": 1}}]}}', 422, "'colour'"),
        ('{"parameters": {"rows": [{"signal": 1, "noise": 1}]}}', 422, "lacks columns"),
    ],
)
def test_a_request_the_contract_refuses_gets_one_line_and_records_no_run(
    service: tuple[Service, TestClient], text: str, status: int, detail: str
) -> None:
    keyed, client = service
    for path in ("/invoke", "/predict"):
        answer = client.post(path, content=text.encode())
        assert answer.status_code == status, answer.text
        assert detail in answer.json()["detail"]
        assert "\n" not in answer.json()["detail"]
    assert keyed.recorded == []


def test_integers_beyond_int64_are_read_as_the_floats_they_are(
    service: tuple[Service, TestClient], rows: list[dict[str, Any]]
) -> None:
    _, client = service
    big = [dict(row, signal=2**70) for row in rows]
    as_float = [dict(row, signal=float(2**70)) for row in rows]
    answer = client.post("/predict", json=body(big))
    assert answer.status_code == 200, answer.text
    assert answer.json() == client.post("/predict", json=body(as_float)).json()


def test_without_a_key_every_path_answers_without_one(served: ServedModel) -> None:
    open_service = Service(served, auth_key=None)
    with TestClient(open_service.app) as client:
        assert client.get("/identity").json() == IDENTITY
        answer = client.post("/predict", json=body([{"signal": 1.0, "noise": 0.0}]))
        assert answer.status_code == 422
        assert "lacks columns the model was trained on: colour" in answer.json()["detail"]


def test_invoke_beyond_the_run_limit_answers_503_while_predict_keeps_answering(
    served: ServedModel, rows: list[dict[str, Any]]
) -> None:
    limit, callers = 4, 50
    arrived = threading.Semaphore(0)
    release = threading.Event()

    def hold_the_run() -> None:
        arrived.release()
        assert release.wait(timeout=30), "the test never released the runs"

    service = Service(served, auth_key=None, max_concurrent_runs=limit, on_run=hold_the_run)
    expected = predict(records_to_frame(rows), served).as_outputs(3)

    async def load() -> tuple[list[httpx.Response], httpx.Response, list[httpx.Response]]:
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            calls = [
                asyncio.ensure_future(client.post("/invoke", json=body(rows)))
                for _ in range(callers)
            ]
            for _ in range(limit):  # every run the limit allows is now held
                assert await asyncio.to_thread(arrived.acquire, timeout=30)
            refused = []
            for finished in asyncio.as_completed(calls):
                refused.append(await finished)
                if len(refused) == callers - limit:
                    break
            meanwhile = await client.post("/predict", json=body(rows))
            release.set()
            return refused, meanwhile, await asyncio.gather(*calls)

    try:
        refused, meanwhile, answers = asyncio.run(asyncio.wait_for(load(), timeout=60))
    finally:
        release.set()
    assert meanwhile.status_code == 200 and meanwhile.json()["outputs"] == expected
    assert {answer.status_code for answer in refused} == {503}
    assert refused[0].headers["retry-after"] == "1"
    assert refused[0].json()["detail"].startswith("The service is recording 4 runs already")
    assert sorted(answer.status_code for answer in answers) == [200] * limit + [503] * (
        callers - limit
    )
    assert all(a.json()["outputs"] == expected for a in answers if a.status_code == 200)
    assert len(service.recorded) == limit
