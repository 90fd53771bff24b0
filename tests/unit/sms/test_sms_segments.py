"""SPEC 2.9: how many SMS segments a text costs, counted by hand.

GSM-7: 160 septets in one message, 153 per segment once split; the extension table
(€ ^ { } [ ] ~ | \\ and form feed) takes two septets each. Any character outside the
GSM 03.38 alphabet makes the whole text UCS-2: 70 units in one, 67 per segment."""

from __future__ import annotations

import pytest

from dunning.domain.sms import (
    MAX_SEGMENTS,
    Encoding,
    SmsTooLong,
    checked,
    gsm_fold,
    is_gsm7,
    plain,
    segments,
    sms_link,
)

pytestmark = pytest.mark.unit

GSM, UCS2 = Encoding.GSM7, Encoding.UCS2


def test_an_empty_text_takes_no_segment():
    assert segments("").count == 0


def test_plain_gsm_fits_160_characters_in_one_message():
    assert (segments("a" * 160).encoding, segments("a" * 160).count) == (GSM, 1)
    # 161 characters: split, 153 per segment -> 2
    assert segments("a" * 161).count == 2
    assert segments("a" * 306).count == 2  # 2 x 153
    assert segments("a" * 307).count == 3
    assert segments("a" * 459).count == 3  # 3 x 153: the bound
    assert segments("a" * 460).count == 4


def test_german_and_french_letters_of_the_basic_set_stay_gsm():
    text = "Müller Straße: Zahlung fällig. Échéance dépassée, à régler. Ñandu ¿¡"
    assert not is_gsm7("ú")  # GSM has ù, not ú
    assert is_gsm7(text) and segments(text).encoding == GSM
    assert segments(text).units == len(text)


def test_euro_and_caret_are_extension_characters_of_two_septets():
    text = "Pay € 10,00 ^ now"  # 17 characters, two of them escaped
    found = segments(text)
    assert (found.encoding, found.units, found.count) == (GSM, 19, 1)
    assert segments("€" * 80).units == 160 and segments("€" * 80).count == 1
    assert segments("€" * 81).count == 2  # 162 septets
    assert segments("[]{}|~\\").units == 14


def test_an_escaped_character_is_never_split_between_segments():
    assert segments("a" * 158 + "€").count == 1  # 160 septets: one message
    assert segments("a" * 159 + "€").count == 2  # 161: split
    # 152 + € + 152 = 306 septets, 2 x 153; but the € does not fit in the one septet
    # segment 1 has left: it starts segment 2 (2 + 151), and the last "a" needs a third
    text = "a" * 152 + "€" + "a" * 152
    assert segments(text).units == 306 and segments(text).count == 3


def test_one_character_outside_gsm_makes_the_whole_text_ucs2():
    text = "Zapłać 10 zł"  # "ł" is not in GSM 03.38
    found = segments(text)
    assert (found.encoding, found.units, found.count) == (UCS2, 12, 1)
    assert segments("ł" * 70).count == 1
    assert segments("ł" * 71).count == 2  # 67 per segment
    assert segments("ł" * 134).count == 2
    assert segments("ł" * 135).count == 3
    # the same 100 characters: one GSM segment... or two UCS-2 ones with a single "ł"
    assert segments("a" * 100).count == 1 and segments("a" * 99 + "ł").count == 2


def test_lower_case_c_cedilla_and_circumflex_letters_are_not_gsm():
    # GSM has Ç but not ç, and no â ê î ô û: French templates avoid them
    for ch in "çâêîôûëï":
        assert segments(ch).encoding == UCS2, ch
    assert segments("Ç").encoding == GSM


def test_an_emoji_is_two_ucs2_units_and_never_split():
    assert segments("🙂").units == 2
    assert segments("a" * 68 + "🙂").count == 1  # 70 units: one message
    assert segments("a" * 69 + "🙂").count == 2  # 71: split, 67 per segment
    # 134 units, 2 x 67; the pair does not fit in segment 1's last unit: 3 segments
    assert segments("a" * 66 + "🙂" + "a" * 66).count == 3


def test_a_text_over_the_bound_is_refused_never_cut():
    assert checked("a" * 459).count == MAX_SEGMENTS
    with pytest.raises(SmsTooLong, match="takes 4 SMS segments"):
        checked("a" * 460)
    with pytest.raises(SmsTooLong, match="ucs2"):
        checked("ł" * 202)


def test_typography_from_number_formatting_becomes_plain_gsm():
    french = "1\u202f234,56\u00a0€ – « payé »"  # Babel's narrow no-break space
    assert segments(french).encoding == UCS2
    assert plain(french) == '1 234,56 € - " payé "'
    assert segments(plain(french)).encoding == GSM
    assert plain("line one\n  line two") == "line one line two"


def test_the_link_is_our_payment_page_with_the_letters_rf_reference():
    link = sms_link("https://pay.acme.example/nl", "L20260901-f26d6d13a13855f1")
    assert link == "https://pay.acme.example/nl?ref=RF95202609013OPW6Z22PG3CH"
    # an existing query stays; no page, or not http(s): no link
    assert sms_link("https://pay.acme.example/?c=1", "L20260901-f26d6d13a13855f1").endswith(
        "?c=1&ref=RF95202609013OPW6Z22PG3CH"
    )
    assert sms_link(None, "L1") == "" and sms_link("javascript:alert(1)", "L1") == ""


def test_a_name_loses_only_the_accents_gsm_lacks():
    assert gsm_fold("Łódź Spółka") == "Lodz Spolka"
    assert gsm_fold("Müller & Fils, Café") == "Müller & Fils, Café"  # all GSM already
    assert gsm_fold("Garçon Œuvre") == "Garcon OEuvre"
    assert gsm_fold("Москва") == "Москва"  # no Latin form: kept
