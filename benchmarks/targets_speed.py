"""CPU cost of ADNet targets per WFLW-98 face: the fast ``ADNetLabel`` vs the full-canvas recipe.

The full-canvas functions below are the straightforward transcription of the official target recipe (a 256×256
Gaussian canvas per landmark, a 1024×1024 float polyline canvas per group, OpenCV resizes; any
input/heatmap size the codec accepts); the tests use them as the reference the fast codec must
equal.

    python benchmarks/targets_speed.py [--faces 200] [--workers 0 2]
"""
import argparse
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from adnet_mmpose.codecs.adnet_label import ADNetLabel, fit_curve
from adnet_mmpose.utils.boundary import Boundary

ROOT = Path(__file__).resolve().parents[1]
WFLW_META = ROOT / 'configs' / '_base_' / 'datasets' / 'wflw.py'
PARITY = ROOT.parent / 'shared' / 'spec' / 'parity' / 'targets_io.npz'


def reference_point_maps(codec: ADNetLabel, points: np.ndarray) -> np.ndarray:
    """(K, 2) landmarks in crop pixels → (K, H, W) float32, via a crop-sized canvas each."""
    (w, h), r, sigma = codec.input_size, 3 * codec.sigma, codec.sigma
    out = np.zeros((len(points), codec.heatmap_size[1], codec.heatmap_size[0]), np.float32)
    for k, p in enumerate(np.clip(points, 0, (w - 1, h - 1))):
        start = np.trunc(p - r).astype(int)
        stop = np.trunc(p + r + 1).astype(int)
        centre = start + int(np.floor(r + 0.5))
        x0, y0 = np.maximum(start, 0)
        x1, y1 = np.minimum(stop, (w, h))
        yy, xx = np.mgrid[y0:y1, x0:x1]
        canvas = np.zeros((h, w), np.float32)
        canvas[y0:y1, x0:x1] = np.exp(-((xx - centre[0])**2 + (yy - centre[1])**2) /
                                      (2 * sigma**2))
        out[k] = cv2.resize(canvas, codec.heatmap_size, interpolation=cv2.INTER_LINEAR)
    return out


def reference_edge_maps(codec: ADNetLabel, points: np.ndarray) -> np.ndarray:
    """(K, 2) landmarks in crop pixels → (E, H, W) float32, via a 4×-crop canvas per group.

    As officially: ``LINE_AA`` on a float canvas (which OpenCV draws as ``LINE_8``).
    """
    (w, h), (mw, mh) = codec.input_size, codec.heatmap_size
    out = np.zeros((len(codec.boundaries), mh, mw), np.float32)
    for e, b in enumerate(codec.boundaries):
        q = np.clip(fit_curve(points[list(b.indices)], b.closed), 0, (w - 1, h - 1))
        canvas = np.zeros((4 * h, 4 * w), np.float32)
        cv2.polylines(canvas, [np.floor(4 * q + 0.5).astype(np.int32)], b.closed, 255, 4,
                      cv2.LINE_AA)
        m = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA) / 255
        out[e] = cv2.resize(m, (mw, mh), interpolation=cv2.INTER_LINEAR)
    return out


def reference_encode(codec: ADNetLabel, points: np.ndarray) -> np.ndarray:
    """The full-canvas (K+E, H, W) heatmaps of one face (K, 2)."""
    return np.concatenate([reference_point_maps(codec, points),
                           reference_edge_maps(codec, points)])


def synthetic_faces(codec: ADNetLabel, n: int, seed: int = 0, spread: float = 1.0) -> np.ndarray:
    """(n, K, 2) float64 face-like landmarks in a 256-px crop.

    Every boundary group is an ellipse (closed) or half-ellipse (open) at a random place inside a
    face-sized box; the rest are random points. ``spread > 1`` scales faces about a random
    centre so that parts leave the crop (clamped targets).
    """
    rng = np.random.default_rng(seed)
    faces = np.empty((n, codec.num_keypoints, 2))
    for i in range(n):
        face = rng.uniform(60, 196, (codec.num_keypoints, 2))
        for b in codec.boundaries:
            m = len(b.indices)
            t = np.linspace(0, 2 * np.pi if b.closed else np.pi, m, endpoint=not b.closed)
            axes = rng.uniform(8, 60, 2)
            centre = rng.uniform(60 + axes, 196 - axes)
            face[list(b.indices)] = centre + axes * np.stack([np.cos(t), np.sin(t)], 1)
        centre = rng.uniform(-20, 276, 2) if spread > 1 else 127.5
        faces[i] = centre + spread * (face - 127.5) + rng.normal(0, 0.5, face.shape)
    return faces


def main() -> None:
    from common import loader_throughput, per_item_ms   # benchmarks/ is the script's path
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--faces', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=3, help='best of this many passes')
    parser.add_argument('--workers', type=int, nargs='*', default=[],
                        help='also measure DataLoader throughput with these worker counts')
    args = parser.parse_args()

    cv2.setNumThreads(1)
    import torch
    torch.set_num_threads(1)

    codec = ADNetLabel(metainfo=dict(from_file=str(WFLW_META)))
    if PARITY.is_file():  # real faces, jittered
        real = np.load(PARITY)['WFLW_landmarks'].astype(np.float64)
        rng = np.random.default_rng(0)
        faces = real[np.arange(args.faces) % len(real)] + rng.normal(0, 2, (args.faces, 98, 2))
        source = f'{len(real)} real WFLW faces from targets_io.npz, jittered'
    else:
        faces = synthetic_faces(codec, args.faces)
        source = 'synthetic faces'

    fast = per_item_ms(lambda f: codec.encode(f[None]), faces, args.repeat)
    full = per_item_ms(lambda f: reference_encode(codec, f), faces, max(1, args.repeat - 2))
    worst = max(np.abs(codec.encode(f[None])['heatmaps'] - reference_encode(codec, f)).max()
                for f in faces[:20])
    print(f'WFLW-98 targets ({source}; {args.faces} faces, 1 thread, best of {args.repeat})')
    print(f'  fast ADNetLabel.encode : {fast:7.3f} ms/face')
    print(f'  full-canvas reference  : {full:7.3f} ms/face')
    print(f'  speed-up               : {full / fast:7.1f}x   (max |diff| on 20 faces: {worst:.1e})')
    for w in args.workers:
        print(f'  DataLoader, {w} workers : {loader_throughput(codec, faces, w):7.0f} faces/s')


if __name__ == '__main__':
    main()
