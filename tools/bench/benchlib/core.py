"""What every benchmark module shares: the run context, the result tables it returns, and the
statistics and text formatting the report uses.

A benchmark module (one file per benchmark under benchlib/) exposes NAME, TITLE and
run(ctx) -> list[Table]. It builds its own lab, measures, and tears the lab down; the entry point
(bench.py) only collects tables, prints them, writes JSON/CSV and asks for plots.
"""
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Context:
    """What a benchmark module gets from the entry point."""
    quick: bool
    results_dir: Path
    work_dir: Path  # scratch space (configs, process logs); not part of the results
    generator_cpu: int
    control_cpu: int
    cases: list = field(default_factory=list)  # packet-rate cases to run (empty: all)

    def log(self, message):
        print(f"  {message}", flush=True)


@dataclass
class Plot:
    """A gnuplot rendering of one table: bars of `value` per row label, optional min/max whiskers.

    series: for clustered bars, the column whose distinct values become the bar colours (the rows
    then need a `group` column naming the cluster); None gives one bar per row.
    """
    file: str
    title: str
    ylabel: str
    label_column: str
    value_column: str
    low_column: str = None
    high_column: str = None
    series_column: str = None
    yformat: str = None  # gnuplot `set format y`, e.g. "%.0s%c" for 250k


@dataclass
class Table:
    name: str  # file stem of the CSV: letters, digits, underscores
    title: str
    columns: list  # [(key, header)]; rows are dicts keyed by `key`
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # one sentence each: what the figures cross, caveats
    plots: list = field(default_factory=list)


def summary(samples):
    """median, min and max of a list of numbers (the report's three figures per case)."""
    if not samples:
        raise ValueError("no samples to summarise")
    return statistics.median(samples), min(samples), max(samples)


def format_cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_text_table(table):
    headers = [h for _, h in table.columns]
    body = [[format_cell(row.get(k)) for k, _ in table.columns] for row in table.rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    numeric = [all(_looks_numeric(r[i]) for r in body) for i in range(len(headers))]

    def line(cells):
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [table.title, line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    out += [f"  * {n}" for n in table.notes]
    return "\n".join(out)


def render_markdown_table(table):
    headers = [h for _, h in table.columns]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(format_cell(row.get(k)) for k, _ in table.columns) + " |" for row in table.rows]
    return "\n".join(out)


def _looks_numeric(text):
    return text == "-" or text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def cpu_count():
    return os.cpu_count() or 1
