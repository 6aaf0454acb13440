#!/usr/bin/env python3
"""One run of bench/offload: lab/vsx-inject sends, and around it the receiving host's work on
its measured core is read from the kernel's (and Open vSwitch's) own accounts.

What is read before and after the traffic:
  - /proc/PID/schedstat of the tasks given with --task NAME=PID: the run time of the cpumap
    kthread of the measured core (cases kernel and vsx: every packet steered there is
    processed in that thread, the stack path or the fast path alike) and of the core's
    ksoftirqd (softirq work the kernel deferred to it);
  - with --ovs CTL: the pmd thread's processing cycles (dpif-netdev/pmd-stats-show; the pmd
    is pinned to the measured core; its cycles include the syscalls that deliver into the VM
    ports) converted to seconds with the TSC rate Open vSwitch itself reports
    (dpif-netdev/pmd-perf-show: used cycles, their share of all cycles, the measurement time);
  - /proc/stat of the measured core (busy = user+nice+system+irq+softirq): a cross-check that
    also counts whatever else ran there (other work on a shared machine);
  - each destination VM's eth0 rx_packets: the frames the host delivered into the VMs, the
    denominator of CPU per packet (for 8192-byte datagrams: fragments).
Prints one summary line and appends one JSON object to --out.
"""
import argparse
import json
import re
import subprocess
import sys
import time


def run(cmd, timeout=30):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def schedstat_ns(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def cpu_busy(cpu):
    """(busy, total) jiffies of one CPU from /proc/stat (steal is neither: the hypervisor's)."""
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if w[0] == "cpu%d" % cpu:
                v = [int(x) for x in w[1:]]
                user, nice, system, idle, iowait, irq, softirq = v[:7]
                busy = user + nice + system + irq + softirq
                return busy, busy + idle + iowait
    raise RuntimeError("no cpu%d in /proc/stat" % cpu)


def vm_rx(ns):
    return int(run(["ip", "netns", "exec", ns, "cat", "/sys/class/net/eth0/statistics/rx_packets"]))


def ovs_appctl(ctl, *args):
    return run(["ovs-appctl", "-t", ctl] + list(args))


def ovs_pmd(ctl):
    """(processing cycles, packets received, TSC Hz) of the pmd threads since the last clear."""
    st = ovs_appctl(ctl, "dpif-netdev/pmd-stats-show")
    proc = sum(int(m) for m in re.findall(r"processing cycles: (\d+)", st))
    pkts = sum(int(m) for m in re.findall(r"packets received: (\d+)", st))
    perf = ovs_appctl(ctl, "dpif-netdev/pmd-perf-show")
    hz = None
    dur = re.search(r"Measurement duration: ([\d.]+) s", perf)
    used = re.search(r"Used TSC cycles:\s+(\d+)\s+\(\s*([\d.]+) % of total cycles\)", perf)
    if dur and used and float(used.group(2)) > 0 and float(dur.group(1)) > 0:
        hz = int(used.group(1)) / (float(used.group(2)) / 100) / float(dur.group(1))
    if not hz or not 1e8 < hz < 1e10:  # the share is printed to 0.1 %: fall back on cpuinfo
        with open("/proc/cpuinfo") as f:
            m = re.search(r"cpu MHz\s*:\s*([\d.]+)", f.read())
        hz = float(m.group(1)) * 1e6
    return proc, pkts, hz


def dp_stats(a):
    """h2's datapath counters: the named ones and, per path, packets (vsxctl stats --json)."""
    st = json.loads(run([a.vsxctl, "-s", a.sock, "stats", "--json"]))
    out = {k: v for k, v in st.items() if isinstance(v, int)}
    for path, v in (st.get("paths") or {}).items():
        out["path_" + path] = v.get("packets", 0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inject", required=True, help="lab/vsx-inject")
    ap.add_argument("--lab", required=True)
    ap.add_argument("--cpu", type=int, required=True, help="the measured core")
    ap.add_argument("--task", action="append", default=[], help="NAME=PID to account (repeatable)")
    ap.add_argument("--ovs", help="ovs-vswitchd's unixctl socket (case ovs)")
    ap.add_argument("--dst-ns", action="append", default=[], help="destination VM namespaces")
    ap.add_argument("--vsxctl", help="vsxctl, with --sock: h2's datapath counters around the run")
    ap.add_argument("--sock", help="h2's vsxd control socket")
    ap.add_argument("--out", required=True, help="runs.jsonl to append to")
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE recorded with the run")
    ap.add_argument("inject_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    iargs = a.inject_args[1:] if a.inject_args[:1] == ["--"] else a.inject_args
    tasks = {}
    for t in a.task:
        n, p = t.split("=", 1)
        tasks[n] = int(p)
    meta = dict(m.split("=", 1) for m in a.meta)

    if a.ovs:
        ovs_appctl(a.ovs, "dpif-netdev/pmd-stats-clear")
    d0 = dp_stats(a) if a.vsxctl else None
    s0 = {n: schedstat_ns(p) for n, p in tasks.items()}
    b0, t0 = cpu_busy(a.cpu)
    rx0 = {ns: vm_rx(ns) for ns in a.dst_ns}
    w0 = time.monotonic()
    p = subprocess.run([a.inject, "-q", "-n", a.lab, "--json"] + iargs, capture_output=True,
                       text=True, timeout=600)
    wall = time.monotonic() - w0
    s1 = {n: schedstat_ns(p_) for n, p_ in tasks.items()}
    b1, t1 = cpu_busy(a.cpu)
    rx1 = {ns: vm_rx(ns) for ns in a.dst_ns}
    d1 = dp_stats(a) if a.vsxctl else None
    if p.returncode != 0:
        sys.stderr.write(p.stderr + p.stdout)
        raise SystemExit("vsx-inject failed (exit %d)" % p.returncode)
    inj = json.loads(p.stdout)
    rec = dict(meta)
    size = inj["size"]
    secs = inj["pairs"][0]["seconds"]
    recv_bytes = sum(r["received_bytes"] or 0 for r in inj["pairs"])
    sent_bytes = sum(r["sent_bytes"] for r in inj["pairs"])
    rec["size"] = size
    rec["seconds"] = secs
    rec["pairs"] = [{k: r.get(k) for k in ("src", "dst", "sent_bytes", "received_bytes", "received_mbps",
                                           "loss_pct", "rcvbuf_errors", "reasm_fails", "limit")}
                    for r in inj["pairs"]]
    rec["received_dgrams"] = recv_bytes // size
    rec["sent_dgrams"] = sent_bytes // size
    rec["rx_pps"] = rec["received_dgrams"] / secs
    rec["offered_pps"] = rec["sent_dgrams"] / secs
    rec["rx_gbps"] = recv_bytes * 8 / secs / 1e9  # UDP payload
    rec["loss_pct"] = max(0.0, 100.0 * (sent_bytes - recv_bytes) / sent_bytes) if sent_bytes else None
    rec["delivered_frames"] = sum(rx1[ns] - rx0[ns] for ns in a.dst_ns)
    rec["tasks_s"] = {n: (s1[n] - s0[n]) / 1e9 for n in tasks}
    cpu_s = sum(rec["tasks_s"].values())
    if a.ovs:
        proc, pkts, hz = ovs_pmd(a.ovs)
        rec["ovs_pmd_s"] = proc / hz
        rec["ovs_pmd_packets"] = pkts
        rec["tsc_hz"] = hz
        cpu_s += rec["ovs_pmd_s"]
    if d0 and d1:
        # Where vsx's datapath put the packets: the fast path, the normal path, dropped.
        rec["dp"] = {k: d1.get(k, 0) - d0.get(k, 0) for k in d1}
    rec["host_cpu_s"] = cpu_s
    rec["wall_s"] = wall
    hz_j = 100.0  # USER_HZ of /proc/stat
    rec["core_busy_s"] = (b1 - b0) / hz_j
    rec["core_busy_pct"] = 100.0 * (b1 - b0) / (t1 - t0) if t1 > t0 else None
    fr = rec["delivered_frames"]
    rec["cpu_s_per_mpkt"] = cpu_s / fr * 1e6 if fr else None
    rec["core_s_per_mpkt"] = rec["core_busy_s"] / fr * 1e6 if fr else None
    # Host CPU as a share of one core over the sending time (Fig. 6's y axis).
    rec["host_cpu_pct"] = 100.0 * cpu_s / secs
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    fp = ""
    if rec.get("dp") and rec["dp"].get("rx"):
        fp = ", fast path %.0f %% of rx" % (100.0 * rec["dp"].get("path_offload", 0) / rec["dp"]["rx"])
    print("rx %.0f pps %.3f Gb/s (offered %.0f pps, loss %.1f %%), host CPU %.3f s = %s s/Mpkt (core busy %.0f %%%s)"
          % (rec["rx_pps"], rec["rx_gbps"], rec["offered_pps"], rec["loss_pct"] or 0, cpu_s,
             "%.3f" % rec["cpu_s_per_mpkt"] if rec["cpu_s_per_mpkt"] is not None else "na",
             rec["core_busy_pct"] or 0, fp))


if __name__ == "__main__":
    main()
