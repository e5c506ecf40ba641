"""The README's Python examples run as written (in a scratch folder beside the repository's
scenarios). The plotting and SALib examples need matplotlib and SALib, which the CI's venv
leaves out to keep its install short; they are skipped, saying so, where those are missing."""

import os
import re
import shutil

import pytest

from conftest import REPO


def examples():
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Python\n"):]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_shows_three_python_examples():
    assert len(examples()) == 3


@pytest.mark.parametrize("index, needs", [(0, []), (1, ["matplotlib"]), (2, ["SALib"])])
def test_a_readme_example_runs(index, needs, tmp_path, monkeypatch):
    for module in needs:
        pytest.importorskip(module, reason=f"the example needs {module} (pip install {module})")
    if "matplotlib" in needs:
        os.environ.setdefault("MPLBACKEND", "Agg")
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    exec(compile(examples()[index], f"README example {index}", "exec"), {})
    if index == 1:
        assert (tmp_path / "tfp.png").stat().st_size > 0
