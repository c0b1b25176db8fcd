"""Score a landmark model the way a user meets it: on the annotated images, with the face
boxes of the ground truth and with the boxes of the face detector.

    python tools/analysis/eval_end_to_end.py --ann ANN.json [--config C --checkpoint P]
        [--detector mtcnn] [--dataset 300w] [--json OUT.json] [--device cpu]

Defaults: the released 68-point model (:class:`~adnet_mmpose.apis.FaceLandmarker`) and MTCNN.
Two rows are printed:

* ``gt-box``: every annotated face cropped from its annotated box (the square of side
  ``200·scale`` at ``center``, as ``tools/test.py`` does), i.e. the figure of ``tools/test.py``
  without flip differences;
* ``detector``: each image run through the detector; an annotated face takes the detection
  with the highest IoU (at least ``--iou``, default 0.3) with its annotated box. A face the
  detector misses is a failure: it counts in FR and AUC with an infinite error, and NME is
  given over the found faces, next to the recall.

Errors are inter-ocular NME (outer eye corners) for 300W, FR/AUC at ``--thr`` (0.1).
"""
import argparse
import json
import os.path as osp
import time
from pathlib import Path

import numpy as np

from adnet_mmpose.evaluation.functional import face_alignment_nme, summarize
from adnet_mmpose.utils.bbox import annotation_box, box_iou


def load_annotations(ann_file: str):
    """[(image path, reference box xyxy (4,), landmarks (K, 2))] of a 300-W style json."""
    data = json.loads(Path(ann_file).read_text())
    root = osp.join(osp.dirname(ann_file), 'images')
    files = {im['id']: osp.join(root, im['file_name']) for im in data['images']}
    faces = []
    for a in sorted(data['annotations'], key=lambda a: a['id']):
        kpts = np.asarray(a['keypoints'], np.float64).reshape(-1, 3)[:, :2]
        faces.append((files[a['image_id']], annotation_box(a['center'], a['scale']), kpts))
    return faces


def evaluate(landmarker, faces, dataset: str = '300w', thr: float = 0.1,
             min_iou: float = 0.3) -> dict:
    """Metrics of the ``gt-box`` and ``detector`` rows (fractions, not percentages)."""
    gt = np.stack([k for _, _, k in faces])
    with_gt, with_det, found, det_time, boxes_per_image = [], [], [], 0., {}
    for path, box, _ in faces:
        with_gt.append(landmarker(path, bboxes=np.append(box, 1.)[None])[0]['keypoints'])
        if path not in boxes_per_image:
            t = time.perf_counter()
            boxes_per_image[path] = landmarker(path)
            det_time += time.perf_counter() - t
        dets = boxes_per_image[path]
        overlap = (box_iou(box[None], np.stack([d['bbox'] for d in dets]))[0] if len(dets)
                   else np.zeros(0))
        hit = len(dets) and overlap.max() >= min_iou
        found.append(bool(hit))
        with_det.append(dets[int(overlap.argmax())]['keypoints'] if hit
                        else np.full_like(gt[0], np.nan))
    found = np.array(found)
    nme_gt = face_alignment_nme(np.stack(with_gt), gt, dataset)[0]
    nme_det = np.full(len(faces), np.inf)
    if found.any():
        nme_det[found] = face_alignment_nme(np.stack(with_det)[found], gt[found], dataset)[0]
    with np.errstate(invalid='ignore'):   # percentiles next to a missed face's infinite error
        rows = {'gt-box': summarize(nme_gt, thr), 'detector': summarize(nme_det, thr)}
    rows['detector']['NME'] = float(nme_det[found].mean()) if found.any() else float('nan')
    rows['detector']['recall'] = float(found.mean())
    rows['detector']['faces_found'] = int(found.sum())
    rows['detector']['seconds_per_image'] = det_time / len(boxes_per_image)
    rows['faces'] = len(faces)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--ann', required=True, help='300-W style json (images/ beside it)')
    parser.add_argument('--config', help='ADNet config (default: the released model)')
    parser.add_argument('--checkpoint', help='its checkpoint (default: the released model)')
    parser.add_argument('--detector', default='mtcnn')
    parser.add_argument('--dataset', default='300w')
    parser.add_argument('--thr', type=float, default=0.1)
    parser.add_argument('--iou', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load a checkpoint that needs full unpickling (trusted files only)')
    parser.add_argument('--json', help='write the metrics here')
    args = parser.parse_args()

    from adnet_mmpose.apis import FaceLandmarker
    landmarker = FaceLandmarker(args.config, args.checkpoint, device=args.device,
                                detector=args.detector, trust_checkpoint=args.trust_checkpoint)
    rows = evaluate(landmarker, load_annotations(args.ann), args.dataset, args.thr, args.iou)
    for name in ('gt-box', 'detector'):
        r = rows[name]
        extra = (f"  recall {r['recall']:.3f} ({r['faces_found']}/{rows['faces']})  "
                 f"{r['seconds_per_image']:.2f} s/image" if name == 'detector' else '')
        print(f"{name:9s} NME {100 * r['NME']:.2f} %  FR@{args.thr:g} "
              f"{100 * r[f'FR@{args.thr:g}']:.2f} %  AUC@{args.thr:g} "
              f"{r[f'AUC@{args.thr:g}']:.4f}{extra}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
