"""The English locales the skill speaks, and how each one spells.

Alexa serves every English-speaking market with a locale of its own. Clock
times and dates follow each locale's CLDR conventions (through Babel, in
``phrasing``); the words themselves follow its spelling here. The sentences are
written once, in American spelling; :func:`spelt` respells a finished
answer, word by word, for a listener elsewhere (``phrasing.in_locale``). Terms stay the sheet's own
("sunblock", "SPF 30"): only their spelling changes, never what they say.
"""

from __future__ import annotations

import re
from functools import cache

ENGLISH_LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
# Any other locale (Alexa sends only these, but a request may say anything) is spoken as en-US.
FALLBACK_LOCALE = "en-US"

# British spelling, as the NHS, Australia's Macquarie Dictionary and Indian
# English write these words ("anaesthetic", "sterilised", "anti-ageing", "make-up").
_COMMONWEALTH = {
    "anesthetic": "anaesthetic",
    "sterilized": "sterilised",
    "aging": "ageing",
    "makeup": "make-up",
    "moisturizer": "moisturiser",
    "color": "colour",
    "center": "centre",
}
# Canadian spelling takes -our and -re from Britain and keeps the American -ize,
# "anesthetic", "aging" and "makeup" (the Canadian Press style guide).
_CANADIAN = {"color": "colour", "center": "centre"}

SPELLINGS: dict[str, dict[str, str]] = {
    "en-US": {},
    "en-GB": _COMMONWEALTH,
    "en-AU": _COMMONWEALTH,
    "en-IN": _COMMONWEALTH,
    "en-CA": _CANADIAN,
}


def supported(locale: str | None) -> str:
    """The locale as the skill speaks it: one of ENGLISH_LOCALES."""
    return locale if locale in ENGLISH_LOCALES else FALLBACK_LOCALE


@cache
def _respeller(locale: str) -> re.Pattern[str] | None:
    words = SPELLINGS[locale]
    if not words:
        return None
    return re.compile(rf"\b({'|'.join(map(re.escape, words))})\b", re.IGNORECASE)


def spelt(text: str, locale: str | None) -> str:
    """``text`` in the locale's spelling; a capital stays a capital."""
    locale = supported(locale)
    pattern = _respeller(locale)
    if pattern is None:
        return text
    words = SPELLINGS[locale]

    def respelt(match: re.Match[str]) -> str:
        said = match[0]
        word = words[said.lower()]
        return word[:1].upper() + word[1:] if said[:1].isupper() else word

    return pattern.sub(respelt, text)
