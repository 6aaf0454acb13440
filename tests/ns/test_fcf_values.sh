#!/usr/bin/env bash
# Namespace tests of the Flow Control Field across the tunnel: every FCF value 0..255 (VM ID
# 0..127 x priority 0/1) written by h1's egress program arrives intact at h2 and the traffic
# is delivered. For each value h1's egress rule is replaced ("icmp,nw_dst=10.1.2.1
# actions=set_fcf:V[/1]") and h1-vm1 pings h2-vm1 once:
#   - the ping is answered: the echo request reached the VM (and the reply came back);
#   - h1's rule counted the packet it marked;
#   - h2's dump-flows shows the flow with exactly vm_id/fcf_prio as written (the receive
#     flow key includes the FCF, so each value is a flow of its own);
#   - h2's VXLAN device counted no receive errors or drops: the receiver restores the outer
#     ToS before decapsulation, so values whose low bits read as ECN CE (3, 7, ..., 255) are
#     not dropped by the kernel's RFC 6040 check.
# The control case shows why: with h2's "fcf off" the outer byte is left alone, and the
# values whose ECN bits are CE are dropped by the VXLAN device (rx_frame_errors).
#
# Each test builds its own lab (named after this process) with its own vsxds, and removes
# them on exit, failed or not.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init sv 1 ip ping jq # lab names: sv<PID><letter>

# Receive error and drop counters of h2's VXLAN device: "rx_errors rx_frame_errors rx_dropped".
vx_errors() {
	local c out=()
	for c in rx_errors rx_frame_errors rx_dropped; do
		out+=("$(ip netns exec "$LAB-h2" cat "/sys/class/net/vx101/statistics/$c")")
	done
	echo "${out[*]}"
}
ping_once() { ip netns exec "$LAB-h1-vm1" ping -c 1 -W 1 -q 10.1.2.1 >/dev/null 2>&1; }
# set_fcf's argument for FCF byte V: VM ID, and "/1" for priority
fcf_arg() { if (($1 & 128)); then echo "$(($1 & 127))/1"; else echo "$(($1 & 127))"; fi; }

# ---- tests ----

test_all_values() {
	need_env
	local v e0 e1 r0 w0 before after missing
	lab_up a
	# h1 only marks (mode default), h2 keeps a flow cache (mode vsx).
	write_conf h1 default
	write_conf h2 vsx
	start_vsxd h1
	start_vsxd h2
	# Resolve ARP and check the path before anything is marked.
	ping_once || ping_once || t_fail "h1-vm1 cannot reach h2-vm1"
	e0=$(vx_errors)
	r0=$(dp_stat h2 fcf_restored) w0=$(dp_stat h1 fcf_written)
	before=0
	for ((v = 0; v < 256; v++)); do
		ctl h1 add-rule "icmp,nw_dst=10.1.2.1 actions=set_fcf:$(fcf_arg $v)" >/dev/null ||
			t_fail "add-rule set_fcf:$(fcf_arg $v)"
		ping_once || ping_once || t_fail "FCF $v: the ping was not answered ($(ctl h1 dump-rules))"
		ctl h2 dump-flows --json >"$TD/flows.$v"
		after=$(ctl h1 dump-rules --json | jq -r '.[0].packets')
		[ "$after" -gt "$before" ] || t_fail "FCF $v: h1's set_fcf rule marked nothing ($after)"
		before=$after
	done
	[ "$(ctl h1 dump-rules --json | jq -r 'length')" = 1 ] || t_fail "h1 rules: $(ctl h1 dump-rules)"
	# Each value's flow, as h2 read it from the outer header.
	missing=$(for ((v = 0; v < 256; v++)); do
		jq -r --arg f "vm_id=$((v & 127)),fcf_prio=$((v >> 7)),icmp,nw_src=10.1.1.1,nw_dst=10.1.2.1" \
			--arg v "$v" '[.flows[] | select((.flow | contains($f)) and .packets >= 1)] |
			if length == 1 then empty else $v end' "$TD/flows.$v"
	done | tr '\n' ' ')
	[ -z "$missing" ] || t_fail "FCF values without their flow on h2: $missing (e.g. $(cat "$TD/flows.${missing%% *}"))"
	e1=$(vx_errors)
	diag "256 FCF values delivered; h1 fcf_written +$(($(dp_stat h1 fcf_written) - w0))," \
		"h2 fcf_restored +$(($(dp_stat h2 fcf_restored) - r0)); vx101 rx_errors/frame_errors/dropped $e0 -> $e1"
	[ "$e1" = "$e0" ] || t_fail "h2 vx101 receive errors/drops went from '$e0' to '$e1'"
	# Values 1..255 differ from the inner ToS (0): each was written and restored at least once.
	[ $(($(dp_stat h1 fcf_written) - w0)) -ge 255 ] || t_fail "h1 fcf_written"
	[ $(($(dp_stat h2 fcf_restored) - r0)) -ge 255 ] || t_fail "h2 fcf_restored"
}

test_ce_drop_without_restore() {
	need_env
	local v e0 e1 f0 f1 lost="" got=""
	lab_up b
	write_conf h1 default
	write_conf h2 vsx "fcf off"
	start_vsxd h1
	start_vsxd h2
	[ "$(ctl h2 show --json | jq -r .fcf)" = false ] || t_fail "h2 show: fcf is not off"
	ping_once || ping_once || t_fail "h1-vm1 cannot reach h2-vm1"
	# 2 = ECT(0), 0x81 = ECT(1) with priority, 3 and 0xff = CE: the kernel drops CE over a
	# Not-ECT inner packet (RFC 6040) unless the receiver restored the byte.
	for v in 2 129 3 255; do
		ctl h1 add-rule "icmp,nw_dst=10.1.2.1 actions=set_fcf:$(fcf_arg $v)" >/dev/null
		f0=$(ip netns exec "$LAB-h2" cat /sys/class/net/vx101/statistics/rx_frame_errors)
		if ping_once; then got="$got $v"; else lost="$lost $v"; fi
		f1=$(ip netns exec "$LAB-h2" cat /sys/class/net/vx101/statistics/rx_frame_errors)
		diag "fcf off on h2, FCF $v: $([[ " $got " == *" $v "* ]] && echo delivered || echo lost)," \
			"vx101 rx_frame_errors +$((f1 - f0))"
		if (((v & 3) == 3)); then
			[ $((f1 - f0)) -ge 1 ] || t_fail "FCF $v: no rx_frame_errors on h2's vx101"
		fi
	done
	[ "$got/$lost" = " 2 129/ 3 255" ] ||
		t_fail "delivered:$got lost:$lost (expected delivered 2 129, lost 3 255)"
}

t_run "all 256 FCF values cross the tunnel intact, are delivered, no VXLAN drops" test_all_values
t_run "control: without the receiver's restore (fcf off), CE-looking FCFs are dropped" test_ce_drop_without_restore
t_done
