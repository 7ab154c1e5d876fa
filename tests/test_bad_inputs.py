"""Bad and awkward inputs through the CLI: exit 0 with a result (and warnings) or exit 1
with one clear line; never a traceback.

The corpus is the one benchmarks/bad_inputs.py prints a table for; here each case runs
in-process through click's CliRunner with the lite model. Cases that need ffmpeg or the
shared clips skip when those are absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from repsight.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location("bad_inputs",
                                                  ROOT / "benchmarks" / "bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bad_inputs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bad = _load_corpus_module()
PLANS = {p.name: p for p in bad.plans()}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_inputs")


@pytest.mark.parametrize("name", list(PLANS))
def test_bad_input_gives_result_or_one_line_error(name: str, corpus_dir: Path) -> None:
    plan = PLANS[name]
    try:
        case = bad.build_case(plan, corpus_dir)
    except bad.Skip as exc:
        pytest.skip(str(exc))
    out_dir = corpus_dir / "out"
    out_dir.mkdir(exist_ok=True)
    runner = CliRunner()
    for command in bad.available_commands():
        if bad.expectation(case, command)[0] is None:
            continue
        args = bad.cli_args(case, command, out_dir, "lite")
        result = runner.invoke(main, args)
        # CliRunner catches stray exceptions instead of printing them: check both.
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{command}: {type(result.exception).__name__}: {result.exception}")
        assert "Traceback" not in result.output
        verdict = bad.judge(case, command, result.exit_code, result.output)
        assert verdict == "ok", f"{command} -> exit {result.exit_code}: {result.output!r}"


def test_extract_of_a_bad_input_writes_no_output(tmp_path: Path) -> None:
    text = bad.make_text_as_mp4(tmp_path)
    out = tmp_path / "poses.npz"
    result = CliRunner().invoke(main, ["extract", str(text), "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [text]
