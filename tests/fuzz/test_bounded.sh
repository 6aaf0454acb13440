#!/usr/bin/env bash
# The `fuzz` level of `make test`: every libFuzzer target of the build, briefly
# (VSX_FUZZ_SECONDS each, default 5), on its seed corpus. A crash or sanitizer report fails it
# and keeps the reproducer (tests/fuzz/run). `make fuzz` runs the same targets longer.
set -u
cd "$(dirname "$0")/../.." || exit 2
O=${O:-build/test}
if ! ls "$O"/tests/fuzz/fuzz_* >/dev/null 2>&1; then
	echo "no fuzz targets in $O/tests/fuzz (make O=$O fuzz-targets builds them)"
	exit 77
fi
exec tests/fuzz/run "$O" "${VSX_FUZZ_SECONDS:-5}"
