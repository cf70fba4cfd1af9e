# The two commands: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_TEST_PACKAGES := chromium postgresql poppler-utils zbar-tools nodejs npm redis-server nginx
# The independent Open Badges verifier (Node.js packages pinned by its package-lock.json).
VERIFIER := tests/verifier
VERIFIER_STAMP := $(VERIFIER)/node_modules/.installed

.PHONY: run test venv translations messages check-courses system-test-deps verifier lint typecheck test-sqlite test-postgres cluster-test cluster-test-short bench bench-soak clean

run: venv translations
	$(BIN)/lms db upgrade
	$(BIN)/lms courses load
	$(BIN)/lms demo
	@# The task queue's consumer (certificate zips and other long jobs) runs beside the web server
	@# and stops with it.
	$(BIN)/lms worker & worker=$$!; trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/lms run --host 127.0.0.1 --port 5000

test: venv translations system-test-deps verifier lint typecheck
	$(BIN)/lms courses check
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) cluster-test-short

# The app's own modules compiled to bytecode now, by whoever installs: the service user cannot
# write in the code folder (deploy/systemd: ProtectSystem=strict), so without this every process
# it starts (each gunicorn master, `lms` command and worker) compiles ~130 modules from source
# again, about a third of its start. Files that have not changed since are skipped.
venv: $(STAMP)
	$(BIN)/python -m compileall -q lms wsgi.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compiled catalogs are build products, made from the .po files in git.
translations: venv
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

# Re-extract interface strings and merge them into every catalog (then translate the new ones).
messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --no-location --sort-output \
		--project lms --copyright-holder "LMS contributors" -o translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

# Debian packages the tests need: a real browser, a real PostgreSQL server, PDF and QR readers,
# Node.js for the independent verifier, Redis and nginx for the cluster harness. A package counts
# as there if installed or if its command is (a nodejs package that bundles npm provides it).
system-test-deps:
	@missing=""; \
	for p in $(DEBIAN_TEST_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# npm packages of the independent verifier, exactly as locked; the tests run it offline.
verifier: $(VERIFIER_STAMP)

$(VERIFIER_STAMP): $(VERIFIER)/package.json $(VERIFIER)/package-lock.json
	cd $(VERIFIER) && npm ci --no-audit --no-fund --loglevel=error
	touch $(VERIFIER_STAMP)

lint: venv
	$(BIN)/ruff check lms tests bench

# mypy over lms/ (settings in pyproject.toml); no errors allowed.
typecheck: venv
	$(BIN)/mypy

# LMS_REQUIRE_VERIFIER: here the independent verifier must run (elsewhere its test says how to install it).
test-sqlite: venv translations verifier
	LMS_REQUIRE_VERIFIER=1 $(BIN)/pytest -p no:cacheprovider --db=sqlite

test-postgres: venv translations verifier
	LMS_REQUIRE_VERIFIER=1 $(BIN)/pytest -p no:cacheprovider --db=postgres

# PostgreSQL, Redis, two gunicorn app servers and nginx on loopback ports, under simulated
# officers, with one app server killed and PostgreSQL restarted mid-run (tests/cluster/harness.py).
cluster-test: venv translations system-test-deps
	$(BIN)/python -m tests.cluster.harness --officers 200

cluster-test-short: venv translations system-test-deps
	$(BIN)/python -m tests.cluster.harness --officers 30 --concurrency 8 --time-limit 100

check-courses: venv
	$(BIN)/lms courses check

bench: venv translations
	@command -v wrk >/dev/null || (SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/lesson.py

# Five minutes on the officer's pages after the bench, worker memory every 20 s; and a
# killed worker's restart, forked from the loaded master and loading the app itself.
bench-soak: venv translations
	@command -v wrk >/dev/null || (SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/lesson.py --soak 300 --cold-start

clean:
	rm -rf $(VENV) *.egg-info test-artifacts .pgtest $(VERIFIER)/node_modules
