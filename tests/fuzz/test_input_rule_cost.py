"""The shared input rules look at every character of every text field of every form, the
sign-in form's too: they must cost little per character, or one request of 16 MB of text
(the configured maximum) keeps a worker busy for minutes. And the fast way must find exactly
what the per-character definitions say."""

from __future__ import annotations

import time
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from fallteam.core.text import control_characters, invisible_characters, is_control, is_invisible

SPECIAL = "\x00\x1f\x7f\x85\x9f\u00ad\u200b\u200e\u202e\u2028\u2029\u2060\ufeff\U000e0041\u2800"


def test_checking_a_million_characters_takes_well_under_a_second():
    text = ("Grüße aus Teltow, Straße 7 " * 40_000)[:1_000_000]
    start = time.process_time()
    assert control_characters(text, multiline=True) == []
    assert invisible_characters(text) == []
    assert time.process_time() - start < 0.5


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=30), st.booleans())
def test_the_fast_rules_find_what_the_definitions_say(text, multiline):
    allowed = "\n\r\t\u2028\u2029" if multiline else ""
    assert control_characters(text, multiline=multiline) == sorted(
        {f"U+{ord(c):04X}" for c in text if is_control(c) and c not in allowed}
    )
    assert set(invisible_characters(text)) == {
        unicodedata.name(c, f"U+{ord(c):04X}") for c in text if is_invisible(c)
    }
