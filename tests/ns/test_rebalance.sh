#!/usr/bin/env bash
# Live rebalancing with real traffic: a steered flow's core stops qualifying, vsxd moves the
# flow's irq:auto rule to the other core, and the flow follows at an idle gap without being
# reordered (docs/rebalancing.md; the benchmark is bench/rebalance).
#
# The lab: h2's interrupt core (its uplink's XDP) is CPU 0, the sender h1-vm1 runs on CPU 1.
# vsxd on h2 has rule "udp,tp_dst=5201 actions=irq:auto" and two VMs known only by pid files.
# A busy loop that is the VM "background" (pinned to CPU 1) keeps CPU 1 out of the choice while
# the flow starts, so the rule is decided onto CPU 0; it stops, CPU 1 qualifies again; then the
# load step: a busy loop that is the VM "step", pinned to CPU 0. The step is a VM rather than
# load alone because the test must not depend on the machine: on a shared machine other work
# can keep both CPUs above any load threshold, while a pinned VM takes its core out of the
# choice whatever else runs (threshold 100: load never does). bench/rebalance has the load step.
# The flow: iperf3 UDP, 20 Mb/s in bursts of 50 datagrams of 1400 B, so an idle gap of about
# 25 ms follows every burst (a flow with no idle gap never moves).
#
#   on   the rule's core changes to 1, the flow's cache slot follows to core 1 and the datapath
#        counts its packets on core 1 (per-core counters); the kernel's account: CPU 1's cpumap
#        kthread does the work (on core 0 the flow was processed where it arrived, XDP_PASS,
#        without the cpumap); flow_moved >= 1; iperf3 saw no datagram out of order
#   off  with `rebalance off` the same step moves nothing: rule and flow stay on core 0,
#        flow_moved does not change
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init rb 2 ip iperf3 jq taskset nice bpftool # lab names: rb<PID><letter>

# A busy loop pinned to CPU $2 with pid file $TD/$1.pid (also the VM's pid-file in vsxd's
# configuration; teardown kills every $TD/*.pid); $3: its nice value.
busy() {
	nice -n "${3:-0}" taskset -c "$2" sh -c 'while :; do :; done' &
	echo $! >"$TD/$1.pid.tmp"
	mv "$TD/$1.pid.tmp" "$TD/$1.pid"
}
unbusy() {
	kill "$(cat "$TD/$1.pid")"
	rm -f "$TD/$1.pid"
}

rule_core() { ctl h2 dump-rules --json | jq -r '.[] | select(.rule | test("tp_dst=5201")) | .decided_core'; }
# The cores of the rule's UDP flows (one line each).
flow_cores() { ctl h2 dump-flows --json | jq -r '.flows[] | select(.flow | test(",udp,.*tp_dst=5201")) | .core'; }
core_pkts_of() { ctl h2 cores --json | jq -r ".cores[] | select(.core == $1) | .packets"; }
pinned() { ctl h2 cores --json | jq -r ".cores[] | select(.core == $1) | .pinned"; }

# wait_until SECONDS WHAT COMMAND...: polls every 20 ms until COMMAND succeeds.
wait_until() {
	local n=$(($1 * 50)) what=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	t_fail "$what (waited $n polls)"
}
rule_on() { [ "$(rule_core)" = "$1" ]; }
flows_on() { local f; f=$(flow_cores); [ -n "$f" ] && ! echo "$f" | grep -qvx "$1"; }
is_pinned() { [ "$(pinned "$1")" = "$2" ]; }

# setup LETTER on|off: the lab, vsxd, the flow running and decided onto core 0, core 1 free.
setup() {
	need_env
	lab_up "$1" --fabric --irq-cpu h2=0 --pin h1-vm1=1
	write_conf h2 vsx "rebalance $2" \
		"$(printf 'vm step {\n\tvm-id 101\n\tpid-file %s\n}' "$TD/step.pid")" \
		"$(printf 'vm background {\n\tvm-id 102\n\tpid-file %s\n}' "$TD/background.pid")" \
		'rule "udp,tp_dst=5201 actions=irq:auto"'
	start_vsxd h2
	busy background 1 19
	wait_until 5 "CPU 1 pinned by the background VM" is_pinned 1 true
	"$VSXLAB" -q -n "$LAB" iperf --json --udp --size 1400 --rate 20M --burst 50 --time 6 \
		--pair h1-vm1:h2-vm1 >"$TD/iperf.json" 2>"$TD/iperf.err" &
	echo $! >"$TD/iperf.pid"
	wait_until 5 "the rule decided onto core 0 (it is '$(rule_core)')" rule_on 0
	wait_until 2 "the flow on core 0 (flows: $(flow_cores | tr '\n' ' '))" flows_on 0
	unbusy background
	wait_until 2 "CPU 1 free again" is_pinned 1 false
	sleep 0.3
	MOVED0=$(dp_stat h2 flow_moved)
}

# iperf_done: waits for the traffic and checks it ran; sets OOO (iperf3's out-of-order count).
iperf_done() {
	wait "$(cat "$TD/iperf.pid")" || t_fail "iperf failed: $(cat "$TD/iperf.err" "$TD/iperf.json")"
	rm -f "$TD/iperf.pid"
	jq -e '.pairs[0].error == null' "$TD/iperf.json" >/dev/null || t_fail "iperf: $(cat "$TD/iperf.json")"
	OOO=$(jq -r '.pairs[0].out_of_order' "$TD/iperf.json")
	diag "iperf: $(jq -c '.pairs[0] | {received_mbps, loss_pct, out_of_order, jitter_ms}' "$TD/iperf.json")"
}

test_moves() {
	setup a on
	local p0 p1 k1 k2 t0 t1
	t0=$(date +%s%N)
	busy step 0
	wait_until 3 "the rule moved off core 0 within 3 s of the step (it is '$(rule_core)')" rule_on 1
	t1=$(date +%s%N)
	wait_until 2 "the flow followed to core 1 (flows: $(flow_cores | tr '\n' ' '))" flows_on 1
	diag "rule moved $(((t1 - t0) / 1000000)) ms after the step, flow on core 1 $((($(date +%s%N) - t0) / 1000000)) ms after"
	grep -q 'rule 1 "udp,tp_dst=5201" moved from core 0 to core 1' "$TD/h2.log" ||
		t_fail "vsxd did not log the move: $(cat "$TD/h2.log")"
	# Counted on the new core: the datapath's per-core packets and the kernel's CPU time of
	# CPU 1's cpumap kthread, over half a second after the flow moved (20 Mb/s: ~900 packets).
	p0=$(core_pkts_of 0) p1=$(core_pkts_of 1) k1=$(kthread_ns 1)
	sleep 0.5
	p0=$(($(core_pkts_of 0) - p0)) p1=$(($(core_pkts_of 1) - p1)) k2=$(($(kthread_ns 1) - k1))
	diag "after the move, 0.5 s: datapath core 0 +$p0, core 1 +$p1 packets; cpumap/1 kthread +$((k2 / 1000)) us"
	ge "$p1" 300 "packets counted on core 1 after the move"
	le "$p0" 10 "packets still counted on core 0 after the move"
	ge "$k2" 300000 "cpumap/1 kthread time after the move (ns)"
	iperf_done
	local moved=$(($(dp_stat h2 flow_moved) - MOVED0))
	diag "flow_moved +$moved"
	ge "$moved" 1 "flow_moved"
	[ "$OOO" = 0 ] || t_fail "iperf3 counted $OOO datagrams out of order on the moved flow"
}

test_off_stays() {
	setup b off
	busy step 0
	wait_until 2 "CPU 0 pinned by the step VM" is_pinned 0 true
	# Rebalancing on moves within 3 samples (300 ms) of the pin; give it 2 s.
	sleep 2
	rule_on 0 || t_fail "rebalance off: the rule moved to '$(rule_core)'"
	flows_on 0 || t_fail "rebalance off: the flow moved (flows: $(flow_cores | tr '\n' ' '))"
	iperf_done
	local expect
	expect=$(dp_stat h2 flow_moved)
	[ "$expect" = "$MOVED0" ] || t_fail "rebalance off: flow_moved went from $MOVED0 to $expect"
	! grep -q 'moved from core' "$TD/h2.log" || t_fail "rebalance off: vsxd logged a move: $(grep 'moved from' "$TD/h2.log")"
}

t_run "rebalance on: a step on the flow's core moves its rule, the flow follows at an idle gap (counters, kernel), flow_moved, no reordering" test_moves
t_run "rebalance off: the same step moves nothing" test_off_stays
t_done
