import pytest

from analytics.reports.charts import column_chart, nice_maximum, row_chart


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (180, 200), (501, 1000)]
)
def test_nice_maximum(value, expected):
    assert nice_maximum(value) == expected


def test_a_column_chart_scales_bars_to_the_largest_value():
    chart = column_chart("c", "Title", "Description", [("a", 5), ("b", 10), ("c", 0)])
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[2] == 0
    assert not chart.empty
    assert [tick.value for tick in chart.ticks] == [0, 2, 4, 6, 8, 10]
    small = column_chart("c", "Title", "Description", [("a", 2)])
    assert [tick.value for tick in small.ticks] == [0, 1, 2]


def test_a_chart_of_zeros_is_empty():
    assert column_chart("c", "Title", "Description", [("a", 0)]).empty
    assert row_chart("r", "Title", "Description", []).empty


def test_many_columns_show_every_nth_label():
    points = [(f"w{n}", n) for n in range(52)]
    chart = column_chart("c", "Title", "Description", points, max_labels=13)
    assert sum(bar.show_label for bar in chart.bars) == 13


def test_the_svg_is_accessible_and_escapes_labels():
    chart = row_chart("teams", "Points <by> team", "Sum", [('<script>"x"</script>', 3)])
    svg = chart.svg()
    assert 'role="img"' in svg
    assert 'aria-labelledby="teams-title teams-desc"' in svg
    assert '<title id="teams-title">Points &lt;by&gt; team</title>' in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_long_row_labels_are_shortened():
    chart = row_chart("r", "T", "D", [("A team with a really very long name indeed", 1)])
    assert chart.bars[0].label.endswith("…")
    assert len(chart.bars[0].label) <= 24
