"""The course check's problems in the author's language.

The validator (catalog/spec.py, quizzes/spec.py, scenarios/spec.py and the scenario
engine) writes each problem in English, as `lms courses check` prints it. The editor
shows the same problem translated: each English message is matched here to a
translatable text with the same placeholders. A test walks the validator's source and
fails on any message without a match, so a new rule cannot appear untranslated.
"""

from __future__ import annotations

import re

from flask_babel import gettext

ANY = r"(?P<{}>.+?)"


def N_(text: str) -> str:  # noqa: N802 (the gettext convention: marked for extraction only)
    return text


def _pattern(english: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", english)
    regex = "".join(re.escape(p) if i % 2 == 0 else ANY.format(p) for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


# Each message as the validator writes it in English, placeholders as %(name)s.
MESSAGES = [
    N_("file is missing"),
    N_("folder does not exist"),
    N_("malformed YAML: %(detail)s"),
    N_("cannot be read: %(detail)s"),
    N_("must be a mapping of fields"),
    N_("is missing"),
    N_("must map each language code to a text"),
    N_("missing translation"),
    N_("language not listed in course.yaml"),
    N_("invalid id %(value)s: use lowercase letters, digits and '-'"),
    N_("must be a whole number %(bounds)s"),
    N_("must be a list of language codes"),
    N_("%(lang)s is already offered (listed in languages)"),
    N_("must map segment keys to records"),
    N_("each record needs the hash of its source"),
    N_("must match the folder name %(name)s"),
    N_("must be one of the course languages"),
    N_("must be a mapping"),
    N_("must be one of %(values)s"),
    N_("must be a number of hours"),
    N_("must list the modules in order"),
    N_("module folder %(name)s does not exist"),
    N_("the pre-test is not listed in modules"),
    N_("duplicate module %(name)s"),
    N_("module folder is not listed in course.yaml modules"),
    N_("the pre-test needs a quiz"),
    N_("duplicate %(kind)s id %(value)s (also in %(where)s)"),
    N_("must be a list"),
    N_("list what an officer can do after the module"),
    N_("missing translation (lesson file)"),
    N_("lesson is empty"),
    N_("images must be files in media/, not links to other hosts"),
    N_("image does not exist in media/"),
    N_('box not understood: write it as !!! note "Title", the title in straight double quotes (kinds: %(kinds)s)'),
    N_("an assessment module needs a quiz"),
    N_("a scenario module needs a scenario"),
    N_("a quiz needs at least one question"),
    N_("draws %(draw)s questions but the quiz has %(count)s"),
    N_("a question needs at least two options"),
    N_("duplicate option id %(value)s"),
    N_("no option is marked correct"),
    N_("a %(type)s question has exactly one correct option, not %(count)s"),
    N_("a true_false question has the options 'true' and 'false'"),
    N_("only a classify or rate question has %(field)s"),
    N_("a best_response option has a credit (0..100), not correct"),
    N_("only a best_response option has a credit"),
    N_("no option has the full credit 100"),
    N_("a %(type)s question has %(parts)s and %(items)s, not %(other)s"),
    N_("a %(type)s question needs at least two %(field)s"),
    N_("duplicate id %(value)s in %(field)s"),
    N_("must be the id of one of the question's %(field)s (%(values)s)"),
    N_("only a rate question has %(field)s"),
    N_("must be true or false"),
    N_("a placement needs at least two options"),
    N_("must be the id of one of the placement's options (%(values)s)"),
    N_("must be immediate or debrief"),
    N_("must include the officer's role"),
    N_("duplicate checklist id %(value)s"),
    N_("must map names to whole numbers"),
    N_("a scenario needs nodes"),
    N_("unknown role %(value)s"),
    N_("must be good, mixed or poor"),
    N_("an ending has no choices"),
    N_("a node that is not an ending needs choices"),
    N_("duplicate choice id %(value)s"),
    N_("must be a whole number"),
    N_("unknown checklist id %(value)s"),
    N_("condition or change on unknown variable %(value)s"),
    N_("use min, max or equals"),
    N_("start node %(value)s does not exist"),
    N_("next %(value)s does not exist"),
    N_("every choice is conditional: the run could get stuck"),
    N_("node cannot be reached from start"),
    N_("a path loops and never reaches an ending"),
    N_("no node is an ending"),
    N_("the best path scores %(best)s, below the pass score %(pass_score)s"),
    N_("version %(version)s is older than the loaded version %(current)s"),
]
_COMPILED = [(_pattern(text), text) for text in MESSAGES]


def match(message: str):
    """(translatable text, placeholders) for a validator message, or None."""
    for pattern, text in _COMPILED:
        found = pattern.match(message)
        if found:
            return text, found.groupdict()
    return None


def translate(message: str) -> str:
    """The message in the current interface language (English when it has no match)."""
    found = match(message)
    if found is None:
        return message
    text, params = found
    return gettext(text, **params) if params else gettext(text)
