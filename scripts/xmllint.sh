#!/usr/bin/env bash
# xmllint.sh makes sure xmllint is installed, then runs it with the arguments
# given, if any:
#
#   scripts/xmllint.sh                      # install it if missing
#   scripts/xmllint.sh --noout --schema ../shared/schemas/pain.001.001.03.xsd FILE
#
# The payments tests validate the pain.001 files they write with xmllint
# (Debian package libxml2-utils) and, in CI, fail rather than skip without it.
# If it is not installed, the package is installed with apt-get (root only).
# The exit status is xmllint's, or 0 when there are no arguments.
set -euo pipefail

log() { printf 'xmllint.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if ! command -v xmllint >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		die "xmllint is not installed and installing it needs root: run 'sudo apt-get install -y libxml2-utils' first"
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "xmllint is not installed and there is no apt-get: install libxml2 (its xmllint command) another way"
	log "xmllint is not installed; installing libxml2-utils with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2 || die "apt-get update failed"
	apt-get install -y --no-install-recommends libxml2-utils >&2 || die "apt-get install libxml2-utils failed"
	command -v xmllint >/dev/null 2>&1 || die "libxml2-utils was installed but xmllint is not on PATH"
fi

if [ "$#" -gt 0 ]; then
	exec xmllint "$@"
fi
