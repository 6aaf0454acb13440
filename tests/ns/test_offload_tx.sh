#!/usr/bin/env bash
# tests/ns/test_offload_tx.sh: the TX fast path (bpf/vmport.bpf.c, vsxd/dp_vmport.c) with real
# traffic between two hosts, each with the kernel's VXLAN device and a bridge as lab/vsx-lab
# builds them (dstport 4789, local, remote, dev uplink, tos inherit). On h1 the VM port runs
# the TX fast path (driven by $O/bench/vmport_ctl, the dp_vmport API from the command line);
# h2 is the plain kernel. Checked:
#   - frames the fast path sends are accepted by h2's kernel VXLAN device and reach the VM,
#     and h1's VXLAN device never sees them;
#   - the outer source port is the one h1's VXLAN device chose for the same socket (the
#     driver's skb hash through bpf_xdp_metadata_rx_hash), and the TTL and ToS are the same;
#   - a TCP connection works across the fast path, its FIN takes the normal path;
#   - a spoofed source MAC takes the normal path;
#   - frames whose checksum the VM left to offload take the normal path (which finishes it);
#   - the rate limit drops what is over it, and everything it admits arrives.
# Own namespaces (prefix txo<PID>), removed on exit. About 10 s.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
O=${O:-build/test}
CTL=$PWD/$O/bench/vmport_ctl
case $O in /*) CTL=$O/bench/vmport_ctl ;; esac

P=txo$$
H1=$P-h1 H2=$P-h2 V1=$P-vm1 V2=$P-vm2
VM1_MAC=02:00:00:00:01:01 VM2_MAC=02:00:00:00:02:01
TMP=$(mktemp -d)
BPFFS=$TMP/bpffs

SKIP=""
if [ "$(id -u)" -ne 0 ]; then
	SKIP="needs root (network namespaces, BPF)"
elif [ ! -x "$CTL" ]; then
	SKIP="$CTL not built (make O=$O tests)"
elif ! command -v python3 >/dev/null || ! command -v ethtool >/dev/null; then
	SKIP="python3 and ethtool needed (scripts/install-deps)"
fi

cleanup() {
	umount "$BPFFS" 2>/dev/null || true
	for n in "$H1" "$H2" "$V1" "$V2"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

ctl() { ip netns exec "$H1" "$CTL" "$BPFFS" "$@"; }
# stat NAME: one reason counter of the TX fast path
stat() { ctl stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
flow() { ctl counters "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
vx_stat() { cat "/sys/class/net/vx100/statistics/$2" 2>/dev/null || ip netns exec "$1" cat "/sys/class/net/vx100/statistics/$2"; }
vxs() { ip netns exec "$1" cat "/sys/class/net/vx100/statistics/$2"; }

setup() {
	local h
	for n in "$H1" "$H2" "$V1" "$V2"; do
		ip netns add "$n"
		ip netns exec "$n" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
			echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6; ip link set lo up'
	done
	ip -n "$H1" link add uplink type veth peer name uplink netns "$H2"
	for h in 1 2; do
		local ns=$P-h$h other=$((3 - h))
		ip -n "$ns" link set uplink address 02:00:00:00:aa:0$h up
		ip -n "$ns" addr add 192.168.99.$h/24 dev uplink
		ip -n "$ns" link add br100 type bridge mcast_snooping 0
		ip -n "$ns" link add vx100 type vxlan id 100 dstport 4789 local 192.168.99.$h \
			remote 192.168.99.$other dev uplink tos inherit
		ip -n "$ns" link set vx100 master br100 up
		ip -n "$ns" link set br100 up
		ip -n "$ns" link add vm$h mtu 1450 type veth peer name eth0 mtu 1450 \
			address 02:00:00:00:0$h:01 netns "$P-vm$h"
		ip -n "$ns" link set vm$h master br100 up
		ip -n "$P-vm$h" addr add 10.1.0.$h/16 dev eth0
		ip -n "$P-vm$h" link set eth0 up
		# complete checksums from the VM (the fast path sends frames as they are), and
		# NAPI on the uplink so that the other host's redirected frames are taken
		ip netns exec "$P-vm$h" ethtool -K eth0 tx off >/dev/null
		ip netns exec "$ns" ethtool -K uplink gro on >/dev/null
	done
	mkdir -p "$BPFFS"
	mount -t bpf "txo$$" "$BPFFS"
	# warm up: ARP and the bridges' FDBs through the normal path
	ip netns exec "$V1" ping -c 2 -i 0.2 -W 2 10.1.0.2 >/dev/null
	ctl port 1 vm1 100 $VM1_MAC 1450
	ctl remote 1 vx100
	ctl attach 1 vm1
}

cat >"$TMP/udp_recv.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# room for a whole burst: the fast path delivers faster than this reader reads
s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(float(sys.argv[3]))
open(sys.argv[2] + ".ready", "w").close()
n = 0
try:
    while True:
        d = s.recv(65535)
        if d == b"END":
            break
        n += 1
except socket.timeout:
    pass
open(sys.argv[2], "w").write("%d\n" % n)
PY
cat >"$TMP/udp_send.py" <<'PY'
import socket, sys, time
n, size = int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xb8)
for i in range(n):
    s.sendto(b"x" * size, (sys.argv[1], 5001))
time.sleep(0.2)
s.sendto(b"END", (sys.argv[1], 5001))
PY
# send one datagram, wait for FILE, send another, from the same socket (same skb hash)
cat >"$TMP/udp_two.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x28)
s.bind(("10.1.0.1", 41234))
s.sendto(b"first", ("10.1.0.2", 5002))
for _ in range(100):
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.05)
s.sendto(b"second", ("10.1.0.2", 5002))
PY
# outer headers of the first N VXLAN frames to port 5002 inside: "sport ttl tos"
cat >"$TMP/cap.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("uplink", 0))
s.settimeout(5)
open(sys.argv[2] + ".ready", "w").close()
out, want = [], int(sys.argv[1])
try:
    while len(out) < want:
        d = s.recv(65535)
        if len(d) < 50 + 42 or d[12:14] != b"\x08\x00" or d[23] != 17 or d[36:38] != b"\x12\xb5":
            continue
        inner = d[50:]
        if inner[12:14] != b"\x08\x00" or inner[23] != 17 or inner[36:38] != (5002).to_bytes(2, "big"):
            continue
        out.append("%d %d %d" % (int.from_bytes(d[34:36], "big"), d[22], d[15]))
except socket.timeout:
    pass
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
cat >"$TMP/spoof.py" <<'PY'
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                 socket.inet_aton("10.1.0.1"), socket.inet_aton("10.1.0.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
udp = struct.pack("!HHHH", 1111, 5003, 8, 0)
eth = bytes.fromhex("020000000201" "02000000ee01" "0800")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(eth + ip + udp)
PY
cat >"$TMP/tcp_srv.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5004)); s.listen(1); s.settimeout(10)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(10)
got = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    got += d
c.sendall(b"%d" % len(got)); c.close()
open(sys.argv[1], "w").write("%d\n" % len(got))
PY
cat >"$TMP/tcp_cli.py" <<'PY'
import socket
c = socket.create_connection(("10.1.0.2", 5004), timeout=10)
c.sendall(b"z" * 300000)
c.shutdown(socket.SHUT_WR)
print(c.recv(100).decode())
PY

wait_file() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

# udp_run N SIZE: N datagrams vm1 -> vm2; prints what vm2 received
udp_run() {
	rm -f "$TMP/recv" "$TMP/recv.ready"
	ip netns exec "$V2" python3 "$TMP/udp_recv.py" 5001 "$TMP/recv" 3 &
	local pid=$!
	wait_file "$TMP/recv.ready"
	ip netns exec "$V1" python3 "$TMP/udp_send.py" 10.1.0.2 "$1" "$2"
	wait $pid
	cat "$TMP/recv"
}

test_fast_path_udp() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	ctl put-dst 1 $VM2_MAC 1 100 1
	local hit0 tx0 rx0 err0 got
	hit0=$(stat hit) tx0=$(vxs "$H1" tx_packets) rx0=$(vxs "$H2" rx_packets) err0=$(vxs "$H2" rx_errors)
	got=$(udp_run 300 1000)
	echo "# received $got of 300; hit +$(($(stat hit) - hit0)); h1 vx100 tx +$(($(vxs "$H1" tx_packets) - tx0)); h2 vx100 rx +$(($(vxs "$H2" rx_packets) - rx0))"
	[ "$got" -eq 300 ]
	[ $(($(stat hit) - hit0)) -ge 301 ]          # 300 + END
	[ $(($(vxs "$H2" rx_packets) - rx0)) -ge 301 ] # the kernel's VXLAN device took them
	[ $(($(vxs "$H1" tx_packets) - tx0)) -le 2 ]   # ... and h1's never saw them
	[ "$(vxs "$H2" rx_errors)" -eq "$err0" ]
	[ "$(flow 1 packets)" -ge 301 ]
}

test_checksum_offload() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	ctl put-dst 1 $VM2_MAC 1 100 1
	local cs0 hit0 got
	cs0=$(stat l4_csum) hit0=$(stat hit)
	# the VM leaves its UDP checksums to offload (CHECKSUM_PARTIAL)
	ip netns exec "$V1" ethtool -K eth0 tx on >/dev/null
	got=$(udp_run 100 500)
	ip netns exec "$V1" ethtool -K eth0 tx off >/dev/null
	echo "# tx checksum offload on in vm1: received $got of 100; l4_csum +$(($(stat l4_csum) - cs0)); hit +$(($(stat hit) - hit0))"
	[ "$got" -eq 100 ]
	[ $(($(stat l4_csum) - cs0)) -ge 100 ]
}

test_same_outer_as_kernel() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	local fb0 pid
	ctl del-dst 1 $VM2_MAC
	rm -f "$TMP/cap" "$TMP/cap.ready" "$TMP/go"
	ip netns exec "$H2" python3 "$TMP/cap.py" 2 "$TMP/cap" &
	pid=$!
	wait_file "$TMP/cap.ready"
	fb0=$(stat hash_fallback)
	( sleep 0.5; ctl put-dst 1 $VM2_MAC 1 100 1; touch "$TMP/go" ) &
	local hit0
	hit0=$(stat hit)
	ip netns exec "$V1" python3 "$TMP/udp_two.py" "$TMP/go"
	wait $pid
	echo "# outer (sport ttl tos): kernel / fast path:" $(cat "$TMP/cap")
	[ "$(wc -l <"$TMP/cap")" -eq 2 ]
	[ "$(sed -n 1p "$TMP/cap")" = "$(sed -n 2p "$TMP/cap")" ]
	[ $(($(stat hit) - hit0)) -ge 1 ]
	[ "$(stat hash_fallback)" -eq "$fb0" ]
}

test_tcp_and_fin() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	ctl put-dst 1 $VM2_MAC 1 100 1
	local fin0 hit0 pid got
	fin0=$(stat tcp_fin_rst) hit0=$(stat hit)
	rm -f "$TMP/tcp" "$TMP/tcp.ready"
	ip netns exec "$V2" python3 "$TMP/tcp_srv.py" "$TMP/tcp" &
	pid=$!
	wait_file "$TMP/tcp.ready"
	got=$(ip netns exec "$V1" python3 "$TMP/tcp_cli.py")
	wait $pid
	echo "# tcp: server got $(cat "$TMP/tcp") bytes, client heard $got; hit +$(($(stat hit) - hit0)); fin/rst +$(($(stat tcp_fin_rst) - fin0))"
	[ "$got" = 300000 ]
	[ $(($(stat hit) - hit0)) -ge 5 ]
	[ $(($(stat tcp_fin_rst) - fin0)) -ge 1 ]
	[ $(( $(flow 1 tcp_flags) & 1 )) -eq 1 ]
}

test_spoofed_mac() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	ctl put-dst 1 $VM2_MAC 1 100 1
	local sp0 hit0
	sp0=$(stat spoof) hit0=$(stat hit)
	ip netns exec "$V1" python3 "$TMP/spoof.py"
	sleep 0.1
	[ $(($(stat spoof) - sp0)) -eq 1 ]
	[ "$(stat hit)" -eq "$hit0" ]
}

test_rate_limit() {
	[ -z "$SKIP" ] || t_skip "$SKIP"
	# 200 p/s with a 20-packet burst (100 ms)
	ctl rate 7 0 200 100000
	ctl put-dst 1 $VM2_MAC 1 100 2 7
	local hit0 drop0 got hits
	hit0=$(stat hit) drop0=$(stat rate_drop)
	got=$(udp_run 400 200)
	hits=$(($(stat hit) - hit0))
	echo "# rate: sent 400 (+END) in a burst, admitted $hits, dropped $(($(stat rate_drop) - drop0)), received $got"
	[ $(($(stat rate_drop) - drop0)) -ge 100 ]
	[ "$hits" -ge 20 ]
	# everything admitted arrived (END may be among them or dropped)
	[ "$got" -ge $((hits - 1)) ] && [ "$got" -le "$hits" ]
	[ "$(flow 2 rate_dropped)" -eq $(($(stat rate_drop) - drop0)) ]
	ctl put-dst 1 $VM2_MAC 1 100 1
}

if [ -z "$SKIP" ]; then
	setup || SKIP="cannot build the namespaces (veth, vxlan, bridge)"
fi
t_run "TX fast path: UDP accepted by the receiving host's kernel VXLAN device, reaches the VM" test_fast_path_udp
t_run "TX fast path: frames with checksums left to offload take the normal path and arrive" test_checksum_offload
t_run "TX fast path: outer source port, TTL, ToS as the kernel's VXLAN device for the same socket" test_same_outer_as_kernel
t_run "TX fast path: a TCP connection across it, FIN on the normal path" test_tcp_and_fin
t_run "TX fast path: a spoofed source MAC takes the normal path" test_spoofed_mac
t_run "TX fast path: rate limit drops the excess, what it admits arrives" test_rate_limit
if [ -z "$SKIP" ]; then
	ctl detach vm1 || true
	ctl teardown || true
fi
t_done
