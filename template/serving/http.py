"""The service's HTTP contract: `/invoke` and `/predict`, their guard and their errors.

`POST /invoke` runs the online inference pipeline (a ZenML run is recorded, without the
rows); `POST /predict` calls the same prediction function directly and records no run.
Both take `{"parameters": {"rows": [{column: value, ...}, ...]}}` and answer
`{"outputs": {"predictions", "probabilities", "model_version", "warnings"}}`; with
`record_predictions` on (configs/serving.yaml), `outputs` also holds `prediction_ids`, a
row's id in the history (serving/recording.py), and nothing else changes.
`GET /identity` states which deployment, model version and serving fingerprint this
service is (serving/identity.py), so that a client can tell it from whatever else
answers at its URL.

Statuses: 401 without the right key (checked before the body is read), 413 for a body
over the limit, 400 for a body that is not JSON or nests too deep to read, 422 for a
request the contract refuses (a missing column, a changed type, a key named twice, no
rows, another parameter, a number beyond a 64-bit float, a list or object as a value),
503 with Retry-After when `/invoke` is recording as many runs as it may at once, 500 for
anything else, with a one-line `detail` and never a stack trace. Every refusal is made
before `/invoke` records a run.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ml.contract import ContractViolation, enforce_contract, repeated_names
from ml.prediction import ServedModel, predict, records_to_frame
from serving.identity import IDENTITY_PATH
from serving.recording import OnlineRecorder, RecordingSettings

logger = logging.getLogger(__name__)

INVOKE_PATH = "/invoke"
PREDICT_PATH = "/predict"
# Paths whose body is read, up to max_request_bytes, before the request is passed on.
BODY_PATHS = (INVOKE_PATH, PREDICT_PATH)
# Paths behind the key, when the deployment has one: everything but /health, which the
# deployer and container platforms poll without it, and which says nothing but "up".
KEYED_PATHS = (
    *BODY_PATHS,
    IDENTITY_PATH,
    "/info",
    "/metrics",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
)
REQUEST_SHAPE = '{"parameters": {"rows": [{"column": value, ...}, ...]}}'
# What a 503 asks a caller to wait before it calls /invoke again.
RETRY_AFTER_SECONDS = 1
# Integers that numpy holds exactly; larger ones are read as floats, as JSON clients do.
INT64_RANGE = range(-(2**63), 2**63)
# A float64 has at most 309 integer digits; longer integers are refused before conversion.
MAX_INTEGER_DIGITS = 309

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class RequestError(Exception):
    """A request the service refuses, with its HTTP status, a one-line reason and headers."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


async def send_error(send: Send, status: int, detail: str, headers: dict[str, str]) -> None:
    """Answer with `status` and `{"detail": detail}`."""
    body = json.dumps({"detail": detail}).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(name.encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware in front of the keyed paths: the key, then the body's size.

    The key is checked before a byte of the body is read, so a caller without it learns
    nothing about the request format, nor the model (`/info`, the OpenAPI docs) or the
    traffic (`/metrics`). The body of a prediction path is read here, up to the limit,
    and passed on whole.
    """

    def __init__(self, app: Any, auth_key: str | None, max_request_bytes: int) -> None:
        self.app = app
        self.auth_key = auth_key
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """Pass a request on, or answer 401 or 413 without passing it."""
        path = scope["path"].rstrip("/") if scope["type"] == "http" else None
        if path not in KEYED_PATHS:
            await self.app(scope, receive, send)
            return
        if self.auth_key and not self.authorized(scope):
            detail = "A missing or wrong key: send the header `Authorization: Bearer <key>`."
            await send_error(send, 401, detail, {"www-authenticate": "Bearer"})
            return
        if path not in BODY_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_request_bytes:
            await send_error(send, 413, self.too_large(), {})
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_request_bytes:
                await send_error(send, 413, self.too_large(), {})
                return

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def authorized(self, scope: dict[str, Any]) -> bool:
        """Return whether the request carries the deployment's key as a bearer token."""
        value = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = value.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), str(self.auth_key).encode()
        )

    def too_large(self) -> str:
        """Return the reason for a body over the limit."""
        return (
            f"The request body is over {self.max_request_bytes} bytes: send fewer rows per "
            "request, or raise max_request_bytes in configs/serving.yaml."
        )


def refuse_constant(name: str) -> float:
    """Refuse NaN and Infinity, which are not JSON (json.loads would accept them)."""
    raise ValueError(f"{name} is not a JSON value")


class RepeatedKey(ValueError):
    """A JSON object that names a key twice (json.loads would keep the last silently)."""


def refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return a JSON object's pairs as a dict, or raise RepeatedKey naming a repeated key."""
    repeated = repeated_names(key for key, _ in pairs)
    if repeated:
        raise RepeatedKey(", ".join(repeated))
    return dict(pairs)


class OutOfRange(ValueError):
    """A JSON number that a 64-bit float cannot hold (json.loads would read 1e400 as inf)."""


def shortened(text: str, limit: int = 24) -> str:
    """Return `text`, or its start and end around an ellipsis when it is longer than `limit`."""
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def parse_float(text: str) -> float:
    """Return a JSON number with a fraction or exponent, or raise OutOfRange for 1e400."""
    value = float(text)
    if not math.isfinite(value):
        raise OutOfRange(shortened(text))
    return value


def parse_int(text: str) -> int | float:
    """Return a JSON integer: an int within int64, a float beyond it, OutOfRange beyond that."""
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise OutOfRange(shortened(text))
    value = int(text)
    if value in INT64_RANGE:
        return value
    try:
        return float(value)
    except OverflowError:
        raise OutOfRange(shortened(text)) from None


def parse_rows(body: bytes) -> list[dict[str, Any]]:
    """Return the rows of a request body, or raise a RequestError that says what is wrong."""
    try:
        payload = json.loads(
            body,
            parse_constant=refuse_constant,
            parse_float=parse_float,
            parse_int=parse_int,
            object_pairs_hook=refuse_repeated_keys,
        )
    except RepeatedKey as error:
        raise RequestError(
            422, f"An object in the body names a key more than once ({error}): send it once."
        ) from None
    except OutOfRange as error:
        raise RequestError(
            422,
            f"A number in the body is beyond what a 64-bit float holds ({error}): "
            "send numbers between -1.7e308 and 1.7e308.",
        ) from None
    except RecursionError:
        raise RequestError(
            400,
            f"The body nests lists or objects too deep to read: send {REQUEST_SHAPE}, "
            "one value per column.",
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestError(
            400, f"The body is not valid JSON ({error}): send {REQUEST_SHAPE}; null marks a gap."
        ) from None
    parameters = payload.get("parameters") if isinstance(payload, dict) else None
    if not isinstance(parameters, dict) or set(payload) != {"parameters"}:
        raise RequestError(422, f"The body must be {REQUEST_SHAPE}.")
    unknown = sorted(set(parameters) - {"rows"})
    if unknown:
        raise RequestError(
            422,
            f"Only `rows` can be sent; these parameters are not accepted: {', '.join(unknown)}.",
        )
    rows = parameters.get("rows")
    if not isinstance(rows, list):
        raise RequestError(422, f"`rows` must be a list of objects: send {REQUEST_SHAPE}.")
    if not rows:
        raise RequestError(422, "`rows` is empty: send at least one row to predict.")
    return rows


def add_endpoints(
    app: FastAPI,
    auth_key: str | None,
    max_request_bytes: int,
    max_concurrent_runs: int,
    served_model: Callable[[], ServedModel],
    record_run: Callable[[list[dict[str, Any]]], dict[str, Any]],
    identity: dict[str, Any],
    recorder: OnlineRecorder | None = None,
) -> None:
    """Add the prediction endpoints, `/identity` and their guard to a FastAPI app.

    `served_model` returns the loaded version; `record_run` runs the online inference
    pipeline on rows that passed every check here, and returns its answer. At most
    `max_concurrent_runs` runs are recorded at once; `/invoke` answers 503 beyond.
    `recorder`, when given, records every answered request in the history and adds
    its prediction ids to the answer.
    """
    app.add_middleware(RequestGuard, auth_key=auth_key, max_request_bytes=max_request_bytes)
    recording = threading.BoundedSemaphore(max_concurrent_runs)
    busy = (
        f"The service is recording {max_concurrent_runs} runs already, its limit: retry "
        f"after {RETRY_AFTER_SECONDS} s, call {PREDICT_PATH} (it records no run), or raise "
        "max_concurrent_runs in configs/serving.yaml."
    )

    def run_pipeline(rows: list[dict[str, Any]]) -> dict[str, Any]:
        served = served_model()
        enforce_contract(records_to_frame(rows), served.contract)  # 422 before any run
        # Beyond the limit, runs would wait for the store's connections and fail.
        if not recording.acquire(blocking=False):
            raise RequestError(503, busy, {"retry-after": str(RETRY_AFTER_SECONDS)})
        try:
            return record_run(rows)
        finally:
            recording.release()

    def predict_directly(rows: list[dict[str, Any]]) -> dict[str, Any]:
        served = served_model()
        return {"outputs": predict(records_to_frame(rows), served).as_outputs(served.version)}

    def recorded(
        recorder: OnlineRecorder,
        handler: Callable[..., dict[str, Any]],
        rows: list[dict[str, Any]],
    ) -> dict[str, Any]:
        try:
            started = recorder.start(rows, served_model().version)
        except ValueError as error:  # ids missing or repeated: before any run
            raise RequestError(422, str(error)) from None
        return recorder.finish(started, handler(started.rows))

    async def answer(request: Request, handler: Callable[..., dict[str, Any]]) -> JSONResponse:
        try:
            rows = parse_rows(await request.body())
            if recorder is not None:
                return JSONResponse(await run_in_threadpool(recorded, recorder, handler, rows))
            return JSONResponse(await run_in_threadpool(handler, rows))
        except RequestError as error:
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status, headers=error.headers
            )
        except ContractViolation as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        except Exception as error:  # noqa: BLE001 - the client gets one line, never a trace
            # The message may quote request values, which are never logged.
            logger.error("A prediction request failed: %s.", type(error).__name__)
            detail = f"The prediction failed ({type(error).__name__}); the service log names it."
            return JSONResponse({"detail": detail}, status_code=500)

    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["parameters"],
                    "properties": {
                        "parameters": {
                            "type": "object",
                            "required": ["rows"],
                            "properties": {
                                "rows": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"type": "object"},
                                }
                            },
                        }
                    },
                }
            }
        },
    }

    @app.get(IDENTITY_PATH, summary="Which deployment, model version and code this service is")
    async def state_identity() -> JSONResponse:
        return JSONResponse(identity)

    @app.post(
        INVOKE_PATH,
        summary="Predict raw rows through the online inference pipeline (records a run)",
        openapi_extra={"requestBody": body},
    )
    async def invoke(request: Request) -> JSONResponse:
        return await answer(request, run_pipeline)

    @app.post(
        PREDICT_PATH,
        summary="Predict raw rows with the loaded version directly (fast, records no run)",
        openapi_extra={"requestBody": body},
    )
    async def predict_rows(request: Request) -> JSONResponse:
        return await answer(request, predict_directly)


def install(
    app_runner: Any,
    max_request_bytes: int,
    max_concurrent_runs: int,
    recording: dict[str, Any] | None = None,
) -> None:
    """Install the prediction endpoints, their guard and error handlers on the service.

    A ZenML app extension: it runs once, when the deployment's FastAPI app is built.
    `recording` holds the RecordingSettings when record_predictions is on.
    """
    from serving.identity import ServiceIdentity
    from upstream import deployment_app_parts, record_pipeline_run, run_state

    app, deployment, service = deployment_app_parts(app_runner)

    def served_model() -> ServedModel:
        served = run_state()
        if not isinstance(served, ServedModel):
            raise RuntimeError("the service started without a model version")
        return served

    def record_run(rows: list[dict[str, Any]]) -> dict[str, Any]:
        success, run_id, outputs = record_pipeline_run(service, {"rows": rows})
        if not success:
            raise RuntimeError(f"the prediction run {run_id} failed; its step log has the cause")
        return {"outputs": outputs, "run_id": run_id}

    add_endpoints(
        app,
        auth_key=deployment.auth_key,
        max_request_bytes=max_request_bytes,
        max_concurrent_runs=max_concurrent_runs,
        served_model=served_model,
        record_run=record_run,
        identity=ServiceIdentity.of(deployment).as_json(),
        recorder=OnlineRecorder(RecordingSettings(**recording)) if recording else None,
    )
