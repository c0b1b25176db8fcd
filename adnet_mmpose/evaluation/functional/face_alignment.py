"""Face-alignment metrics: per-image NME, CED, FR, AUC and percentiles (docs/fidelity.md).

Pure numpy. Shapes: N images, K landmarks, 2 coordinates (x, y) in one pixel frame.
Every value is a fraction (NME 0.0414 = 4.14 %), as in mmpose's metrics.

* ``NME_i = mean_k ||p_ik - g_ik|| / d_i``; ``d_i`` from the ground truth of image i:
  ``inter_ocular`` / ``inter_pupil`` = distance between the means of two landmark groups
  (a group of one index is that landmark), ``bbox`` = sqrt(w * h) of the ground-truth box.
  All K landmarks are scored whatever their visibility flag: COFW's occluded points
  (visibility 1) count, as in ADNet/STAR and mmpose.
* Dataset NME = mean over images of NME_i (not pooled over keypoints; divided by N, not by
  the N - 1 of the official ``evaluate.py``).
* CED on the exact grid ``linspace(0, thr, round(thr / step) + 1)`` (STAR's float ``arange``
  overshoots to 0.0501 for thr = 0.05): fraction of images with ``NME_i <= x``.
  FR@thr = fraction with ``NME_i > thr`` (= thr passes).
  AUC@thr = composite Simpson integral of the CED over the grid, divided by thr.
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

EYE_L_300W = tuple(range(36, 42))
EYE_R_300W = tuple(range(42, 48))

#: Per-dataset defaults. ``norms`` maps a normalisation to its two landmark groups.
#: 300W's default FR/AUC threshold is 0.1 like the others; STAR reports 300W at 0.05
#: (ADNet's paper gives none for 300W), pass ``thr=0.05`` for that.
DATASET_DEFAULTS: Dict[str, dict] = {
    'wflw': dict(num_keypoints=98, norm='inter_ocular', thr=0.1,
                 norms=dict(inter_ocular=((60, ), (72, )), inter_pupil=((96, ), (97, )))),
    '300w': dict(num_keypoints=68, norm='inter_ocular', thr=0.1,
                 norms=dict(inter_ocular=((36, ), (45, )),
                            inter_pupil=(EYE_L_300W, EYE_R_300W))),
    'cofw': dict(num_keypoints=29, norm='inter_pupil', thr=0.1,
                 norms=dict(inter_ocular=((8, ), (9, )), inter_pupil=((16, ), (17, )))),
}
NORMS = ('inter_ocular', 'inter_pupil', 'bbox')
PERCENTILES = (50, 90, 95, 99)
CED_STEP = 1e-4

Groups = Tuple[Tuple[int, ...], Tuple[int, ...]]
ArrayLike = Union[np.ndarray, Sequence[np.ndarray]]


class ImageInputError(ValueError):
    """Bad input of one image; ``index`` is its position in the inputs."""

    def __init__(self, index: int, message: str):
        super().__init__(f'image {index}: {message}')
        self.index = index


def dataset_defaults(dataset: str) -> dict:
    """The defaults of ``dataset`` (``'wflw'``, ``'300w'`` or ``'cofw'``, case-insensitive)."""
    key = str(dataset).lower()
    if key not in DATASET_DEFAULTS:
        raise ValueError(f'unknown face-alignment dataset {dataset!r}; valid: '
                         f'{sorted(DATASET_DEFAULTS)}')
    return DATASET_DEFAULTS[key]


def resolve_norm(dataset: str, norm: Optional[str] = None,
                 norm_indices: Optional[Sequence] = None) -> Tuple[str, Optional[Groups]]:
    """The normalisation and its landmark groups for a dataset.

    Args:
        dataset: dataset name (see :data:`DATASET_DEFAULTS`).
        norm: ``'inter_ocular'``, ``'inter_pupil'`` or ``'bbox'``; None = dataset default.
        norm_indices: override of the two groups: ``(i, j)`` or ``((i1, i2, ...), (j1, ...))``.

    Returns:
        ``(norm, groups)``; ``groups`` is None for ``'bbox'``.
    """
    defaults = dataset_defaults(dataset)
    norm = norm or defaults['norm']
    if norm not in NORMS:
        raise ValueError(f'unknown norm {norm!r}; valid: {list(NORMS)}')
    if norm == 'bbox':
        if norm_indices is not None:
            raise ValueError("norm_indices is meaningless with norm='bbox'")
        return norm, None
    if norm_indices is None:
        return norm, defaults['norms'][norm]
    if len(norm_indices) != 2:
        raise ValueError(f'norm_indices must be two landmarks or two landmark groups, '
                         f'got {norm_indices!r}')
    groups = tuple(tuple(int(i) for i in np.atleast_1d(g)) for g in norm_indices)
    if not all(groups):
        raise ValueError(f'norm_indices has an empty group: {norm_indices!r}')
    return norm, groups


def _as_points(name: str, arrays: ArrayLike, num_keypoints: Optional[int],
               k_source: str) -> np.ndarray:
    """Stack per-image (K, 2) arrays (or an (N, K, 2) array) into float64 (N, K, 2)."""
    out = []
    for i, a in enumerate(arrays):
        a = np.asarray(a, dtype=np.float64)
        if a.ndim == 3 and a.shape[0] == 1:
            a = a[0]
        if a.ndim != 2 or a.shape[1] != 2:
            raise ImageInputError(i, f'{name} must have shape (K, 2), got {a.shape}')
        if num_keypoints is not None and a.shape[0] != num_keypoints:
            raise ImageInputError(i, f'{name} has {a.shape[0]} landmarks, {k_source} '
                                  f'has {num_keypoints}')
        bad = np.flatnonzero(~np.isfinite(a).all(axis=1))
        if bad.size:
            raise ImageInputError(i, f'{name} has NaN/inf at landmarks {bad.tolist()}')
        out.append(a)
    if not out:
        raise ValueError(f'no images in the {name}')
    return np.stack(out)


def check_inputs(pred: ArrayLike, gt: ArrayLike,
                 num_keypoints: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and stack predictions and ground truth.

    Args:
        pred, gt: (N, K, 2) arrays or sequences of N (K, 2) / (1, K, 2) arrays.
        num_keypoints: K the dataset must have, or None (K of the ground truth).

    Returns:
        ``(pred, gt)`` as float64 (N, K, 2).

    Raises:
        ImageInputError: naming the first bad image (shape, K, NaN/inf).
        ValueError: different image counts.
    """
    gt = _as_points('ground truth', gt, num_keypoints, 'the dataset')
    if len(pred) != len(gt):
        raise ValueError(f'{len(pred)} predicted images for {len(gt)} ground-truth images')
    pred = _as_points('prediction', pred, gt.shape[1],
                      'the dataset' if num_keypoints else 'the ground truth')
    return pred, gt


def normalizing_distance(gt: np.ndarray, norm: str, groups: Optional[Groups] = None,
                         bboxes: Optional[np.ndarray] = None) -> np.ndarray:
    """Per-image normalising distance d_i.

    Args:
        gt: (N, K, 2) ground-truth landmarks.
        norm: ``'inter_ocular'``, ``'inter_pupil'`` or ``'bbox'``.
        groups: the two landmark groups (see :func:`resolve_norm`) for the landmark norms.
        bboxes: (N, 4) ground-truth boxes ``x1, y1, x2, y2`` for ``'bbox'``.

    Returns:
        (N,) float64.

    Raises:
        ImageInputError: a zero / non-finite distance (naming the first such image).
        ValueError: a missing input.
    """
    if norm == 'bbox':
        if bboxes is None:
            raise ValueError("norm='bbox' needs the ground-truth boxes")
        b = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
        if len(b) != len(gt):
            raise ValueError(f'{len(b)} boxes for {len(gt)} images')
        wh = b[:, 2:] - b[:, :2]
        d = np.sqrt(np.clip(wh[:, 0], 0, None) * np.clip(wh[:, 1], 0, None))
        what = 'sqrt(w*h) of the box'
    else:
        if groups is None:
            raise ValueError(f'norm={norm!r} needs two landmark groups')
        k = gt.shape[1]
        for g in groups:
            if max(g) >= k or min(g) < -k:
                raise ValueError(f'normalisation landmarks {g} out of range for K={k}')
        a = gt[:, list(groups[0])].mean(axis=1)
        b = gt[:, list(groups[1])].mean(axis=1)
        d = np.linalg.norm(a - b, axis=-1)
        what = f'{norm} distance (landmarks {groups[0]} / {groups[1]})'
    bad = np.flatnonzero(~(np.isfinite(d) & (d > 0)))
    if bad.size:
        raise ImageInputError(int(bad[0]), f'normalising {what} is {d[bad[0]]} (must be > 0); '
                              f'all bad images: {bad.tolist()}')
    return d


def nme_per_image(pred: np.ndarray, gt: np.ndarray, norm_dist: np.ndarray) -> np.ndarray:
    """(N,) per-image NME: mean over the K landmarks of ||pred - gt|| / d_i."""
    return np.linalg.norm(pred - gt, axis=-1).mean(axis=1) / norm_dist


def ced_grid(thr: float, step: float = CED_STEP) -> np.ndarray:
    """The exact CED grid ``linspace(0, thr, round(thr / step) + 1)`` (ends at thr)."""
    if not thr > 0:
        raise ValueError(f'thr must be > 0, got {thr}')
    return np.linspace(0.0, thr, max(int(round(thr / step)), 1) + 1)


def ced(nme: np.ndarray, thr: float, step: float = CED_STEP) -> Tuple[np.ndarray, np.ndarray]:
    """Cumulative error distribution.

    Returns:
        ``(xs, fractions)``: the grid and, at each x, the fraction of images with NME <= x.
    """
    xs = ced_grid(thr, step)
    errors = np.sort(np.asarray(nme, dtype=np.float64))
    return xs, np.searchsorted(errors, xs, side='right') / len(errors)


def simpson(y: np.ndarray, x: np.ndarray) -> float:
    """Composite Simpson integral of samples ``y`` on the (uniform) grid ``x``.

    An odd point count is plain composite Simpson. An even count integrates the first
    n - 1 points so and the last interval with Cartwright's three-point correction
    (the rule of ``scipy.integrate.simpson`` >= 1.11).
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n < 3:
        return float(np.trapezoid(y, x))
    h = (x[-1] - x[0]) / (n - 1)
    m = n if n % 2 else n - 1
    total = h / 3 * (y[0] + 4 * y[1:m - 1:2].sum() + 2 * y[2:m - 2:2].sum() + y[m - 1])
    if m < n:
        total += h / 12 * (5 * y[-1] + 8 * y[-2] - y[-3])
    return float(total)


def failure_rate(nme: np.ndarray, thr: float) -> float:
    """Fraction of images with NME > thr (NME == thr passes)."""
    return float(np.mean(np.asarray(nme) > thr))


def auc(nme: np.ndarray, thr: float, step: float = CED_STEP) -> float:
    """Area under the CED on [0, thr] (composite Simpson), divided by thr."""
    xs, ys = ced(nme, thr, step)
    return simpson(ys, xs) / thr


def nme_percentiles(nme: np.ndarray, qs: Sequence[float] = PERCENTILES) -> Dict[str, float]:
    """``{'P50': ..., ...}``: percentiles of the per-image NME (numpy's linear rule)."""
    vals = np.percentile(np.asarray(nme, dtype=np.float64), qs)
    return {f'P{q:g}': float(v) for q, v in zip(qs, vals)}


def thr_key(name: str, thr: float) -> str:
    """Metric key with its threshold, e.g. ``FR@0.1``."""
    return f'{name}@{thr:g}'


def summarize(nme: np.ndarray, thr: float, step: float = CED_STEP) -> Dict[str, float]:
    """Dataset metrics of per-image NMEs: ``NME``, ``FR@thr``, ``AUC@thr``, ``P50``..``P99``,
    ``num_images``."""
    nme = np.asarray(nme, dtype=np.float64)
    out = {'NME': float(nme.mean()), thr_key('FR', thr): failure_rate(nme, thr),
           thr_key('AUC', thr): auc(nme, thr, step)}
    out.update(nme_percentiles(nme))
    out['num_images'] = int(len(nme))
    return out


def ced_curves(nmes: Mapping[str, ArrayLike], thr: float,
               step: float = CED_STEP) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """The CED (:func:`ced`) of each entry's per-image NMEs, keyed by its legend line
    ``'<label>: NME …, FR@thr …, AUC@thr … (n=…)'``, in order (what
    :func:`~adnet_mmpose.visualization.ced.plot_ced` draws)."""
    fr_key, auc_key = thr_key('FR', thr), thr_key('AUC', thr)
    out = {}
    for label, nme in nmes.items():
        nme = np.asarray(nme, dtype=np.float64)
        s = summarize(nme, thr, step)
        out[f'{label}: NME {s["NME"]:.4f}, {fr_key} {s[fr_key]:.4f}, '
            f'{auc_key} {s[auc_key]:.4f} (n={s["num_images"]})'] = ced(nme, thr, step)
    return out


def face_alignment_nme(pred: ArrayLike, gt: ArrayLike, dataset: str,
                       norm: Optional[str] = None, norm_indices: Optional[Sequence] = None,
                       bboxes: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Validated per-image NME for a dataset.

    Args:
        pred, gt: (N, K, 2) or N arrays of (K, 2); K must be the dataset's.
        dataset, norm, norm_indices: see :func:`resolve_norm`.
        bboxes: (N, 4) ``x1, y1, x2, y2`` ground-truth boxes, for ``norm='bbox'``.

    Returns:
        ``(nme, norm_dist)``, both (N,).
    """
    norm, groups = resolve_norm(dataset, norm, norm_indices)
    pred, gt = check_inputs(pred, gt, dataset_defaults(dataset)['num_keypoints'])
    d = normalizing_distance(gt, norm, groups, bboxes)
    return nme_per_image(pred, gt, d), d
