"""Charts drawn by matplotlib (already pinned by Rasa) on the server as SVG: no CDN, no JS.

The object API (`Figure`, not pyplot) keeps no global state, so charts can be drawn in worker
threads. Text is embedded as glyph paths, so phones without Chinese fonts still read it.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Dict, List, Sequence

MAX_SERIES = 8  # more lines than this is noise: the rest are summed as 其他


def _chinese_fonts() -> None:
    import matplotlib

    matplotlib.rcParams["font.sans-serif"] = [
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "WenQuanYi Zen Hei",
        "DejaVu Sans",
    ]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"


def daily_volume_svg(days: Sequence[date], series: Dict[str, List[int]], names: Dict[str, str]) -> bytes:
    """Stacked area of tickets per day per category: which matters rise, and when."""
    from matplotlib.figure import Figure

    _chinese_fonts()
    ranked = sorted(series.items(), key=lambda item: -sum(item[1]))
    shown = ranked[:MAX_SERIES]
    rest = ranked[MAX_SERIES:]
    if rest:
        shown.append(("__rest__", [sum(values) for values in zip(*(v for _c, v in rest), strict=True)]))
    figure = Figure(figsize=(9, 3.6), dpi=100)
    axes = figure.add_subplot()
    if shown:
        axes.stackplot(
            list(days),
            *[values for _code, values in shown],
            labels=[names.get(code, "其他") for code, _values in shown],
            alpha=0.85,
        )
        axes.legend(loc="upper left", fontsize=8, ncol=3, frameon=False)
    else:
        axes.text(0.5, 0.5, "所选范围内没有工单", ha="center", va="center", transform=axes.transAxes)
    axes.set_ylabel("工单数")
    axes.set_title("每日受理量（按事项类别）", fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    return out.getvalue()
