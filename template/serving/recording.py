"""The service's recording of online predictions in the history (record_predictions).

Recording happens here, in the HTTP layer, after the prediction and outside any ZenML
step: the rows go to the history only, never to ZenML's store. A history the service
cannot reach costs the history those predictions, never the caller its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ml.history import History
from ml.online import OnlineRequest, now_utc, request_part, start_request, write_part

logger = logging.getLogger(__name__)

NOT_RECORDED = (
    "These predictions were not recorded in the history (the service log says why): "
    "labels sent for their ids will match nothing."
)


@dataclass(frozen=True)
class RecordingSettings:
    """Where and how the service records its predictions: monitoring.yaml's settings."""

    history_path: str
    id_column: str | None
    model_name: str


class OnlineRecorder:
    """Gives each row of a request an id, and writes the request's file to the history."""

    def __init__(
        self, settings: RecordingSettings, clock: Callable[[], datetime] = now_utc
    ) -> None:
        self.settings = settings
        self.history = History(settings.history_path)
        self.clock = clock

    def start(self, rows: list[dict[str, Any]], model_version: int) -> OnlineRequest:
        """Return the request's ids and the rows to predict; a ValueError for bad ids."""
        return start_request(
            rows, self.settings.model_name, model_version, self.settings.id_column, self.clock()
        )

    def finish(self, request: OnlineRequest, answer: dict[str, Any]) -> dict[str, Any]:
        """Record the request, and return the answer with its prediction ids.

        When the history cannot be written, the answer says so in its warnings, and the
        service log in one line, which names the error's type but never a value.
        """
        outputs = dict(answer["outputs"])
        try:
            write_part(
                self.history,
                request_part(request, outputs, self.settings.model_name),
                request.received_at,
            )
        except Exception as error:  # noqa: BLE001 - the caller still gets the prediction
            logger.error(
                "Recording %d online predictions in %s failed (%s): they are not in the history.",
                len(request.ids),
                self.history.root,
                type(error).__name__,
            )
            outputs["warnings"] = [*outputs["warnings"], NOT_RECORDED]
        outputs["prediction_ids"] = request.ids
        return {**answer, "outputs": outputs}
