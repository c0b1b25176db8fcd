"""Face detector boxes against 300-W annotations: fit the box calibration, measure recall.

    python tools/analysis/face_detector_boxes.py fit  [--ann A.json ...]   # training files
    python tools/analysis/face_detector_boxes.py eval [--ann A.json ...]   # afw68 val

The reference box of a face is the one mmpose's ``Face300WDataset`` gives the landmark models:
the square of side ``200·scale`` centred at ``center``. ``fit`` runs MTCNN without calibration
on the annotated images (default: ``afw68/train.json`` and ``helen68_train/train.json``), keeps
each face's best raw box with IoU >= 0.3 and prints the medians of the three terms of
:class:`~adnet_mmpose.detection.BoxCalibration` (side ratio, centre offsets in units
of the raw box size). ``eval`` runs the calibrated detector (default: ``afw68/val.json``) and
prints recall at IoU >= 0.3 and 0.5, false positives per image (boxes matching no face at
IoU >= 0.3), the mean IoU of the matched faces and seconds per image.
"""
import argparse
import json
import os.path as osp
import time
from pathlib import Path

import cv2
import numpy as np

from adnet_mmpose.detection.base import BoxCalibration
from adnet_mmpose.detection.mtcnn import MTCNNFaceDetector
from adnet_mmpose.utils.bbox import annotation_box, box_iou

FIXTURES = Path(__file__).resolve().parents[2].parent / 'shared' / 'fixtures'
TRAIN = [str(FIXTURES / 'afw68/train.json'), str(FIXTURES / 'helen68_train/train.json')]
VAL = [str(FIXTURES / 'afw68/val.json')]


def reference_boxes(ann_file: str):
    """{image path: (F, 4) reference face boxes} of a 300-W json."""
    data = json.loads(Path(ann_file).read_text())
    files = {im['id']: osp.join(osp.dirname(ann_file), 'images', im['file_name'])
             for im in data['images']}
    boxes = {path: [] for path in files.values()}
    for a in data['annotations']:
        boxes[files[a['image_id']]].append(annotation_box(a['center'], a['scale']))
    return {k: np.asarray(v, np.float32).reshape(-1, 4) for k, v in boxes.items()}


def fit(detector, refs) -> BoxCalibration:
    terms = []
    for path, ref in refs.items():
        found = detector(cv2.imread(path))
        if not len(found) or not len(ref):
            continue
        overlap = box_iou(ref, found[:, :4])
        for f, j in enumerate(overlap.argmax(1)):
            if overlap[f, j] < 0.3:
                continue
            (x1, y1, x2, y2), r = found[j, :4], ref[f]
            w, h = x2 - x1, y2 - y1
            terms.append([(r[2] - r[0]) / ((w + h) / 2),
                          ((r[0] + r[2]) - (x1 + x2)) / 2 / w,
                          ((r[1] + r[3]) - (y1 + y2)) / 2 / h])
    terms = np.asarray(terms)
    print(f'{len(terms)} of {sum(len(r) for r in refs.values())} faces matched (IoU >= 0.3)')
    for name, col in zip(('scale', 'dx', 'dy'), terms.T):
        print(f'{name}: median {np.median(col):.4f}, IQR {np.percentile(col, 25):.4f} .. '
              f'{np.percentile(col, 75):.4f}')
    return BoxCalibration(*(round(float(v), 3) for v in np.median(terms, 0)))


def evaluate(detector, refs) -> dict:
    faces = hits3 = hits5 = fps = 0
    ious, seconds = [], 0.
    for path, ref in refs.items():
        img = cv2.imread(path)
        t = time.perf_counter()
        found = detector(img)
        seconds += time.perf_counter() - t
        faces += len(ref)
        if not len(found):
            continue
        overlap = box_iou(ref, found[:, :4]) if len(ref) else np.zeros((0, len(found)))
        best = overlap.max(1) if len(ref) else np.zeros(0)
        hits3 += int((best >= 0.3).sum())
        hits5 += int((best >= 0.5).sum())
        ious += best[best >= 0.3].tolist()
        fps += int((overlap.max(0, initial=0) < 0.3).sum())
    n = len(refs)
    return dict(images=n, faces=faces, recall_iou30=hits3 / faces, recall_iou50=hits5 / faces,
                false_positives_per_image=fps / n, mean_iou=float(np.mean(ious)),
                seconds_per_image=seconds / n)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('mode', choices=['fit', 'eval'])
    p.add_argument('--ann', nargs='+', help='300-W json files (images/ beside each)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-calibration', action='store_true',
                   help='eval: the raw MTCNN boxes (to see what the calibration changes)')
    args = p.parse_args(argv)
    refs = {}
    for ann in args.ann or (TRAIN if args.mode == 'fit' else VAL):
        refs.update(reference_boxes(ann))
    if args.mode == 'fit':
        print(fit(MTCNNFaceDetector(args.device, calibration=BoxCalibration()), refs))
    else:
        detector = (MTCNNFaceDetector(args.device, calibration=BoxCalibration())
                    if args.no_calibration else MTCNNFaceDetector(args.device))
        print(json.dumps(evaluate(detector, refs), indent=1))


if __name__ == '__main__':
    main()
