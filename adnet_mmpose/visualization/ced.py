"""CED plot (cumulative error distribution) of one or more per-image NME lists, as a PNG.

Shared by :class:`FaceAlignmentMetric` (``ced_plot=``) and ``tools/analysis/eval_predictions.py``.
Uses matplotlib's Agg canvas directly: no pyplot, no global backend change, no display.
"""
import os
from typing import Mapping, Optional, Sequence

import numpy as np

from ..evaluation.functional.face_alignment import CED_STEP, ced, summarize, thr_key


def plot_ced(curves: Mapping[str, Sequence[float]], thr: float, out_file: str,
             title: Optional[str] = None, step: float = CED_STEP) -> str:
    """Write a CED PNG with one curve per entry and NME / FR / AUC in the legend.

    Args:
        curves: label -> per-image NME (fractions), in legend order.
        thr: x-axis end and the FR/AUC threshold.
        out_file: PNG path (parent folders are created).
        title: figure title.

    Returns:
        ``out_file``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not curves:
        raise ValueError('plot_ced needs at least one curve')
    fig = Figure(figsize=(6.4, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fr_key, auc_key = thr_key('FR', thr), thr_key('AUC', thr)
    for label, nme in curves.items():
        nme = np.asarray(nme, dtype=np.float64)
        xs, ys = ced(nme, thr, step)
        s = summarize(nme, thr, step)
        ax.plot(xs, ys, linewidth=1.5,
                label=f'{label}: NME {s["NME"]:.4f}, {fr_key} {s[fr_key]:.4f}, '
                f'{auc_key} {s[auc_key]:.4f} (n={s["num_images"]})')
    ax.set_xlim(0, thr)
    ax.set_ylim(0, 1)
    ax.set_xlabel('NME (fraction of the normalising distance)')
    ax.set_ylabel('fraction of images')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='best', fontsize='small')
    if title:
        ax.set_title(title)
    parent = os.path.dirname(os.path.abspath(out_file))
    os.makedirs(parent, exist_ok=True)
    fig.savefig(out_file, format='png', bbox_inches='tight')
    return out_file
