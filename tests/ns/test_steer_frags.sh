#!/usr/bin/env bash
# Namespace tests of steering with IP fragments: 8192-byte UDP datagrams from h1-vm1 to
# h2-vm1 leave the VM (MTU 1450) as 6 fragments each, and only the first carries the ports.
# VM h2-vm1 and the sender h1-vm1 are both pinned to CPU 0, so without steering all receive
# work on h2 would run on CPU 0, the VM's core.
#
#   FCF:     h1's vsxd marks the tunnel traffic to h2-vm1 with its VM ID (set_fcf), h2's
#            rule "vm_id=N actions=irq:auto" picks core 1 and every fragment of the tenant
#            goes there (each fragment carries the FCF in its own outer header)
#   no FCF:  h2's rule matches the UDP destination port, which only first fragments have;
#            fragment tracking sends the later fragments after their first one (frag_follow),
#            none is left behind (frag_orphan)
#   outer fragments: the same rule, with h1's route to h2 at MTU 1400, below the 1500 bytes
#            of a VXLAN packet carrying a full 1450-byte VM packet; the VXLAN device leaves DF
#            unset (its default), so h1 fragments the outer packets. A later outer fragment has
#            no VXLAN header and no ports: it must follow its first outer fragment too
#
# Each test builds its own lab (named after this process) with its own vsxds, and removes
# them on exit, failed or not.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init sf 2 ip iperf3 jq # lab names: sf<PID><letter>

SIZE=8192
# Fragments per datagram: UDP header + payload in pieces of the VM MTU's IP payload,
# rounded down to 8 bytes: 8200 bytes in 1424-byte pieces = 6.
FRAGS=$(((SIZE + 8 + (1450 - 20) / 8 * 8 - 1) / ((1450 - 20) / 8 * 8)))

# ---- measurements ----

# The fragmented UDP flow's entry in h2's dump-flows: "PACKETS CORE FLOW-TEXT".
frag_flow() {
	ctl h2 dump-flows --json |
		jq -r '[.flows[] | select(.flow | test("udp,.*frag=first"))][0] | "\(.packets) \(.core) \(.flow)"'
}

# ---- tests ----

test_fcf_vm_id() {
	need_env
	local vm c0 c1 n0 n1 d0 d1 ff fo dg frags fp fc ft eg w loss tp tc
	lab_up a --pin h2-vm1=0 --pin h1-vm1=0
	vm=$(vm_id h2-vm1)
	write_conf h1 default "rule \"udp,nw_dst=10.1.2.1 actions=set_fcf:$vm\""
	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" "rule \"vm_id=$vm actions=irq:auto\""
	start_vsxd h1
	start_vsxd h2
	read -r c0 c1 < <(core_pkts)
	ff=$(dp_stat h2 frag_follow) fo=$(dp_stat h2 frag_orphan) w=$(dp_stat h1 fcf_written)
	iperf_udp "$SIZE" 100M 3
	dg=$(($(iperf_field sent_bytes) / SIZE)) frags=$((dg * FRAGS))
	read -r n0 n1 < <(core_pkts)
	d0=$((n0 - c0)) d1=$((n1 - c1))
	ff=$(($(dp_stat h2 frag_follow) - ff)) fo=$(($(dp_stat h2 frag_orphan) - fo)) w=$(($(dp_stat h1 fcf_written) - w))
	read -r fp fc ft < <(frag_flow)
	eg=$(ctl h1 dump-rules --json | jq -r '.[0].packets')
	loss=$(iperf_field loss_pct)
	diag "FCF vm_id=$vm: $dg datagrams = $frags fragments sent; h1 marked $eg (fcf_written +$w);" \
		"h2 core0 +$d0 core1 +$d1, frag_follow +$ff frag_orphan +$fo;" \
		"flow $ft: $fp packets on core $fc; $(iperf_field received_mbps) Mb/s received, loss $loss %"
	# h1 wrote the FCF on every fragment's tunnel packet.
	ge "$eg" "$frags" "h1: packets marked by the set_fcf rule"
	ge "$w" "$frags" "h1: fcf_written"
	# h2: the rule decided core 1 and all of the tenant's fragments went there.
	[ "$(ctl h2 dump-rules --json | jq -r '.[0].decided_core')" = 1 ] ||
		t_fail "decided core: $(ctl h2 dump-rules)"
	ge "$d1" $((frags * 95 / 100)) "fragments on core 1"
	le "$d0" $((frags / 100 + 50)) "packets on core 0 (iperf3's TCP control connection is not marked)"
	[[ $ft == *"vm_id=$vm,fcf_prio=0,udp,nw_src=10.1.1.1,nw_dst=10.1.2.1,"* ]] || t_fail "flow '$ft'"
	[ "$fc" = 1 ] || t_fail "flow core '$fc'"
	# Every fragment carries the FCF: whether a later fragment follows its first one
	# (frag_follow) or is classified on its own (vm_id matches it too), the tenant's flows
	# hold all fragments, all on core 1.
	read -r tp tc < <(ctl h2 dump-flows --json | jq -r --arg v "vm_id=$vm," \
		'[.flows[] | select(.flow | contains($v))] | "\(map(.packets) | add) \(map(.core) | unique | map(tostring) | join(","))"')
	diag "flows of vm_id=$vm: $tp packets on core(s) $tc"
	[ "$tc" = 1 ] || t_fail "flows of vm_id=$vm on cores '$tc'"
	ge "$tp" $((frags * 95 / 100)) "packets of vm_id=$vm's flows"
	le "$tp" $((frags + 2)) "packets of vm_id=$vm's flows"
	# and the datagrams were reassembled and delivered
	awk -v l="$loss" 'BEGIN {exit !(l < 20)}' || t_fail "loss $loss %"
}

test_port_rule() {
	need_env
	local c0 c1 n0 n1 d0 d1 ff fo dg frags fp fc ft rp loss
	# No vsxd on h1: nothing writes an FCF, the outer ToS stays 0 (VM ID "not set").
	collision_setup b vsx 'rule "udp,tp_dst=5201 actions=irq:1"'
	read -r c0 c1 < <(core_pkts)
	ff=$(dp_stat h2 frag_follow) fo=$(dp_stat h2 frag_orphan)
	iperf_udp "$SIZE" 100M 3
	dg=$(($(iperf_field sent_bytes) / SIZE)) frags=$((dg * FRAGS))
	read -r n0 n1 < <(core_pkts)
	d0=$((n0 - c0)) d1=$((n1 - c1))
	ff=$(($(dp_stat h2 frag_follow) - ff)) fo=$(($(dp_stat h2 frag_orphan) - fo))
	read -r fp fc ft < <(frag_flow)
	rp=$(ctl h2 dump-rules --json | jq -r '.[0].packets')
	loss=$(iperf_field loss_pct)
	diag "port rule, no FCF: $dg datagrams = $frags fragments sent; core0 +$d0 core1 +$d1," \
		"rule hits $rp, frag_follow +$ff frag_orphan +$fo; flow $ft: $fp packets on core $fc;" \
		"$(iperf_field received_mbps) Mb/s received, loss $loss %"
	# Only first fragments (and iperf3's one-datagram UDP "connect") match the port rule ...
	ge "$rp" $((dg * 95 / 100)) "rule hits"
	le "$rp" $((dg + 2)) "rule hits (later fragments have no ports)"
	# ... yet every fragment went to core 1: the later ones followed their first.
	ge "$d1" $((frags * 95 / 100)) "fragments on core 1"
	le "$d0" $((frags / 100 + 50)) "packets on core 0 (iperf3's TCP control connection)"
	ge "$ff" $((dg * (FRAGS - 1) * 95 / 100)) "frag_follow"
	le "$fo" $((dg / 100)) "frag_orphan"
	[[ $ft == *"vm_id=0,fcf_prio=0,udp,nw_src=10.1.1.1,nw_dst=10.1.2.1,"*"tp_dst=5201,frag=first"* ]] ||
		t_fail "flow '$ft'"
	[ "$fc" = 1 ] || t_fail "flow core '$fc'"
	ge "$fp" $((frags * 95 / 100)) "packets of the fragmented flow"
	le "$fp" "$frags" "packets of the fragmented flow"
	awk -v l="$loss" 'BEGIN {exit !(l < 20)}' || t_fail "loss $loss %"
}

# ip_snmp NS FIELD: a counter of the Ip: line of /proc/net/snmp in namespace NS.
ip_snmp() {
	ip netns exec "$1" awk -v f="$2" '/^Ip:/ {if (!h) {for (i = 1; i <= NF; i++) n[i] = $i; h = 1}
		else for (i = 1; i <= NF; i++) if (n[i] == f) print $i}' /proc/net/snmp
}

test_outer_fragments() {
	need_env
	local c0 c1 n0 n1 d0 d1 ff fo dg frags ofr pkts df h2ip r0 rf fc0 loss
	collision_setup c vsx 'rule "udp,tp_dst=5201 actions=irq:1"'
	df=$(ip -n "$LAB-h1" -j -d link show vx101 | jq -r '.[0].linkinfo.info_data.df')
	[ "$df" = unset ] || t_fail "h1's vx101: df '$df', want unset (the outer packets could not be fragmented)"
	h2ip=$("$VSXLAB" -q -n "$LAB" hosts | awk '$1 == "h2" {print $3}')
	ip -n "$LAB-h1" route add "$h2ip/32" dev uplink mtu lock 1400 || t_fail "route with MTU 1400"
	read -r c0 c1 < <(core_pkts)
	ff=$(dp_stat h2 frag_follow) fo=$(dp_stat h2 frag_orphan)
	r0=$(ip_snmp "$LAB-h2" ReasmOKs) rf=$(ip_snmp "$LAB-h2" ReasmFails) fc0=$(ip_snmp "$LAB-h1" FragCreates)
	iperf_udp "$SIZE" 50M 3
	dg=$(($(iperf_field sent_bytes) / SIZE)) frags=$((dg * FRAGS))
	read -r n0 n1 < <(core_pkts)
	d0=$((n0 - c0)) d1=$((n1 - c1))
	ff=$(($(dp_stat h2 frag_follow) - ff)) fo=$(($(dp_stat h2 frag_orphan) - fo))
	# Outer datagrams h2 reassembled: each inner fragment that arrived in two outer pieces.
	ofr=$(($(ip_snmp "$LAB-h2" ReasmOKs) - r0)) rf=$(($(ip_snmp "$LAB-h2" ReasmFails) - rf))
	fc0=$(($(ip_snmp "$LAB-h1" FragCreates) - fc0))
	pkts=$((frags + ofr)) # what h2's uplink received of the flow
	loss=$(iperf_field loss_pct)
	diag "outer fragments: $dg datagrams = $frags inner fragments sent; h1 made $fc0 outer" \
		"fragments, h2 reassembled $ofr outer datagrams (failed $rf): $pkts packets;" \
		"core0 +$d0 core1 +$d1, frag_follow +$ff frag_orphan +$fo;" \
		"$(iperf_field received_mbps) Mb/s received, loss $loss %"
	# All inner fragments but the last of each datagram (1444 bytes, 1494 with VXLAN) went
	# in two outer pieces; the last one (1100 bytes) fits in one.
	ge "$ofr" $((dg * (FRAGS - 1) * 95 / 100)) "outer datagrams reassembled on h2"
	# Every packet of the flow went to the rule's core: the later inner fragments and the
	# later outer fragments followed their first ones, none was an orphan.
	ge "$d1" $((pkts * 95 / 100)) "packets on core 1"
	le "$d0" $((pkts / 100 + 50)) "packets on core 0 (iperf3's TCP control connection)"
	ge "$ff" $(((dg * (FRAGS - 1) + ofr) * 95 / 100)) "frag_follow"
	[ "$fo" -eq 0 ] || t_fail "frag_orphan +$fo, want 0"
	awk -v l="$loss" 'BEGIN {exit !(l < 20)}' || t_fail "loss $loss %"
}

t_run "FCF: h1 marks VM ID, h2's vm_id rule puts every fragment on the decided core 1" test_fcf_vm_id
t_run "no FCF: a port rule keeps later fragments on core 1 through fragment tracking" test_port_rule
t_run "outer fragments (underlay MTU 1400): later outer fragments follow their first to core 1" test_outer_fragments
t_done
