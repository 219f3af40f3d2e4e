"""Draw evals/scale/results.json: query latency and ingestion throughput against corpus size (PNG).

    .venv/bin/python evals/scale/plot.py [--results evals/scale/results.json --out evals/scale/scale.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("dense", "bm25", "hybrid")
COLOURS = {"dense": "tab:blue", "bm25": "tab:orange", "hybrid": "tab:green"}


def plot(results: dict, out: Path) -> Path:
    """Two panels, log-scaled sizes: p50/p95 latency per mode and store, and chunks per second."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(((int(size), row) for size, row in results["sizes"].items() if int(size) >= 1000),
                  key=lambda item: item[0])
    sizes = [size for size, _ in rows]
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(13, 5))
    for store, style in (("embedded", "-"), ("server", "--")):
        measured = [(size, row[store]["query"]) for size, row in rows if row.get(store)]
        for mode in MODES:
            at = [size for size, _ in measured]
            p95 = [query[mode]["p95_ms"] for _, query in measured]
            p50 = [query[mode]["p50_ms"] for _, query in measured]
            latency.plot(at, p95, style, marker="o", color=COLOURS[mode], label=f"{mode} p95 ({store})")
            latency.plot(at, p50, style, marker=".", color=COLOURS[mode], alpha=0.4)
    latency.set(xscale="log", yscale="log", xlabel="chunks in the store", ylabel="query latency (ms)",
                title="Retrieval latency (p95 bold, p50 faint; query embedding included)")
    latency.legend(fontsize=7, ncol=2)
    latency.grid(True, which="both", alpha=0.3)

    throughput.plot(sizes, [row["encode"]["chunks_per_s"] for _, row in rows], "k-", marker="o",
                    label="bare model encode")
    throughput.plot(sizes, [row["embedded"]["ingest"]["chunks_per_s"] for _, row in rows], "-", marker="o",
                    color="tab:purple", label="ingest pipeline (embedded store)")
    served = [(size, row["server"]["ingest"]) for size, row in rows
              if row.get("server") and not row["server"]["ingest"].get("copied")]
    if served:
        throughput.plot([s for s, _ in served], [r["chunks_per_s"] for _, r in served], "--", marker="o",
                        color="tab:purple", label="ingest pipeline (Chroma server)")
    throughput.set(xscale="log", xlabel="chunks in the store", ylabel="chunks per second",
                   title="Ingestion throughput vs the bare model", ylim=(0, None))
    throughput.legend(fontsize=8)
    throughput.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def markdown_table(results: dict) -> str:
    """The results as the markdown tables of evals/SCALE.md."""
    rows = sorted(((int(size), row) for size, row in results["sizes"].items()), key=lambda item: item[0])
    lines = ["| chunks | bare encode (chunks/s) | ingest embedded (chunks/s) | ingest server (chunks/s) | "
             "BM25 build (s) | store MB (embedded / server) | load avg before / after |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for _size, row in rows:
        served = (row.get("server") or {}).get("ingest")
        server_rate = "not run" if served is None else "copied" if served.get("copied") else \
            f"{served['chunks_per_s']}"
        server_mb = row["server"]["store_mb"] if row.get("server") else "-"
        lines.append(f"| {row['chunks']:,} | {row['encode']['chunks_per_s']} | "
                     f"{row['embedded']['ingest']['chunks_per_s']} | {server_rate} | "
                     f"{row['embedded']['ingest']['bm25_build_seconds']} | "
                     f"{row['embedded']['store_mb']} / {server_mb} | "
                     f"{row['load_before'][0]} / {row['load_after'][0]} |")
    lines += ["", "| chunks | store | dense p50 / p95 ms | BM25 p50 / p95 ms | hybrid p50 / p95 ms | "
                  "hybrid top-5 right-document rate |", "|---:|---|---:|---:|---:|---:|"]
    for _size, row in rows:
        for store in ("embedded", "server"):
            if not row.get(store):
                continue
            query = row[store]["query"]
            cells = " | ".join(f"{query[m]['p50_ms']} / {query[m]['p95_ms']}" for m in MODES)
            lines.append(f"| {row['chunks']:,} | {store} | {cells} | {query['hybrid_top5_doc_hit_rate']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--out", type=Path, default=HERE / "scale.png")
    parser.add_argument("--markdown", action="store_true", help="Also print the results as markdown tables.")
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    print(plot(results, args.out))
    if args.markdown:
        print(markdown_table(results))


if __name__ == "__main__":
    main()
