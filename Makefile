# Every target sources tools/env.sh and does the setup it needs (idempotent, quick when done).
# The operator targets are aliases of ./dailydesk <command> (tools/cli.py); make turns every
# failure into exit 2, so scripts and CI call ./dailydesk to see the command's own exit code.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
ENV_SH := source tools/env.sh
PY := .venv/bin/python
CDKTF := node_modules/.bin/cdktf
PIPENV_VERSION := 2026.10.3
STACK ?=
# Stateful resources a plan (or a rollback) may remove or replace (the guard): ALLOW="addr1 addr2"
ALLOW ?=
JSON ?=
# make plan: where the saved plan goes (default .deploy-plans/<stack>.tfplan); make apply: the plan to apply
PLAN ?=
# ROLLBACK=false keeps a failed apply as it is; TIMEOUT=90s|30m|1h|<minutes> overrides [deploy] timeout_minutes
ROLLBACK ?=
TIMEOUT ?=
# A rollback trigger already in ALARM that this deploy goes ahead with, unwatched (the fix): IGNORE_ALARM="name …"
IGNORE_ALARM ?=
ALLOW_ARGS = $(foreach address,$(ALLOW),--allow $(address))
DEPLOY_ARGS = $(ALLOW_ARGS) $(if $(ROLLBACK),--rollback $(ROLLBACK)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
  $(foreach alarm,$(IGNORE_ALARM),--ignore-alarm $(alarm))
NEEDS_STACK = test -n "$(STACK)" || { echo "usage: make $@ STACK=<layer>-<env>"; exit 1; }
ENV ?= local
ROLE ?= plan

.PHONY: help setup synth diff plan apply deploy rollback changeset test test-fast lint snapshots deploy-local destroy-local emulator-start emulator-stop preflight drift alarms sync-api-keys check-api-keys iam-policy policy-scan

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

.venv/.synced: Pipfile.lock
	@$(ENV_SH); python3 -m pipenv --version >/dev/null 2>&1 || python3 -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	@$(ENV_SH); python3 -m pipenv sync --dev
	@touch $@

node_modules/.synced: package-lock.json
	@$(ENV_SH); npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.terraform.d/terraformrc: tools/terraform/config.py .venv/.synced
	@$(ENV_SH); $(PY) -m tools.terraform.config

setup: .venv/.synced node_modules/.synced ## install the pinned toolchain (pipenv, cdktf-cli) and write the Terraform CLI config
	@$(ENV_SH); $(PY) -m tools.terraform.config

synth: setup ## synthesize all 12 stacks into cdktf.out/
	@$(ENV_SH); $(CDKTF) synth

diff: setup ## plan one stack (no state lock) and print its change set: make diff STACK=backend-prod
	@$(NEEDS_STACK)
	@$(ENV_SH); rc=0; $(PY) -m tools diff $(STACK) $(ALLOW_ARGS) || rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ]

plan: setup ## save a plan + its change set for review (no state lock): make plan STACK=backend-prod [PLAN=file]
	@$(NEEDS_STACK)
	@$(ENV_SH); rc=0; $(PY) -m tools plan $(STACK) $(ALLOW_ARGS) $(if $(PLAN),--plan $(PLAN)) || rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ]

apply: setup ## apply exactly a saved plan, roll back on failure: make apply STACK=backend-prod PLAN=file [ROLLBACK=false] [TIMEOUT=30m] [IGNORE_ALARM=name]
	@$(NEEDS_STACK)
	@test -n "$(PLAN)" || { echo "usage: make apply STACK=<layer>-<env> PLAN=<saved plan from make plan>"; exit 1; }
	@$(ENV_SH); $(PY) -m tools apply $(STACK) --plan $(PLAN) $(DEPLOY_ARGS)

deploy: setup ## preflight, plan, change set, guard, apply that plan, roll back on failure: make deploy STACK=backend-prod [ALLOW=addr] [ROLLBACK=false] [TIMEOUT=30m] [IGNORE_ALARM=name]
	@$(NEEDS_STACK)
	@$(ENV_SH); $(PY) -m tools deploy $(STACK) $(DEPLOY_ARGS)

rollback: setup ## apply the last good configuration again (continue rollback): make rollback STACK=backend-prod [ALLOW=addr]
	@$(NEEDS_STACK)
	@$(ENV_SH); $(PY) -m tools rollback $(STACK) $(DEPLOY_ARGS)

changeset: setup ## change set + guard of one or more stacks (no state lock): make changeset STACK="parent-prod backend-prod" [ALLOW=addr] [JSON=file]
	@test -n "$(STACK)" || { echo "usage: make changeset STACK=<layer>-<env> [ALLOW=\"address …\"] [JSON=changes.json]"; exit 1; }
	@$(ENV_SH); rc=0; $(PY) -m tools changeset $(STACK) $(ALLOW_ARGS) $(if $(JSON),--json $(JSON)) || rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ]

deploy-local: setup ## start the emulator, seed it, deploy parent, then backend and frontend of `local` (the deploy engine), print a summary
	@$(ENV_SH); $(PY) -m tools deploy-local

destroy-local: setup ## destroy the three `local` workspaces (frontend, backend, parent)
	@$(ENV_SH); $(PY) -m tools destroy-local

emulator-start: setup ## start (or reuse) the AWS emulator on 127.0.0.1
	@$(ENV_SH); $(PY) -m tools emulator start

emulator-stop: setup ## stop the emulator started by emulator-start
	@$(ENV_SH); $(PY) -m tools emulator stop

# pytest-xdist: the emulator tests mostly wait on the provider's fixed sleeps, so 4 workers
# (each with its own emulator, one test file per worker at a time) overlap those waits on 2
# cores; the other tests are CPU-bound, 2 workers for 2 cores. docs/benchmark.md has the numbers.
TEST_WORKERS ?= 4
FAST_WORKERS ?= 2

test: setup ## every test: lint and types, synth, plan, policy scan and emulator tests, side by side
	@$(ENV_SH); $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: setup ## every test but the emulator, lint and full-import synth ones (make test runs them)
	@$(ENV_SH); $(PY) -m pytest -n $(FAST_WORKERS) -m "not emulator and not lint and not full_synth"

lint: setup ## ruff (lint + format check) and mypy (strict for config/, workspace/, constructs_lib/)
	@$(ENV_SH); .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

snapshots: setup ## rewrite tests/snapshots/ from the current synth (review the diff, commit it with the change)
	@$(ENV_SH); $(PY) -m pytest -q tests/unit/stacks/test_snapshots.py --update-snapshots

preflight: setup ## check the pre-existing world of one environment: make preflight ENV=prod [JSON=file]
	@$(ENV_SH); $(PY) -m tools preflight --env $(ENV) $(if $(JSON),--json $(JSON))

drift: setup ## refresh-only plan of every workspace of one environment, and its API keys: make drift ENV=prod (exit 2 = drift)
	@$(ENV_SH); $(PY) -m tools drift --env $(ENV)

alarms: setup ## the backend's alarms as CloudWatch has them (state, threshold): make alarms ENV=prod
	@$(ENV_SH); $(PY) -m tools alarms --env $(ENV)

sync-api-keys: setup ## put each API key from its secret into its EventBridge connection (the deploy runs it): make sync-api-keys ENV=prod
	@$(ENV_SH); $(PY) -m tools sync-api-keys --env $(ENV)

check-api-keys: setup ## does each EventBridge connection hold its secret's key? never shows one: make check-api-keys ENV=prod (exit 2 = differs)
	@$(ENV_SH); $(PY) -m tools check-api-keys --env $(ENV)

iam-policy: setup ## render a CI role's trust and IAM policies, or the roles' boundary: make iam-policy ENV=prod ROLE=plan|deploy|keys|boundary
	@$(ENV_SH); $(PY) -m tools iam-policy --env $(ENV) --role $(ROLE)

policy-scan: synth ## checkov on the synthesized JSON of all 12 stacks; exceptions in policy/checkov-skips.yaml
	@$(ENV_SH); $(PY) -m tools policy-scan
