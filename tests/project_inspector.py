"""Answer questions about a rendered project's runs, one process for all of a test's.

Runs inside a rendered project, with that project's ZenML home in the environment. It
reads one question a line on stdin, `state` (what inspect_project.py collects) or
`probe` (what serving_probe.py collects), and answers each with one line on stdout:
ANSWER_MARK and JSON, or ERROR_MARK and the traceback. Each answer reads the store
again; only the imports (4.5 s of the 6.9 s a separate process took) are paid once.
It ends when stdin closes.
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
        question = line.strip()
        try:
            answer = ANSWER_MARK + json.dumps(QUESTIONS[question]())
        except Exception:  # the test that asked gets the traceback
            answer = ERROR_MARK + json.dumps(traceback.format_exc())
        print(answer, flush=True)


if __name__ == "__main__":
    main()
    # A native thread of the loaded libraries sometimes aborts during interpreter
    # teardown, after the work is done; skip the teardown.
    os._exit(0)
