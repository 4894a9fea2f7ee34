"""The project's settings: typed groups that the YAML files in configs/ hold.

`configs/training.yaml` holds a training run's groups and `configs/batch_inference.yaml`
only what batch inference adds; batch inference reads the data settings that the
staged version was trained with. Each file is validated here, before ZenML sees it:
an unknown key or a wrong value stops the run with the file and the key path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ml import PROJECT_ROOT
from ml.data import BUNDLED_DATASETS
from ml.metrics import get_metric
from ml.roles import ROLES

CONFIGS = PROJECT_ROOT / "configs"


class Settings(BaseModel):
    """A group of settings: unknown keys are refused, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DataSettings(Settings):
    """Where the labelled rows come from, and which of them training never sees."""

    # A dataset bundled with scikit-learn (ml/data.py lists them), or `custom`.
    dataset: str
    dataset_path: str | None = None
    target_column: str = Field(min_length=1)
    task_type: Literal["classification", "regression"]
    # A seeded share of the labelled rows that training holds out for batch inference;
    # 0 when new rows come from a file of their own (`inference_data_path`).
    inference_share: float = Field(ge=0, lt=1)
    random_state: int

    @model_validator(mode="after")
    def _a_known_dataset_and_its_file(self) -> DataSettings:
        if self.dataset != "custom" and self.dataset not in BUNDLED_DATASETS:
            known = ", ".join([*BUNDLED_DATASETS, "custom"])
            raise ValueError(f"unknown dataset {self.dataset!r}: use one of {known}")
        if self.dataset == "custom" and not self.dataset_path:
            raise ValueError("dataset 'custom' needs dataset_path, a CSV or Parquet file")
        if self.dataset != "custom" and self.dataset_path:
            raise ValueError(
                f"dataset_path is read only with dataset 'custom', not {self.dataset!r}: set "
                "it to null, or set dataset to custom"
            )
        return self


class PreprocessingSettings(Settings):
    """How labelled rows are split, and how their columns become features."""

    test_size: float = Field(gt=0, lt=1)
    normalize: bool = True
    drop_columns: list[str] = []
    column_roles: dict[str, str] = {}
    max_features: int = Field(ge=1)

    @field_validator("column_roles")
    @classmethod
    def _known_roles(cls, roles: dict[str, str]) -> dict[str, str]:
        for column, role in roles.items():
            if role not in ROLES:
                known = ", ".join(ROLES)
                raise ValueError(f"gives {column!r} the role {role!r}: use one of {known}")
        return roles


class ModelFamily(Settings):
    """A competing model family: an estimator class, its defaults and its search space."""

    # An importable class path; pydantic's patterns match `$` at the very end only.
    estimator: str = Field(pattern=r"^[A-Za-z_][\w.]*[.][A-Za-z_]\w*$")
    defaults: dict[str, Any] = {}
    search_space: dict[str, Any] = {}
    # Families whose cost grows with the square of the rows are skipped beyond this.
    max_training_rows: int | None = Field(default=None, ge=1)


class SearchSettings(Settings):
    """Which model families compete, and how each one's hyperparameters are searched."""

    hyperparameters_tuning: bool
    strategy: Literal["random", "grid"]
    iterations: int = Field(ge=1)
    cv_folds: int = Field(ge=2)
    max_rows: int = Field(ge=4)
    resources: dict[str, Any] = {}
    model_families: dict[str, ModelFamily] = Field(min_length=1)

    @field_validator("resources")
    @classmethod
    def _resources_zenml_knows(cls, resources: dict[str, Any]) -> dict[str, Any]:
        from zenml.config import ResourceSettings

        unknown = sorted(set(resources) - set(ResourceSettings.model_fields))
        if unknown:
            known = ", ".join(sorted(ResourceSettings.model_fields))
            raise ValueError(f"{unknown[0]!r} is not a resource: use {known}")
        return resources

    @model_validator(mode="after")
    def _enough_rows_for_the_folds(self) -> SearchSettings:
        if self.max_rows < 2 * self.cv_folds:
            raise ValueError(
                f"max_rows ({self.max_rows}) must be at least twice cv_folds ({self.cv_folds})"
            )
        return self

    def of_family(self, family: str) -> SearchSettings:
        """Return these settings with the one family `family`, and no resources.

        What one family's search depends on: a step given it is cached apart from the
        other families' spaces and from the resources it ran with.
        """
        return self.model_copy(
            update={"model_families": {family: self.model_families[family]}, "resources": {}}
        )


class QualityGateSettings(Settings):
    """The least score a version needs, on training and test rows, to be promoted."""

    train_threshold: float | None
    test_threshold: float | None
    fail_on_quality_gates: bool = False


class PromotionSettings(Settings):
    """How a new version earns the target stage, and which metric judges it."""

    metric: str
    metric_compare: bool
    min_improvement: float = Field(ge=0)
    target_environment: Literal["staging", "production"]


class AlertSettings(Settings):
    """Which runs send an alert through the stack's alerter."""

    notify_on_failures: bool
    notify_on_successes: bool


class DriftSettings(Settings):
    """The Evidently gates that new rows must pass before they are predicted."""

    data_quality_checks: bool
    sample_rows: int = Field(ge=100)
    max_drifted_share: float = Field(ge=0, le=1)
    max_missing_share_increase: float = Field(ge=0, le=1)


class ModelSettings(Settings):
    """The ZenML model that training versions: its name, and the card the dashboard shows.

    `audience` to `ethics` are the card's own words: each version's Markdown card
    (ml/card.py) opens with them.
    """

    name: str = Field(min_length=1)
    description: str | None = None
    license: str | None = None
    tags: list[str] = []
    audience: str | None = None
    use_cases: str | None = None
    limitations: str | None = None
    trade_offs: str | None = None
    ethics: str | None = None


class TrainingParameters(Settings):
    """The groups of a training run: the parameters of the training pipeline."""

    data: DataSettings
    preprocessing: PreprocessingSettings
    search: SearchSettings
    quality_gates: QualityGateSettings
    promotion: PromotionSettings
    alerts: AlertSettings

    @model_validator(mode="after")
    def _metric_fits_the_task(self) -> TrainingParameters:
        try:
            get_metric(self.promotion.metric, self.data.task_type)
        except ValueError as error:
            raise ValueError(f"promotion.metric: {error}") from None
        return self


class TrainingConfig(Settings):
    """The whole of configs/training.yaml."""

    model: ModelSettings
    parameters: TrainingParameters


class BatchInferenceParameters(Settings):
    """What batch inference adds to the data settings of the version it predicts with."""

    inference_data_path: str | None
    predictions_path: str | None = None
    drift: DriftSettings
    alerts: AlertSettings


class BatchInferenceConfig(Settings):
    """The whole of configs/batch_inference.yaml."""

    parameters: BatchInferenceParameters


class TriggerSettings(Settings):
    """When monitoring retrains: a rule on each batch, with hysteresis over the last ones."""

    # The promotion metric of a batch, realized or else estimated: a batch breaches below
    # it (above it, for metrics where lower is better). null: no metric rule.
    metric_threshold: float | None
    # A batch breaches once this share of its columns drifted, as batch inference's drift
    # gate fails (a batch with no drifted column never does). null: no drift rule.
    max_drifted_share: float | None = Field(ge=0, le=1)
    # The realized metric counts once at least this share of a batch is labelled.
    min_labelled_share: float = Field(gt=0, le=1)
    # Fires when `breaches` of the last `window` batches breach, the latest among them.
    breaches: int = Field(ge=1)
    window: int = Field(ge=1)

    @model_validator(mode="after")
    def _breaches_fit_the_window(self) -> TriggerSettings:
        if self.breaches > self.window:
            raise ValueError(
                f"breaches ({self.breaches}) cannot exceed window ({self.window}): lower "
                "breaches or widen the window"
            )
        return self


class ScheduleSettings(Settings):
    """Cron expressions of the runs that `python run.py --schedule` registers."""

    batch_inference: str = Field(pattern=r"^\S+( \S+){4}$")
    monitor: str = Field(pattern=r"^\S+( \S+){4}$")


class MonitoringConfig(Settings):
    """The whole of configs/monitoring.yaml: the batch history, and when to retrain."""

    # Where each batch's record, predictions and labels are kept: a folder of the
    # project, or a path in the stack's artifact store (s3://, gs://, az://).
    history_path: str = Field(min_length=1)
    # A column of the new rows that names each row; null gives each prediction an id.
    id_column: str | None = Field(default=None, min_length=1)
    # A batch's performance is estimated on a seeded sample of at most this many rows.
    estimate_rows: int = Field(ge=100)
    trigger: TriggerSettings
    schedule: ScheduleSettings

    @field_validator("history_path")
    @classmethod
    def _no_credentials(cls, path: str) -> str:
        from ml.alerts import URL_CREDENTIALS

        if URL_CREDENTIALS.search(path):
            raise ValueError(
                "holds a user name or password: take it out, the stack's artifact store "
                "has the credentials"
            )
        return path


class ServingConfig(Settings):
    """What serving needs: the whole of configs/serving.yaml, and the version it serves.

    `model_name` and `stage` are not keys of configs/serving.yaml: `load` takes them from
    configs/training.yaml (the model's name, and promotion's target_environment), so
    that each value lives in one file.
    """

    model_name: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    deployment_name: str = Field(min_length=1)
    max_request_bytes: int = Field(ge=1024)
    max_concurrent_runs: int = Field(ge=1)
    deploy_timeout: int = Field(ge=1)
    # Whether the service records each answered row in the monitoring history (request
    # data) and answers its prediction_id; off unless the user turns it on.
    record_predictions: bool = False
    # configs/monitoring.yaml's, given while record_predictions is on; None otherwise.
    history_path: str | None = None
    id_column: str | None = None

    @classmethod
    def load(cls, folder: Path = CONFIGS) -> ServingConfig:
        """Read configs/serving.yaml and configs/training.yaml, naming the file and key at fault.

        configs/monitoring.yaml is read only while the service records its predictions.
        """
        training = load_settings("training", TrainingConfig, folder)
        given: dict[str, Any] = {
            "model_name": training.model.name,
            "stage": training.parameters.promotion.target_environment,
            "history_path": None,
            "id_column": None,
        }
        serving = load_settings("serving", cls, folder, given=given)
        if not serving.record_predictions:
            return serving
        monitoring = load_settings("monitoring", MonitoringConfig, folder)
        return serving.model_copy(
            update={"history_path": monitoring.history_path, "id_column": monitoring.id_column}
        )

    def recording(self) -> dict[str, Any] | None:
        """Return the service's recording settings (serving.recording), or None when off."""
        if not self.record_predictions:
            return None
        return {
            "history_path": self.history_path,
            "id_column": self.id_column,
            "model_name": self.model_name,
        }


Config = TypeVar("Config", bound=BaseModel)


class SettingsError(click.ClickException, ValueError):
    """A configuration file that cannot be used, named with the key at fault.

    A command line that meets one stops with its one line, and no traceback.
    """


def load_settings(
    name: str, kind: type[Config], folder: Path = CONFIGS, given: dict[str, Any] | None = None
) -> Config:
    """Return `configs/NAME.yaml` validated as `kind`.

    `given` holds the values of `kind` that another file holds; the file itself may not
    set them. Raises SettingsError with one line: the file, the key path and what is
    wrong.
    """
    path = folder / f"{name}.yaml"
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SettingsError(f"{path} is missing: copier renders it; restore it.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path} cannot be read ({error}): fix the file.") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise SettingsError(f"{path} is not valid YAML{line}: fix its syntax.") from None
    raw = raw or {}
    if given and isinstance(raw, dict):
        taken = sorted(set(given) & set(raw))
        if taken:
            raise SettingsError(
                f"{path}: {taken[0]} is not a setting of this file (another file holds it): "
                "remove it."
            )
        raw = {**raw, **given}
    try:
        return kind.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(describe_error(path, error)) from None


def describe_error(path: Path, error: ValidationError) -> str:
    """Return every problem of a validation error on one line, each naming its key path.

    A misspelled key also shows as the right key missing: the misspelling comes first.
    """
    problems = sorted(error.errors(), key=lambda problem: problem["type"] != "extra_forbidden")
    first, *others = [describe_problem(problem) for problem in problems]
    tail = f"; and {'; '.join(others)}" if others else ""
    return f"{path}: {first}{tail}."


def describe_problem(problem: Any) -> str:
    """Return one problem of a validation error as its key path and what is wrong."""
    keys = ".".join(str(part) for part in problem["loc"]) or "(top level)"
    if problem["type"] == "extra_forbidden":
        text = "is not a setting (check its spelling and its group)"
    elif problem["type"] == "missing":
        text = "is missing"
    else:
        text = problem["msg"].removeprefix("Value error, ").rstrip(".")
        # A check across a group names the key inside it: `promotion.metric: ...`.
        inner = re.match(r"([a-z_]+(?:[.][a-z_]+)*): (.*)", text)
        if inner:
            keys, text = f"{keys}.{inner[1]}", inner[2]
        elif "input" in problem and not isinstance(problem["input"], dict | list):
            text += f" (it is {problem['input']!r})"
    return f"{keys} {text}"
