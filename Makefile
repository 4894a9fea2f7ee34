# Set-up, demo and tests of the template. Needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo

.PHONY: demo demo-stop test benchmark lock clean

$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements.lock
	touch $@

demo: $(BIN)/.installed ## Render the template with default answers and run its pipelines
	$(BIN)/python scripts/demo.py run $(DEMO_DIR)

demo-stop: $(BIN)/.installed ## Stop the model services the demo left running
	$(BIN)/python scripts/demo.py stop $(DEMO_DIR)

# One worker per core (at most 4); a test file stays on one worker, so the project it
# shares between its tests is trained once. Files start longest first, in the order
# tests/conftest.py gives them (xdist would otherwise order them by their test count).
test: $(BIN)/.installed ## Run the template's test suite
	$(BIN)/python -m pytest tests --numprocesses=auto --maxprocesses=4 --dist=loadfile --no-loadscope-reorder --durations=15

benchmark: $(BIN)/.installed ## Time the generated project against plain scikit-learn
	$(BIN)/python scripts/benchmark.py

lock: ## Re-resolve requirements.lock from requirements.in
	$(BIN)/uv pip compile --universal --python-version 3.11 --quiet requirements.in -o requirements.lock

clean:
	rm -rf $(VENV) $(DEMO_DIR)
