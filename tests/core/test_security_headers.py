"""Every response carries the security headers (the route test checks every route with this)."""

from __future__ import annotations


def assert_security_headers(response, *, personal: bool = True) -> None:
    """The headers every answer must carry; pages (not static files) are never cached."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    if personal:
        assert response.headers.get("Cache-Control") == "no-store"


def test_error_pages_carry_the_headers_too(app, client):
    assert_security_headers(client.get("/gibt-es-nicht"))
    assert_security_headers(client.post("/abmelden"))


def test_pages_load_no_inline_script_or_style(app, signed_in):
    client, _ = signed_in(["admin"])
    for path in ("/", "/admin/benutzer", "/admin/policy", "/konto", "/konto/passwort"):
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page and "style=" not in page, path
