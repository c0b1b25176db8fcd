"""Error bias of face-landmark predictions: errors split into their components normal and
tangent to the ground-truth boundary at each landmark, for one or more methods.

    python tools/analysis/error_bias.py --pred P [P ...] --gt G --dataset {wflw,300w,cofw}
        --out-dir D [--label NAME ...] [--norm inter_ocular|inter_pupil|bbox]
        [--norm-indices I J] [--bbox B.npy] [--metainfo M.py] [--ellipse-scale S]

Inputs as in ``eval_predictions.py`` (``.npy`` N×K×2, FaceAlignmentMetric ``.npz``, mmpose
``--dump`` ``.pkl``/``.json``, dataset ``.json`` ground truth; matched by annotation id when
both carry ids). Writes ``D/error_bias.json`` (per landmark, per boundary group and overall:
normal / tangent RMS, their ratio, signed means), ``D/error_bias.png`` (one mean-face panel
per method, each landmark's error ellipse in its boundary frame) and ``D/error_bias.md``
(a table per boundary group). Values are fractions of the NME normaliser; definitions in
``adnet_mmpose/evaluation/functional/error_bias.py``.
"""
import argparse
import json
import math
import os
from typing import List, Optional

import numpy as np

from adnet_mmpose.evaluation.functional import (DATASET_DEFAULTS, NORMS, compute_error_bias,
                                                dataset_boundaries)
from adnet_mmpose.evaluation.functional.io import align, load_gt, load_pred, method_labels
from adnet_mmpose.utils.boundary import load_boundaries
from adnet_mmpose.visualization import mean_face, plot_error_bias

COLUMNS = (('normal RMS', 'normal_RMS'), ('tangent RMS', 'tangent_RMS'),
           ('ratio', 'normal_tangent_ratio'), ('normal mean', 'normal_mean'),
           ('tangent mean', 'tangent_mean'), ('errors', 'count'))


def analyse(pred_paths: List[str], gt_path: str, dataset: str,
            labels: Optional[List[str]] = None, norm: Optional[str] = None,
            norm_indices=None, bbox_path: Optional[str] = None,
            metainfo: Optional[str] = None) -> tuple:
    """Error bias of every prediction file.

    Returns:
        ``(report, components, gt, boundaries)``: the JSON-able report, label ->
        :class:`ErrorComponents`, the (N, K, 2) ground truth and the groups.
    """
    labels = method_labels(pred_paths, labels)
    k = DATASET_DEFAULTS[dataset]['num_keypoints']
    groups = (dataset_boundaries(dataset) if metainfo is None else
              load_boundaries(dict(from_file=metainfo), k))
    gt, gt_ids, boxes = load_gt(gt_path)
    if bbox_path is not None:
        boxes = np.load(bbox_path)
    report = dict(dataset=dataset, gt=gt_path, num_keypoints=k,
                  boundaries=[dict(name=b.name, indices=list(b.indices), closed=b.closed)
                              for b in groups])
    methods, comps = {}, {}
    for label, path in zip(labels, pred_paths):
        pred, pred_ids = load_pred(path)
        pred = align(pred, pred_ids, gt_ids, path)
        try:
            summary, comps[label] = compute_error_bias(pred, gt, dataset, groups, norm,
                                                       norm_indices,
                                                       boxes if norm == 'bbox' else None)
        except ValueError as e:
            raise ValueError(f'--pred {path} / --gt {gt_path}: {e}') from e
        for key in ('norm', 'num_images', 'excluded_landmarks', 'degenerate'):
            report[key] = summary.pop(key)
        methods[label] = dict(pred=path, **summary)
    report['methods'] = methods
    return report, comps, gt, groups


def _finite(x):
    """JSON-safe copy: non-finite floats become None."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _ranges(indices: List[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``'0-2, 5'``."""
    out, start = [], None
    for i, k in enumerate(indices):
        start = k if start is None else start
        if i + 1 == len(indices) or indices[i + 1] != k + 1:
            out.append(f'{start}' if start == k else f'{start}-{k}')
            start = None
    return ', '.join(out)


def _table(rows: dict) -> List[str]:
    """Markdown table: one row per method (label -> stats)."""
    lines = ['| method | ' + ' | '.join(c for c, _ in COLUMNS) + ' |',
             '|---' * (len(COLUMNS) + 1) + '|']
    for label, s in rows.items():
        cells = [f'{s[key]:d}' if key == 'count' else f'{s[key]:.4f}' for _, key in COLUMNS]
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return lines


def format_markdown(report: dict) -> str:
    """Overall table and one table per boundary group."""
    methods = report['methods']
    excluded = report['excluded_landmarks']
    lines = [f'# Error bias: {report["dataset"]}, {report["num_images"]} images', '',
             'Each error is split into its component normal to the ground-truth boundary at '
             'the landmark and its component along the boundary (tangent), as fractions of '
             f'the {report["norm"]} distance. ratio = normal RMS / tangent RMS: below 1 the '
             'errors run along the boundary, above 1 across it. Signed means: normal > 0 '
             'towards the concave side of the curve.', '',
             ('Excluded (in no boundary group): landmarks ' + _ranges(excluded) + '.')
             if excluded else 'Every landmark is in a boundary group.']
    if report['degenerate']:
        lines.append(f'Also excluded: {report["degenerate"]} (image, landmark) entries whose '
                     'ground truth lies on the line through its two boundary neighbours '
                     '(no normal).')
    lines += ['', '## overall', ''] + _table({m: r['overall'] for m, r in methods.items()})
    for name in next(iter(methods.values()))['groups']:
        marks = next(iter(methods.values()))['groups'][name]['landmarks']
        lines += ['', f'## {name} (landmarks {_ranges(marks)})', '']
        lines += _table({m: r['groups'][name] for m, r in methods.items()})
    return '\n'.join(lines) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--pred', nargs='+', required=True, help='prediction file(s)')
    p.add_argument('--gt', required=True, help='ground truth (.npy, .npz or dataset .json)')
    p.add_argument('--dataset', required=True, choices=sorted(DATASET_DEFAULTS))
    p.add_argument('--out-dir', required=True, help='folder for error_bias.{json,png,md}')
    p.add_argument('--label', nargs='+', help='one name per --pred (default: file names)')
    p.add_argument('--norm', choices=NORMS, help='default: the dataset\'s')
    p.add_argument('--norm-indices', nargs=2, type=int, metavar=('I', 'J'),
                   help='two landmark indices overriding the norm\'s')
    p.add_argument('--bbox', help='N×4 x1,y1,x2,y2 .npy boxes for --norm bbox with .npy GT')
    p.add_argument('--metainfo', help='metainfo .py with the boundary groups (default: '
                   'configs/_base_/datasets/<dataset>.py)')
    p.add_argument('--ellipse-scale', type=float,
                   help='ellipse magnification in the PNG (default: automatic)')
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    report, comps, gt, groups = analyse(args.pred, args.gt, args.dataset, args.label,
                                        args.norm, args.norm_indices, args.bbox, args.metainfo)
    os.makedirs(args.out_dir, exist_ok=True)
    face = mean_face(gt, next(iter(comps.values())).norm_dist)
    report['ellipse_scale'] = plot_error_bias(
        comps, report['methods'], face, groups, os.path.join(args.out_dir, 'error_bias.png'), args.ellipse_scale,
        title=f'{args.dataset}: {report["num_images"]} images, errors / {report["norm"]} '
        'distance')
    with open(os.path.join(args.out_dir, 'error_bias.json'), 'w') as f:
        json.dump(_finite(report), f, indent=1, allow_nan=False)
    md = format_markdown(report)
    with open(os.path.join(args.out_dir, 'error_bias.md'), 'w') as f:
        f.write(md)
    print(md)
    return report


if __name__ == '__main__':
    main()
