"""The table make bench prints: its rows from the parts' results (figure,
shukher, gammu-smsd, ratio), kept apart from bench.py's runs of the parts.
The workload's sizes the rows name are bench.json's "settings"."""


def get(results, part, *keys):
    v = results.get(part)
    for k in keys:
        if v is None:
            return None
        v = v.get(k)
    return v


def build_rows(r, settings):
    """The rows for results r of a run with settings (bench.py's)."""
    rows = []
    burst_n, burst_window = settings["burst"], settings["burst_window_s"]
    sim_slots, send_delay = settings["sim_slots"], settings["send_delay_s"]
    thr_n = settings["throughput"]

    def row(figure, unit, s, g, lower_better=True, fmt="%.2f", note=""):
        ratio = None
        if s is not None and g is not None and s != 0:
            ratio = g / s
        better = ""
        if s is not None and g is not None and s != g:
            better = "shukher" if (s < g) == lower_better else "gammu-smsd"
            if ratio is not None and 0.9 <= ratio <= 1.1:
                better = "close"
        rows.append({"figure": figure, "unit": unit, "shukher": s,
                     "gammu_smsd": g, "ratio": ratio, "better": better,
                     "fmt": fmt, "note": note})

    for setting in ("defaults", "fast"):
        lat_g = "latency:gammu-" + setting
        for stat in ("median", "p95"):
            row("reply latency %s (gammu %s)" % (stat, setting), "s",
                get(r, "latency:shukher", stat), get(r, lat_g, stat))
    for setting in ("defaults", "fast"):
        b = "burst:gammu-" + setting
        label = "burst %d/%.0fs, gammu %s" % (burst_n, burst_window, setting)
        row("%s: time until all answered" % label, "s",
            get(r, "burst:shukher", "total_s"), get(r, b, "total_s"),
            fmt="%.0f")
        row("%s: answered" % label, "msgs",
            get(r, "burst:shukher", "answered"), get(r, b, "answered"),
            lower_better=False, fmt="%d")
        row("%s: refused, SIM full" % label, "msgs",
            get(r, "burst:shukher", "refused"), get(r, b, "refused"),
            fmt="%d")
        row("%s: highest SIM occupancy (of %d)" % (label, sim_slots),
            "slots", get(r, "burst:shukher", "max_used"),
            get(r, b, "max_used"), fmt="%d")
        row("%s: segments sent" % label, "segs",
            get(r, "burst:shukher", "segments"), get(r, b, "segments"),
            fmt="%d")
        row("%s: time / (segments x %.1f s)" % (label, send_delay), "x",
            get(r, "burst:shukher", "ratio_to_modem"),
            get(r, b, "ratio_to_modem"))
    t_s, t_g = "throughput:shukher", "throughput:gammu-busy"
    row("throughput %d, dummy driver: stored (gammu busy)" % thr_n, "msg/s",
        get(r, t_s, "stored_per_s"), get(r, t_g, "stored_per_s"),
        lower_better=False, fmt="%.1f")
    row("throughput %d, dummy driver: answered (gammu busy)" % thr_n, "msg/s",
        get(r, t_s, "answered_per_s"), get(r, t_g, "answered_per_s"),
        lower_better=False, fmt="%.1f")
    # Peak RSS from the bursts: a 30-slot SIM, as in the field (on the
    # dummy driver gammu-smsd holds every message present in memory).
    hwm = [max([x for x in (get(r, p, "hwm_kib") for p in parts) if x] or [0])
           / 1024.0 for parts in (("burst:shukher",),
                                  ("burst:gammu-defaults",
                                   "burst:gammu-fast"))]
    row("peak RSS of the daemon, burst", "MiB", hwm[0] or None,
        hwm[1] or None, fmt="%.1f")
    row("CPU per 1000 msgs, dummy driver (gammu: + its scripts)", "s",
        get(r, t_s, "cpu_s_per_1000"), get(r, t_g, "cpu_s_per_1000"))
    row("CPU per 1000 msgs, simulated modem burst (gammu defaults)", "s",
        get(r, "burst:shukher", "cpu_s_per_1000"),
        get(r, "burst:gammu-defaults", "cpu_s_per_1000"))
    row("disk bytes written per msg, dummy driver", "B",
        get(r, t_s, "bytes_per_msg"), get(r, t_g, "bytes_per_msg"),
        fmt="%.0f")
    row("disk bytes written per msg, burst (gammu defaults)", "B",
        get(r, "burst:shukher", "bytes_per_msg"),
        get(r, "burst:gammu-defaults", "bytes_per_msg"), fmt="%.0f")
    st = r.get("static") or {}
    kib = lambda v: v / 1024.0 if v else None   # noqa: E731
    row("binaries, stripped (gammu: smsd + libgsmsd + inject)", "KiB",
        kib(st.get("size_shukher")), kib(st.get("size_gammu")), fmt="%.0f")
    idle = r.get("idle:shukher,gammu-defaults,gammu-fast") or {}
    for setting in ("defaults", "fast"):
        g = idle.get("gammu-" + setting, {})
        s = idle.get("shukher", {})
        row("idle wake-ups per minute (gammu %s)" % setting, "/min",
            s.get("wakeups_per_min"), g.get("wakeups_per_min"), fmt="%.0f")
        row("idle CPU per minute (gammu %s)" % setting, "s",
            s.get("cpu_s_per_min"), g.get("cpu_s_per_min"), fmt="%.3f")
        row("idle AT commands per minute (gammu %s)" % setting, "/min",
            s.get("at_per_min"), g.get("at_per_min"), fmt="%.1f")
    rec = r.get("recovery:shukher") or {}
    for key, label in (("lost_traffic_s", "reply to a message whose notice "
                        "was lost, during traffic"),
                       ("lost_idle_s", "reply to a message whose notice "
                        "was lost, at rest (poll_interval 30 s)"),
                       ("reset_idle_s", "modem restart at rest: SMS Ready "
                        "to the next reply"),
                       ("reset_send_s", "modem restart during a send: SMS "
                        "Ready to the reply resent")):
        row(label, "s", rec.get(key), None)
    row("matching per message (gammu: sh on its RunOnReceive case)", "us",
        st.get("match_shukher_us"), st.get("match_gammu_us"))
    return rows


def fmt_value(v, fmt):
    if v is None:
        return "n/a"
    if fmt == "%d":
        return "%d" % round(v)
    return fmt % v


def print_table(rows):
    w = max(len(r["figure"]) + len(r["unit"]) + 3 for r in rows)
    head = "%-*s %10s %11s %7s  %s" % (w, "figure", "shukher", "gammu-smsd",
                                       "ratio", "better")
    print(head)
    print("-" * len(head))
    for r in rows:
        name = "%s (%s)" % (r["figure"], r["unit"])
        ratio = "n/a" if r["ratio"] is None else "%.2f" % r["ratio"]
        print("%-*s %10s %11s %7s  %s" % (w, name, fmt_value(r["shukher"], r["fmt"]),
                                          fmt_value(r["gammu_smsd"], r["fmt"]),
                                          ratio, r["better"]))
    print("ratio = gammu-smsd / shukher; 'better' names who wins "
          "('close' within 10%).")
