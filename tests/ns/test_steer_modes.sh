#!/usr/bin/env bash
# Namespace tests of the steering modes, in the VS-extend paper's collision setting: VM
# h2-vm1 is pinned to CPU 0 and so is the sender h1-vm1. On veth, host h2's uplink XDP runs on
# the sender's CPU, so without steering all of h2's receive work lands on CPU 0, the VM's core.
#
#   default   the datapath leaves every packet on the receiving core (CPU 0)
#   vsx       rule "vni=101 actions=irq:auto" picks core 1 (the core without a VM) and the
#             flow's packets are processed there: the datapath's per-core counters and the
#             kernel's own accounting (cpumap/1 kthread CPU time, per-CPU softnet "processed")
#             agree; the per-flow counters match the packets sent
#   irq:N     explicit cores, both ways (0 -> 1 and 1 -> 0), replaced at run time
#   rss       each flow lands on the core the RPS-like hash of its outer header predicts
#             (outer addresses and UDP ports, read from a capture on h2's uplink);
#             IP fragments of different flows between two VMs share one core: the kernel's
#             VXLAN source port hashes the inner packet, and fragments have no ports. This
#             holds for traffic without a socket hash, as a real VM's through a tap; the
#             senders are unconnected UDP sockets for that reason. (A connected socket, as
#             iperf3's, has a random tx hash that its fragments inherit, so each such flow
#             gets its own outer source port and may land anywhere.)
#   set-mode  vsxctl switches the mode at run time
#
# Each test builds its own lab (named after this process) with its own vsxd, and removes
# both on exit, failed or not. Rates are moderate: the machine may be busy with other work.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init sm 2 ip iperf3 jq taskset bpftool # lab names: sm<PID><letter>
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# A small traffic tool: "send" from unconnected UDP sockets (like a VM's traffic through a tap:
# no socket hash on the packets, so the kernel's VXLAN source port comes from the inner
# headers), "capture" of the outer UDP source ports on an uplink, and "rss" predicting the
# core of the datapath's rss mode (bpf/lib/steer.h, vsx_rss_core) from an outer header.
cat >"$TMP/tool.py" <<'EOF'
import json, os, socket, struct, sys, time

def send(dst, port, size, count, pps, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    if sport:
        s.bind(("", sport))
    buf = b"v" * size
    t0 = time.monotonic()
    for i in range(count):
        s.sendto(buf, (dst, port))
        if i % 8 == 7:
            ahead = t0 + (i + 1) / pps - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    print(count)

def capture(dev, ready, seconds, want):
    # Outer UDP source port of every VXLAN packet carrying inner UDP (fragments too),
    # per inner destination port (first fragments and whole datagrams) and overall.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((dev, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    by_dport, all_sports, n = {}, {}, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and n < want:
        try:
            d = s.recv(256)
        except socket.timeout:
            continue
        if len(d) < 14 + 20 + 8 + 8 + 14 + 20 or d[12:14] != b"\x08\x00" or d[23] != 17:
            continue
        o = 14 + (d[14] & 15) * 4
        sport, dport = struct.unpack("!HH", d[o:o + 4])
        if dport != 4789:
            continue
        i = o + 16 + 14  # inner IPv4 header
        if d[i - 2:i] != b"\x08\x00" or d[i + 9] != 17:
            continue
        src = socket.inet_ntoa(d[14 + 12:14 + 16])
        dst = socket.inet_ntoa(d[14 + 16:14 + 20])
        all_sports[sport] = all_sports.get(sport, 0) + 1
        n += 1
        if struct.unpack("!H", d[i + 6:i + 8])[0] & 0x1fff == 0:  # offset 0: has the UDP header
            idp = struct.unpack("!H", d[i + (d[i] & 15) * 4 + 2:i + (d[i] & 15) * 4 + 4])[0]
            by_dport.setdefault(str(idp), {"outer_src": src, "outer_dst": dst, "sports": []})
            if sport not in by_dport[str(idp)]["sports"]:
                by_dport[str(idp)]["sports"].append(sport)
    print(json.dumps({"by_dport": by_dport, "sports": sorted(all_sports), "packets": n}))

def rss(src, dst, sport, dport, cpus):
    # Mirrors vsx_rss_core() for a tunnelled IPv4 packet: the words are the in-memory
    # (network order) values read as little-endian integers, as the BPF program does.
    M, mul = (1 << 64) - 1, 0x9E3779B97F4A7C15
    le32 = lambda ip: struct.unpack("<I", socket.inet_aton(ip))[0]
    le16 = lambda p: struct.unpack("<H", struct.pack("!H", p))[0]
    h = (((le32(src) << 32) | le32(dst)) * mul) & M
    h = ((h ^ 0) * mul) & M  # word 3 of IPv4 addresses is zero
    ports = ((le16(sport) << 16) | le16(dport)) & 0xFFFFFFFF
    h = ((h ^ ((ports << 8) | 17)) * mul) & M
    cpus = [int(c) for c in cpus.split(",")]
    print(cpus[((h >> 32) * len(cpus)) >> 32])

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "send":
    send(args[0], *map(int, args[1:4]), float(args[4]), *map(int, args[5:]))
elif cmd == "capture":
    capture(args[0], args[1], float(args[2]), int(args[3]))
elif cmd == "rss":
    rss(args[0], args[1], int(args[2]), int(args[3]), args[4])
EOF

# ---- measurements ----

# A flow of dump-flows --json whose text contains $1: "PACKETS CORE".
flow_of() { ctl h2 dump-flows --json | jq -r --arg f "$1" '[.flows[] | select(.flow | contains($f))][0] | "\(.packets) \(.core)"'; }

# Unconnected UDP sender in h1-vm1 on CPU $1: DST_PORT SIZE COUNT PPS [SRC_PORT].
send_on() {
	local cpu=$1
	shift
	ip netns exec "$LAB-h1-vm1" taskset -c "$cpu" "$PY" "$TMP/tool.py" send 10.1.2.1 "$@" >/dev/null
}

# ---- tests ----

test_default() {
	need_env
	local c0 c1 n0 n1 s0 k1 pkts d0 d1 loc red
	collision_setup a default 'rule "vni=101 actions=irq:auto"'
	[ "$(ctl h2 show --json | jq -r .mode)" = default ] || t_fail "show: mode is not default"
	read -r c0 c1 < <(core_pkts)
	s0=$(softnet 0)
	k1=$(kthread_ns 1)
	loc=$(dp_stat h2 local)
	red=$(dp_stat h2 redirect)
	iperf_udp 1400 100M 2
	pkts=$(($(iperf_field sent_bytes) / 1400))
	read -r n0 n1 < <(core_pkts)
	d0=$((n0 - c0)) d1=$((n1 - c1))
	diag "default: sent $pkts datagrams, datapath core0 +$d0 core1 +$d1," \
		"$(iperf_field received_mbps) Mb/s received, loss $(iperf_field loss_pct) %," \
		"CPU0 softnet processed +$(($(softnet 0) - s0)), cpumap/1 kthread +$((($(kthread_ns 1) - k1) / 1000)) us"
	ge "$d0" $((pkts * 95 / 100)) "packets on core 0 (receiving core)"
	le "$d1" $((pkts / 100 + 20)) "packets on core 1"
	ge $(($(dp_stat h2 local) - loc)) $((pkts * 95 / 100)) "stats local"
	le $(($(dp_stat h2 redirect) - red)) 0 "stats redirect"
	# The kernel agrees: CPU 0 did the receive work, nothing went through the cpumap. Each
	# packet is received on CPU 0 four times: on h1's bridge port from the VM (the sender's
	# side, there in every mode), then on h2's uplink, after VXLAN decapsulation and on the
	# VM's veth; three times or more is only possible if h2's work stayed on CPU 0.
	ge $(($(softnet 0) - s0)) $((3 * pkts)) "softnet processed on CPU 0"
	le $(($(kthread_ns 1) - k1)) 2000000 "cpumap/1 kthread CPU time (ns)"
	# default mode does not consult rules or the flow cache
	[ "$(ctl h2 dump-rules --json | jq -r '.[0].decided_core')" = null ] || t_fail "rule decided in default mode"
}

test_vsx_auto() {
	need_env
	local c0 c1 n0 n1 s1 k0 k1 pkts d0 d1 red fp fc ds dk
	collision_setup b vsx 'rule "vni=101 actions=irq:auto"'
	ctl h2 cores --json | jq -e '.threshold == 100 and .cores[0].pinned and (.cores[1].pinned | not)' \
		>/dev/null || t_fail "core table: $(ctl h2 cores)"
	read -r c0 c1 < <(core_pkts)
	s1=$(softnet 1)
	k0=$(kthread_ns 0)
	k1=$(kthread_ns 1)
	red=$(dp_stat h2 redirect)
	iperf_udp 1400 100M 2
	pkts=$(($(iperf_field sent_bytes) / 1400))
	read -r n0 n1 < <(core_pkts)
	d0=$((n0 - c0)) d1=$((n1 - c1)) ds=$(($(softnet 1) - s1)) dk=$(($(kthread_ns 1) - k1))
	read -r fp fc < <(flow_of "udp,nw_src=10.1.1.1,nw_dst=10.1.2.1,")
	diag "vsx irq:auto: sent $pkts datagrams, datapath core0 +$d0 core1 +$d1, flow $fp packets on core $fc," \
		"$(iperf_field received_mbps) Mb/s received, loss $(iperf_field loss_pct) %," \
		"CPU1 softnet processed +$ds, cpumap/1 kthread +$((dk / 1000)) us"
	[ "$(ctl h2 dump-rules --json | jq -r '.[0].decided_core')" = 1 ] ||
		t_fail "decided core: $(ctl h2 dump-rules)"
	ge "$d1" $((pkts * 95 / 100)) "packets on core 1 (decided)"
	le "$d0" $((pkts / 100 + 50)) "packets on core 0 (the VM's)"
	ge $(($(dp_stat h2 redirect) - red)) $((pkts * 95 / 100)) "stats redirect"
	# The flow's own counter: every datagram it sent (plus iperf3's one-datagram UDP
	# "connect" on the same ports), within the loss before XDP.
	[ "$fc" = 1 ] || t_fail "flow core '$fc'"
	ge "$fp" $((pkts * 95 / 100)) "flow packets"
	le "$fp" $((pkts + 2)) "flow packets"
	# The kernel agrees: the receive work ran in the cpumap kthread on CPU 1, and each packet
	# went through netif_receive_skb on CPU 1 three times (uplink, after VXLAN, VM port;
	# nothing of the sender runs there): at least twice, allowing for drops.
	ge "$ds" $((2 * pkts)) "softnet processed on CPU 1"
	ge "$dk" $((pkts * 1000)) "cpumap/1 kthread CPU time (ns, >= 1 us per packet)"
	le $(($(kthread_ns 0) - k0)) 2000000 "cpumap/0 kthread CPU time (ns)"
	[ "$(ctl h2 cores --json | jq -r '.cores[1].auto_rules')" = 1 ] || t_fail "auto_rules of core 1"
}

test_irq_explicit() {
	need_env
	local c0 c1 n0 n1 k0 red id c
	collision_setup c vsx 'rule "udp,nw_dst=10.1.2.1 actions=irq:1"'
	# irq:1, sent from CPU 0: to core 1
	read -r c0 c1 < <(core_pkts)
	send_on 0 7001 1000 3000 3000
	read -r n0 n1 < <(core_pkts)
	diag "irq:1 from CPU 0: core0 +$((n0 - c0)) core1 +$((n1 - c1)) of 3000"
	ge $((n1 - c1)) 2850 "irq:1: packets on core 1"
	le $((n0 - c0)) 30 "irq:1: packets on core 0"
	read -r _ c < <(flow_of "tp_dst=7001")
	[ "$c" = 1 ] || t_fail "irq:1: flow core '$c'"
	# The same match and priority replaces the rule at run time: irq:0, sent from CPU 1.
	id=$(ctl h2 dump-rules --json | jq -r '.[0].id')
	ctl h2 add-rule "udp,nw_dst=10.1.2.1 actions=irq:0" >/dev/null
	[ "$(ctl h2 dump-rules --json | jq -r 'length, .[0].id, .[0].rule' | tr '\n' ' ')" = \
		"1 $id udp,nw_dst=10.1.2.1 actions=irq:0 " ] || t_fail "replaced rule: $(ctl h2 dump-rules)"
	read -r c0 c1 < <(core_pkts)
	k0=$(kthread_ns 0)
	red=$(dp_stat h2 redirect)
	send_on 1 7002 1000 3000 3000
	read -r n0 n1 < <(core_pkts)
	diag "irq:0 from CPU 1: core0 +$((n0 - c0)) core1 +$((n1 - c1)) of 3000," \
		"cpumap/0 kthread +$((($(kthread_ns 0) - k0) / 1000)) us"
	ge $((n0 - c0)) 2850 "irq:0: packets on core 0"
	le $((n1 - c1)) 30 "irq:0: packets on core 1"
	ge $(($(dp_stat h2 redirect) - red)) 2850 "irq:0: redirected (received on CPU 1)"
	ge $(($(kthread_ns 0) - k0)) 3000000 "cpumap/0 kthread CPU time (ns)"
	read -r _ c < <(flow_of "tp_dst=7002")
	[ "$c" = 0 ] || t_fail "irq:0: flow core '$c'"
}

# Captures the outer header of flows while a command runs: capture FILE WANT CMD...
capture() {
	local out=$1 want=$2 i
	shift 2
	rm -f "$TD/ready"
	ip netns exec "$LAB-h2" "$PY" "$TMP/tool.py" capture uplink "$TD/ready" 10 "$want" >"$out" &
	local cpid=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$TD/ready" ] && break
		sleep 0.1
	done
	"$@"
	wait "$cpid" || t_fail "capture failed"
}

test_rss() {
	need_env
	local c0 c1 n0 n1 port src dst sport want seen="" k=0 p o
	collision_setup d rss
	[ "$(ctl h2 show --json | jq -r .mode)" = rss ] || t_fail "show: mode is not rss"
	# One unfragmented flow at a time, until both cores have had one (at most 16 flows):
	# each lands entirely on the core the hash of its outer header says.
	for ((port = 7101; port <= 7116; port++)); do
		read -r c0 c1 < <(core_pkts)
		capture "$TD/cap.json" 50 send_on 0 "$port" 1400 1000 4000
		read -r n0 n1 < <(core_pkts)
		read -r src dst sport < <(jq -r --arg p "$port" \
			'.by_dport[$p] | "\(.outer_src) \(.outer_dst) \(.sports | join(","))"' "$TD/cap.json")
		[[ $sport =~ ^[0-9]+$ ]] || t_fail "flow $port: outer source ports '$sport'"
		want=$("$PY" "$TMP/tool.py" rss "$src" "$dst" "$sport" 4789 0,1)
		diag "rss: flow to port $port, outer port $sport, hash -> core $want; core0 +$((n0 - c0)) core1 +$((n1 - c1)) of 1000"
		if [ "$want" = 0 ]; then p=$((n0 - c0)) o=$((n1 - c1)); else p=$((n1 - c1)) o=$((n0 - c0)); fi
		ge "$p" 950 "flow $port: packets on hashed core $want"
		le "$o" 10 "flow $port: packets on the other core"
		k=$((k + 1))
		[[ " $seen " == *" $want "* ]] || seen="$seen $want"
		[ ${#seen} -eq 4 ] && break # " 0 1" or " 1 0"
	done
	[ ${#seen} -eq 4 ] || t_fail "16 flows all hashed to core$seen"
	diag "rss: $k flows until both cores were used"

	# IP fragments (8192-byte datagrams) of two flows at once: the kernel's VXLAN source
	# port comes from the inner addresses only (fragments carry no ports), so both flows
	# have one outer header and share one core: the paper's fragment collision.
	read -r c0 c1 < <(core_pkts)
	capture "$TD/frag.json" 400 bash -c "
		ip netns exec $LAB-h1-vm1 taskset -c 0 $PY $TMP/tool.py send 10.1.2.1 7201 8192 500 1000 >/dev/null &
		ip netns exec $LAB-h1-vm1 taskset -c 0 $PY $TMP/tool.py send 10.1.2.1 7202 8192 500 1000 >/dev/null &
		wait"
	read -r n0 n1 < <(core_pkts)
	jq -e '.by_dport["7201"] and .by_dport["7202"] and (.sports | length) == 1' "$TD/frag.json" \
		>/dev/null || t_fail "fragmented flows do not share one outer header: $(cat "$TD/frag.json")"
	read -r src dst sport < <(jq -r '.by_dport["7201"] | "\(.outer_src) \(.outer_dst) \(.sports[0])"' "$TD/frag.json")
	want=$("$PY" "$TMP/tool.py" rss "$src" "$dst" "$sport" 4789 0,1)
	# 1000 datagrams of 8200 bytes in 1424-byte fragments: 6000 packets
	diag "rss: 2 fragmented flows, outer port $sport, hash -> core $want; core0 +$((n0 - c0)) core1 +$((n1 - c1)) of 6000"
	if [ "$want" = 0 ]; then p=$((n0 - c0)) o=$((n1 - c1)); else p=$((n1 - c1)) o=$((n0 - c0)); fi
	ge "$p" 5700 "fragments on core $want"
	le "$o" 10 "fragments on the other core"
}

test_set_mode() {
	need_env
	local c0 c1 n0 n1 m
	# rss over core 1 only, so that each mode has one predictable core.
	collision_setup e vsx 'rss-cpus 1' 'rule "vni=101 actions=irq:auto"'
	for m in vsx:1 default:0 rss:1 vsx:1; do
		if [ "$(ctl h2 show --json | jq -r .mode)" != "${m%:*}" ]; then
			ctl h2 set-mode "${m%:*}" >/dev/null || t_fail "set-mode ${m%:*}"
		fi
		[ "$(ctl h2 show --json | jq -r .mode)" = "${m%:*}" ] || t_fail "show after set-mode ${m%:*}"
		read -r c0 c1 < <(core_pkts)
		send_on 0 7301 1000 2000 4000
		read -r n0 n1 < <(core_pkts)
		diag "set-mode ${m%:*}: core0 +$((n0 - c0)) core1 +$((n1 - c1)) of 2000"
		if [ "${m#*:}" = 0 ]; then
			ge $((n0 - c0)) 1900 "mode ${m%:*}: packets on core 0"
			le $((n1 - c1)) 20 "mode ${m%:*}: packets on core 1"
		else
			ge $((n1 - c1)) 1900 "mode ${m%:*}: packets on core 1"
			le $((n0 - c0)) 20 "mode ${m%:*}: packets on core 0"
		fi
	done
	ctl h2 set-mode fast >"$TD/out" 2>&1 && t_fail "set-mode fast succeeded"
	grep -q 'bad mode "fast"' "$TD/out" || t_fail "set-mode fast said: $(cat "$TD/out")"
	[ "$(ctl h2 show --json | jq -r .mode)" = vsx ] || t_fail "a bad set-mode changed the mode"
}

t_run "default mode: the flow stays on the receiving core (the VM's core 0)" test_default
t_run "vsx mode, irq:auto: core 1 decided, packets there, kernel accounting agrees" test_vsx_auto
t_run "vsx mode, irq:N: to the given core (1 from CPU 0, 0 from CPU 1), replaced at run time" test_irq_explicit
t_run "rss mode: flows on their hashed core; fragments of two flows share one core" test_rss
t_run "vsxctl set-mode switches vsx/default/rss at run time" test_set_mode
t_done
