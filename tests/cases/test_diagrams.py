"""Genogram and resource map: standard symbols, a sound layout, and markup that is safe to
embed inline under a strict Content-Security-Policy."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fallteam.cases.diagrams import (
    GenogramPerson,
    GenogramRelation,
    ResourceNode,
    genogram_svg,
    resource_map_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
P, R = GenogramPerson, GenogramRelation


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to be checked
    assert root.tag == f"{SVG}svg"
    return root


def classes(el: ET.Element) -> set[str]:
    return set(el.get("class", "").split())


def groups(root: ET.Element, name: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if name in classes(g)]


def text_of(el: ET.Element) -> str:
    """A <text>'s words: wrapped lines are <tspan>s, joined here with spaces."""
    return " ".join(part.strip() for part in el.itertext() if part.strip())


def label_of(g: ET.Element) -> str:
    return text_of(g.findall(f"{SVG}text")[-1])  # the label comes after the symbol


def person(root: ET.Element, label: str) -> ET.Element:
    (found,) = [g for g in groups(root, "person") if label_of(g) == label]
    return found


def centre(el: ET.Element) -> tuple[float, float]:
    """Centre of a person's symbol (its first shape; the outer outline of an index child)."""
    shape = next(c for c in el if c.tag in {f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon"})
    if shape.tag == f"{SVG}circle":
        return float(shape.get("cx")), float(shape.get("cy"))
    if shape.tag == f"{SVG}rect":
        x, y, w, h = (float(shape.get(a)) for a in ("x", "y", "width", "height"))
        return x + w / 2, y + h / 2
    points = points_of(shape)
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def points_of(el: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in el.get("points").split()]


def vector(line: ET.Element) -> tuple[float, float]:
    return (
        float(line.get("x2")) - float(line.get("x1")),
        float(line.get("y2")) - float(line.get("y1")),
    )


def family_of_four(**overrides) -> tuple[list[GenogramPerson], list[GenogramRelation]]:
    """Mother and father (separated), two children, mother and the younger one at home."""
    people = [
        P("m", "Mutter", "f", in_household=True),
        P("v", "Vater", "m"),
        P("k1", "Kind 1 (7 J.)", "m", in_household=True, is_index=True),
        P("k2", "Kind 2 (15 J.)", "f"),
    ]
    relations = [R(overrides.get("couple", "separated"), "m", "v")]
    relations += [R("parent_of", p, c) for p in ("m", "v") for c in ("k1", "k2")]
    return people, relations


def three_generations() -> tuple[list[GenogramPerson], list[GenogramRelation]]:
    """Twelve people: both sets of grandparents, parents, aunt and uncle, children, cousin."""
    people = [
        P("gm1", "Großmutter mütterlicherseits", "f"),
        P("gv1", "Großvater mütterlicherseits", "m", deceased=True),
        P("gm2", "Großmutter väterlicherseits", "f"),
        P("gv2", "Großvater väterlicherseits", "m"),
        P("mu", "Mutter", "f", in_household=True),
        P("va", "Vater", "m"),
        P("ta", "Tante", "f"),
        P("on", "Onkel", "m"),
        P("k1", "Kind 1 (7 J.)", "f", in_household=True, is_index=True),
        P("k2", "Kind 2 (9 J.)", "m", in_household=True),
        P("k3", "Kind 3 (1 J.)", "d", in_household=True),
        P("co", "Cousin", "u"),
    ]
    relations = [R("partner_of", "gm1", "gv1"), R("divorced", "gm2", "gv2")]
    relations += [R("parent_of", p, c) for p in ("gm1", "gv1") for c in ("mu", "ta")]
    relations += [R("parent_of", p, "va") for p in ("gm2", "gv2")]
    relations += [R("separated", "mu", "va"), R("partner_of", "ta", "on")]
    relations += [R("parent_of", p, c) for p in ("mu", "va") for c in ("k1", "k2", "k3")]
    relations += [R("parent_of", "ta", "co")]
    return people, relations


def resources() -> list[ResourceNode]:
    return [
        ResourceNode("Großmutter", "person", "strong"),
        ResourceNode("Schulsozialarbeit", "service", "weak"),
        ResourceNode("Grundschule", "institution", "strained"),
        ResourceNode("Sportverein", "institution", "ambivalent"),
        ResourceNode("Erziehungsberatung", "service", "strong"),
    ]


def coordinates(el: ET.Element, dx: float = 0.0, dy: float = 0.0) -> list[tuple[str, float]]:
    """Every coordinate of every shape, as (axis, value), translations applied."""
    if el.get("transform"):
        move = re.fullmatch(r"translate\((\S+) (\S+)\)", el.get("transform"))
        dx, dy = dx + float(move[1]), dy + float(move[2])
    found = [("x", float(el.get(a)) + dx) for a in ("x", "x1", "x2", "cx") if el.get(a)]
    found += [("y", float(el.get(a)) + dy) for a in ("y", "y1", "y2", "cy") if el.get(a)]
    for px, py in points_of(el) if el.get("points") else []:
        found += [("x", px + dx), ("y", py + dy)]
    for child in el:
        found += coordinates(child, dx, dy)
    return found


def assert_within_viewbox(root: ET.Element) -> None:
    _, _, width, height = map(float, root.get("viewBox").split())
    assert float(root.get("width")) == width and float(root.get("height")) == height
    for axis, value in coordinates(root):
        assert 0 <= value <= (width if axis == "x" else height), (axis, value)


# --- symbols and labels ---------------------------------------------------------------


def test_each_sex_is_drawn_with_its_standard_symbol():
    root = parse(
        genogram_svg(
            [P("a", "Frau", "f"), P("b", "Mann", "m"), P("c", "Divers", "d"), P("d", "Wer", "u")],
            [],
            title="Symbole",
        )
    )

    def shapes(label: str) -> dict[str, int]:
        g = person(root, label)
        return {tag: len(g.findall(f"{SVG}{tag}")) for tag in ("circle", "rect", "polygon")}

    assert shapes("Frau") == {"circle": 1, "rect": 0, "polygon": 0}
    assert shapes("Mann") == {"circle": 0, "rect": 1, "polygon": 0}
    assert shapes("Divers") == {"circle": 0, "rect": 0, "polygon": 1}
    assert shapes("Wer") == {"circle": 0, "rect": 1, "polygon": 0}
    mark, _label = person(root, "Wer").findall(f"{SVG}text")
    assert mark.text == "?"


def test_an_unknown_sex_value_is_drawn_as_unknown():
    root = parse(genogram_svg([P("a", "Person", "x")], [], title="T"))
    assert "sex-u" in classes(person(root, "Person"))


def test_every_label_is_written_under_its_symbol():
    people, relations = family_of_four()
    root = parse(genogram_svg(people, relations, title="Familie"))
    for p in people:
        g = person(root, p.label)
        label = g.findall(f"{SVG}text")[-1]
        assert float(label.get("y")) > centre(g)[1] + 20


def test_a_long_label_is_wrapped_not_cut():
    root = parse(genogram_svg([P("a", "Neuer Partner der Mutter", "m")], [], title="T"))
    label = person(root, "Neuer Partner der Mutter").findall(f"{SVG}text")[-1]
    assert len(label.findall(f"{SVG}tspan")) == 2


def test_the_index_child_has_a_double_outline():
    people, relations = family_of_four()
    root = parse(genogram_svg(people, relations, title="T"))
    assert len(person(root, "Kind 1 (7 J.)").findall(f"{SVG}rect")) == 2
    assert len(person(root, "Kind 2 (15 J.)").findall(f"{SVG}circle")) == 1


def test_a_deceased_persons_symbol_is_crossed_out():
    root = parse(genogram_svg(*three_generations(), title="T"))
    crossed = [label_of(g) for g in groups(root, "person") if groups(g, "deceased")]
    assert crossed == ["Großvater mütterlicherseits"]
    (cross,) = groups(person(root, "Großvater mütterlicherseits"), "deceased")
    assert len(cross.findall(f"{SVG}line")) == 2


# --- relations and layout -------------------------------------------------------------


def test_parents_stand_above_their_children_and_partners_on_one_row():
    root = parse(genogram_svg(*three_generations(), title="T"))
    y = {g: centre(person(root, g))[1] for g in ("Mutter", "Vater", "Tante", "Onkel")}
    assert len(set(y.values())) == 1
    grandparents = centre(person(root, "Großmutter mütterlicherseits"))[1]
    children = {centre(person(root, k))[1] for k in ("Kind 1 (7 J.)", "Kind 2 (9 J.)", "Cousin")}
    assert grandparents < y["Mutter"] < min(children)
    assert len(children) == 1


def test_children_hang_centred_below_their_parents():
    people, relations = family_of_four()
    root = parse(genogram_svg(people, relations, title="T"))
    parents = [centre(person(root, label))[0] for label in ("Mutter", "Vater")]
    kids = [centre(person(root, label))[0] for label in ("Kind 1 (7 J.)", "Kind 2 (15 J.)")]
    assert sum(kids) / 2 == pytest.approx(sum(parents) / 2)
    (descent,) = groups(root, "descent")
    drop = descent.find(f"{SVG}line")  # from the middle of the partnership line
    assert float(drop.get("x1")) == pytest.approx(sum(parents) / 2)


def test_siblings_keep_the_order_given():
    people, relations = family_of_four()
    root = parse(genogram_svg(people, relations, title="T"))
    assert centre(person(root, "Kind 1 (7 J.)"))[0] < centre(person(root, "Kind 2 (15 J.)"))[0]


@pytest.mark.parametrize(
    ("kind", "slashes"), [("partner_of", 0), ("separated", 1), ("divorced", 2)]
)
def test_separation_is_one_slash_and_divorce_two(kind, slashes):
    people, relations = family_of_four(couple=kind)
    root = parse(genogram_svg(people, relations, title="T"))
    (couple,) = groups(root, "couple")
    assert kind in classes(couple)
    lines = couple.findall(f"{SVG}line")
    partnership = lines[0]
    assert partnership.get("y1") == partnership.get("y2")  # horizontal
    assert len(lines) - 1 == slashes


def test_the_most_final_status_of_a_couple_counts():
    people, relations = family_of_four(couple="partner_of")
    relations += [R("divorced", "v", "m"), R("separated", "m", "v")]
    root = parse(genogram_svg(people, relations, title="T"))
    (couple,) = groups(root, "couple")
    assert "divorced" in classes(couple)


def test_children_of_a_single_parent_hang_from_that_parent():
    people = [P("m", "Mutter", "f"), P("a", "Kind A", "m"), P("b", "Kind B", "f")]
    relations = [R("parent_of", "m", "a"), R("parent_of", "m", "b")]
    root = parse(genogram_svg(people, relations, title="T"))
    mother_x, mother_y = centre(person(root, "Mutter"))
    assert not groups(root, "couple")
    (descent,) = groups(root, "descent")
    drop, _sibling_line, *to_children = descent.findall(f"{SVG}line")
    assert float(drop.get("x1")) == pytest.approx(mother_x)
    assert float(drop.get("y1")) > mother_y
    assert len(to_children) == 2
    assert all(centre(person(root, k))[1] > mother_y for k in ("Kind A", "Kind B"))


def at_home(root: ET.Element, point: tuple[float, float]) -> bool:
    (household,) = groups(root, "household")
    return any(
        float(r.get("x")) < point[0] < float(r.get("x")) + float(r.get("width"))
        and float(r.get("y")) < point[1] < float(r.get("y")) + float(r.get("height"))
        for r in household.findall(f"{SVG}rect")
    )


def test_the_household_is_outlined_around_its_members_only():
    people, relations = family_of_four()
    root = parse(genogram_svg(people, relations, title="T"))
    (household,) = groups(root, "household")
    assert household.find(f"{SVG}rect").get("stroke-dasharray")
    for p in people:
        assert at_home(root, centre(person(root, p.label))) == p.in_household, p.label


def test_a_sibling_placed_elsewhere_stays_outside_the_household():
    people = [P("m", "Mutter", "f", in_household=True)]
    people += [P(k, k, "m", in_household=k != "B") for k in ("A", "B", "C")]
    root = parse(genogram_svg(people, [R("parent_of", "m", k) for k in "ABC"], title="T"))
    assert [at_home(root, centre(person(root, k))) for k in ("A", "B", "C")] == [True, False, True]


def test_the_household_lies_behind_the_symbols():
    root = parse(genogram_svg(*family_of_four(), title="T"))
    drawn = list(root.iter())
    assert drawn.index(groups(root, "household")[0]) < drawn.index(groups(root, "person")[0])


def test_no_household_outline_when_nobody_lives_in_it():
    root = parse(genogram_svg([P("a", "Vater", "m")], [], title="T"))
    assert not groups(root, "household")


def test_a_three_generation_family_of_twelve_fits_its_viewbox():
    root = parse(genogram_svg(*three_generations(), title="Drei Generationen"))
    assert len(groups(root, "person")) == 12
    assert_within_viewbox(root)
    rows: dict[float, list[float]] = {}
    for g in groups(root, "person"):
        x, y = centre(g)
        rows.setdefault(y, []).append(x)
    for xs in rows.values():  # symbols (and their labels) never overlap
        xs.sort()
        assert all(b - a >= 100 for a, b in zip(xs, xs[1:], strict=False))


def test_odd_data_is_drawn_without_crashing():
    people = [P("a", "A", "f"), P("b", "B", "m"), P("b", "B doppelt", "m"), P("c", "C", "?")]
    relations = [
        R("parent_of", "a", "b"),
        R("parent_of", "b", "a"),  # a cycle
        R("parent_of", "c", "c"),
        R("partner_of", "a", "c"),
        R("parent_of", "a", "unbekannt"),
        R("adopted", "a", "b"),
    ]
    root = parse(genogram_svg(people, relations, title="T"))
    assert len(groups(root, "person")) == 3  # a repeated key: the first one counts
    assert_within_viewbox(root)


keys = st.sampled_from([f"k{i}" for i in range(16)])
people_lists = st.lists(
    st.builds(P, keys, st.text(max_size=40), st.sampled_from("fmdu"), st.booleans(), st.booleans()),
    max_size=15,
)
relation_lists = st.lists(
    st.builds(R, st.sampled_from(["parent_of", "partner_of", "separated", "divorced"]), keys, keys),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(people_lists, relation_lists)
def test_any_family_of_up_to_fifteen_renders_inside_its_viewbox(people, relations):
    root = parse(genogram_svg(people, relations, title="T"))
    assert len(groups(root, "person")) == len({p.key for p in people})
    assert_within_viewbox(root)


# --- accessibility, safety, determinism -----------------------------------------------


def test_title_and_description_name_the_diagram_for_screen_readers():
    people, relations = family_of_four()
    svg = genogram_svg(people, relations, title="Genogramm Familie A")
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Genogramm Familie A"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    for words in ("Mutter: Frau, im Haushalt", "Kind 1 (7 J.): Mann, Indexkind", "getrennt"):
        assert words in desc.text
    assert "Mutter und Vater: Eltern von Kind 1 (7 J.), Kind 2 (15 J.)" in desc.text


HOSTILE = "<script>&\"'"  # short enough to stay on one line as a label


def test_hostile_labels_are_escaped():
    svg = genogram_svg([P("a", HOSTILE, "f")], [], title=HOSTILE + " onload=alert(1)")
    assert "<script" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE + " onload=alert(1)"
    assert HOSTILE in root.find(f"{SVG}desc").text
    assert label_of(person(root, HOSTILE)) == HOSTILE
    svg = resource_map_svg(HOSTILE, [ResourceNode(HOSTILE, "service", "weak")], title=HOSTILE)
    assert "<script" not in svg
    assert HOSTILE in [text_of(t) for t in parse(svg).iter(f"{SVG}text")]


def diagrams() -> list[str]:
    return [
        genogram_svg(*three_generations(), title="Genogramm"),
        genogram_svg(*family_of_four(), title="Genogramm"),
        resource_map_svg("Familie A", resources(), title="Ressourcenkarte"),
    ]


@pytest.mark.parametrize("svg", diagrams())
def test_markup_passes_a_strict_content_security_policy(svg):
    root = parse(svg)
    for el in root.iter():
        assert el.tag not in {f"{SVG}style", f"{SVG}script", f"{SVG}image", f"{SVG}use"}
        for name in el.attrib:
            local = name.rsplit("}", 1)[-1].lower()
            assert local != "style" and not local.startswith("on") and local != "href", name
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "url(" not in svg and "@import" not in svg


def test_the_same_input_gives_the_same_drawing():
    first, again = (genogram_svg(*three_generations(), title="T") for _ in range(2))
    assert first == again
    first, again = (resource_map_svg("F", resources(), title="T") for _ in range(2))
    assert first == again


@pytest.mark.parametrize(
    "svg", [genogram_svg([], [], title="Leer"), resource_map_svg("Familie", [], title="Leer")]
)
def test_empty_input_is_a_valid_drawing_with_a_legend(svg):
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Leer"
    assert root.find(f"{SVG}desc").text
    assert groups(root, "legend")
    assert_within_viewbox(root)


def test_the_legends_are_german():
    def legend(svg: str) -> list[str]:
        (g,) = groups(parse(svg), "legend")
        return [text_of(t) for t in g.iter(f"{SVG}text")]

    genogram = legend(genogram_svg([], [], title="T"))
    assert set("Frau Mann divers unbekannt verstorben Haushalt getrennt geschieden".split()) <= set(
        genogram
    )
    ecomap = legend(resource_map_svg("F", [], title="T"))
    assert set("stark schwach belastend ambivalent Person Dienst Einrichtung".split()) <= set(
        ecomap
    )


# --- resource map ---------------------------------------------------------------------


def ties(root: ET.Element) -> dict[str, ET.Element]:
    """The ties of the map (not the legend), by quality."""
    legend = {id(el) for g in groups(root, "legend") for el in g.iter()}
    return {
        (classes(el) - {"tie"}).pop(): el
        for el in root.iter()
        if "tie" in classes(el) and id(el) not in legend
    }


def test_ties_are_styled_by_their_quality():
    root = parse(resource_map_svg("Familie A", resources(), title="T"))
    tie = ties(root)
    assert set(tie) == {"strong", "weak", "strained", "ambivalent"}
    assert tie["strong"].tag == tie["weak"].tag == f"{SVG}line"
    assert float(tie["strong"].get("stroke-width")) > 2 * float(tie["weak"].get("stroke-width"))
    assert tie["weak"].get("stroke-dasharray") and not tie["strong"].get("stroke-dasharray")
    assert tie["strained"].tag == f"{SVG}polyline" and len(points_of(tie["strained"])) > 4
    red, green, blue = (int(tie["strained"].get("stroke")[i : i + 2], 16) for i in (1, 3, 5))
    assert red > 2 * max(green, blue)
    line, tick = tie["ambivalent"].findall(f"{SVG}line")
    (ax, ay), (bx, by) = vector(line), vector(tick)
    assert (
        abs(ax * bx + ay * by) / (math.hypot(ax, ay) * math.hypot(bx, by)) < 0.01
    )  # a right angle


def test_a_tie_of_unknown_quality_is_a_plain_line_that_claims_nothing():
    root = parse(resource_map_svg("F", [ResourceNode("Hort", "service", "neu")], title="T"))
    (tie,) = ties(root).values()
    (line,) = tie.findall(f"{SVG}line")
    assert line.get("stroke-dasharray") is None and line.get("stroke") == "#222222"
    assert "unbekannt" in root.find(f"{SVG}desc").text


def test_resources_are_shaped_by_kind_around_the_family():
    root = parse(resource_map_svg("Familie A", resources(), title="T"))
    (family,) = groups(root, "centre")
    assert text_of(family.find(f"{SVG}text")) == "Familie A"
    cx, cy = centre(family)
    nodes = {text_of(g.find(f"{SVG}text")): g for g in groups(root, "node")}
    assert nodes["Großmutter"].find(f"{SVG}circle") is not None
    assert float(nodes["Schulsozialarbeit"].find(f"{SVG}rect").get("rx")) > 0
    assert float(nodes["Grundschule"].find(f"{SVG}rect").get("rx")) == 0
    distances = set()
    for g in nodes.values():
        x, y = centre(g)
        distances.add(round(math.hypot(x - cx, y - cy)))
    assert len(distances) == 1  # on one circle
    assert_within_viewbox(root)


def test_a_crowded_resource_map_still_fits():
    nodes = [ResourceNode(f"Einrichtung Nummer {i}", "institution", "weak") for i in range(14)]
    root = parse(resource_map_svg("Familie mit sehr langem Namen", nodes, title="T"))
    assert len(groups(root, "node")) == 14
    assert_within_viewbox(root)
