"""The course ships inside the package: lessons and demos are `cqrs_lab.course`'s package data,
read through importlib.resources; extra folders ($CQRS_LAB_LESSONS, the config file) are
listed with where they came from; `demo NAME` and `demo --list`; and the built wheel holds
the lessons, the demos and the LICENSE."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest

from cqrs_lab.cli import main as cli_main
from cqrs_lab.commands import lesson as lesson_command
from cqrs_lab.commands.output import BROKEN_PIPE_STATUS
from cqrs_lab.lessons import LessonFolder, load_course, load_lessons, shipped_course
from cqrs_lab.lessons.demos import demo_title, find_demo, find_demos
from tests.lesson_helpers import lesson_text, write_lesson
from tests.robust_helpers import cqrs_lab_command

ROOT = Path(__file__).resolve().parent.parent
LESSON_IDS = sorted(path.stem for path in (ROOT / "lessons").glob("[0-9]*.md"))
DEMO_NAMES = sorted(path.stem for path in (ROOT / "lessons" / "demos").glob("*.lab"))
STALE_READ = "01-stale-read-after-an-order"


def config_with(monkeypatch: pytest.MonkeyPatch, *folders: Path, problem: str | None = None):
    """The config file's `lessons` list, as `load_config()` returns it."""
    config = SimpleNamespace(lesson_folders=tuple(folders), problem=problem)
    monkeypatch.setattr("cqrs_lab.config.load_config", lambda: config)


def write_demo(folder: Path, name: str, text: str) -> Path:
    (folder / "demos").mkdir(parents=True, exist_ok=True)
    path = folder / "demos" / f"{name}.lab"
    path.write_text(text, "utf-8")
    return path


# -- the shipped course ---------------------------------------------------------------


def test_the_course_is_the_package_data_of_cqrs_lab_course() -> None:
    course = shipped_course()
    assert str(course) == str(resources.files("cqrs_lab.course"))
    assert sorted(lesson.id for lesson in load_lessons([course]).lessons) == LESSON_IDS
    assert len(LESSON_IDS) == 24
    assert sorted(item.name for item in (course / "demos").iterdir()) == [
        f"{name}.lab" for name in DEMO_NAMES
    ]


def test_the_editable_install_reads_the_repository_folder() -> None:
    """`pip install -e` maps cqrs_lab.course onto lessons/: edits show at once."""
    assert Path(str(shipped_course())).resolve() == ROOT / "lessons"


def test_by_default_the_course_is_the_shipped_one_from_any_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    course = load_course()
    assert course.problems == ()
    assert [lesson.id for lesson in course.lessons] == LESSON_IDS
    assert {folder.origin for folder in course.origins.values()} == {"shipped"}
    assert [demo.name for demo in find_demos()] == DEMO_NAMES


def test_lessons_and_demos_load_from_an_archive(tmp_path: Path) -> None:
    """Only Traversable methods are used: a course inside a zip file loads too."""
    archive = tmp_path / "course.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("course/01-test.md", lesson_text())
        zipped.writestr("course/README.md", "not a lesson")
        zipped.writestr("course/demos/hello.lab", '# Demo: saying hello.\nsay "hello"\n')
    root = zipfile.Path(archive, "course/")
    loaded = load_lessons([root])
    assert loaded.problems == ()
    assert [lesson.id for lesson in loaded.lessons] == ["01-test"]
    (demo,) = find_demos([LessonFolder(root, "test")])
    assert demo.name == "hello" and demo_title(demo.read()) == "Saying hello"


# -- extra folders ----------------------------------------------------------------------


def test_extra_folders_are_listed_with_where_they_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, configured = (tmp_path / name for name in ("first", "second", "configured"))
    for folder, lesson_id in ((first, "12-first"), (second, "13-second"), (configured, "14-c")):
        folder.mkdir()
        write_lesson(folder, lesson_id)
    monkeypatch.setenv("CQRS_LAB_LESSONS", os.pathsep.join([str(first), str(second)]))
    config_with(monkeypatch, configured)

    assert cli_main(["lessons", "list"]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line and not line[0].isspace() and ": " in line]
    assert headers == [
        f"shipped: {shipped_course()}",
        f"$CQRS_LAB_LESSONS: {first}",
        f"$CQRS_LAB_LESSONS: {second}",
        f"config file: {configured}",
    ]
    after = {header: out.split(header, 1)[1] for header in headers}
    assert after[headers[0]].split()[0] == LESSON_IDS[0]
    assert after[headers[1]].split()[0] == "12-first"
    assert after[headers[2]].split()[0] == "13-second"
    assert after[headers[3]].split()[0] == "14-c"


def test_a_folder_named_again_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lesson(tmp_path, "12-mine")
    monkeypatch.setenv("CQRS_LAB_LESSONS", os.pathsep.join([str(tmp_path), str(ROOT / "lessons")]))
    config_with(monkeypatch, tmp_path)
    course = load_course()
    assert course.problems == ()
    assert [folder.origin for folder in course.folders] == ["shipped", "$CQRS_LAB_LESSONS"]
    assert course.origins["12-mine"].root == tmp_path


def test_a_missing_extra_folder_and_a_bad_config_are_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_with(monkeypatch, tmp_path / "gone", problem="config file x: line 3: lessons: bad")
    assert cli_main(["lessons", "list"]) == 1
    captured = capsys.readouterr()
    assert f"error: {tmp_path / 'gone'}: no such file or directory" in captured.err
    assert "note: config file x: line 3: lessons: bad" in captured.err
    assert LESSON_IDS[-1] in captured.out


def test_the_config_file_names_lesson_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real config file, not a stand-in."""
    (tmp_path / "mine").mkdir()
    write_lesson(tmp_path / "mine", "12-mine")
    config = tmp_path / "config.toml"
    config.write_text(f"lessons = [{str(tmp_path / 'mine')!r}]\n", "utf-8")
    monkeypatch.setenv("CQRS_LAB_CONFIG", str(config))
    course = load_course()
    assert course.origins["12-mine"].origin == "config file"


def test_lesson_id_opens_shipped_and_extra_lessons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_lesson(tmp_path, "12-mine")
    monkeypatch.setenv("CQRS_LAB_LESSONS", str(tmp_path))
    opened: list[str] = []

    def fake_app(
        args: object, *, lesson: object, lesson_step: int | None, db_default: str
    ) -> SimpleNamespace:
        opened.append(lesson.id)  # type: ignore[attr-defined]
        return SimpleNamespace(run=lambda: None, return_code=0)

    monkeypatch.setattr(lesson_command, "lab_app", fake_app)
    assert cli_main(["lesson", "01-commands-and-queries"]) == 0
    assert cli_main(["lesson", "12-mine"]) == 0
    assert cli_main(["lesson", "4"]) == 0
    assert opened == ["01-commands-and-queries", "12-mine", "04-eventual-consistency"]


# -- demos by name ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [STALE_READ, f"{STALE_READ}.lab"])
def test_a_shipped_demo_plays_by_name(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli_main(["demo", name, "--headless"]) == 0
    shown = capsys.readouterr().out
    assert "┃ Alice opens her orders." in shown and "[wait-key: going on]" in shown


def test_the_old_repository_path_still_finds_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli_main(["demo", f"lessons/demos/{STALE_READ}.lab", "--headless"]) == 0
    captured = capsys.readouterr()
    assert f"playing the demo {STALE_READ}" in captured.err and "┃ Alice" in captured.out


def test_a_demo_file_still_plays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = write_demo(tmp_path, "mine", 'say "my own demo"\nwait-key\n')
    assert cli_main(["demo", str(demo), "--headless"]) == 0
    assert "┃ my own demo ┃" in capsys.readouterr().out


def test_an_unknown_demo_names_the_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["demo", "01-stale-read", "--headless"]) == 2
    err = capsys.readouterr().err
    assert f"no demo or file '01-stale-read' — did you mean '{STALE_READ}'?" in err
    assert "cqrs-lab demo --list" in err
    assert cli_main(["demo"]) == 2
    assert "name a demo or a file" in capsys.readouterr().err


def test_demo_list_names_each_demo_with_its_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_demo(tmp_path, "09-mine", 'seed 1\nsay "Look at the lanes"\n')
    write_demo(tmp_path, STALE_READ, 'say "not the shipped one"\n')  # the shipped one wins
    monkeypatch.setenv("CQRS_LAB_LESSONS", str(tmp_path))
    assert cli_main(["demo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines if not line[0].isspace()]
    assert names == [*DEMO_NAMES, "09-mine"]
    assert lines[0].split(maxsplit=1)[1] == "A stale read right after an order"
    mine = lines.index(next(line for line in lines if line.startswith("09-mine")))
    assert lines[mine].split(maxsplit=1)[1] == "Look at the lanes"
    assert lines[mine + 1].strip() == f"from $CQRS_LAB_LESSONS: {tmp_path}"
    demo = find_demo(find_demos(), STALE_READ)
    assert demo is not None and demo.folder.origin == "shipped"


def test_a_headless_demo_into_a_pipe_closed_early_ends_quietly(tmp_path: Path) -> None:
    """`cqrs-lab demo NAME --headless | head -1`."""
    demo = write_demo(tmp_path, "long", 'say "a caption long enough to fill a pipe"\n' * 3000)
    child = subprocess.Popen(
        cqrs_lab_command("demo", str(demo), "--headless"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read().decode()
    assert first.startswith("┏".encode())
    assert errors == ""
    assert child.wait(timeout=60) == BROKEN_PIPE_STATUS


# -- the wheel --------------------------------------------------------------------------


def test_pyproject_lists_every_package() -> None:
    """The packages are listed (the course is mapped from lessons/): a new one must be too,
    and every folder of modules is a package (a folder without `__init__.py` would be
    left out of the wheel)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    folders = {module.parent for module in (ROOT / "cqrs_lab").rglob("*.py")}
    assert [folder for folder in folders if not (folder / "__init__.py").exists()] == []
    found = {".".join(folder.relative_to(ROOT).parts) for folder in folders}
    listed = set(setuptools["packages"])
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert setuptools["package-dir"]["cqrs_lab.course"] == "lessons"


def test_the_wheel_holds_the_course_and_the_license(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("cqrs_lab", "lessons"):
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*build, "--quiet", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("cqrs_lab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
        info = archive.read(metadata).decode()
        license_file = next(name for name in names if name.endswith("dist-info/licenses/LICENSE"))
        license_text = archive.read(license_file).decode()
    assert {f"cqrs_lab/course/{lesson_id}.md" for lesson_id in LESSON_IDS} <= names
    assert {f"cqrs_lab/course/demos/{name}.lab" for name in DEMO_NAMES} <= names
    assert "cqrs_lab/course/README.md" in names
    assert "cqrs_lab/tui/app.tcss" in names
    assert "License-Expression: MIT" in info and "License-File: LICENSE" in info
    assert license_text.startswith("MIT License") and "CQRS Lab contributors" in license_text
    assert not any(name.startswith(("lessons/", "tests/")) for name in names)
