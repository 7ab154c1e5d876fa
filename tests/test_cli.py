"""CLI: one clear line and a non-zero exit code on bad input, never a traceback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from repsight.cli import main


def test_info_on_small_clip(small_video: Path) -> None:
    result = CliRunner().invoke(main, ["info", str(small_video)])
    assert result.exit_code == 0, result.output
    assert "160x96" in result.output


def test_extract_writes_npz(small_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "poses.npz"
    result = CliRunner().invoke(main, ["extract", str(small_video), "-o", str(out), "-q",
                                       "--model", "lite", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "30 frames" in result.output


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
    assert [p.name for p in cache.iterdir()][0].split("_")[1] == "lite"
