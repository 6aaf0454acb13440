#!/usr/bin/env bash
# FlexivOffload, the whole system with real traffic (issue 7): vsxd on h2 with the offload on and
# statistics thresholds, every packet steered to core 1 (rule irq:1), where its cpumap kthread
# runs the stack path or the fast path.
#
#   udp  a UDP flow (iperf3, fixed client port) fast for 5 s moves to the fast path by itself,
#        the kthread's CPU per packet drops; the same flow slowed down for 4 s moves back; its
#        packet count in `vsxctl dump-flows type=all` never goes down and ends at least at what
#        the VM received; out-of-order datagrams and loss of both runs reported (docs/evaluation.md)
#   tcp  a TCP flow promoted by the thresholds and demoted by a run-time header policy 'never'
#        (vsxctl offload-policy-set) keeps going: every byte arrives, retransmissions reported
#
# A poller samples every 100 ms: dump-flows (the flow's path and packets), the kthread's CPU time
# and the VM's eth0 rx_packets, into $TD/poll.tsv.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init of 2 ip iperf3 jq bpftool taskset # lab names: of<PID><letter>

PROMOTE_PPS=3000 DEMOTE_PPS=500
FAST=80M SLOW=2M # 1400-byte datagrams: ~7100 and ~180 per second
CPORT=40001 PORT=5201

# offload_conf: h2's configuration: the lab's VM blocks (port, vni, mac), one rule steering every
# packet to core 1, the offload with thresholds this test can cross within seconds.
offload_conf() {
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf --no-cpus h2)" \
		'rule "priority=1,ip actions=irq:1"' \
		"offload on" \
		"offload-promote pps=$PROMOTE_PPS bps=0 for=1500ms" \
		"offload-demote pps=$DEMOTE_PPS bps=0 for=1s" \
		"offload-idle-timeout 30s"
}

# The flows of dump-flows type=all --json whose transport destination port is $1 and protocol
# $2 (udp/tcp), one JSON object a line. The JSON's shape is mon's (docs/monitoring.md): a list,
# or an object with a "flows" list; a flow has "path" and "packets" (total, both paths).
flows_to() {
	ctl h2 dump-flows type=all --json 2>/dev/null |
		jq -c --argjson p "$1" --arg proto "$2" '(if type == "array" then . else .flows end)[]
			| select((.tp_dst // .match.tp_dst // -1) == $p and ((.proto // .match.proto // .nw_proto // $proto) | tostring | ascii_downcase | test($proto + "|" + (if $proto == "udp" then "17" else "6" end))))'
}

# poll FILE PROTO: every 100 ms one line "ms path packets kthread_ns eth0_rx dp_normal dp_offload":
# the path and packets of the flow to PORT with the most packets (dump-flows), core 1's cpumap
# kthread's CPU time, h2-vm1's eth0 rx_packets and the datapath's per-path packet counters
# (vsxctl stats), until killed.
poll() {
	local out=$1 proto=$2 kt f rx t0 st
	kt=$(kthread_pid 1) || return 1
	t0=$(date +%s%N)
	while :; do
		f=$(flows_to "$PORT" "$proto" | jq -s -r 'max_by(.packets) // {} | "\(.path // "-") \(.packets // 0)"')
		rx=$(ip netns exec "$LAB-h2-vm1" cat /sys/class/net/eth0/statistics/rx_packets)
		st=$(ctl h2 stats --json | jq -r '"\(.paths.normal.packets) \(.paths.offload.packets)"')
		echo "$((($(date +%s%N) - t0) / 1000000)) $f $(cut -d' ' -f1 "/proc/$kt/schedstat") $rx $st" >>"$out"
		sleep 0.1
	done
}
start_poll() {
	: >"$TD/poll-$1.tsv"
	poll "$TD/poll-$1.tsv" "$2" &
	echo $! >"$TD/poll.pid"
}
stop_poll() {
	kill "$(cat "$TD/poll.pid")" 2>/dev/null || true
	wait "$(cat "$TD/poll.pid")" 2>/dev/null || true
	rm -f "$TD/poll.pid"
}

# iperf PHASE ARG...: vsx-lab iperf h1-vm1 -> h2-vm1 with the fixed client port, JSON in
# $TD/PHASE.json.
iperf() {
	local ph=$1
	shift
	"$VSXLAB" -q -n "$LAB" iperf --json --pair h1-vm1:h2-vm1 --port $PORT --cport $CPORT "$@" >"$TD/$ph.json" ||
		t_fail "iperf $ph failed: $(cat "$TD/$ph.json")"
	jq -e '.pairs[0].error == null' "$TD/$ph.json" >/dev/null || t_fail "iperf $ph: $(cat "$TD/$ph.json")"
}
field() { jq -r ".pairs[0].$2" "$TD/$1.json"; }

# The datapath's own account of where each 100 ms interval's packets went: "fast" when the fast
# path took at least 90 % of them, "normal" when it took none, "-" otherwise (a move inside the
# interval, or too few packets). Lines "ms where dkthread_ns dvm_rx".
intervals() {
	awk 'NR > 1 {dn = $6 - n; do_ = $7 - o; w = "-"
		if (dn + do_ >= 10) { if (do_ >= 0.9 * (dn + do_)) w = "fast"; else if (do_ == 0) w = "normal" }
		print $1, w, $4 - k, $5 - r} {n = $6; o = $7; k = $4; r = $5}' "$1"
}
# ns_per_pkt FILE WHERE FROM TO: kthread ns per VM packet over FILE's intervals on WHERE that end
# in (FROM, TO] ms, or "na".
ns_per_pkt() {
	intervals "$1" | awk -v w="$2" -v a="$3" -v b="$4" '$2 == w && $1 > a && $1 <= b {dt += $3; dr += $4}
		END {if (dr > 500) printf "%d\n", dt / dr; else print "na"}'
}
# first_ms FILE WHERE [AFTER]: the end of the first interval on WHERE after AFTER ms (-1: none).
first_ms() { intervals "$1" | awk -v w="$2" -v a="${3:--1}" '$1 > a && $2 == w {print $1; f = 1; exit} END {if (!f) print -1}'; }
# path_seen FILE PATH: dump-flows showed the flow on PATH at some sample.
path_seen() { awk -v p="$2" '$2 == p {f = 1} END {exit !f}' "$1"; }

test_udp_moves() {
	need_env
	lab_up a --pin h1-vm1=0 --pin h2-vm1=0
	offload_conf
	start_vsxd h2
	start_poll udp udp
	iperf fast --udp --size 1400 --rate $FAST --time 5
	iperf slow --udp --size 1400 --rate $SLOW --time 4
	sleep 0.3
	stop_poll
	local f="$TD/poll-udp.tsv" up down on off recv0 recv1 last
	up=$(first_ms "$f" fast)
	[ "$up" -ge 0 ] || t_fail "the fast flow never took the fast path: $(tail -n 3 "$f" | tr '\n' ';')"
	down=$(first_ms "$f" normal "$up")
	[ "$down" -ge 0 ] || t_fail "the slowed flow never returned to the normal path: $(tail -n 3 "$f" | tr '\n' ';')"
	path_seen "$f" offloaded || t_fail "dump-flows type=all never showed the flow offloaded"
	[ "$(tail -n 1 "$f" | cut -d' ' -f2)" = onloaded ] || t_fail "dump-flows does not show the flow back on the normal path: $(tail -n 1 "$f")"
	# The fast run's packets before the promotion against those after it (the slow run's, one
	# wake-up per packet, would not compare).
	on=$(ns_per_pkt "$f" normal -1 "$up")
	off=$(ns_per_pkt "$f" fast "$up" "$down")
	diag "on the fast path from $up ms, back on the normal path at $down ms (since the fast run's start; datapath path counters)"
	diag "core 1's cpumap kthread per VM packet: normal path $on ns, fast path $off ns"
	diag "fast run ($FAST): loss $(field fast loss_pct) %, out of order $(field fast out_of_order); slow run ($SLOW): loss $(field slow loss_pct) %, out of order $(field slow out_of_order)"
	[ "$on" != na ] && [ "$off" != na ] || t_fail "too few samples on a path to compare CPU per packet: $on / $off"
	# At least 10 %: on veth the VM's own receive (its NAPI, IP, UDP, socket) runs in the same
	# kthread on both paths and only the host's share goes, so the drop seen here ranged from
	# 16 % (7286 -> 6086 ns, a CI run) to 55 %; an 8/10 bound failed that CI run.
	[ "$off" -lt $((on * 9 / 10)) ] || t_fail "CPU per packet did not drop on the fast path: $on -> $off ns"
	# Continuity: the flow's packet count never goes down across the moves, and ends at least
	# at what the VM's iperf3 received in both runs (datagrams of 1400 bytes).
	awk '$3 + 0 < m {print "packets went down at " $1 " ms: " m " -> " $3; bad = 1} {if ($3 + 0 > m) m = $3 + 0} END {exit bad}' "$f" >"$TD/cont" ||
		t_fail "counters not continuous: $(cat "$TD/cont")"
	recv0=$(($(field fast received_bytes) / 1400)) recv1=$(($(field slow received_bytes) / 1400))
	last=$(flows_to $PORT udp | jq -s -r 'max_by(.packets) | .packets')
	diag "flow's packets in dump-flows $last; the VM received $recv0 + $recv1 datagrams"
	ge "$last" $((recv0 + recv1)) "flow packets vs datagrams received"
}

test_tcp_moves() {
	need_env
	lab_up b --pin h1-vm1=0 --pin h2-vm1=0
	offload_conf
	start_vsxd h2
	start_poll tcp tcp
	# 60 Mb/s of ~1400-byte segments: ~5300 packets per second, above the promotion threshold.
	"$VSXLAB" -q -n "$LAB" iperf --json --pair h1-vm1:h2-vm1 --port $PORT --rate 60M --time 8 >"$TD/tcp.json" 2>&1 &
	echo $! >"$TD/iperf.pid"
	local i up=-1
	for ((i = 0; i < 50; i++)); do
		sleep 0.1
		up=$(first_ms "$TD/poll-tcp.tsv" fast)
		[ "$up" -ge 0 ] && break
	done
	[ "$up" -ge 0 ] || t_fail "the TCP flow did not take the fast path within 5 s: $(tail -n 3 "$TD/poll-tcp.tsv" | tr '\n' ';')"
	sleep 0.5
	ctl h2 offload-policy-set header "tcp,tp_dst=$PORT" never >"$TD/policy.out" 2>&1 ||
		t_fail "offload-policy-set: $(cat "$TD/policy.out")"
	wait "$(cat "$TD/iperf.pid")" || t_fail "TCP iperf failed: $(cat "$TD/tcp.json")"
	rm -f "$TD/iperf.pid"
	stop_poll
	local down sent recv
	down=$(first_ms "$TD/poll-tcp.tsv" normal "$up")
	[ "$down" -ge 0 ] || t_fail "the TCP flow did not return to the normal path after the policy 'never'"
	sent=$(field tcp sent_bytes) recv=$(field tcp received_bytes)
	diag "TCP: promoted at $up ms, demoted at $down ms; sent $sent, received $recv bytes, $(field tcp retransmits) retransmissions, $(field tcp received_mbps) Mb/s"
	[ "$(field tcp error)" = null ] || t_fail "TCP: $(field tcp error)"
	# The connection survived both moves: it ran to its end and delivered (nearly) all it sent
	# (TCP loses nothing; bytes sent but not received were in flight when the test stopped).
	ge "$recv" $((sent * 95 / 100)) "TCP bytes received"
}

t_run "a fast UDP flow moves to the fast path by itself and back when it slows; CPU per packet drops; counters continuous" test_udp_moves
t_run "a TCP flow survives promotion and demotion (run-time policy 'never')" test_tcp_moves
t_done
