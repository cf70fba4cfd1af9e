"""The one list of interface languages, locale negotiation and translated-map helpers."""

from __future__ import annotations

from dataclasses import dataclass

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


def list_html(items, lang: str | None = None) -> Markup:
    """Items joined the locale's way ("a, b and c"; the Arabic comma in Arabic), HTML-safe."""
    return Markup(format_list([str(escape(item)) for item in items], locale=lang or current_language()))  # noqa: S704


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
