"""Genogram and resource map (eco-map) of a family, drawn as inline SVG.

Pages are served under a strict Content-Security-Policy, so the markup uses presentation
attributes only: no ``style``, no scripts, no event handlers, no external references. Every
label is XML-escaped. The output depends only on the input, so it can be compared in tests.
"""

from __future__ import annotations

import hashlib
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

INK, MUTED, RED, PAPER, TINT = "#222222", "#666666", "#b3261e", "#ffffff", "#eef4fb"
PEN = {"stroke": INK, "stroke_width": 2}
DASHED = {"stroke": MUTED, "stroke_width": 1.5, "stroke_dasharray": "6 4"}
TIE_PEN = {"strong": {"stroke_width": 5}, "weak": {"stroke_width": 1.5, "stroke_dasharray": "6 5"}}
FONT = {"font_family": "sans-serif", "fill": INK}
HALF = 20  # half the size of a genogram symbol
SPACING = 120  # between neighbouring symbols; labels wrap to stay inside it
ROW = 150  # between generations
LEGEND_COLUMN = 135
MAX_LINES = 4  # of a label
COUPLE_RANK = {"partner_of": 1, "separated": 2, "divorced": 3}
COUPLE_WORD = {
    "partner_of": _l("Partnerschaft"),
    "separated": _l("getrennt"),
    "divorced": _l("geschieden"),
}
SEX_WORD = {"f": _l("Frau"), "m": _l("Mann"), "d": _l("divers"), "u": _l("unbekannt")}
QUALITY_WORD = dict(
    strong=_l("stark"), weak=_l("schwach"), strained=_l("belastend"), ambivalent=_l("ambivalent")
)
KIND_WORD = {"person": _l("Person"), "service": _l("Dienst"), "institution": _l("Einrichtung")}


@dataclass(frozen=True)
class GenogramPerson:
    """One person; ``label`` is a role ("Mutter") or, for the case manager, a name."""

    key: str
    label: str
    sex: str  # "f" circle, "m" square, "d" diamond, "u" (or anything else) square with "?"
    deceased: bool = False
    in_household: bool = False
    is_index: bool = False  # the child the case is about


@dataclass(frozen=True)
class GenogramRelation:
    """``parent_of`` (a is parent of b), ``partner_of``, ``separated`` or ``divorced``."""

    kind: str
    a: str
    b: str


@dataclass(frozen=True)
class ResourceNode:
    """A resource: kind person/service/institution, quality strong/weak/strained/ambivalent."""

    label: str
    kind: str
    quality: str


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(text: str) -> str:
    """Escaped character data, without the control characters XML cannot carry at all."""
    return escape(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", str(text)))


def _el(tag: str, text: str | None = None, **attrs) -> str:
    """One element around ``text`` (markup, escaped by the caller). ``_`` in attribute names
    becomes ``-``; attribute values are quoted and escaped here."""
    parts = "".join(
        f" {name.rstrip('_').replace('_', '-')}="
        + quoteattr(_num(v) if isinstance(v, float | int) else str(v))
        for name, v in attrs.items()
    )
    return f"<{tag}{parts}/>" if text is None else f"<{tag}{parts}>{text}</{tag}>"


def _line(x1: float, y1: float, x2: float, y2: float, **attrs) -> str:
    return _el("line", x1=x1, y1=y1, x2=x2, y2=y2, **{**PEN, **attrs})


def _rect(x: float, y: float, hw: float, hh: float, **attrs) -> str:
    """Rectangle centred on (x, y)."""
    return _el("rect", x=x - hw, y=y - hh, width=2 * hw, height=2 * hh, **{**PEN, **attrs})


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{_num(px)},{_num(py)}" for px, py in points)


def _wrap(text: str, width: int) -> list[str]:
    """At most MAX_LINES lines of whole words; only a word far too long for them is broken."""
    lines = [part for line in textwrap.wrap(text, width, break_long_words=False)
             for part in textwrap.wrap(line, width + 4)] or [""]  # fmt: skip
    cut = lines[MAX_LINES - 1 : MAX_LINES]  # the last line shown, when some are left out
    return lines if len(lines) <= MAX_LINES else [*lines[: MAX_LINES - 1], cut[0][:width] + "…"]


def _label(text: str, x: float, y: float, width: int, size: int = 12, middle: bool = False) -> str:
    """Centred text (the full text is in <desc>), first baseline at ``y`` or, with ``middle``,
    centred on ``y``. A white halo keeps it legible where a line runs behind it."""
    lines = _wrap(text, width)
    if middle:
        y += size * 0.35 - (len(lines) - 1) * (size + 2) / 2
    spans = "".join(
        _el("tspan", _text(line), x=x, dy=size + 2 if i else 0) for i, line in enumerate(lines)
    )
    halo = {"stroke": PAPER, "stroke_width": 3, "paint_order": "stroke"}
    return _el("text", spans, x=x, y=y, text_anchor="middle", font_size=size, **FONT, **halo)


def _svg(kind: str, title: str, desc: str, width: float, height: float, body: list[str]) -> str:
    # ids derive from the content: deterministic, and distinct for different diagrams on a page
    ident = kind + "-" + hashlib.sha256("\n".join([title, desc, *body]).encode()).hexdigest()[:10]
    meta = _el("title", _text(title), id=f"{ident}-title")
    meta += _el("desc", _text(desc), id=f"{ident}-desc")
    box = {"viewBox": f"0 0 {_num(width)} {_num(height)}", "width": width, "height": height}
    return _el("svg", meta + "".join(body), xmlns="http://www.w3.org/2000/svg", **box, role="img",
               aria_labelledby=f"{ident}-title {ident}-desc", class_=kind)  # fmt: skip


def _legend(items: list[tuple[str, str]], top: float, width: float) -> tuple[str, float]:
    """Grid of samples (drawn around the origin) with German captions; returns its bottom."""
    columns, bottom = max(1, int((width - 20) // LEGEND_COLUMN)), top
    cells = [
        _el(
            "text",
            _text(gettext("Legende")),
            x=10,
            y=top + 4,
            font_size=12,
            font_weight="bold",
            **FONT,
        )
    ]
    for i, (sample, caption) in enumerate(items):
        x, y = 30 + (i % columns) * LEGEND_COLUMN, top + 26 + (i // columns) * 34
        cells.append(_el("g", sample, transform=f"translate({_num(x)} {_num(y)})"))
        cells.append(_el("text", _text(caption), x=x + 26, y=y + 4, font_size=12, **FONT))
        bottom = y + 22
    return _el("g", "".join(cells), class_="legend"), bottom


def _symbol(
    sex: str, x: float, y: float, h: float = HALF, fill: str = PAPER, dead: bool = False
) -> str:
    """Standard genogram symbol centred on (x, y); a deceased person's is crossed out."""
    diamond = _points([(x, y - h), (x + h, y), (x, y + h), (x - h, y)])
    mark = _el("text", "?", x=x, y=y + h * 0.4, text_anchor="middle", font_size=h * 1.1, **FONT)
    shape = {
        "f": _el("circle", cx=x, cy=y, r=h, fill=fill, **PEN),
        "d": _el("polygon", points=diamond, fill=fill, **PEN),
        "u": _rect(x, y, h, h, fill=fill) + mark,
    }.get(sex, _rect(x, y, h, h, fill=fill))
    c = h + 4
    cross = _line(x - c, y - c, x + c, y + c) + _line(x - c, y + c, x + c, y - c)
    return shape + (_el("g", cross, class_="deceased") if dead else "")


def _slashes(x: float, y: float, count: int) -> str:
    return "".join(_line(x - 5 + 8 * i, y + 8, x + 5 + 8 * i, y - 8) for i in range(count))


def _generations(keys: list[str], parents: dict, couples: dict) -> dict[str, int]:
    """Row per person: below every parent, level with partners, a parent who has no parents
    recorded right above their children. Values are capped at len(keys), so cycles end."""
    gen, cap = dict.fromkeys(keys, 0), len(keys)
    children = {k: [c for c in keys if k in parents[c]] for k in keys}
    for _ in range(3 * cap + 1):
        before = dict(gen)
        for child in keys:
            for p in parents[child]:
                gen[child] = max(gen[child], min(cap, gen[p] + 1))
        for a, b in map(tuple, couples):
            gen[a] = gen[b] = max(gen[a], gen[b])
        for k in keys:
            if children[k] and not parents[k]:
                gen[k] = max(gen[k], min(gen[c] for c in children[k]) - 1)
        if gen == before:
            break
    levels = sorted(set(gen.values()))
    return {k: levels.index(g) for k, g in gen.items()}


def _place(units: list[tuple[float, float | None]]) -> list[float]:
    """Left edges for (width, wished left edge) units, kept in order and SPACING apart.

    Colliding units merge into a block centred on their wishes (pool adjacent violators), so a
    crowded row spreads to both sides instead of drifting right. No wish: next in line."""
    blocks: list[list] = []  # [left, width, [(unit index, offset in block, wish)]]
    last_end = -SPACING
    for i, (width, wish) in enumerate(units):
        wish = last_end + SPACING if wish is None else wish
        last_end = wish + width
        blocks.append([wish, width, [(i, 0.0, wish)]])
        while len(blocks) > 1 and blocks[-1][0] < blocks[-2][0] + blocks[-2][1] + SPACING:
            (_, width_b, items_b), block = blocks.pop(), blocks[-1]
            block[2] += [(j, off + block[1] + SPACING, w) for j, off, w in items_b]
            block[1] += SPACING + width_b
            block[0] = sum(w - off for _, off, w in block[2]) / len(block[2])
    return [left + off for left, _, items in blocks for _, off, _ in sorted(items)]


def _walk(start: str, adjacent: dict[str, set[str]], row: list[str]) -> list[str]:
    """Depth-first order of the people in ``row`` linked to ``start`` by partnerships."""
    seen, stack = [], [start]
    while stack:
        m = stack.pop()
        if m not in seen:
            seen.append(m)
            stack.extend(n for n in reversed(row) if n in adjacent[m])
    return seen


def _layout(keys: list[str], gen: dict, parents: dict, couples: dict) -> dict[str, float]:
    """Horizontal centres, row by row from the top: partners side by side, children centred
    below their parents, families in the order of their parents' places (fewer crossings)."""
    adjacent = {k: {m for pair in couples if k in pair for m in pair if m != k} for k in keys}
    x: dict[str, float] = {}
    for level in range(max(gen.values(), default=-1) + 1):
        row, units = [k for k in keys if gen[k] == level], []
        for k in row:
            if any(k in unit for *_, unit, _ in units):
                continue
            # walked again from an end: former partner, person, new partner stand in line
            group = _walk(k, adjacent, row)
            ends = [m for m in group if len(adjacent[m] & set(group)) <= 1] or [k]
            unit = _walk(ends[0], adjacent, row)
            placed = {m: [x[p] for p in parents[m] if p in x] for m in unit}
            wish = {m: sum(xs) / len(xs) for m, xs in placed.items() if xs}
            if len(wish) > 1 and [*wish.values()][0] > [*wish.values()][-1]:
                unit.reverse()  # partners who both have parents stand below their own parents
            lefts = [w - unit.index(m) * SPACING for m, w in wish.items()]
            centre = sum(wish.values()) / len(wish) if wish else math.inf  # none: to the right
            units.append((centre, len(units), unit, sum(lefts) / len(lefts) if lefts else None))
        units.sort(key=lambda u: u[:2])
        lefts = _place([((len(u) - 1) * SPACING, left) for *_, u, left in units])
        for (*_, unit, _), left in zip(units, lefts, strict=True):
            x.update({m: left + i * SPACING for i, m in enumerate(unit)})
    return x


def _household(x: dict, y: dict, home: set[str]) -> str:
    """Dashed outline around the household: a box per row around each run of neighbours who
    live there, so a sibling placed elsewhere stays outside. The boxes are drawn twice, the
    second time without outline over the inner half of the 3-unit strokes, which leaves only
    the outer edge of their union visible."""
    boxes = []
    for row in sorted({y[k] for k in home}):
        runs: list[list[float]] = [[]]
        for k in sorted((k for k in x if y[k] == row), key=x.get):
            if k in home:
                runs[-1].append(x[k])
            elif runs[-1]:
                runs.append([])
        below = any(y[k] == row + ROW for k in home)  # continued in the next row: boxes meet
        top, bottom = row - HALF - 14, row + (ROW - HALF - 14 if below else HALF + 56)
        boxes += [(run[0] - 50, top, run[-1] + 50, bottom) for run in runs if run]
    edge = {"stroke": MUTED, "stroke_width": 3, "stroke_dasharray": "6 4"}
    rects = ["".join(_el("rect", x=x1, y=y1, width=x2 - x1, height=y2 - y1, fill=TINT, **pen)
                     for x1, y1, x2, y2 in boxes) for pen in (edge, {})]  # fmt: skip
    return _el("g", "".join(rects), class_="household")


def genogram_svg(
    people: Sequence[GenogramPerson], relations: Sequence[GenogramRelation], *, title: str
) -> str:
    """Genogram with standard symbols, partnerships, descent lines, household and legend."""
    by_key: dict[str, GenogramPerson] = {}
    for person in people:
        by_key.setdefault(person.key, person)  # a repeated key is a data error: the first wins
    keys, parents, couples = list(by_key), {k: set() for k in by_key}, {}
    for r in relations:  # ignored: unknown people or kinds, relations of someone to themself
        if r.a not in by_key or r.b not in by_key or r.a == r.b:
            continue
        if r.kind == "parent_of":
            parents[r.b].add(r.a)
        elif COUPLE_RANK.get(r.kind, 0) > COUPLE_RANK.get(couples.get(frozenset((r.a, r.b))), 0):
            couples[frozenset((r.a, r.b))] = r.kind  # for one pair the most final status counts
    gen = _generations(keys, parents, couples)
    x = _layout(keys, gen, parents, couples)
    y = {k: 50.0 + gen[k] * ROW for k in keys}
    half = {k: HALF + 4 if by_key[k].is_index else HALF for k in keys}
    name = {k: by_key[k].label for k in keys}
    low, high = min(x.values(), default=0.0), max(x.values(), default=0.0)
    width = max(high - low + SPACING + 20, 4 * LEGEND_COLUMN + 40)
    x = {k: v - (low + high - width) / 2 for k, v in x.items()}  # centred above the legend
    home = {k for k in keys if by_key[k].in_household}
    body = [_household(x, y, home)] if home else []  # first: it lies behind the symbols
    said = []

    for pair, kind in couples.items():
        a, b = sorted(pair, key=lambda k: (x[k], keys.index(k)))
        line = _line(x[a], y[a] + HALF, x[b], y[b] + HALF)  # along the bottom of the symbols
        mid = (x[a] + x[b]) / 2 - 24  # beside the middle, where the children's line starts
        cut = _slashes(mid, (y[a] + y[b]) / 2 + HALF, COUPLE_RANK[kind] - 1)
        body.append(_el("g", line + cut, class_=f"couple {kind}"))
        said.append(
            gettext("%(a)s und %(b)s: %(tie)s.", a=name[a], b=name[b], tie=COUPLE_WORD[kind])
        )
    families: dict[frozenset, list[str]] = {}
    for k in keys:
        if parents[k]:
            families.setdefault(frozenset(parents[k]), []).append(k)
    for i, (fam, kids) in enumerate(families.items()):
        drop = sum(x[p] for p in fam) / len(fam)  # middle of the partnership line
        # From a couple's line; from a single parent, below the label (not through it).
        start = max(
            y[p] + (HALF if len(fam) > 1 else half[p] + 16 + 14 * len(_wrap(name[p], 15)))
            for p in fam
        )
        sib = min(y[c] - half[c] for c in kids) - 26 - 7 * (i % 3)  # half-siblings: staggered
        sib = max(sib, 4.0)  # only contradictory data (a cycle) puts kids in the top row
        xs = [x[c] for c in kids] + [drop]
        lines = [_line(drop, start, drop, sib), _line(min(xs), sib, max(xs), sib)]
        lines += [_line(x[c], sib, x[c], y[c] - half[c]) for c in kids]
        if len(fam) > 1 and not any(frozenset((a, b)) in couples for a in fam for b in fam):
            lines.append(_line(min(x[p] for p in fam), start, max(x[p] for p in fam), start))
        body.append(_el("g", "".join(lines), class_="descent"))
        elders = gettext(" und ").join(name[p] for p in keys if p in fam)
        children = ", ".join(name[c] for c in kids)
        said.append(
            gettext("%(parents)s: Eltern von %(children)s.", parents=elders, children=children)
        )
    persons = []
    for k in keys:
        p = by_key[k]
        sex = p.sex if p.sex in SEX_WORD else "u"
        shape = _symbol(sex, x[k], y[k], dead=p.deceased)
        if p.is_index:  # double outline
            shape = _symbol(sex, x[k], y[k], HALF + 4, fill="none") + shape
        label = _label(p.label, x[k], y[k] + half[k] + 16, 15)
        body.append(_el("g", shape + label, class_=f"person sex-{sex}"))
        flags = {
            gettext("Indexkind"): p.is_index,
            gettext("verstorben"): p.deceased,
            gettext("im Haushalt"): p.in_household,
        }
        facts = [str(SEX_WORD[sex])] + [word for word, on in flags.items() if on]
        persons.append(f"{p.label}: {', '.join(facts)}.")

    bar = _line(-12, 0, 12, 0)
    legend = [(_symbol(s, 0, 0, 9), SEX_WORD[s]) for s in "fmdu"] + [
        (_symbol("m", 0, 0, 9, dead=True), gettext("verstorben")),
        (_symbol("f", 0, 0, 11, fill="none") + _symbol("f", 0, 0, 8), gettext("Indexkind")),
        (_rect(0, 0, 11, 9, fill=TINT, **DASHED), gettext("Haushalt")),
        (bar, COUPLE_WORD["partner_of"]),
        (bar + _slashes(0, 0, 1), COUPLE_WORD["separated"]),
        (bar + _slashes(-4, 0, 2), COUPLE_WORD["divorced"]),
    ]
    legend_el, bottom = _legend(legend, max([v + HALF + 90 for v in y.values()] + [20.0]), width)
    desc = " ".join(
        [gettext("Personen:"), *persons] + ([gettext("Beziehungen:"), *said] if said else [])
    )
    desc = desc if persons else gettext("Keine Personen erfasst.")
    return _svg("genogram", title, desc, width, bottom + 12, [*body, legend_el])


def _tie(quality: str, x1: float, y1: float, x2: float, y2: float) -> str:
    """Line between family and resource, styled by the quality of the tie."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = -(y2 - y1) / length, (x2 - x1) / length  # unit normal
    if quality == "strained":  # zig-zag, the conventional mark of stress
        n = max(2, int(length // 9))
        swing = [0 if i in (0, n) else 5 - 10 * (i % 2) for i in range(n + 1)]
        zig = [(x1 + (x2 - x1) * i / n + nx * s, y1 + (y2 - y1) * i / n + ny * s)
               for i, s in enumerate(swing)]  # fmt: skip
        return _el("polyline", points=_points(zig), fill="none", stroke=RED, stroke_width=2,
                   class_="tie strained")  # fmt: skip
    if quality in TIE_PEN:
        return _line(x1, y1, x2, y2, **TIE_PEN[quality], class_=f"tie {quality}")
    line = _line(x1, y1, x2, y2)
    if quality != "ambivalent":  # unknown quality: a plain line that claims nothing
        return _el("g", line, class_="tie unknown")
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    tick = _line(mx - 9 * nx, my - 9 * ny, mx + 9 * nx, my + 9 * ny)
    return _el("g", line + tick, class_="tie ambivalent")


def resource_map_svg(center_label: str, nodes: Sequence[ResourceNode], *, title: str) -> str:
    """Eco-map: the family in the middle, its resources on a circle, ties styled by quality."""
    radius = max(170.0, 22.0 * len(nodes))
    placed = []  # resources clockwise from the top, relative to the centre
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / len(nodes)
        kind = node.kind if node.kind in KIND_WORD else "institution"
        wrap = min(20, max([11] + [len(w) for w in node.label.split()])) if kind == "person" else 18
        lines = _wrap(node.label, wrap)
        hw, hh = 66.0, 10.0 + 7 * len(lines)  # a box, or a circle around its longest line:
        if kind == "person":
            hw = hh = max(38.0, math.hypot(max(map(len, lines)) * 5.8, len(lines) * 13) / 2 + 3)
        placed.append((node, kind, math.cos(angle), math.sin(angle), wrap, hw, hh))
    reach = max([60.0] + [abs(ux) * radius + hw for *_, ux, _, _, hw, _ in placed])
    width = max(4 * LEGEND_COLUMN + 40, 2 * reach + 40)
    cx = width / 2
    cy = 20 + max([60.0] + [hh - uy * radius for *_, uy, _, _, hh in placed])
    low = cy + max([60.0] + [hh + uy * radius for *_, uy, _, _, hh in placed])
    ties, shapes, said = [], [], []
    for node, kind, ux, uy, wrap, hw, hh in placed:
        nx, ny = cx + radius * ux, cy + radius * uy
        # end the tie at the outline: the circle, or where the ray leaves the rectangle
        end = hw if kind == "person" else min(hw / (abs(ux) or 1e-9), hh / (abs(uy) or 1e-9))
        ties.append(_tie(node.quality, cx + 60 * ux, cy + 60 * uy, nx - end * ux, ny - end * uy))
        shape = _el("circle", cx=nx, cy=ny, r=hw, fill=PAPER, **PEN) if kind == "person" else ""
        shape = shape or _rect(nx, ny, hw, hh, rx=12 if kind == "service" else 0, fill=PAPER)
        label = _label(node.label, nx, ny, wrap, 11, middle=True)
        shapes.append(_el("g", shape + label, class_=f"node {kind}"))
        quality = QUALITY_WORD.get(node.quality, SEX_WORD["u"])
        said.append(
            gettext(
                "%(label)s (%(kind)s): Verbindung %(quality)s.",
                label=node.label,
                kind=KIND_WORD[kind],
                quality=quality,
            )
        )
    centre = _el("circle", cx=cx, cy=cy, r=60, fill=TINT, **PEN)
    centre += _label(center_label, cx, cy, 14, 13, True)

    legend = [(_tie(q, -14, 0, 14, 0), word) for q, word in QUALITY_WORD.items()] + [
        (_el("circle", cx=0, cy=0, r=9, fill=PAPER, **PEN), KIND_WORD["person"]),
        (_rect(0, 0, 12, 8, rx=5, fill=PAPER), KIND_WORD["service"]),
        (_rect(0, 0, 12, 8, fill=PAPER), KIND_WORD["institution"]),
    ]
    legend_el, bottom = _legend(legend, low + 40, width)
    desc = gettext("Im Mittelpunkt: %(centre)s.", centre=center_label) + " "
    desc += " ".join(said) or gettext("Keine Ressourcen erfasst.")
    body = [*ties, *shapes, _el("g", centre, class_="centre"), legend_el]  # ties under shapes
    return _svg("resource-map", title, desc, width, bottom + 12, body)
