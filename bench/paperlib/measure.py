#!/usr/bin/env python3
"""One measured run of bench/paper: kernel and datapath counters, `vsx-lab iperf`, counters again.

Appends one JSON object (a line) to --out: the run's metadata (--meta KEY=VALUE), the iperf
result per pair, and what happened on the CPUs over the run:
  - kernel: per CPU, softirq / system / idle time in % of the run's wall time (/proc/stat),
    packets the CPU's softirq processed and dropped (/proc/net/softnet_stat);
  - datapath: per core, the packets vsx's XDP program put on it (`vsxctl cores`), and the
    deltas of `vsxctl stats` (verdict reasons, cpumap enqueue/kthread counters).
Prints a one-line summary. Exit status 1 with a message when iperf or vsxctl fail.
"""
import argparse
import json
import os
import subprocess
import sys
import time

USER_HZ = os.sysconf("SC_CLK_TCK")


def proc_stat():
    cpus = {}
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if w[0].startswith("cpu") and w[0] != "cpu":
                v = [int(x) for x in w[1:9]]
                # user nice system idle iowait irq softirq steal
                cpus[int(w[0][3:])] = {"user": v[0] + v[1], "system": v[2], "idle": v[3] + v[4],
                                       "irq": v[5], "softirq": v[6]}
    return cpus


def softnet():
    cpus = {}
    with open("/proc/net/softnet_stat") as f:
        for i, line in enumerate(f):
            w = [int(x, 16) for x in line.split()]
            cpu = w[12] if len(w) > 12 else i  # column 13 is the CPU since Linux 5.10
            cpus[cpu] = {"processed": w[0], "dropped": w[1], "squeezed": w[2]}
    return cpus


def vsxctl(args, cmd):
    if not args.sock:
        return None
    r = subprocess.run([args.vsxctl, "-s", args.sock, "--json", cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"measure: vsxctl {cmd} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def snapshot(args):
    cores = vsxctl(args, "cores")
    return {"t": time.monotonic(), "stat": proc_stat(), "softnet": softnet(),
            "cores": {c["core"]: c["packets"] for c in cores["cores"]} if cores else None,
            "stats": vsxctl(args, "stats")}


def diff(a, b):
    """b - a for numbers, recursively for dicts and lists of the same shape."""
    if isinstance(a, bool) or isinstance(b, bool):
        return b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b - a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: diff(a.get(k), v) for k, v in b.items()}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [diff(x, y) for x, y in zip(a, b)]
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vsxlab", required=True)
    ap.add_argument("--lab", required=True)
    ap.add_argument("--vsxctl", required=True)
    ap.add_argument("--sock", help="control socket of the receiving host's vsxd")
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("iperf", nargs=argparse.REMAINDER, help="-- then the `vsx-lab iperf` options")
    args = ap.parse_args()
    iperf_args = args.iperf[1:] if args.iperf[:1] == ["--"] else args.iperf

    rec = {}
    for kv in args.meta:
        k, _, v = kv.partition("=")
        rec[k] = int(v) if v.isdigit() else v
    before = snapshot(args)
    cmd = [args.vsxlab, "-q", "-n", args.lab, "iperf", "--json"] + iperf_args
    r = subprocess.run(cmd, capture_output=True, text=True)
    after = snapshot(args)
    if r.returncode != 0:
        sys.exit(f"measure: {' '.join(cmd)} failed (exit {r.returncode}): "
                 f"{(r.stderr.strip() or r.stdout.strip() or 'no output')[-800:]}")
    res = json.loads(r.stdout)
    wall = after["t"] - before["t"]
    rec["wall_s"] = round(wall, 3)
    rec["pairs"] = res["pairs"]
    for p in rec["pairs"]:
        if p.get("error"):
            sys.exit(f"measure: pair {p['src']}:{p['dst']}: {p['error']}")
    kern = {}
    for cpu, s in after["stat"].items():
        d = diff(before["stat"].get(cpu, s), s)
        n = after["softnet"].get(cpu, {})
        dn = diff(before["softnet"].get(cpu, n), n)
        kern[cpu] = {k + "_pct": round(100.0 * d[k] / USER_HZ / wall, 1)
                     for k in ("softirq", "system", "user", "idle")}
        kern[cpu].update(dn)
    rec["kernel"] = kern
    if after["cores"] is not None:
        rec["dp_packets"] = {c: n - before["cores"].get(c, 0) for c, n in after["cores"].items()}
        rec["dp_stats"] = diff(before["stats"], after["stats"])
    with open(args.out, "a") as f:
        f.write(json.dumps(rec, sort_keys=True) + "\n")

    mb = " ".join(f"{p['received_mbps']:.0f}Mb/s/{p['loss_pct']:.1f}%" for p in rec["pairs"])
    cores = ""
    if rec.get("dp_packets"):
        tot = sum(rec["dp_packets"].values()) or 1
        cores = " dp " + "/".join(f"{100 * n / tot:.0f}" for _, n in sorted(rec["dp_packets"].items()))
    si = "/".join(f"{k['softirq_pct']:.0f}" for _, k in sorted(kern.items()))
    print(f"{mb}{cores} softirq% {si}")


if __name__ == "__main__":
    main()
