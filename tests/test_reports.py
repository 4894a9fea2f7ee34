"""A generated project's evaluation report, opened in a real headless browser."""

from __future__ import annotations

from pathlib import Path

from conftest import Renderer, assert_drawn, screenshot
from generated_project import run_in_project

# Builds the default dataset's report with the project's own code, as its evaluator does.
BUILD_REPORT = """
import sys
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ml.data import load_dataset
from ml.evaluation import evaluate, evaluation_report, predict, raw_column_importance
from ml.metrics import get_metric
from ml.preprocessing import build_preprocessor, fit_and_transform
from ml.roles import infer_roles

frame = load_dataset("breast_cancer", None, "target")
rows, target = frame.drop(columns="target"), frame["target"]
test = rows.index % 5 == 0
preprocessor = build_preprocessor(
    rows[~test], infer_roles(rows[~test], {}), True, 100, target_classes=2, random_state=0
)
features_trn, features_tst, pipeline = fit_and_transform(
    rows[~test], target[~test], rows[test], preprocessor
)
model = LogisticRegression(max_iter=1000).fit(features_trn, target[~test])
metric = get_metric("accuracy")
scores = {"test": metric.score(model, features_tst, target[test])}
importance = raw_column_importance(
    Pipeline([("preprocess", pipeline), ("model", model)]), rows[test], target[test], metric
)
predictions = predict(model, features_tst, target[test])
evaluation = evaluate(metric, predictions, scores, {"test": 0.8}, importance)
Path(sys.argv[1]).write_text(evaluation_report("Breast cancer", evaluation, predictions))
"""


def test_the_evaluation_report_shows_its_figures_in_a_browser(
    render_project: Renderer, chromium: str, tmp_path: Path
) -> None:
    project = render_project()
    script, page = tmp_path / "build_report.py", tmp_path / "report.html"
    script.write_text(BUILD_REPORT)
    run_in_project(project, [str(script), str(page)])
    assert_drawn(screenshot(chromium, page.read_text(), "evaluation_breast_cancer"))
