# The two commands of the README: `make run` and `make test`. Everything else they need,
# they set up themselves (virtual environment, system packages).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the project needs: Times-metric fonts for PDFs, the GOST engine of
# OpenSSL for SMEV signatures (pure-Python gostcrypto is the fallback), Pango and HarfBuzz's
# font subsetter for WeasyPrint (it cannot load without Pango; slow fontTools without the
# subsetter).
SYSTEM_PACKAGES := fonts-liberation fontconfig libengine-gost-openssl libharfbuzz-subset0 \
                   libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test install reinstall system-packages lint bench bench-enrollment bench-signing \
        bench-certificates bench-gradebook bench-region clean-data

run: install
	$(BIN)/tsos up --demo

test: install
	$(BIN)/pytest -q -p no:cacheprovider

install: $(STAMP) system-packages

# The stamp alone is not proof: a virtual environment whose install broke half-way (or made
# by hand) may have it without the `tsos` command; then install again.
$(STAMP): pyproject.toml $(if $(wildcard $(BIN)/tsos),,reinstall)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@touch $(STAMP)

# apt-get only when a package is missing, so a second run costs nothing.
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || \
	    missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check .

bench: bench-enrollment bench-signing bench-certificates bench-gradebook

bench-enrollment: install
	$(BIN)/python bench/bench_enrollment.py

bench-signing: install
	$(BIN)/python bench/bench_smev_signing.py

bench-certificates: install
	$(BIN)/python bench/bench_certificate_pdf.py
	$(BIN)/python bench/bench_frdo_export.py

# The gradebook on a slice of the region (10 schools, ~10,000 pupils), built once and kept
# under .data/bench-gradebook.
bench-gradebook: install
	$(BIN)/python bench/bench_gradebook_journal.py --size medium
	$(BIN)/python bench/bench_gradebook_term_grading.py --size medium

# The same on the whole region (~56,000 pupils, tens of millions of rows): a long run.
# `make bench-region REGION_SIZE=small` tries the same steps on two schools.
REGION_SIZE ?= full
bench-region: install
	$(BIN)/python bench/bench_gradebook_journal.py --size $(REGION_SIZE)
	$(BIN)/python bench/bench_gradebook_term_grading.py --size $(REGION_SIZE)

clean-data:
	rm -rf .data
