"""`cqrs-lab lessons new SLUG`: a new lesson file that loads and validates as it is, with
every field filled in and a comment saying what to change."""

from __future__ import annotations

import re

from cqrs_lab.lessons.model import LESSON_ID_PATTERN

DEFAULT_ORDER = 100
"""After the shipped course (whose lessons are numbered from 1)."""

TEMPLATE = """+++
# A lesson: TOML front matter between the +++ lines, then the introduction (Markdown).
# The format: lessons/README.md; every lab line, event and lane: lessons/AUTHORING.md
# (both in the CQRS Lab sources). Check the lesson: cqrs-lab lessons validate {file}
id = "{id}"
title = "{title}"
summary = "One sentence: what the learner sees happen."
order = {order}
setup = '''
seed {order}
latency catalog fixed:6s
'''

# For whoever runs the lesson with a group; never shown to learners
# (cqrs-lab lessons notes {file}).
[facilitator]
duration = "10 min"
wrong_turns = ["Querying long after the write: the catalog has caught up by then."]
questions = ["When would a user notice a catalog six seconds behind?"]

[[steps]]
title = "Add a product"
text = '''
Add a product and ask for the catalog at once:

    add-product mug "Blue mug" 12.50 10
    query catalog

The **view panel** marks the answer as behind: the event is still on the **catalog lane**.
'''
hints = [
  "add-product takes a SKU, a name in quotes, a price and a stock count.",
  "Type: add-product mug \\"Blue mug\\" 12.50 10 — then query catalog",
]
solution = '''
add-product mug "Blue mug" 12.50 10
query catalog
'''
[steps.goal]
in_order = [
  {{ event = {{ type = "ProductAdded" }} }},
  {{ queried = {{ view = "catalog", behind = true, label = "query the catalog while behind" }} }},
]

[[steps]]
title = "Let it arrive"
text = "Wait for the catalog lane to empty (or type `advance 7s`), then query again."
hints = ["Type: advance 7s — then query catalog"]
solution = '''
advance 7s
query catalog
'''
[steps.goal]
query_contains = {{ view = "catalog", value = "Blue mug" }}
+++

The introduction: what this lesson is about and why it matters, in a few sentences. The
lesson panel shows it before the first step.
"""


def check_slug(slug: str) -> str:
    """The slug if it can be a lesson id; a ValueError saying how to write one."""
    if not re.fullmatch(LESSON_ID_PATTERN, slug):
        raise ValueError(
            f"'{slug}' cannot be a lesson id: use lowercase letters, digits and single "
            "hyphens, like 12-my-lesson"
        )
    return slug


def scaffold(slug: str, order: int = DEFAULT_ORDER) -> str:
    """The text of a new lesson with id `slug`."""
    check_slug(slug)
    words = re.sub(r"^\d+-", "", slug).replace("-", " ")
    title = words[:1].upper() + words[1:] if words else slug
    return TEMPLATE.format(id=slug, title=title, order=order, file=f"{slug}.md")
