"""Answer questions about a rendered project's runs, one process for all of a test's.

Runs inside a rendered project, with that project's ZenML home in the environment. It
reads one question a line on stdin, `state` (what inspect_project.py collects) or
`probe` (what serving_probe.py collects), and answers each with one line on stdout:
ANSWER_MARK and JSON, or ERROR_MARK and the traceback. Each answer reads the store
again and starts with none of the project's own modules imported, as a process of its
own would; only the libraries' imports (4.5 s of the 6.9 s such a process took) are
paid once. It ends when stdin closes.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

from inspect_project import project_state
from serving_probe import batch_and_pyfunc_answers

ANSWER_MARK = "INSPECTOR-ANSWER "
ERROR_MARK = "INSPECTOR-ERROR "
QUESTIONS = {"state": project_state, "probe": batch_and_pyfunc_answers}


def main() -> None:
    """Answer each question read from stdin until it closes."""
    for line in sys.stdin:
        try:
            answer = ANSWER_MARK + json.dumps(answer_afresh(line.strip()))
        except Exception:  # the test that asked gets the traceback
            answer = ERROR_MARK + json.dumps(traceback.format_exc())
        print(answer, flush=True)


def answer_afresh(question: str) -> dict:
    """Return the answer to `question`, then forget the project modules it imported.

    A probe loads the registered MLflow model, which puts the model's own copy of the
    project's code first on sys.path and imports from it: the next question must find
    neither, so that the model is always checked with the code it was logged with and
    the project's settings are read from the project.
    """
    path, modules = list(sys.path), set(sys.modules)
    try:
        return QUESTIONS[question]()
    finally:
        sys.path[:] = path
        project = os.path.realpath(os.getcwd())
        for name in set(sys.modules) - modules:
            module = sys.modules[name]
            places = [getattr(module, "__file__", None), *getattr(module, "__path__", [])]
            if any(os.path.realpath(place).startswith(project) for place in places if place):
                del sys.modules[name]


if __name__ == "__main__":
    main()
    # A native thread of the loaded libraries sometimes aborts during interpreter
    # teardown, after the work is done; skip the teardown.
    os._exit(0)
