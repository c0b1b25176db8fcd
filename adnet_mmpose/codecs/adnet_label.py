"""ADNet training targets: point maps, boundary (edge) maps and normalised landmark labels."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS
from scipy import interpolate

from ..utils.boundary import Boundary, load_boundaries

#: Edge curves are drawn on a canvas this many times finer than the input crop (as officially).
SUPERSAMPLE = 4
#: Polyline thickness on that canvas, and a margin that safely holds everything it draws.
THICKNESS = 4
_MARGIN = 2 * THICKNESS
#: Curve points sampled per interval between consecutive landmarks of a group.
SAMPLES_PER_INTERVAL = 5


def _taps(in_size: int, out_size: int) -> Tuple[int, int]:
    """Input pixels ``[lo, hi)`` of each output cell that a bilinear downsample reads.

    ``align_corners=False`` without antialiasing samples cell ``i`` at ``f·i + (f−1)/2`` for an
    integer factor ``f``: the mean of the two central pixels (even ``f``; for ``f = 4``:
    ``4i+1, 4i+2``, what the official bilinear downsample reads) or the single central pixel
    (odd ``f``).

    Returns:
        (lo, hi) offsets inside a cell of ``f`` input pixels.
    """
    if in_size % out_size:
        raise ValueError(f'input size {in_size} must be an integer multiple of the heatmap '
                         f'size {out_size}')
    f = in_size // out_size
    return (f - 1) // 2, f // 2 + 1


def fit_curve(points: np.ndarray, closed: bool) -> np.ndarray:
    """Dense polyline through one boundary group, as the official code samples it.

    Interpolating parametric cubic B-spline (``splprep``, ``s=0``, ``k=3``, ``per=closed``, the
    first point appended for closed groups, chord-length parameters ``u``), evaluated at
    ``SAMPLES_PER_INTERVAL`` evenly spaced, left-closed parameters per interval, plus the last
    parameter for open curves. If the fit fails (too few points, consecutive duplicates), the raw
    points are returned.

    Args:
        points: (m, 2) float64 landmarks in curve order.

    Returns:
        (5(m−1)+1, 2) for open or (5m, 2) for closed groups; (m, 2) on the fallback.
    """
    pts = np.concatenate([points, points[:1]]) if closed else points
    try:
        tck, u = interpolate.splprep(pts.T, s=0, k=3, per=int(closed))
    except (ValueError, TypeError):
        return points
    steps = np.arange(SAMPLES_PER_INTERVAL)
    params = (u[:-1, None] + steps * (np.diff(u) / SAMPLES_PER_INTERVAL)[:, None]).ravel()
    if not closed:
        params = np.append(params, u[-1])
    return np.stack(interpolate.splev(params, tck), axis=1)


@KEYPOINT_CODECS.register_module()
class ADNetLabel(BaseKeypointCodec):
    """Official ADNet targets, computed exactly but directly on the heatmap grid.

    The official pipeline paints full-resolution canvases and resizes them; this codec reproduces
    its output to float32 rounding (``targets_io.npz``: point maps ≤ 6e-8, edge maps bit-exact)
    about ten times faster (``benchmarks/targets_speed.py``), keeping the official quirks for
    parity (docs/fidelity.md#targets):

    * each point map is an unnormalised Gaussian centred on the *integer* pixel
      ``c = trunc(p − r) + ⌊r + ½⌋`` (``r = 3σ``; ``trunc(p − 4.5) + 5`` for σ = 1.5) over the
      window ``[trunc(p − r), trunc(p + r + 1))`` clipped to the crop: 10 pixels wide (offsets
      −5…+4) in general, 9 (−5…+3) for non-half-integer ``p < 4.5``.
    * the bilinear downsample (``align_corners=False``, no antialias) reads only the
      central pixels of each cell (for 256 → 64: pixels 4i+1, 4i+2), so a point map is the outer
      product of two 1-D Gaussians sampled at those pixels, and an edge-map cell is the mean of
      the canvas block under them.
    * curve vertices go to the 4× canvas as ``floor(4q + 0.5)`` (not ``4q + 1.5``):
      edges sit ≈3/8 px up-left of the landmarks.

    The official edge canvas is float, on which OpenCV silently ignores ``LINE_AA`` (anti-aliasing
    is 8-bit only) and draws 8-connected lines; drawing ``LINE_8`` on a uint8 canvas is identical.
    Only the few cells a curve can touch are painted (the sub-canvas is aligned to whole cells, so
    rasterisation and sampling are unchanged).

    Maps ignore visibility (every landmark is drawn, as officially); visibility goes to
    ``keypoint_weights``.

    Args:
        input_size: crop size (w, h) in pixels; each must be a multiple of the heatmap size.
        heatmap_size: map size (W, H).
        metainfo: dataset metainfo (``dict(from_file=...)`` or a ``dataset_info`` dict) with
            ``boundaries``; also fixes the number of keypoints.
        boundaries: the boundary groups themselves, if no metainfo is given.
        sigma: Gaussian σ of the point maps in input pixels (parity checked for 1.5 only).

    Encoded:
        - heatmaps: (K+E, H, W) float32, K point maps then E edge maps, of instance 0
        - keypoint_labels: (N, K, 2) float32 normalised coordinates in [−1, 1]
        - keypoint_weights: (N, K) float32 visibility clipped to [0, 1]
    """

    label_mapping_table = dict(keypoint_labels='keypoint_labels',
                               keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')

    def __init__(self,
                 input_size: Tuple[int, int] = (256, 256),
                 heatmap_size: Tuple[int, int] = (64, 64),
                 metainfo: Optional[dict] = None,
                 boundaries: Optional[Sequence] = None,
                 sigma: float = 1.5) -> None:
        super().__init__()
        if (metainfo is None) == (boundaries is None):
            raise ValueError('ADNetLabel needs exactly one of metainfo (with "boundaries") '
                             'or boundaries')
        self.input_size = tuple(int(s) for s in input_size)
        self.heatmap_size = tuple(int(s) for s in heatmap_size)
        self.sigma = float(sigma)
        self.num_keypoints = None
        if metainfo is not None:
            if 'from_file' in metainfo:
                metainfo = Config.fromfile(metainfo['from_file']).dataset_info
            if 'keypoint_info' in metainfo:
                self.num_keypoints = len(metainfo['keypoint_info'])
            elif 'num_keypoints' in metainfo:
                self.num_keypoints = int(metainfo['num_keypoints'])
        self.boundaries: List[Boundary] = load_boundaries(
            metainfo if metainfo is not None else boundaries, self.num_keypoints)
        self._taps = [_taps(i, o) for i, o in zip(self.input_size, self.heatmap_size)]
        self._max_index = max(max(b.indices) for b in self.boundaries)
        size = np.asarray(self.input_size, np.float32)
        self._half, self._centre = size / 2, (size - 1) / 2  # exact in float32

    # ---------------------------------------------------------------- coordinates
    def normalize(self, keypoints: np.ndarray) -> np.ndarray:
        """Crop pixels (..., 2) → official labels ``(2p + 1)/size − 1`` clamped to [−1, 1]."""
        size = np.asarray(self.input_size, np.float64)
        return np.clip((2 * keypoints + 1) / size - 1, -1, 1).astype(np.float32)

    def denormalize(self, coords):
        """Normalised (..., 2) → input-crop pixels ``p = (size/2)·n + (size − 1)/2`` (unclamped).

        The inverse of :meth:`normalize` inside the crop, with pixel centres at integers
        (mmpose's convention; for a 256 crop ``p = 128n + 127.5``). ``coords`` is a numpy array
        (computed in float32) or a torch tensor (dtype and device kept): the head's exported
        graph computes its pixel output with this same function.
        """
        if hasattr(coords, 'new_tensor'):  # a torch tensor
            return coords * coords.new_tensor(self._half) + coords.new_tensor(self._centre)
        return np.asarray(coords, np.float32) * self._half + self._centre

    # ---------------------------------------------------------------- encode
    def encode(self, keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Targets of keypoints (N, K, 2) given in input-crop pixels; maps from instance 0.

        Raises:
            ValueError: on a wrong shape or keypoint count, non-finite or degenerate keypoints.
        """
        keypoints = np.asarray(keypoints, np.float64)
        self._check(keypoints)
        if keypoints_visible is None:
            weights = np.ones(keypoints.shape[:2], np.float32)
        else:
            weights = np.clip(np.asarray(keypoints_visible, np.float32), 0, 1)
            if weights.shape != keypoints.shape[:2]:
                raise ValueError(f'keypoints_visible has shape {weights.shape}, expected '
                                 f'{keypoints.shape[:2]}')
        heatmaps = np.concatenate([self.point_maps(keypoints[0]), self.edge_maps(keypoints[0])])
        return dict(heatmaps=heatmaps, keypoint_labels=self.normalize(keypoints),
                    keypoint_weights=weights)

    def _check(self, keypoints: np.ndarray) -> None:
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2 or keypoints.shape[0] < 1:
            raise ValueError(f'keypoints must have shape (N>=1, K, 2), got {keypoints.shape}')
        k = keypoints.shape[1]
        if self.num_keypoints is not None and k != self.num_keypoints:
            raise ValueError(f'got {k} keypoints but the metainfo layout has '
                             f'{self.num_keypoints}')
        if self._max_index >= k:
            raise ValueError(f'got {k} keypoints but the boundary groups refer to landmark '
                             f'{self._max_index}')
        if not np.isfinite(keypoints).all():
            raise ValueError('keypoints contain NaN or inf')
        if (keypoints == keypoints[:, :1]).all(axis=(1, 2)).any():
            raise ValueError('degenerate keypoints: all keypoints of an instance are identical')

    def point_maps(self, points: np.ndarray) -> np.ndarray:
        """Point maps (K, H, W) float32 of landmarks (K, 2) in input pixels."""
        r = 3 * self.sigma
        k = len(points)
        axes = []
        for a, (size, cells, (lo, hi)) in enumerate(
                zip(self.input_size, self.heatmap_size, self._taps)):
            p = np.clip(points[:, a], 0, size - 1)[:, None]
            start = np.trunc(p - r).astype(np.int64)
            pix = start + np.arange(int(2 * r) + 2)  # (K, L) ⊇ the window [start, stop)
            f = size // cells
            read = ((pix < np.trunc(p + r + 1)) & (pix >= 0) & (pix < size)
                    & (pix % f >= lo) & (pix % f < hi))
            g = np.exp(-(pix - start - np.floor(r + 0.5))**2 / (2 * self.sigma**2))
            cell = np.arange(k)[:, None] * cells + np.clip(pix, 0, size - 1) // f
            sampled = np.bincount(cell[read], g[read] / (hi - lo), minlength=k * cells)
            axes.append(sampled.reshape(k, cells).astype(np.float32))
        gx, gy = axes
        return gy[:, :, None] * gx[:, None, :]

    def edge_maps(self, points: np.ndarray) -> np.ndarray:
        """Edge maps (E, H, W) float32 of landmarks (K, 2) in input pixels."""
        w, h = self.heatmap_size
        canvas_size = np.array([SUPERSAMPLE * s for s in self.input_size])
        cell = canvas_size // (w, h)  # canvas pixels per map cell, per axis
        (lo_x, hi_x), (lo_y, hi_y) = [(SUPERSAMPLE * lo, SUPERSAMPLE * hi) for lo, hi in self._taps]
        denom = 255 * (hi_x - lo_x) * (hi_y - lo_y)  # canvas value × pixels averaged
        out = np.zeros((len(self.boundaries), h, w), np.float32)
        hi_clip = np.asarray(self.input_size, np.float64) - 1
        for e, b in enumerate(self.boundaries):
            q = np.clip(fit_curve(points[list(b.indices)], b.closed), 0, hi_clip)
            v = np.floor(SUPERSAMPLE * q + 0.5).astype(np.int32)
            c0 = np.maximum((v.min(0) - _MARGIN) // cell, 0)  # first cell, per axis
            c1 = np.minimum((v.max(0) + _MARGIN) // cell + 1, (w, h))  # one past the last
            (x0, y0), (x1, y1) = c0 * cell, c1 * cell
            sub = np.zeros((y1 - y0, x1 - x0), np.uint8)
            cv2.polylines(sub, [v - (x0, y0)], b.closed, 255, THICKNESS, cv2.LINE_8)
            ny, nx = c1[1] - c0[1], c1[0] - c0[0]
            rows = sub.reshape(ny, cell[1], -1)[:, lo_y:hi_y].sum(axis=1, dtype=np.uint16)
            block = rows.reshape(ny, nx, cell[0])[:, :, lo_x:hi_x].sum(axis=2)
            out[e, c0[1]:c1[1], c0[0]:c1[0]] = block / denom
        return out

    # ---------------------------------------------------------------- decode
    def decode(self, encoded: np.ndarray,
               scores: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """The head's normalised landmarks → input-crop pixels (:meth:`denormalize`).

        Args:
            encoded: normalised landmarks (K, 2) or (N, K, 2), the soft-argmax of
                :class:`ADNetHead`.
            scores: (K,) or (N, K); ones if not given.

        Returns:
            keypoints (N, K, 2) in input-crop pixels and scores (N, K), float32.
        """
        keypoints = self.denormalize(encoded)
        if keypoints.ndim == 2:
            keypoints = keypoints[None]
        if scores is None:
            scores = np.ones(keypoints.shape[:2], np.float32)
        scores = np.asarray(scores, np.float32).reshape(keypoints.shape[:2])
        return keypoints, scores
