"""The daily-volume chart: an SVG from matplotlib, Chinese text drawn as paths, many matters folded."""

from datetime import date, timedelta

from bot.reporting.charts import _chinese_fonts, daily_volume_svg


def test_the_chart_is_an_svg_with_every_day_and_at_most_nine_series():
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    series = {f"c{i}": [i % 3] * 30 for i in range(12)}
    svg = daily_volume_svg(days, series, {code: f"类别{code}" for code in series}).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('id="PolyCollection_') == 9  # eight matters and 其他


def test_an_empty_range_says_so():
    assert b"<svg" in daily_volume_svg([date(2026, 11, 1)], {}, {})


def test_a_chinese_font_is_found_on_this_machine():
    assert _chinese_fonts() is not None  # Debian's fonts-noto-cjk, installed by `make browser`
