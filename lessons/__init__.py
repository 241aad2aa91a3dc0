"""The course shipped with the lab: lesson files (*.md) and demos (demos/*.lab).

Installed as the package data of `cqrs_lab.course` (pyproject.toml maps this folder to it)
and read through `importlib.resources`; see `cqrs_lab.lessons.course`.
"""
