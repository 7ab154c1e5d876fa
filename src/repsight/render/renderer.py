"""Render a set to an H.264 MP4 plus its truth JSON (pyrender offscreen, OSMesa).

Heavy imports (torch, anny, pyrender, OpenGL) happen inside functions, so importing this
module costs nothing and sets no environment variables.
"""

from __future__ import annotations

import ctypes
import json
import os
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from .camera import Camera, place_camera
from .motion import plan_set, pose
from .spec import RenderSpec
from .truth import build_truth


def _import_pyrender():
    # Offscreen rendering without a display needs Mesa's OSMesa backend; PyOpenGL reads
    # this variable when first imported, so set it just before (only here).
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    if not hasattr(np, "infty"):
        # pyrender 0.1.45's shadow-map code still uses np.infty, removed in numpy 2.0;
        # restore the alias (same object as np.inf) rather than patching site-packages.
        np.infty = np.inf
    import OpenGL.contextdata as contextdata

    if not getattr(contextdata.getContext, "_repsight_stable", False):
        # PyOpenGL 3.1.10 under OSMesa returns a new pointer object for the current
        # context on every call, and both PyOpenGL's per-context storage and pyrender's
        # shader cache use it as a dict key: every frame recompiled the shaders and grew
        # memory by megabytes. Key on the context's address instead.
        original = contextdata.getContext

        def stable_get_context(context=None):
            ctx = original(context)
            try:
                return ctypes.cast(ctx, ctypes.c_void_p).value
            except (TypeError, ctypes.ArgumentError):
                return ctx

        stable_get_context._repsight_stable = True
        contextdata.getContext = stable_get_context
    import pyrender

    return pyrender


def _floor_mesh(pyrender, trimesh, size: float = 16.0, tile: float = 0.6):
    n = int(size / tile)
    verts, faces, cols = [], [], []
    for i in range(n):
        for j in range(n):
            x0, y0 = -size / 2 + i * tile, -size / 2 + j * tile
            k = len(verts)
            verts += [[x0, y0, 0], [x0 + tile, y0, 0], [x0 + tile, y0 + tile, 0], [x0, y0 + tile, 0]]
            faces += [[k, k + 1, k + 2], [k, k + 2, k + 3]]
            shade = 58 if (i + j) % 2 else 66
            cols += [[shade, shade, shade + 2, 255]] * 2
    tm = trimesh.Trimesh(np.array(verts, float), np.array(faces), process=False)
    tm.visual.face_colors = np.array(cols, np.uint8)
    return pyrender.Mesh.from_trimesh(tm, smooth=False)


def _wall_meshes(pyrender, trimesh, cam: Camera, centre: np.ndarray, behind: float = 2.6):
    """A wall facing the camera, `behind` metres past the lifter, with a stripe."""
    view = centre - cam.pose[:3, 3]
    view[2] = 0.0
    view /= np.linalg.norm(view)
    yaw = np.arctan2(view[1], view[0])
    base = centre + view * behind
    meshes = []
    for z0, z1, rgb in ((0.0, 1.55, (196, 190, 178)), (1.55, 1.65, (70, 100, 150)),
                        (1.65, 4.0, (214, 209, 198))):
        box = trimesh.creation.box(extents=(0.05, 20.0, z1 - z0))
        box.visual.vertex_colors = np.array([*rgb, 255], np.uint8)
        M = np.eye(4)
        c, s = np.cos(yaw), np.sin(yaw)
        M[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
        M[:3, 3] = [base[0], base[1], 0.5 * (z0 + z1)]
        box.apply_transform(M)
        meshes.append(pyrender.Mesh.from_trimesh(box, smooth=False))
    return meshes


def _body_mesh(pyrender, v: np.ndarray, faces: np.ndarray, rgba: np.ndarray, material):
    """The posed body as one pyrender primitive, with area-weighted vertex normals
    (computed here: trimesh's angle-weighted normals took a quarter of the frame time)."""
    fn = np.cross(v[faces[:, 1]] - v[faces[:, 0]], v[faces[:, 2]] - v[faces[:, 0]])
    vn = np.zeros_like(v)
    for k in range(3):
        for c in range(3):
            vn[:, c] += np.bincount(faces[:, k], weights=fn[:, c], minlength=len(v))
    vn /= np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-12)
    prim = pyrender.Primitive(positions=v.astype(np.float32), normals=vn.astype(np.float32),
                              color_0=rgba, indices=faces, material=material)
    return pyrender.Mesh([prim])


def _blob_shadow(pyrender, trimesh, verts: np.ndarray, n: int = 32):
    """A soft dark ellipse on the floor under the body (dark centre fading to the floor)."""
    lo = np.percentile(verts[:, :2], 2, axis=0)
    hi = np.percentile(verts[:, :2], 98, axis=0)
    c = 0.5 * (lo + hi)
    r = 0.5 * (hi - lo) + 0.12
    a = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    ring = np.stack([c[0] + r[0] * np.cos(a), c[1] + r[1] * np.sin(a), np.full(n, 0.002)], 1)
    inner = np.stack([c[0] + 0.6 * r[0] * np.cos(a), c[1] + 0.6 * r[1] * np.sin(a),
                      np.full(n, 0.002)], 1)
    v = np.vstack([[c[0], c[1], 0.002], inner, ring])
    f = [[0, 1 + k, 1 + (k + 1) % n] for k in range(n)]
    f += [[1 + k, 1 + n + k, 1 + n + (k + 1) % n] for k in range(n)]
    f += [[1 + k, 1 + n + (k + 1) % n, 1 + (k + 1) % n] for k in range(n)]
    col = np.array([[36, 36, 38, 255]] + [[44, 44, 46, 255]] * n + [[62, 62, 64, 255]] * n,
                   np.uint8)
    tm = trimesh.Trimesh(v, np.array(f), vertex_colors=col, process=False)
    return pyrender.Mesh.from_trimesh(tm, smooth=True)


def _barbell_mesh(pyrender, trimesh, spec):
    """The barbell in its own frame (bar along +Y, middle at the origin): shaft, sleeves
    and one plate a side, each plate with its metal hub and a few light marks on its
    outer face (the lettering a real plate carries, which also gives it texture)."""
    b = spec.barbell
    parts = []

    def cyl(radius, y0, y1, rgb, sections=48):
        m = trimesh.creation.cylinder(radius=radius, height=y1 - y0, sections=sections)
        M = np.eye(4)
        M[:3, :3] = [[1, 0, 0], [0, 0, -1], [0, 1, 0]]  # its Z axis onto +Y
        M[1, 3] = 0.5 * (y0 + y1)
        m.apply_transform(M)
        m.visual.vertex_colors = np.array([*rgb, 255], np.uint8)
        parts.append(m)

    steel = (170, 172, 178)
    half, inner = 0.5 * b.bar_length_m, 0.5 * b.inner_gap_m
    cyl(0.014, -inner, inner, steel, 24)  # the shaft between the collars
    r, w = 0.5 * b.plate_diameter_m, b.plate_width_m
    for sgn in (1.0, -1.0):
        y0, y1 = sorted((sgn * (inner - 0.03), sgn * inner))
        cyl(0.027, y0, y1, steel, 24)  # inner collar
        y0, y1 = sorted((sgn * inner, sgn * half))
        cyl(0.025, y0, y1, steel, 24)  # sleeve
        y0, y1 = sorted((sgn * inner, sgn * (inner + w)))
        cyl(r, y0, y1, b.plate_rgb, 96)  # the plate
        face = sgn * (inner + w)
        y0, y1 = sorted((face, face + sgn * 0.004))
        cyl(0.065, y0, y1, b.hub_rgb, 48)  # its hub
        for k, ang in enumerate(np.radians([20.0, 150.0, 255.0])):
            mark = trimesh.creation.box(extents=(0.07 if k != 1 else 0.045, 0.004, 0.022))
            M = np.eye(4)
            c, s_ = np.cos(ang), np.sin(ang)
            M[:3, :3] = [[c, 0, -s_], [0, 1, 0], [s_, 0, c]]
            M[:3, 3] = [0.15 * c, face + sgn * 0.002, 0.15 * s_]
            mark.apply_transform(M)
            mark.visual.vertex_colors = np.array([235, 235, 235, 255], np.uint8)
            parts.append(mark)
    # pyrender keeps vertex colours only when it picks the material itself
    return pyrender.Mesh.from_trimesh(trimesh.util.concatenate(parts), smooth=False)


def _bar_poses(bar) -> np.ndarray:
    """4x4 poses [T,4,4] taking the barbell mesh's frame onto the bar on each frame."""
    from .skeleton import min_rotation

    M = np.tile(np.eye(4), (len(bar.centre), 1, 1))
    M[:, :3, :3] = min_rotation(np.array([0.0, 1.0, 0.0]), bar.axis)
    M[:, :3, 3] = bar.centre
    return M


def _encoder(path: Path, spec: RenderSpec, fps: Fraction):
    import av

    container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = spec.width, spec.height
    stream.pix_fmt = "yuv420p"
    stream.time_base = Fraction(fps.denominator, fps.numerator)
    stream.options = {"crf": str(spec.degrade.crf), "preset": "medium",
                      "x264-params": "keyint=60:min-keyint=15"}
    return container, stream


def render(spec: RenderSpec, out_path: str | Path, truth_path: str | Path | None = None,
           *, progress: bool = False, include_frames: bool = True) -> dict:
    """Render one set; write the MP4 and the truth JSON; return the truth dict."""
    import av
    import cv2
    import trimesh

    from .body import make_body

    pyrender = _import_pyrender()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path = Path(truth_path) if truth_path else out_path.with_suffix(".json")
    t_start = time.time()

    body = make_body(spec.body, spec.clothing)
    plan = plan_set(spec)
    times = plan.frame_times()
    q = plan.q(times)
    mag = plan.fault_magnitude(times)
    P = pose(spec.exercise, body.rest, q, spec.fault.kind, mag, barbell=spec.barbell.enabled)
    allpts = np.concatenate([P.keypoints[k] for k in P.keypoints], axis=0)
    if P.bar is not None:
        # the camera frames the plates too (their rims, above and below each centre)
        from .barbell import plate_centres

        r = 0.5 * spec.barbell.plate_diameter_m * np.array([0.0, 0.0, 1.0])
        rims = [c + sgn * r for c in plate_centres(P.bar, spec.barbell) for sgn in (1, -1)]
        allpts = np.concatenate([allpts, *rims], axis=0)
    lo, hi = allpts.min(0), allpts.max(0)
    box = np.array([[lo[0] - 0.12, lo[1] - 0.1, 0.0], [hi[0] + 0.12, hi[1] + 0.1, hi[2] + 0.14]])
    cam = place_camera(spec.camera, spec.width, spec.height, box)
    truth = build_truth(plan, body.rest, cam, video_file=out_path.name,
                        include_frames=include_frames)

    ss = spec.supersample
    W, H = spec.width * ss, spec.height * ss
    scene = pyrender.Scene(bg_color=[0.8, 0.8, 0.8, 1.0], ambient_light=[0.38, 0.38, 0.38])
    scene.add(_floor_mesh(pyrender, trimesh))
    for m in _wall_meshes(pyrender, trimesh, cam, 0.5 * (box[0] + box[1])):
        scene.add(m)
    scene.add(pyrender.PerspectiveCamera(yfov=np.radians(cam.yfov_deg), aspectRatio=W / H,
                                         znear=0.05, zfar=40.0), pose=cam.pose)
    # key light from above, slightly in front of the lifter and the camera side
    az = np.radians(spec.camera.azimuth) + 0.6
    from .camera import look_at
    light_pose = look_at(np.array([3.0 * np.cos(az), 3.0 * np.sin(az), 5.0]), np.zeros(3))
    scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=3.2), pose=light_pose)
    fill_pose = look_at(cam.pose[:3, 3] + np.array([0, 0, 1.0]), np.array([0, 0, 1.0]))
    scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=1.0), pose=fill_pose)
    renderer = pyrender.OffscreenRenderer(W, H)
    # Shadow mapping costs 3-6x a plain pass under software OpenGL; a soft blob shadow
    # under the body gives the contact cue for a fraction of that.
    flags = pyrender.RenderFlags.NONE

    rng = np.random.default_rng(spec.seed + 1_000_003)
    container, stream = _encoder(out_path, spec, plan.fps)
    node = shadow_node = None
    body_rgba = np.concatenate([body.colors, np.full((len(body.colors), 1), 255, np.uint8)], 1)
    body_rgba = body_rgba.astype(np.float32) / 255.0
    body_material = pyrender.MetallicRoughnessMaterial(
        alphaMode="OPAQUE", baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.2,
        roughnessFactor=0.8)
    bar_node, bar_poses = None, None
    if P.bar is not None:
        bar_node = scene.add(_barbell_mesh(pyrender, trimesh, spec), pose=np.eye(4))
        bar_poses = _bar_poses(P.bar)
    batch = 16
    try:
        for b0 in range(0, plan.n_frames, batch):
            b1 = min(b0 + batch, plan.n_frames)
            rot = {s: r[b0:b1] for s, r in P.rotations.items()}
            verts = body.posed_vertices(rot, P.root[b0:b1])
            for i in range(b1 - b0):
                mesh = _body_mesh(pyrender, verts[i], body.faces, body_rgba, body_material)
                if node is not None:
                    scene.remove_node(node)
                    scene.remove_node(shadow_node)
                node = scene.add(mesh)
                if bar_node is not None:
                    scene.set_pose(bar_node, bar_poses[b0 + i])
                shadow_node = scene.add(_blob_shadow(pyrender, trimesh, verts[i]))
                rgb, _ = renderer.render(scene, flags=flags)
                img = cv2.resize(rgb, (spec.width, spec.height), interpolation=cv2.INTER_AREA) if ss > 1 else rgb
                img = _degrade(img, spec, rng)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
                frame.pts = b0 + i
                for pkt in stream.encode(frame):
                    container.mux(pkt)
            if progress:
                el = time.time() - t_start
                print(f"\r{out_path.name}: {b1}/{plan.n_frames} frames, {el:.0f} s", end="", flush=True)
        for pkt in stream.encode():
            container.mux(pkt)
    finally:
        container.close()
        renderer.delete()
    if progress:
        print()
    truth["render_seconds"] = round(time.time() - t_start, 1)
    truth_path.write_text(json.dumps(truth, separators=(",", ":")), encoding="utf-8")
    return truth


def _degrade(img: np.ndarray, spec: RenderSpec, rng: np.random.Generator) -> np.ndarray:
    import cv2

    d = spec.degrade
    if d.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), d.blur_sigma)
    if d.noise_sigma > 0:
        noisy = img.astype(np.float32) + rng.normal(0.0, d.noise_sigma, img.shape).astype(np.float32)
        img = np.clip(noisy, 0, 255).astype(np.uint8)
    return img
