#!/usr/bin/env bash
# bench/offload's command line and its report, without traffic (the benchmark itself is not run
# by `make test`): --help, bad input, --dry-run plans, and bench/offloadlib/report.py on made-up
# runs: the last line's ratios are ratios of medians of the right cases at 64 B, 'na' for a case
# that did not run, the fast-path warning, Fig. 6's table, data file and picture.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

B=bench/offload
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

expect_exit() { # STATUS PATTERN ARG...
	local want=$1 pat=$2 rc=0
	shift 2
	"$B" "$@" >"$TMP/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || t_fail "'$B $*' exited $rc, want $want: $(cat "$TMP/out")"
	grep -qE -- "$pat" "$TMP/out" || t_fail "'$B $*' did not say /$pat/: $(cat "$TMP/out")"
}

test_cli() {
	local o
	for o in --quick --reps --time --sizes --cases --no-fig6 --no-tput --tput-rate --fig6-vms --fig6-size \
		--fig6-rate --cpu --lab --out --dry-run; do
		"$B" --help | grep -q -- "$o" || t_fail "--help does not document $o"
	done
	"$B" --help | grep -q 'offload: pps_ratio_vs_kernel=X cpu_ratio_vs_kernel=Y pps_ratio_vs_ovs=Z' ||
		t_fail "--help does not show the last line"
	expect_exit 2 "bad --cases" --cases kernel,dpdk
	expect_exit 2 "bad --reps" --reps 0
	expect_exit 2 "bad size 17" --sizes 17
	expect_exit 2 "bad --fig6-vms" --fig6-vms 17
	expect_exit 2 "nothing to run" --no-tput --no-fig6
	expect_exit 2 "unknown argument" --frobnicate
	expect_exit 0 "27 runs.*Fig. 6: VMs 1 2 3 4 5 6 7 8 .*48 runs" --dry-run
	expect_exit 0 "^bench/offload plan: 2 reps of 3s; Fig. 6: VMs 1 2 4 8 " --quick --no-tput --dry-run
	expect_exit 0 "cases kernel ovs, sizes 64: 2 runs; measured core 1" --reps 1 --cases kernel,ovs --sizes 64 --no-fig6 --dry-run
}

# run PART CASE SIZE REP RX_PPS CPU_S FRAMES [NVMS FAST_PCT]: one made-up record of measure.py.
run() {
	python3 - "$@" <<'EOF' >>"$TMP/r/runs.jsonl"
import json, sys
part, case, size, rep, pps, cpu, frames = sys.argv[1:8]
n = int(sys.argv[8]) if len(sys.argv) > 8 else 1
fast = float(sys.argv[9]) if len(sys.argv) > 9 else (100.0 if case == "vsx" else 0.0)
size, pps, cpu, frames = int(size), float(pps), float(cpu), int(frames)
r = {"part": part, "case": case, "size": size, "rep": rep, "nvms": str(n), "rate": "100M" if part == "fig6" else "0",
     "seconds": 4, "rx_pps": pps, "offered_pps": pps, "rx_gbps": pps * size * 8 / 1e9, "loss_pct": 0.0,
     "delivered_frames": frames, "host_cpu_s": cpu, "cpu_s_per_mpkt": cpu / frames * 1e6,
     "core_busy_s": 4, "core_s_per_mpkt": 1, "core_busy_pct": 100, "host_cpu_pct": 25.0 * cpu,
     "pairs": [{"src": "h1-vm%d" % i, "dst": "h2-vm%d" % i, "received_mbps": pps * size * 8 / 1e6 / n}
               for i in range(1, n + 1)]}
if case != "ovs":
    r["dp"] = {"rx": 1000, "path_offload": int(10 * fast), "path_normal": 1000 - int(10 * fast)}
print(json.dumps(r))
EOF
}

test_report() {
	mkdir -p "$TMP/r"
	# 64 B: kernel rx 100/200/300 (median 200), CPU 3/2/4 s per 1 M frames (median 3 us);
	# vsx rx 500/400/600 (median 500), CPU 1/1.5/0.5 (median 1); ovs rx 250 (median 250), CPU 6.
	run tput kernel 64 1 100 3 1000000
	run tput kernel 64 2 200 2 1000000
	run tput kernel 64 3 300 4 1000000
	run tput vsx 64 1 500 1 1000000
	run tput vsx 64 2 400 1.5 1000000
	run tput vsx 64 3 600 0.5 1000000
	run tput ovs 64 1 250 6 1000000
	run tput ovs 64 2 240 6 1000000
	run tput ovs 64 3 260 6 1000000
	# 1400 B must not change the 64-byte ratios.
	run tput kernel 1400 1 1 1 1000
	run tput vsx 1400 1 1000 1 1000000
	run fig6 kernel 1400 1 8928 0.1 35712 1
	run fig6 vsx 1400 1 8928 0.05 35712 1
	run fig6 kernel 1400 1 17857 0.2 71428 2
	run fig6 vsx 1400 1 17857 0.1 71428 2
	python3 bench/offloadlib/report.py "$TMP/r" >"$TMP/rep" || t_fail "report.py failed: $(cat "$TMP/rep")"
	[ "$(tail -n 1 "$TMP/rep")" = "offload: pps_ratio_vs_kernel=2.50 cpu_ratio_vs_kernel=3.00 pps_ratio_vs_ovs=2.00" ] ||
		t_fail "last line: $(tail -n 1 "$TMP/rep")"
	grep -q WARNING "$TMP/rep" && t_fail "a fast-path warning with every vsx run on the fast path"
	[ -s "$TMP/r/fig6.dat" ] || t_fail "no fig6.dat"
	[ "$(grep -vc '^#' "$TMP/r/fig6.dat")" = 2 ] || t_fail "fig6.dat: not one line per VM count"
	if command -v gnuplot >/dev/null; then
		[ -s "$TMP/r/fig6.png" ] || t_fail "gnuplot is installed but no fig6.png"
	fi
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["fig6"]["vsx"]["2"]["rx_mbps"]["median"] > 0' \
		"$TMP/r/summary.json" || t_fail "summary.json lacks Fig. 6"
	# A vsx run that missed the fast path is called out; without ovs its ratio is 'na'.
	: >"$TMP/r/runs.jsonl"
	run tput kernel 64 1 100 3 1000000
	run tput vsx 64 1 100 3 1000000 1 40
	python3 bench/offloadlib/report.py "$TMP/r" >"$TMP/rep" || t_fail "report.py failed: $(cat "$TMP/rep")"
	grep -q 'WARNING: in all of the 64-byte vsx runs the fast path took less than 90 %' "$TMP/rep" ||
		t_fail "no warning for a vsx run at 40 % fast path: $(cat "$TMP/rep")"
	[ "$(tail -n 1 "$TMP/rep")" = "offload: pps_ratio_vs_kernel=1.00 cpu_ratio_vs_kernel=1.00 pps_ratio_vs_ovs=na" ] ||
		t_fail "last line without ovs: $(tail -n 1 "$TMP/rep")"
}

test_needs_root() {
	[ "$(id -u)" -ne 0 ] || t_skip "runs as root (the benchmark would start)"
	expect_exit 77 "needs root" --reps 1 --no-fig6 --sizes 64
}

t_run "command line: --help, bad input, --dry-run plans" test_cli
t_run "report: ratios of medians at 64 B, na, fast-path warning, Fig. 6 data and picture" test_report
t_run "not root: skipped with a reason (exit 77)" test_needs_root
t_done
