"""PNG bar charts of result tables through gnuplot (Debian's gnuplot-nox, pngcairo terminal).

One bar per row, or clustered bars when the plot names a series column; whiskers from the low/high
columns when the plot has them. The data file and script are kept beside the PNG so a reader can
re-render or restyle a chart without running the benchmark again.
"""
import subprocess

from .core import Plot, Table


def _quote(text):
    return '"' + str(text).replace('"', "'") + '"'


def _number(value):
    return "NaN" if value is None else repr(float(value))


def _single_series(plot: Plot, table: Table):
    lines = []
    for row in table.rows:
        cells = [_quote(row[plot.label_column]), _number(row[plot.value_column])]
        if plot.low_column:
            cells += [_number(row[plot.low_column]), _number(row[plot.high_column])]
        lines.append(" ".join(cells))
    if plot.low_column:
        return lines, "plot '{data}' using 2:3:4:xticlabels(1) notitle lc rgb '#3a6ea5'"
    return lines, "plot '{data}' using 2:xticlabels(1) notitle lc rgb '#3a6ea5'"


def _clustered(plot: Plot, table: Table):
    groups, series = [], []
    values = {}
    for row in table.rows:
        g, s = row[plot.label_column], row[plot.series_column]
        if g not in groups:
            groups.append(g)
        if s not in series:
            series.append(s)
        values[(g, s)] = row
    per = 3 if plot.low_column else 1
    lines = []
    for g in groups:
        cells = [_quote(g)]
        for s in series:
            row = values.get((g, s), {})
            cells.append(_number(row.get(plot.value_column)))
            if plot.low_column:
                cells += [_number(row.get(plot.low_column)), _number(row.get(plot.high_column))]
        lines.append(" ".join(cells))
    parts = []
    for i, s in enumerate(series):
        first = 2 + i * per
        cols = f"{first}:{first + 1}:{first + 2}" if plot.low_column else f"{first}"
        xtic = ":xticlabels(1)" if i == 0 else ""
        parts.append(f"'{{data}}' using {cols}{xtic} title {_quote(s)}")
    return lines, "plot " + ", ".join(parts)


def render(plot: Plot, table: Table, out_dir):
    """Writes <stem>.dat, <stem>.gp and the PNG into out_dir; returns the PNG path."""
    stem = plot.file.rsplit(".", 1)[0]
    data_path, script_path, png_path = out_dir / f"{stem}.dat", out_dir / f"{stem}.gp", out_dir / plot.file
    lines, plot_command = (_clustered if plot.series_column else _single_series)(plot, table)
    data_path.write_text("\n".join(lines) + "\n")
    histogram = "errorbars gap 1 lw 1.5" if plot.low_column else "clustered gap 1"
    script = f"""\
set terminal pngcairo size 1100,600 noenhanced font "sans,11"
set output {_quote(png_path)}
set title {_quote(plot.title)}
set ylabel {_quote(plot.ylabel)}
set style data histogram
set style histogram {histogram}
set style fill solid 0.75 border -1
set boxwidth 0.8
set yrange [0:*]
set grid ytics
{f'set format y {_quote(plot.yformat)}' if plot.yformat else ''}
set xtics rotate by -20 nomirror
set key top right
{plot_command.format(data=data_path)}
"""
    script_path.write_text(script)
    p = subprocess.run(["gnuplot", str(script_path)], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"gnuplot failed on {script_path}: {p.stderr.strip()}")
    return png_path
