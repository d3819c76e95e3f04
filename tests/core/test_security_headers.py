"""Every response carries the security headers (the route test checks every route with this)."""

from __future__ import annotations


def assert_security_headers(response, *, personal: bool = True) -> None:
    """The headers every answer must carry; pages (not static files) are never cached."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    if personal:
        assert response.headers.get("Cache-Control") == "no-store"


def test_error_pages_carry_the_headers_too(app, client):
    assert_security_headers(client.get("/gibt-es-nicht"))
    assert_security_headers(client.post("/abmelden"))


def test_over_https_a_form_sent_as_the_referrer_policy_lets_a_browser_passes_the_csrf_check(
    app, create_account
):
    # Production runs behind TLS, where Flask-WTF also demands a Referer of this site. The
    # browser sends one only if the page's Referrer-Policy allows it for the same origin; a
    # policy of "no-referrer" would make every form, the sign-in first, answer 400.
    from tests.conftest import extract_csrf_token

    account = create_account(["fachkraft"])
    client = app.test_client()
    page = client.get("/anmelden", base_url="https://fallteam.test")
    assert page.headers["Referrer-Policy"] == "same-origin"  # never to another site
    form = {
        "username": account.username,
        "password": account.password,
        "csrf_token": extract_csrf_token(page.get_data(as_text=True)),
    }
    sent = client.post(
        "/anmelden",
        data=form,
        base_url="https://fallteam.test",
        headers={"Referer": "https://fallteam.test/anmelden"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/zweiter-faktor")
    # a form posted from another site (or with the Referer stripped) is still refused
    for referer in ({"Referer": "https://angreifer.example/anmelden"}, {}):
        refused = client.post(
            "/anmelden", data=form, base_url="https://fallteam.test", headers=referer
        )
        assert refused.status_code == 400


def test_pages_load_no_inline_script_or_style(app, signed_in):
    client, _ = signed_in(["admin"])
    for path in ("/", "/admin/benutzer", "/admin/policy", "/konto", "/konto/passwort"):
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page and "style=" not in page, path
