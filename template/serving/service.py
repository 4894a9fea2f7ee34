"""The deployment service that keeps request rows out of ZenML's store."""

from __future__ import annotations

from zenml.deployers.server.service import PipelineDeploymentService

from upstream import rows_kept_out_of_store

RowsKeptOutOfStore = rows_kept_out_of_store(PipelineDeploymentService)


class PrivateRowsDeploymentService(RowsKeptOutOfStore):  # type: ignore[misc, valid-type]
    """Records a run per request, without the request's rows (upstream.rows_kept_out_of_store)."""
