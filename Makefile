# Fargate Lab Kit: every command a learner, instructor or CI runs.
# `make lab` and `make test` set everything up first; `setup` is idempotent.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.labkit-installed
ARGS   ?=
# Parallel workers for the test suite (notebooks stay whole per worker).
JOBS   ?= 2
# `make test-hub`: how many learners the class has, and configurable-http-proxy (npm) in a git-ignored folder.
LEARNERS  ?= 8
HUB_STAMP := $(VENV)/.labkit-hub-installed
# Kernels load the mock as they start, forked from a warm template (`labkit preload` writes the IPython config and
# names the provisioner in the python3 kernelspec; pip's editable install cannot place such files).
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
PROXY     := .hub-node/node_modules/.bin/configurable-http-proxy

.PHONY: setup lab test test-unit test-notebooks test-browser test-hub bench diagrams student grade lint doctor clean \
	browser-deps dot

setup: $(STAMP) $(KERNEL_CONFIG) dot

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Fargate Lab Kit needs Python 3.10 or newer; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

$(KERNEL_CONFIG): $(STAMP) labkit/lab/preload.py
	$(BIN)/labkit preload

# Graphviz's `dot` renders the diagrams. Install it when we can; otherwise say how and carry on.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Graphviz (dot) with apt-get..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null; \
	  else \
	    echo "Graphviz 'dot' is not installed: diagrams fall back to pictures shipped with the course."; \
	    echo "To draw live diagrams, install it: sudo apt-get install graphviz  (macOS: brew install graphviz)"; \
	  fi; }

# Chromium drives the browser test. Installed only when we are root with apt-get; skipped loudly otherwise.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser test with apt-get..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  fi; }

lab: setup
	LABKIT_MODE=mock $(BIN)/labkit lab $(ARGS)

doctor: setup
	$(BIN)/labkit doctor

test: setup browser-deps
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks assignments/source

test-unit: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests --ignore=tests/browser

test-notebooks: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks assignments/source

test-browser: setup browser-deps
	$(BIN)/python -m pytest tests/browser -p no:xdist

# A class on the single-machine JupyterHub of deploy/hub: LEARNERS learners at once pull the course with the
# class link, run lesson 00 and a check; prints the time and memory per learner, stops all it started.
test-hub: setup $(HUB_STAMP) $(PROXY)
	$(BIN)/python -m pytest -q tests/test_hub_configs.py tests/test_hubtest.py tests/test_local_isolation.py
	$(BIN)/python -m tools.hubtest --learners $(LEARNERS)

$(HUB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,hub]'
	@touch $(HUB_STAMP)

$(PROXY):
	@command -v npm >/dev/null 2>&1 || { echo "make test-hub needs Node.js and npm (for configurable-http-proxy):" \
	  "install them (Debian/Ubuntu: sudo apt-get install nodejs npm) and run it again." >&2; exit 1; }
	npm install --silent --no-audit --no-fund --prefix .hub-node configurable-http-proxy@5.3

# `make bench ARGS="--only notebooks --cells"`: any option of `python -m tools.bench --help`.
bench: setup browser-deps
	$(BIN)/python -m tools.bench $(ARGS)

diagrams: setup
	$(BIN)/labkit diagrams

student: setup
	$(BIN)/labkit student

grade: setup
	$(BIN)/labkit grade submissions/ --out gradebook.csv

lint: setup
	$(BIN)/ruff check labkit tests tools

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info .hub-node
