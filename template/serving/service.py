"""The deployment service that keeps request rows out of ZenML's store."""

from __future__ import annotations

from typing import Any

from zenml.deployers.server.service import PipelineDeploymentService
from zenml.models import PipelineRunResponse, PipelineSnapshotResponse

ROWS = "rows"


class PrivateRowsDeploymentService(PipelineDeploymentService):
    """Records a run per request, without the request's rows.

    ZenML stores the parameters of every request in the snapshot of its run. Here the
    stored snapshot keeps the parameter's default (no rows), and the rows reach the step
    only through the snapshot held in this process's memory.
    """

    def _prepare_execute_with_orchestrator(
        self, run_name: str | None, resolved_params: dict[str, Any]
    ) -> tuple[PipelineRunResponse, PipelineSnapshotResponse]:
        stored = {name: value for name, value in resolved_params.items() if name != ROWS}
        run, snapshot = super()._prepare_execute_with_orchestrator(run_name, stored)
        for step in snapshot.step_configurations.values():
            if ROWS in step.config.parameters:
                step.config.parameters[ROWS] = resolved_params.get(ROWS, [])
        return run, snapshot
