#!/usr/bin/env bash
# OpenFlow over TLS (lib/ofp_tls.c), with certificates made by `openssl` for the test: a CA
# "good" signing the controller, vsxd and ovs-ofctl certificates, a CA "evil" signing a rogue
# one. In one lab host's namespace (TCP on its loopback):
#
#   session     vsxd `controller ssl:` -> vsx-controller `pssl:`: mutual verification, the
#               host synced and its VMs learnt over TLS
#   refused     a vsxd whose certificate the controller's CA did not sign: no session, and the
#               controller's log names OpenSSL's reason
#   ovs-ofctl   ovs-ofctl -O OpenFlow13 `ssl:` (-p -c -C) against vsxd's `openflow-listen pssl:`:
#               `show` prints the switch; with the wrong CA ovs-ofctl fails
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
# shellcheck source=tests/lib/ns.sh
. tests/lib/ns.sh
ns_init ct 1 ip jq openssl
CTRL=$BIN/vsx-controller
[ -z "$SKIP" ] && [ ! -x "$CTRL" ] && SKIP="$CTRL not built (make O=$O progs)"

pki() {
	local d=$TD/pki who ca
	mkdir -p "$d"
	for ca in good evil; do
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vsx-test-$ca-ca" \
			-keyout "$d/$ca-ca.key" -out "$d/$ca-ca.pem" >/dev/null 2>&1
	done
	for who in ctrl:good vsxd:good tool:good rogue:evil; do
		ca=${who#*:} who=${who%:*}
		openssl req -newkey rsa:2048 -nodes -subj "/CN=$who" -keyout "$d/$who.key" \
			-out "$d/$who.csr" >/dev/null 2>&1
		openssl x509 -req -in "$d/$who.csr" -CA "$d/$ca-ca.pem" -CAkey "$d/$ca-ca.key" \
			-CAcreateserial -days 2 -out "$d/$who.pem" >/dev/null 2>&1
	done
	[ -s "$d/rogue.pem" ] || t_fail "openssl could not make the certificates"
}

in_h1() { ip netns exec "$LAB-h1" "$@"; }

start_ctrl() {
	local d=$TD/pki
	in_h1 "$CTRL" -l pssl:16653:127.0.0.1 -s "$TD/ctrl.sock" --ssl-private-key "$d/ctrl.key" \
		--ssl-certificate "$d/ctrl.pem" --ssl-ca-cert "$d/good-ca.pem" >"$TD/ctrl.log" 2>&1 &
	echo $! >"$TD/ctrl.pid"
	for _ in $(seq 50); do [ -S "$TD/ctrl.sock" ] && return 0; sleep 0.1; done
	t_fail "vsx-controller did not start: $(cat "$TD/ctrl.log")"
}

# h1's vsxd with the certificate of WHO, connecting to the controller and listening for tools.
vsxd_tls() {
	local d=$TD/pki
	write_conf h1 vsx "$("$VSXLAB" -q -n "$LAB" conf h1)" "controller ssl:127.0.0.1:16653" \
		"openflow-listen pssl:16634:127.0.0.1" "ssl-private-key $d/$1.key" \
		"ssl-certificate $d/$1.pem" "ssl-ca-cert $d/good-ca.pem" "datapath-id 0x21"
	start_vsxd h1
}

synced() { "$CTRL" show -s "$TD/ctrl.sock" --json | jq -e '.hosts | map(select(.state == "synced")) | length == 1' >/dev/null; }

t_session() {
	need_env
	lab_up a --hosts 2 --vms 2
	pki
	start_ctrl
	vsxd_tls vsxd
	for _ in $(seq 100); do synced && break; sleep 0.1; done
	synced || t_fail "no synced host: $("$CTRL" show -s "$TD/ctrl.sock") $(tail -n 5 "$TD/ctrl.log")"
	grep -q "TLS peer verified: .*CN *= *vsxd" "$TD/ctrl.log" ||
		t_fail "no verified peer in the log: $(tail -n 5 "$TD/ctrl.log")"
	[ "$("$CTRL" show -s "$TD/ctrl.sock" --json | jq '.vms | length')" = 2 ] ||
		t_fail "VMs not learnt over TLS"
	diag "$(grep "TLS peer verified" "$TD/ctrl.log" | head -n 1)"
}

t_refused() {
	need_env
	lab_up b --hosts 2 --vms 1
	pki
	start_ctrl
	vsxd_tls rogue
	for _ in $(seq 50); do grep -q "TLS handshake failed" "$TD/ctrl.log" && break; sleep 0.1; done
	grep -q "TLS handshake failed: certificate verify failed" "$TD/ctrl.log" ||
		t_fail "no clear refusal in the log: $(tail -n 5 "$TD/ctrl.log")"
	diag "$(grep "TLS handshake failed" "$TD/ctrl.log" | head -n 1)"
	synced && t_fail "a rogue host was accepted"
	true
}

t_ovs_ofctl() {
	need_env
	command -v ovs-ofctl >/dev/null || t_skip "ovs-ofctl not installed (openvswitch-common)"
	lab_up c --hosts 2 --vms 1
	pki
	start_ctrl
	vsxd_tls vsxd
	local d=$TD/pki out
	out=$(in_h1 timeout 10 ovs-ofctl -O OpenFlow13 -p "$d/tool.key" -c "$d/tool.pem" \
		-C "$d/good-ca.pem" show ssl:127.0.0.1:16634 2>&1) || t_fail "ovs-ofctl show over TLS: $out"
	diag "$(head -n 1 <<<"$out")"
	grep -q "dpid:0000000000000021" <<<"$out" || t_fail "unexpected show output: $out"
	if out=$(in_h1 timeout 10 ovs-ofctl -O OpenFlow13 -p "$d/rogue.key" -c "$d/rogue.pem" \
		-C "$d/good-ca.pem" show ssl:127.0.0.1:16634 2>&1); then
		t_fail "ovs-ofctl with a rogue certificate was accepted: $out"
	fi
	sleep 0.3
	grep -q "TLS handshake failed" "$TD/h1.log" || t_fail "vsxd did not log the refusal"
	diag "$(grep "TLS handshake failed" "$TD/h1.log" | head -n 1)"
}

t_run "TLS: vsxd -> vsx-controller over ssl:/pssl:, verified both ways" t_session
t_run "TLS: a host whose certificate the CA did not sign is refused, with OpenSSL's reason" t_refused
t_run "TLS: ovs-ofctl ssl: against vsxd's pssl:" t_ovs_ofctl
t_done
