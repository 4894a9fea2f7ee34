"""Write the model version's card once its promotion is decided."""

from typing import Annotated

import pandas as pd
from zenml import get_step_context, step
from zenml.types import MarkdownString

from ml.card import CardText, build_card, describe_data
from ml.evaluation import ModelEvaluation
from ml.promotion import PromotionDecision
from ml.settings import DataSettings


@step(enable_cache=False)
def model_card(
    raw_dataset: pd.DataFrame,
    evaluation: ModelEvaluation,
    decision: PromotionDecision,
    data: DataSettings,
) -> Annotated[MarkdownString, "model_card"]:
    """Return the version's Markdown card: intended use, data, scores, limits, promotion.

    The intended use comes from the model's card fields (configs/training.yaml); the
    column roles and content digest from the data contract on the version's
    preprocessing artifact; the file digest from the raw dataset artifact.
    """
    model = get_step_context().model
    contract = model.get_artifact("preprocess_pipeline").run_metadata["data_contract"]
    dataset_version = model.get_artifact("raw_dataset").run_metadata.get("dataset_version")
    selection = model.run_metadata.get("model_selection") or {}
    text = CardText(
        description=model.description,
        audience=model.audience,
        use_cases=model.use_cases,
        limitations=model.limitations,
        trade_offs=model.trade_offs,
        ethics=model.ethics,
    )
    card = build_card(
        model.name,
        str(model.version),
        text,
        describe_data(raw_dataset, contract, data.dataset, dataset_version),
        evaluation,
        decision,
        selection.get("skipped") or {},
    )
    return MarkdownString(card)
