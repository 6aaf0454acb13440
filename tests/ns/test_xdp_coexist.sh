#!/usr/bin/env bash
# Namespace tests of vsx beside other XDP programs on h2's uplink (docs/xdp.md). The other
# program is tests/ns/bpf/xdp_count.bpf.c (counts packets, passes them on), loaded with
# xdp-loader; vsxd and xdp-loader share libxdp's state through LIBXDP_BPFFS (h2's bpffs).
#
#   dispatcher  libxdp's multi-program dispatcher: xdp_count A (priority 20) loaded before vsxd
#             starts and B (50) after; `xdp-loader status` lists A, B, vsx_uplink, in that order,
#             vsx without chain actions; under UDP traffic A and B see every datagram and vsx
#             still steers the flow to core 1. C (priority 2000, after vsx) sees nothing, and the
#             next vsxd warns about it. A --keep-datapath restart under traffic keeps the four
#             programs (same ids) and loses nothing (the checks of test_vsxd_restart.sh); a stop
#             without it removes vsx only: A and B keep counting and C now sees the packets.
#             Skipped where the kernel cannot run the dispatcher (libxdp then attaches a lone
#             program).
#   no dispatcher  LIBXDP_SKIP_DISPATCHER=1 makes libxdp attach lone programs, as on such a
#             kernel: a vsxd next to a program that holds the uplink that way refuses, naming
#             it, and leaves it running; alone, vsxd falls back to a pinned bpf_link (said in
#             its log, vsx_uplink in `xdp-loader status`), keeps steering, and a program that
#             xdp-loader tries to add is refused while vsx stays; a stop detaches.
#
# VM h2-vm1 and the sender h1-vm1 are pinned to CPU 0, so the decided core is 1.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init xc 2 ip iperf3 jq bpftool xdp-loader # lab names: xc<PID><letter>
COUNT_OBJ=$PWD/$O/tests/ns/bpf/xdp_count.bpf.o
case $O in /*) COUNT_OBJ=$O/tests/ns/bpf/xdp_count.bpf.o ;; esac
[ -n "$SKIP" ] || [ -f "$COUNT_OBJ" ] || SKIP="$COUNT_OBJ not built (make O=$O tests)"

# lab_up (tests/lib/ns.sh) with h2's bpffs in BPFFS, shared with libxdp; the test's exit
# unloads what xdp-loader loaded before the lab goes.
lab_up_h2() {
	lab_up "$@"
	BPFFS=/run/vsx-lab/$LAB/bpf/h2
	# On the lab's bpffs; made now for an xdp-loader that runs before vsxd.
	mkdir -p "$BPFFS"
	export LIBXDP_BPFFS=$BPFFS
	trap 'xl unload --all uplink >/dev/null 2>&1 || true; teardown' EXIT
}

# xdp-loader in h2's namespace.
xl() { ip netns exec "$LAB-h2" xdp-loader "$@"; }
# `xdp-loader status uplink`, component lines as "PRIO NAME ID", one a line; a program
# attached alone (no dispatcher) as "- NAME ID".
xl_progs() {
	xl status uplink | awk '$1 == "=>" {print $2, $3, $4} $1 == "uplink" && $2 != "xdp_dispatcher" {print "-", $2, $4}'
}
xl_dispatcher() { xl status uplink | awk '$1 == "uplink" && $2 == "xdp_dispatcher" {print $4}'; }
# Ids of the xdp_count programs, in the dispatcher's order.
count_ids() { xl_progs | awk '$2 == "xdp_count" {print $3}' | tr '\n' ' '; }
# count_of ID: packets xdp_count program ID has seen.
count_of() {
	local map
	map=$(bpftool -j prog show id "$1" | jq -r '.map_ids[0]')
	bpftool -j map lookup id "$map" key 0 0 0 0 | jq -r .formatted.value
}
# UDP counters of h2-vm1's stack: "InDatagrams InErrors".
vm_udp() {
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$LAB-h2-vm1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ {print $2, $4}' /proc/net/snmp
}

test_dispatcher() {
	need_env
	local first ids a b c a0 b0 c0 a1 b1 c1 s0 s1 s6 pkts seen arrived u0 e0 u1 e1 p0 p1 list
	lab_up_h2 a --pin h2-vm1=0 --pin h1-vm1=0
	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" 'rule "vni=101 actions=irq:auto"'
	xl load -vv -P 20 uplink "$COUNT_OBJ" >"$TD/load1.log" 2>&1 || t_fail "xdp-loader load: $(cat "$TD/load1.log")"
	if [ -z "$(xl_dispatcher)" ]; then
		t_skip "this kernel cannot run libxdp's dispatcher, xdp-loader attached xdp_count alone:" \
			"$(grep -m1 -E 'Compatibility check|without a working bpffs' "$TD/load1.log" | sed 's/^ *libxdp: //')"
	fi
	start_vsxd h2 first --keep-datapath
	grep -q "added vsx_uplink (id [0-9]*) to the XDP dispatcher on uplink" "$TD/first.log" ||
		t_fail "first vsxd log: $(cat "$TD/first.log")"
	xl load uplink "$COUNT_OBJ" >"$TD/load2.log" 2>&1 || t_fail "xdp-loader load beside vsx: $(cat "$TD/load2.log")"
	list=$(xl_progs)
	diag "dispatcher $(xl_dispatcher): $(echo "$list" | tr '\n' ';')"
	[ "$(echo "$list" | awk '{print $1, $2}' | tr '\n' ' ')" = "20 xdp_count 50 xdp_count 1000 vsx_uplink " ] ||
		t_fail "programs in the dispatcher, in order: $(xl status uplink)"
	xl status uplink | awk '$3 == "vsx_uplink" && NF != 5 {exit 1}' ||
		t_fail "vsx_uplink has chain actions: $(xl status uplink)"
	read -r a b <<<"$(count_ids)"
	first=$(xl_progs | awk '$2 == "vsx_uplink" {print $3}')

	# Traffic: both counters and vsx see it, vsx steers it.
	a0=$(count_of "$a") b0=$(count_of "$b")
	s0=$(core_pkts | tr '\t' ' ')
	iperf_udp 1400 100M 3
	pkts=$(($(iperf_field sent_bytes) / 1400))
	a1=$(count_of "$a") b1=$(count_of "$b")
	s1=$(core_pkts | tr '\t' ' ')
	diag "3 s at 100 Mb/s: $pkts datagrams sent; xdp_count $a +$((a1 - a0)), $b +$((b1 - b0))"
	ge $((a1 - a0)) $((pkts * 99 / 100)) "packets xdp_count $a saw"
	ge $((b1 - b0)) $((pkts * 99 / 100)) "packets xdp_count $b saw"
	moved_on_core1 "$s0" "$s1" $((pkts * 99 / 100)) "beside two xdp_count"
	[ "$(rule_field decided_core)" = 1 ] || t_fail "decided core: $(ctl h2 dump-rules)"

	# C after vsx: it never sees a packet, and the next vsxd says so.
	xl load -P 2000 uplink "$COUNT_OBJ" >"$TD/load3.log" 2>&1 || t_fail "xdp-loader load -P 2000: $(cat "$TD/load3.log")"
	c=$(xl_progs | awk '$1 == 2000 {print $3}')
	[ -n "$c" ] || t_fail "no program with priority 2000: $(xl status uplink)"

	# A --keep-datapath restart under traffic keeps all four and loses nothing.
	ids=$(xl_progs | awk '{print $3}' | tr '\n' ' ')
	read -r u0 e0 < <(vm_udp)
	a0=$(count_of "$a") b0=$(count_of "$b") c0=$(count_of "$c")
	s0=$(core_pkts | tr '\t' ' ')
	"$VSXLAB" -q -n "$LAB" iperf --json --udp --size 1400 --rate 200M --time 8 \
		--pair h1-vm1:h2-vm1 >"$TD/iperf.json" 2>"$TD/iperf.err" &
	echo $! >"$TD/iperf.pid"
	sleep 2
	stop_vsxd first
	[ "$(cat "$TD/first.rc")" = 0 ] || t_fail "first vsxd exited $(cat "$TD/first.rc"): $(cat "$TD/first.log")"
	[ "$(xl_progs | awk '{print $3}' | tr '\n' ' ')" = "$ids" ] ||
		t_fail "programs after a --keep-datapath exit: $ids -> $(xl status uplink)"
	sleep 1
	start_vsxd h2 second
	grep -q "vsx_uplink (id $first) is in the XDP dispatcher on uplink already: kept running" "$TD/second.log" ||
		t_fail "second vsxd log: $(cat "$TD/second.log")"
	grep -q "XDP program xdp_count (id $c, priority 2000) runs after vsx on uplink and sees no packet" \
		"$TD/second.log" || t_fail "no warning about C: $(cat "$TD/second.log")"
	[ "$(xl_progs | awk '{print $3}' | tr '\n' ' ')" = "$ids" ] ||
		t_fail "programs after the restart: $ids -> $(xl status uplink)"
	p0=$(cat "$TD/iperf.pid")
	wait "$p0" || t_fail "iperf: $(cat "$TD/iperf.err")"
	rm -f "$TD/iperf.pid"
	jq -e '.pairs[0].error == null' "$TD/iperf.json" >/dev/null || t_fail "iperf: $(cat "$TD/iperf.json")"
	s6=$(core_pkts | tr '\t' ' ')
	read -r u1 e1 < <(vm_udp)
	a1=$(count_of "$a") b1=$(count_of "$b") c1=$(count_of "$c")
	pkts=$(($(jq -r '.pairs[0].sent_bytes' "$TD/iperf.json") / 1400))
	read -r p0 p1 <<<"$s0"
	seen=$(($(echo "$s6" | cut -d' ' -f1) - p0 + $(echo "$s6" | cut -d' ' -f2) - p1))
	arrived=$((u1 - u0 + e1 - e0))
	diag "restart under 200 Mb/s: $pkts sent, vsx saw $seen, xdp_count $a +$((a1 - a0))," \
		"$b +$((b1 - b0)), $c (after vsx) +$((c1 - c0)), $arrived reached h2-vm1's UDP layer," \
		"loss $(jq -r '.pairs[0].loss_pct' "$TD/iperf.json") %"
	ge "$seen" $((pkts * 99 / 100)) "packets vsx saw across the restart"
	moved_on_core1 "$s0" "$s6" $((pkts * 99 / 100)) "across the restart"
	ge $((a1 - a0)) $((pkts * 99 / 100)) "packets xdp_count $a saw across the restart"
	ge $((b1 - b0)) $((pkts * 99 / 100)) "packets xdp_count $b saw across the restart"
	ge "$arrived" $((pkts * 99 / 100)) "datagrams that reached h2-vm1's UDP layer"
	[ "$((c1 - c0))" = 0 ] || t_fail "xdp_count $c, after vsx, saw $((c1 - c0)) packets"

	# A stop without --keep-datapath removes vsx only.
	stop_vsxd second
	[ "$(cat "$TD/second.rc")" = 0 ] || t_fail "second vsxd exited $(cat "$TD/second.rc"): $(cat "$TD/second.log")"
	grep -q "removed vsx_uplink from the XDP dispatcher on uplink; 3 other programs keep running" \
		"$TD/second.log" || t_fail "second vsxd log: $(cat "$TD/second.log")"
	[ "$(count_ids)" = "$a $b $c " ] || t_fail "after the stop: $(xl status uplink)"
	xl_progs | grep -q vsx_uplink && t_fail "vsx_uplink left: $(xl status uplink)"
	a0=$(count_of "$a") b0=$(count_of "$b") c0=$(count_of "$c")
	ip netns exec "$LAB-h1-vm1" ping -c 5 -i 0.05 -W 2 10.1.2.1 >/dev/null || t_fail "no ping without vsx"
	a1=$(count_of "$a") b1=$(count_of "$b") c1=$(count_of "$c")
	diag "after the stop, 5 pings: xdp_count $a +$((a1 - a0)), $b +$((b1 - b0)), $c +$((c1 - c0))"
	ge $((a1 - a0)) 5 "pings xdp_count $a saw after the stop"
	ge $((b1 - b0)) 5 "pings xdp_count $b saw after the stop"
	ge $((c1 - c0)) 5 "pings xdp_count $c saw after the stop"
}

test_no_dispatcher() {
	need_env
	local other rc=0 c0 c1 n0 n1 vsx
	lab_up_h2 b --pin h2-vm1=0 --pin h1-vm1=0
	export LIBXDP_SKIP_DISPATCHER=1
	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" 'rule "vni=101 actions=irq:auto"'

	# A program holding the uplink without the dispatcher: vsxd refuses and leaves it alone.
	xl load uplink "$COUNT_OBJ" >"$TD/load1.log" 2>&1 || t_fail "xdp-loader load: $(cat "$TD/load1.log")"
	other=$(xdp_prog_id)
	timeout 20 ip netns exec "$LAB-h2" "$BIN/vsxd" -c "$TD/h2.conf" >"$TD/refused.log" 2>&1 || rc=$?
	diag "vsxd beside a lone xdp_count: exit $rc: $(grep -m1 'err' "$TD/refused.log" | cut -d' ' -f4-)"
	[ "$rc" = 1 ] || t_fail "vsxd exited $rc: $(cat "$TD/refused.log")"
	grep -q "XDP program xdp_count (id $other) holds uplink without libxdp's dispatcher" "$TD/refused.log" ||
		t_fail "vsxd said: $(cat "$TD/refused.log")"
	[ "$(xdp_prog_id)" = "$other" ] || t_fail "xdp_count replaced: $other -> $(xdp_prog_id)"
	xl unload --all uplink >/dev/null 2>&1 || t_fail "xdp-loader unload: $(xl status uplink)"

	# Alone: the bpf_link fallback, which steers, shows in xdp-loader status and keeps its place.
	start_vsxd h2 first --keep-datapath
	grep -q "libxdp cannot use its dispatcher on uplink" "$TD/first.log" ||
		t_fail "first vsxd log: $(cat "$TD/first.log")"
	grep -q "attached XDP (native mode) to uplink through a pinned bpf_link" "$TD/first.log" ||
		t_fail "first vsxd log: $(cat "$TD/first.log")"
	vsx=$(xdp_prog_id)
	[ "$(xl_progs)" = "- vsx_uplink $vsx" ] || t_fail "xdp-loader status: $(xl status uplink)"
	rc=0
	xl load uplink "$COUNT_OBJ" >"$TD/load2.log" 2>&1 || rc=$?
	diag "xdp-loader load beside the lone vsx: exit $rc: $(grep -m1 -iE 'error|exist|busy' "$TD/load2.log")"
	[ "$rc" != 0 ] || t_fail "xdp-loader added a program beside a lone vsx: $(xl status uplink)"
	[ "$(xdp_prog_id)" = "$vsx" ] || t_fail "vsx replaced: $vsx -> $(xdp_prog_id)"
	read -r c0 c1 < <(core_pkts)
	ip netns exec "$LAB-h1-vm1" ping -c 20 -i 0.01 -W 2 10.1.2.1 >/dev/null || t_fail "no ping"
	read -r n0 n1 < <(core_pkts)
	diag "20 pings: core0 +$((n0 - c0)) core1 +$((n1 - c1))"
	ge $((n1 - c1)) 20 "pings on core 1"

	# The next vsxd takes the link over; a stop without --keep-datapath detaches.
	stop_vsxd first
	[ "$(xdp_prog_id)" = "$vsx" ] || t_fail "XDP after a --keep-datapath exit: $(xdp_prog_id)"
	start_vsxd h2 second
	grep -q "replaced the XDP program in the pinned bpf_link on uplink in place" "$TD/second.log" ||
		t_fail "second vsxd log: $(cat "$TD/second.log")"
	stop_vsxd second
	[ "$(xdp_prog_id)" = none ] || t_fail "XDP still attached: $(xl status uplink)"
	[ -z "$(find "$BPFFS" -mindepth 1)" ] || t_fail "left in $BPFFS: $(find "$BPFFS" -mindepth 1 | tr '\n' ' ')"
}

t_run "libxdp's dispatcher: xdp_count before and after vsx on the uplink, a restart keeps all, a stop removes vsx only" test_dispatcher
t_run "without the dispatcher: refused beside a lone program, bpf_link fallback alone" test_no_dispatcher
t_done
