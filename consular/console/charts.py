"""Bar charts drawn on the server as inline SVG: no chart library, no script, readable on a 360 px phone.

Each chart is laid out in a viewBox about as wide as a phone screen, so its text is legible there at scale 1
and grows with the page on a desktop. The numbers are always also in a table for screen readers."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 320
FONT = 12


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0
    value_y: float = 0
    value_anchor: str = "start"
    show_value: bool = True


@dataclass
class Tick:
    label: str
    x: float
    y: float


@dataclass
class Chart:
    """One chart: what the template draws (bars, ticks) and what it tells in words (title, description,
    rows for the data table)."""

    id: str
    title: str
    description: str
    kind: str  # "horizontal" or "vertical"
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    rows: list[tuple[str, int]] = field(default_factory=list)
    label_header: str = ""
    value_header: str = ""
    baseline_y: float = 0
    max_label: str = ""
    empty: bool = False

    @property
    def total(self) -> int:
        return sum(v for _, v in self.rows)


def horizontal(*, id: str, title: str, description: str, items: list[tuple[str, int]], label_header: str,
               value_header: str) -> Chart:
    """One row per item: its label on a line, then a bar as long as its share of the largest value, and the
    number after the bar. Labels get a whole line, so long category names never collide."""
    row_height, bar_height, label_gap = 34, 12, 4
    value_room = 44
    top = maximum = max((v for _, v in items), default=0)
    scale = (WIDTH - value_room) / top if top else 0
    chart = Chart(id=id, title=title, description=description, kind="horizontal", width=WIDTH,
                  height=max(row_height * len(items), row_height), rows=items, label_header=label_header,
                  value_header=value_header, empty=maximum == 0)
    for i, (label, value) in enumerate(items):
        y0 = i * row_height
        width = max(value * scale, 1 if value else 0)
        bar_y = y0 + FONT + label_gap
        chart.bars.append(Bar(
            label=label, value=value, x=0, y=bar_y, width=width, height=bar_height,
            label_x=0, label_y=y0 + FONT, value_x=width + 4, value_y=bar_y + bar_height - 2,
        ))
    return chart


def vertical(*, id: str, title: str, description: str, items: list[tuple[str, int]], label_header: str,
             value_header: str, tick_every: int = 1, tick_labels: list[str] | None = None,
             values_on_bars: bool = True) -> Chart:
    """Columns side by side over a baseline; a tick label under every `tick_every`-th column (or the given
    tick labels), and each column's number above it when there is room."""
    height, top_room, bottom_room, left = 170, 18, 22, 2
    plot_height = height - top_room - bottom_room
    n = max(len(items), 1)
    slot = (WIDTH - left) / n
    bar_width = max(slot * 0.7, 1.5)
    maximum = max((v for _, v in items), default=0)
    scale = plot_height / maximum if maximum else 0
    baseline = top_room + plot_height
    chart = Chart(id=id, title=title, description=description, kind="vertical", width=WIDTH, height=height,
                  rows=items, label_header=label_header, value_header=value_header, baseline_y=baseline,
                  max_label=str(maximum), empty=maximum == 0)
    for i, (label, value) in enumerate(items):
        h = max(value * scale, 1 if value else 0)
        x = left + i * slot + (slot - bar_width) / 2
        chart.bars.append(Bar(
            label=label, value=value, x=x, y=baseline - h, width=bar_width, height=h,
            value_x=x + bar_width / 2, value_y=baseline - h - 4, value_anchor="middle",
            show_value=values_on_bars and value > 0,
        ))
        if i % tick_every == 0:
            text = tick_labels[i] if tick_labels else label
            chart.ticks.append(Tick(label=text, x=x + bar_width / 2, y=height - 6))
    return chart
