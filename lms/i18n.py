"""The one list of interface languages, locale negotiation and translated-map helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates
from babel.lists import format_list
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

# Interface languages are the catalogs under the translations folder(s) (Flask-Babel's
# BABEL_TRANSLATION_DIRECTORIES), plus English, the language the messages are written in:
# adding a language is adding its catalog (docs/languages.md). These five come first, in
# this order, with the names they have always had; any other is named by Babel's CLDR
# data in the language itself and sorted after them.
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "kk": "Қазақша",
    "tg": "Тоҷикӣ",
    "ar": "العربية",
}
# Scripts written right to left; a course language such as ckb needs no code change here.
RTL_LANGUAGES = frozenset({"ar", "ckb", "fa", "he", "ur"})
PROJECT_TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def native_name(code: str) -> str:
    if code in NATIVE_NAMES:
        return NATIVE_NAMES[code]
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def discover_locales(directories: str) -> dict[str, str]:
    """{code: name} of the interface languages whose catalogs are in these folders (';'-separated)."""
    codes = {"en"}
    for folder in filter(None, (d.strip() for d in str(directories).split(";"))):
        path = Path(folder)
        if not path.is_dir():
            continue
        for entry in path.iterdir():
            if (entry / "LC_MESSAGES" / "messages.po").is_file() or (entry / "LC_MESSAGES" / "messages.mo").is_file():
                codes.add(entry.name)
    order = list(NATIVE_NAMES)
    ranked = sorted(codes, key=lambda c: (order.index(c) if c in order else len(order), c))
    return {code: native_name(code) for code in ranked}


class _Locales(Mapping):
    """The running app's interface languages ({code: name}); outside an app, the project's."""

    def _data(self) -> dict[str, str]:
        if has_app_context() and "lms_locales" in current_app.extensions:
            return current_app.extensions["lms_locales"]
        return _project_locales()

    def __getitem__(self, code: str) -> str:
        return self._data()[code]

    def __iter__(self):
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())


@cache
def _project_locales() -> dict[str, str]:
    return discover_locales(str(PROJECT_TRANSLATIONS))


LOCALES: Mapping[str, str] = _Locales()


def init_app(app) -> None:
    """Read the interface languages from the app's catalog folders (wired in create_app)."""
    app.extensions["lms_locales"] = discover_locales(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations"))


def select_locale() -> str:
    """Pick the locale: saved choice, then the session, then the browser, then the default."""
    if not has_request_context():  # the `lms` command
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()  # once: each use of the proxy looks it up again
    if user and user.is_authenticated and user.locale in LOCALES:
        return user.locale
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in LOCALES:
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


@cache
def _thousands_separator(locale: str) -> str | None:
    """The locale's thousands separator, when Babel writes its whole numbers as Python's
    "{:,}" does with that separator (checked on sample numbers once per process); else None."""
    from babel.numbers import format_decimal, get_group_symbol

    group = get_group_symbol(locale)
    samples = (0, 7, 42, 999, 1000, 1001, 12345, 123456, 1234567, 987654321012)
    if all(format_decimal(n, locale=locale) == f"{n:,}".replace(",", group) for n in samples):
        return group
    return None


def count_text(n: int) -> str:
    """A whole number as Flask-Babel's format_decimal writes it in the current locale.

    A dashboard writes hundreds of counts; Babel parses and applies the locale's number
    pattern for each (about 25 µs), while the same digits grouped by Python with the
    locale's separator take a microsecond. Any number or locale not shown equal to Babel
    on the samples goes to Babel.
    """
    locale = str(get_locale() or "en")
    group = _thousands_separator(locale) if n >= 0 else None
    if group is None:
        from flask_babel import format_decimal

        return format_decimal(n)
    return f"{n:,}".replace(",", group)


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


def localized_html(loc: Localized | None) -> Markup:
    """Course text in a page (`text(...)` in templates): in a <span>, marked with its own
    language and direction when it fell back to another language than the page's. A function,
    not a template macro: a quiz page shows dozens of them, and a macro call costs far more."""
    if not isinstance(loc, Localized):  # no text (None, undefined) is an empty span, as it always was
        return Markup(f"<span>{escape(loc or '')}</span>")  # noqa: S704 (escaped)
    if loc.is_fallback:
        return Markup(f'<span lang="{escape(loc.lang)}" dir="{text_direction(loc.lang)}">{escape(loc.text)}</span>')  # noqa: S704 (escaped)
    return Markup(f"<span>{escape(loc.text)}</span>")  # noqa: S704 (escaped)


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
