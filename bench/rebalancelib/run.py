#!/usr/bin/env python3
"""One run of bench/rebalance: a load step on the core that carries steered flows.

vsxd runs on the receiving host h2 with one irq:auto rule per UDP flow (tp_dst = the flow's
iperf3 port). The run:

  1. background work on core D (`nice -n 19` busy loop) takes D out of the choice: with
     --step load its load rises above the threshold, with --step vm it is a VM that vsxd
     sees pinned to D (pid-file);
  2. iperf3 UDP flows start (`vsx-lab iperf --burst`, so they have idle gaps); every rule
     is decided onto the only qualifying core, C;
  3. the background work stops; D qualifies again (its load back under the threshold, or
     no VM pinned there);
  4. t0: the load step, a busy loop pinned to C (--step load: C's load goes above the
     threshold; --step vm: it is a VM pinned to C);
  5. every ~20 ms, until no rule is left on C and every moved rule's flows are on its new
     core, or --window s pass: the rules' decided cores (dump-rules) and the flows' cores
     (dump-flows). first_ms: the first round of moves has all its flows on the new core;
     settle_ms: every moved rule has, and no rule moved in the window's last --quiet s;
  6. iperf3 ends; its receivers' out-of-order counts, loss, jitter; the datapath's
     flow_moved counter; the kernel's own accounting of where the work ran (CPU time of
     the cpumap kthread of C and of D, /proc/PID/schedstat) and the datapath's packets
     per core, before and after the settle point.

Why the flow dump is the evidence for "the flow is on the new core": a flow's cache slot
holds the core its packets are redirected to, and the datapath changes it only at a
packet (the first after an idle gap, which it sends to the new core): so a slot showing
the new core means a packet of that flow went there. The per-core counters and kthread
times confirm it in aggregate (they cannot tell flows apart); flow_moved counts the moves.

Appends one JSON object to --out, writes every poll to --timeline, prints a short line.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time


def now_ms(t0):
    return round((time.monotonic() - t0) * 1000.0, 1)


class Ctl:
    """vsxctl against h2's vsxd."""

    def __init__(self, vsxctl, sock):
        self.base = [vsxctl, "-s", sock, "--json"]

    def get(self, *args):
        out = subprocess.run(self.base + list(args), capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            raise RuntimeError("vsxctl %s: %s" % (" ".join(args), out.stderr.strip()))
        return json.loads(out.stdout)

    def rules(self, packets=None):
        """{rule id: decided core or None} of the irq:auto rules, and {id: tp_dst}; the rules'
        packet counts into the dict `packets` if given."""
        cores, ports = {}, {}
        for r in self.get("dump-rules"):
            if "decided_core" not in r:
                continue
            cores[r["id"]] = r["decided_core"]
            if packets is not None:
                packets[r["id"]] = r["packets"]
            m = re.search(r"tp_dst=(\d+)", r["rule"])
            if m:
                ports[r["id"]] = int(m.group(1))
        return cores, ports

    def flows(self):
        """{rule id: [core of each UDP flow of the rule]} (TCP control flows match no rule)."""
        out = {}
        for f in self.get("dump-flows")["flows"]:
            if f["rule"] and ",udp," in "," + f["flow"] + ",":
                out.setdefault(f["rule"], []).append(f["core"])
        return out

    def cores(self):
        return {c["core"]: c for c in self.get("cores")["cores"]}

    def stats(self):
        return self.get("stats")


def cpumap_id(bpffs):
    out = subprocess.run(["bpftool", "-j", "map", "show", "pinned", bpffs + "/vsx_cpu_map"],
                         capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError("bpftool map show pinned %s/vsx_cpu_map: %s" % (bpffs, out.stderr.strip()))
    return json.loads(out.stdout)["id"]


def kthread_pids(map_id, cpus):
    """{cpu: pid} of the cpumap kthreads "cpumap/CPU/map:ID" of h2's datapath."""
    want = {"cpumap/%d/map:%d" % (c, map_id): c for c in cpus}
    found = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % p) as f:
                name = f.read().strip()
        except OSError:
            continue
        if name in want:
            found[want[name]] = int(p)
    missing = [c for c in cpus if c not in found]
    if missing:
        raise RuntimeError("no cpumap kthread for CPU %s (map id %d)" % (missing, map_id))
    return found


def hop_drops(lab):
    """Frames the fabric's hop into h2 dropped (rx_dropped of veth r2: C's backlog queue was
    full), the lab's stand-in for a NIC ring overflowing on the interrupt core. These never
    reach h2's datapath."""
    out = subprocess.run(["ip", "netns", "exec", lab + "-fabric", "cat",
                          "/sys/class/net/r2/statistics/rx_dropped"],
                         capture_output=True, text=True, timeout=10)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip().isdigit() else None


def kthread_ns(pid):
    """CPU time a task ran, in ns (for a cpumap kthread: the kernel's own account of the
    steered work)."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


# The busy loop counts its iterations and writes the count to the file $0 on SIGUSR1. Its
# progress, not its CPU time, is what it got of the core: without CONFIG_IRQ_TIME_ACCOUNTING
# the kernel charges softirq work done while the loop was interrupted to the loop's run time.
HOG_SCRIPT = 'trap "echo \\$i >\\"\\$0\\"" USR1; i=0; while :; do i=$((i+1)); done'


class Hog:
    """A busy loop pinned to one CPU; optionally announced as a VM through a pid file."""

    def __init__(self, cpu, nice, pidfile, countfile):
        self.pidfile = pidfile
        self.countfile = countfile
        self.p = subprocess.Popen(["nice", "-n", str(nice), "taskset", "-c", str(cpu),
                                   "sh", "-c", HOG_SCRIPT, countfile],
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        if pidfile:
            tmp = pidfile + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % self.p.pid)
            os.rename(tmp, pidfile)

    def count(self):
        """Loop iterations so far (None if the loop did not answer within 2 s)."""
        try:
            os.unlink(self.countfile)
        except FileNotFoundError:
            pass
        os.kill(self.p.pid, signal.SIGUSR1)
        end = time.monotonic() + 2
        while time.monotonic() < end:
            try:
                with open(self.countfile) as f:
                    text = f.read()
                if text.endswith("\n"):
                    return int(text)
            except (OSError, ValueError):
                pass
            time.sleep(0.002)
        return None

    def stop(self):
        try:
            os.unlink(self.countfile)
        except FileNotFoundError:
            pass
        if self.pidfile:
            try:
                os.unlink(self.pidfile)
            except FileNotFoundError:
                pass
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def wait_for(what, cond, timeout, period=0.02):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError(what)
        time.sleep(period)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vsxctl", required=True)
    ap.add_argument("--sock", required=True)
    ap.add_argument("--bpffs", required=True, help="h2's bpffs directory (the pinned cpumap)")
    ap.add_argument("--vsxlab", required=True)
    ap.add_argument("--lab", required=True)
    ap.add_argument("--c", type=int, required=True, help="the core the flows are decided onto")
    ap.add_argument("--d", type=int, required=True, help="the other core")
    ap.add_argument("--step", choices=("load", "vm"), required=True)
    ap.add_argument("--threshold", type=int, required=True)
    ap.add_argument("--prehog-pidfile", help="--step vm: pid file of the background 'VM' on D")
    ap.add_argument("--hog-pidfile", help="--step vm: pid file of the 'VM' started on C at t0")
    ap.add_argument("--window", type=float, default=3.0, help="seconds to wait for the moves")
    ap.add_argument("--quiet", type=float, default=1.0,
                    help="seconds without a move at the window's end for a run to count as settled")
    ap.add_argument("--poll-ms", type=float, default=20.0)
    ap.add_argument("--timeline", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE copied to the record")
    ap.add_argument("iperf", nargs=argparse.REMAINDER, help="-- then the `vsx-lab iperf` options")
    a = ap.parse_args()
    iperf_args = a.iperf[1:] if a.iperf[:1] == ["--"] else a.iperf
    C, D, T = a.c, a.d, a.threshold

    ctl = Ctl(a.vsxctl, a.sock)
    rec = {k: v for k, v in (m.split("=", 1) for m in a.meta)}
    rec.update({"c": C, "d": D, "step": a.step, "threshold": T, "setup": "ok",
                "at_c": [], "moved_rules": [], "move_ms": {}, "follow_ms": {}, "settle_ms": None})
    tl = open(a.timeline, "w")
    hogs = []
    iperf = None

    def stop_all(*_):
        for h in hogs:
            h.stop()
        if iperf and iperf.poll() is None:
            iperf.send_signal(signal.SIGTERM)
            iperf.wait()
        sys.exit(130)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    def d_out():
        c = ctl.cores()[D]
        return c["pinned"] if a.step == "vm" else c["load"] > T

    def d_in():
        c = ctl.cores()[D]
        return (not c["pinned"]) if a.step == "vm" else c["load"] <= T

    try:
        _, ports = ctl.rules()
        map_id = cpumap_id(a.bpffs)
        kpid = kthread_pids(map_id, (C, D))
        drops0 = hop_drops(a.lab)
        start = time.monotonic()

        # 1. D busy (or "pinned"), so that the decisions go to C.
        pre = Hog(D, 19, a.prehog_pidfile if a.step == "vm" else None, a.timeline + ".count0")
        hogs.append(pre)
        try:
            wait_for("core %d out of the choice" % D, d_out, 5)
        except TimeoutError:
            rec["setup"] = "background work on core %d did not take it out of the choice within 5 s" % D
            raise
        # 2. Traffic; every rule decided onto C.
        ipath = re.sub(r"\.jsonl$", "", a.timeline) + ".iperf.json"
        iperf = subprocess.Popen([a.vsxlab, "-q", "-n", a.lab, "iperf", "--json"] + iperf_args,
                                 stdout=open(ipath, "w"), stderr=subprocess.PIPE, text=True)

        t_traffic = []

        def decided():
            pk = {}
            cores, _ = ctl.rules(pk)
            if not t_traffic and any(pk.values()):
                t_traffic.append(time.monotonic())
            flows = ctl.flows()
            ok = all(c is not None for c in cores.values()) and \
                all(flows.get(r) and None not in flows[r] for r in cores)
            return (cores, flows) if ok else None
        try:
            cores0, flows0 = wait_for("decisions", decided, 6, 0.05)
        except TimeoutError:
            cores, _ = ctl.rules()
            loads = {c: v["load"] for c, v in ctl.cores().items()}
            rec["setup"] = "rules not all decided within 6 s of the traffic start: %s (loads %s)" % (
                cores, loads)
            # No core at or below the threshold: the machine's other work, not vsx.
            rec["busy"] = a.step == "load" and all(v > T for v in loads.values())
            raise
        rec["decided"] = {str(r): c for r, c in cores0.items()}
        rec["decided_ms"] = now_ms(start)
        # The flows began when their rules first counted packets (polled every 50 ms): they
        # end about --time later. The last counters are read shortly before that.
        m = re.search(r"--time\s+(\d+)", " ".join(iperf_args))
        t_end = t_traffic[0] + (int(m.group(1)) if m else 5) - 0.3
        rec["traffic_ms"] = round((t_traffic[0] - start) * 1000)
        # 3. D back in the choice.
        pre.stop()
        hogs.remove(pre)
        try:
            wait_for("core %d back in the choice" % D, d_in, 3)
        except TimeoutError:
            rec["setup"] = "core %d did not qualify again within 3 s (load %s%%, threshold %d%%)" % (
                D, ctl.cores()[D]["load"], T)
            rec["busy"] = a.step == "load"
            raise
        time.sleep(0.3)  # a few samples of the steady state before the step
        cores_t0, _ = ctl.rules()
        at_c = sorted(r for r, c in cores_t0.items() if c == C)
        rec["at_c"] = at_c
        if not at_c:
            rec["setup"] = "no rule on core %d at the load step: %s" % (C, cores_t0)
            raise TimeoutError(rec["setup"])
        loads = ctl.cores()
        rec["load_t0"] = {str(c): v["load"] for c, v in loads.items()}

        hog = None

        def snap():
            cs = ctl.cores()
            return {"kt": {c: kthread_ns(kpid[c]) for c in (C, D)},
                    "pk": {c: cs[c]["packets"] for c in (C, D)},
                    "flow_moved": ctl.stats().get("flow_moved"),
                    "hog": hog.count() if hog else 0, "t": time.monotonic()}
        s0 = snap()

        # 4. The load step.
        t0 = time.monotonic()
        hog = Hog(C, 0, a.hog_pidfile if a.step == "vm" else None, a.timeline + ".count")
        hogs.append(hog)

        # 5. Poll. A rule moves when its decided core changes; its flows have followed when
        # every UDP flow of the rule is on the rule's core. The planner may move the rules off
        # C over several rounds (from a core that is only overloaded, as many as its estimate
        # says are needed per round), so the polls go on until nothing is left on C, or the
        # window ends. The run has settled when every moved rule's flows followed and no rule
        # moved in the window's last --quiet seconds (or nothing is left on C to move).
        prev = dict(cores_t0)
        moved, follow, first_move, first_follow, n_moves = {}, {}, {}, {}, {}
        first_batch = None
        intervals, last, left_nothing = [], None, False
        while True:
            t = now_ms(t0)
            if last is not None:
                intervals.append(t - last)
            last = t
            cores, _ = ctl.rules()
            flows = ctl.flows()
            batch = []
            for r, c in cores.items():
                if c is not None and c != prev.get(r):
                    moved[r] = t
                    follow.pop(r, None)
                    first_move.setdefault(r, t)
                    n_moves[r] = n_moves.get(r, 0) + 1
                    batch.append(r)
                if r in moved and r not in follow:
                    fl = flows.get(r, [])
                    if fl and all(x == c for x in fl):
                        follow[r] = t
                        first_follow.setdefault(r, t)
            prev = cores
            if batch and first_batch is None:
                first_batch = batch
            tl.write(json.dumps({"t_ms": t, "rules": cores, "flows": flows}) + "\n")
            left_nothing = all(cores.get(r) != C for r in cores) and len(follow) == len(moved)
            if left_nothing or t >= a.window * 1000:
                break
            time.sleep(max(0.0, a.poll_ms / 1000.0 - (time.monotonic() - t0 - t / 1000.0)))
        s1 = snap()
        rec["polls"] = len(intervals) + 1
        rec["poll_ms_median"] = sorted(intervals)[len(intervals) // 2] if intervals else None
        rec["moved_rules"] = sorted(moved)
        rec["moves"] = sum(n_moves.values())
        rec["move_ms"] = {str(r): first_move[r] for r in sorted(first_move)}
        rec["follow_ms"] = {str(r): first_follow[r] for r in sorted(first_follow)}
        rec["last_move_ms"] = max(moved.values()) if moved else None
        rec["left_on_c"] = sorted(r for r, c in prev.items() if c == C)
        # First: the rules of the first round of moves, all their flows on the new core.
        if first_batch and all(r in first_follow for r in first_batch):
            rec["first_ms"] = max(first_follow[r] for r in first_batch)
        else:
            rec["first_ms"] = None
        quiet = left_nothing or (moved and t - max(moved.values()) >= a.quiet * 1000)
        rec["settle_ms"] = max(follow.values()) if moved and len(follow) == len(moved) and quiet else None
        rec["window_ms"] = a.window * 1000
        rec["split_ms"] = now_ms(t0)

        # 6. The end of the traffic, then the hog.
        time.sleep(max(0.0, t_end - time.monotonic()))
        s2 = snap()
        rec["after_ms"] = round((s2["t"] - s1["t"]) * 1000)
        if rec["after_ms"] < 500:
            rec["setup"] = "only %d ms of traffic after the split (the set-up took %d ms of the traffic's time)" % (
                rec["after_ms"], round((s1["t"] - t_traffic[0]) * 1000))
        _, err = iperf.communicate(timeout=120)
        drops1 = hop_drops(a.lab)
        rec["hop_drops"] = None if drops0 is None or drops1 is None else drops1 - drops0
        hog.stop()
        hogs.remove(hog)
        if iperf.returncode != 0:
            rec["setup"] = "vsx-lab iperf failed (%d): %s" % (iperf.returncode, err.strip()[-300:])
        res = json.load(open(ipath))
        # Pair i listens on port BASE+i; the rules name their ports.
        m = re.search(r"--port\s+(\d+)", " ".join(iperf_args))
        base = int(m.group(1)) if m else 5201
        rule_of_port = {p: r for r, p in ports.items()}
        per = []
        for i, p in enumerate(res["pairs"]):
            r = rule_of_port.get(base + i)
            per.append({"pair": "%s>%s" % (p["src"], p["dst"]), "port": base + i, "rule": r,
                        "moved": r in moved, "out_of_order": p["out_of_order"],
                        "loss_pct": p["loss_pct"], "received_mbps": p["received_mbps"],
                        "jitter_ms": p["jitter_ms"], "error": p["error"]})
        rec["pairs"] = per
        ooo = [p["out_of_order"] for p in per]
        rec["ooo_all"] = None if None in ooo else sum(ooo)
        mv = [p["out_of_order"] for p in per if p["moved"]]
        rec["ooo_moved"] = None if None in mv else sum(mv)
        losses = [p["loss_pct"] for p in per if p["loss_pct"] is not None]
        rec["loss_pct"] = round(sum(losses) / len(losses), 2) if losses else None
        mbps = [p["received_mbps"] for p in per if p["received_mbps"] is not None]
        rec["received_mbps"] = round(sum(mbps), 1) if mbps else None
        jit = [p["jitter_ms"] for p in per if p["jitter_ms"] is not None]
        rec["jitter_ms"] = max(jit) if jit else None
        fm0, fm2 = s0["flow_moved"], s2["flow_moved"]
        rec["flow_moved"] = None if fm0 is None or fm2 is None else fm2 - fm0
        # Where the work ran: before the split (t0 to settle or window end) and after it.
        for name, x, y in (("step", s0, s1), ("after", s1, s2)):
            rec["kt_ms_" + name] = {str(c): round((y["kt"][c] - x["kt"][c]) / 1e6, 1) for c in (C, D)}
            rec["pk_" + name] = {str(c): y["pk"][c] - x["pk"][c] for c in (C, D)}
        # What the load step's job got done after the split, in million loop iterations per
        # second: with the steered work moved away it has the core to itself.
        rec["job_mips_after"] = None if s1["hog"] is None or s2["hog"] is None else \
            round((s2["hog"] - s1["hog"]) / 1e6 / (s2["t"] - s1["t"]), 3)
    except (TimeoutError, RuntimeError) as e:
        if rec["setup"] == "ok":
            rec["setup"] = str(e)
    finally:
        for h in hogs:
            h.stop()
        if iperf and iperf.poll() is None:
            if rec["setup"] != "ok":  # nothing to measure: stop the traffic now
                iperf.send_signal(signal.SIGTERM)
            iperf.wait(timeout=120)
        tl.close()
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if rec["setup"] != "ok" and "pairs" not in rec:
        print("setup failed%s: %s" % (" (machine busy)" if rec.get("busy") else "", rec["setup"]))
        return 1
    print("rules on C %s, moved %s, first %s ms, settle %s ms, flow_moved %s, out-of-order moved %s all %s, "
          "loss %s %%, %s Mb/s, kthread after C/D %s/%s ms" % (
              rec["at_c"], rec["moved_rules"], rec["first_ms"] if rec["first_ms"] is not None else "-",
              rec["settle_ms"] if rec["settle_ms"] is not None else "-",
              rec["flow_moved"], rec["ooo_moved"], rec["ooo_all"], rec["loss_pct"],
              rec["received_mbps"], rec["kt_ms_after"][str(C)], rec["kt_ms_after"][str(D)]))
    return 0 if rec["setup"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
