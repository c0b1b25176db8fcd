"""FaceTracker on a video with known motion: frames/s, accuracy, jitter and resident memory.

    python benchmarks/video_tracking.py [--frames 300] [--threads 2] [--redetect-every 30]
        [--no-flip-test] [--out video.json]

The clip is made here from an afw68 val photo (:class:`~adnet_mmpose.utils.moving_photo.
MovingPhoto`: 640×480, pan ± 80 px, zoom ± 15 %, rotation ± 10°, 150-frame cycle), so every
frame's true landmarks are the photo's annotated ones moved by that frame's transform. Printed:
frames/s over the whole run (frame making excluded), ms per tracked frame (median, p90),
detector runs, NME against the moved annotation (inter-ocular), jitter (RMS over landmarks
of the frame-to-frame change of the error, so the motion itself does not count; px and % of
the inter-ocular distance), and the resident set size every 1,000 frames (flat over a long
run: ``--frames 10000``).
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

from adnet_mmpose.apis import FaceLandmarker, FaceTracker
from adnet_mmpose.utils.moving_photo import MovingPhoto

VAL = Path(__file__).resolve().parents[2] / 'shared' / 'fixtures' / 'afw68'
OUTER_EYE_CORNERS = (36, 45)


def val_photo(index: int = 0):
    """(BGR photo, annotated landmarks (68, 2)) of an afw68 val face."""
    data = json.loads((VAL / 'val.json').read_text())
    ann = data['annotations'][index]
    files = {im['id']: im['file_name'] for im in data['images']}
    img = cv2.imread(str(VAL / 'images' / files[ann['image_id']]))
    return img, np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)[:, :2]


def rss_mib() -> float:
    """Resident set size of this process, MiB (Linux)."""
    pages = int(Path('/proc/self/statm').read_text().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def track(tracker: FaceTracker, clip: MovingPhoto, truth: np.ndarray, frames: int) -> dict:
    """Run ``tracker`` over ``frames`` frames of ``clip``; figures as the module docstring."""
    seconds, tracked_ms, errors, rss = 0., [], [], {}
    for k in range(frames):
        frame = clip.frame(k)
        t = time.perf_counter()
        faces = tracker(frame)
        dt = time.perf_counter() - t
        seconds += dt
        gt = clip.points(k, truth)
        if faces:
            best = min(faces, key=lambda f: np.abs(f['keypoints'] - gt).mean())
            errors.append(best['keypoints'] - gt)
            if best['tracked']:
                tracked_ms.append(1e3 * dt)
        else:
            errors.append(np.full_like(gt, np.nan))
        if k % 1000 == 0 or k == frames - 1:
            rss[k] = round(rss_mib(), 1)
    err = np.stack(errors)
    iod = np.linalg.norm(truth[OUTER_EYE_CORNERS[0]] - truth[OUTER_EYE_CORNERS[1]])
    scale = np.array([np.sqrt(abs(np.linalg.det(clip.matrix(k)[:, :2])))
                      for k in range(frames)])
    nme = np.linalg.norm(err, axis=-1).mean(1) / (iod * scale)
    jitter = np.sqrt((np.linalg.norm(np.diff(err, axis=0), axis=-1) ** 2).mean(1))
    return dict(frames=frames, fps=frames / seconds, detections=tracker.detections,
                tracked_ms_median=float(np.median(tracked_ms)) if tracked_ms else None,
                tracked_ms_p90=float(np.percentile(tracked_ms, 90)) if tracked_ms else None,
                missed_frames=int(np.isnan(nme).sum()), nme_percent=float(100 * np.nanmean(nme)),
                jitter_px=float(np.nanmean(jitter)),
                jitter_percent_iod=float(100 * np.nanmean(jitter / (iod * scale[1:]))),
                rss_mib=rss)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--frames', type=int, default=300)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--redetect-every', type=int, default=30)
    p.add_argument('--photo', type=int, default=0, help='afw68 val annotation index')
    p.add_argument('--no-flip-test', action='store_true')
    p.add_argument('--out', help='write the figures here (JSON)')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    photo, truth = val_photo(args.photo)
    fl = FaceLandmarker(threads=args.threads, flip_test=False if args.no_flip_test else None)
    tracker = FaceTracker(fl, redetect_every=args.redetect_every)
    out = track(tracker, MovingPhoto(photo), truth, args.frames)
    out.update(threads=args.threads, flip_test=not args.no_flip_test,
               redetect_every=args.redetect_every, backend=fl.backend_name,
               load_average=os.getloadavg())
    print(json.dumps(out, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
