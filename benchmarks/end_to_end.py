"""End-to-end faces per second of :class:`FaceLandmarker` on the CPU: MTCNN detection + crops +
landmarks + mapping back to the image, on the afw68 val photos (one face per 384-px crop) and on
2×2 mosaics of them (four faces per image, landmarks as one batch).

    python benchmarks/end_to_end.py [--config CFG --checkpoint CKPT] [--threads 1]
        [--images 16] [--repeats 3] [--out end_to_end.json]

Rows: the detector alone (ms per image), the landmark step alone on given boxes (ms per face,
batch of 1 and of 4) for the PyTorch backend with and without flip test, ``fast='eager'`` and
ONNX Runtime, and detector + landmarks (faces/s). For scale, dlib's published figure for its
68-point ``shape_predictor`` (about 2 ms per face for the landmark step alone, on a desktop
CPU, plus its HOG detector's time per image) is printed beside them: published, not measured
here (dlib is not installed).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from adnet_mmpose.apis import FaceLandmarker

ROOT = Path(__file__).resolve().parents[1]
VAL = ROOT.parent / 'shared' / 'fixtures' / 'afw68'
DLIB_PUBLISHED = 'dlib shape_predictor_68 (published, not measured): ≈2 ms/face landmarks ' \
                 '+ HOG detector per image'


def photos(n: int):
    ann = json.loads((VAL / 'val.json').read_text())
    return [cv2.imread(str(VAL / 'images' / im['file_name'])) for im in ann['images'][:n]]


def mosaic(imgs):
    """2×2 mosaic of four crops resized to 384×384 (four faces, one image)."""
    tiles = [cv2.resize(i, (384, 384)) for i in imgs]
    return np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])


def best(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config')
    p.add_argument('--checkpoint')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--images', type=int, default=16)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--out')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.environ.setdefault('OMP_NUM_THREADS', str(args.threads))
    cv2.setNumThreads(args.threads)
    model = dict(config=args.config, checkpoint=args.checkpoint)
    imgs = photos(args.images)
    mosaics = [mosaic(imgs[i:i + 4]) for i in range(0, len(imgs) - 3, 4)]
    variants = {
        'pytorch (flip test)': FaceLandmarker(**model),
        'pytorch (no flip)': FaceLandmarker(**model, flip_test=False),
        'fast eager (no flip)': FaceLandmarker(**model, fast='eager', fast_batch=[1, 4]),
        'onnxruntime (no flip)': FaceLandmarker(**model, backend='onnxruntime'),
    }
    fl = variants['pytorch (no flip)']
    rows = []
    sec = best(lambda: [fl.detector(i) for i in imgs], args.repeats)
    rows.append(dict(row='MTCNN detector, 384-px photo', ms_per_image=1e3 * sec / len(imgs)))
    sec = best(lambda: [fl.detector(m) for m in mosaics], args.repeats)
    rows.append(dict(row='MTCNN detector, 768-px 4-face mosaic',
                     ms_per_image=1e3 * sec / len(mosaics)))
    boxes = [fl.detector(i)[:1] for i in imgs]
    mboxes = [fl.detector(m) for m in mosaics]
    for name, v in variants.items():
        sec = best(lambda: [v.landmarks(i, b) for i, b in zip(imgs, boxes)], args.repeats)
        n = sum(len(b) for b in boxes)
        rows.append(dict(row=f'landmarks {name}, batch 1', ms_per_face=1e3 * sec / n))
        sec = best(lambda: [v.landmarks(m, b) for m, b in zip(mosaics, mboxes)], args.repeats)
        n = sum(len(b) for b in mboxes)
        rows.append(dict(row=f'landmarks {name}, batch 4', ms_per_face=1e3 * sec / n))
        for label, inputs in (('photos', imgs), ('mosaics', mosaics)):
            faces = sum(len(f) for f in v(inputs))
            sec = best(lambda: v(inputs), args.repeats)
            rows.append(dict(row=f'detector + landmarks {name}, {label}',
                             faces_per_s=faces / sec, ms_per_face=1e3 * sec / faces))
    rows.append(dict(row=DLIB_PUBLISHED, ms_per_face=2.0))
    for r in rows:
        figures = ', '.join(f'{k} {v:.1f}' for k, v in r.items() if k != 'row')
        print(f"{r['row']:<62} {figures}")
    print(f'{args.threads} thread(s), {os.cpu_count()} cores, load average '
          f'{os.getloadavg()[0]:.1f} (figures scale with the load of a shared machine)')
    record = dict(threads=args.threads, images=len(imgs), mosaics=len(mosaics),
                  config=args.config or 'released', rows=rows,
                  cpu=os.cpu_count(), load_average=os.getloadavg(), torch=torch.__version__)
    if args.out:
        Path(args.out).write_text(json.dumps(record, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
