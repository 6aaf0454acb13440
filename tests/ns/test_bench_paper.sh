#!/usr/bin/env bash
# Tests of bench/paper (the paper's evaluation as a benchmark), so that it cannot rot unseen:
#   - its command line: --help, bad input, --dry-run plans (no root needed);
#   - its aggregator (bench/paperlib/report.py) on made-up runs: the ratios of the last line
#     are ratios of medians of the right cases, targets are judged, 'na' where not measured;
#   - one real, short run on the lab (one scenario, one size, 1 s runs): the last line has the
#     documented format, PNG and JSON results exist, lab and vsxd are gone afterwards;
#   - Ctrl-C in the middle of a run also removes the lab and stops its vsxds.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init bp 2 ip iperf3 taskset ethtool gnuplot python3 ss # lab names: bp<PID><letter>
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
LAST_RE='^paper: recovery_rate_1400=([0-9]+\.[0-9]{2}|na) recovery_rate_8192=([0-9]+\.[0-9]{2}|na) recovery_max_1400=([0-9]+\.[0-9]{2}|na) recovery_max_8192=([0-9]+\.[0-9]{2}|na) prio_gain_8192=([0-9]+\.[0-9]{2}|na)$'

test_cli() {
	local h o
	h=$(bench/paper --help)
	for w in --quick --reps --time --sizes --only --loads --rate --lab --out --dry-run collision pairs priority \
		"paper: recovery_rate_1400=A"; do
		grep -q -- "$w" <<<"$h" || t_fail "--help does not mention $w"
	done
	for bad in "--reps 0" "--time x" "--sizes 64,,1400" "--sizes 8" "--only nosuch" "--loads some" \
		"--rate 1400" "--lab Bad-Name" "--frobnicate"; do
		# shellcheck disable=SC2086
		o=$(bench/paper $bad --dry-run 2>&1) && t_fail "bench/paper $bad exited 0"
		[ $? -eq 2 ] || t_fail "bench/paper $bad: exit status not 2"
		grep -q "^bench/paper: " <<<"$o" || t_fail "bench/paper $bad: no message ($o)"
	done
	o=$(bench/paper --dry-run)
	grep -q "300 runs" <<<"$o" || t_fail "default plan is not 3 scenarios x 10 cases x 3 sizes x 2 loads x 5 reps: $o"
	o=$(bench/paper --quick --only priority --loads unlimited --dry-run)
	grep -q "scenarios priority; sizes 1400 8192; loads unlimited; 3 reps of 3s; 12 runs + ~0 calibration" <<<"$o" ||
		t_fail "--quick --only priority plan: $o"
}

# A made-up runs.jsonl: reference 1000 Mb/s at the fixed rate, vsx 960 (1400 B) and 900 (8192 B);
# unlimited: reference 1200 over three reps [1100, 1200, 1300], vsx [1000, 1100, 1150];
# priority 8192 unlimited h2-vm1: rss [100, 200, 300], vsx [450, 500, 550].
fake_runs() {
	"$PY" - "$1" <<'PY'
import json, sys
out = open(sys.argv[1] + "/runs.jsonl", "w")
def run(scen, case, size, load, mbps, rep, loss=0.0, vm2=None):
    pairs = [{"src": "h1-vm1", "dst": "h2-vm1", "sent_bytes": 1, "received_bytes": 1, "received_mbps": mbps,
              "loss_pct": loss, "offered_mbps": mbps, "rcvbuf_errors": 0, "reasm_fails": 0, "sender_limited": False}]
    if vm2 is not None:
        pairs.append(dict(pairs[0], src="h1-vm2", dst="h2-vm2", received_mbps=vm2))
    k = {"0": {"softirq_pct": 10.0, "system_pct": 5.0, "user_pct": 1.0, "idle_pct": 50.0, "processed": 5, "dropped": 0, "squeezed": 0},
         "1": {"softirq_pct": 20.0, "system_pct": 5.0, "user_pct": 1.0, "idle_pct": 10.0, "processed": 9, "dropped": 0, "squeezed": 0}}
    mode = case if case != "ref" else "default"
    out.write(json.dumps({"scenario": scen, "case": case, "mode": mode, "irq": 1 if case == "ref" else 0,
                          "size": size, "load": load, "rate": 1000 if load == "fixed" else 0, "rep": rep,
                          "pairs": pairs, "kernel": k, "dp_packets": {"0": 1, "1": 99}, "wall_s": 1.0}) + "\n")
for rep in (1, 2, 3):
    for size, v in ((1400, 960), (8192, 900)):
        run("collision", "ref", size, "fixed", 1000, rep)
        run("collision", "vsx", size, "fixed", v, rep, loss=0.5)
        run("collision", "default", size, "fixed", 300, rep, loss=70)
        run("collision", "ref", size, "unlimited", [1100, 1200, 1300][rep - 1], rep)
        run("collision", "vsx", size, "unlimited", [1000, 1100, 1150][rep - 1], rep)
    run("priority", "rss", 8192, "unlimited", [100, 200, 300][rep - 1], rep, vm2=400)
    run("priority", "vsx", 8192, "unlimited", [450, 500, 550][rep - 1], rep, vm2=300)
json.dump({"date": "d", "reps": 3, "time_s": 1, "kernel": "k", "cpus": 2, "loadavg": "0", "runtime_s": 1,
           "fixed_rates": {"1:1400": 1000, "1:8192": 1000}}, open(sys.argv[1] + "/meta.json", "w"))
PY
}

test_report_math() {
	local d=$TMP/report o last
	mkdir -p "$d"
	fake_runs "$d"
	o=$("$PY" bench/paperlib/report.py report "$d") || t_fail "report failed: $o"
	last=$(tail -n 1 <<<"$o")
	# 960/1000, 900/1000, 1100/1200, 1100/1200, 500/200
	[ "$last" = "paper: recovery_rate_1400=0.96 recovery_rate_8192=0.90 recovery_max_1400=0.92 recovery_max_8192=0.92 prio_gain_8192=2.50" ] ||
		t_fail "last line: $last"
	grep -q "recovery_rate_1400=0.96 (target >= 0.95, vsx loss <= 1 %): met" <<<"$o" || t_fail "A not judged met"
	grep -q "recovery_rate_8192=0.90 (target >= 0.95, vsx loss <= 1 %): NOT met.*Why: " <<<"$o" || t_fail "B not judged unmet with a reason"
	grep -q "prio_gain_8192=2.50 (target >= 2.0): met" <<<"$o" || t_fail "E not judged met"
	for f in collision.png priority.png summary.json summary.csv runs.csv; do
		[ -s "$d/$f" ] || t_fail "report wrote no $f"
	done
	[ "$(head -c 4 "$d/collision.png" | od -An -c | tr -d ' ')" = '211PNG' ] || t_fail "collision.png is not a PNG"
	"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert abs(s["results"]["prio_gain_8192"]["value"] - 2.5) < 1e-9' \
		"$d/summary.json" || t_fail "summary.json lacks the results"
	# Without the priority and 8192 runs: 'na'.
	grep -v '"priority"\|8192' "$d/runs.jsonl" >"$d/r" && mv "$d/r" "$d/runs.jsonl"
	last=$("$PY" bench/paperlib/report.py report "$d" | tail -n 1)
	[ "$last" = "paper: recovery_rate_1400=0.96 recovery_rate_8192=na recovery_max_1400=0.92 recovery_max_8192=na prio_gain_8192=na" ] ||
		t_fail "last line without 8192/priority: $last"
}

# The lab and vsxd of a bench/paper run with lab name $1 are gone.
assert_gone() {
	[ -z "$(ip netns list | grep "^$1-" || true)" ] || t_fail "namespaces of lab $1 left: $(ip netns list | grep "^$1-")"
	[ ! -e "/run/vsx-lab/$1" ] || t_fail "/run/vsx-lab/$1 left"
	! pgrep -f "vsxd -c $2/h" >/dev/null || t_fail "vsxd of the run left: $(pgrep -af "vsxd -c $2/h")"
}

test_short_run() {
	need_env
	local lab=${PFX}a out=$TMP/out o last
	o=$(O=$O timeout 120 bench/paper --quick --time 1 --reps 1 --sizes 1400 --only collision --lab "$lab" --out "$out" 2>&1) ||
		{ assert_gone "$lab" "$out"; t_fail "bench/paper failed: $(tail -n 20 <<<"$o")"; }
	last=$(tail -n 1 <<<"$o")
	[[ $last =~ $LAST_RE ]] || t_fail "last line '$last' is not the documented format"
	[[ $last == *"recovery_rate_1400=na"* || $last == *"recovery_max_1400=na"* ]] && t_fail "1400 B ratios not measured: $last"
	[[ $last == *"recovery_rate_8192=na recovery_max_1400="*"recovery_max_8192=na prio_gain_8192=na" ]] ||
		t_fail "unmeasured keys not 'na': $last"
	[ "$(head -c 4 "$out/collision.png" | od -An -c | tr -d ' ')" = '211PNG' ] || t_fail "no collision.png"
	[ "$(wc -l <"$out/runs.jsonl")" -eq 8 ] || t_fail "runs.jsonl has $(wc -l <"$out/runs.jsonl") runs, not 4 cases x 2 loads"
	"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["results"]["recovery_max_1400"]["value"] > 0' \
		"$out/summary.json" || t_fail "summary.json without recovery_max_1400"
	# The datapath saw the traffic: in the vsx runs the packets were counted on the free core.
	"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["case"] == "vsx":
        d = r["dp_packets"]
        assert d["1"] > 0.9 * (d["0"] + d["1"]), d' "$out/runs.jsonl" || t_fail "vsx runs not steered to CPU 1"
	assert_gone "$lab" "$out"
}

test_interrupt() {
	need_env
	local lab=${PFX}b out=$TMP/outb pid i
	# Job control: the benchmark gets its own process group, which receives SIGINT as a
	# terminal's Ctrl-C would send it (a background job of a script would ignore SIGINT).
	set -m
	O=$O bench/paper --time 3 --reps 1 --sizes 1400 --only collision --lab "$lab" --out "$out" >"$TMP/int.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		[ -s "$out/calib.jsonl" ] && break # calibration traffic has started
		sleep 0.1
	done
	sleep 1
	kill -INT -- "-$pid"
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && t_fail "bench/paper still running 30 s after SIGINT"
	local rc=0
	wait "$pid" || rc=$?
	[ $rc -eq 130 ] || t_fail "exit status after SIGINT $rc, not 130: $(tail -n 5 "$TMP/int.log")"
	assert_gone "$lab" "$out"
}

t_run "command line: --help, bad input, --dry-run plans" test_cli
t_run "aggregator: ratios of medians, targets judged, 'na' where not measured, PNG/JSON/CSV" test_report_math
t_run "a short real run: last line format, PNG and JSON, lab and vsxd gone" test_short_run
t_run "Ctrl-C removes the lab and stops the vsxds" test_interrupt
t_done
