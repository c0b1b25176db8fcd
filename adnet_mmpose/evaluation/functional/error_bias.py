"""Error bias (ADNet's premise): landmark errors split into their components normal and
tangent to the ground-truth boundary at each landmark.

* Frames: the unit normal ``n`` and tangent ``t = rot90(n)`` of the ground-truth boundary at
  each landmark, from its curve neighbours, by
  :func:`adnet_mmpose.utils.boundary.boundary_normals` — the function the ADL loss uses.
  Signs: ``n`` is the bisector of the directions to the two neighbours (it points to the
  concave side of the curve; at an open-curve end, the direction to the neighbour rotated by
  +90°); ``t = (-n_y, n_x)`` in image coordinates (x right, y down).
* Components: ``e_n = (p - g)·n / d``, ``e_t = (p - g)·t / d``, ``d`` the dataset's NME
  normaliser of that image, so values are fractions like the NME.
* Landmarks in no boundary group (WFLW pupils 96/97; COFW pupils 16/17 and chin 28) have no
  boundary direction: they are excluded from every statistic. So are *degenerate* entries, a
  landmark whose ground truth lies exactly on the straight line through its two neighbours
  (or on them) in one image: its normal is zero and the loss treats it as ungrouped too
  (``‖n‖ < 0.5``); their count is reported.
* A landmark in several groups (COFW mouth corners 22/23) takes its neighbours, hence its
  normal, from the last group listing it (as in the ADL loss), and is counted in that group only.

Statistics (:func:`bias_stats`), over the (image, landmark) errors they pool:
``normal_RMS = sqrt(mean e_n²)``, ``tangent_RMS``, ``normal_tangent_ratio`` = their ratio
(``inf`` with a zero tangent RMS, ``nan`` when both are zero), the signed means
``normal_mean`` / ``tangent_mean`` and ``count``.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch

from ...utils.boundary import Boundary, boundary_normals, load_boundaries, membership, neighbours
from ...utils.package_files import config_file
from .face_alignment import (ArrayLike, check_inputs, dataset_defaults, normalizing_distance,
                             resolve_norm)


class ErrorComponents(NamedTuple):
    """Normalised error components of N images × K landmarks.

    normal, tangent: (N, K) ``e_n``, ``e_t`` (0 where not ``valid``).
    valid: (N, K) bool, the landmark is grouped and its normal is not degenerate.
    norm_dist: (N,) the normalising distance of each image.
    """
    normal: np.ndarray
    tangent: np.ndarray
    valid: np.ndarray
    norm_dist: np.ndarray


def dataset_boundaries(dataset: str) -> List[Boundary]:
    """Boundary groups of ``'wflw'``, ``'300w'`` or ``'cofw'`` from this project's
    ``configs/_base_/datasets/<dataset>.py`` (installed with the package, see
    :mod:`adnet_mmpose.utils.package_files`)."""
    num_keypoints = dataset_defaults(dataset)['num_keypoints']
    path = config_file(f'_base_/datasets/{dataset.lower()}.py')
    return load_boundaries(dict(from_file=path), num_keypoints)


def normal_owner(boundaries: Sequence[Boundary], num_keypoints: int) -> List[Optional[str]]:
    """(K,) name of the group whose curve gives each landmark its normal (the last listing
    it, as :func:`neighbours`), None for ungrouped landmarks."""
    owner: List[Optional[str]] = [None] * num_keypoints
    for b in boundaries:
        for k in b.indices:
            owner[k] = b.name
    return owner


def error_components(pred: np.ndarray, gt: np.ndarray, boundaries: Sequence[Boundary],
                     norm_dist: np.ndarray) -> ErrorComponents:
    """Split the errors of validated (N, K, 2) predictions into normal / tangent parts.

    Args:
        pred, gt: (N, K, 2) landmarks (x, y), finite (computed in float64).
        boundaries: the groups of the layout.
        norm_dist: (N,) normalising distance of each image.
    """
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    k = gt.shape[1]
    prev, nxt = neighbours(boundaries, k)
    normal, tangent = (a.numpy() for a in boundary_normals(torch.from_numpy(gt), prev, nxt))
    grouped = membership(boundaries, k)[1] == 0
    valid = grouped[None] & (np.linalg.norm(normal, axis=-1) >= 0.5)
    norm_dist = np.asarray(norm_dist, dtype=np.float64)
    delta = (pred - gt) / norm_dist[:, None, None]
    e_n = np.where(valid, (delta * normal).sum(-1), 0.0)
    e_t = np.where(valid, (delta * tangent).sum(-1), 0.0)
    return ErrorComponents(e_n, e_t, valid, norm_dist)


def bias_stats(e_n: np.ndarray, e_t: np.ndarray) -> Dict[str, float]:
    """``normal_RMS``, ``tangent_RMS``, ``normal_tangent_ratio``, ``normal_mean``,
    ``tangent_mean``, ``count`` of paired 1-D normal / tangent components."""
    if e_n.size == 0:
        return dict(normal_RMS=float('nan'), tangent_RMS=float('nan'),
                    normal_tangent_ratio=float('nan'), normal_mean=float('nan'),
                    tangent_mean=float('nan'), count=0)
    rms_n, rms_t = float(np.sqrt(np.mean(e_n ** 2))), float(np.sqrt(np.mean(e_t ** 2)))
    if rms_t > 0:
        ratio = rms_n / rms_t
    else:
        ratio = float('inf') if rms_n > 0 else float('nan')
    return dict(normal_RMS=rms_n, tangent_RMS=rms_t, normal_tangent_ratio=ratio,
                normal_mean=float(np.mean(e_n)), tangent_mean=float(np.mean(e_t)),
                count=int(e_n.size))


def summarize_components(comp: ErrorComponents, boundaries: Sequence[Boundary]) -> dict:
    """Statistics overall, per group and per landmark.

    Args:
        comp: from :func:`error_components`.
        boundaries: the groups used for ``comp``.

    Returns:
        ``{'overall': stats, 'groups': {name: {'landmarks': [...], **stats}},
        'landmarks': [{'index', 'group', **stats}] (grouped landmarks only),
        'excluded_landmarks': [...], 'degenerate': count}``.
    """
    e_n, e_t, valid = comp.normal, comp.tangent, comp.valid
    owner = normal_owner(boundaries, e_n.shape[1])
    grouped = np.array([o is not None for o in owner])
    out = dict(overall=bias_stats(e_n[valid], e_t[valid]), groups={}, landmarks=[],
               excluded_landmarks=np.flatnonzero(~grouped).tolist(),
               degenerate=int((~valid[:, grouped]).sum()))
    for b in boundaries:
        ks = [k for k in b.indices if owner[k] == b.name]
        v = valid[:, ks]
        out['groups'][b.name] = dict(landmarks=ks, **bias_stats(e_n[:, ks][v], e_t[:, ks][v]))
    for k in np.flatnonzero(grouped):
        v = valid[:, k]
        out['landmarks'].append(dict(index=int(k), group=owner[k],
                                     **bias_stats(e_n[v, k], e_t[v, k])))
    return out


def compute_error_bias(pred: ArrayLike, gt: ArrayLike, dataset: str,
                       boundaries: Optional[Sequence] = None, norm: Optional[str] = None,
                       norm_indices: Optional[Sequence] = None,
                       bboxes: Optional[np.ndarray] = None) -> Tuple[dict, ErrorComponents]:
    """Validated error-bias analysis of one method.

    Args:
        pred, gt: (N, K, 2) or N arrays of (K, 2); K must be the dataset's.
        dataset: ``'wflw'``, ``'300w'`` or ``'cofw'``.
        boundaries: groups (anything :func:`load_boundaries` takes); None = the dataset's
            (:func:`dataset_boundaries`).
        norm, norm_indices, bboxes: the NME normaliser (see :func:`face_alignment_nme`).

    Returns:
        ``(summary, components)``: :func:`summarize_components` plus ``norm`` and
        ``num_images``, and the :class:`ErrorComponents`.

    Raises:
        ImageInputError: a bad image (landmark count, NaN/inf, zero normaliser), named.
    """
    num_keypoints = dataset_defaults(dataset)['num_keypoints']
    groups = (dataset_boundaries(dataset) if boundaries is None else
              load_boundaries(boundaries, num_keypoints))
    norm, norm_groups = resolve_norm(dataset, norm, norm_indices)
    pred, gt = check_inputs(pred, gt, num_keypoints)
    comp = error_components(pred, gt, groups, normalizing_distance(gt, norm, norm_groups, bboxes))
    summary = summarize_components(comp, groups)
    summary.update(norm=norm, num_images=len(gt))
    return summary, comp
