"""ADNet face-landmark demo: images, directories, videos or a webcam → pictures / videos with the
landmarks, boundary curves and face boxes drawn by MMPose's visualiser, and ``predictions.json``
with the landmarks and scores of every face.

    python demo/adnet_demo.py INPUT [INPUT ...] --config CFG --checkpoint CKPT --out-dir OUT
        [--backend onnxruntime --onnx MODEL.onnx] [--bboxes BOXES.json]
        [--det-config DET_CFG --det-checkpoint DET.pth] [--wflw-to-68] [--kpt-thr T]

INPUT is an image, a directory of images, a video file, or a webcam index (``0``). Face boxes:
``--bboxes`` (JSON ``{"image path or file name": [[x1, y1, x2, y2(, score)], ...]}``, a video's
boxes apply to every frame), else the ``--det-config`` detector, else the whole image. An input
that fails (unreadable, empty directory, box outside the image, ...) is reported and skipped;
the exit status is 1 when any input failed, 2 when nothing could run (bad model or options).
"""
import argparse
import json
import os.path as osp
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.apis import inference_topdown
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.structures import PoseDataSample
from tqdm import tqdm

from adnet_mmpose.apis.model_loading import head_boundaries, init_adnet
from adnet_mmpose.apis.face_detector import FaceDetector
from adnet_mmpose.apis.face_visualizer import FaceLandmarkVisualizer, visual_meta
from adnet_mmpose.apis.wflw_to_300w import wflw_to_300w
from adnet_mmpose.apis.fast_inference import FastLandmarkModel
from adnet_mmpose.deploy.crop import check_boxes, crop_faces, normalise, to_image
from adnet_mmpose.deploy.export import deploy_info
from adnet_mmpose.deploy.ort_runner import ONNXLandmarkRunner, read_image
from adnet_mmpose.utils.boundary import load_boundaries

REPO = Path(__file__).resolve().parents[1]
IMAGE_EXTS = {'.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'}
VIDEO_EXTS = {'.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v'}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('inputs', nargs='+', help='images, directories, videos or webcam indices')
    p.add_argument('--config', help='ADNet config (pytorch backend)')
    p.add_argument('--checkpoint', help='its local checkpoint (pytorch backend)')
    p.add_argument('--backend', choices=['pytorch', 'onnxruntime'], default='pytorch')
    p.add_argument('--onnx', help='model from tools/deploy/export_onnx.py (onnxruntime backend)')
    p.add_argument('--no-flip-test', action='store_true',
                   help="pytorch backend: skip the config's flip test, as the ONNX graph does")
    p.add_argument('--out-dir', default='work_dirs/demo', help='pictures, videos, JSON go here')
    p.add_argument('--bboxes', help='JSON of face boxes per image (see above)')
    p.add_argument('--det-config', help='mmdet face detector config')
    p.add_argument('--det-checkpoint', help='its local checkpoint')
    p.add_argument('--det-score-thr', type=float, default=0.5)
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


class TorchLandmarks:
    """The PyTorch model (MMPose's ``inference_topdown``) on an image and boxes."""

    def __init__(self, args):
        if not args.config or not args.checkpoint:
            raise ValueError('the pytorch backend needs --config and --checkpoint')
        self.model = init_adnet(args.config, args.checkpoint, device=args.device,
                                flip_test=False if args.no_flip_test else None,
                                trust_checkpoint=args.trust_checkpoint)
        self.meta = self.model.dataset_meta
        self.boundaries = head_boundaries(self.model.cfg)

    def __call__(self, img, boxes):
        samples = inference_topdown(self.model, img, boxes[:, :4])
        return (np.concatenate([s.pred_instances.keypoints for s in samples]),
                np.concatenate([s.pred_instances.keypoint_scores for s in samples]))


class FastTorchLandmarks(TorchLandmarks):
    """The PyTorch network under :class:`FastLandmarkModel` (torch.compile or CUDA graphs):
    box → crop → network → landmarks, the same path as :class:`OnnxLandmarks`."""

    def __init__(self, args):
        super().__init__(args)
        self.info = deploy_info(self.model)
        self.fast = FastLandmarkModel(self.model, mode=args.fast, batch_size=args.fast_batch,
                                      dtype=args.fast_dtype)

    def __call__(self, img, boxes):
        size = self.info['input_size']
        crops, center, scale = crop_faces(img, boxes, size, self.info['padding'])
        x = normalise(crops, self.info['mean'], self.info['std'], self.info['bgr_to_rgb'])
        landmarks, scores = self.fast(torch.from_numpy(x).to(self.fast.device))
        return (to_image(landmarks.cpu().numpy(), center, scale, size), scores.cpu().numpy())


class OnnxLandmarks:
    """An exported model on ONNX Runtime (:class:`ONNXLandmarkRunner`)."""

    def __init__(self, args):
        if not args.onnx:
            raise ValueError('the onnxruntime backend needs --onnx MODEL.onnx '
                             '(export one with tools/deploy/export_onnx.py)')
        if not osp.isfile(args.onnx):
            raise FileNotFoundError(f'--onnx: {args.onnx} does not exist')
        self.runner = ONNXLandmarkRunner(args.onnx)
        info = self.runner.info
        self.meta = dict(dataset_name=info['dataset_name'], num_keypoints=info['num_keypoints'],
                         keypoint_colors=np.asarray(info['keypoint_colors']))
        self.boundaries = load_boundaries(info['boundaries'], info['num_keypoints'])

    def __call__(self, img, boxes):
        out = self.runner(img, boxes)
        return out['keypoints'], out['keypoint_scores']


class Demo:
    """Boxes → landmarks → drawing and JSON records, frame by frame."""

    def __init__(self, args):
        self.args = args
        self.predict = (OnnxLandmarks(args) if args.backend == 'onnxruntime' else
                        FastTorchLandmarks(args) if args.fast else TorchLandmarks(args))
        meta, boundaries = self.predict.meta, self.predict.boundaries
        if args.wflw_to_68:
            if meta['num_keypoints'] != 98:
                raise ValueError(f'--wflw-to-68 needs a 98-landmark WFLW model, this one has '
                                 f"{meta['num_keypoints']} landmarks")
            layout = dict(from_file=str(REPO / 'configs/_base_/datasets/300w.py'))
            meta, boundaries = parse_pose_metainfo(layout), load_boundaries(layout)
        self.detector = self._detector(args)
        self.boxes = self._boxes(args.bboxes)
        self.vis = FaceLandmarkVisualizer.get_instance('adnet_demo')
        self.vis.set_dataset_meta(visual_meta(meta, boundaries))
        self.vis.radius, self.vis.line_width = args.radius, args.thickness
        self.out = Path(args.out_dir)
        (self.out / 'vis').mkdir(parents=True, exist_ok=True)
        self.names = set()

    @staticmethod
    def _detector(args):
        if not args.det_config:
            if args.det_checkpoint:
                raise ValueError('--det-checkpoint needs --det-config')
            return None
        return FaceDetector(args.det_config, args.det_checkpoint, device=args.device,
                            score_thr=args.det_score_thr,
                            trust_checkpoint=args.trust_checkpoint)

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

    def faces(self, img, source: str):
        """Landmarks of one BGR frame → (face records, RGB picture)."""
        h, w = img.shape[:2]
        given = self.boxes.get(source, self.boxes.get(osp.basename(source)))
        if given is not None:
            boxes = check_boxes(given, (h, w), source)
        elif self.detector is not None:
            boxes = self.detector(img)
        else:
            boxes = check_boxes([0, 0, w, h], (h, w), source)
        if len(boxes):
            kpts, scores = self.predict(img, boxes)
            if self.args.wflw_to_68:
                kpts, scores = wflw_to_300w(kpts, scores)
        else:   # the detector found no face
            k = self.vis.dataset_meta['num_keypoints']
            kpts, scores = np.zeros((0, k, 2)), np.zeros((0, k))
        sample = PoseDataSample(pred_instances=InstanceData(
            keypoints=kpts, keypoint_scores=scores, keypoints_visible=scores,
            bboxes=boxes[:, :4], bbox_scores=boxes[:, 4]))
        rgb = np.ascontiguousarray(img[..., ::-1])
        drawn = self.vis.add_datasample('frame', rgb, sample, draw_gt=False, draw_bbox=True,
                                        kpt_thr=self.args.kpt_thr, show=False)
        records = [dict(bbox=_round(b[:4]), bbox_score=round(float(b[4]), 4),
                        landmarks=_round(k), scores=_round(s, 4))
                   for b, k, s in zip(boxes, kpts, scores)]
        return records, drawn

    def image(self, path: str) -> dict:
        img = read_image(path)
        faces, drawn = self.faces(img, path)
        out = self.out_name(path, '.jpg')
        cv2.imwrite(str(out), drawn[..., ::-1])
        if self.args.show:
            cv2.imshow('adnet', drawn[..., ::-1])
            cv2.waitKey(1)
        return dict(input=path, type='image', visualization=str(out), faces=faces)

    def video(self, source: str, capture: cv2.VideoCapture) -> dict:
        frames, writer, out = [], None, self.out_name(source, '.mp4')
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        if self.args.max_frames and total:
            total = min(total, self.args.max_frames)
        with tqdm(total=total, desc=osp.basename(source) or source, unit='frame') as bar:
            while not self.args.max_frames or len(frames) < self.args.max_frames:
                ok, frame = capture.read()
                if not ok:
                    break
                faces, drawn = self.faces(frame, source)
                if writer is None:
                    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                             (frame.shape[1], frame.shape[0]))
                writer.write(drawn[..., ::-1])
                frames.append(dict(frame=len(frames), faces=faces))
                bar.update()
                if self.args.show:
                    cv2.imshow('adnet', drawn[..., ::-1])
                    if cv2.waitKey(1) & 0xFF in (27, ord('q')):
                        break
        capture.release()
        if writer is None:
            raise ValueError(f'{source}: no frame could be read')
        writer.release()
        return dict(input=source, type='video', fps=fps, visualization=str(out), frames=frames)


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
    model = dict(backend=args.backend, config=args.config, checkpoint=args.checkpoint,
                 onnx=args.onnx, layout='300w (from wflw)' if args.wflw_to_68 else
                 demo.predict.meta.get('dataset_name'))
    out = demo.out / 'predictions.json'
    out.write_text(json.dumps(dict(model=model, results=results, errors=errors)))
    print(f'{len(results)} input(s) processed, {len(errors)} failed; '
          f'pictures in {demo.out / "vis"}, landmarks in {out}')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
