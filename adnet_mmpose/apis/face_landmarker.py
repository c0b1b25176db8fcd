"""One call from a photo to face landmarks: detector → crops → model → image pixels.

    from adnet_mmpose.apis import FaceLandmarker
    fl = FaceLandmarker(device='cpu')      # the released 68-point model + MTCNN, offline
    faces = fl('photo.jpg')                # [{'bbox', 'bbox_score', 'keypoints', ...}, ...]

The path (:func:`~adnet_mmpose.runtime.topdown.landmarks_in_boxes`) is the one the demo and the
ONNX Runtime runner use; the backends (:mod:`adnet_mmpose.runtime.backends`: PyTorch,
:class:`~adnet_mmpose.models.fast_landmark_model.FastLandmarkModel`, ONNX Runtime) are
interchangeable pieces of it.
"""
import logging
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from adnet_mmpose.datasets.layouts import wflw_to_300w
from adnet_mmpose.detection.base import FaceDetector, build_face_detector
from adnet_mmpose.runtime.crop import check_boxes
from adnet_mmpose.runtime.images import as_bgr
from adnet_mmpose.runtime.topdown import landmarks_in_boxes
from adnet_mmpose.utils.package_files import PACKAGE, config_file

BACKENDS = ('pytorch', 'onnxruntime')
#: The released 68-point model: its checkpoint is package data (``adnet_mmpose/checkpoints/``,
#: so an installed wheel has it), its config is found by
#: :func:`~adnet_mmpose.utils.package_files.config_file`.
RELEASED_NAME = 'adnet_hg2x96_afw-helen68_128x128'
RELEASED_CHECKPOINT = str(PACKAGE / 'checkpoints' / f'{RELEASED_NAME}.pth')
#: Its ONNX export (package data too), written by ``tools/deploy/export_released_onnx.py``.
RELEASED_ONNX = str(PACKAGE / 'checkpoints' / f'{RELEASED_NAME}.onnx')
RELEASED_CONFIG = config_file('adnet/td-adnet_hg2x96_1xb16-400e_afw-helen68dev-128x128.py')


class Faces(list):
    """The faces of one input: a list of dicts, plus ``source`` (path or ``'input N'``) and
    ``error`` (None, or why this input gave no result; only in a batch call)."""

    def __init__(self, faces=(), source: str = 'image', error: Optional[str] = None):
        super().__init__(faces)
        self.source, self.error = source, error


def check_model_args(config: Optional[str], checkpoint: Optional[str],
                     names: Sequence[str] = ('config=', 'checkpoint=')) -> None:
    """A model is given by both its config and its checkpoint, or by neither (the released
    model); ``ValueError`` naming the argument ``names`` (config, checkpoint) otherwise."""
    if checkpoint is None and config is not None:
        raise ValueError(f'{names[0]} needs {names[1]} (a local checkpoint file)')
    if checkpoint is not None and config is None:
        raise ValueError(f'{names[1]} needs the {names[0]} it was trained with')


def released_paths():
    """(config, checkpoint) of the released 68-point model; ``FileNotFoundError`` naming the
    ``checkpoint=`` option when this installation has no checkpoint file."""
    if not osp.isfile(RELEASED_CHECKPOINT):
        raise FileNotFoundError(
            f'the released model checkpoint {RELEASED_CHECKPOINT} is not in this installation: '
            'pass checkpoint=<local .pth> (and config=<its config>) to FaceLandmarker')
    return RELEASED_CONFIG, RELEASED_CHECKPOINT


class FaceLandmarker:
    """Face landmarks of images with any ADNet model.

    Args:
        config: ADNet config (default: the released 68-point model's).
        checkpoint: its local checkpoint (default: the released model's file).
        device: 'cpu' or 'cuda[:N]' (model and detector).
        detector: ``'mtcnn'`` (default, offline, weights from the ``facenet-pytorch``
            package), an mmdet face detector config (with ``det_checkpoint``), a
            :class:`~adnet_mmpose.detection.base.FaceDetector`, or ``'whole_image'`` / None
            (then every call needs ``bboxes=`` or ``whole_image=True``).
        det_checkpoint: local weights of an mmdet ``detector`` config.
        det_options: keyword arguments of the detector (e.g. ``score_thr``, ``min_size``).
        backend: ``'onnxruntime'`` (the default on a CPU: the fastest, same landmarks as
            PyTorch within 1e-3 px) or ``'pytorch'`` (the default on CUDA).
        onnx: the exported model for ``backend='onnxruntime'``; default: the ``.onnx`` shipped
            beside the released checkpoint, or for another model (or a replaced checkpoint) an
            export made once into the user cache (:mod:`~adnet_mmpose.apis.onnx_model`).
        threads: ONNX Runtime's intra-op threads, of the landmark model and of MTCNN's
            networks (default: one per physical core); PyTorch's are
            ``torch.set_num_threads``'.
        fast: PyTorch backend under
            :class:`~adnet_mmpose.models.fast_landmark_model.FastLandmarkModel`: ``'eager'``,
            ``'compile'`` or ``'cuda_graph'`` (no flip test); None: the model as
            ``inference_topdown`` runs it.
        fast_batch: the batch size(s) ``fast`` prepares.
        fast_dtype: ``'fp32'`` or ``'bf16'`` (CUDA with native bf16).
        flip_test: average with the mirrored crop (twice the compute); default: the config's
            ``test_cfg`` (False with a given ``onnx`` file). Not with ``fast``.
        to_68: map a WFLW-98 model's landmarks to the 68-point 300-W layout.
        trust_checkpoint: load checkpoints (model, mmdet detector) that need full unpickling
            (only files you trust; see :mod:`adnet_mmpose.utils.checkpoint`).

    Attributes:
        backend_name (str): ``'onnxruntime'`` or ``'pytorch'``.
        meta (dict): layout of the returned landmarks (``dataset_name``, ``num_keypoints``,
            ``keypoint_colors``, ``boundaries``).
    """

    def __init__(self, config: Optional[str] = None, checkpoint: Optional[str] = None,
                 device: str = 'cpu', detector: Union[str, FaceDetector, None] = 'mtcnn',
                 det_checkpoint: Optional[str] = None, det_options: Optional[dict] = None,
                 backend: Optional[str] = None, onnx: Optional[str] = None,
                 threads: Optional[int] = None,
                 fast: Optional[str] = None, fast_batch: Union[int, Sequence[int]] = 1,
                 fast_dtype: str = 'fp32', flip_test: Optional[bool] = None,
                 to_68: bool = False, trust_checkpoint: bool = False):
        if backend is None:
            on_torch = (str(device).startswith('cuda') or fast) and not onnx
            backend = 'pytorch' if on_torch else 'onnxruntime'
        if backend not in BACKENDS:
            raise ValueError(f'backend={backend!r}: choose one of {BACKENDS}')
        self.backend_name = backend
        if backend == 'onnxruntime' and fast:
            raise ValueError("fast= runs the PyTorch network; it does not apply to "
                             "backend='onnxruntime'")
        if backend == 'onnxruntime' and onnx:
            self.backend = _ort_backend(onnx, device, threads, bool(flip_test))
        else:
            check_model_args(config, checkpoint)
            if checkpoint is None:
                config, checkpoint = released_paths()
            if backend == 'onnxruntime':
                self.backend = self._onnx_backend(config, checkpoint, device, threads,
                                                  flip_test, trust_checkpoint)
            else:
                self.backend = self._torch_backend(config, checkpoint, device, fast,
                                                   fast_batch, fast_dtype, flip_test,
                                                   trust_checkpoint)
        self.meta = self._layout(to_68)
        self.to_68 = to_68
        det_options = dict(det_options or {})
        if detector == 'mtcnn':
            det_options.setdefault('threads', threads)
        if det_checkpoint:
            det_options['trust_checkpoint'] = trust_checkpoint
        self.detector = build_face_detector(detector, device=device, checkpoint=det_checkpoint,
                                            **det_options)

    @staticmethod
    def _onnx_backend(config, checkpoint, device, threads, flip_test, trust_checkpoint):
        from mmengine.config import Config

        from .onnx_model import onnx_for
        cfg = Config.fromfile(config)
        if flip_test is None:
            flip_test = bool((cfg.model.get('test_cfg') or {}).get('flip_test', False))
        shipped = RELEASED_ONNX if checkpoint == RELEASED_CHECKPOINT else None
        onnx = onnx_for(cfg, checkpoint, shipped, trust_checkpoint)
        return _ort_backend(onnx, device, threads, flip_test)

    @staticmethod
    def _torch_backend(config, checkpoint, device, fast, fast_batch, fast_dtype, flip_test,
                       trust_checkpoint):
        from adnet_mmpose.runtime.backends.pytorch import FastBackend, TorchBackend
        from .model_loading import init_adnet
        model = init_adnet(config, checkpoint, device=device, trust_checkpoint=trust_checkpoint)
        if fast:
            return FastBackend(model, mode=fast, batch_size=fast_batch, dtype=fast_dtype)
        return TorchBackend(model, flip_test=flip_test)

    def _layout(self, to_68: bool) -> dict:
        info = self.backend.info
        meta = dict(dataset_name=info['dataset_name'], num_keypoints=info['num_keypoints'],
                    keypoint_colors=info.get('keypoint_colors'),
                    boundaries=info['boundaries'])
        if not to_68:
            return meta
        if info['num_keypoints'] != 98:
            raise ValueError(f"to_68=True needs a 98-landmark WFLW model, this one has "
                             f"{info['num_keypoints']} landmarks")
        from mmpose.datasets.datasets.utils import parse_pose_metainfo

        from adnet_mmpose.utils.boundary import load_boundaries
        layout = dict(from_file=config_file('_base_/datasets/300w.py'))
        parsed = parse_pose_metainfo(layout)
        return dict(dataset_name='300w (from wflw)', num_keypoints=68,
                    keypoint_colors=parsed['keypoint_colors'],
                    boundaries=[dict(name=g.name, indices=list(g.indices), closed=g.closed)
                                for g in load_boundaries(layout)])

    def face_boxes(self, img: np.ndarray, source: str = 'image', bboxes=None,
                   whole_image: bool = False) -> np.ndarray:
        """(N, 5) face boxes of a BGR image: ``bboxes`` (checked), else the whole image when
        ``whole_image``, else the detector's."""
        h, w = img.shape[:2]
        if bboxes is not None:
            return check_boxes(bboxes, (h, w), source).reshape(-1, 5)
        if whole_image:
            return check_boxes([0, 0, w, h], (h, w), source)
        if self.detector is None:
            raise ValueError(f'{source}: no face boxes: FaceLandmarker(detector=None) needs '
                             'bboxes= or whole_image=True')
        return self.detector(img, source)

    def landmarks(self, img: np.ndarray, boxes: np.ndarray):
        """Keypoints (N, K, 2) in image pixels and scores (N, K) of checked (N, 5) boxes of a
        BGR image (``to_68`` applied)."""
        keypoints, scores = landmarks_in_boxes(self.backend, img, boxes)
        if self.to_68:
            keypoints, scores = wflw_to_300w(keypoints, scores)
        return keypoints, scores

    def predict(self, image, bboxes=None, whole_image: bool = False,
                source: Optional[str] = None) -> Faces:
        """The faces of one image (see :meth:`__call__`); errors are raised."""
        source = source or (image if isinstance(image, str) else 'image')
        img = as_bgr(image, source)
        boxes = self.face_boxes(img, source, bboxes, whole_image)
        keypoints, scores = self.landmarks(img, boxes)
        return Faces([dict(bbox=b[:4].copy(), bbox_score=float(b[4]), keypoints=k,
                           keypoint_scores=s) for b, k, s in zip(boxes, keypoints, scores)],
                     source)

    def __call__(self, images, bboxes=None, whole_image: bool = False
                 ) -> Union[Faces, List[Faces]]:
        """Landmarks of every face.

        Args:
            images: a path or a BGR (or grey) numpy image, or a list of them.
            bboxes: face boxes ``x1, y1, x2, y2[, score]`` (N, 4|5) in image pixels, skipping
                the detector; for a list of images a list with one entry (or None: detect)
                per image.
            whole_image: use the whole image as the face box when no ``bboxes`` are given.

        Returns:
            For one image a :class:`Faces` list with one dict per face: ``bbox`` (4,)
            ``x1, y1, x2, y2``, ``bbox_score``, ``keypoints`` (K, 2) in original-image pixels,
            ``keypoint_scores`` (K,); empty when no face is found. For a list of images a list
            of those; an input that fails (unreadable file, bad box, ...) gives an empty
            :class:`Faces` whose ``error`` says why (also logged), the others still run.

        Raises:
            ValueError: for a single image that cannot be processed (unreadable, bad box).
        """
        if not isinstance(images, (list, tuple)):
            return self.predict(images, bboxes, whole_image)
        if bboxes is not None and len(bboxes) != len(images):
            raise ValueError(f'bboxes= has {len(bboxes)} entries for {len(images)} images')
        results = []
        for i, image in enumerate(images):
            source = image if isinstance(image, str) else f'input {i}'
            try:
                results.append(self.predict(image, None if bboxes is None else bboxes[i],
                                            whole_image, source))
            except ValueError as e:
                print_log(str(e), logger='current', level=logging.WARNING)
                results.append(Faces(source=source, error=str(e)))
        return results


def _ort_backend(onnx: str, device: str, threads: Optional[int], flip_test: bool):
    from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
    if not osp.isfile(onnx):
        raise FileNotFoundError(f'onnx: {onnx} does not exist (export one with '
                                'tools/deploy/export_onnx.py)')
    providers = (['CUDAExecutionProvider', 'CPUExecutionProvider']
                 if str(device).startswith('cuda') else ['CPUExecutionProvider'])
    return ONNXLandmarkRunner(onnx, providers=providers, threads=threads, flip_test=flip_test)
