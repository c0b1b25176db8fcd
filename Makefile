# Set-up and the two quick-start jobs. Every target (re)creates .venv as needed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FIXTURES ?= ../shared/fixtures
WORK_DIR ?= work_dirs/quickstart

.PHONY: install demo test test-variants test-fast clean-venv

install:
	@set -o pipefail; bash tools/setup_env.sh 2>&1 | grep --line-buffered -v "is ignored: it is neither a file nor a directory"

# Main job: train the small ADNet on the real fixture faces on CPU, evaluate, visualise.
demo: install
	@bash tools/quickstart.sh $(PY) $(FIXTURES) $(WORK_DIR)

PYTEST := $(PY) -m pytest tests -q -ra -p no:cacheprovider

# Full test suite (CPU): every test, slow, multi-process, packaging and registry ones included,
# then the numerically sensitive small-network tests again under other CPU kernels and thread
# counts. Fails when tests fail or when none ran (pytest's exit 5).
test: install
	$(PYTEST) --durations=10
	@bash tools/test_variants.sh $(PY)

# Day-to-day loop: the suite without the slow, multi-process, packaging and registry tests.
test-fast: install
	$(PYTEST) -m "not slow and not dist and not packaging and not network"

# Only the reruns; one variation: make test-variants VARIATION='ATEN_CPU_CAPABILITY=default'
test-variants: install
	@bash tools/test_variants.sh $(PY) $(VARIATION)

clean-venv:
	rm -rf $(VENV)
