"""Outgoing e-mail (a queue sent outside the request) and private calendar feeds."""
