"""ADNet face-landmark demo: images, directories, videos or a webcam → pictures / videos with the
landmarks, boundary curves and face boxes drawn by MMPose's visualiser, and ``predictions.json``
with the landmarks and scores of every face.

    python demo/adnet_demo.py INPUT [INPUT ...] [--config CFG --checkpoint CKPT] --out-dir OUT
        [--backend onnxruntime [--onnx MODEL.onnx]] [--bboxes BOXES.json | --whole-image]
        [--det-config DET_CFG --det-checkpoint DET.pth] [--wflw-to-68] [--kpt-thr T]
        [--redetect-every N] [--smooth A]

INPUT is an image, a directory of images, a video file, or a webcam index (``0``). The model
defaults to the released 68-point one. Face boxes: ``--bboxes`` (JSON ``{"image path or file
name": [[x1, y1, x2, y2(, score)], ...]}``, a video's boxes apply to every frame), else the
face detector (MTCNN, offline; or ``--det-config`` with ``--det-checkpoint``), or with
``--whole-image`` the whole image. An image where no face is found is reported (``"no face
found"``). In a video each face's crop follows its landmarks from frame to frame; the detector
runs again when a face is lost (low mean keypoint score, face leaving the frame) and every
``--redetect-every`` frames. An input that fails (unreadable, empty directory, box outside the
image, ...) is reported and skipped; the exit status is 1 when any input failed, 2 when
nothing could run (bad model or options).

This is :class:`adnet_mmpose.apis.FaceLandmarker` (the same boxes give the same landmarks)
plus drawing and file handling.
"""
import argparse
import json
import os.path as osp
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample
from tqdm import tqdm

from adnet_mmpose.apis import FaceLandmarker, FaceTracker, MMDetFaceDetector
from adnet_mmpose.apis.face_landmarker import check_model_args
from adnet_mmpose.runtime.images import read_image
from adnet_mmpose.utils.boundary import load_boundaries
from adnet_mmpose.visualization.face_visualizer import FaceLandmarkVisualizer, visual_meta

IMAGE_EXTS = {'.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'}
VIDEO_EXTS = {'.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v'}
NO_FACE = 'no face found'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('inputs', nargs='+', help='images, directories, videos or webcam indices')
    p.add_argument('--config', help='ADNet config (default: the released 68-point model)')
    p.add_argument('--checkpoint', help='its local checkpoint')
    p.add_argument('--backend', choices=['pytorch', 'onnxruntime'],
                   help='default: onnxruntime on a CPU, pytorch on CUDA (or with --fast)')
    p.add_argument('--onnx', help='model from tools/deploy/export_onnx.py (onnxruntime backend; '
                   "default: the released model's shipped file, or an export of --config/"
                   '--checkpoint made once into the user cache)')
    p.add_argument('--no-flip-test', action='store_true',
                   help="skip the config's flip test (half the landmark step's compute)")
    p.add_argument('--out-dir', default='work_dirs/demo', help='pictures, videos, JSON go here')
    p.add_argument('--bboxes', help='JSON of face boxes per image (see above)')
    p.add_argument('--whole-image', action='store_true',
                   help='use the whole image as the face box where --bboxes gives none '
                   '(no detector)')
    p.add_argument('--det-config', help='mmdet face detector config (default: MTCNN)')
    p.add_argument('--det-checkpoint', help='its local checkpoint')
    p.add_argument('--det-score-thr', type=float,
                   help='keep detections scoring above (default: 0.9 MTCNN, 0.5 mmdet)')
    p.add_argument('--det-min-size', type=float, default=20.,
                   help='MTCNN: smallest face side searched, in pixels')
    p.add_argument('--redetect-every', type=int, default=30,
                   help='video: run the detector at least every N frames (0: only when a face '
                   'is lost); between, crops follow the previous landmarks')
    p.add_argument('--track-min-score', type=float,
                   help='video: a face whose mean keypoint score falls below is lost '
                   '(default: half its mean score when it was detected)')
    p.add_argument('--smooth', type=float, default=0.,
                   help='video: weight of the previous landmarks in an exponential moving '
                   'average (0 = none, e.g. 0.5)')
    p.add_argument('--wflw-to-68', action='store_true',
                   help='map 98 WFLW landmarks to the 68-point 300-W layout')
    p.add_argument('--kpt-thr', type=float, default=0.0, help='draw landmarks scoring above')
    p.add_argument('--radius', type=int, default=2)
    p.add_argument('--thickness', type=int, default=1)
    p.add_argument('--fast', choices=['eager', 'compile', 'cuda_graph'],
                   help='pytorch backend: run the network under torch.compile or CUDA graphs '
                   '(CUDA only) for fixed batch sizes (no flip test, like the ONNX graph); '
                   'eager runs the same crop path uncompiled')
    p.add_argument('--fast-batch', type=int, nargs='+', default=[1],
                   help='batch sizes to compile / capture (more faces are split, fewer padded)')
    p.add_argument('--fast-dtype', choices=['fp32', 'bf16'], default='fp32',
                   help='bf16 needs a GPU with native bf16')
    p.add_argument('--device', default='cpu')
    p.add_argument('--trust-checkpoint', action='store_true', help='load checkpoints that '
                   'need full unpickling (can run code: only files you trust)')
    p.add_argument('--show', action='store_true', help='also show the frames in a window')
    p.add_argument('--max-frames', type=int, help='stop a video / webcam after this many frames')
    return p.parse_args(argv)


def build_landmarker(args) -> FaceLandmarker:
    """The :class:`FaceLandmarker` the options describe."""
    if args.det_checkpoint and not args.det_config:
        raise ValueError('--det-checkpoint needs --det-config')
    det_options = {} if args.det_score_thr is None else dict(score_thr=args.det_score_thr)
    if args.whole_image:
        detector = None
    elif args.det_config:
        detector = MMDetFaceDetector(args.det_config, args.det_checkpoint, device=args.device,
                                     trust_checkpoint=args.trust_checkpoint, **det_options)
    else:
        detector = 'mtcnn'
        det_options['min_size'] = args.det_min_size
    if not args.onnx:
        check_model_args(args.config, args.checkpoint, ('--config', '--checkpoint'))
    return FaceLandmarker(args.config, args.checkpoint, device=args.device, detector=detector,
                          det_options=det_options, backend=args.backend, onnx=args.onnx,
                          fast=args.fast, fast_batch=args.fast_batch, fast_dtype=args.fast_dtype,
                          flip_test=False if args.no_flip_test else None,
                          to_68=args.wflw_to_68, trust_checkpoint=args.trust_checkpoint)


class Demo:
    """Boxes → landmarks (:class:`FaceLandmarker`) → drawing and JSON records, frame by frame."""

    def __init__(self, args):
        self.args = args
        self.fl = build_landmarker(args)
        meta = self.fl.meta
        self.boxes = self._boxes(args.bboxes)
        self.vis = FaceLandmarkVisualizer.get_instance('adnet_demo')
        self.vis.set_dataset_meta(visual_meta(
            dict(meta, keypoint_colors=np.asarray(meta['keypoint_colors'])),
            load_boundaries(meta['boundaries'], meta['num_keypoints'])))
        self.vis.radius, self.vis.line_width = args.radius, args.thickness
        self.out = Path(args.out_dir)
        (self.out / 'vis').mkdir(parents=True, exist_ok=True)
        self.names = set()

    @staticmethod
    def _boxes(path):
        if not path:
            return {}
        with open(path) as f:
            boxes = json.load(f)
        if not isinstance(boxes, dict):
            raise ValueError(f'--bboxes {path}: expected a JSON object '
                             '{"image": [[x1, y1, x2, y2], ...]}')
        return boxes

    def out_name(self, source: str, suffix: str) -> Path:
        """A file under ``OUT/vis`` named after ``source``, unique within the run."""
        stem, i = Path(source).stem or 'webcam', 0
        name = stem
        while name in self.names:
            i += 1
            name = f'{stem}_{i}'
        self.names.add(name)
        return self.out / 'vis' / (name + suffix)

    def given_boxes(self, source: str):
        return self.boxes.get(source, self.boxes.get(osp.basename(source)))

    def faces(self, img, source: str):
        """Faces of one BGR image with the given boxes, else the detector (or whole image)."""
        return self.fl.predict(img, self.given_boxes(source), self.args.whole_image, source)

    def draw(self, img, faces):
        """Face records (JSON-ready) and the RGB picture with boxes and landmarks."""
        k = self.fl.meta['num_keypoints']
        kpts = np.array([f['keypoints'] for f in faces]).reshape(-1, k, 2)
        scores = np.array([f['keypoint_scores'] for f in faces]).reshape(-1, k)
        boxes = np.array([f['bbox'] for f in faces]).reshape(-1, 4)
        sample = PoseDataSample(pred_instances=InstanceData(
            keypoints=kpts, keypoint_scores=scores, keypoints_visible=scores, bboxes=boxes,
            bbox_scores=np.array([f['bbox_score'] for f in faces])))
        rgb = np.ascontiguousarray(img[..., ::-1])
        drawn = self.vis.add_datasample('frame', rgb, sample, draw_gt=False, draw_bbox=True,
                                        kpt_thr=self.args.kpt_thr, show=False)
        records = [dict(bbox=_round(f['bbox']), bbox_score=round(f['bbox_score'], 4),
                        landmarks=_round(f['keypoints']), scores=_round(f['keypoint_scores'], 4))
                   for f in faces]
        return records, drawn

    def image(self, path: str) -> dict:
        img = read_image(path)
        faces, drawn = self.draw(img, self.faces(img, path))
        out = self.out_name(path, '.jpg')
        cv2.imwrite(str(out), drawn[..., ::-1])
        if self.args.show:
            cv2.imshow('adnet', drawn[..., ::-1])
            cv2.waitKey(1)
        record = dict(input=path, type='image', visualization=str(out), faces=faces)
        if not faces:
            record['note'] = NO_FACE
            print(f'{path}: {NO_FACE}', file=sys.stderr)
        return record

    def video(self, source: str, capture: cv2.VideoCapture) -> dict:
        frames, writer, out = [], None, self.out_name(source, '.mp4')
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        if self.args.max_frames and total:
            total = min(total, self.args.max_frames)
        given = self.given_boxes(source)
        tracker = (FaceTracker(self.fl, self.args.redetect_every, self.args.track_min_score,
                               self.args.smooth)
                   if given is None and self.fl.detector is not None else None)
        seconds = 0.
        with tqdm(total=total, desc=osp.basename(source) or source, unit='frame') as bar:
            while not self.args.max_frames or len(frames) < self.args.max_frames:
                ok, frame = capture.read()
                if not ok:
                    break
                t = time.perf_counter()
                found = tracker(frame) if tracker else self.faces(frame, source)
                seconds += time.perf_counter() - t
                faces, drawn = self.draw(frame, found)
                if writer is None:
                    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                             (frame.shape[1], frame.shape[0]))
                writer.write(drawn[..., ::-1])
                frames.append(dict(frame=len(frames), faces=faces))
                if tracker:
                    frames[-1]['tracked'] = bool(found) and all(f['tracked'] for f in found)
                bar.update()
                if self.args.show:
                    cv2.imshow('adnet', drawn[..., ::-1])
                    if cv2.waitKey(1) & 0xFF in (27, ord('q')):
                        break
        capture.release()
        if writer is None:
            raise ValueError(f'{source}: no frame could be read')
        writer.release()
        rate = len(frames) / seconds if seconds else 0.
        print(f'{source}: {len(frames)} frames, {rate:.1f} frames/s (detection + landmarks'
              + (f', detector on {tracker.detections} frames)' if tracker else ')'),
              file=sys.stderr)
        record = dict(input=source, type='video', fps=fps, processing_fps=round(rate, 2),
                      visualization=str(out), frames=frames,
                      frames_without_face=sum(not f['faces'] for f in frames))
        if tracker:
            record['detector_frames'] = tracker.detections
        return record


def _round(a, digits=3):
    return np.round(np.asarray(a, np.float64), digits).tolist()


def expand(inputs):
    """Each input → ``(kind, source, error)`` jobs; ``kind`` is image, video, webcam or error."""
    for item in inputs:
        path = Path(item)
        if item.isdigit():
            yield 'webcam', item, None
        elif path.is_dir():
            images = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTS)
            if not images:
                yield 'error', item, (f'{item}: directory has no images '
                                      f"({', '.join(sorted(IMAGE_EXTS))})")
            for img in tqdm(images, desc=path.name, unit='img', disable=len(images) < 2):
                yield 'image', img, None
        elif not path.exists():
            yield 'error', item, f'{item}: no such file, directory or webcam index'
        elif path.suffix.lower() in VIDEO_EXTS:
            yield 'video', item, None
        else:
            yield 'image', item, None


def run(demo: Demo, inputs):
    """Process every input; returns (results, errors), an error not stopping the others."""
    results, errors = [], []
    for kind, source, error in expand(inputs):
        try:
            if error:
                raise ValueError(error)
            if kind == 'image':
                results.append(demo.image(source))
                continue
            capture = cv2.VideoCapture(int(source) if kind == 'webcam' else source)
            if not capture.isOpened():
                raise ValueError(f'{source}: cannot open the {kind}')
            results.append(demo.video(source, capture))
        except (ValueError, OSError) as e:
            errors.append(dict(input=source, error=str(e)))
            print(f'error: {e}', file=sys.stderr)
    return results, errors


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        demo = Demo(args)
    except (ValueError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    results, errors = run(demo, args.inputs)
    model = dict(backend=demo.fl.backend_name, config=args.config, checkpoint=args.checkpoint,
                 onnx=args.onnx, layout=demo.fl.meta['dataset_name'],
                 detector=None if demo.fl.detector is None else
                 type(demo.fl.detector).__name__)
    out = demo.out / 'predictions.json'
    out.write_text(json.dumps(dict(model=model, results=results, errors=errors)))
    print(f'{len(results)} input(s) processed, {len(errors)} failed; '
          f'pictures in {demo.out / "vis"}, landmarks in {out}')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
