"""Server-made SVG charts: no script, no internet, no inline style (the CSP forbids them).

Geometry is computed here and drawn by `templates/staff/_charts.html` with SVG presentation
attributes (fill, x, y…), which a Content-Security-Policy without 'unsafe-inline' allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from workflows.dashboard import UnitRate, WeekIntake
from workflows.reports import KINDS

#: One colour per kind, readable on white and distinguishable in greyscale order.
KIND_COLOURS = {"complaint": "#1f5fa8", "denunciation": "#b3261e", "recommendation": "#2e7d32",
                "feedback": "#b26a00"}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 40, 40, 10


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    href: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    xticks: list[Tick]
    yticks: list[Tick]
    baseline: float


def _nice_max(value: int) -> int:
    for step in (2, 4, 10, 20, 40, 100, 200, 400, 1000, 2000, 4000, 10000, 20000, 40000, 100000):
        if value <= step:
            return step
    return value + value % 2


def intake_chart(weeks: list[WeekIntake], kind_label: dict[str, str]) -> Chart:
    """Stacked bars, one per week; each segment links to the inbox for that kind and week."""
    top = _nice_max(max((w.total for w in weeks), default=0) or 1)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    rects, xticks = [], []
    for i, w in enumerate(weeks):
        x = LEFT + i * slot + slot * 0.15
        y = float(HEIGHT - BOTTOM)
        for kind in KINDS:
            n = w.counts.get(kind, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            qs = urlencode({"kind": kind, "received_from": w.week_start.isoformat(),
                            "received_to": w.week_end.isoformat()})
            rects.append(Rect(round(x, 1), round(y, 1), round(slot * 0.7, 1), round(h, 1), KIND_COLOURS[kind],
                              f"/inbox?{qs}", f"{kind_label[kind]} {w.week_start:%d/%m}–{w.week_end:%d/%m}: {n}"))
        xticks.append(Tick(round(x + slot * 0.35, 1), HEIGHT - BOTTOM + 16, f"{w.week_start:%d/%m}"))
    yticks = [Tick(LEFT - 6, round(HEIGHT - BOTTOM - plot_h * f, 1), str(round(top * f))) for f in (0, 0.5, 1)]
    return Chart(WIDTH, HEIGHT, rects, xticks, yticks, HEIGHT - BOTTOM)


def rate_chart(units: list[UnitRate]) -> Chart:
    """Horizontal bars of the on-time rate per unit (0–100 %); each links to the unit's met list."""
    row_h, left = 28, 300
    height = TOP + row_h * max(len(units), 1) + 20
    span = WIDTH - left - 60
    rects, names, values = [], [], []
    for i, u in enumerate(units):
        y = TOP + i * row_h
        rate = u.rate or 0.0
        fill = "#2e7d32" if rate >= 90 else "#b26a00" if rate >= 70 else "#b3261e"
        href = "/inbox?" + urlencode({"unit": u.code, "clock_state": "met"})
        rects.append(Rect(left, y + 4, round(span * rate / 100, 1), row_h - 8, fill, href,
                          f"{u.name}: {'—' if u.rate is None else f'{u.rate} %'}"))
        names.append(Tick(left - 8, y + row_h / 2 + 4, u.name if len(u.name) <= 40 else u.name[:39] + "…"))
        values.append(Tick(left + round(span * rate / 100, 1) + 6, y + row_h / 2 + 4,
                           "—" if u.rate is None else f"{u.rate} %"))
    return Chart(WIDTH, height, rects, values, names, 0)
