"""tests/bench/results.py: make bench's raw data, figures and comparisons.

A benchmark's run(ctx) returns (title, markdown, ok) or (title, markdown,
ok, data), data being a JSON-serialisable dict of its raw measurements.
tools/bench turns each into a record (record()) and saves it as
build/bench/NAME.json (save()): the machine it ran on (machine()), the
markdown, every numeric cell of its tables as a metric (metrics()), and
the raw data. figures() draws each table as a figure (small multiples:
one panel a row, one bar a column) and, for the benchmarks that have a
plotter in PLOTTERS, the figures of their raw data; each as PNG and SVG
with Debian's matplotlib (tools/deps --bench). tools/bench-compare loads
two result sets (load()) and prints compare()'s ratios.
"""
import datetime
import glob
import json
import math
import os
import platform
import re
import subprocess
import sys
import textwrap

SCHEMA = "sietch-bench/1"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBIAN_PYTHON = "/usr/bin/python3"
DEFAULT_LINK = "QEMU user network (slirp), host client"
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")


# ---- Records ----

def _cmd(args):
    try:
        r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    except OSError:
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def machine(link=None):
    """Where and how a run ran: host, CPU, cores, QEMU, accelerator, link,
    commit (with "+dirty" for uncommitted changes) and date."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    qemu = (_cmd(["qemu-system-x86_64", "--version"]).splitlines() or ["unknown QEMU"])[0]
    commit = _cmd(["git", "rev-parse", "HEAD"]) or "unknown"
    if _cmd(["git", "status", "--porcelain", "--untracked-files=no"]):
        commit += "+dirty"
    return {"hostname": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "qemu": qemu,
            "accelerator": os.environ.get("ACCEL") or "tcg", "link": link or DEFAULT_LINK,
            "commit": commit, "date": datetime.datetime.now().isoformat(timespec="seconds")}


def number(cell):
    """The first number in a table cell (bold and thousands commas
    ignored), or None."""
    m = NUMBER.search(cell.replace("*", ""))
    return float(m.group(0).replace(",", "")) if m else None


def parse_tables(markdown):
    """The markdown tables in text: [{"header": [cells], "rows": [[cells]]}]."""
    tables, cur = [], None
    for line in markdown.splitlines():
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            cur = None
            continue
        cells = [c.strip() for c in line[1:-1].split("|")]
        if cur is None:
            cur = {"header": cells, "rows": []}
            tables.append(cur)
        elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
            cur["rows"].append(cells)
    return tables


def metrics(markdown):
    """Every numeric cell of the tables: {table, row, column, value, text}."""
    out = []
    for t in parse_tables(markdown):
        for row in t["rows"]:
            for col, cell in zip(t["header"][1:], row[1:]):
                v = number(cell)
                if v is not None:
                    out.append({"table": t["header"][0], "row": row[0].replace("*", ""),
                                "column": col, "value": v, "text": cell})
    return out


def record(name, title, markdown, ok, data=None, where=None):
    """One benchmark's result as saved."""
    data = data or {}
    return {"schema": SCHEMA, "bench": name, "title": title, "ok": bool(ok),
            "machine": where or machine(data.get("link")), "markdown": markdown,
            "metrics": metrics(markdown), "data": data}


def save(out_dir, rec):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{rec['bench']}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(rec, f, indent=1)  # in the order made: tables' rows and columns
    os.replace(path + ".tmp", path)
    return path


def load(path):
    """{bench: record} from a record's JSON file or a directory of them."""
    files = sorted(glob.glob(os.path.join(path, "*.json"))) if os.path.isdir(path) else [path]
    out = {}
    for p in files:
        with open(p) as f:
            try:
                rec = json.load(f)
            except ValueError:
                continue
        if isinstance(rec, dict) and rec.get("schema") == SCHEMA:
            out[rec["bench"]] = rec
    if not out:
        raise ValueError(f"no {SCHEMA} results in {path}")
    return out


# ---- Comparison ----

def _by_table(rec):
    tables = {}
    for m in rec["metrics"]:
        t = tables.setdefault(m["table"], {})
        t.setdefault(m["row"], {})[m["column"]] = m["value"]
    return tables


def _ratio(a, b):
    if a is None or b is None:
        return "-"
    if a == 0:
        return "=" if b == 0 else "new"
    return f"{b / a:.2f}x"


def compare(a, b, values=False):
    """Lines of markdown: for every benchmark, table row and column both
    result sets have, B's value over A's (with both values if values)."""
    out = []
    for side, recs in (("A", a), ("B", b)):
        r = next(iter(recs.values()))["machine"]
        out.append(f"- {side}: {r['commit']} on {r['hostname']} ({r['cpu']}, {r['cores']} cores), "
                   f"{r['qemu']}, {r['accelerator']}, {r['link']}, {r['date']}")
    for name in [n for n in a if n in b]:
        ta, tb = _by_table(a[name]), _by_table(b[name])
        out += ["", f"## {name}: {b[name]['title']} (B / A)"]
        for i, (table, rows) in enumerate(ta.items()):
            other = tb.get(table) or (list(tb.values())[i] if i < len(tb) else {})
            cols = list(dict.fromkeys(c for r in rows.values() for c in r))
            out += ["", f"| {table} | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
            for label, cells in rows.items():
                o = other.get(label, {})

                def cell(c):
                    r = _ratio(cells.get(c), o.get(c))
                    if values and c in cells and c in o:
                        r += f" ({cells[c]:,.6g} -> {o[c]:,.6g})"
                    return r
                out.append(f"| {label} | " + " | ".join(cell(c) for c in cols) + " |")
    missing = sorted(set(a) ^ set(b))
    if missing:
        out += ["", "In one result set only: " + ", ".join(missing)]
    return out


# ---- Figures ----

def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 8, "svg.fonttype": "none", "figure.dpi": 80})
    return plt


def _save(plt, fig, out_dir, stem):
    paths = []
    for ext in ("png", "svg"):
        p = os.path.join(out_dir, f"{stem}.{ext}")
        fig.savefig(p, bbox_inches="tight", metadata={"Date": None} if ext == "svg" else None)
        paths.append(p)
    plt.close(fig)
    return paths


def _wrap(s, width):
    return "\n".join(textwrap.wrap(s.replace("*", ""), width)) or s


def plot_table(plt, table, title):
    """One markdown table as small multiples: a panel per numeric row,
    a bar per column; None if it has no numbers."""
    rows = [r for r in table["rows"] if any(number(c) is not None for c in r[1:])][:30]
    if not rows:
        return None
    cols = table["header"][1:]
    ncols = min(3, len(rows))
    nrows = math.ceil(len(rows) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.3 * nrows), squeeze=False)
    for ax, row in zip(axes.flat, rows):
        vals = [number(c) for c in row[1:len(cols) + 1]]
        ax.bar(range(len(vals)), [v if v is not None else 0 for v in vals],
               color=[f"C{i}" for i in range(len(vals))])
        ax.set_xticks(range(len(vals)))
        ax.set_xticklabels([_wrap(c, 12) for c in cols[:len(vals)]], fontsize=6)
        ax.set_title(_wrap(row[0], 48), fontsize=7)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    fig.suptitle(_wrap(f"{title}: {table['header'][0]}", 100))
    fig.tight_layout()
    return fig


def plot_net_latency(plt, data):
    """Latency CDFs, one line a path: back to back, and with the servers
    asleep."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, key, what in ((axes[0], "latency_us", "back to back"),
                          (axes[1], "idle_latency_us", "2 ms apart (servers asleep)")):
        for i, p in enumerate(data["paths"]):
            rtts = sorted(data.get(key, {}).get(p["key"]) or [])
            if rtts:
                ax.step(rtts, [(j + 1) / len(rtts) for j in range(len(rtts))], where="post",
                        label=p["name"], color=f"C{i}")
        ax.set_xscale("log")
        ax.set_xlabel("round trip, 64 B (us)")
        ax.set_ylabel("fraction of round trips")
        ax.set_title(f"UDP echo latency, {what}")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    _link_title(fig, data)
    fig.tight_layout()
    return fig


def _link_title(fig, data):
    """The host client's link above a figure of its results, where the data names it."""
    if data.get("link"):
        fig.suptitle(f"host client; link: {data['link']}", fontsize=8)


def plot_net_throughput(plt, data):
    """Echoes/s and Mbit/s against datagram size, one line a path."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    sizes = data["sizes"]
    for i, p in enumerate(data["paths"]):
        t = data.get("throughput", {}).get(p["key"])
        if not t:
            continue
        pts = [(s, t[str(s)]) for s in sizes if str(s) in t]
        axes[0].plot([s for s, _ in pts], [v["echoes_s"] for _, v in pts], "o-",
                     label=p["name"], color=f"C{i}")
        axes[1].plot([s for s, _ in pts], [v["mbit_s"] for _, v in pts], "o-",
                     label=p["name"], color=f"C{i}")
    for ax, what in ((axes[0], "echoes per second"), (axes[1], "Mbit/s of payload, each way")):
        ax.set_xlabel("UDP payload (bytes)")
        ax.set_ylabel(what)
        ax.set_xticks(sizes)
        ax.grid(alpha=0.3)
    axes[0].set_title("UDP echo throughput")
    axes[0].legend(fontsize=7)
    _link_title(fig, data)
    fig.tight_layout()
    return fig


def plot_instructions(plt, data):
    """Guest instructions per echo, stacked by phase, a bar a path."""
    ins = data.get("instructions")
    if not ins:
        return None
    cols = ins["columns"]
    order = [p["name"] for p in data.get("paths", [])]  # Linux first, then the paths
    names = sorted(cols, key=lambda n: (n not in order[-1:], order.index(n) if n in order else 99))
    phases = ins.get("rows") or list(dict.fromkeys(ph for c in cols.values() for ph in c))
    fig, ax = plt.subplots(figsize=(8.5, 4))
    bottom = [0.0] * len(names)
    hatches = ["", "//", "..", "xx"]
    for i, ph in enumerate(phases):
        vals = [cols[n].get(ph, 0) for n in names]
        if not any(vals):
            continue
        ax.bar(range(len(names)), vals, bottom=bottom, label=_wrap(ph, 45),
               color=f"C{i % 10}", hatch=hatches[i // 10 % 4], edgecolor="white", linewidth=0.5)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for x, total in enumerate(bottom):
        ax.text(x, total, f"{total:,.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([_wrap(n, 14) for n in names])
    ax.set_ylabel("guest instructions per echo (-icount)")
    ax.set_title("The cost of a 64-byte UDP echo, by phase")
    ax.legend(fontsize=6, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def plot_storage(plt, data):
    """Per path: mean latency of a 4 KiB write + flush (TCG) and guest
    instructions per operation (-icount)."""
    paths = data.get("paths") or []
    if not paths:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    names = [_wrap(p["name"], 22) for p in paths]
    x = range(len(paths))
    axes[0].bar([i - 0.2 for i in x], [p.get("mean_us") or 0 for p in paths], 0.4, label="mean")
    axes[0].bar([i + 0.2 for i in x], [p.get("median_us") or 0 for p in paths], 0.4,
                label="median")
    axes[0].set_ylabel("us per 4 KiB write + flush (TCG)")
    axes[0].legend(fontsize=7)
    axes[1].bar(x, [p.get("instructions") or 0 for p in paths], color="C2")
    axes[1].set_ylabel("guest instructions per op (-icount, polling incl.)")
    for ax in axes:
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Storage latency per path")
    fig.tight_layout()
    return fig


# Figures of a benchmark's raw data: {bench: [(file stem, plotter)]}.
PLOTTERS = {
    "net": [("latency-cdf", plot_net_latency), ("throughput", plot_net_throughput),
            ("instructions", plot_instructions)],
    "storage": [("latency", plot_storage)],
}


def figures(paths, out_dir):
    """Draw the figures of the records saved at paths (one path or a list)
    into out_dir as NAME-*.png and .svg; the figures' paths. Where this Python has no matplotlib
    (python3 on PATH need not be Debian's, which python3-matplotlib serves),
    Debian's python3 draws them; ImportError if neither can."""
    try:
        plt = _pyplot()
    except ImportError:
        if os.path.realpath(sys.executable) == os.path.realpath(DEBIAN_PYTHON) or \
                not os.path.exists(DEBIAN_PYTHON):
            raise
        paths = [paths] if isinstance(paths, str) else paths
        r = subprocess.run([DEBIAN_PYTHON, os.path.abspath(__file__), "figures", out_dir, *paths],
                           capture_output=True, text=True)
        if r.returncode == 3:
            raise ImportError("no matplotlib")
        if r.returncode != 0:
            raise RuntimeError(f"drawing the figures failed: {r.stderr.strip()[-400:]}")
        return r.stdout.split()
    if not isinstance(paths, str):
        return [f for p in paths for f in figures(p, out_dir)]
    with open(paths) as f:
        rec = json.load(f)
    name, paths = rec["bench"], []
    os.makedirs(out_dir, exist_ok=True)
    for i, t in enumerate(parse_tables(rec["markdown"]), 1):
        fig = plot_table(plt, t, rec["title"])
        if fig:
            paths += _save(plt, fig, out_dir, f"{name}-table{i}")
    for stem, plot in PLOTTERS.get(name, []):
        try:
            fig = plot(plt, rec["data"])
        except (KeyError, TypeError, ValueError):  # data without that part: no figure
            fig = None
        if fig:
            paths += _save(plt, fig, out_dir, f"{name}-{stem}")
    return paths


if __name__ == "__main__":
    # results.py figures OUT_DIR RECORD.json...: figures() in this interpreter, the figures'
    # paths on stdout (exit 3: no matplotlib here).
    if len(sys.argv) < 4 or sys.argv[1] != "figures":
        sys.exit("usage: results.py figures OUT_DIR RECORD.json...")
    try:
        _pyplot()
    except ImportError:
        sys.exit(3)
    print("\n".join(figures(sys.argv[3:], sys.argv[2])))
