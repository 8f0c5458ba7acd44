#!/usr/bin/env python3
"""Parsing, measuring and reporting for bench/run.sh.

Subcommands (each prints "key value" lines that run.sh appends to a
tunnel's result file, unless said otherwise):

  ping PREFIX FILE            p50, p99, loss from ping's per-reply lines
  tcp PREFIX FILE             iperf3 -J TCP client output
  udp PREFIX FILE             iperf3 -J UDP client output
  ticks PID...                utime+stime of the processes, in clock ticks
  hwm PID...                  largest VmHWM of the processes, in kB
  speed FILE                  openssl speed -mr output
  genconf N OUT KEYFILE DEV TUND   a tund.conf with N generated peers
  startup NS TUND CONF RUNS   start-up time and RSS of tund (median of RUNS)
  iperf_load PREFIX FILE PKTS DROPS   iperf3 -J UDP client output, with the
                              packets the interface passed and dropped
  threadcpu OUT PID N SECONDS LOG   CPU seconds of the N youngest threads
                              of tund (PID or its child) in the middle
                              of its load run; "key value" lines to OUT
  tund_load PREFIX JSON CPU   tund's load report (one run) and threadcpu
  report RESDIR JSON SECONDS  the table on stdout, the results as JSON
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time


def emit(prefix, key, value):
    if value is None:
        value = "-"
    elif isinstance(value, float):
        value = "%.6g" % value
    print("%s%s %s" % (prefix, key, value))


def pct(sorted_vals, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1,
                   int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def cmd_ping(prefix, path):
    rtts, sent, recv = [], None, None
    try:
        text = open(path).read()
    except OSError:
        text = ""
    for m in re.finditer(r"icmp_seq=\d+ .*?time=([0-9.]+) ms", text):
        rtts.append(float(m.group(1)))
    m = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    if m:
        sent, recv = int(m.group(1)), int(m.group(2))
    rtts.sort()
    emit(prefix, "p50_ms", pct(rtts, 50))
    emit(prefix, "p99_ms", pct(rtts, 99))
    emit(prefix, "n", len(rtts))
    emit(prefix, "loss_pct",
         100.0 * (sent - recv) / sent if sent else None)


def load_iperf(path):
    try:
        d = json.load(open(path))
    except (OSError, ValueError) as e:
        return None, "no iperf3 output (%s)" % e.__class__.__name__
    if "error" in d:
        return None, d["error"]
    return d, None


def cmd_tcp(prefix, path):
    d, err = load_iperf(path)
    if d is None:
        emit(prefix, "error", json.dumps(err))
        return
    r = d["end"]["sum_received"]
    s = d["end"]["sum_sent"]
    emit(prefix, "gbps", r["bits_per_second"] / 1e9)
    emit(prefix, "bytes", r["bytes"])
    emit(prefix, "retransmits", s.get("retransmits"))


def cmd_udp(prefix, path):
    d, err = load_iperf(path)
    if d is None:
        emit(prefix, "error", json.dumps(err))
        return
    s = d["end"]["sum_sent"]
    r = d["end"]["sum_received"]
    plen = d["start"]["test_start"].get("blksize", 64) or 64
    sent = s["packets"]
    # The receiver's "packets" is its highest sequence number; what it
    # actually got is its byte count over the payload length.
    got = r["bytes"] // plen
    emit(prefix, "sent_kpps", sent / s["seconds"] / 1e3)
    emit(prefix, "dlvd_kpps", got / r["seconds"] / 1e3)
    emit(prefix, "lost_pct", 100.0 * (sent - got) / sent if sent else None)


def proc_ticks(pid):
    with open("/proc/%s/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14 and stime 15.
    return int(rest[11]) + int(rest[12])


def proc_status(pid, key):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def cmd_ticks(pids):
    total = 0
    for p in pids:
        try:
            total += proc_ticks(p)
        except OSError:
            pass
    print(total)


def cmd_hwm(pids):
    vals = []
    for p in pids:
        try:
            vals.append(proc_status(p, "VmHWM"))
        except OSError:
            pass
    vals = [v for v in vals if v is not None]
    print(max(vals) if vals else "-")


def cmd_speed(path):
    sizes, rates = [], []
    for line in open(path):
        if line.startswith("+H:"):
            sizes = [int(x) for x in line.strip().split(":")[1:]]
        elif line.startswith("+F:"):
            rates = [float(x) for x in line.strip().split(":")[3:]]
    for n, r in zip(sizes, rates):
        emit("", "chacha_%d_MBps" % n, r / 1e6)


def b64(raw):
    import base64
    return base64.b64encode(raw).decode()


def pubkeys(n, tund):
    """n public keys of fresh key pairs."""
    try:
        from cryptography.hazmat.primitives.asymmetric.x25519 import \
            X25519PrivateKey
        from cryptography.hazmat.primitives import serialization
        raw = serialization.Encoding.Raw
        fmt = serialization.PublicFormat.Raw
        return [b64(X25519PrivateKey.generate().public_key()
                    .public_bytes(raw, fmt)) for _ in range(n)], "cryptography"
    except ImportError:
        out = []
        for _ in range(n):
            k = subprocess.run([tund, "genkey"], capture_output=True,
                               check=True).stdout
            out.append(subprocess.run([tund, "pubkey"], input=k,
                                      capture_output=True, check=True)
                       .stdout.decode().strip())
        return out, "tund genkey"


def cmd_genconf(n, out, keyfile, dev, tund):
    n = int(n)
    keys, how = pubkeys(n, tund)
    lines = ["[Interface]",
             "PrivateKey = " + open(keyfile).read().strip(),
             "ListenPort = 51820",
             "Address = 198.18.255.1/24",
             "Device = " + dev, ""]
    for i, k in enumerate(keys):
        # Distinct /32s in 198.19.0.0/16 (RFC 2544), 250 per /24.
        lines += ["[Peer]", "PublicKey = " + k,
                  "AllowedIPs = 198.19.%d.%d/32" % (4 + i // 250, 1 + i % 250),
                  ""]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines))
    print(how)


def start_once(ns, tund, conf, log):
    """Start tund, return (seconds to 'listening', VmRSS kB, VmHWM kB)."""
    with open(log, "w") as lf:
        t0 = time.monotonic()
        p = subprocess.Popen(["ip", "netns", "exec", ns, tund, "-d", "-f",
                              conf], stdout=lf, stderr=lf)
    up, rss, hwm = None, None, None
    try:
        deadline = t0 + 30
        while time.monotonic() < deadline and p.poll() is None:
            with open(log) as lf:
                if "listening on UDP port" in lf.read():
                    up = time.monotonic() - t0
                    break
            time.sleep(0.002)
        if up is not None:
            time.sleep(1.0)
            rss = proc_status(p.pid, "VmRSS")
            hwm = proc_status(p.pid, "VmHWM")
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
    return up, rss, hwm


def cmd_startup(ns, tund, conf, runs):
    ups, rsss, hwms = [], [], []
    for i in range(int(runs)):
        up, rss, hwm = start_once(ns, tund, conf, conf + ".log%d" % i)
        if up is None:
            sys.stderr.write("tund did not start with %s:\n%s" %
                             (conf, open(conf + ".log%d" % i).read()[-2000:]))
            emit("", "startup_s", None)
            return
        ups.append(up)
        rsss.append(rss)
        hwms.append(hwm)
        time.sleep(0.3)
    emit("", "startup_s", statistics.median(ups))
    emit("", "startup_max_s", max(ups))
    emit("", "rss_kb", int(statistics.median(rsss)))
    emit("", "hwm_kb", int(statistics.median(hwms)))


def cmd_iperf_load(prefix, path, pkts, drops):
    """iperf3 as a load: what its sockets took, what the device passed."""
    d, err = load_iperf(path)
    if d is None:
        emit(prefix, "error", json.dumps(err))
        return
    s = d["end"]["sum_sent"]
    secs = s["seconds"]
    cpu = d["end"].get("cpu_utilization_percent", {}).get("host_total")
    emit(prefix, "offered_kpps", s["packets"] / secs / 1e3)
    emit(prefix, "passed_kpps", int(pkts) / secs / 1e3)
    emit(prefix, "tx_dropped", int(drops))
    emit(prefix, "us_per_pkt", cpu / 100 * secs / s["packets"] * 1e6
         if cpu and s["packets"] else None)


def thread_stats(pid):
    """{tid: (start time, utime + stime)} of a process, in clock ticks."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            f = open("/proc/%d/task/%s/stat" % (pid, t)).read()
        except OSError:
            continue
        x = f[f.rfind(")") + 2:].split()
        out[t] = (int(x[19]), int(x[11]) + int(x[12]))
    return out


def tund_under(pid):
    """pid, or its child: timeout(1) runs tund as one."""
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            f = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        if int(f[f.rfind(")") + 2:].split()[1]) == pid:
            return int(p)
    return pid


def cmd_threadcpu(out, pid, n, seconds, log):
    """The senders' CPU time: the n youngest threads, once the run is on."""
    pid, n, secs = int(pid), int(n), float(seconds)
    end = time.time() + 30
    while time.time() < end:
        try:
            if "load: %d thread" % n in open(log).read():
                break
        except OSError:
            pass
        time.sleep(0.05)
    window = secs - 0.8
    if window < 0.5:
        return
    try:
        time.sleep(0.3)
        tid = tund_under(pid)
        a, t0 = thread_stats(tid), time.time()
        time.sleep(window)
        b, t1 = thread_stats(tid), time.time()
    except OSError:
        return
    young = sorted(b, key=lambda t: (b[t][0], int(t)))[-n:]
    clk = os.sysconf("SC_CLK_TCK")
    with open(out, "w") as f:
        f.write("cpu_s %g\nwindow_s %g\n" % (
            sum(b[t][1] - a.get(t, b[t])[1] for t in young) / clk, t1 - t0))


def cmd_tund_load(prefix, path, cpu):
    """tund's load report (one run) and its senders' CPU time."""
    try:
        r = json.load(open(path))["runs"][0]
    except (OSError, ValueError, KeyError, IndexError) as e:
        emit(prefix, "error", json.dumps("no load report (%s)" %
                                         e.__class__.__name__))
        return
    acc = r["total"]["accepted_pps"]
    emit(prefix, "offered_kpps", acc / 1e3)
    emit(prefix, "passed_kpps", r["pulled_pps"] / 1e3)
    emit(prefix, "tx_dropped", r["interface_tx_dropped"])
    c = readkv(cpu)
    emit(prefix, "us_per_pkt", c["cpu_s"] / c["window_s"] / acc * 1e6
         if c.get("cpu_s") is not None and c.get("window_s") and acc
         else None)


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def load_lines(load, targets):
    """The load step's table and its targets (issue 5): medians of rounds."""
    rounds = range(1, (load.get("rounds") or 1) + 1)

    def col(tool, n, key):
        return [load.get("r%d_%s%d_%s" % (r, tool, n, key)) for r in rounds]

    def ratios(n):
        return [b / a if a and b else None for a, b in
                zip(col("iperf", n, "offered_kpps"),
                    col("tund", n, "offered_kpps"))]

    def f(v, fmt):
        return fmt % v if v is not None else "-"

    out = ["load: 64-byte UDP payloads into tund's interface (Threads = %s "
           "both ends), median of %d round%s" % (
               load.get("tunnel_threads", "?"), len(rounds),
               "s" if len(rounds) > 1 else ""),
           "  %-22s%10s%10s%11s%12s%8s" % (
               "", "offered", "passed", "tx drops", "CPU us/pkt",
               "ratio"),
           "  %-22s%10s%10s%11s%12s" % ("", "kpps", "kpps", "a run", "")]
    rows = [("iperf", 1, "iperf3 -P 1"), ("tund", 1, "tund -L threads=1"),
            ("iperf", 2, "iperf3 -P 2"), ("tund", 2, "tund -L threads=2"),
            ("drain", 1, "tund, no peer: drain")]
    for tool, n, label in rows:
        x = median(ratios(n)) if tool == "tund" else None
        out.append("  %-22s%10s%10s%11s%12s%8s" % (
            label, f(median(col(tool, n, "offered_kpps")), "%.0f"),
            f(median(col(tool, n, "passed_kpps")), "%.0f"),
            f(median(col(tool, n, "tx_dropped")), "%.0f"),
            f(median(col(tool, n, "us_per_pkt")), "%.2f"),
            f(x, "%.2f")))
    errs = ["%s: %s" % (k, v) for k, v in sorted(load.items())
            if k.endswith("error") and v]
    if errs:
        out.append("  " + "; ".join(errs))
    for n in (1, 2):
        rs = ratios(n)
        x = median(rs)
        targets.append({
            "target": "load: tund senders >= 2x iperf3 -P %d" % n,
            "met": x is not None and x >= 2,
            "detail": "%s (rounds %s)" % (
                f(x, "%.2fx"), " ".join(f(v, "%.2f") for v in rs))})
    d = col("tund", 1, "tx_dropped")
    if any(v is not None for v in d):
        targets.append({
            "target": "load: drain keeps up at Threads = 1",
            "met": all(v == 0 for v in d),
            "detail": "tx drops %s" % " ".join(f(v, "%d") for v in d)})
    return out


# --- report --------------------------------------------------------------

def target_lines(title, targets):
    return [title] + ["  %-40s %-22s %s" % (
        x["target"], x["detail"], "met" if x["met"] else "NOT met")
        for x in targets]


def readkv(path):
    d = {}
    try:
        for line in open(path):
            k, _, v = line.rstrip("\n").partition(" ")
            if not k:
                continue
            if v == "-":
                d[k] = None
                continue
            try:
                d[k] = int(v)
            except ValueError:
                try:
                    d[k] = float(v)
                except ValueError:
                    try:
                        d[k] = json.loads(v)
                    except ValueError:
                        d[k] = v
    except OSError:
        pass
    return d


# (key, label, lower is better, format)
ROWS = [
    ("tcp1_gbps", "TCP 1 stream, Gbit/s", False, "%.2f"),
    ("tcp4_gbps", "TCP 4 streams, Gbit/s", False, "%.2f"),
    ("udp_sent_kpps", "UDP 64 B sent, kpps", False, "%.0f"),
    ("udp_dlvd_kpps", "UDP 64 B delivered, kpps", False, "%.0f"),
    ("idle_p50_ms", "ping idle p50, ms", True, "%.3f"),
    ("idle_p99_ms", "ping idle p99, ms", True, "%.3f"),
    ("load_p50_ms", "ping under TCP p50, ms", True, "%.2f"),
    ("load_p99_ms", "ping under TCP p99, ms", True, "%.2f"),
    ("cpu_s_per_gb", "CPU s/GB (TCP 1 stream)", True, "%.2f"),
    ("peak_rss_mib", "peak RSS, MiB", True, "%.1f"),
]

LABELS = {"veth": "veth", "tund-t1": "tund T=1", "tund-t2": "tund T=2",
          "wggo": "wireguard-go", "ovpn-aes": "ovpn AES-GCM",
          "ovpn-chacha": "ovpn ChaCha"}


def derive(r, clk):
    for which in ("tcp1", "tcp4"):
        b, t = r.get(which + "_bytes"), r.get(which + "_cpu_ticks")
        if b and t is not None and r.get("has_cpu"):
            r[which + "_cpu_s_per_gb"] = (t / clk) / (b / 1e9)
    r["cpu_s_per_gb"] = r.get("tcp1_cpu_s_per_gb")
    if r.get("peak_rss_kb"):
        r["peak_rss_mib"] = r["peak_rss_kb"] / 1024.0


def fmt_cell(v, ref, f):
    if v is None:
        return "-"
    s = f % v
    if ref:
        s += " (%.2f)" % (v / ref)
    return s


def cmd_report(resdir, jpath, seconds):
    clk = os.sysconf("SC_CLK_TCK")
    order = [l.strip() for l in open(os.path.join(resdir, "order"))
             if l.strip()]
    res = {n: readkv(os.path.join(resdir, n + ".kv")) for n in order}
    for r in res.values():
        derive(r, clk)
    ref = next((n for n in ("tund-t2", "tund-t1")
                if n in res and res[n].get("up")), None)
    machine = readkv(os.path.join(resdir, "machine.kv"))
    crypto = readkv(os.path.join(resdir, "crypto.kv"))
    peers = readkv(os.path.join(resdir, "peers.kv"))
    load = readkv(os.path.join(resdir, "load.kv"))

    out = []
    if order:
        w = 15
        head = "%-25s" % "metric" + "".join("%*s" % (w, LABELS.get(n, n))
                                             for n in order)
        out.append(head)
        out.append("-" * len(head))
        for key, label, _, f in ROWS:
            line = "%-25s" % label
            for n in order:
                r = res[n]
                if not r.get("up"):
                    cell = "not up" if key == ROWS[0][0] else ""
                elif key in ("cpu_s_per_gb", "peak_rss_mib") and \
                        not r.get("has_cpu"):
                    cell = "n/a"
                else:
                    refv = res[ref].get(key) if ref else None
                    cell = fmt_cell(r.get(key), refv, f)
                line += "%*s" % (w, cell)
            out.append(line)
        out.append("-" * len(head))
        if ref:
            out.append("(x.xx) = value / %s's value, same run; above 1 is "
                       "more throughput, or more latency/CPU/memory"
                       % LABELS[ref])
    for n in order:
        r = res[n]
        errs = [k + ": " + str(v) for k, v in r.items()
                if k.endswith("error") and v]
        if not r.get("up"):
            errs.insert(0, "did not come up")
        if errs:
            out.append("%s: %s" % (LABELS.get(n, n), "; ".join(errs)))
    if crypto:
        out.append("ChaCha20-Poly1305, one core (openssl speed): " +
                   ", ".join("%s B %.0f MB/s" % (s, crypto[k])
                             for s in (64, 1024, 8192)
                             for k in ["chacha_%d_MBps" % s] if k in crypto
                             and crypto[k] is not None) +
                   "  (%.2f Gbit/s at 1024 B)" % (
                       crypto.get("chacha_1024_MBps", 0) * 8 / 1e3))
    if peers:
        bpp = None
        if peers.get("rss1_kb") and peers.get("rssN_kb") and peers.get("n"):
            bpp = (peers["rssN_kb"] - peers["rss1_kb"]) * 1024.0 / \
                (peers["n"] - 1)
            peers["bytes_per_peer"] = bpp
        s = "tund with %s peers: start-up %s s (1 peer: %s s), RSS %s MiB " \
            "(1 peer: %s MiB), %s bytes per peer" % (
                peers.get("n"),
                "%.3f" % peers["startupN_s"] if peers.get("startupN_s")
                is not None else "-",
                "%.3f" % peers["startup1_s"] if peers.get("startup1_s")
                is not None else "-",
                "%.1f" % (peers["rssN_kb"] / 1024.0) if peers.get("rssN_kb")
                else "-",
                "%.1f" % (peers["rss1_kb"] / 1024.0) if peers.get("rss1_kb")
                else "-",
                "%.0f" % bpp if bpp is not None else "-")
        out.append(s)

    targets = []
    if ref:
        t = res[ref]

        def ratio(key, other):
            a, b = t.get(key), res.get(other, {}).get(key)
            return a / b if a and b else None

        def tgt(name, ok, detail):
            targets.append({"target": name, "met": ok, "detail": detail})

        for other, need in (("ovpn-aes", 2), ("wggo", 3)):
            if other in res and res[other].get("up"):
                x = ratio("tcp1_gbps", other)
                tgt("TCP 1 stream >= %dx %s" % (need, LABELS[other]),
                    x is not None and x >= need,
                    "%.2fx" % x if x else "-")
        for other in ("ovpn-aes", "wggo"):
            if other in res and res[other].get("up"):
                x = ratio("udp_dlvd_kpps", other)
                tgt("UDP 64 B delivered >= 2x %s" % LABELS[other],
                    x is not None and x >= 2, "%.2fx" % x if x else "-")
                a, b = t.get("idle_p50_ms"), res[other].get("idle_p50_ms")
                tgt("idle p50 <= %s" % LABELS[other],
                    a is not None and b is not None and a <= b,
                    "%s vs %s ms" % (a, b))
        for n in ("tund-t1", "tund-t2"):
            if n in res and res[n].get("peak_rss_mib"):
                tgt("%s RSS under load < 32 MiB" % LABELS[n],
                    res[n]["peak_rss_mib"] < 32,
                    "%.1f MiB" % res[n]["peak_rss_mib"])
    if peers.get("startupN_s") is not None:
        targets.append({"target": "%d peers: start-up < 1 s" % peers["n"],
                        "met": peers["startupN_s"] < 1,
                        "detail": "%.3f s" % peers["startupN_s"]})
    if peers.get("rssN_kb"):
        targets.append({"target": "%d peers: RSS < 64 MiB" % peers["n"],
                        "met": peers["rssN_kb"] < 64 * 1024,
                        "detail": "%.1f MiB" % (peers["rssN_kb"] / 1024.0)})
    load_targets = []
    if load.get("up"):
        out.extend(load_lines(load, load_targets))
    elif load:
        out.append("load: did not come up")
    if load_targets:
        out.extend(target_lines("issue 5 targets:", load_targets))
    if targets:
        out.extend(target_lines("issue 4 targets (%s):" % (
            LABELS[ref] if ref else "tund"), targets))
    print("\n".join(out))

    doc = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds_per_test": int(seconds),
        "machine": machine,
        "reference": ref,
        "crypto_openssl_speed": crypto,
        "tunnels": {},
        "peers": peers,
        "load": load,
        "targets": targets + load_targets,
        "table": out,
    }
    for n in order:
        r = dict(res[n])
        if ref:
            r["ratio_to_tund"] = {
                k: (r[k] / res[ref][k]) if r.get(k) and res[ref].get(k)
                else None for k, _, _, _ in ROWS}
        doc["tunnels"][n] = r
    tmp = jpath + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
    os.rename(tmp, jpath)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "ping":
        cmd_ping(*args)
    elif cmd == "tcp":
        cmd_tcp(*args)
    elif cmd == "udp":
        cmd_udp(*args)
    elif cmd == "ticks":
        cmd_ticks(args)
    elif cmd == "hwm":
        cmd_hwm(args)
    elif cmd == "speed":
        cmd_speed(*args)
    elif cmd == "genconf":
        cmd_genconf(*args)
    elif cmd == "startup":
        cmd_startup(*args)
    elif cmd == "iperf_load":
        cmd_iperf_load(*args)
    elif cmd == "threadcpu":
        cmd_threadcpu(*args)
    elif cmd == "tund_load":
        cmd_tund_load(*args)
    elif cmd == "report":
        cmd_report(*args)
    else:
        sys.exit("benchlib.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
