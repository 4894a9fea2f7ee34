"""The model card: the data, scores, gates, limits and promotion of one version."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.card import CardText, build_card, date_ranges, describe_data, with_card
from ml.contract import build_contract
from ml.evaluation import GateCheck, ModelEvaluation, ScoreInterval
from ml.promotion import PromotionDecision
from ml.roles import infer_roles


def labelled_rows() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    size = 300
    return pd.DataFrame(
        {
            "amount": rng.normal(size=size),
            "shop": rng.choice(["north", "south"], size=size),
            "booked": pd.date_range("2024-01-03", periods=size, freq="D").astype(str),
            "label": np.where(
                np.arange(size) < 10, "rare", np.where(rng.random(size) < 0.5, "a", "b")
            ),
        }
    )


def evaluation() -> ModelEvaluation:
    return ModelEvaluation(
        metric="f1",
        label="f1 (macro average over classes)",
        greater_is_better=True,
        scores={"train": 0.91, "test": 0.8765},
        interval=ScoreInterval(
            metric="f1", value=0.8765, low=0.8123, high=0.9321, resamples=200, rows=60
        ),
        gates=[
            GateCheck(dataset="train", score=0.91, threshold=0.8, held=True),
            GateCheck(dataset="test", score=0.8765, threshold=0.9, held=False),
        ],
        class_support={"a": 30, "b": 30, "rare": 0},
    )


def test_the_data_facts_come_from_the_rows_and_their_contract() -> None:
    frame = labelled_rows()
    features = frame.drop(columns="label")
    contract = build_contract(features, frame["label"], "classification", infer_roles(features, {}))
    facts = describe_data(frame, contract, "custom", "abc123")
    assert facts.roles == {"amount": "numeric", "shop": "categorical", "booked": "datetime"}
    assert facts.date_ranges == {"booked": ("2024-01-03", "2024-10-28")}
    assert facts.class_counts["rare"] == 10 and facts.rows == 300
    assert facts.fingerprint == contract["fingerprint"]
    assert date_ranges(frame, {"amount": "numeric"}) == {}


def test_the_card_names_digest_roles_metrics_gates_limits_and_decision() -> None:
    frame = labelled_rows()
    features = frame.drop(columns="label")
    contract = build_contract(features, frame["label"], "classification", infer_roles(features, {}))
    facts = describe_data(frame, contract, "custom", "abc123")
    decision = PromotionDecision(
        promote=False,
        reason="it missed the quality gates (f1 on the test set is 0.8765)",
        metric="f1",
        new_score=0.8765,
    )
    card = build_card(
        "churn",
        "4",
        CardText(audience="The churn team.", ethics=None),
        facts,
        evaluation(),
        decision,
        {"svm": "more than 10000 training rows"},
    )
    assert card.startswith("# Model card: churn, version 4\n")
    assert "- **Audience**: The churn team." in card and "Ethics" not in card
    assert "file digest `abc123`" in card and contract["fingerprint"] in card
    assert "| `booked` | datetime |" in card and "| `shop` | categorical |" in card
    assert "Dates in `booked`: 2024-01-03 to 2024-10-28" in card
    assert "| test | 0.8765 | 0.8123 to 0.9321 |" in card
    assert "| test | 0.8765 | at least 0.9 | missed |" in card
    assert "Model family svm did not compete: more than 10000 training rows." in card
    assert "Small classes, whose scores are uncertain: rare (10 rows)." in card
    assert "Classes with no test row, so never scored: rare." in card
    assert "Categories that training never saw (in shop)" in card
    assert card.rstrip().endswith("Not promoted: " + decision.reason + ".")


def test_a_report_opens_with_the_card_of_its_version() -> None:
    card = "# Model card: churn, version 3\n\n<script>alert(1)</script>"
    page = with_card("<html><head></head><body><div id='report'></div></body></html>", card, 3)
    before, _, after = page.partition("<body>")
    assert after.startswith("<details") and "Model version 3: its card" in after
    assert "# Model card: churn, version 3" in after
    assert "<script>" not in page and "&lt;script&gt;" in page  # shown, never run
    assert after.index("</details>") < after.index("id='report'")
