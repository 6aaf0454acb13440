#!/usr/bin/env bash
# Namespace tests of vsxd's control socket under many clients (vsxd/control.c, lib/ctl_server.c):
#
#   silent    200 clients connect and send nothing. A vsxctl show issued after them answers
#             within 1 s, the load sampling tick keeps running (cores --json's "samples" grows
#             at its interval), 20 vsxctl clients at once all answer, and vsxd closes every
#             silent client itself after its idle timeout, telling it why.
#   limit     more clients than vsxd's connection limit: it logs that the limit is reached,
#             closes the longest idle ones to make room, and a vsxctl show still answers.
#   oversize  a request over the size limit is refused at once with a clear error.
#
# Against the vsxd before the event loop (one blocking read per connection with a 5 s timeout,
# a listen backlog of 16) every test fails: each silent client stopped the whole loop, tick
# included, for 5 s, so the 200 could not even all connect; an oversize request was answered
# "bad request: Message too long", without the limit.
# Each test builds its own lab (named after this process) and removes it on exit.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init sc 2 ip jq python3 # lab names: sc<PID><letter>

# silent SOCKET N HOLD_S OUT: in the background, N clients connect to SOCKET and send nothing
# for up to HOLD_S seconds. OUT gets "connected K" once they are connected, then at the end
# "closed C first_ms last_ms replies R": how many vsxd closed, when (ms after connecting),
# and how many of those got an "error: " line first. Its pid is in $TD/silent.pid.
silent() {
	python3 - "$@" <<'EOF' &
import selectors, socket, sys, time
path, n, hold, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
socks = []
t0 = time.monotonic()
# Non-blocking connects: a full listen backlog is EAGAIN, retried for up to 5 s in all.
while len(socks) < n and time.monotonic() - t0 < 5:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except BlockingIOError:
        s.close()
        time.sleep(0.001)
        continue
    except OSError:
        s.close()
        break
    socks.append(s)
start = time.monotonic()
with open(out, "w") as f:
    f.write("connected %d\n" % len(socks))
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_READ, [b""])
closed, replies, first, last = 0, 0, None, None
while closed < len(socks) and time.monotonic() - start < hold:
    for key, _ in sel.select(0.1):
        try:
            data = key.fileobj.recv(4096)
        except OSError:
            data = b""
        if data:
            key.data[0] += data
            continue
        ms = int((time.monotonic() - start) * 1000)
        first = ms if first is None else first
        last = ms
        closed += 1
        replies += key.data[0].startswith(b"error: ")
        sel.unregister(key.fileobj)
with open(out, "a") as f:
    f.write("closed %d %s %s replies %d\n" % (closed, first, last, replies))
EOF
	echo $! >"$TD/silent.pid"
}

# wait_connected OUT: waits (8 s) for silent's "connected" line and prints its count.
wait_connected() {
	local i
	for ((i = 0; i < 80; i++)); do
		grep -q '^connected' "$1" 2>/dev/null && break
		sleep 0.1
	done
	awk '$1 == "connected" {print $2}' "$1"
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }
samples() { ctl h2 cores --json | jq -r '.samples // 0'; }

test_silent() {
	need_env
	local n t0 t1 s0 s1 i pids fails
	lab_up a
	write_conf h2 default
	start_vsxd h2
	SOCK=/run/vsx-lab/$LAB/h2.sock

	silent "$SOCK" 200 20 "$TD/silent.out"
	n=$(wait_connected "$TD/silent.out")
	diag "silent clients connected: $n"
	[ "$n" = 200 ] || t_fail "only ${n:-0} of 200 silent clients could connect"
	t0=$(ms_now)
	timeout 60 "$BIN/vsxctl" -s "$SOCK" show >"$TD/show.out" 2>&1 || t_fail "show: $(cat "$TD/show.out")"
	t1=$(ms_now)
	diag "vsxctl show with 200 silent clients: $((t1 - t0)) ms"
	le $((t1 - t0)) 1000 "vsxctl show latency (ms) with 200 silent clients"
	grep -q '^uplink: ' "$TD/show.out" || t_fail "show: $(cat "$TD/show.out")"

	# The tick: 100 ms samples (the default interval); 1 s gives 10, ask for 5.
	s0=$(samples)
	sleep 1
	s1=$(samples)
	diag "samples in 1 s with 200 silent clients: $((s1 - s0))"
	ge $((s1 - s0)) 5 "load samples in 1 s with 200 silent clients open"

	# Several clients at once.
	pids=()
	t0=$(ms_now)
	for ((i = 0; i < 20; i++)); do
		ctl h2 cores >"$TD/many.$i" 2>&1 &
		pids+=($!)
	done
	fails=0
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	t1=$(ms_now)
	diag "20 vsxctl cores at once: $((t1 - t0)) ms, $fails failed"
	[ "$fails" = 0 ] || t_fail "$fails of 20 concurrent vsxctl failed: $(cat "$TD"/many.*)"
	le $((t1 - t0)) 3000 "20 concurrent vsxctl (ms)"

	# vsxd closes the silent clients itself, with a reason, after its idle timeout (5 s).
	wait "$(cat "$TD/silent.pid")"
	rm -f "$TD/silent.pid"
	diag "silent clients: $(tail -n 1 "$TD/silent.out")"
	read -r _ n first last _ rep < <(tail -n 1 "$TD/silent.out")
	[ "$n" = 200 ] || t_fail "vsxd closed $n of the 200 silent clients within 20 s"
	[ "$rep" = 200 ] || t_fail "$rep of 200 closed clients got an error line"
	ge "$first" 4000 "first silent client closed after (ms)"
	le "$last" 7000 "last silent client closed after (ms)"
	ctl h2 show >/dev/null || t_fail "show after the silent clients"
}

test_limit() {
	need_env
	local n t0 t1
	lab_up b
	write_conf h2 default
	start_vsxd h2
	SOCK=/run/vsx-lab/$LAB/h2.sock
	# The limit is 256: 300 silent clients, the oldest are closed to make room.
	silent "$SOCK" 300 3 "$TD/silent.out"
	n=$(wait_connected "$TD/silent.out")
	diag "silent clients connected: $n"
	[ "$n" = 300 ] || t_fail "only ${n:-0} of 300 silent clients could connect"
	t0=$(ms_now)
	timeout 60 "$BIN/vsxctl" -s "$SOCK" show >/dev/null || t_fail "show at the connection limit"
	t1=$(ms_now)
	diag "vsxctl show past the connection limit: $((t1 - t0)) ms"
	le $((t1 - t0)) 1000 "vsxctl show latency (ms) past the connection limit"
	wait "$(cat "$TD/silent.pid")"
	rm -f "$TD/silent.pid"
	diag "silent clients after 3 s: $(tail -n 1 "$TD/silent.out")"
	read -r _ n _ < <(tail -n 1 "$TD/silent.out")
	ge "$n" 45 "clients closed to stay within the limit"
	grep -q "control: 256 connections open (the limit); closing the longest idle one" "$TD/h2.log" ||
		t_fail "no log line about the limit: $(cat "$TD/h2.log")"
}

test_oversize() {
	need_env
	local out
	lab_up c
	write_conf h2 default
	start_vsxd h2
	SOCK=/run/vsx-lab/$LAB/h2.sock
	# 70000 bytes without an end: refused at the limit, before the client is done sending.
	out=$(timeout 10 python3 - "$SOCK" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 70000)
except OSError:
    pass
s.settimeout(5)
print(s.recv(4096).decode().strip())
EOF
	) || t_fail "oversize client: $out"
	diag "oversize request: $out"
	[ "$out" = "error: bad request: request over 65536 bytes" ] || t_fail "reply: $out"
	ctl h2 show >/dev/null || t_fail "show after the oversize request"
}

t_run "200 silent clients: show answers within 1 s, the tick runs, 20 clients at once, idle ones closed" test_silent
t_run "past the connection limit: logged, the longest idle closed, show still answers" test_limit
t_run "an oversize request is refused at once with a clear error" test_oversize
t_done
