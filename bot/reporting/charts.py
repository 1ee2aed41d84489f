"""Charts drawn by matplotlib (already pinned by Rasa) on the server as SVG: no CDN, no JS.

The object API (`Figure`, not pyplot) keeps no global state, so charts can be drawn in worker
threads. Text is embedded as glyph paths, so phones without Chinese fonts still read it.
"""

from __future__ import annotations

import glob
import io
from datetime import date
from functools import lru_cache
from typing import Dict, List, Sequence

MAX_SERIES = 8  # more lines than this is noise: the rest are summed as 其他


# matplotlib 3.5 (pinned by Rasa) does not scan .ttc collections, where Debian keeps its CJK fonts.
CJK_FONT_GLOBS = (
    "/usr/share/fonts/**/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/**/NotoSansCJK*.ttc",
    "/usr/share/fonts/**/wqy-zenhei.ttc",
    "/usr/share/fonts/**/*CJK*.otf",
)


@lru_cache(maxsize=1)
def _chinese_fonts() -> str | None:
    """Register the first Chinese font found; its family name, or None (the chart then shows boxes)."""
    import matplotlib
    from matplotlib import font_manager

    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"
    for pattern in CJK_FONT_GLOBS:
        for path in sorted(glob.glob(pattern, recursive=True)):
            try:
                font_manager.fontManager.addfont(path)
                family = font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
            matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
            return family
    return None


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
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # tickets come whole
    axes.set_ylabel("工单数")
    axes.set_title("每日受理量（按事项类别）", fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    return out.getvalue()
