#!/usr/bin/env bash
# Namespace tests of vsxd's Prometheus endpoint (vsxd/metrics.c, `metrics-listen`):
#
#   scrape    vsxd in a lab with metrics-listen on the host namespace's loopback, UDP traffic
#             through it; a real Prometheus (Debian's, private configuration and data
#             directory, scrape interval 1 s) scrapes it, and the values read back through
#             Prometheus's HTTP API (/api/v1/query) equal vsxctl's: datapath counters, paths,
#             per-core, per-rule and per-flow packets. promtool check metrics passes on the
#             endpoint's output; other paths are 404, POST 405, HEAD has no body.
#             The fast path is on and the flow manager promotes the heavy UDP flow: the
#             policy decisions (promotions by reason, flows per path), the flow's per-path
#             counters and path, and the datapath's offload path as Prometheus has them equal
#             vsxctl's offload-stats, dump-flows type=all and stats; a policy change made
#             with vsxctl offload-policy-set shows in the metrics.
#   refused   a metrics-listen address vsxd cannot bind (in use) stops it at start-up with an
#             error naming the address, rather than running without the endpoint.
# Each test builds its own lab (named after this process) and removes it, Prometheus
# included, on exit.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init mt 2 ip jq python3 prometheus promtool iperf3 # lab names: mt<PID><letter>

# in_h2 CMD...: CMD in h2's namespace, where vsxd and Prometheus listen on 127.0.0.1.
in_h2() { ip netns exec "$LAB-h2" "$@"; }

# http METHOD URL [QUERY]: an HTTP request from h2's namespace (python3's http.client: no curl
# needed). Prints "STATUS CONTENT-TYPE BODY-BYTES" on the first line, then the body; QUERY
# (for GET) is url-encoded as ?query=QUERY.
http() {
	in_h2 python3 - "$@" <<'EOF'
import http.client, sys, urllib.parse
method, url = sys.argv[1], urllib.parse.urlsplit(sys.argv[2])
path = url.path + ("?" + urllib.parse.urlencode({"query": sys.argv[3]}) if len(sys.argv) > 3 else "")
c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
c.request(method, path, body=b"x" if method == "POST" else None)
r = c.getresponse()
body = r.read()
sys.stdout.write("%d %s %d\n" % (r.status, (r.getheader("Content-Type") or "-").replace(" ", ""), len(body)))
sys.stdout.flush()
sys.stdout.buffer.write(body)
EOF
}

# get URL [QUERY]: the body of a 200 answer to GET URL; fails otherwise.
get() {
	local out
	out=$(http GET "$@") || return 1
	[ "${out%% *}" = 200 ] || return 1
	printf '%s\n' "${out#*$'\n'}"
}

# free_port: a TCP port nothing listens on in h2's namespace.
free_port() {
	in_h2 python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# prom_start TARGET: Prometheus in h2's namespace scraping TARGET every second; its API at
# http://$PROM/ once ready (15 s).
prom_start() {
	local port i
	port=$(free_port)
	PROM=127.0.0.1:$port
	mkdir -p "$TD/prom-data"
	cat >"$TD/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vsxd
    static_configs:
      - targets: ['$1']
EOF
	in_h2 prometheus --config.file="$TD/prometheus.yml" --storage.tsdb.path="$TD/prom-data" \
		--web.listen-address="$PROM" --log.level=warn >"$TD/prometheus.log" 2>&1 &
	echo $! >"$TD/prometheus.pid"
	for ((i = 0; i < 150; i++)); do
		get "http://$PROM/-/ready" >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$TD/prometheus.pid")" 2>/dev/null || break
		sleep 0.1
	done
	t_fail "prometheus did not come up: $(tail -n 20 "$TD/prometheus.log")"
}

# prom_value QUERY: the value of QUERY's single series now, "" when there is none.
prom_value() {
	get "http://$PROM/api/v1/query" "$1" |
		jq -r 'if .status == "success" and (.data.result | length) == 1
		       then .data.result[0].value[1] else "" end'
}

# same QUERY WHAT CMD...: waits (10 s) until Prometheus's value of QUERY equals what CMD
# prints (vsxctl's number, read again each round), and fails with both otherwise.
same() {
	local query=$1 what=$2 want got i
	shift 2
	for ((i = 0; i < 50; i++)); do
		want=$("$@")
		got=$(prom_value "$query")
		if [ -n "$got" ] && [ "$got" = "$want" ]; then
			diag "$what: prometheus $got = vsxctl $want"
			return 0
		fi
		sleep 0.2
	done
	t_fail "$what: prometheus has '$got' for $query, vsxctl says '$want'"
}

# mflow JQ: the JSON of dump-flows type=all's flow to UDP port 5201 with the most packets,
# through jq filter JQ.
mflow() {
	ctl h2 dump-flows type=all --json |
		jq -r "[.flows[] | select(.proto == \"udp\" and .tp_dst == 5201)] | max_by(.packets) | $1"
}

test_scrape() {
	need_env
	local port flow path code body n
	lab_up a --pin h2-vm1=0 --pin h1-vm1=0
	port=$(free_port)
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf --no-cpus h2)" \
		'rule "priority=1,ip actions=irq:1"' \
		"offload on" \
		"offload-promote pps=1000 bps=0 for=500ms" \
		"offload-demote pps=100 bps=0 for=60s" \
		"offload-idle-timeout 120s" \
		"metrics-listen 127.0.0.1:$port"
	start_vsxd h2
	grep -q "metrics on http://127.0.0.1:$port/metrics" "$TD/h2.log" ||
		t_fail "no metrics line in vsxd's log: $(cat "$TD/h2.log")"
	prom_start "127.0.0.1:$port"

	# 1400-byte datagrams at 40 Mb/s: ~3500 per second, above the promote threshold.
	iperf_udp 1400 40M 3

	# The endpoint's own output: what promtool says of it, and that it carries the flow.
	get "http://127.0.0.1:$port/metrics" >"$TD/metrics.txt" || t_fail "GET /metrics failed"
	promtool check metrics <"$TD/metrics.txt" >"$TD/promtool.out" 2>&1 ||
		t_fail "promtool check metrics: $(cat "$TD/promtool.out")"
	diag "promtool check metrics: passed on $(wc -l <"$TD/metrics.txt") lines"
	http GET "http://127.0.0.1:$port/metrics" | head -n 1 >"$TD/head.txt"
	grep -q '^200 text/plain;version=0.0.4;charset=utf-8 ' "$TD/head.txt" ||
		t_fail "status and content type: $(cat "$TD/head.txt")"

	# Back through Prometheus: the same numbers as vsxctl's.
	same 'vsx_datapath_packets_total{counter="rx"}' "datapath rx" dp_stat h2 rx
	same 'vsx_datapath_packets_total{counter="cache_hit"}' "datapath cache_hit" dp_stat h2 cache_hit
	same 'vsx_path_packets_total{path="normal"}' "normal path packets" \
		eval 'ctl h2 stats --json | jq -r .paths.normal.packets'
	same 'vsx_path_bytes_total{path="normal"}' "normal path bytes" \
		eval 'ctl h2 stats --json | jq -r .paths.normal.bytes'
	same 'sum(vsx_path_packets_total)' "the paths add up to rx" dp_stat h2 rx
	same 'vsx_core_packets_total{core="1"}' "core 1 packets" \
		eval 'ctl h2 cores --json | jq -r ".cores[1].packets"'
	same 'vsx_rule_packets_total{rule="1"}' "rule 1 packets" \
		eval 'ctl h2 dump-rules --json | jq -r ".[0].packets"'
	n=$(ctl h2 dump-rules --json | jq -r '.[0].packets')
	ge "$n" 1000 "rule 1 packets (the iperf flow)"
	# The iperf flow: the flow cache entry with the most packets.
	flow=$(ctl h2 dump-flows --json | jq -r '.flows | max_by(.packets) | .flow')
	diag "cached flow: $flow"
	same "vsx_steer_flow_packets_total{flow=\"$flow\"}" "cached flow packets" \
		eval "ctl h2 dump-flows --json | jq -r --arg f '$flow' '.flows[] | select(.flow == \$f) | .packets'"
	same 'vsx_metrics_query_ok{part="flows"}' "flows part readable" echo 1
	# Prometheus saw the target up and scraping.
	same 'up{job="vsxd"}' "target up" echo 1

	# The flow manager promoted the heavy flow: the policy decisions and its counters.
	flow=$(mflow .flow)
	path=$(mflow .path)
	diag "flow $flow: $path, $(mflow '"\(.packets) packets, normal \(.paths.normal.packets), offload \(.paths.offload.packets), moves \(.moves)"')"
	[ "$path" = offloaded ] || t_fail "the heavy flow was not promoted: $(ctl h2 dump-flows type=all)"
	ctl h2 dump-flows type=all >"$TD/flows.txt"
	grep -q "^offloaded .*moved=20" "$TD/flows.txt" || t_fail "no time of the move: $(cat "$TD/flows.txt")"

	same 'vsx_offload_promotions_total{reason="threshold"}' "promotions (threshold)" \
		eval 'ctl h2 offload-stats --json | jq -r .promotions.threshold'
	same 'vsx_offload_flows{path="offloaded"}' "offloaded flows" \
		eval 'ctl h2 offload-stats --json | jq -r .offloaded'
	same 'vsx_offload_flows{path="onloaded"}' "onloaded flows" \
		eval 'ctl h2 offload-stats --json | jq -r .onloaded'
	same "vsx_flow_offloaded{flow=\"$flow\"}" "the flow's path" echo 1
	same "vsx_flow_packets_total{flow=\"$flow\",path=\"offload\"}" "the flow's fast-path packets" \
		mflow .paths.offload.packets
	same "vsx_flow_packets_total{flow=\"$flow\",path=\"normal\"}" "the flow's normal-path packets" \
		mflow .paths.normal.packets
	same "vsx_flow_bytes_total{flow=\"$flow\",path=\"offload\"}" "the flow's fast-path bytes" \
		mflow .paths.offload.bytes
	same 'vsx_path_packets_total{path="offload"}' "datapath offload path" \
		eval 'ctl h2 stats --json | jq -r .paths.offload.packets'
	ge "$(mflow .paths.offload.packets)" 1000 "the flow's fast-path packets"

	# A run-time policy change shows in the metrics.
	ctl h2 offload-policy-set "capacity 8" >"$TD/set.out" 2>&1 || t_fail "offload-policy-set: $(cat "$TD/set.out")"
	ctl h2 offload-policy | grep -qx "capacity 8" || t_fail "offload-policy: $(ctl h2 offload-policy)"
	same 'vsx_offload_capacity' "capacity after offload-policy-set" \
		eval 'ctl h2 offload-stats --json | jq -r .capacity'
	[ "$(prom_value vsx_offload_capacity)" = 8 ] || t_fail "capacity: $(prom_value vsx_offload_capacity)"
	get "http://127.0.0.1:$port/metrics" | promtool check metrics >"$TD/promtool.out" 2>&1 ||
		t_fail "promtool check metrics: $(cat "$TD/promtool.out")"

	# Only GET/HEAD /metrics.
	code=$(http GET "http://127.0.0.1:$port/nope" | head -n 1 | cut -d' ' -f1)
	[ "$code" = 404 ] || t_fail "GET /nope: $code, not 404"
	code=$(http POST "http://127.0.0.1:$port/metrics" | head -n 1 | cut -d' ' -f1)
	[ "$code" = 405 ] || t_fail "POST /metrics: $code, not 405"
	read -r code _ body < <(http HEAD "http://127.0.0.1:$port/metrics")
	[ "$code" = 200 ] && [ "$body" = 0 ] || t_fail "HEAD /metrics: status $code, $body body bytes"
	ctl h2 show >/dev/null || t_fail "vsxctl show after the scrapes"
}

test_refused() {
	need_env
	local port pid i
	lab_up b
	port=$(free_port)
	# Something holds the port in h2's namespace.
	in_h2 python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(30)" &
	echo $! >"$TD/holder.pid"
	for ((i = 0; i < 50; i++)); do
		in_h2 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
		sleep 0.1
	done
	write_conf h2 default "metrics-listen 127.0.0.1:$port"
	in_h2 "$BIN/vsxd" -c "$TD/h2.conf" >"$TD/h2.log" 2>&1 &
	pid=$!
	echo "$pid" >"$TD/h2.pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && t_fail "vsxd runs although its metrics address is taken"
	rm -f "$TD/h2.pid"
	grep -q "metrics-listen 127.0.0.1 port $port: Address already in use" "$TD/h2.log" ||
		t_fail "log: $(cat "$TD/h2.log")"
	diag "vsxd: $(grep metrics-listen "$TD/h2.log")"
}

t_run "a real Prometheus scrapes vsxd and reads back vsxctl's counters (datapath, paths, cores, rules, flows, offload decisions, a run-time policy change); promtool accepts the output" test_scrape
t_run "an address in use stops vsxd at start-up with an error naming it" test_refused
t_done
