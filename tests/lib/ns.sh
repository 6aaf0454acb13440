# shellcheck shell=bash
# Helpers for the namespace tests that run vsxd in a lab (lab/vsx-lab). Source it after
# tests/lib/tap.sh, from the repository root, and call ns_init first. Each test function then
# calls need_env, brings up its own lab with lab_up (which also arranges the cleanup: vsxds
# stopped, lab removed, also when the test fails), writes the vsxd configurations with
# write_conf and starts them with start_vsxd:
#
#   test_x() {
#   	need_env
#   	lab_up a --pin h2-vm1=0
#   	write_conf h1 default
#   	write_conf h2 vsx "$(pinned_vm h2-vm1 0)" 'rule "vni=101 actions=irq:auto"'
#   	start_vsxd h1
#   	start_vsxd h2
#   	...
#   }
#
# (collision_setup does lab_up, write_conf and start_vsxd h2 for the common case.)
#
# Paths: the lab's state is under /run/vsx-lab/LAB; host H's vsxd has its bpffs in
# /run/vsx-lab/LAB/bpf/H and its control socket at /run/vsx-lab/LAB/H.sock. A test's files
# (configurations, logs, pid files) are in $TD.

# ns_init PREFIX MIN_CPUS TOOL...: sets BIN (vsxd, vsxctl of the build in $O), VSXLAB, PFX
# (lab names are PREFIX<PID><letter>) and TMP (removed on exit), and SKIP, the reason this
# machine cannot run the tests ("" when it can): not root, programs not built, fewer than
# MIN_CPUS CPUs, or a TOOL missing.
ns_init() {
	local min_cpus=$2 t
	O=${O:-build/test}
	case $O in /*) BIN=$O/bin ;; *) BIN=$PWD/$O/bin ;; esac
	VSXLAB=$PWD/lab/vsx-lab
	PFX=$1$$
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	shift 2
	SKIP=""
	if [ "$(id -u)" -ne 0 ]; then
		SKIP="needs root (network namespaces, BPF)"
	elif [ ! -x "$BIN/vsxd" ] || [ ! -x "$BIN/vsxctl" ]; then
		SKIP="$BIN/vsxd or vsxctl not built (make O=$O progs)"
	elif [ "$(nproc)" -lt "$min_cpus" ]; then
		SKIP="needs $min_cpus CPUs (the VM's core and another one)"
	else
		for t in "$@"; do
			command -v "$t" >/dev/null 2>&1 || { SKIP="'$t' not installed (scripts/install-deps)"; break; }
		done
	fi
}

# Skips the current test when ns_init found this machine unfit.
need_env() { [ -z "$SKIP" ] || t_skip "$SKIP"; }

# ---- per-test lab and vsxd ----

# lab_up LETTER [UP-OPTION]...: sets LAB ($PFX LETTER) and TD (the test's directory), makes
# teardown the test's exit trap, and brings the lab up with the given options.
lab_up() {
	LAB=$PFX$1
	shift
	TD=$TMP/$LAB
	mkdir -p "$TD"
	trap 'teardown' EXIT
	"$VSXLAB" -q -n "$LAB" up "$@" >"$TD/up.log" 2>&1 || t_fail "lab up: $(cat "$TD/up.log")"
}

# Stops what the test started, every process with a $TD/*.pid file (background jobs, vsxds:
# TERM, KILL after 5 s), then removes the lab.
teardown() {
	local f pid i
	for f in "$TD"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	"$VSXLAB" -q -n "$LAB" down >/dev/null 2>&1 || true
}

# vm_id VM: the VM ID the lab gave VM.
vm_id() { "$VSXLAB" -q -n "$LAB" vms | awk -v vm="$1" '$1 == vm {print $7}'; }

# write_conf HOST MODE [LINE]...: HOST's vsxd configuration, $TD/HOST.conf: uplink, MODE,
# threshold 100, the lab's bpffs and socket for HOST, a flow cache, then the LINEs.
write_conf() {
	local host=$1 mode=$2
	shift 2
	{
		cat <<EOF
uplink uplink
mode $mode
# Loads on this shared 2-CPU machine can exceed 50 %; 100 lets every core without a pinned VM
# qualify for irq:auto, so the choice is deterministic: core 1.
threshold 100
bpffs /run/vsx-lab/$LAB/bpf/$host
socket /run/vsx-lab/$LAB/$host.sock
flow-cache-slots 65536
EOF
		printf '%s\n' "$@"
	} >"$TD/$host.conf"
}

# pinned_vm VM CPUS: the configuration block of VM (its VM ID and tenant 1's VNI 101) pinned
# to CPUS, a LINE for write_conf.
pinned_vm() { printf 'vm %s {\n\tvm-id %s\n\tvni 101\n\tcpus %s\n}' "$1" "$(vm_id "$1")" "$2"; }

# collision_setup LETTER MODE [LINE]...: the VS-extend paper's collision setting: lab LETTER
# with VM h2-vm1 and the sender h1-vm1 both pinned to CPU 0 (on veth, h2's uplink XDP runs on
# the sender's CPU, so without steering all of h2's receive work lands on the VM's core), and
# vsxd running on h2 in MODE with h2-vm1 pinned to CPU 0 and the LINEs in its configuration.
collision_setup() {
	local mode=$2
	lab_up "$1" --pin h2-vm1=0 --pin h1-vm1=0
	shift 2
	write_conf h2 "$mode" "$(pinned_vm h2-vm1 0)" "$@"
	start_vsxd h2
}

# ctl HOST ARGUMENT...: vsxctl against HOST's vsxd.
ctl() {
	local host=$1
	shift
	"$BIN/vsxctl" -s "/run/vsx-lab/$LAB/$host.sock" "$@"
}

# xdp_prog_id: the id of the XDP program on h2's uplink ("none" without one).
# rule_field FIELD: FIELD of h2's first rule (dump-rules --json).
xdp_prog_id() { ip -n "$LAB-h2" -j link show uplink | jq -r '.[0].xdp.prog.id // "none"'; }
rule_field() { ctl h2 dump-rules --json | jq -r ".[0].$1"; }

# Core 1 grew by at least $3 between samples "$1" and "$2" ("P0 P1"), core 0 by at most 50.
moved_on_core1() {
	local a0 a1 b0 b1
	read -r a0 a1 <<<"$1"
	read -r b0 b1 <<<"$2"
	diag "$4: core0 +$((b0 - a0)) core1 +$((b1 - a1))"
	ge $((b1 - a1)) "$3" "$4: packets on core 1"
	le $((b0 - a0)) 50 "$4: packets on core 0"
}

# start_vsxd HOST [NAME [OPTION]...]: starts vsxd in HOST's namespace with $TD/HOST.conf and
# the OPTIONs, its output in $TD/NAME.log and its pid in $TD/NAME.pid (NAME: HOST by
# default), and waits (10 s) until it answers on its socket.
start_vsxd() {
	local host=$1 name=${2:-$1} i
	shift $(($# < 2 ? $# : 2))
	ip netns exec "$LAB-$host" "$BIN/vsxd" -c "$TD/$host.conf" "$@" >"$TD/$name.log" 2>&1 &
	echo $! >"$TD/$name.pid"
	for ((i = 0; i < 100; i++)); do
		ctl "$host" show >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$TD/$name.pid")" 2>/dev/null || break
		sleep 0.1
	done
	t_fail "vsxd $name on $host did not come up: $(cat "$TD/$name.log")"
}

# stop_vsxd NAME: SIGTERM to the vsxd started as NAME and wait (10 s) until it is gone; its
# exit status in $TD/NAME.rc.
stop_vsxd() {
	local pid rc=0 i
	pid=$(cat "$TD/$1.pid")
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && t_fail "vsxd $1 did not stop within 10 s of SIGTERM"
	wait "$pid" || rc=$?
	echo "$rc" >"$TD/$1.rc"
	rm -f "$TD/$1.pid"
}

# ---- measurements ----

# Datapath packets per core on h2: "P0<TAB>P1".
core_pkts() { ctl h2 cores --json | jq -r '[.cores[0].packets, .cores[1].packets] | @tsv'; }

# dp_stat HOST NAME: a datapath counter of HOST's vsxd (stats --json).
dp_stat() { ctl "$1" stats --json | jq -r ".$2"; }

# kthread_pid CPU: the pid of the cpumap kthread for CPU of h2's datapath ("cpumap/CPU/map:ID",
# ID the pinned cpumap's; it outlives a vsxd that kept the datapath).
kthread_pid() {
	local id p n
	id=$(bpftool -j map show pinned "/run/vsx-lab/$LAB/bpf/h2/vsx_cpu_map" | jq -r .id)
	for p in /proc/[0-9]*; do
		n=""
		read -r n 2>/dev/null <"$p/comm" || continue
		if [ "$n" = "cpumap/$1/map:$id" ]; then
			echo "${p#/proc/}"
			return 0
		fi
	done
	echo "no kthread cpumap/$1/map:$id" >&2
	return 1
}

# kthread_ns CPU: CPU time (ns) of that kthread: the kernel's own account of the steered work.
kthread_ns() {
	local pid
	pid=$(kthread_pid "$1") || return 1
	cut -d' ' -f1 "/proc/$pid/schedstat"
}

# softnet CPU [COLUMN]: a per-CPU counter of /proc/net/softnet_stat, machine-wide (column 1,
# the default: packets through netif_receive_skb; 10: RPS IPIs the CPU received).
softnet() { echo $((16#$(sed -n "$(($1 + 1))p" /proc/net/softnet_stat | cut -d' ' -f"${2:-1}"))); }

# iperf_udp SIZE RATE SECONDS: iperf3 UDP from h1-vm1 to h2-vm1; JSON in $TD/iperf.json.
iperf_udp() {
	"$VSXLAB" -q -n "$LAB" iperf --json --udp --size "$1" --rate "$2" --time "$3" \
		--pair h1-vm1:h2-vm1 >"$TD/iperf.json" || t_fail "iperf failed: $(cat "$TD/iperf.json")"
	jq -e '.pairs[0].error == null' "$TD/iperf.json" >/dev/null || t_fail "iperf: $(cat "$TD/iperf.json")"
}

# iperf_field NAME: a field of the pair's result in $TD/iperf.json.
iperf_field() { jq -r ".pairs[0].$1" "$TD/iperf.json"; }

# ---- checks ----

# ge A B WHAT: fails unless A >= B.
ge() { [ "$1" -ge "$2" ] || t_fail "$3: $1 < $2"; }
# le A B WHAT: fails unless A <= B.
le() { [ "$1" -le "$2" ] || t_fail "$3: $1 > $2"; }
# A TAP diagnostic line.
diag() { echo "# $*"; }
