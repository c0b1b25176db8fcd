"""Score face-landmark predictions of any method: NME, FR@thr, AUC@thr, P50/P90/P95/P99.

    python tools/analysis/eval_predictions.py --pred P [P ...] --gt G --dataset {wflw,300w,cofw}
        [--norm inter_ocular|inter_pupil|bbox] [--norm-indices I J] [--thr 0.1]
        [--bbox B.npy] [--json OUT.json] [--ced-plot OUT.png] [--label NAME ...]

Inputs (all in one pixel frame):
* ``.npy``: N×K×2 (or N×K×3, the third column ignored) landmarks, in ground-truth order.
* ``.npz``: the ``pred`` / ``gt`` arrays (and ``id``) of FaceAlignmentMetric's per-image dump.
* ``.pkl`` / ``.json`` prediction (``--pred``): mmpose ``tools/test.py --dump`` output, a list of
  data samples with ``pred_instances.keypoints`` and the annotation ``id``.
* ``.json`` ground truth (``--gt``): mmpose COCO-style face json; images are ordered by
  annotation id; its box for ``--norm bbox`` is the one mmpose's dataset class builds
  (``center``/``scale`` square for WFLW/300W, the clipped ``bbox`` otherwise).
Predictions that carry annotation ids are matched to a json / npz ground truth by id,
others by order. Values are fractions, not percentages.
"""
import argparse
import json
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from adnet_mmpose.evaluation.functional import (DATASET_DEFAULTS, NORMS, ced_curves,
                                                face_alignment_nme, resolve_norm, summarize)
from adnet_mmpose.evaluation.functional.io import align, load_gt, load_pred, method_labels
from adnet_mmpose.visualization import plot_ced

def evaluate(pred_paths: List[str], gt_path: str, dataset: str, norm: Optional[str] = None,
             norm_indices=None, thr: Optional[float] = None, bbox_path: Optional[str] = None,
             labels: Optional[List[str]] = None) -> Tuple[Dict[str, dict], Dict[str, np.ndarray]]:
    """Metrics and per-image NME of each prediction file, keyed by label."""
    thr = DATASET_DEFAULTS[dataset]['thr'] if thr is None else thr
    labels = method_labels(pred_paths, labels)
    gt, gt_ids, boxes = load_gt(gt_path)
    if bbox_path is not None:
        boxes = np.load(bbox_path)
    results, nmes = {}, {}
    for label, path in zip(labels, pred_paths):
        pred, pred_ids = load_pred(path)
        pred = align(pred, pred_ids, gt_ids, path)
        try:
            nme, _ = face_alignment_nme(pred, gt, dataset, norm, norm_indices,
                                        boxes if norm == 'bbox' else None)
        except ValueError as e:
            raise ValueError(f'{path}: {e}') from e
        results[label], nmes[label] = summarize(nme, thr), nme
    return results, nmes


def format_table(results: Dict[str, dict]) -> str:
    """Plain-text table, one row per prediction file."""
    keys = list(next(iter(results.values())))
    width = max(len('method'), *(len(k) for k in results))
    lines = ['  '.join([f'{"method":<{width}}'] + [f'{k:>10}' for k in keys])]
    for label, r in results.items():
        cells = [f'{r[k]:>10d}' if isinstance(r[k], int) else f'{r[k]:>10.6f}' for k in keys]
        lines.append('  '.join([f'{label:<{width}}'] + cells))
    return '\n'.join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--pred', nargs='+', required=True, help='prediction file(s)')
    p.add_argument('--gt', required=True, help='ground truth (.npy, .npz or dataset .json)')
    p.add_argument('--dataset', required=True, choices=sorted(DATASET_DEFAULTS))
    p.add_argument('--norm', choices=NORMS, help='default: the dataset\'s')
    p.add_argument('--norm-indices', nargs=2, type=int, metavar=('I', 'J'),
                   help='two landmark indices overriding the norm\'s')
    p.add_argument('--thr', type=float, help='FR/AUC threshold (default 0.1)')
    p.add_argument('--bbox', help='N×4 x1,y1,x2,y2 .npy boxes for --norm bbox with .npy GT')
    p.add_argument('--json', help='write the metrics here')
    p.add_argument('--ced-plot', help='write a CED PNG here (one curve per --pred)')
    p.add_argument('--label', nargs='+', help='one name per --pred (default: file names)')
    return p.parse_args(argv)


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    results, nmes = evaluate(args.pred, args.gt, args.dataset, args.norm, args.norm_indices,
                             args.thr, args.bbox, args.label)
    thr = DATASET_DEFAULTS[args.dataset]['thr'] if args.thr is None else args.thr
    print(format_table(results))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(next(iter(results.values())) if len(results) == 1 else results, f,
                      indent=2)
    if args.ced_plot:
        norm = resolve_norm(args.dataset, args.norm, args.norm_indices)[0]
        plot_ced(ced_curves(nmes, thr), thr, args.ced_plot, title=f'{args.dataset} ({norm})')
    return results


if __name__ == '__main__':
    main()
