"""Form fields of the course editors: reading what a form posts, and the course check's
problems placed next to the field they concern.

The check (catalog/spec.py and the quiz and scenario rules) names each problem's place
with a path such as `nodes.n1.choices[0].next` or `questions[q-one].options[1].text.ru`.
A form names its fields after the same paths: `c0_next`, `opt1_text_ru`. `place` turns
the one into the other; a problem whose field the page does not show falls back to the
nearest field that holds it (`text_ru` → `text`), then to the page itself ('').
"""

from __future__ import annotations

import re

from lms.bounds import whole_number


def as_dict(value: object) -> dict:
    """The value when it is a mapping, else an empty one: a hand-edited YAML file may hold anything."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    """The value when it is a list, else an empty one: a hand-edited YAML file may hold anything."""
    return value if isinstance(value, list) else []


_INDEXED = re.compile(r"(?:^|\.)([a-z_]+)\[([^\]]+)\]")


def field_name(path: str, lists: dict[str, str], renames: dict[str, str] | None = None,
               indexes: dict[str, dict[str, int]] | None = None) -> str:
    """A check path as a form field name: `choices[0].text.ru` → `c0_text_ru` for lists {'choices': 'c'}.

    `indexes` maps a list's ids to row numbers, for paths that name an item by its id.
    """
    renames = renames or {}
    indexes = indexes or {}
    head = path.split(".")[0]
    if head in renames:
        path = renames[head] + path[len(head):]

    def row(m: re.Match) -> str:
        name, index = m.group(1), m.group(2)
        prefix = lists.get(name)
        if prefix is None:
            return m.group(0)
        if not index.isdigit():
            index = str(indexes.get(name, {}).get(index, index))
        sep = "." if m.group(0).startswith(".") else ""
        return f"{sep}{prefix}{index}"

    return _INDEXED.sub(row, path).replace(".", "_")


def place(problems, prefix: str | None, shown: set[str], lists: dict[str, str],
          renames: dict[str, str] | None = None, indexes: dict[str, dict[str, int]] | None = None,
          elsewhere: dict[str, str] | None = None) -> dict[str, list]:
    """Problems keyed by the field they concern.

    With a prefix (such as `nodes.n1`), only the problems under it, named from there.
    `elsewhere` maps a path head (such as `nodes`) to a key prefix: problems under it are
    shown beside the item they concern (`nodes_n1`), whose own page shows them in full.
    """
    out: dict[str, list] = {}
    for p in problems:
        path = p.field
        if prefix is not None:
            if path != prefix and not path.startswith(prefix + "."):
                continue
            path = path[len(prefix) + 1:]
        head = re.split(r"[.\[]", path, maxsplit=1)[0]
        if elsewhere and head in elsewhere and path != head:
            rest = path[len(head):]
            item = rest[1:].split(".")[0] if rest.startswith(".") else rest[1:].split("]")[0]
            out.setdefault(f"{elsewhere[head]}_{item}", []).append(p)
            continue
        key = field_name(path, lists, renames, indexes) if path else ""
        while key and key not in shown:
            key = key.rpartition("_")[0]
        out.setdefault(key, []).append(p)
    return out


def line_of(text: str, path: str) -> int | None:
    """The line (1-based) of a YAML text where the check's field path is written, or the
    nearest enclosing line found; None when the text cannot be read."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = None
    for token in re.findall(r"[^.\[\]]+|\[[^\]]*\]", path):
        if token.startswith("["):
            index = token[1:-1]
            if not isinstance(node, yaml.SequenceNode):
                break
            found = None
            if index.isdigit():
                found = node.value[int(index)] if int(index) < len(node.value) else None
            else:
                for item in node.value:
                    if isinstance(item, yaml.MappingNode) and any(
                            k.value == "id" and getattr(v, "value", None) == index for k, v in item.value):
                        found = item
                        break
            if found is None:
                break
            node, line = found, found.start_mark.line + 1
        else:
            if not isinstance(node, yaml.MappingNode):
                break
            pair = next(((k, v) for k, v in node.value if str(k.value) == token), None)
            if pair is None:
                break
            line = pair[0].start_mark.line + 1
            node = pair[1]
    return line


def posted_texts(form, prefix: str, langs: list[str], old: dict | None) -> dict:
    """A translated text from fields prefix_<lang>; languages the form does not show are kept."""
    texts = {k: v for k, v in (old or {}).items() if k not in langs} if isinstance(old, dict) else {}
    for lang in langs:
        value = (form.get(f"{prefix}_{lang}") or "").strip()
        if value:
            texts[lang] = value
    return texts


def typed_number(raw: str):
    """A typed number as an int; anything else is kept as typed, for the course check to name."""
    raw = (raw or "").strip()
    number = whole_number(raw)
    return raw if number is None else number


def posted_rows(form, name: str) -> int:
    """The number of rows a part of the form says it posts: each row is fields of its own."""
    return max(0, min(whole_number(form.get(name) or "0") or 0, len(form), 200))
