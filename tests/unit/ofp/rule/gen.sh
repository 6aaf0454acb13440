#!/usr/bin/env bash
# Regenerates the ovs-ofctl-encoded inputs of test_ofp_rule: each line of cases.txt is
# "NAME VERSION FLOW" (VERSION 10 or 13); ovs-ofctl add-flow (or mod-flows/del-flows when NAME
# says so) sends the FLOW_MOD to fake_switch.py, which writes it as hex to NAME.hex.
# Needs ovs-ofctl (openvswitch-common). The .rule/.err expectations are written by hand.
set -eu
cd "$(dirname "$0")"
sock=$(mktemp -u /tmp/ofsw-gen.XXXXXX)
while read -r name ver flow; do
	[ -z "$name" ] || [ "${name#\#}" != "$name" ] && continue
	case $name in *mod_*) cmd=mod-flows ;; *del_strict*) cmd="--strict del-flows" ;;
	*del_*) cmd=del-flows ;; *) cmd=add-flow ;; esac
	wv=$([ "$ver" = 10 ] && echo 1 || echo 4)
	rm -f "$sock"; timeout 5 python3 fake_switch.py "$sock" "$wv" >"$name.hex" &
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	# shellcheck disable=SC2086
	ovs-ofctl -O "OpenFlow$ver" --no-names $cmd "unix:$sock" "$flow"
	wait
	[ -s "$name.hex" ] || { echo "$name: nothing captured" >&2; exit 1; }
done <cases.txt
rm -f "$sock"
