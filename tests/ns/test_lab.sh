#!/usr/bin/env bash
# Namespace tests of the test bed, lab/vsx-lab: a lab comes up, VMs of a tenant reach each
# other across hosts through the VXLAN devices and no other tenant's VMs, pinning, the iperf
# helper, two labs side by side, and `down` leaving nothing behind (also after a crash).
# The labs are named after this process (t<PID>, t<PID>b, t<PID>c) and removed on exit.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

VSXLAB=$PWD/lab/vsx-lab
A=t$$  # the main lab: 2 hosts x 2 VMs, h2-vm1 pinned
B=t$$b # a second lab from a topology file: 3 hosts on a fabric
C=t$$c # crashed labs
D=t$$d # interrupt core: 2 hosts on a fabric, h2's receive path moved between CPUs
TMP=$(mktemp -d)

lab() { "$VSXLAB" -q "$@"; }

cleanup() {
	local l
	for l in "$A" "$B" "$C" "$D"; do "$VSXLAB" -q -n "$l" down >/dev/null 2>&1 || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

SKIP=""
if [ "$(id -u)" -ne 0 ]; then
	SKIP="needs root (network namespaces)"
elif ! ip netns list >/dev/null 2>&1; then
	SKIP="'ip netns' is not available"
else
	for t in bridge ethtool iperf3 ping taskset python3; do
		command -v "$t" >/dev/null 2>&1 || { SKIP="'$t' not installed (scripts/install-deps)"; break; }
	done
fi
need_env() { [ -z "$SKIP" ] || t_skip "$SKIP"; }
need_a() {
	need_env
	[ -f "/run/vsx-lab/$A/complete" ] || t_fail "lab $A is not up (see the first test)"
}

# Reads a counter of DEV in lab LAB's NODE.
counter() { lab -n "$1" exec "$2" cat "/sys/class/net/$3/statistics/$4"; }
# IP packets a VM of lab $1 received (Ip: InReceives).
ip_in() { lab -n "$1" exec "$2" awk '$1 == "Ip:" && $3 ~ /^[0-9]+$/ {print $3}' /proc/net/snmp; }
# The field N (1-based) of VM's line in `vsx-lab vms`.
vm_field() { lab -n "$1" vms | awk -v vm="$2" -v n="$3" '$1 == vm {print $n}'; }
# Namespaces of lab $1 that exist.
lab_ns() { ip netns list | awk '{print $1}' | grep -E "^$1-" || true; }
expect_eq() { [ "$1" = "$2" ] || t_fail "$3: expected '$2', got '$1'"; }
# Runs a command that must fail with exit status $1 and print $2 (an ERE) on stderr.
expect_err() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -eq "$want" ] || t_fail "'$*' exited $rc, expected $want: $(cat "$TMP/err")"
	grep -qE "$pat" "$TMP/err" || t_fail "'$*' did not say /$pat/: $(cat "$TMP/err")"
}
# Waits until process $1 is gone (it is not our child, so init reaps it).
gone() {
	local i
	for ((i = 0; i < 40; i++)); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}
# Nothing of lab $1 may remain: namespaces, mounts, state dir.
assert_clean() {
	[ -z "$(lab_ns "$1")" ] || t_fail "namespaces left: $(lab_ns "$1" | tr '\n' ' ')"
	! grep -q " /run/vsx-lab/$1[ /]" /proc/mounts || t_fail "mount left: $(grep "/run/vsx-lab/$1" /proc/mounts)"
	[ ! -e "/run/vsx-lab/$1" ] || t_fail "state dir /run/vsx-lab/$1 left"
}

test_help() {
	local out sub
	out=$("$VSXLAB" --help)
	for sub in up down status vms hosts conf exec rps irq flush-frags iperf; do
		echo "$out" | grep -qE "^  $sub " || t_fail "--help does not list '$sub'"
		"$VSXLAB" "$sub" --help | head -1 | grep -q "^Usage: vsx-lab $sub" || t_fail "'$sub --help'"
	done
	for opt in --hosts --vms --pin --topology --name --fabric --irq-cpu; do
		"$VSXLAB" up --help | grep -q -- "$opt" || t_fail "'up --help' does not document $opt"
	done
	for opt in --pair --udp --size --rate --burst --time --json --sockbuf --flush-frags --cport; do
		"$VSXLAB" iperf --help | grep -q -- "$opt" || t_fail "'iperf --help' does not document $opt"
	done
}

test_bad_input() {
	expect_err 2 "unknown subcommand 'frobnicate'" "$VSXLAB" frobnicate
	expect_err 2 "bad --hosts '0'" "$VSXLAB" up --hosts 0
	expect_err 2 "bad lab name" "$VSXLAB" -n Bad-Name status
	expect_err 2 "unknown argument '--bogus'" "$VSXLAB" down --bogus
	expect_err 2 "needs a value" "$VSXLAB" up --pin
	expect_err 2 "bad --rate" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --rate fast
	expect_err 2 "bad --sockbuf '3Q'" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --sockbuf 3Q
	expect_err 2 "bad --sockbuf '100'" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --sockbuf 100
	expect_err 2 "bad --burst '1001'" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --rate 10M --burst 1001
	expect_err 2 "burst needs a --rate above 0" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --burst 10
	expect_err 2 "burst needs a --rate above 0" "$VSXLAB" iperf --pair h1-vm1:h2-vm1 --rate 0M --burst 10
	expect_err 2 "bad --irq-cpu 'h2'" "$VSXLAB" up --irq-cpu h2
	expect_err 2 "bad --irq-cpu 'vm1=0'" "$VSXLAB" up --irq-cpu vm1=0
	expect_err 2 "bad --irq-cpu 'h2=x': bad CPU list" "$VSXLAB" up --irq-cpu h2=x
	expect_err 2 "irq: 'fabric' is not a host name" "$VSXLAB" irq fabric 0
	expect_err 2 "irq: expected HOST" "$VSXLAB" irq
	expect_err 2 "flush-frags: which VM" "$VSXLAB" flush-frags
	if [ "$(id -u)" -eq 0 ] && [ -r "$VSXLAB" ] && command -v setpriv >/dev/null; then
		expect_err 1 "must run as root" setpriv --reuid=65534 --regid=65534 --clear-groups \
			bash "$VSXLAB" -n "$C" up
	fi
	need_env
	expect_err 1 "unknown VM 'h9-vm1'" "$VSXLAB" -n "$C" up --pin h9-vm1=0
	expect_err 2 "bad CPU list 'x'" "$VSXLAB" -n "$C" up --pin h1-vm1=x
	expect_err 2 "CPU 4095 .* is not online" "$VSXLAB" -n "$C" up --pin h1-vm1=4095
	expect_err 1 "lab '$C' is not up" "$VSXLAB" -n "$C" exec h1-vm1 true
	expect_err 1 "lab '$C' is not up" "$VSXLAB" -n "$C" vms
	printf 'hosts 2\nvm h1-vm1 tenant=1\nvm h2-vm1 colour=blue\n' >"$TMP/bad.topo"
	expect_err 1 "bad.topo:3: unknown vm attribute 'colour'" "$VSXLAB" -n "$C" up --topology "$TMP/bad.topo"
	expect_err 1 "irq setting for host h5, but the lab has only 2 hosts" "$VSXLAB" -n "$C" up --irq-cpu h5=0
	expect_err 2 "CPU 4095 .* is not online" "$VSXLAB" -n "$C" up --irq-cpu h2=4095
	printf 'irq h2 cpu=0\n' >"$TMP/irq.topo"
	expect_err 1 "irq.topo:1: expected 'irq hH cpus=CPUS" "$VSXLAB" -n "$C" up --topology "$TMP/irq.topo"
	printf 'vm h1-vm1 id=7\nvm h2-vm1 id=7\n' >"$TMP/dup.topo"
	expect_err 1 "VM ID 7 given to both" "$VSXLAB" -n "$C" up --topology "$TMP/dup.topo"
	assert_clean "$C"
}

test_example_topologies() {
	local f n=0
	for f in lab/topologies/*.topo; do
		if grep -q 'pin=1' "$f" && [ "$(nproc)" -lt 2 ]; then continue; fi
		"$VSXLAB" -n "$C" up --dry-run --topology "$f" >"$TMP/dry" || t_fail "$f does not parse"
		[ -s "$TMP/dry" ] || t_fail "$f has no VM"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || t_skip "no example topology usable on $(nproc) CPU(s)"
	# The default topology file and no options describe the same lab.
	diff <("$VSXLAB" -n "$C" up --dry-run) <("$VSXLAB" -n "$C" up --dry-run --topology lab/topologies/default.topo) >&2 ||
		t_fail "default.topo differs from the defaults"
}

PIN_CPU=$(($(nproc) - 1))

test_up() {
	need_env
	lab -n "$A" up --pin "h2-vm1=$PIN_CPU"
	lab -n "$A" status >"$TMP/status"
	expect_eq "$(lab_ns "$A" | wc -l)" 6 "namespaces"
	expect_eq "$(lab -n "$A" vms | wc -l)" 4 "VM lines"
	expect_eq "$(lab -n "$A" vms | grep '^h2-vm2 ')" "h2-vm2 h2 2 102 10.2.2.2 02:00:00:02:02:02 4 - $A-h2-vm2" "h2-vm2"
	expect_eq "$(lab -n "$A" hosts | grep '^h2 ')" "h2 $A-h2 192.0.2.2 uplink 02:00:c0:00:02:02 -" "host h2"
	grep -q "bpffs: */run/vsx-lab/$A/bpf (mounted)" "$TMP/status" || t_fail "status: no bpffs"
	grep -q " /run/vsx-lab/$A/bpf bpf " /proc/mounts || t_fail "no bpffs mounted"
	lab -n "$A" exec h1 ethtool -k uplink | grep -q '^tx-checksumming: off' || t_fail "uplink tx csum on"
	lab -n "$A" exec h2-vm1 ethtool -k eth0 | grep -q '^tx-checksumming: off' || t_fail "VM tx csum on"
	lab -n "$A" exec h2 ethtool -k vm1 | grep -q '^generic-receive-offload: on' || t_fail "VM port GRO off"
	# The VM-side end is what takes the fast path's redirects into vm1: it needs NAPI (GRO on).
	lab -n "$A" exec h2-vm1 ethtool -k eth0 | grep -q '^generic-receive-offload: on' || t_fail "VM eth0 GRO off"
	expect_eq "$(lab -n "$A" exec h2-vm1 cat /sys/class/net/eth0/mtu)" 1450 "VM MTU"
}

# vsx-lab conf: the vsxd vm blocks of a host (what the offload fast path needs: port, vni, mac).
test_conf() {
	need_a
	local want p vsxd=${O:-build}/bin/vsxd
	want=$(printf '%s\n' "# VMs of h2 in lab $A (vsx-lab conf)" \
		"vm h2-vm1 {" "	vm-id 3" "	tenant 1" "	vni 101" "	port vm1" "	mac 02:00:00:01:02:01" \
		"	cpus $PIN_CPU" "}" \
		"vm h2-vm2 {" "	vm-id 4" "	tenant 2" "	vni 102" "	port vm2" "	mac 02:00:00:02:02:02" "}")
	expect_eq "$(lab -n "$A" conf h2)" "$want" "conf h2"
	lab -n "$A" conf --no-mac --no-cpus h1 >"$TMP/h1.conf"
	grep -q 'mac\|cpus' "$TMP/h1.conf" && t_fail "--no-mac --no-cpus left a mac or cpus line"
	expect_eq "$(grep -c '^vm h1-vm[12] {$' "$TMP/h1.conf")" 2 "h1's vm blocks"
	# Every port named is the VM's host-side port, present in the host.
	for p in $(lab -n "$A" conf h2 | awk '$1 == "port" {print $2}'); do
		lab -n "$A" exec h2 ip link show "$p" >/dev/null 2>&1 || t_fail "port $p not in h2"
	done
	expect_err 1 "no host 'h3'" "$VSXLAB" -n "$A" conf h3
	expect_err 2 "which host" "$VSXLAB" -n "$A" conf
	# vsxd reads it (with the MAC only when this vsxd knows the key).
	if [ -x "$vsxd" ]; then
		{ echo "uplink uplink"; lab -n "$A" conf h2; } >"$TMP/h2.conf"
		"$vsxd" --check-config -c "$TMP/h2.conf" >/dev/null 2>&1 ||
			{ echo "uplink uplink"; lab -n "$A" conf --no-mac h2; } >"$TMP/h2.conf"
		"$vsxd" --check-config -c "$TMP/h2.conf" >"$TMP/check" 2>&1 ||
			t_fail "vsxd --check-config refused vsx-lab conf: $(cat "$TMP/check")"
	fi
}

test_ping() {
	need_a
	lab -n "$A" exec h1-vm1 ping -c 2 -i 0.2 -W 2 "$(vm_field "$A" h2-vm1 5)" >/dev/null ||
		t_fail "h1-vm1 cannot reach h2-vm1"
	lab -n "$A" exec h1-vm2 ping -c 2 -i 0.2 -W 2 "$(vm_field "$A" h2-vm2 5)" >/dev/null ||
		t_fail "h1-vm2 cannot reach h2-vm2"
	lab -n "$A" exec h2-vm1 ping -c 1 -W 2 "$(vm_field "$A" h1-vm1 5)" >/dev/null ||
		t_fail "h2-vm1 cannot reach h1-vm1"
}

test_vxlan_counters() {
	need_a
	local tx rx other dst
	dst=$(vm_field "$A" h2-vm1 5)
	tx=$(counter "$A" h1 vx101 tx_packets)
	rx=$(counter "$A" h2 vx101 rx_packets)
	other=$(counter "$A" h2 vx102 rx_packets)
	lab -n "$A" exec h1-vm1 ping -c 5 -i 0.05 -W 2 "$dst" >/dev/null
	[ $(($(counter "$A" h1 vx101 tx_packets) - tx)) -ge 5 ] || t_fail "h1 vx101 sent fewer than 5 packets"
	[ $(($(counter "$A" h2 vx101 rx_packets) - rx)) -ge 5 ] || t_fail "h2 vx101 received fewer than 5 packets"
	expect_eq "$(counter "$A" h2 vx102 rx_packets)" "$other" "h2 vx102 (other tenant) rx_packets"
}

test_tenant_isolation() {
	need_a
	local before dst
	dst=$(vm_field "$A" h2-vm2 5) # tenant 2
	# Give h1-vm1 (tenant 1) an address in tenant 2's subnet, so it ARPs for h2-vm2 directly.
	trap 'lab -n "$A" exec h1-vm1 ip addr del 10.2.1.99/16 dev eth0 2>/dev/null || true' EXIT
	lab -n "$A" exec h1-vm1 ip addr add 10.2.1.99/16 dev eth0
	# IP packets received (h2-vm2's own ARP refreshes of earlier tests' neighbours may come and go).
	before=$(ip_in "$A" h2-vm2)
	if lab -n "$A" exec h1-vm1 ping -c 2 -i 0.2 -W 1 -I 10.2.1.99 "$dst" >/dev/null 2>&1; then
		t_fail "tenant 1's h1-vm1 reached tenant 2's h2-vm2"
	fi
	expect_eq "$(ip_in "$A" h2-vm2)" "$before" "IP packets reaching h2-vm2"
}

# shellcheck disable=SC2016 # awk programs
test_pinning() {
	need_a
	local all
	all=$(cat /sys/devices/system/cpu/online)
	expect_eq "$(vm_field "$A" h2-vm1 8)" "$PIN_CPU" "cpus column"
	expect_eq "$(lab -n "$A" exec h2-vm1 -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)" \
		"$PIN_CPU" "affinity of a process in h2-vm1"
	expect_eq "$(lab -n "$A" exec --no-pin h2-vm1 -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)" \
		"$all" "affinity with --no-pin"
	expect_eq "$(lab -n "$A" exec h1-vm1 -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)" \
		"$all" "affinity of an unpinned VM's process"
}

test_rps() {
	need_a
	local mask
	lab -n "$A" rps h2 "$PIN_CPU"
	mask=$(lab -n "$A" exec h2 cat /sys/class/net/uplink/queues/rx-0/rps_cpus | tr -d ,)
	expect_eq "$((16#$mask))" "$((1 << PIN_CPU))" "rps mask $mask"
	lab -n "$A" rps h2 none
	mask=$(lab -n "$A" exec h2 cat /sys/class/net/uplink/queues/rx-0/rps_cpus | tr -d ,)
	expect_eq "$((16#$mask))" 0 "cleared rps mask $mask"
	expect_err 1 "not online" "$VSXLAB" -n "$A" rps h2 4095
	expect_err 1 "unknown host 'h7'" "$VSXLAB" -n "$A" rps h7 0
	# Lab A has 2 hosts on a veth pair: no fabric to move the interrupt in.
	expect_err 1 "lab '$A' has no fabric" "$VSXLAB" -n "$A" irq h2 0
}

test_iperf_udp() {
	need_a
	lab -n "$A" iperf --udp --size 1400 --rate 100M --time 2 --json \
		--pair h1-vm1:h2-vm1 --pair h1-vm2:h2-vm2 >"$TMP/udp.json"
	python3 - "$TMP/udp.json" <<'EOF' || t_fail "iperf UDP results: $(cat "$TMP/udp.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["proto"] == "udp" and r["size"] == 1400 and len(r["pairs"]) == 2
for p in r["pairs"]:
    assert p["error"] is None, p
    assert p["sent_bytes"] > 10e6, p            # 100 Mb/s for 2 s is 25 MB
    assert 0 < p["received_bytes"] <= p["sent_bytes"], p
    assert p["received_mbps"] > 20, p
    assert 0 <= p["loss_pct"] < 50, p
EOF
}

# arrival_gaps LAB RATE [BURST]: 2 s of UDP 1400 B from h1-vm1 to h2-vm1 at RATE (in bursts of
# BURST); prints "datagrams gaps out_of_order": the datagrams to port 5201 that h2-vm1's eth0
# saw (an AF_PACKET socket, timestamps as they arrive) and how many times one came 30 ms or
# more after the one before, and iperf3's out-of-order count from the JSON.
arrival_gaps() {
	local lab=$1 rate=$2 burst=${3:-} pid
	lab -n "$lab" exec h2-vm1 timeout 6 python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind(("eth0", 0))
s.settimeout(1.5)
n = gaps = 0
last = None
open("'"$TMP"'/cap.ready", "w").close()
while True:
    try:
        p = s.recv(64)
    except socket.timeout:
        if n:
            break
        continue
    now = time.monotonic()
    if len(p) >= 28 and p[9] == 17 and struct.unpack("!H", p[22:24])[0] == 5201:
        if last is not None and now - last >= 0.030:
            gaps += 1
        last = now
        n += 1
print(n, gaps)
' >"$TMP/cap.out" &
	pid=$!
	for ((i = 0; i < 50; i++)); do [ -e "$TMP/cap.ready" ] && break; sleep 0.1; done
	lab -n "$lab" iperf --udp --size 1400 --rate "$rate" ${burst:+--burst "$burst"} --time 2 --json \
		--pair h1-vm1:h2-vm1 >"$TMP/burst.json" || t_fail "iperf --burst: $(cat "$TMP/burst.json")"
	wait "$pid" || t_fail "capture in h2-vm1 failed: $(cat "$TMP/cap.out")"
	rm -f "$TMP/cap.ready"
	echo "$(cat "$TMP/cap.out") $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pairs"][0]["out_of_order"])' "$TMP/burst.json")"
}

test_iperf_burst() {
	need_a
	local n gaps ooo
	# 8 Mb/s in bursts of 50 datagrams of 1400 B: a burst every 70 ms, about 28 in 2 s, each
	# followed by an idle gap of about 70 ms. Without bursts a datagram every 1.4 ms.
	read -r n gaps ooo < <(arrival_gaps "$A" 8M 50)
	echo "# bursts of 50: $n datagrams, $gaps gaps >= 30 ms, out of order $ooo"
	[ "$n" -ge 1000 ] || t_fail "bursts: $n datagrams arrived, expected about 1428"
	[ "$gaps" -ge 15 ] && [ "$gaps" -le 40 ] || t_fail "bursts: $gaps gaps >= 30 ms, expected about 28"
	expect_eq "$ooo" 0 "out_of_order of one flow on one path"
	python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["burst"] == 50' "$TMP/burst.json" ||
		t_fail "JSON burst: $(cat "$TMP/burst.json")"
	read -r n gaps ooo < <(arrival_gaps "$A" 8M)
	echo "# paced: $n datagrams, $gaps gaps >= 30 ms"
	[ "$n" -ge 1000 ] || t_fail "paced: $n datagrams arrived"
	[ "$gaps" -le 3 ] || t_fail "paced (no --burst): $gaps gaps >= 30 ms, expected none"
	python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["burst"] is None' "$TMP/burst.json" ||
		t_fail "JSON burst without --burst: $(cat "$TMP/burst.json")"
}

test_iperf_tcp() {
	need_a
	lab -n "$A" iperf --time 1 --pair h1-vm2:h2-vm2 >"$TMP/tcp.txt"
	grep -qE '^h1-vm2>h2-vm2 +tcp ' "$TMP/tcp.txt" || t_fail "no result line: $(cat "$TMP/tcp.txt")"
	awk '$1 == "h1-vm2>h2-vm2" && $8 + 0 > 10 {ok = 1} END {exit !ok}' "$TMP/tcp.txt" ||
		t_fail "TCP throughput: $(cat "$TMP/tcp.txt")"
	expect_err 1 "unknown VM 'h5-vm1'" "$VSXLAB" -n "$A" iperf --pair h1-vm1:h5-vm1
}

# incoming_cpus: 3000 UDP datagrams from h1-vm1 (pinned to CPU 1) to h2-vm1 in lab D; prints
# how many the receiving socket got per CPU where the kernel processed them, from the
# socket's SO_INCOMING_CPU (the CPU that ran the stack's receive for its latest datagram): a
# count of this lab's packets only, whatever else the machine runs.
incoming_cpus() {
	lab -n "$D" exec h2-vm1 python3 -c '
import socket, sys, collections
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7001))
s.connect(("10.1.1.1", 7002))   # the kernel notes the incoming CPU of connected sockets only
s.settimeout(3)
print("ready", flush=True)
n = collections.Counter()
try:
    while sum(n.values()) < 3000:
        s.recv(2000)
        n[s.getsockopt(socket.SOL_SOCKET, 49)] += 1   # SO_INCOMING_CPU
except socket.timeout:
    pass
print(" ".join("%d:%d" % kv for kv in sorted(n.items())))
' >"$TMP/incoming" &
	local rpid=$! i
	for ((i = 0; i < 100; i++)); do grep -qs ready "$TMP/incoming" && break; sleep 0.05; done
	lab -n "$D" exec h1-vm1 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7002))
for i in range(3000):
    s.sendto(bytes(1000), ("10.1.2.1", 7001))
    if i % 50 == 49:
        time.sleep(0.002)
'
	wait "$rpid"
	tail -1 "$TMP/incoming"
}
# share CPU COUNTS: percent of the datagrams in COUNTS ("0:N 1:M") processed on CPU.
share() { echo "$2" | tr ' ' '\n' | awk -F: -v c="$1" '{t += $2} $1 == c {n = $2} END {print t ? int(100 * n / t) : 0}'; }
need_d() {
	need_env
	[ "$(nproc)" -ge 2 ] || t_skip "needs 2 CPUs"
	[ -f "/run/vsx-lab/$D/complete" ] || t_fail "lab $D is not up (see the irq test)"
}

test_irq() {
	need_env
	[ "$(nproc)" -ge 2 ] || t_skip "needs 2 CPUs"
	local c
	lab -n "$D" up --irq-cpu h2=0 --pin h1-vm1=1 --pin h2-vm1=0
	expect_eq "$(lab -n "$D" hosts | awk '{print $1, $6}' | paste -sd ' ')" "h1 - h2 0" "irq column of hosts"
	lab -n "$D" status | grep -qE '^  h2 .* irq 0 ' || t_fail "status does not show h2's irq: $(lab -n "$D" status)"
	grep -qx 'irq h2 cpus=0' "/run/vsx-lab/$D/topology" || t_fail "topology file has no irq line"
	grep -qx 'fabric' "/run/vsx-lab/$D/topology" || t_fail "topology file has no fabric line"
	expect_eq "$(lab -n "$D" irq h2)" 0 "irq h2 (kernel)"
	lab -n "$D" exec h1-vm1 ping -c 2 -i 0.2 -W 2 10.1.2.1 >/dev/null || t_fail "no ping through the irq hop"
	# The sender runs on CPU 1; h2's receive path runs where its interrupt core says.
	c=$(incoming_cpus)
	echo "# irq h2 0: datagrams per CPU (cpu:count) $c"
	[ "$(share 0 "$c")" -ge 95 ] || t_fail "irq h2=0: datagrams processed per CPU: $c"
	lab -n "$D" irq h2 1
	expect_eq "$(lab -n "$D" irq h2)" 1 "irq h2 after the change"
	expect_eq "$(lab -n "$D" hosts | awk '$1 == "h2" {print $6}')" 1 "irq column after the change"
	c=$(incoming_cpus)
	echo "# irq h2 1: $c"
	[ "$(share 1 "$c")" -ge 95 ] || t_fail "irq h2=1: datagrams processed per CPU: $c"
	lab -n "$D" irq h2 0
	c=$(incoming_cpus)
	[ "$(share 0 "$c")" -ge 95 ] || t_fail "irq h2=0 again: datagrams processed per CPU: $c"
	# none: the hop is gone, the host hangs straight on the fabric bridge again, and the
	# receive work runs on the sending CPU (veth's behaviour).
	lab -n "$D" irq h2 none
	expect_eq "$(lab -n "$D" irq h2)" none "irq h2 after none"
	expect_eq "$(lab -n "$D" hosts | awk '$1 == "h2" {print $6}')" - "irq column after none"
	! grep -q '^irq' "/run/vsx-lab/$D/topology" || t_fail "topology still has an irq line"
	expect_eq "$(lab -n "$D" exec fabric ip -br link | awk '{print $1}' | sed 's/@.*//' | sort | paste -sd ' ')" \
		"fabric h1 h2 lo" "fabric links after none"
	c=$(incoming_cpus)
	echo "# irq h2 none: $c"
	[ "$(share 1 "$c")" -ge 95 ] || t_fail "irq none: datagrams processed per CPU: $c (expected the sender's, 1)"
	lab -n "$D" irq h2 0
	expect_err 1 "unknown host 'h3'" "$VSXLAB" -n "$D" irq h3 0
	expect_err 2 "irq: CPU 4095 .* is not online" "$VSXLAB" -n "$D" irq h2 4095
}

test_iperf_fields() {
	need_d
	local rmax
	rmax=$(cat /proc/sys/net/core/rmem_max)
	# Interrupt on the VM's core, unlimited large datagrams (loss at the VM's socket or of
	# fragments); then a fixed low rate; then the system's buffers; then a buffer above rmem_max.
	lab -n "$D" iperf --udp --size 8192 --time 2 --json --pair h1-vm1:h2-vm1 >"$TMP/f1.json"
	lab -n "$D" iperf --udp --size 1400 --rate 20M --time 2 --json --flush-frags --pair h1-vm1:h2-vm1 >"$TMP/f2.json"
	lab -n "$D" iperf --udp --size 1400 --rate 20M --time 1 --json --sockbuf 0 --pair h1-vm1:h2-vm1 >"$TMP/f3.json"
	lab -n "$D" iperf --udp --size 1400 --rate 20M --time 1 --json --sockbuf $((rmax * 2)) --pair h1-vm1:h2-vm1 >"$TMP/f4.json"
	expect_eq "$(cat /proc/sys/net/core/rmem_max)" "$rmax" "rmem_max after a run that raised it"
	[ ! -e "/run/vsx-lab/$D/sockbuf.saved" ] || t_fail "sockbuf.saved left behind"
	python3 - "$TMP" "$(cat /proc/sys/net/core/rmem_default)" "$rmax" <<'EOF' || t_fail "iperf fields: $(cat "$TMP"/f[1-4].json)"
import json, sys
d, rdef, rmax = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = [json.load(open("%s/f%d.json" % (d, i))) for i in range(1, 5)]
for r in runs:
    assert r["attempts"] >= 1, r
    for p in r["pairs"]:
        assert p["error"] is None, p
        for k in ("rcvbuf_errors", "reasm_fails", "out_of_order"):
            assert isinstance(p[k], int) and p[k] >= 0, (k, p)
        assert p["offered_mbps"] > 0 and p["received_mbps"] <= p["offered_mbps"] * 1.01, p
        assert p["limit"] in ("sender", "receiver", "rate"), p
        assert p["sender_limited"] == (p["limit"] == "sender"), p
        # The definition: receiver when 1 % or more is lost; else sender when unlimited or more
        # than 5 % short of the target; else rate.
        want = ("receiver" if p["loss_pct"] >= 1 else
                "sender" if p["target_mbps"] is None or p["offered_mbps"] < 0.95 * p["target_mbps"] else "rate")
        assert p["limit"] == want, (want, p)
big, low, dflt, above = (r["pairs"][0] for r in runs)
assert runs[0]["sockbuf"] == 4 << 20 and big["rcvbuf_bytes"] == 8 << 20, big   # the kernel doubles it
assert big["target_mbps"] is None and low["target_mbps"] == 20.0, low
# Drops are counted per datagram (socket full) or per fragment (reassembly refused or timed
# out; an 8192-byte datagram is 6 fragments): never more than that was sent.
assert big["rcvbuf_errors"] <= big["sent_bytes"] / 8192, big
assert big["reasm_fails"] <= 6 * big["sent_bytes"] / 8192, big
assert runs[2]["sockbuf"] is None and dflt["rcvbuf_bytes"] == rdef, dflt
assert above["rcvbuf_bytes"] == 4 * rmax, above
assert abs(low["offered_mbps"] - 20) < 2, low
EOF
	# The text table has the new columns.
	lab -n "$D" iperf --udp --rate 10M --time 1 --pair h1-vm1:h2-vm1 >"$TMP/f.txt"
	head -1 "$TMP/f.txt" | grep -qE 'loss +offered +rcvbuf +reasm +ooo +limit' || t_fail "table header: $(cat "$TMP/f.txt")"
	awk '$1 == "h1-vm1>h2-vm1" && NF == 14 && $13 ~ /^[0-9]+$/ && $NF ~ /^(sender|receiver|rate)$/ {ok = 1} END {exit !ok}' "$TMP/f.txt" ||
		t_fail "table row: $(cat "$TMP/f.txt")"
}

# --cport: the client's data stream comes from the given port (two runs, one flow).
test_iperf_cport() {
	need_a
	local peer
	"$VSXLAB" -q -n "$A" iperf --udp --rate 1M --time 2 --cport 40011 --pair h1-vm1:h2-vm1 >"$TMP/cport.txt" 2>&1 &
	sleep 1.2
	peer=$(lab -n "$A" exec --no-pin h2-vm1 ss -Hun | awk '{print $NF}')
	wait $! || t_fail "iperf --cport failed: $(cat "$TMP/cport.txt")"
	case $peer in *:40011) ;; *) t_fail "server's peer is '$peer', not port 40011" ;; esac
}

test_flush_frags() {
	need_d
	local mem
	# Half-built datagrams, made deterministically: first fragments (MF set) of datagrams whose
	# rest never comes, sent by the VM to its own address.
	lab -n "$D" exec h2-vm1 python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
a = socket.inet_aton("10.1.2.1")
for i in range(100):
    payload = bytes(1000)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1000 + i, 0x2000, 64, 17, 0, a, a)
    s.sendto(hdr + payload, ("10.1.2.1", 0))
'
	mem=$(lab -n "$D" exec h2-vm1 awk '$1 == "FRAG:" {print $5}' /proc/net/sockstat)
	[ "$mem" -gt 0 ] || t_fail "no half-built datagrams in h2-vm1 to flush"
	lab -n "$D" flush-frags h2-vm1
	expect_eq "$(lab -n "$D" exec h2-vm1 awk '$1 == "FRAG:" {print $2, $3, $4, $5}' /proc/net/sockstat)" \
		"inuse 0 memory 0" "h2-vm1 reassembly after flush-frags"
	# The VM is whole again: address, MAC, offloads, pinning, reachability.
	expect_eq "$(lab -n "$D" exec h2-vm1 ip -br addr show eth0 | awk '{print $3}')" 10.1.2.1/16 "h2-vm1 address"
	expect_eq "$(lab -n "$D" exec h2-vm1 cat /sys/class/net/eth0/address)" 02:00:00:01:02:01 "h2-vm1 MAC"
	lab -n "$D" exec h2-vm1 ethtool -k eth0 | grep -q '^tx-checksumming: off' || t_fail "VM tx csum on after flush"
	lab -n "$D" exec h1-vm1 ping -c 2 -i 0.2 -W 2 10.1.2.1 >/dev/null || t_fail "h2-vm1 unreachable after flush-frags"
	expect_eq "$(lab_ns "$D" | grep -c flush)" 0 "temporary namespaces"
	# Refused while a process runs in the VM.
	(
		"$VSXLAB" -q -n "$D" exec h2-vm1 sleep 30 >/dev/null 2>&1 &
		echo $! >"$TMP/pid"
	)
	sleep 0.2
	expect_err 1 "flush-frags: process\(es\) .* run in h2-vm1" "$VSXLAB" -n "$D" flush-frags h2-vm1
	kill "$(cat "$TMP/pid")" 2>/dev/null
	expect_err 1 "unknown VM 'h2-vm9'" "$VSXLAB" -n "$D" flush-frags h2-vm9
	lab -n "$D" down
	assert_clean "$D"
}

test_already_up() {
	need_a
	expect_err 1 "lab '$A' is already up" "$VSXLAB" -n "$A" up
	expect_eq "$(lab_ns "$A" | wc -l)" 6 "namespaces after a refused up"
}

test_topology_second_lab() {
	need_a
	trap 'lab -n "$B" down >/dev/null 2>&1 || true' EXIT
	cat >"$TMP/b.topo" <<EOF
# three hosts on a fabric, one VM each in tenant 1, plus a tenant 7 pair with its own VNI
hosts 3
vms 1
tenant 7 vni=7007
vm h1-vm2 tenant=7 id=50 pin=$PIN_CPU
vm h3-vm2 tenant=7   # trailing comment
EOF
	lab -n "$B" up --topology "$TMP/b.topo"
	lab -n "$B" vms >"$TMP/b.vms"
	cat >"$TMP/b.want" <<EOF
h1-vm1 h1 1 101 10.1.1.1 02:00:00:01:01:01 1 - $B-h1-vm1
h1-vm2 h1 7 7007 10.7.1.2 02:00:00:07:01:02 50 $PIN_CPU $B-h1-vm2
h2-vm1 h2 1 101 10.1.2.1 02:00:00:01:02:01 2 - $B-h2-vm1
h3-vm1 h3 1 101 10.1.3.1 02:00:00:01:03:01 3 - $B-h3-vm1
h3-vm2 h3 7 7007 10.7.3.2 02:00:00:07:03:02 4 - $B-h3-vm2
EOF
	diff -u "$TMP/b.want" "$TMP/b.vms" >&2 || t_fail "VM table of the topology"
	expect_eq "$(lab_ns "$B" | grep -c fabric)" 1 "fabric namespace"
	lab -n "$B" exec h1-vm1 ping -c 2 -i 0.2 -W 2 10.1.3.1 >/dev/null || t_fail "B: h1-vm1 -> h3-vm1"
	lab -n "$B" exec h2-vm1 ping -c 2 -i 0.2 -W 2 10.1.3.1 >/dev/null || t_fail "B: h2-vm1 -> h3-vm1"
	lab -n "$B" exec h3-vm2 ping -c 2 -i 0.2 -W 2 10.7.1.2 >/dev/null || t_fail "B: h3-vm2 -> h1-vm2"
	# Lab A is unaffected, and stays so when B goes.
	lab -n "$A" exec h1-vm1 ping -c 1 -W 2 10.1.2.1 >/dev/null || t_fail "A broken while B is up"
	lab -n "$B" down
	assert_clean "$B"
	expect_eq "$(lab_ns "$A" | wc -l)" 6 "A's namespaces after B went down"
	lab -n "$A" exec h1-vm1 ping -c 1 -W 2 10.1.2.1 >/dev/null || t_fail "A broken after B went down"
}

test_down() {
	need_a
	local pid
	# A process in a VM that is not our child (as a workload would be).
	(
		"$VSXLAB" -q -n "$A" exec h1-vm1 sleep 600 >/dev/null 2>&1 &
		echo $! >"$TMP/pid"
	)
	pid=$(cat "$TMP/pid")
	sleep 0.2
	[ -e "/proc/$pid" ] || t_fail "workload did not start"
	lab -n "$A" down
	assert_clean "$A"
	gone "$pid" || t_fail "process $pid in h1-vm1 survived down"
	if ip -o link | grep -qE ': (uplink|vx10[12]|br10[12]|vm[12])[@:]'; then
		t_fail "lab links in the root namespace: $(ip -o link | grep -E ': (uplink|vx|br10|vm[12])')"
	fi
	lab -n "$A" down || t_fail "second down failed"
	"$VSXLAB" -n "$A" down 2>&1 | grep -q "not up; nothing to do" || t_fail "second down said"
	expect_err 1 "lab '$A' is not up" "$VSXLAB" -n "$A" exec h1 true
}

# interrupt_up SIGNAL: starts `up --hosts 3` of lab C in the background, waits (2 s at most)
# until it is half-way (4 of its namespaces exist) and sends it SIGNAL. Sets pid (the
# caller's local) to its process, for the caller to wait for.
interrupt_up() {
	local i
	"$VSXLAB" -q -n "$C" up --hosts 3 2>/dev/null &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ "$(lab_ns "$C" | wc -l)" -ge 4 ] && break
		sleep 0.01
	done
	kill "-$1" "$pid"
}

test_down_after_crash() {
	need_env
	local pid
	trap 'lab -n "$C" down >/dev/null 2>&1 || true' EXIT
	# 1. up killed with SIGKILL half-way: no cleanup ran.
	interrupt_up KILL
	wait "$pid" 2>/dev/null || true
	sleep 0.2 # let the commands it had started finish, as after a real crash
	[ -n "$(lab_ns "$C")" ] || t_fail "the killed up left nothing to clean (too fast?)"
	"$VSXLAB" -n "$C" status >/dev/null 2>&1 && t_fail "status of a half-built lab succeeded"
	expect_err 1 "already up" "$VSXLAB" -n "$C" up
	lab -n "$C" down
	assert_clean "$C"

	# 2. A complete lab whose state dir is gone, with a process running in a VM.
	lab -n "$C" up
	(
		"$VSXLAB" -q -n "$C" exec h2-vm2 sleep 600 >/dev/null 2>&1 &
		echo $! >"$TMP/pid"
	)
	pid=$(cat "$TMP/pid")
	umount "/run/vsx-lab/$C/bpf"
	rm -rf "/run/vsx-lab/$C"
	lab -n "$C" down
	assert_clean "$C"
	gone "$pid" || t_fail "process $pid survived down without state"

	# 3. up interrupted with SIGTERM cleans up after itself.
	interrupt_up TERM
	wait "$pid" 2>/dev/null && t_fail "interrupted up exited 0"
	assert_clean "$C"
}

t_run "vsx-lab --help documents every subcommand and option" test_help
t_run "bad input gives a clear error and a non-zero exit" test_bad_input
t_run "the example topologies in lab/topologies are valid" test_example_topologies
t_run "a 2-host x 2-VM lab comes up with the documented names, offloads and bpffs" test_up
t_run "conf prints a host's VMs as vsxd vm blocks (port, vni, mac)" test_conf
t_run "VMs of a tenant reach each other across hosts" test_ping
t_run "the traffic goes through the tenant's VXLAN devices only" test_vxlan_counters
t_run "VMs of different tenants do not reach each other" test_tenant_isolation
t_run "a pinned VM's processes run on its CPUs" test_pinning
t_run "rps sets and clears the uplink's RPS CPUs" test_rps
t_run "iperf helper: 2 UDP pairs at once, throughput and loss from bytes" test_iperf_udp
t_run "iperf helper: TCP table output" test_iperf_tcp
t_run "iperf helper: --burst sends bursts with idle gaps between them; out_of_order in the JSON" test_iperf_burst
t_run "irq: the interrupt core of a host is set, moves its receive work, changes and goes" test_irq
t_run "iperf helper: offered rate, RcvbufErrors, ReasmFails, limit, socket buffers" test_iperf_fields
t_run "iperf helper: --cport fixes the client's data port" test_iperf_cport
t_run "flush-frags empties a VM's reassembly memory and leaves the VM whole" test_flush_frags
t_run "up refuses a lab that is already up" test_already_up
t_run "a second lab from a topology file (3 hosts, fabric) coexists" test_topology_second_lab
t_run "down removes namespaces, links, mounts, processes, state; idempotent" test_down
t_run "down cleans up after a crashed or interrupted up" test_down_after_crash
t_done
