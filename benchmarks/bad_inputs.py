#!/usr/bin/env python
"""Bad and awkward inputs: build a corpus in a temp folder, run the CLI on each, print a table.

Every case must end in exit code 0 (a result, perhaps with warnings) or exit code 1 with
one clear line; never a traceback. The table shows input -> command -> exit -> outcome.

    .venv/bin/python benchmarks/bad_inputs.py              # all cases, lite model
    .venv/bin/python benchmarks/bad_inputs.py --quick      # only the fast cases
    .venv/bin/python benchmarks/bad_inputs.py --keep DIR   # keep the corpus in DIR

The generated files live in a temp folder only (clips from ../shared are cut and
composited there, never copied into the project). Cases that need ../shared or the
`ffmpeg` command are skipped with a note when those are absent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = ROOT.parent / "shared" / "videos"
PERSON_CLIP = "squat_bodyweight_side_plain.mp4"
SECOND_PERSON_CLIP = "curl_dumbbell_side.mp4"


class Skip(Exception):
    """A case cannot be built here (no ffmpeg, no ../shared)."""


@dataclass
class Case:
    """One input and what the CLI must do with it.

    expect: "ok" (exit 0; `needle` in the warnings/output when given) or "error" (exit 1,
    one line containing `needle`). commands: which CLI commands to run on it.
    """

    name: str
    path: Path
    expect: dict[str, str]  # command -> "ok" | "error"
    needle: dict[str, str] = field(default_factory=dict)  # command -> expected text
    output: Path | None = None  # -o for extract (default: a fresh file in the out dir)
    quick: bool = True
    note: str = ""
    extra: list[str] = field(default_factory=list)  # more options for extract


# ------------------------------------------------------------------------ generators

def ffmpeg(*args: str) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise Skip("needs the ffmpeg command")
    subprocess.run([exe, "-v", "error", "-y", *args], check=True)


def shared(name: str) -> Path:
    path = SHARED_VIDEOS / name
    if not path.is_file():
        raise Skip(f"needs ../shared/videos/{name}")
    return path


def write_frames(path: Path, frames, *, fps: float = 30.0, times=None,
                 faststart: bool = True, crf: int = 28) -> Path:
    """Encode an iterable of RGB frames as H.264 (streaming; nothing is held)."""
    import av

    opts = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=opts) as out:
        stream = None
        for i, rgb in enumerate(frames):
            if stream is None:
                h, w = rgb.shape[:2]
                stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height, stream.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
                stream.options = {"preset": "ultrafast", "crf": str(crf)}
                stream.codec_context.time_base = Fraction(1, 90000)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(rgb[:stream.height, :stream.width]), format="rgb24")
            t = times[i] if times is not None else i / fps
            frame.pts = int(round(t * 90000))
            frame.time_base = Fraction(1, 90000)
            for packet in stream.encode(frame):
                out.mux(packet)
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    return path


def moving_square(n: int, size=(160, 96)):
    w, h = size
    for i in range(n):
        frame = np.full((h, w, 3), 40, dtype=np.uint8)
        x = int((w - 20) * i / max(n - 1, 1))
        frame[10:30, x:x + 20] = (250, 200, 30)
        yield frame


def person_frames(name: str, start: int, n: int, size: tuple[int, int] | None = None):
    """n frames of a shared clip from frame `start`, optionally resized (streaming)."""
    import cv2

    from repsight.video import VideoReader

    for k, frame in enumerate(VideoReader(shared(name), max_long_side=640)):
        if k < start:
            continue
        if k >= start + n:
            return
        yield cv2.resize(frame.rgb, size) if size else frame.rgb


def make_zero_byte(d: Path) -> Path:
    p = d / "zero_bytes.mp4"
    p.write_bytes(b"")
    return p


def make_text_as_mp4(d: Path) -> Path:
    p = d / "notes.mp4"
    p.write_text("squat 3x5 @ 100 kg, felt heavy on the last rep\n" * 40)
    return p


def make_truncated(d: Path, fraction: float, faststart: bool) -> Path:
    src = write_frames(d / f"whole_{'fast' if faststart else 'slow'}.mp4",
                       moving_square(90), faststart=faststart)
    data = src.read_bytes()
    p = d / f"cut{int(fraction * 100)}_{'faststart' if faststart else 'moov_at_end'}.mp4"
    p.write_bytes(data[: int(len(data) * fraction)])
    return p


def make_still_png(d: Path) -> Path:
    import cv2

    p = d / "photo.png"
    cv2.imwrite(str(p), np.full((120, 160, 3), 128, np.uint8))
    return p


def make_still_jpg_as_mp4(d: Path) -> Path:
    import cv2

    p = d / "photo_renamed.mp4"
    ok, buf = cv2.imencode(".jpg", np.full((120, 160, 3), 128, np.uint8))
    p.write_bytes(buf.tobytes())
    return p


def make_audio_only(d: Path) -> Path:
    import av

    p = d / "voice_memo.m4a"
    with av.open(str(p), mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100)
        t = np.arange(44100) / 44100
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        n = stream.codec_context.frame_size or 1024
        for k in range(0, len(tone) - n, n):
            frame = av.AudioFrame.from_ndarray(tone[None, k:k + n], format="fltp",
                                               layout="mono")
            frame.sample_rate = 44100
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return p


def make_one_frame(d: Path) -> Path:
    return write_frames(d / "one_frame.mp4", moving_square(1))


def make_no_person(d: Path) -> Path:
    return write_frames(d / "empty_room.mp4", moving_square(45))


def make_zero_frames(d: Path) -> Path:
    p = d / "no_frames.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:r=30", "-frames:v", "0",
           "-c:v", "libx264", str(p))
    return p


def make_leave_reenter(d: Path) -> Path:
    """Person 1.5 s, empty (black) frames 1 s, person again 1.5 s."""
    def frames():
        yield from person_frames(PERSON_CLIP, 0, 45)
        first = next(person_frames(PERSON_CLIP, 0, 1))
        for _ in range(30):
            yield np.zeros_like(first)
        yield from person_frames(PERSON_CLIP, 120, 45)

    return write_frames(d / "leaves_and_returns.mp4", frames())


def make_two_people(d: Path) -> Path:
    """Two shared clips side by side, 1.5 s."""
    def frames():
        a = person_frames(PERSON_CLIP, 0, 45, size=(480, 272))
        b = person_frames(SECOND_PERSON_CLIP, 0, 45, size=(480, 272))
        for fa, fb in zip(a, b):
            yield np.hstack([fa, fb])

    return write_frames(d / "two_people.mp4", frames())


def make_composed(kind: str, d: Path) -> Path:
    """A camera cut mid-set, a 4-scene montage or two people side by side (issue 13),
    built from ../shared/videos by benchmarks/composed_clips.py."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from composed_clips import BUILDERS, MissingClip

    try:
        return BUILDERS[kind](d).path
    except MissingClip as exc:
        raise Skip(str(exc)) from None


def make_rotated(d: Path, quick: bool) -> Path:
    """A landscape-encoded clip with rotation metadata, as phones write portrait video."""
    if quick:
        src = write_frames(d / "rot_src.mp4", moving_square(20))
    else:
        import cv2

        # A portrait crop around the lifter (204x362), stored lying on its side as a
        # phone held upright stores it; the metadata turns it back for display.
        src = write_frames(d / "rot_src.mp4",
                           (cv2.rotate(np.ascontiguousarray(f[:, 256:460]),
                                       cv2.ROTATE_90_COUNTERCLOCKWISE)
                            for f in person_frames(PERSON_CLIP, 0, 45)))
    p = d / ("rotated_portrait_small.mp4" if quick else "rotated_portrait.mp4")
    ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(p))
    return p


def make_vfr(d: Path) -> Path:
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.choice([1 / 30, 1 / 60, 1 / 15], size=40))
    return write_frames(d / "variable_rate.mp4", moving_square(40), times=list(times - times[0]))


def make_240fps(d: Path, quick: bool) -> Path:
    if quick:
        return write_frames(d / "slowmo_240fps_small.mp4", moving_square(120), fps=240)
    return write_frames(d / "slowmo_240fps.mp4", person_frames(PERSON_CLIP, 0, 120), fps=240)


def make_4k(d: Path, quick: bool) -> Path:
    import cv2

    n = 3 if quick else 10
    src = moving_square(n) if quick else person_frames(PERSON_CLIP, 0, n)
    return write_frames(d / ("uhd_4k_small.mp4" if quick else "uhd_4k.mp4"),
                        (cv2.resize(f, (3840, 2160)) for f in src))


def make_animated_gif(d: Path, frames: int = 10) -> Path:
    import av

    p = d / ("animation.gif" if frames > 1 else "still.gif")
    with av.open(str(p), mode="w") as out:
        stream = out.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "rgb8"
        for i, rgb in enumerate(moving_square(frames)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return p


def make_non_ascii(d: Path) -> Path:
    return write_frames(d / "присед тест ✓ 週.mp4", moving_square(20))


def make_unreadable(d: Path) -> Path:
    p = write_frames(d / "no_permission.mp4", moving_square(10))
    p.chmod(0)
    return p


def make_garbage_middle(d: Path) -> Path:
    src = write_frames(d / "garble_src.mp4", moving_square(60))
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(1)
    mid = len(data) // 2
    data[mid:mid + 400] = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    p = d / "garbled_middle.mp4"
    p.write_bytes(bytes(data))
    return p


# --------------------------------------------------------------------------- corpus

@dataclass
class Plan:
    """How to make one input and what to expect of it (see Case)."""

    name: str
    make: Callable[[Path], Path]
    expect: dict[str, str]
    needle: dict[str, str] = field(default_factory=dict)
    quick: bool = True
    note: str = ""
    output: Callable[[Path], Path] | None = None
    extra: list[str] = field(default_factory=list)  # more CLI options for extract


ERR = {"info": "error", "extract": "error"}
OK = {"info": "ok", "extract": "ok"}


def _both(text: str) -> dict[str, str]:
    return {"info": text, "extract": text}


def plans() -> list[Plan]:
    """Every case, quick ones first; makers take the corpus folder."""
    root = os.geteuid() == 0
    out: list[Plan] = [
        Plan("zero-byte file", make_zero_byte, ERR, _both("0 bytes")),
        Plan("text renamed .mp4", make_text_as_mp4, ERR, _both("not a video")),
    ]
    for frac in (0.05, 0.5, 0.9):
        out.append(Plan(f"truncated at {frac:.0%}, moov at end",
                        lambda d, frac=frac: make_truncated(d, frac, faststart=False), ERR,
                        _both("corrupt or truncated")))
    out.append(Plan("truncated at 5%, faststart", lambda d: make_truncated(d, 0.05, True),
                    ERR, _both("corrupt or truncated")))
    for frac in (0.5, 0.9):
        out.append(Plan(f"truncated at {frac:.0%}, faststart",
                        lambda d, frac=frac: make_truncated(d, frac, faststart=True), OK,
                        {"extract": "truncated"}))
    out += [
        Plan("garbage bytes mid-stream", make_garbage_middle, OK, {"extract": "damaged"}),
        Plan("still image (.png)", make_still_png, ERR, _both("still image")),
        Plan("JPEG renamed .mp4", make_still_jpg_as_mp4, ERR, _both("still image")),
        Plan("single-frame GIF", lambda d: make_animated_gif(d, 1), ERR, _both("still image")),
        Plan("animated GIF", make_animated_gif, OK, {"extract": "10 frames"}),
        Plan("audio-only file", make_audio_only, ERR, _both("no video stream")),
        Plan("zero-frame video (.mkv)", make_zero_frames, ERR, _both("no frames")),
        Plan("one-frame video", make_one_frame, OK, {"extract": "1 frames"}),
        Plan("clip with no person", make_no_person, OK, {"extract": "no person"}),
        Plan("variable frame rate", make_vfr, OK,
             {"info": "variable", "extract": "variable frame rate"}),
        Plan("rotated portrait (metadata), tiny", lambda d: make_rotated(d, True), OK,
             {"info": "96x160"}),
        Plan("240 fps slow motion, tiny", lambda d: make_240fps(d, True), OK,
             {"extract": "high frame rate"}),
        Plan("4K 3840x2160, 3 frames", lambda d: make_4k(d, True), OK,
             {"info": "3840x2160", "extract": "3 frames"}),
        Plan("non-ASCII file name", make_non_ascii, OK),
        Plan("folder instead of a file", lambda d: d, ERR, _both("folder")),
        Plan("path under a missing folder", lambda d: d / "no_such_dir" / "clip.mp4", ERR,
             _both("not found")),
        Plan("chmod 000 file", make_unreadable, OK if root else ERR,
             {} if root else _both("permission"),
             note="run as root, which file modes do not stop" if root else ""),
        Plan("output whose parent is a file", make_no_person, {"extract": "error"},
             {"extract": "cannot write"}, output=lambda d: make_text_as_mp4(d) / "poses.npz"),
        Plan("output under /proc", make_no_person, {"extract": "error"},
             {"extract": "cannot write"}, output=lambda d: Path("/proc/repsight_poses.npz")),
        Plan("output is a folder", make_no_person, {"extract": "error"},
             {"extract": "folder"}, output=lambda d: d),
        Plan("cache folder is a file", make_no_person, {"extract": "ok"},
             {"extract": "could not write pose cache"},
             extra=["--cache-dir", "{corpus}/notes.mp4"]),
        # Cases that run the model on real people (../shared) or bigger frames.
        Plan("person leaves and re-enters", make_leave_reenter, OK,
             {"extract": "left the frame"}, quick=False),
        Plan("two people side by side", make_two_people, OK, quick=False),
        # Real footage as people film it (issue 13): analyze names cuts and other people.
        Plan("camera cut mid-set (zoom, darker)", lambda d: make_composed("cut", d), OK, quick=False),
        Plan("montage of 4 scenes", lambda d: make_composed("montage", d), OK, quick=False),
        Plan("two people side by side, 6 s", lambda d: make_composed("two_people", d), OK,
             quick=False),
        Plan("rotated portrait with a person", lambda d: make_rotated(d, False), OK,
             {"info": "204x362", "extract": "45 frames, person found on 100"}, quick=False),
        Plan("240 fps slow motion, person", lambda d: make_240fps(d, False), OK,
             {"extract": "high frame rate"}, quick=False),
        Plan("4K 3840x2160 with a person, 10 frames", lambda d: make_4k(d, False), OK, quick=False),
    ]
    return out


def build_case(plan: Plan, d: Path) -> Case:
    """Make one plan's input in folder d (raises Skip when it cannot be made here)."""
    d.mkdir(parents=True, exist_ok=True)
    path = plan.make(d)
    case = Case(plan.name, path, dict(plan.expect), dict(plan.needle),
                plan.output(d) if plan.output else None, plan.quick, plan.note)
    case.extra = [a.replace("{corpus}", str(d)) for a in plan.extra]
    return case


def build_corpus(d: Path, *, quick_only: bool = False) -> tuple[list[Case], list[str]]:
    """Make the inputs in folder d; returns the cases and notes on skipped cases."""
    cases: list[Case] = []
    skipped: list[str] = []
    for plan in plans():
        if quick_only and not plan.quick:
            continue
        try:
            cases.append(build_case(plan, d))
        except Skip as exc:
            skipped.append(f"{plan.name}: skipped ({exc})")
    return cases, skipped


# --------------------------------------------------------------------------- running

# Commands that read a video; analyze and annotate are judged like extract (they fail on
# the same inputs, and succeed, perhaps with warnings, on the rest).
COMMANDS = ("info", "extract", "analyze", "annotate")


def expectation(case: Case, command: str) -> tuple[str | None, str | None]:
    """(want, needle) for a command: want is "ok", "error" or None (not run)."""
    if command in ("info", "extract"):
        return case.expect.get(command), case.needle.get(command)
    want = case.expect.get("extract")
    if command == "analyze" and case.output is not None:
        return None, None  # an output-path case: analyze writes no file
    # Error messages come from the same video layer; warnings may be worded differently.
    return want, case.needle.get("extract") if want == "error" else None


def cli_args(case: Case, command: str, out_dir: Path, model: str) -> list[str]:
    cache = case.extra or ["--no-cache"]
    stem = f"{abs(hash(case.name)) % 10**8}"
    if command == "extract":
        out = case.output or out_dir / f"{stem}.npz"
        return ["extract", str(case.path), "-o", str(out), "-q", "--model", model, *cache]
    if command == "annotate":
        out = out_dir / f"{stem}.mp4"
        if case.output is not None:
            out = case.output if case.output.is_dir() else case.output.with_suffix(".mp4")
        return ["annotate", str(case.path), "-o", str(out), "-q", "--model", model, *cache]
    if command == "analyze":
        return ["analyze", str(case.path), "-q", "--model", model, *cache]
    return [command, str(case.path)]


def judge(case: Case, command: str, code: int, text: str) -> str:
    """'ok' when the outcome meets the rules and the case's expectation, else why not."""
    if "Traceback" in text:
        return "BAD: traceback"
    if code not in (0, 1):
        return f"BAD: exit {code}"
    want, needle = expectation(case, command)
    if code == 1 and text.strip().count("\n") != 0:
        return "BAD: error is not one line"
    if want == "ok" and code != 0:
        return "unexpected error"
    if want == "error" and code != 1:
        return "unexpected success"
    if needle and needle.lower() not in text.lower():
        return f"missing {needle!r}"
    return "ok"


def summary_of(code: int, stdout: str, stderr: str) -> str:
    if code != 0:
        lines = (stderr.strip() or stdout.strip()).splitlines()
        return lines[0] if len(lines) == 1 else " / ".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
    warnings = [ln[len("warning: "):] for ln in stderr.splitlines() if ln.startswith("warning:")]
    first = stdout.strip().splitlines()[:1]
    main = first[0] if first else ""
    if main.startswith("file "):  # `info`: show size and fps lines instead of the path
        rows = {ln.split(None, 1)[0]: ln.split(None, 1)[1] for ln in stdout.splitlines()
                if len(ln.split(None, 1)) == 2}
        main = f"{rows.get('size', '')}; {rows.get('fps', '')} fps; {rows.get('frames', '')} frames"
    elif " -> " in main:
        main = main.split(" -> ")[0]
    return main + ("".join(f" | warning: {w}" for w in warnings))


def available_commands() -> list[str]:
    from repsight.cli import main as cli_main

    return [c for c in COMMANDS if c in cli_main.commands]


def run_corpus(cases: list[Case], out_dir: Path, *, model: str = "lite"):
    commands = available_commands()
    rows = []
    for case in cases:
        for command in commands:
            if expectation(case, command)[0] is None:
                continue
            args = cli_args(case, command, out_dir, model)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "repsight", *args],
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            text = proc.stdout + proc.stderr
            verdict = judge(case, command, proc.returncode, text)
            rows.append((case.name, command, proc.returncode,
                         summary_of(proc.returncode, proc.stdout, proc.stderr), verdict,
                         seconds, case.note))
    return rows


def print_table(rows, skipped: list[str]) -> None:
    print("| input | command | exit | outcome (one-line error, or result and warnings) "
          "| check | s |")
    print("|---|---|---|---|---|---|")
    for name, command, code, outcome, verdict, seconds, note in rows:
        outcome = outcome.replace("|", "/") if "warning" not in outcome else outcome
        outcome = outcome.replace(" | warning", "; warning")
        if note:
            outcome += f" ({note})"
        print(f"| {name} | {command} | {code} | {outcome} | {verdict} | {seconds:.1f} |")
    for s in skipped:
        print(f"- {s}")
    bad = [r for r in rows if r[4] != "ok"]
    print(f"\n{len(rows)} runs, {len(rows) - len(bad)} as expected, {len(bad)} not"
          + (": " + "; ".join(f"{r[0]} ({r[1]}): {r[4]}" for r in bad) if bad else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the fast cases")
    ap.add_argument("--model", default="lite", choices=["lite", "full", "heavy"])
    ap.add_argument("--keep", type=Path, default=None, help="build the corpus in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="repsight_bad_") as tmp_name:
        d = args.keep or Path(tmp_name)
        t0 = time.perf_counter()
        cases, skipped = build_corpus(d, quick_only=args.quick)
        print(f"# repsight bad inputs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"model {args.model}, {len(cases)} inputs built in "
              f"{time.perf_counter() - t0:.1f} s; commands: {', '.join(available_commands())}")
        rows = run_corpus(cases, d / "out", model=args.model)
        print_table(rows, skipped)
        for case in cases:  # let the temp folder be removed
            if case.path.is_file() and not os.access(case.path, os.W_OK):
                case.path.chmod(0o644)
    return 0 if all(r[4] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
