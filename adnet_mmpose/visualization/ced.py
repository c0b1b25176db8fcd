"""CED plot (cumulative error distribution) of one or more curves, as a PNG.

Shared by :class:`~adnet_mmpose.evaluation.FaceAlignmentMetric` (``ced_plot=``) and
``tools/analysis/eval_predictions.py``, which compute the curves with
:func:`~adnet_mmpose.evaluation.functional.ced_curves`. Uses matplotlib's Agg canvas directly:
no pyplot, no global backend change, no display.
"""
import os
from typing import Mapping, Optional, Tuple

import numpy as np


def plot_ced(curves: Mapping[str, Tuple[np.ndarray, np.ndarray]], thr: float, out_file: str,
             title: Optional[str] = None) -> str:
    """Write a CED PNG with one curve per entry.

    Args:
        curves: legend line -> (NME grid (M,), fraction of images at or below each (M,)), in
            legend order.
        thr: x-axis end.
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
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, linewidth=1.5, label=label)
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
