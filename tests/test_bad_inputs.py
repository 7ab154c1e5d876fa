"""Bad and awkward inputs through the CLI: exit 0 with a result (and warnings) or exit 1
with one clear line; never a traceback.

The corpus is the one benchmarks/bad_inputs.py prints a table for; here each case runs
in-process through click's CliRunner with the lite model. Cases that need ffmpeg or the
shared clips skip when those are absent.
"""

from __future__ import annotations

import importlib.util
import os
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
        # One pose pass a clip, shared by its commands through a cache of the module's own
        # (each ran the pose model again with --no-cache: minutes of the suite's time).
        if "--no-cache" in args:
            k = args.index("--no-cache")
            args[k:k + 1] = ["--cache-dir", str(corpus_dir / "poses")]
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


# ---------------------------------------------------------------- inputs are sacred


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outputs_onto(video: Path) -> dict[str, list[str]]:
    """Every way a command line can name an output that is the input video itself."""
    v = str(video)
    return {
        "annotate -o": ["annotate", v, "-o", v],
        "extract -o": ["extract", v, "-o", v],
        "analyze --json": ["analyze", v, "--json", v],
        "analyze --csv": ["analyze", v, "--csv", v],
        "analyze --plot": ["analyze", v, "--plot", v],
        "analyze --annotate": ["analyze", v, "--annotate", v],
    }


@pytest.mark.parametrize("how", list(_outputs_onto(Path("x.mp4"))))
def test_an_output_onto_the_input_is_refused_before_decoding(how: str, tmp_path: Path) -> None:
    # A text file named .mp4: the refusal must come before decoding ("not a video").
    video = bad.make_text_as_mp4(tmp_path)
    before = _digest(video)
    result = CliRunner().invoke(main, [*_outputs_onto(video)[how], "-q", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert "refusing to write" in result.output and "input" in result.output
    assert result.output.strip().count("\n") == 0
    assert _digest(video) == before and sorted(tmp_path.iterdir()) == [video]


@pytest.mark.parametrize("link", ["hard", "symbolic", "dotted"])
def test_a_link_or_other_spelling_of_the_input_is_refused(link: str, tmp_path: Path) -> None:
    video = bad.make_text_as_mp4(tmp_path)
    before = _digest(video)
    alias = tmp_path / "alias.mp4"
    if link == "hard":
        os.link(video, alias)
    elif link == "symbolic":
        alias.symlink_to(video)
    else:
        alias = tmp_path / "." / ".." / tmp_path.name / video.name
    result = CliRunner().invoke(main, ["annotate", str(video), "-o", str(alias), "-q"])
    assert result.exit_code == 1 and "refusing to write" in result.output, result.output
    assert _digest(video) == before


def test_the_config_file_is_an_input_too(tmp_path: Path) -> None:
    video = bad.make_text_as_mp4(tmp_path)
    cfg = tmp_path / "settings.toml"
    cfg.write_text('goal = "power"\n')
    result = CliRunner().invoke(main, ["analyze", str(video), "--config", str(cfg),
                                       "--json", str(cfg), "-q"])
    assert result.exit_code == 1 and "refusing to write" in result.output, result.output
    assert cfg.read_text() == 'goal = "power"\n'


@pytest.mark.parametrize("target, words", [
    ("-", "standard output"),
    ("/dev/stdout", "device or system file"),
    ("/dev/null", "device or system file"),
    ("{d}/" + "n" * 245 + ".json", "too long"),
    ("{d}/same.json", "--json and --csv name the same file"),
])
def test_outputs_that_cannot_be_results_fail_up_front(target: str, words: str,
                                                      tmp_path: Path) -> None:
    video = bad.make_text_as_mp4(tmp_path)
    target = target.format(d=tmp_path)
    extra = ["--csv", str(tmp_path / "same.json")] if "same" in target else []
    result = CliRunner().invoke(main, ["analyze", str(video), "--json", target, *extra, "-q"])
    assert result.exit_code == 1, result.output
    assert words in result.output and "not a video" not in result.output
    assert sorted(tmp_path.iterdir()) == [video]


# ---------------------------------------------------------------- a damaged pose cache


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "bit flipped":
        for k in range(len(data) // 3, len(data) // 3 + 64, 8):  # inside the arrays
            data[k] ^= 0x10
        path.write_bytes(bytes(data))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "text":
        path.write_text("not a pose file\n")
    elif how == "wrong shapes":
        import numpy as np

        from repsight.cache import load_pose

        seq = load_pose(path)
        np.savez_compressed(path, image=seq.image[:, :10], world=seq.world,
                            timestamps_s=seq.timestamps_s, meta=np.array("{}"))


@pytest.mark.parametrize("how", ["truncated", "bit flipped", "empty", "text", "wrong shapes"])
def test_a_damaged_cache_entry_is_discarded_rebuilt_and_reported(how: str,
                                                                 tmp_path: Path) -> None:
    from helpers import write_test_video
    from repsight.cache import load_pose

    video = write_test_video(tmp_path / "clip.mp4", n=12)
    cache = tmp_path / "cache"
    args = ["extract", str(video), "-o", str(tmp_path / "p.npz"), "-q", "--model", "lite",
            "--cache-dir", str(cache)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    (entry,) = cache.glob("*.npz")
    _damage(entry, how)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and again.exception is None, again.output
    assert "discarded a damaged pose-cache entry" in again.output
    assert load_pose(entry).n_frames == 12  # rebuilt whole
    third = CliRunner().invoke(main, args)
    assert "discarded" not in third.output


# ---------------------------------------------------------------- misuse scenarios

# The benchmark's misuse scenarios that no other test here covers (subprocess runs, a few
# seconds each); the rest are checked in-process above and in test_batch/test_config.
SCENARIOS = {s.name: s for s in bad.scenarios()}
QUICK_SCENARIOS = ["clip names with terminal escape codes", "second video stream",
                   "clip cut with stream copy", "manifest.json is a FIFO", "--json /dev/stdout"]


@pytest.mark.parametrize("name", QUICK_SCENARIOS)
def test_misuse_scenario(name: str, tmp_path: Path) -> None:
    codes, outcome, verdict, _seconds = bad.run_scenario(bad.expanded(SCENARIOS[name]), tmp_path)
    assert verdict == "ok", f"exit {codes}: {outcome}"
