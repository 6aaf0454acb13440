#!/usr/bin/env bash
# The os-ken application (controller/osken/vsx_app.py on Debian's python3-os-ken, run by
# osken-manager) driving two lab hosts: osken-manager listens in h1's namespace; h1's vsxd
# connects to it over loopback, h2's over the lab's underlay (192.0.2.1).
#
#   steer     policy "vm h2-vm1 priority": the app picks core 1 for h2-vm1 (core 0 is its pinned
#             core), installs vm_id steering on h2 and FCF marking on h1; a UDP flow
#             h1-vm1 -> h2-vm1 goes through h2's vm_id rule onto core 1 (datapath counters)
#   late-vm   a VM whose port appears after the app connected gets its rules on both hosts
#   restart   osken-manager stops: rules stay, traffic stays steered; it starts again and the
#             hosts' rules are the same afterwards (it resyncs by cookie, adds nothing twice)
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init co 2 ip jq osken-manager
APP=$PWD/controller/osken/vsx_app.py
[ -z "$SKIP" ] && ! /usr/bin/python3 -c 'import os_ken' 2>/dev/null && SKIP="python3-os-ken not installed"
PORT=16653

start_osken() {
	ip netns exec "$LAB-h1" env VSX_POLICY="$TD/policy" osken-manager --ofp-listen-host 0.0.0.0 \
		--ofp-tcp-listen-port $PORT "$APP" >>"$TD/osken.log" 2>&1 &
	echo $! >"$TD/osken.pid"
	for _ in $(seq 100); do
		ip netns exec "$LAB-h1" ss -ltn | grep -q ":$PORT " && return 0
		kill -0 "$(cat "$TD/osken.pid")" 2>/dev/null || break
		sleep 0.1
	done
	t_fail "osken-manager did not start: $(tail -n 20 "$TD/osken.log")"
}

stop_osken() {
	kill -TERM "$(cat "$TD/osken.pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$TD/osken.pid")" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$(cat "$TD/osken.pid")" 2>/dev/null || true
	rm -f "$TD/osken.pid"
}

wait_for() {
	local secs=$1 n=$(($1 * 10)) what=$2
	shift 2
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	diag "osken.log: $(tail -n 20 "$TD/osken.log")"
	diag "h1 rules: $(ctl h1 dump-rules 2>&1)"
	diag "h2 rules: $(ctl h2 dump-rules 2>&1)"
	t_fail "$what: not within $secs s"
}

rule_with() {
	local host=$1
	shift
	ctl "$host" dump-rules --json | jq -e --args '[.[] | select(.rule as $r | $ARGS.positional | all(. as $s | $r | contains($s)))] | length > 0' "$@" >/dev/null
}
no_rule_with() { ! rule_with "$@"; }
rule_pkts() {
	local host=$1
	shift
	ctl "$host" dump-rules --json | jq --args '[.[] | select(.rule as $r | $ARGS.positional | all(. as $s | $r | contains($s))) | .packets] | add // 0' "$@"
}
rules_text() { ctl "$1" dump-rules --json | jq -r '.[] | select(.origin == "openflow") | "\(.cookie) \(.rule)"' | sort; }
synced() { [ "$(grep -c "vsx: host .* synced" "$TD/osken.log")" -ge "$1" ]; }

setup() {
	lab_up "$1" --pin h2-vm1=0 --pin h1-vm1=0
	shift
	printf 'vm h2-vm1 priority\n' >"$TD/policy"
	start_osken
	write_conf h1 vsx "$("$VSXLAB" -q -n "$LAB" conf h1)" "controller tcp:127.0.0.1:$PORT" \
		"datapath-id 0x31"
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf h2)" "controller tcp:192.0.2.1:$PORT" \
		"datapath-id 0x32" "$@"
	start_vsxd h1
	start_vsxd h2
	wait_for 20 "both hosts synced by the app" synced 2
	wait_for 5 "h2 steers h2-vm1 to core 1" rule_with h2 "vm_id=3" "actions=irq:1"
}

send_udp() {
	"$VSXLAB" -q -n "$LAB" exec h1-vm1 -- python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"v" * 1000, ("10.1.2.1", 5001))
    if i % 50 == 49: time.sleep(0.005)
'
}

on_core1() {
	local a b r0 r1
	a=$(ctl h2 cores --json | jq -r '[.cores[1].packets, .cores[0].packets] | @tsv')
	r0=$(rule_pkts h2 "vm_id=3")
	send_udp
	sleep 0.3
	b=$(ctl h2 cores --json | jq -r '[.cores[1].packets, .cores[0].packets] | @tsv')
	r1=$(rule_pkts h2 "vm_id=3")
	read -r a1 a0 <<<"$a"
	read -r b1 b0 <<<"$b"
	diag "$1: core 1 +$((b1 - a1)), core 0 +$((b0 - a0)), h2's vm_id=3 rule +$((r1 - r0))"
	ge $((r1 - r0)) 2500 "$1: packets through the vm_id=3 rule"
	ge $((b1 - a1)) 2500 "$1: packets on core 1"
	le $((b0 - a0)) 100 "$1: packets on core 0"
}

t_steer() {
	need_env
	setup a
	wait_for 5 "h1 marks h2-vm1's traffic" rule_with h1 "dl_dst=02:00:00:01:02:01" "actions=set_fcf:3/1"
	on_core1 "steered by the os-ken app"
}

t_late_vm() {
	need_env
	setup b "$(printf 'vm late {\n\tvm-id 9\n\ttenant 1\n\tvni 101\n\tport late0\n\tmac 02:00:00:01:02:09\n}')"
	no_rule_with h2 "vm_id=9" || t_fail "late steered before its port exists"
	ip -n "$LAB-h2" link add late0 type veth peer name late0p
	ip -n "$LAB-h2" link set late0p up
	ip -n "$LAB-h2" link set late0 up
	wait_for 10 "h2 steers late" rule_with h2 "vm_id=9" "actions=irq:auto"
	wait_for 5 "h1 marks late" rule_with h1 "dl_dst=02:00:00:01:02:09" "actions=set_fcf:9"
}

t_restart() {
	need_env
	setup c
	local before1 before2
	wait_for 5 "h1 has its rules" rule_with h1 "actions=set_fcf:3/1"
	before1=$(rules_text h1)
	before2=$(rules_text h2)
	stop_osken
	on_core1 "os-ken stopped"
	start_osken
	wait_for 20 "both hosts synced again" synced 4
	sleep 0.5
	[ "$(rules_text h1)" = "$before1" ] || t_fail "h1's rules changed: $before1 -> $(rules_text h1)"
	[ "$(rules_text h2)" = "$before2" ] || t_fail "h2's rules changed: $before2 -> $(rules_text h2)"
	on_core1 "after the restart"
}

t_run "os-ken app: a priority VM's flow lands on the core the app chose" t_steer
t_run "os-ken app: a VM started after the app connected gets its rules" t_late_vm
t_run "os-ken app: a restart keeps traffic steered and the rules as they were" t_restart
t_done
