"""`cqrs-lab` itself: a subcommand that cannot be imported is named, never hidden."""

from __future__ import annotations

import types

import pytest

from cqrs_lab import cli


def test_a_broken_subcommand_is_reported_not_dropped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = cli._module

    def module(name: str) -> types.ModuleType:
        if name == "serve":
            raise ModuleNotFoundError("No module named 'aiohttp'")
        return real(name)

    monkeypatch.setattr(cli, "_module", module)
    assert cli.main(["serve", "--port", "8000"]) == 2
    said = capsys.readouterr().err
    assert "'serve' command cannot start: ModuleNotFoundError: No module named 'aiohttp'" in said
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "serve" in capsys.readouterr().out  # still listed, marked broken
    assert cli.main(["config", "path"]) == 0  # the others work
