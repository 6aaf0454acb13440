#!/usr/bin/env bash
# The fast paths must not carry a VM's traffic past a refusal of the host's firewall
# (lib/host_guard.h, docs/offload-security.md). vsxd on h2 with the offload on; a UDP flow from
# h1-vm1 to h2-vm1 at ~5000 datagrams/s, above the promotion threshold:
#
#   with an nftables bridge forward rule on h2 dropping the flow, h2-vm1's port is refused (vsxctl
#   offload-stats: not usable; the log names the rule's place), nothing takes the fast path, and
#   the kernel's drop holds: the rule counts the datagrams, the VM receives none of them;
#   with the rule deleted, the refused port is offered again (vsxd retries every 5 s), becomes
#   usable, the flow is promoted and the VM receives it through the fast path.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init og 2 ip jq nft python3 # lab names: og<PID><letter>

PORT=5201 SECS=4

guard_conf() {
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf --no-cpus h2)" \
		'rule "priority=1,ip actions=irq:1"' \
		"offload on" \
		"offload-promote pps=2000 bps=0 for=1s" \
		"offload-demote pps=100 bps=0 for=2s" \
		"offload-idle-timeout 30s"
}

# send: ~5000 UDP datagrams a second for SECS s from h1-vm1 to h2-vm1's PORT, one fixed source
# port (one flow); prints how many were sent.
send() {
	"$VSXLAB" -q -n "$LAB" exec h1-vm1 -- python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40002))
dst, n, t0 = (sys.argv[1], int(sys.argv[2])), 0, time.monotonic()
end = t0 + float(sys.argv[3])
while time.monotonic() < end:
    for _ in range(50):
        s.sendto(b"x" * 200, dst)
        n += 1
    time.sleep(max(0.0, t0 + n / 5000.0 - time.monotonic()))
print(n)' "$VM_IP" $PORT $SECS
}

vm_rx() { ip netns exec "$LAB-h2-vm1" cat /sys/class/net/eth0/statistics/rx_packets; }
offload_pkts() { dp_stat h2 paths.offload.packets; }
port_usable() { ctl h2 offload-stats --json | jq -r '.ports[] | select(.vm == "h2-vm1") | .usable'; }
rule_pkts() {
	ip netns exec "$LAB-h2" nft -j list chain bridge og_guard fw |
		jq -r '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0'
}

test_guard() {
	need_env
	lab_up a --pin h1-vm1=0 --pin h2-vm1=0
	local mac sent rx0 rx1 of0 of1 dropped i
	read -r VM_IP mac <<<"$("$VSXLAB" -q -n "$LAB" vms | awk '$1 == "h2-vm1" {print $5, $6}')"
	VM_IP=${VM_IP%/*}
	[ -n "$mac" ] || t_fail "no h2-vm1 in the lab: $("$VSXLAB" -q -n "$LAB" vms)"
	# the host's firewall drops the flow where the normal path bridges it to the VM
	ip netns exec "$LAB-h2" nft -f - <<NFT || t_fail "nft rule"
table bridge og_guard {
	chain fw {
		type filter hook forward priority 0; policy accept;
		ether daddr $mac udp dport $PORT counter drop
	}
}
NFT
	guard_conf
	start_vsxd h2
	[ "$(port_usable)" = false ] || t_fail "h2-vm1's port is usable with a drop rule on the bridge: $(ctl h2 offload-stats)"
	grep -q "refused by the host guard: bridge netfilter hooks with 1 rules that may drop (first in bridge og_guard fw)" "$TD/h2.log" ||
		t_fail "vsxd's log does not give the reason: $(grep -i guard "$TD/h2.log")"
	diag "$(grep -o 'VM port .*refused by the host guard.*' "$TD/h2.log" | head -n 1)"
	diag "vsxctl: $(ctl h2 offload-stats | grep h2-vm1)"
	rx0=$(vm_rx) of0=$(offload_pkts)
	sent=$(send) || t_fail "sender failed"
	sleep 0.5
	rx1=$(vm_rx) of1=$(offload_pkts) dropped=$(rule_pkts)
	diag "with the rule: sent $sent, dropped by the rule $dropped, VM received $((rx1 - rx0)) packets, fast path $((of1 - of0))"
	[ "$((of1 - of0))" -eq 0 ] || t_fail "the fast path carried $((of1 - of0)) packets past the drop rule"
	ge "$dropped" $((sent * 9 / 10)) "datagrams the kernel's rule dropped"
	le $((rx1 - rx0)) 20 "packets reaching the VM (ARP and the like only)"

	# without the rule, the port is offered again and the flow takes the fast path
	ip netns exec "$LAB-h2" nft delete table bridge og_guard || t_fail "nft delete"
	for ((i = 0; i < 80; i++)); do
		[ "$(port_usable)" = true ] && break
		sleep 0.1
	done
	[ "$(port_usable)" = true ] || t_fail "h2-vm1's port did not become usable without the rule: $(tail -n 5 "$TD/h2.log")"
	rx0=$(vm_rx) of0=$(offload_pkts)
	sent=$(send) || t_fail "sender failed"
	sleep 0.5
	rx1=$(vm_rx) of1=$(offload_pkts)
	diag "without the rule: sent $sent, VM received $((rx1 - rx0)) packets, fast path $((of1 - of0)); port usable after $((i * 100)) ms"
	ge $((rx1 - rx0)) $((sent * 9 / 10)) "packets reaching the VM"
	ge $((of1 - of0)) $((sent / 4)) "packets on the fast path"

	# a rule added while the port is in use: vsxd re-checks usable ports (every 5 s), takes the
	# port off the fast path, and the kernel's drop holds again
	ip netns exec "$LAB-h2" nft -f - <<NFT || t_fail "nft rule"
table bridge og_guard {
	chain fw {
		type filter hook forward priority 0; policy accept;
		ether daddr $mac udp dport $PORT counter drop
	}
}
NFT
	for ((i = 0; i < 80; i++)); do
		[ "$(port_usable)" = false ] && break
		sleep 0.1
	done
	[ "$(port_usable)" = false ] || t_fail "h2-vm1's port stayed usable after a drop rule was added: $(tail -n 5 "$TD/h2.log")"
	grep -q "port vm1 is no longer usable by the fast path" "$TD/h2.log" ||
		t_fail "vsxd's log does not say the port left the fast path: $(grep -i usable "$TD/h2.log")"
	rx0=$(vm_rx) of0=$(offload_pkts)
	sent=$(send) || t_fail "sender failed"
	sleep 0.5
	rx1=$(vm_rx) of1=$(offload_pkts) dropped=$(rule_pkts)
	diag "rule added in use: port unusable after $((i * 100)) ms; sent $sent, dropped $dropped, VM received $((rx1 - rx0)), fast path $((of1 - of0))"
	[ "$((of1 - of0))" -eq 0 ] || t_fail "the fast path carried $((of1 - of0)) packets past the new drop rule"
	ge "$dropped" $((sent * 9 / 10)) "datagrams the kernel's new rule dropped"
}

t_run "a bridge drop rule on the host keeps the VM's port off the fast path; the kernel's drop holds; without it the flow is offloaded; a rule added later takes it off again" test_guard
t_done
