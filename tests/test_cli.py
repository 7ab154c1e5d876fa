"""CLI: one clear line and a non-zero exit code on bad input, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from repsight.cli import main


def test_info_on_small_clip(small_video: Path) -> None:
    result = CliRunner().invoke(main, ["info", str(small_video)])
    assert result.exit_code == 0, result.output
    assert "160x96" in result.output


def test_info_reads_the_container_without_numpy(small_video: Path) -> None:
    # `repsight info` should start in a blink: numpy would double its time.
    code = ("import sys; from click.testing import CliRunner; from repsight.cli import main; "
            f"r = CliRunner().invoke(main, ['info', {str(small_video)!r}]); "
            "print(r.exit_code, '160x96' in r.output, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "True", "False"]


def test_extract_writes_npz(small_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "poses.npz"
    result = CliRunner().invoke(main, ["extract", str(small_video), "-o", str(out), "-q",
                                       "--model", "lite", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "30 frames" in result.output


def test_extract_without_output_writes_into_the_current_folder_not_the_clips(
        small_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clips, here = tmp_path / "clips", tmp_path / "here"
    clips.mkdir()
    here.mkdir()
    clip = clips / "set.mp4"
    clip.write_bytes(small_video.read_bytes())
    monkeypatch.chdir(here)
    result = CliRunner().invoke(main, ["extract", str(clip), "-q", "--model", "lite",
                                       "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in clips.iterdir()) == ["set.mp4"]
    assert (here / "set.poses.npz").is_file()


@pytest.mark.parametrize("command", ["analyze", "extract"])
def test_a_rotation_that_is_not_a_quarter_turn_is_refused_alike(small_video: Path, command: str) -> None:
    # extract said "Usage: ... Invalid value for --rotate: 45 is not ..." with exit code 2,
    # analyze one line with 1.
    result = CliRunner().invoke(main, [command, str(small_video), "--rotate", "45", "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: --rotate: rotate must be 0, 90, 180 or 270 "
                                     "(degrees clockwise), got 45")


def test_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for args, needle in ((["info", str(tmp_path / "missing.mp4")], "not found"),
                         (["extract", str(text), "-q"], "not a video"),
                         (["extract", str(empty), "-q"], "0 bytes")):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert needle in result.output
        assert "Traceback" not in result.output
        assert result.output.strip().count("\n") == 0


def test_bad_config_files_give_one_line_errors(small_video: Path, tmp_path: Path) -> None:
    cases = {"exercise = 3\n": "exercise must be a text value",
             "analysis = 3\n": "must be a table of settings",
             'model = "huge"\n': "model must be lite, full or heavy"}
    for text, needle in cases.items():
        cfg = tmp_path / "settings.toml"
        cfg.write_text(text)
        result = CliRunner().invoke(main, ["analyze", str(small_video), "-q", "--config", str(cfg)])
        assert result.exit_code == 1, result.output
        assert needle in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_model_from_config_file_is_used(small_video: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text('[analysis]\nmodel = "lite"\n')
    cache = tmp_path / "c"
    result = CliRunner().invoke(main, ["analyze", str(small_video), "-q", "--config", str(cfg),
                                       "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    poses = [p.name for p in cache.iterdir() if not p.name.startswith("bar_")]  # bar tracks beside them
    assert len(poses) == 1 and poses[0].split("_")[1] == "lite"


# ---------------------------------------------------------------- shared analysis options

ANALYSIS_COMMANDS = ("analyze", "annotate", "batch")


def _analysis_fields() -> list[str]:
    """Every AnalysisConfig field a command line can set (all but the free-form `extra`)."""
    import dataclasses

    from repsight.config import AnalysisConfig

    return [f.name for f in dataclasses.fields(AnalysisConfig) if f.name != "extra"]


def _option_flags(command: str) -> dict[str, str]:
    """Parameter name -> its long flag, for every option of a command."""
    import click

    cmd = main.commands[command]
    return {p.name: max(p.opts, key=len) for p in cmd.params if isinstance(p, click.Option)}


def test_analyze_annotate_and_batch_list_the_same_analysis_options() -> None:
    # The expected set comes from AnalysisConfig itself, not from the CLI's own tables.
    fields = [*_analysis_fields(), "config_file"]
    assert {"goal", "lifter_height_m", "side", "velocity_loss_pct", "drift_tolerance_deg",
            "model"} <= set(fields)
    flags = {c: _option_flags(c) for c in ANALYSIS_COMMANDS}
    for command in ANALYSIS_COMMANDS:
        missing = [f for f in fields if f not in flags[command]]
        assert not missing, f"{command} lacks options for {missing}"
        # The same flag for a field in every command.
        assert {f: flags[command][f] for f in fields} == {f: flags["analyze"][f] for f in fields}
        help_text = CliRunner().invoke(main, [command, "--help"], terminal_width=200).output
        listed = {f: flags[command][f] in help_text.split() for f in fields}
        assert all(listed.values()), f"{command} --help misses {[f for f, v in listed.items() if not v]}"
    assert flags["batch"]["lifter_height_m"] == "--height"
    assert flags["batch"]["config_file"] == "--config"


def test_analysis_option_help_states_the_range_the_config_enforces() -> None:
    import pytest

    from repsight.cli_options import SPECS
    from repsight.config import build_config
    from repsight.errors import ConfigError

    assert set(SPECS) == set(_analysis_fields()), "every option needs a written help text"
    checked = 0
    for name, spec in SPECS.items():
        if spec.valid is None:
            continue
        lo, hi = spec.valid
        assert f"{lo:g}..{hi:g}" in spec.help_text(None)
        cast = int if name == "baseline_reps" else float
        build_config(**{name: cast(lo)})
        build_config(**{name: cast(hi)})
        step = 1 if cast is int else max(1e-3, abs(hi) * 1e-3)
        with pytest.raises(ConfigError, match=name):
            build_config(**{name: cast(hi + step)})
        with pytest.raises(ConfigError, match=name):
            build_config(**{name: cast(lo - step)})
        checked += 1
    assert checked >= 15


def test_options_override_the_config_file_which_overrides_defaults(tmp_path: Path) -> None:
    from repsight.cli_options import AnalysisOptions

    cfg = tmp_path / "settings.toml"
    cfg.write_text('[analysis]\ngoal = "hypertrophy"\nlifter_height_m = 1.70\ndrift_min_frames = 5\n')
    built = AnalysisOptions(cfg, {"goal": "power", "lifter_height_m": None, "side": "left"}).config()
    assert (built.goal, built.lifter_height_m, built.side, built.drift_min_frames) == (
        "power", 1.70, "left", 5)
    assert built.smoothing_cutoff_hz == 4.0  # untouched: the dataclass default


def test_bad_option_value_is_one_line_from_every_command(small_video: Path, tmp_path: Path) -> None:
    cases = {"analyze": [str(small_video)],
             "annotate": [str(small_video), "-o", str(tmp_path / "a.mp4")],
             "batch": [str(small_video.parent), "-o", str(tmp_path / "out")]}
    for command, args in cases.items():
        result = CliRunner().invoke(main, [command, *args, "-q", "--height", "3.5"])
        assert result.exit_code == 1, (command, result.output)
        assert "--height: lifter_height_m must be between 0.8 and 2.6, got 3.5" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # refused before the batch started
    # A height typed in centimetres is named as such, with what was meant.
    result = CliRunner().invoke(main, ["analyze", str(small_video), "-q", "--height", "178"])
    assert result.exit_code == 1
    assert "Error: --height: lifter_height_m is in metres: 178 cm is 1.78" in result.output


# ---------------------------------------------------------------- batch --goal on a real clip

SAMPLE_CLIP = Path(__file__).resolve().parents[1] / "sample_videos" / "squat_side_trunk_lean.mp4"


def _batch_row(folder: Path, out: Path, cache: Path, *extra: str) -> dict[str, str]:
    import csv

    result = CliRunner().invoke(main, ["batch", str(folder), "-o", str(out), "--cache-dir",
                                       str(cache), "-q", "--workers", "1", "--no-plot", *extra])
    assert result.exit_code == 0, result.output
    with open(out / "summary.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    return row


def test_batch_goal_power_changes_the_verdicts(tmp_path: Path) -> None:
    """Rendered squat, concentric 8 % slower each rep: by rep 4 it is past power's limits
    (1.2 s concentric, 20 % velocity loss) but within strength's 30 %; its trunk lean
    fault starts on rep 4 too."""
    import json
    import shutil

    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(SAMPLE_CLIP, folder / SAMPLE_CLIP.name)  # the name says squat
    cache = tmp_path / "cache"  # the first run extracts; the second reuses the poses
    strength = _batch_row(folder, tmp_path / "strength", cache)
    power = _batch_row(folder, tmp_path / "power", cache, "--goal", "power", "--height", "1.80")
    assert strength["exercise"] == power["exercise"] == "squat"
    assert strength["reps"] == power["reps"] == "5"

    def verdicts(out: Path) -> set[tuple[str, int]]:
        data = json.loads((out / SAMPLE_CLIP.stem / f"{SAMPLE_CLIP.stem}.json").read_text())
        return {(v["kind"], v["rep_index"]) for v in data["verdicts"]}

    assert ("tempo", 4) in verdicts(tmp_path / "power")
    assert ("tempo", 4) not in verdicts(tmp_path / "strength")
    # Rep 4 is also where the trunk lean starts (the clip's truth), so both goals report a
    # technical failure first there; the goal changes what else rep 4 failed.
    assert power["first_failure_rep"] == strength["first_failure_rep"] == "4"
    assert {k for k, r in verdicts(tmp_path / "power") if r == 4} == {"technical", "tempo"}
    assert {k for k, r in verdicts(tmp_path / "strength") if r == 4} == {"technical"}
    saved = json.loads((tmp_path / "power" / SAMPLE_CLIP.stem / f"{SAMPLE_CLIP.stem}.json"
                        ).read_text())["config"]
    assert (saved["goal"], saved["lifter_height_m"]) == ("power", 1.80)


def _command_module(tmp_path: Path, name: str, body: str, *, imports: str = "") -> dict:
    """A `python -m name` package whose command, wrapped as the CLI's are
    (_friendly_errors), runs `body`; the environment that finds it."""
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(
        f"import click\n{imports}"
        "from repsight.cli import _friendly_errors\n\n"
        "@click.command()\n"
        "@_friendly_errors\n"
        f"def cmd():\n{body}\n")
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


def test_an_interrupt_that_ended_string_compiled_code_still_exits_with_1(tmp_path: Path) -> None:
    """CPython ends a `python -m` process by SIGINT at exit when a KeyboardInterrupt escaped
    code compiled from a string (an import building dataclasses when Ctrl-C came), even
    though the command caught it; the command's exit must stay 1 with its one line."""
    env = _command_module(tmp_path, "interrupted_cmd",
                          "    exec('raise KeyboardInterrupt')\n\ncmd()")
    done = subprocess.run([sys.executable, "-m", "interrupted_cmd"], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 1, done
    assert done.stderr.strip() == "Error: interrupted"


def test_a_command_stopped_by_sigterm_or_sighup_cleans_up_as_after_ctrl_c(tmp_path: Path) -> None:
    """`kill` (SIGTERM) or a closed terminal (SIGHUP) during `repsight analyze` left the
    annotated video's hidden temp file behind and no message; now it ends as Ctrl-C does."""
    env = _command_module(
        tmp_path, "killed_cmd",
        "    with atomic_path(sys.argv[2]) as tmp:\n"
        "        tmp.write_bytes(b'half a video')\n"
        "        os.kill(os.getpid(), getattr(signal, sys.argv[1]))\n"
        "        time.sleep(3)\n\n"
        "if sys.argv[3] == 'nohup':\n"
        "    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "cmd(sys.argv[4:])",
        imports="import os, signal, sys, time\nfrom repsight.export import atomic_path\n")
    for sig in ("SIGTERM", "SIGHUP"):
        out = tmp_path / sig / "ann.mp4"
        done = subprocess.run([sys.executable, "-m", "killed_cmd", sig, str(out), "-"],
                              capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
        assert done.returncode == 1, done
        assert done.stderr.strip() == "Error: interrupted"
        assert list(out.parent.iterdir()) == []
    # Under nohup (SIGHUP ignored) a logout does not end the run: it finishes its file.
    out = tmp_path / "nohup" / "ann.mp4"
    done = subprocess.run([sys.executable, "-m", "killed_cmd", "SIGHUP", str(out), "nohup"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, done
    assert out.read_bytes() == b"half a video"


def test_analyze_keeps_its_warnings_with_the_report_on_stdout(small_video: Path,
                                                              tmp_path: Path) -> None:
    # `repsight analyze clip > report.txt` must keep the caveats: they go to stdout with
    # the tables, not to stderr (a clip with no one in it has two).
    result = CliRunner().invoke(main, ["analyze", str(small_video), "-q", "--exercise",
                                       "squat", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    # Said once: the extraction's line, not the analysis's own beside it.
    assert result.stdout.count("warning: ") == 1
    assert "warning: no person was found in any frame" in result.stdout
    assert result.stderr == ""
    # ...and no empty rep table under an exercise nobody was seen doing.
    assert "no person found in any frame, so nothing was analysed" in result.stdout
    assert "rep(s); exercise" not in result.stdout


def test_an_unwritable_home_leaves_no_library_log_lines(tmp_path: Path) -> None:
    # Matplotlib (imported with MediaPipe) cannot make its cache folder under such a HOME;
    # it works from a temporary one and used to say so in two lines on stderr.
    from helpers import write_test_video

    clip = write_test_video(tmp_path / "clip.mp4", n=10)
    home = tmp_path / "home"
    home.write_text("a file, not a folder")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env.update(HOME=str(home), REPSIGHT_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "repsight", "extract", str(clip),
                           "-o", str(tmp_path / "p.npz"), "--model", "lite"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "matplotlib" not in done.stderr.lower() and "mkdir" not in done.stderr, done.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # `repsight history RESULTS | head`: the pipe closes before the output is written; it
    # printed "Error: Broken pipe:".
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "repsight", "info", str(SAMPLE_CLIP)],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert proc.returncode == 1
    assert proc.stderr == ""


def test_no_cache_and_a_cache_folder_together_are_refused(small_video: Path, tmp_path: Path) -> None:
    # Both were accepted, and the folder silently ignored.
    folder = tmp_path / "poses"
    for order in (["--no-cache", "--cache-dir", str(folder)],
                  ["--cache-dir", str(folder), "--no-cache"]):
        for cmd in ("analyze", "extract"):
            result = CliRunner().invoke(main, [cmd, str(small_video), "-q", *order])
            assert result.exit_code == 2, result.output
            assert "--cache-dir and --no-cache contradict each other" in result.output
    assert not folder.exists()


def test_an_output_named_as_a_folder_is_refused_up_front(small_video, tmp_path):
    # `--json results/` (a folder not made yet) wrote a file called "results".
    for flag in ("--json", "--csv", "--plot", "--annotate", "--html"):
        out = f"{tmp_path}/results/"
        result = CliRunner().invoke(main, ["analyze", str(small_video), flag, out])
        assert result.exit_code == 2, result.output
        assert "names a folder (it ends in '/')" in result.output
    assert not (tmp_path / "results").exists()


def test_an_output_that_is_an_existing_folder_gets_one_line(small_video, tmp_path):
    # `--json out.json` where out.json is a folder: click's usage, "Try ..." and error,
    # exit 2, where annotate's -o said it in one line.
    folder = tmp_path / "out.json"
    folder.mkdir()
    for args in (["analyze", str(small_video), "--json", str(folder)],
                 ["analyze", str(small_video), "--html", str(folder)],
                 ["history", str(tmp_path), "--csv", str(folder)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and "it is a folder; give a file name" in lines[0], result.output


def test_a_batch_results_path_that_is_a_file_gets_one_line(tmp_path):
    # `batch clips -o notes.txt`: click's usage and exit 2, where the other outputs say it
    # in one line with exit 1. The file is left as it was.
    clips = tmp_path / "clips"
    clips.mkdir()
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = CliRunner().invoke(main, ["batch", str(clips), "-o", str(target)])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "is a file, not a folder" in lines[0], result.output
    assert target.read_text() == "mine"


def test_an_empty_config_name_and_a_drift_length_past_its_range_are_refused_up_front(small_video):
    # `--config ""` read as the folder "." ("config file . is not a regular file"), and
    # the help offered `--drift-min-frames [x>=1]` while 40 was refused after the fact.
    for args in (["--config", ""], ["--config", " "], ["--drift-min-frames", "40"]):
        result = CliRunner().invoke(main, ["analyze", str(small_video), *args])
        assert result.exit_code == 2, result.output
        assert "no file name given" in result.output or "1<=x<=30" in result.output
        assert "Traceback" not in result.output


def test_a_batch_without_the_video_library_stops_once_with_one_line(tmp_path, monkeypatch) -> None:
    # Every worker of a batch failed alike on a slim image without libGL: a row "analysis
    # crashed (ImportError ...)" a clip, and none of analyze's apt hint.
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "a.mp4").write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` raises ImportError
    result = CliRunner().invoke(main, ["batch", str(clips), "-o", str(tmp_path / "res")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: a module would not load (import of cv2 halted; None in sys.modules); "
        "reinstall repsight and its dependencies"]
    assert not (tmp_path / "res").exists()


def test_a_missing_system_library_is_one_line_naming_the_package() -> None:
    # On a slim image without libgl1, OpenCV's import failed inside `analyze` with a
    # 51-line traceback.
    import click

    from repsight.cli import _friendly_errors

    @click.command()
    @_friendly_errors
    def needs_gl() -> None:
        raise ImportError("libGL.so.1: cannot open shared object file: No such file or directory")

    result = CliRunner().invoke(needs_gl, [])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: a system library is missing (libGL.so.1: cannot open shared object file: No such "
        "file or directory); on Debian or Ubuntu: apt install libgl1 libglib2.0-0 "
        "(scripts/setup.sh installs them as root)"]
    # Another library's trouble is not sent to libgl1.
    @click.command()
    @_friendly_errors
    def old_libstdcxx() -> None:
        raise ImportError("/lib/libstdc++.so.6: version `GLIBCXX_3.4.32' not found")

    out = CliRunner().invoke(old_libstdcxx, []).output
    assert "too old for an installed module" in out and "libgl1" not in out
