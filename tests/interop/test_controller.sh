#!/usr/bin/env bash
# vsx-controller driving two lab hosts (lab/vsx-lab; vsxd on each with `controller
# unix:SOCKET`: a Unix socket reaches the controller from the hosts' namespaces):
#
#   steer     policy "vm h2-vm1 priority": the controller picks h2-vm1's core (h2 has 2, the
#             VM is pinned to 0, so it takes 1), installs vm_id steering on h2 and FCF marking
#             of h2-vm1's MAC on h1; a UDP flow h1-vm1 -> h2-vm1 is processed on the core the
#             controller shows, by h2's per-core datapath counters
#   late-vm   a VM whose port appears after the controller connected (vsxd's VM_PORT_STATUS)
#             gets its rules on both hosts
#   restart   the controller stops: the rules stay and traffic stays steered; it starts again:
#             it resyncs from the switches' flow tables without adding or removing a rule,
#             and traffic is still on the chosen core
#   fleet     no lab: 200 simulated hosts (bench/controller_agents.c, the real protocol over
#             TCP): every VM start reaches every host, each host holds exactly the rules the
#             policy implies, and a VM moving between hosts (new host first) is followed
#   robust    a peer sending garbage and a peer that connects and says nothing do not disturb
#             the controller; SIGHUP with a broken policy keeps the old one, a fixed one applies
#
# Each test builds its own lab (prefix ci<PID>) and removes it, failed or not.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init ci 2 ip jq iperf3 taskset
CTRL=$BIN/vsx-controller
[ -z "$SKIP" ] && [ ! -x "$CTRL" ] && SKIP="$CTRL not built (make O=$O progs)"

cshow() { "$CTRL" show -s "$TD/ctrl.sock" --json; }

start_ctrl() {
	"$CTRL" -l "punix:$TD/of.sock" -s "$TD/ctrl.sock" -p "$TD/policy" --echo-interval 1000 \
		--log-converge >>"$TD/ctrl.log" 2>&1 &
	echo $! >"$TD/ctrl.pid"
	for _ in $(seq 50); do [ -S "$TD/ctrl.sock" ] && return 0; sleep 0.1; done
	t_fail "vsx-controller did not start: $(cat "$TD/ctrl.log")"
}

stop_ctrl() {
	kill -TERM "$(cat "$TD/ctrl.pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$TD/ctrl.pid")" 2>/dev/null || break; sleep 0.1; done
	rm -f "$TD/ctrl.pid"
	# a sanitizer build reports leaks and errors at exit
	! grep -q "Sanitizer" "$TD/ctrl.log" || t_fail "vsx-controller: $(grep -A5 Sanitizer "$TD/ctrl.log" | head -20)"
}

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds.
wait_for() {
	local secs=$1 n=$(($1 * 10)) what=$2
	shift 2
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	diag "controller: $(cshow 2>&1 | head -c 3000)"
	diag "ctrl.log: $(tail -n 20 "$TD/ctrl.log")"
	t_fail "$what: not within $secs s"
}

synced() { [ "$(cshow | jq '[.hosts[] | select(.state == "synced")] | length')" = "$1" ]; }
vm_field() { cshow | jq -r --arg v "$1" ".vms[] | select(.name == \$v) | .$2"; }
# rule_with HOST TEXT...: HOST has a rule whose text contains every TEXT.
rule_with() {
	local host=$1
	shift
	ctl "$host" dump-rules --json | jq -e --args '[.[] | select(.rule as $r | $ARGS.positional | all(. as $s | $r | contains($s)))] | length > 0' "$@" >/dev/null
}
no_rule_with() { ! rule_with "$@"; }
rules_text() { ctl "$1" dump-rules --json | jq -r '.[] | "\(.cookie) \(.rule)"' | sort; }

late_steered() { [ -n "$(vm_field late steer_rule)" ]; }

# The lab, the controller with $TD/policy, both vsxds connected to it; extra conf lines for h2.
setup() {
	lab_up "$1" --pin h2-vm1=0 --pin h1-vm1=0
	shift
	[ -f "$TD/policy" ] || printf 'vm h2-vm1 priority\n' >"$TD/policy"
	start_ctrl
	write_conf h1 vsx "$("$VSXLAB" -q -n "$LAB" conf h1)" "controller unix:$TD/of.sock" \
		"openflow-echo-interval 1000" "datapath-id 0x11"
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf h2)" "controller unix:$TD/of.sock" \
		"openflow-echo-interval 1000" "datapath-id 0x12" "$@"
	start_vsxd h1
	start_vsxd h2
	wait_for 15 "both hosts synced" synced 2
	wait_for 10 "h2-vm1's core chosen" test "$(vm_field h2-vm1 core)" -ge 0
}

# send_udp: 3000 datagrams h1-vm1 -> h2-vm1 (10.1.2.1), unconnected socket, 1000 B.
send_udp() {
	"$VSXLAB" -q -n "$LAB" exec h1-vm1 -- python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"v" * 1000, ("10.1.2.1", 5001))
    if i % 50 == 49: time.sleep(0.005)
'
}

# rule_pkts HOST TEXT...: packets of HOST's rule whose text has every TEXT.
rule_pkts() {
	local host=$1
	shift
	ctl "$host" dump-rules --json | jq --args '[.[] | select(.rule as $r | $ARGS.positional | all(. as $s | $r | contains($s))) | .packets] | add // 0' "$@"
}

# on_core CORE WHAT: a flow sent now from h1-vm1 (CPU 0, where h2's receive work starts on
# veth) lands on CORE of h2 (datapath counters), through h2's vm_id=3 rule, which only
# matches when h1 marked the packets with h2-vm1's VM ID.
on_core() {
	local core=$1 other=$((1 - $1)) a b r0 r1
	a=$(ctl h2 cores --json | jq -r "[.cores[$core].packets, .cores[$other].packets] | @tsv")
	r0=$(rule_pkts h2 "vm_id=3")
	send_udp
	sleep 0.3
	b=$(ctl h2 cores --json | jq -r "[.cores[$core].packets, .cores[$other].packets] | @tsv")
	r1=$(rule_pkts h2 "vm_id=3")
	read -r a0 a1 <<<"$a"
	read -r b0 b1 <<<"$b"
	diag "$2: core $core +$((b0 - a0)), core $other +$((b1 - a1)), h2's vm_id=3 rule +$((r1 - r0))"
	ge $((r1 - r0)) 2500 "$2: packets through the vm_id=3 rule"
	ge $((b0 - a0)) 2500 "$2: packets on core $core"
	le $((b1 - a1)) 100 "$2: packets on core $other"
}

t_steer() {
	need_env
	setup a
	local core mac
	core=$(vm_field h2-vm1 core)
	mac=$("$VSXLAB" -q -n "$LAB" vms | awk '$1 == "h2-vm1" {print $6}')
	[ "$(vm_field h2-vm1 mac)" = "$mac" ] ||
		t_fail "h2 reported h2-vm1's MAC as $(vm_field h2-vm1 mac), not $mac"
	diag "controller chose core $core for h2-vm1; rules: $(vm_field h2-vm1 steer_rule) / $(vm_field h2-vm1 fcf_rule)"
	[ "$core" = 1 ] || t_fail "core $core: h2 has cores 0 and 1 and h2-vm1 is pinned to 0"
	wait_for 5 "h2 has the steering rule" rule_with h2 "vm_id=3" "actions=irq:$core"
	wait_for 5 "h1 has the FCF rule" rule_with h1 "dl_dst=$mac" "actions=set_fcf:3/1"
	on_core "$core" "steered flow"
	[ "$(cshow | jq '.errors')" = 0 ] || t_fail "switch errors: $(cshow | jq -c '.hosts[] | .last_error')"
	stop_ctrl
}

t_late_vm() {
	need_env
	setup b "$(printf 'vm late {\n\tvm-id 9\n\ttenant 1\n\tvni 101\n\tport late0\n\tmac 02:00:00:01:02:09\n}')"
	# configured but without a port: known, not steered
	[ -z "$(vm_field late steer_rule)$(vm_field late fcf_rule)" ] ||
		t_fail "late has rules before its port exists: $(vm_field late steer_rule)"
	no_rule_with h1 "set_fcf:9" || t_fail "h1 marks late before its port exists"
	ip -n "$LAB-h2" link add late0 type veth peer name late0p
	ip -n "$LAB-h2" link set late0p up
	ip -n "$LAB-h2" link set late0 up
	wait_for 10 "the controller learns late's port" late_steered
	wait_for 5 "h2 steers late" rule_with h2 "vm_id=9" "actions=irq:auto"
	wait_for 5 "h1 marks late" rule_with h1 "dl_dst=02:00:00:01:02:09" "actions=set_fcf:9"
	diag "$(grep late "$TD/ctrl.log" | tail -n 2)"
	# and when it goes, its rules go
	ip -n "$LAB-h2" link del late0
	wait_for 10 "late's FCF rule removed from h1" no_rule_with h1 "set_fcf:9"
	wait_for 5 "late's steering removed from h2" no_rule_with h2 "vm_id=9"
}

t_restart() {
	need_env
	setup c
	local before1 before2
	before1=$(rules_text h1)
	before2=$(rules_text h2)
	stop_ctrl
	on_core 1 "controller stopped"
	start_ctrl
	wait_for 15 "both hosts synced again" synced 2
	sleep 0.5
	[ "$(rules_text h1)" = "$before1" ] || t_fail "h1's rules changed: $before1 -> $(rules_text h1)"
	[ "$(rules_text h2)" = "$before2" ] || t_fail "h2's rules changed: $before2 -> $(rules_text h2)"
	[ "$(cshow | jq '.flow_mods')" = 0 ] || t_fail "resync sent $(cshow | jq '.flow_mods') FLOW_MODs"
	on_core 1 "after the restart"
	stop_ctrl
}

t_robust() {
	need_env
	setup d
	# garbage: a HELLO then a header claiming length 3; silence: a connection saying nothing
	python3 - "$TD/of.sock" <<'EOF' &
import socket, sys, time
g = socket.socket(socket.AF_UNIX); g.connect(sys.argv[1])
g.sendall(bytes.fromhex("0400000800000001") + b"\x04\x0e\x00\x03garbage" * 10)
q = socket.socket(socket.AF_UNIX); q.connect(sys.argv[1])
time.sleep(3)
EOF
	echo $! >"$TD/peers.pid"
	sleep 0.5
	synced 2 || t_fail "hosts lost after garbage"
	on_core 1 "with a garbage and a silent peer"
	printf 'vm h2-vm1 priority cores=banana\n' >"$TD/policy"
	kill -HUP "$(cat "$TD/ctrl.pid")"
	sleep 0.5
	cshow | jq -e '.policy_error | test(":1: cores=banana")' >/dev/null ||
		t_fail "broken policy not reported: $(cshow | jq .policy_error)"
	[ "$(vm_field h2-vm1 core)" = 1 ] || t_fail "old policy lost"
	printf 'vm h2-vm1 steer=none\n' >"$TD/policy"
	kill -HUP "$(cat "$TD/ctrl.pid")"
	wait_for 5 "steer=none removes h2's rule" no_rule_with h2 "vm_id=3"
	wait_for 5 "steer=none removes h1's rule" no_rule_with h1 "set_fcf:3"
	kill -0 "$(cat "$TD/ctrl.pid")" || t_fail "controller died"
	stop_ctrl
}

t_fleet() {
	local agents=$O/bench/controller_agents port
	[ -x "$CTRL" ] && [ -x "$agents" ] || t_skip "$CTRL or $agents not built (make O=$O progs tests)"
	TD=$TMP/fleet
	mkdir -p "$TD"
	trap '[ -f "$TD/ctrl.pid" ] && kill "$(cat "$TD/ctrl.pid")" 2>/dev/null; true' EXIT
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$CTRL" -l "ptcp:$port:127.0.0.1" -s "$TD/ctrl.sock" --log-converge >"$TD/ctrl.log" 2>&1 &
	echo $! >"$TD/ctrl.pid"
	for _ in $(seq 50); do [ -S "$TD/ctrl.sock" ] && break; sleep 0.1; done
	"$agents" --controller "tcp:127.0.0.1:$port" --hosts 200 --socket "$TD/ctrl.sock" \
		--rounds 5 --move --timeout-ms 30000 >"$TD/agents.out" 2>&1 ||
		t_fail "agents: $(tail -n 5 "$TD/agents.out") $(tail -n 5 "$TD/ctrl.log")"
	diag "$(tail -n 2 "$TD/agents.out" | tr '\n' ' ')"
	grep -q "vm bench-vm0 moved from host" "$TD/ctrl.log" || t_fail "the move was not seen as one"
	stop_ctrl
}

t_run "vsx-controller: 200 simulated hosts, every rule where the policy wants it, a VM move" t_fleet
t_run "vsx-controller: a priority VM's flow lands on the core the controller chose" t_steer
t_run "vsx-controller: a VM started after the controller connected gets its rules" t_late_vm
t_run "vsx-controller: a restart keeps traffic steered and changes no rule" t_restart
t_run "vsx-controller: garbage, silent peers, bad and good SIGHUP reloads" t_robust
t_done
