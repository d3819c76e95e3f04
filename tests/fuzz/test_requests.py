"""Requests no browser sends: paths that climb out of their folder, bytes that are no UTF-8
in the path, the query, the body and the cookies, bodies over the configured maximum, very
long addresses and headers, broken JSON. The answer is a 4xx (a German page, or JSON for a
client that asks for JSON), never a 500, and nothing is logged as an unhandled error."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.access.route_table import EXPECTED, OK
from tests.fuzz.conftest import PENDING
from tests.fuzz.forms import INVALID_UTF8, NASTY, urlencoded
from tests.fuzz.test_forms import FUZZ_SETTINGS

#: who opens a GET route (the first principal the route table lets in)
ORDER = ["fachkraft", "member", "dpo", "admin", "guest", "other_fachkraft", "anonymous"]
GET_ROUTES = {
    endpoint: next(p for p in ORDER if methods["GET"][p] == OK)
    for endpoint, methods in EXPECTED.items()
    if "GET" in methods and endpoint != "static"
}
GET_ROUTES |= {"auth.verify_second_factor": PENDING, "auth.use_recovery_code": PENDING}

#: every query argument a view or a GET form reads
QUERY_ARGUMENTS = [
    "seite",
    "kategorie",
    "sortierung",
    "next",
    "von",
    "bis",
    "before",
    "since",
    "until",
    "art",
    "pseudonym",
    "actor",
    "action",
    "outcome",
    "consent_reads",
]

#: paths that try to leave the static folder or the route's object
TRAVERSALS = [
    "/static/../../etc/passwd",
    "/static/../wsgi.py",
    "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/..%2f..%2fwsgi.py",
    "/static/..%5c..%5cwsgi.py",
    "/static/css/..%5c..%5c..%5cconfig.py",
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/wsgi.py",
    "/static/css/app.css%00.txt",
    "/static/%00",
    "/static/css/%ff.css",
    "/static//etc/passwd",
    "/static/C:%5cwindows%5cwin.ini",
    "/%ff%fe",
    "/%00",
]

GERMAN_PAGE = re.compile(r'<html lang="de"')


def _assert_refused_in_german(response, errors) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert not errors, [r.getMessage() for r in errors]
    if response.mimetype == "text/html":
        assert GERMAN_PAGE.search(response.get_data(as_text=True))


@pytest.mark.parametrize("path", TRAVERSALS)
def test_a_path_that_climbs_out_is_not_found(client, logged_errors, path):
    response = client.get(path)
    if response.status_code == 308:  # doubled slashes are merged: into the folder, not out
        target = urlsplit(response.headers["Location"]).path
        assert target.startswith("/static/")
        response = client.get(target)
    _assert_refused_in_german(response, logged_errors)
    assert b"root:" not in response.data and b"create_app" not in response.data


def _endpoints_with_arguments(app) -> list[str]:
    return sorted(
        {r.endpoint for r in app.url_map.iter_rules() if r.arguments and "GET" in r.methods}
    )


@pytest.fixture
def routes(app):
    """endpoint -> a rule of the route, for the routes with arguments in their path."""
    return {r.endpoint: r for r in app.url_map.iter_rules()}


@pytest.mark.parametrize("principal", sorted(set(GET_ROUTES.values())))
def test_a_path_argument_that_is_no_id_is_not_found(app, world, logged_errors, routes, principal):
    """Every path argument replaced by traversal, NUL, undecodable bytes and non-ids (by a
    principal the route lets in, so the argument is what is checked)."""
    sample = world("cases.show_case", principal)
    client = sample.client()
    values = ["..%2f..%2f", "%2e%2e", "..%5c", "%00", "%ff%fe", "not-an-id", "0" * 10_000]
    for endpoint in _endpoints_with_arguments(app):
        if GET_ROUTES.get(endpoint) != principal:
            continue
        url = sample.url(endpoint)
        for argument in routes[endpoint].arguments:
            original = str(sample.values[argument])
            for value in values:
                response = client.get(url.replace(original, value, 1))
                assert response.status_code in (400, 404, 405), (endpoint, value)
                response.close()
    assert not logged_errors, [r.getMessage() for r in logged_errors]


query_values = st.one_of(
    st.sampled_from(
        ["-1", "0", "99999999999999999999999", "9" * 400, "1e9", "2024-13-45", "", "zzz"]
    ),
    st.sampled_from(NASTY),
    st.sampled_from(INVALID_UTF8),
    st.text(max_size=20).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)),
)


@pytest.mark.parametrize("principal", sorted(set(GET_ROUTES.values())))
def test_a_hostile_query_string_is_answered_without_error(
    world, savepoint, logged_errors, size, principal
):
    """Every query argument a view reads, with garbage, undecodable bytes and huge numbers,
    on every page (each by a principal the route table lets in; one world per principal)."""
    sample = world("cases.show_case", principal)
    for endpoint in sorted(e for e, p in GET_ROUTES.items() if p == principal):
        _query_fuzzer(sample, endpoint, savepoint, logged_errors, size)()


def _query_fuzzer(sample, endpoint: str, savepoint, logged_errors, size):
    url = sample.url(endpoint)

    @settings(max_examples=size.pick(2, 30), **FUZZ_SETTINGS)
    @given(
        query=st.lists(
            st.tuples(st.sampled_from(QUERY_ARGUMENTS), query_values), min_size=1, max_size=4
        )
    )
    def request(query):
        with savepoint():
            response = sample.client().get(url, query_string=urlencoded(query).decode())
            response.close()
        assert response.status_code < 500, (endpoint, response.status_code, query)
        assert not logged_errors, (endpoint, [r.getMessage() for r in logged_errors])

    return request


def test_invalid_utf8_in_path_query_cookie_and_body_is_no_error(app, world, logged_errors):
    sample = world("cases.list_cases", "fachkraft")
    client = sample.client()
    for path in ("/faelle/%ff", "/faelle?kategorie=%ff%fe&seite=%c3", "/anmelden?next=%ed%a0%80"):
        response = client.get(path)
        assert response.status_code < 500, path
    response = client.get("/faelle", headers={"Cookie": "session=\xff\xfe; x=\xc3"})
    assert response.status_code < 500
    response = client.get("/faelle", headers={"Accept-Language": "\xff\xfe,de;q=\xff"})
    assert response.status_code < 500
    response = client.post(
        "/sprache",
        data=b"language=\xff\xfe&next=\xc0\xaf",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    assert not logged_errors, [r.getMessage() for r in logged_errors]


@pytest.mark.settings(MAX_CONTENT_LENGTH=64 * 1024)
@pytest.mark.parametrize("kind", ["form", "multipart", "json"])
def test_a_body_over_the_maximum_gets_a_german_413(signed_in, logged_errors, kind):
    client, _ = signed_in(["fachkraft"])
    big = b"a" * (64 * 1024 + 1)
    if kind == "form":
        response = client.post(
            "/sprache", data=b"x=" + big, content_type="application/x-www-form-urlencoded"
        )
    elif kind == "multipart":
        response = client.post(
            "/faelle/neu",
            data={"document": (__import__("io").BytesIO(big), "gross.pdf")},
            content_type="multipart/form-data",
        )
    else:
        response = client.post("/sprache", data=big, content_type="application/json")
    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)
    _assert_refused_in_german(response, logged_errors)


def test_the_413_is_json_for_a_json_client(signed_in, app):
    client, _ = signed_in(["fachkraft"])
    app.config["MAX_CONTENT_LENGTH"], saved = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.post(
            "/sprache",
            data=b"[" + b"1," * 2000 + b"1]",
            content_type="application/json",
            headers={"Accept": "application/json"},
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_very_long_addresses_and_headers_are_no_error(client, logged_errors):
    assert client.get("/static/" + "a" * 100_000).status_code == 404
    assert client.get("/anmelden?next=" + "a" * 100_000).status_code < 500
    assert client.get("/anmelden", headers={"X-Filler": "a" * 200_000}).status_code < 500
    assert not logged_errors


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\xff\xfe{}",
        b"[1,",
        b"nul",
        b"",
        b'{"version": 1, "sections": {"falldarstellung": "Mutter \\ud800"}}',
        b'{"version": 1, "sections": {"falldarstellung": "Mutter\\u0000Kind"}}',
        b'{"version": 1, "sections": {"hypothesen": "Kind \\u001b[31m"}}',
        # the forms refuse invisible characters in every text; the autosave is a way around
        b'{"version": 1, "sections": {"hypothesen": "Kind \\u202egnugrosrev"}}',
        b'{"version": 1, "sections": {"falldarstellung": "Mutter\\u200bKind"}}',
    ],
    ids=[
        "cut",
        "not UTF-8",
        "cut list",
        "bad literal",
        "empty",
        "lone surrogate",
        "NUL",
        "ESC",
        "right-to-left override",
        "zero-width space",
    ],
)
def test_broken_json_to_the_autosave_gets_a_clear_json_4xx(world, logged_errors, body):
    sample = world("protocols.autosave", "member")
    response = sample.client().post(
        sample.url("protocols.autosave"), data=body, content_type="application/json"
    )
    assert response.status_code in (400, 422), response.status_code
    assert response.is_json and response.get_json()["error"]
    assert not logged_errors, [r.getMessage() for r in logged_errors]
