"""Photo to landmarks on the CPU, side by side with dlib: ``FaceLandmarker`` (its shipped
defaults) and dlib's HOG face detector + 68-point ``shape_predictor`` in one process, on the
same pictures, interleaved picture by picture (so a shared machine's load hits both alike).

    python benchmarks/end_to_end.py [--threads 1 2] [--repeats 3] [--out end_to_end.json]

Pictures: (a) the afw68 val photos (one face, about 384 px); (b) 1280×720 pictures with four
of them in a 2×2 grid; (c) tracking: the landmarks of one face whose box is known (each
method's own detector box on the photo), what a video tracker runs per frame.

Printed per thread count: ms per picture (and per face), median and 90th percentile over every
picture and repeat, faces found, and the ratio ours / dlib of the medians. Ours is also split
into its detector and its landmark step. dlib runs as its examples do (RGB input, HOG with one
upsampling); it computes on one thread whatever the count. dlib is an optional extra
(``pip install -r requirements/benchmark.txt``); without it only ours is measured.
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
from common import cpu_model

ROOT = Path(__file__).resolve().parents[1]
VAL = ROOT.parent / 'shared' / 'fixtures' / 'afw68'
MOSAIC_SIZE = (1280, 720)


def photos(n=None):
    """The afw68 val photos (BGR), in annotation order."""
    ann = json.loads((VAL / 'val.json').read_text())
    return [cv2.imread(str(VAL / 'images' / im['file_name'])) for im in ann['images'][:n]]


def mosaic(imgs, size=MOSAIC_SIZE):
    """Four photos, each scaled to fit a quarter of a ``size`` (w, h) grey picture and centred
    in it: one picture with four faces."""
    w, h = size
    out = np.full((h, w, 3), 127, np.uint8)
    cw, ch = w // 2, h // 2
    for i, img in enumerate(imgs[:4]):
        f = min(cw / img.shape[1], ch / img.shape[0])
        tile = cv2.resize(img, (round(img.shape[1] * f), round(img.shape[0] * f)),
                          interpolation=cv2.INTER_AREA)
        x = (i % 2) * cw + (cw - tile.shape[1]) // 2
        y = (i // 2) * ch + (ch - tile.shape[0]) // 2
        out[y:y + tile.shape[0], x:x + tile.shape[1]] = tile
    return out


class Dlib:
    """dlib's HOG detector + 68-point predictor (``face_recognition_models``' file), or
    None when either package is missing."""

    @classmethod
    def load(cls):
        try:
            import dlib
            import face_recognition_models
        except ImportError as e:
            print(f'dlib not measured ({e.name} is not installed: pip install -r '
                  'requirements/benchmark.txt)')
            return None
        return cls(dlib, face_recognition_models.pose_predictor_model_location())

    def __init__(self, dlib, predictor_file: str):
        self.dlib, self.version = dlib, dlib.__version__
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(predictor_file)

    def __call__(self, img: np.ndarray):
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        return [self.predictor(rgb, r) for r in self.detector(rgb, 1)]

    def boxes(self, img: np.ndarray):
        return list(self.detector(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), 1))

    def track(self, img: np.ndarray, box):
        return self.predictor(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), box)


def timed(fn, *args):
    """(seconds, result) of one call."""
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def stats(seconds, faces=None) -> dict:
    """Median and 90th percentile in ms of per-call times (and per face when ``faces``, the
    faces per call, is given)."""
    ms = 1e3 * np.asarray(seconds)
    out = dict(median_ms=float(np.median(ms)), p90_ms=float(np.percentile(ms, 90)))
    if faces is not None:
        per_face = ms / np.maximum(np.asarray(faces), 1)
        out.update(median_ms_per_face=float(np.median(per_face)))
    return out


def measure(name: str, items, fns: dict, repeats: int) -> dict:
    """Each of ``fns`` (name → callable(item) returning its faces) on every item, ``repeats``
    times after one warm-up pass, interleaved item by item."""
    times = {k: [] for k in fns}
    faces = {k: [] for k in fns}
    for k, fn in fns.items():
        for item in items[:2]:
            fn(item)
    for _ in range(repeats):
        for item in items:
            for k, fn in fns.items():
                sec, out = timed(fn, item)
                times[k].append(sec)
                faces[k].append(len(out))
    rows = {k: dict(stats(times[k], faces[k]), faces=int(sum(faces[k]) // repeats),
                    calls=len(items)) for k in fns}
    return dict(kind=name, rows=rows)


def run(threads: int, imgs, mosaics, dlib, repeats: int) -> list:
    """Every picture kind at one thread count."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    fl = FaceLandmarker(device='cpu', threads=threads)
    ours_boxes = [fl.face_boxes(i)[:1] for i in imgs]
    tracked = [k for k, b in enumerate(ours_boxes) if len(b)]
    results = []
    for kind, pics in (('photo', imgs), ('mosaic 1280x720', mosaics)):
        fns = dict(ours=lambda i: fl(i), ours_detector=lambda i: fl.face_boxes(i))
        if dlib:
            fns['dlib'] = dlib
        results.append(measure(kind, pics, fns, repeats))
        boxes = {id(p): fl.face_boxes(p) for p in pics}
        results.append(measure(f'{kind}: landmark step alone', pics,
                               dict(ours=lambda i: fl.landmarks(i, boxes[id(i)])[0]), repeats))
    fns = dict(ours=lambda k: fl.landmarks(imgs[k], ours_boxes[k])[0])
    if dlib:
        dlib_boxes = {k: dlib.boxes(imgs[k]) for k in tracked}
        both = [k for k in tracked if dlib_boxes[k]]
        fns['dlib'] = lambda k: [dlib.track(imgs[k], dlib_boxes[k][0])]
    else:
        both = tracked
    results.append(measure('tracking: one face, known box', both, fns, repeats))
    for r in results:
        r['threads'] = threads
    return results


def table(results) -> str:
    lines = ['| picture | threads | method | ms / picture (median, p90) | ms / face (median) '
             '| faces found | ours / dlib (median) |', '|---|---|---|---|---|---|---|']
    for r in results:
        dlib = r['rows'].get('dlib')
        for name, row in r['rows'].items():
            ratio = (f"{row['median_ms'] / dlib['median_ms']:.2f}×"
                     if dlib and name == 'ours' else '')
            lines.append(f"| {r['kind']} | {r['threads']} | {name} | {row['median_ms']:.1f}, "
                         f"{row['p90_ms']:.1f} | {row['median_ms_per_face']:.1f} | "
                         f"{row['faces']} in {row['calls']} | {ratio} |")
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    p.add_argument('--images', type=int, help='use the first N val photos (default: all)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--out', help='write the figures and the machine record here (JSON)')
    args = p.parse_args(argv)
    imgs = photos(args.images)
    mosaics = [mosaic(imgs[i:i + 4]) for i in range(0, len(imgs) - 3, 4)]
    dlib = Dlib.load()
    load_before = os.getloadavg()
    results = []
    for n in args.threads:
        results += run(n, imgs, mosaics, dlib, args.repeats)
    print(table(results))
    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), load_average_before=load_before,
                   load_average_after=os.getloadavg(), torch=torch.__version__,
                   opencv=cv2.__version__, dlib=dlib.version if dlib else None)
    print(f"{machine['cpu']}, {machine['cores']} cores, load average "
          f"{load_before[0]:.1f} → {machine['load_average_after'][0]:.1f} (a shared machine: "
          'compare the ratios, measured interleaved in one process)')
    if args.out:
        Path(args.out).write_text(json.dumps(dict(machine=machine, results=results), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
