# The two commands a newcomer needs: `make run` (everything, with demo data) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_REDIS_PORT ?= 6380
export REDIS_URL ?= redis://127.0.0.1:$(DEV_REDIS_PORT)/0
export PYTHONUNBUFFERED := 1
# `make run SMS_PROVIDER=gammu` sends and receives SMS through gammu-smsd on Gammu's fake phone
# (instance/gammu/) instead of the telco simulator's SMS; USSD still goes through the simulator.
SMS_PROVIDER ?= simulator
ifeq ($(SMS_PROVIDER),gammu)
export SMS_PROVIDER
export GAMMU_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/gammu/smsd.db
RUN_PROCESSES := web worker telco modem
else
RUN_PROCESSES := web worker telco
endif

# The whole suite again on a throwaway PostgreSQL cluster (Debian's postgresql package).
test-postgres: $(BIN)/.installed system-deps
	scripts/with-postgres $(BIN)/pytest

# The failure drills that take minutes (docs/reliability.md), on SQLite and then on a throwaway PostgreSQL.
drills: $(BIN)/.installed system-deps
	$(BIN)/pytest -m drill -rP tests/drills
	scripts/with-postgres $(BIN)/pytest -m drill -rP tests/drills

.PHONY: run test test-postgres drills lint audit system-deps redis stop-redis benchmarks benchmark-system clean

run: $(BIN)/.installed system-deps redis
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo
	@if [ "$(SMS_PROVIDER)" = gammu ]; then $(BIN)/flask --app app gammu-fake-phone instance/gammu; fi
	@echo
	@echo "  Lekas (web):        http://127.0.0.1:5000/"
	@echo "  Staff console:      http://127.0.0.1:5000/staff/   (demo: petugas / lekas-demo; admin, menteng, camat too)"
	@echo "  Lobby kiosk:        http://127.0.0.1:5000/kiosk/   (full screen: chromium --kiosk http://127.0.0.1:5000/kiosk/)"
	@echo "  Public pages:       http://127.0.0.1:5000/layanan, /cek, /saran, /kontak"
	@echo "  Queue TV display:   http://127.0.0.1:5000/kiosk/display   (counter panel: /staff/counter)"
	@echo "  Telco phone page:   http://127.0.0.1:5001/   (dial *384*5758#, text 5758)"
	@echo "  API docs:           http://127.0.0.1:5000/api/v1/openapi.json"
	@if [ "$(SMS_PROVIDER)" = gammu ]; then \
	  echo "  SMS:                gammu-smsd on the fake phone (instance/gammu/smsd.log); text it with:"; \
	  echo "                      $(BIN)/flask --app app gammu-fake-sms instance/gammu +6281234567890 'STATUS <ref>'"; fi
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev $(RUN_PROCESSES)

test: $(BIN)/.installed system-deps
	$(BIN)/pytest

# Style (ruff: pyflakes, pycodestyle, isort, pyupgrade) and the import contracts in pyproject.toml.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Known vulnerabilities in the installed dependencies (pip-audit); skipped, and said so, where its data
# cannot be reached.
audit: $(BIN)/.installed
	scripts/audit-dependencies

benchmarks: $(BIN)/.installed system-deps
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "Missing: wrk (the USSD benchmark's load). Install it with: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python benchmarks/ussd.py
	$(BIN)/python benchmarks/broadcast.py

# The whole system on PostgreSQL behind nginx, alone and during a 50,000-recipient broadcast (about 45 minutes).
benchmark-system: $(BIN)/.installed system-deps
	scripts/with-postgres $(BIN)/python benchmarks/system.py

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Redis, Chromium, zbar (browser tests read the receipt's QR code with it), nginx (the shipped site is tested in
# front of Lekas), espeak-ng (the lobby display's spoken calls), sox (tests measure those) and gammu-smsd with
# its SQLite and PostgreSQL drivers (the modem tests run the real daemon) come from Debian: installed when
# missing and we can, otherwise we say what to run.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	command -v gammu-smsd >/dev/null || missing="$$missing gammu-smsd libdbd-sqlite3 libdbd-pgsql"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing from Debian's packages"; \
	    apt-get update -qq && scripts/apt-install-quiet $$missing; \
	  else \
	    echo "Missing:$$missing. Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# A Redis for local runs on its own port, so it never clashes with a system Redis.
redis:
	@mkdir -p instance
	@redis-cli -u "$(REDIS_URL)" ping >/dev/null 2>&1 || \
	  redis-server --port $(DEV_REDIS_PORT) --bind 127.0.0.1 --daemonize yes --dir "$(CURDIR)/instance" \
	    --pidfile "$(CURDIR)/instance/redis.pid" --logfile "$(CURDIR)/instance/redis.log" --save 60 1
	@for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli -u "$(REDIS_URL)" ping >/dev/null 2>&1 && exit 0; sleep 0.3; done; \
	  echo "Redis did not start; see instance/redis.log"; exit 1

stop-redis:
	-redis-cli -p $(DEV_REDIS_PORT) shutdown nosave

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
