#!/usr/bin/env bash
# Interop: Open vSwitch's ovs-ofctl (3.1) against vsxd as an OpenFlow switch, in a lab
# namespace (vsxd on h2, listening on punix: and ptcp:127.0.0.1, and pssl: for TLS).
#
#   ofctl        ovs-ofctl -O OpenFlow10 / -O OpenFlow13: show, add-flow, dump-flows,
#                mod-flows, dump-aggregate, dump-tables, dump-ports, del-flows --strict,
#                del-flows; what each prints, and that the rules reached vsxd's rule table
#                and datapath (vsxctl dump-rules: origin openflow, the irq core); a refused
#                FLOW_MOD makes ovs-ofctl fail with the spec's error
#   peers        what ovs-ofctl cannot say (tests/interop/ofpeer.py): two controllers with
#                roles and generation ids (the slave's FLOW_MOD gets IS_SLAVE, a stale
#                generation STALE), FLOW_REMOVED for a flow added with send_flow_rem, the
#                vsx host info, PORT_STATUS and VM_PORT_STATUS when a VM's port comes and goes
#   tls          ovs-ofctl ssl: with its key, certificate and CA against vsxd's pssl:
#                listener (certificates made here with openssl); a client without the CA's
#                signature is refused
# Each test builds its own lab (ofsw<PID><letter>) and removes it on exit.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init ofsw 1 ip jq python3 ovs-ofctl openssl

PEER=tests/interop/ofpeer.py
FM13=tests/unit/ofp/rule/of13_tcp_queue.hex

# of_conf EXTRA_LINE...: h2's configuration with an OpenFlow listener on punix:$TD/of.sock.
of_conf() {
	write_conf h2 vsx "$("$VSXLAB" -q -n "$LAB" conf h2 | grep -v '^#')" \
		"openflow-listen punix:$TD/of.sock" "$@"
}

# has FILE PATTERN WHAT: FILE has a line matching the extended regex PATTERN.
has() {
	grep -Eq -- "$2" "$1" || t_fail "$3: no line matching '$2' in: $(cat "$1")"
}

ofctl_cycle() {
	local v=$1 q1 q2 s=unix:$TD/of.sock out=$TD/out
	if [ "$v" = 13 ]; then q1=set_queue:1,LOCAL q2=set_queue:0; else q1=enqueue:LOCAL:1 q2=enqueue:LOCAL:0; fi
	ofc() { ovs-ofctl -O "OpenFlow$v" "$@"; }

	ofc show "$s" >"$out"
	has "$out" '^OFPT_FEATURES_REPLY.*dpid:' "show"
	has "$out" 'n_tables:1' "show"
	has "$out" '^ [0-9]+\(uplink\): addr:' "show: the uplink port"
	has "$out" '^ [0-9]+\(vm1\): addr:' "show: the VM port"
	has "$out" 'OFPT_GET_CONFIG_REPLY.*frags=normal' "show: config"

	ofc add-flow "$s" "priority=100,tcp,nw_dst=10.0.0.0/8,tp_dst=80,actions=$q1"
	ofc add-flow "$s" "cookie=0x5,udp,tp_dst=4789,actions=$q2"
	ofc dump-flows "$s" >"$out"
	has "$out" "cookie=0x0,.* priority=100,tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=${q1/,LOCAL/,LOCAL}$" "dump-flows"
	has "$out" "cookie=0x5,.* udp,tp_dst=4789 actions=" "dump-flows"
	[ "$(grep -c 'cookie=' "$out")" -eq 2 ] || t_fail "dump-flows: $(cat "$out")"
	ctl h2 dump-rules >"$out"
	has "$out" 'origin=openflow priority=100,tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=irq:1$' "vsxctl dump-rules"
	has "$out" 'origin=openflow .*udp,tp_dst=4789 actions=irq:0$' "vsxctl dump-rules"
	# in the datapath: the rule generation moved and both rules are installed
	[ "$(ctl h2 show --json | jq -r '.rules_ingress')" = 2 ] || t_fail "show: rules_ingress $(ctl h2 show --json)"

	ofc mod-flows "$s" "udp,actions=$q1"
	ctl h2 dump-rules >"$out"
	has "$out" 'udp,tp_dst=4789 actions=irq:1$' "mod-flows reached the table"
	ofc dump-aggregate "$s" >"$out"
	has "$out" 'flow_count=2' "dump-aggregate"
	ofc dump-tables "$s" >"$out"
	has "$out" 'active=2' "dump-tables"
	ofc dump-ports "$s" >"$out"
	has "$out" 'port +[0-9]+: rx pkts=' "dump-ports"
	[ "$(grep -c 'rx pkts=' "$out")" -eq 2 ] || t_fail "dump-ports: two ports expected: $(cat "$out")"

	# refused: a flow that would drop (vsx rules steer, never drop), an output port
	if ofc add-flow "$s" "ip,actions=drop" 2>"$out"; then t_fail "add-flow drop succeeded"; fi
	has "$out" 'OFPBAC_EPERM' "add-flow drop"
	if ofc add-flow "$s" "ip,actions=output:3" 2>"$out"; then t_fail "add-flow output succeeded"; fi
	has "$out" 'OFPBAC_BAD_OUT_PORT' "add-flow output"

	ofc --strict del-flows "$s" "priority=100,tcp,nw_dst=10.0.0.0/8,tp_dst=80"
	ctl h2 dump-rules >"$out"
	[ "$(grep -c 'origin=openflow' "$out")" -eq 1 ] || t_fail "del-flows --strict: $(cat "$out")"
	ofc del-flows "$s"
	ctl h2 dump-rules >"$out"
	[ ! -s "$out" ] || t_fail "del-flows left: $(cat "$out")"
	ofc dump-flows "$s" >"$out"
	[ "$(grep -c 'cookie=' "$out")" -eq 0 ] || t_fail "dump-flows after del-flows: $(cat "$out")"
}

test_ofctl() {
	need_env
	lab_up a --hosts 2 --vms 1
	of_conf "openflow-listen ptcp:6653:127.0.0.1"
	start_vsxd h2
	ofctl_cycle 10
	ofctl_cycle 13
	# the same switch over TCP, from inside the host's namespace
	ip netns exec "$LAB-h2" ovs-ofctl -O OpenFlow13 show tcp:127.0.0.1:6653 >"$TD/tcp"
	has "$TD/tcp" 'OFPT_FEATURES_REPLY \(OF1.3\)' "show over tcp"
}

test_peers() {
	local w=$TD/watch s
	need_env
	lab_up b --hosts 2 --vms 1
	of_conf "$(printf 'vm late {\n\tvm-id 9\n\tvni 101\n\tport vmx\n}')"
	start_vsxd h2
	s=unix:$TD/of.sock
	python3 "$PEER" roles "$TD/of.sock" "$FM13" || t_fail "roles"
	python3 "$PEER" watch "$TD/of.sock" "$w" 4 &
	echo $! >"$TD/watch.pid"
	sleep 1
	ovs-ofctl -O OpenFlow13 add-flow "$s" "send_flow_rem,cookie=0x77,ip,actions=set_queue:1"
	ovs-ofctl -O OpenFlow13 del-flows "$s" "cookie=0x77/-1"
	ip -n "$LAB-h2" link add vmx type veth peer name vmxp
	ip -n "$LAB-h2" link set vmx up
	sleep 1.5
	ip -n "$LAB-h2" link del vmx
	wait "$(cat "$TD/watch.pid")" || true
	rm -f "$TD/watch.pid"
	has "$w" '^VSX 1 cores=[1-9]' "the vsx host info"
	has "$w" '^FLOW_REMOVED 2 0x77$' "FLOW_REMOVED (reason delete)"
	has "$w" '^PORT_STATUS 0 vmx$' "PORT_STATUS add"
	has "$w" '^VSX 3 0 9 late$' "VM_PORT_STATUS add"
	has "$w" '^PORT_STATUS 1 vmx$' "PORT_STATUS delete"
	has "$w" '^VSX 3 1 9 late$' "VM_PORT_STATUS delete"
}

# pki DIR NAME...: a CA in DIR and, for each NAME, a key and a certificate it signed.
pki() {
	local d=$1 n
	shift
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
		-days 2 -subj "/CN=vsx test CA" 2>/dev/null
	for n in "$@"; do
		openssl req -newkey rsa:2048 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" \
			-subj "/CN=$n" 2>/dev/null
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -out "$d/$n.pem" 2>/dev/null
	done
}

test_tls() {
	local p
	need_env
	lab_up c --hosts 2 --vms 1
	p=$TD/pki
	mkdir -p "$p" "$p/other"
	pki "$p" switch tool
	pki "$p/other" stranger
	of_conf "openflow-listen pssl:6654:127.0.0.1" "ssl-private-key $p/switch.key" \
		"ssl-certificate $p/switch.pem" "ssl-ca-cert $p/ca.pem"
	start_vsxd h2
	ip netns exec "$LAB-h2" ovs-ofctl -O OpenFlow13 -p "$p/tool.key" -c "$p/tool.pem" \
		-C "$p/ca.pem" show ssl:127.0.0.1:6654 >"$TD/tls" 2>&1 || t_fail "ssl show: $(cat "$TD/tls")"
	has "$TD/tls" 'OFPT_FEATURES_REPLY \(OF1.3\)' "show over TLS"
	ip netns exec "$LAB-h2" ovs-ofctl -O OpenFlow13 -p "$p/tool.key" -c "$p/tool.pem" \
		-C "$p/ca.pem" add-flow ssl:127.0.0.1:6654 "udp,tp_dst=53,actions=set_queue:1"
	ctl h2 dump-rules | grep -q 'udp,tp_dst=53 actions=irq:1' || t_fail "the TLS FLOW_MOD did not arrive"
	# a client whose certificate the switch's CA did not sign is refused
	if timeout 10 ip netns exec "$LAB-h2" ovs-ofctl -O OpenFlow13 -p "$p/other/stranger.key" \
		-c "$p/other/stranger.pem" -C "$p/ca.pem" show ssl:127.0.0.1:6654 >"$TD/bad" 2>&1; then
		t_fail "a stranger's certificate was accepted"
	fi
	grep -qi 'TLS\|ssl\|certificate' "$TD/h2.log" || t_fail "no log line about the refused peer"
}

t_run "ovs-ofctl -O OpenFlow10 and 13: show, add/mod/del-flows, dump-flows/aggregate/tables/ports; ptcp" test_ofctl
t_run "two controllers with roles, FLOW_REMOVED, vsx host info, PORT_STATUS and VM reports" test_peers
t_run "ovs-ofctl over TLS (pssl), a stranger's certificate refused" test_tls
t_done
