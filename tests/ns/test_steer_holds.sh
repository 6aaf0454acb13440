#!/usr/bin/env bash
# Steering holds: a decision the datapath reports is where the kernel does the work, even with
# RPS configured on the uplink beforehand. RPS (and RFS) act in netif_receive_skb(), after XDP,
# so they would move a steered packet again; vsxd turns them off on its uplink while it steers
# (modes rss and vsx) and gives them back in mode default and when it stops (vsxd/rps.c).
#
# Every check uses the kernel's own accounting next to vsx's counters: per-CPU softnet
# "processed" (each packet passes netif_receive_skb on h2 three times: uplink, after VXLAN
# decapsulation, VM port), the RPS IPIs a CPU received (softnet column 10), and the CPU time
# of the cpumap kthread. h2's uplink has RPS -> CPU 0, the VM's core, in every test.
#
#   pass    sender on CPU 1, rule irq:1: the packet stays on its receiving core (XDP_PASS);
#           with RPS on, the kernel would move all of it to CPU 0. Control: in mode default
#           vsxd restores RPS, and the same traffic then lands on CPU 0.
#   cpumap  sender on CPU 0, rule irq:1: handed to CPU 1 through the cpumap, and the work stays
#           there; its kthread runs SCHED_BATCH (cpumap-kthread batch, the default). Control:
#           with `own-rps off` the kthread's packets go to CPU 0 (and `normal` keeps SCHED_OTHER).
#   restore on exit the operator's settings come back; with --keep-datapath they stay off,
#           saved for the next vsxd, which restores them when it stops.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init sh 2 ip iperf3 jq taskset bpftool chrt # lab names: sh<PID><letter>

RX=/sys/class/net/uplink/queues/rx-0

# h2's uplink RPS settings: "MASK FLOW_CNT".
rps_of() { ip netns exec "$LAB-h2" sh -c "echo \$(cat $RX/rps_cpus) \$(cat $RX/rps_flow_cnt)"; }

# The lab: h2-vm1 on CPU 0, the sender h1-vm1 on CPU $2, RPS on h2's uplink -> CPU 0 with an RFS
# flow table (so both are in play), vsxd on h2 in mode vsx with rule irq:1 and the LINEs.
holds_setup() {
	local letter=$1 sender_cpu=$2
	shift 2
	lab_up "$letter" --pin h2-vm1=0 --pin "h1-vm1=$sender_cpu"
	ip netns exec "$LAB-h2" sh -c "echo 1 >$RX/rps_cpus && echo 256 >$RX/rps_flow_cnt" ||
		t_fail "cannot set RPS on h2's uplink"
	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" 'rule "vni=101 actions=irq:1"' "$@"
	start_vsxd h2
}

# kthread_policy CPU: the scheduling policy of h2's cpumap kthread for CPU (chrt's name).
kthread_policy() {
	local pid
	pid=$(kthread_pid "$1") || return 1
	chrt -p "$pid" | sed -n 's/.*scheduling policy: //p'
}

# measure: runs 2 s of UDP 1400 B at 100 Mb/s and sets PKTS, P0/P1 (softnet processed deltas),
# IPI0 (RPS IPIs CPU 0 received), KT1 (cpumap/1 kthread ns), D0/D1 (datapath per-core packets).
measure() {
	local s0 s1 i0 k1 c0 c1 n0 n1
	s0=$(softnet 0 1) s1=$(softnet 1 1) i0=$(softnet 0 10) k1=$(kthread_ns 1)
	read -r c0 c1 < <(core_pkts)
	iperf_udp 1400 100M 2
	PKTS=$(($(iperf_field sent_bytes) / 1400))
	P0=$(($(softnet 0 1) - s0)) P1=$(($(softnet 1 1) - s1)) IPI0=$(($(softnet 0 10) - i0))
	KT1=$(($(kthread_ns 1) - k1))
	read -r n0 n1 < <(core_pkts)
	D0=$((n0 - c0)) D1=$((n1 - c1))
	diag "$1: sent $PKTS, datapath core0 +$D0 core1 +$D1; kernel: processed CPU0 +$P0 CPU1 +$P1," \
		"RPS IPIs to CPU0 +$IPI0, cpumap/1 kthread +$((KT1 / 1000)) us;" \
		"$(iperf_field received_mbps) Mb/s, loss $(iperf_field loss_pct) %"
}

test_pass_stays() {
	need_env
	holds_setup a 1
	[ "$(rps_of)" = "0 0" ] || t_fail "RPS on h2's uplink while steering: $(rps_of), want 0 0"
	grep -q 'RPS/RFS off on uplink while steering (was rx-0 cpus=1 flow_cnt=256' "$TD/h2.log" ||
		t_fail "vsxd did not log taking RPS: $(cat "$TD/h2.log")"
	measure "vsx, irq:1 on the receiving core"
	ge "$D1" $((PKTS * 95 / 100)) "datapath packets on core 1"
	ge "$P1" $((2 * PKTS)) "kernel: processed on CPU 1"
	le "$P0" $((PKTS / 20 + 50)) "kernel: processed on CPU 0 (the VM's core)"
	le "$IPI0" 20 "kernel: RPS IPIs to CPU 0"

	# Control: mode default gives RPS back, and then the kernel moves the same traffic.
	ctl h2 set-mode default >/dev/null
	[ "$(rps_of)" = "1 256" ] || t_fail "RPS after set-mode default: $(rps_of), want 1 256"
	measure "default, RPS restored"
	ge "$P0" $((2 * PKTS)) "control: processed on CPU 0 with RPS restored"
	ge "$IPI0" 1 "control: RPS IPIs to CPU 0"
	ctl h2 set-mode vsx >/dev/null
	[ "$(rps_of)" = "0 0" ] || t_fail "RPS after set-mode vsx: $(rps_of)"
}

test_cpumap_stays() {
	need_env
	holds_setup b 0
	# cpumap-kthread batch (the default): no wake-up preemption for the kthread.
	[ "$(kthread_policy 1)" = SCHED_BATCH ] || t_fail "cpumap/1 kthread policy: $(kthread_policy 1)"
	measure "vsx, irq:1 through the cpumap"
	ge "$D1" $((PKTS * 95 / 100)) "datapath packets on core 1"
	ge "$P1" $((2 * PKTS)) "kernel: processed on CPU 1"
	ge "$KT1" $((PKTS * 1000)) "kernel: cpumap/1 kthread time (ns, >= 1 us per packet)"
	le "$IPI0" 20 "kernel: RPS IPIs to CPU 0"
	# The cpumap accounting saw the frames arrive on CPU 1, none dropped.
	local enq drops
	enq=$(ctl h2 stats --json | jq -r '[.cpumap[] | select(.core == 1) | .kthread_frames][0]')
	drops=$(ctl h2 stats --json | jq -r '[.cpumap[] | .enqueue_drops + .kthread_drops + .redirect_errors] | add')
	ge "$enq" $((D1 * 95 / 100)) "cpumap kthread_frames on core 1"
	diag "cpumap: $(ctl h2 stats | sed -n '/^cpumap/,$p' | tr '\n' '|')"
	le "$drops" 0 "cpumap drops and redirect errors at 100 Mb/s"
	stop_vsxd h2

	# Control: the same with own-rps off. The kthread hands each packet to netif_receive_skb on
	# CPU 1, and RPS moves it to CPU 0: the datapath still says "core 1".
	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" 'rule "vni=101 actions=irq:1"' "own-rps off" \
		"cpumap-kthread normal"
	start_vsxd h2 h2b
	[ "$(kthread_policy 1)" = SCHED_OTHER ] || t_fail "cpumap-kthread normal: policy $(kthread_policy 1)"
	[ "$(rps_of)" = "1 256" ] || t_fail "own-rps off touched RPS: $(rps_of)"
	measure "control: own-rps off"
	ge "$D1" $((PKTS * 95 / 100)) "control: datapath packets on core 1"
	ge "$IPI0" 1 "control: RPS IPIs to CPU 0"
	le "$P1" $((PKTS * 3 / 2)) "control: processed on CPU 1 (RPS moved the rest)"
}

test_restore() {
	need_env
	holds_setup c 1
	stop_vsxd h2
	[ "$(rps_of)" = "1 256" ] || t_fail "RPS after vsxd stopped: $(rps_of), want 1 256"
	[ ! -e "/run/vsx-lab/$LAB/h2.sock.rps" ] || t_fail "saved RPS file left behind"

	# --keep-datapath: steering goes on, so RPS stays off, saved for the next vsxd.
	start_vsxd h2 h2k --keep-datapath
	[ "$(rps_of)" = "0 0" ] || t_fail "RPS with the second vsxd: $(rps_of)"
	stop_vsxd h2k
	[ "$(rps_of)" = "0 0" ] || t_fail "RPS after a --keep-datapath stop: $(rps_of), want 0 0"
	grep -qx 'rx-0 cpus=1 flow_cnt=256' "/run/vsx-lab/$LAB/h2.sock.rps" ||
		t_fail "saved RPS file: $(cat "/run/vsx-lab/$LAB/h2.sock.rps" 2>&1)"
	start_vsxd h2 h2n
	grep -q 'taking over the RPS settings of uplink that a previous vsxd saved (rx-0 cpus=1 flow_cnt=256)' \
		"$TD/h2n.log" || t_fail "third vsxd did not take the saved settings: $(cat "$TD/h2n.log")"
	stop_vsxd h2n
	[ "$(rps_of)" = "1 256" ] || t_fail "RPS after the last vsxd stopped: $(rps_of), want 1 256"
	[ ! -e "/run/vsx-lab/$LAB/h2.sock.rps" ] || t_fail "saved RPS file left behind"
}

t_run "steered packets kept on the receiving core stay there despite RPS (kernel accounting); mode default restores RPS" test_pass_stays
t_run "cpumap-steered packets stay on the chosen core despite RPS; own-rps off shows RPS moving them" test_cpumap_stays
t_run "RPS restored when vsxd stops; kept off and handed over across --keep-datapath" test_restore
t_done
