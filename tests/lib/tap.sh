# shellcheck shell=bash
# TAP helpers for shell tests. Source it, define test functions, then call
#   t_run "description" function_name
# for each and t_done at the end. A test function fails by returning non-zero (or by a
# failing command under `set -e` inside it: each test runs in a subshell with errexit), skips
# by calling t_skip "reason". Cleanup belongs in a trap inside the test function's subshell
# (trap '...' EXIT), so it runs even when the test fails.

_t_n=0
_t_failed=0

# Marks the current test skipped with a reason; call from inside a test function.
t_skip() {
	echo "$*" >"$_t_skipfile"
	exit 77
}

t_run() {
	local desc=$1 fn=$2 rc
	_t_n=$((_t_n + 1))
	_t_skipfile=$(mktemp)
	(
		set -eE
		"$fn"
	)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $_t_n - $desc"
	elif [ $rc -eq 77 ]; then
		echo "ok $_t_n - $desc # SKIP $(cat "$_t_skipfile")"
	else
		echo "not ok $_t_n - $desc"
		_t_failed=$((_t_failed + 1))
	fi
	rm -f "$_t_skipfile"
}

t_done() {
	echo "1..$_t_n"
	[ $_t_failed -eq 0 ]
}

# Fails the current test with a message.
t_fail() {
	echo "FAIL: $*" >&2
	return 1
}
