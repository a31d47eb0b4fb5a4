"""No import circles among the modules of ``adapters/``, not even under ``if TYPE_CHECKING:``.

Why: a circle means two modules can only be understood (and changed) together, and the Slack
adapter is to copy the Discord split module for module. The graph is read from the source, so a
circle hidden behind ``TYPE_CHECKING`` fails here too.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.import_graph import find_cycle, import_graph

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"


def test_no_module_in_adapters_is_part_of_an_import_circle() -> None:
    graph = import_graph(ADAPTERS)
    # The graph is really read: the adapter composes the client (guards against an empty graph).
    assert "adapters.discord.client" in graph["adapters.discord.adapter"]
    assert find_cycle(graph) is None


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "adapters"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_the_detector_finds_a_circle_planted_under_type_checking(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from adapters.b import thing\n",
            "b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from adapters.a import other\n"
            ),
            "c.py": "import adapters.a\n",
        },
    )
    assert find_cycle(import_graph(package)) == ["adapters.a", "adapters.b", "adapters.a"]


def test_the_detector_follows_plain_and_relative_imports_into_subpackages(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "chat/__init__.py": "from adapters.chat.adapter import Adapter\n",
            "chat/adapter.py": "from . import client\n",
            "chat/client.py": "def hook() -> None:\n    import adapters.chat.adapter\n",
        },
    )
    graph = import_graph(package)
    assert graph["adapters.chat.adapter"] == {"adapters.chat.client"}
    assert find_cycle(graph) == [
        "adapters.chat.adapter",
        "adapters.chat.client",
        "adapters.chat.adapter",
    ]


def test_a_package_importing_its_own_submodules_is_no_circle(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "chat/__init__.py": "from adapters.chat.adapter import Adapter\n",
            "chat/adapter.py": "from adapters.chat.client import Client\nimport os\n",
            "chat/client.py": "import discord\n",
        },
    )
    assert find_cycle(import_graph(package)) is None
