"""Server-side charts: the geometry of a small SVG chart, drawn by a template. No JavaScript, no CDN."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 66, 8, 10, 24


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    baseline: float
    line: str  # the polyline's points
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def nice_ceiling(value: int, least: int = 2) -> int:
    """The smallest of 2, 4, 6, 8 or 10 × 10ⁿ at or above ``value`` (and ``least``): round ticks at 0, ½ and 1."""
    value = max(value, least)
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    return next(step * magnitude for step in (2, 4, 6, 8, 10) if step * magnitude >= value)


def chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    fmt: Callable[[int], str] = str,
    kind: str = "bars",
    least: int = 2,
) -> Chart:
    """Lay out one series: bars (or a line) over evenly spaced labels, with three round y ticks."""
    count = len(values)
    top = nice_ceiling(max(values, default=0), least)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    baseline = PAD_TOP + plot_h
    slot = plot_w / max(count, 1)

    def y(value: int) -> float:
        return round(baseline - plot_h * value / top, 1)

    def centre(index: int) -> float:
        return round(PAD_LEFT + slot * index + slot / 2, 1)

    bars = []
    if kind == "bars":
        width = round(max(slot * 0.7, 1), 1)
        bars = [
            Bar(round(centre(i) - width / 2, 1), y(v), width, round(baseline - y(v), 1), f"{labels[i]}: {fmt(v)}")
            for i, v in enumerate(values)
        ]
    line = " ".join(f"{centre(i)},{y(v)}" for i, v in enumerate(values)) if kind == "line" else ""
    every = max(1, -(-count // 8))  # at most eight labels under the axis
    x_ticks = [Tick(centre(i), HEIGHT - 6, labels[i]) for i in range(0, count, every)]
    y_ticks = [Tick(PAD_LEFT - 6, y(top * k // 2), fmt(top * k // 2)) for k in (0, 1, 2)]
    return Chart(title, WIDTH, HEIGHT, baseline, line, bars, y_ticks, x_ticks)
