"""Error-bias figure: on the mean ground-truth face, each landmark's error ellipse drawn in the
frame of its boundary (normal / tangent), one panel per method.

Used by ``tools/analysis/error_bias.py`` with the error components and statistics of
:mod:`adnet_mmpose.evaluation.functional.error_bias`. Matplotlib's Agg canvas directly: no
pyplot state.
"""
import os
from typing import Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

from ..utils.boundary import Boundary, boundary_normals, neighbours

RATIO_RANGE = 4.0     # colour saturates at ratio 1/4 and 4
NICE = (1, 2, 5)


def mean_face(gt: np.ndarray, norm_dist: np.ndarray) -> np.ndarray:
    """(K, 2) mean of the (N, K, 2) ground truth, each face centred on its landmark mean and
    divided by its normalising distance (N,), so one unit = the NME normaliser."""
    centred = gt - gt.mean(axis=1, keepdims=True)
    return (centred / np.asarray(norm_dist)[:, None, None]).mean(axis=0)


def landmark_moments(comp, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Mean (2,) and covariance (2, 2) of landmark k's (e_n, e_t) over its valid images.

    ``comp``: error components with ``normal``, ``tangent`` (N, K) and ``valid`` (N, K) bool
    (an ``ErrorComponents`` of :func:`~adnet_mmpose.evaluation.functional.error_components`).
    """
    v = comp.valid[:, k]
    e = np.stack([comp.normal[v, k], comp.tangent[v, k]], axis=-1)
    if len(e) == 0:
        return np.zeros(2), np.zeros((2, 2))
    mu = e.mean(axis=0)
    return mu, (e - mu).T @ (e - mu) / len(e)


def _nice_floor(x: float) -> float:
    """Largest 1/2/5 × 10^n not above x."""
    p = 10.0 ** np.floor(np.log10(x))
    return max(m * p for m in NICE if m * p <= x * (1 + 1e-9))


def auto_scale(methods: Mapping, face: np.ndarray) -> float:
    """Ellipse magnification making the median 1σ semi-major axis about 5 % of the face size
    (shared by all panels, so they stay comparable)."""
    sizes = []
    for comp in methods.values():
        for k in np.flatnonzero(comp.valid.any(axis=0)):
            sizes.append(np.sqrt(np.linalg.eigvalsh(landmark_moments(comp, k)[1])[-1]))
    typical = float(np.median(sizes)) if sizes else 0.0
    if not typical > 0:
        return 1.0
    return _nice_floor(0.05 * np.ptp(face, axis=0).max() / typical)


def plot_error_bias(methods: Mapping, stats: Mapping[str, dict], face: np.ndarray,
                    boundaries: Sequence[Boundary], out_file: str,
                    ellipse_scale: Optional[float] = None,
                    title: Optional[str] = None) -> float:
    """Write the error-bias PNG.

    Each grouped landmark gets the 1σ ellipse of its normalised error, expressed in its
    (normal, tangent) frame and drawn in the mean face's own frame at that landmark,
    magnified by ``ellipse_scale`` and centred at the landmark plus the magnified mean error.
    Colour: normal/tangent RMS ratio (blue < 1: errors along the boundary; red > 1: across
    it). Ungrouped landmarks are grey crosses.

    Args:
        methods: label -> error components (see :func:`landmark_moments`), one panel each,
            in order.
        stats: label -> their statistics (``summarize_components`` of
            :mod:`adnet_mmpose.evaluation.functional.error_bias`: ``overall`` and per
            ``landmarks`` RMS and ratio).
        face: (K, 2) mean face (:func:`mean_face`).
        boundaries: the groups (drawn as grey curves; give the frames).
        out_file: PNG path (parent folders are created).
        ellipse_scale: magnification; None = :func:`auto_scale`.
        title: figure title.

    Returns:
        The magnification used.
    """
    from matplotlib import cm, colors
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse

    if not methods:
        raise ValueError('plot_error_bias needs at least one method')
    scale = auto_scale(methods, face) if ellipse_scale is None else float(ellipse_scale)
    prev, nxt = neighbours(boundaries, len(face))
    normal, tangent = (a.numpy() for a in boundary_normals(torch.from_numpy(face), prev, nxt))
    lim = np.log2(RATIO_RANGE)
    mappable = cm.ScalarMappable(colors.Normalize(-lim, lim), 'coolwarm')

    fig = Figure(figsize=(4.2 * len(methods) + 1.2, 5.0), dpi=110, layout='constrained')
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, len(methods), i + 1) for i in range(len(methods))]
    for ax, (label, comp) in zip(axes, methods.items()):
        for b in boundaries:
            curve = face[list(b.indices) + ([b.indices[0]] if b.closed else [])]
            ax.plot(curve[:, 0], curve[:, 1], color='0.75', linewidth=0.8, zorder=1)
        grouped = comp.valid.any(axis=0)
        ax.scatter(*face[~grouped].T, marker='x', color='0.5', s=14, zorder=2)
        ratios = {s['index']: s['normal_tangent_ratio'] for s in stats[label]['landmarks']}
        for k in np.flatnonzero(grouped):
            mu, cov = landmark_moments(comp, k)
            frame = np.stack([normal[k], tangent[k]], axis=1)      # columns n, t
            w, vec = np.linalg.eigh(frame @ cov @ frame.T)
            with np.errstate(divide='ignore'):
                colour = mappable.to_rgba(np.clip(np.log2(ratios[k]), -lim, lim))
            ax.add_patch(Ellipse(face[k] + scale * frame @ mu,
                                 2 * scale * np.sqrt(max(w[1], 0)),
                                 2 * scale * np.sqrt(max(w[0], 0)),
                                 angle=np.degrees(np.arctan2(vec[1, 1], vec[0, 1])),
                                 facecolor=colour, edgecolor=colour, alpha=0.55, zorder=3))
            ax.plot(*face[k], marker='.', color='k', markersize=2, zorder=4)
        s = stats[label]['overall']
        ax.set_title(f'{label}\nnormal RMS {s["normal_RMS"]:.4f}, tangent RMS '
                     f'{s["tangent_RMS"]:.4f}\nratio {s["normal_tangent_ratio"]:.2f}',
                     fontsize='small')
        ax.set_aspect('equal')
        ax.invert_yaxis()
        ax.set_xticks([])
        ax.set_yticks([])
    ticks = np.arange(-lim, lim + 1)
    bar = fig.colorbar(mappable, ax=axes, shrink=0.8, ticks=ticks)
    bar.ax.set_yticklabels([f'{2.0 ** t:g}' for t in ticks])
    bar.set_label('normal RMS / tangent RMS')
    fig.suptitle(f'{title + chr(10) if title else ""}ellipses: 1σ of the error ×{scale:g}, '
                 f'centred at the mean error ×{scale:g}', fontsize='small')
    os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, format='png', bbox_inches='tight')
    return scale
