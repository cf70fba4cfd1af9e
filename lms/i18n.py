"""The one list of interface languages, locale negotiation and translated-map helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from babel import Locale, dates
from babel.lists import format_list
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

# Interface languages, in the order they are offered. Names are written in the language itself.
LOCALES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "kk": "Қазақша",
    "tg": "Тоҷикӣ",
    "ar": "العربية",
}
# Scripts written right to left; a course language such as ckb needs no code change here.
RTL_LANGUAGES = frozenset({"ar", "ckb", "fa", "he", "ur"})


def select_locale() -> str:
    """Pick the locale: saved choice, then the session, then the browser, then the default."""
    if not has_request_context():  # the `lms` command
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(list(LOCALES))
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "en")


def text_direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_language()).split("_")[0] in RTL_LANGUAGES else "ltr"


# Locale data used to format dates, numbers and lists, per interface language. One decision
# for the interface, course dates and certificates alike (docs/languages.md): Arabic follows
# Iraq (ar_IQ), whose months are the Syriac names (كانون الثاني، شباط، آذار ...); every
# language writes Western digits 0-9 (Babel's default numbering), and every year in full.
FORMAT_LOCALES: dict[str, str] = {"ar": "ar_IQ"}


def format_locale(lang: str | None = None) -> str:
    lang = lang or current_language()
    return FORMAT_LOCALES.get(lang, lang)


def _full_year(pattern: str) -> str:
    """A CLDR pattern with the year in four digits (some locales' short dates use yy)."""
    return re.sub(r"(?<!y)yy(?!y)", "y", pattern)


def date_text(value, format: str = "medium", lang: str | None = None) -> str:
    """A date (or the local date of a moment) the locale's way, with a four-digit year."""
    from lms.timeutil import local_date

    locale = Locale.parse(format_locale(lang))
    if isinstance(value, datetime):
        value = local_date(value)
    pattern = locale.date_formats[format].pattern if format in locale.date_formats else format
    return dates.format_date(value, _full_year(pattern), locale=locale)


def datetime_text(value: datetime, format: str = "medium", lang: str | None = None) -> str:
    """A moment in the deployment's time zone, the locale's way, with a four-digit year."""
    from lms.timeutil import deployment_timezone

    locale = Locale.parse(format_locale(lang))
    if format in locale.datetime_formats:
        pattern = (str(locale.datetime_formats[format])
                   .replace("{1}", _full_year(locale.date_formats[format].pattern))
                   .replace("{0}", locale.time_formats[format].pattern))
    else:
        pattern = format
    return dates.format_datetime(value, pattern, tzinfo=deployment_timezone(), locale=locale)


def month_text(value, lang: str | None = None) -> str:
    """A month and year standing alone (a chart's axis): Russian «май 2026», not «мая»."""
    return dates.format_skeleton("yMMM", value, locale=Locale.parse(format_locale(lang)))


def about_duration(minutes: int) -> str:
    """"about 30 minutes", "about 7 hours": plural-aware in every language."""
    from flask_babel import ngettext

    if minutes < 60:
        return ngettext("about %(num)d minute", "about %(num)d minutes", minutes)
    hours = max(1, round(minutes / 60))
    return ngettext("about %(num)d hour", "about %(num)d hours", hours)


def list_html(items, lang: str | None = None) -> Markup:
    """Items joined the locale's way ("a, b and c"; the Arabic comma in Arabic), HTML-safe."""
    return Markup(format_list([str(escape(item)) for item in items], locale=format_locale(lang)))  # noqa: S704


def bdi(value) -> Markup:
    """A value isolated from the text around it (a name, a number, a title in another script),
    so that in a right-to-left page it stays next to its label and keeps its own punctuation."""
    return Markup("<bdi>{}</bdi>").format(value)


def own_direction(text: str) -> str | None:
    """"ltr" or "rtl" from the first letter that has a direction (as dir="auto" decides), or None."""
    import unicodedata

    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def person_label(user) -> Markup:
    """"Name (personnel number)" with both parts isolated, for lists of people to choose from."""
    return Markup("{} ({})").format(bdi(user.name_native), bdi(user.personnel_number))


@dataclass(frozen=True)
class Localized:
    """A text in the language shown, and whether it fell back to another language."""

    text: str
    lang: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:  # autoescaped like any str by Jinja
        from markupsafe import escape

        return str(escape(self.text))


def pick(texts: dict[str, str] | None, lang: str, fallback: str = "en") -> Localized:
    """Return the text of a translated map in lang, else in fallback, else any language."""
    texts = texts or {}
    if texts.get(lang):
        return Localized(texts[lang], lang, False)
    if texts.get(fallback):
        return Localized(texts[fallback], fallback, True)
    for other, value in texts.items():
        if value:
            return Localized(value, other, True)
    return Localized("", lang, True)
