"""``MMPoseInferencer`` for ADNet configs: caller boxes, offline face detectors, strict and safe
weights — as subclasses, so mmpose's own inferencers are never changed.

``from adnet_mmpose.apis import MMPoseInferencer`` takes the arguments of
mmpose's ``MMPoseInferencer`` plus ``trust_checkpoint``; for a 2D config whose head is
``ADNetHead`` it builds :class:`ADNetPose2DInferencer`, for any other model mmpose's own
inferencer (with the same safe checkpoint loading). What :class:`ADNetPose2DInferencer`
changes in mmpose 1.3's ``Pose2DInferencer``:

- ``bboxes=`` is honoured (mmpose's ``preprocess_single`` resets it; open-mmlab/mmpose#3233):
  ``bboxes=[boxes_of_input_0, boxes_of_input_1, ...]`` ((N, 4|5) xyxy[score] per input) are
  the faces; inputs without boxes fall back to the detector or the whole image. A box outside
  the image raises ``ValueError``.
- The detector: ``det_model`` names in
  :data:`~adnet_mmpose.detection.base.DETECTOR_NAMES` are resolved here
  (``det_model=None`` is ``'mtcnn'``: the offline MTCNN face detector of
  :mod:`adnet_mmpose.detection.mtcnn`, weights from the ``facenet-pytorch`` package;
  ``'whole_image'``: no detector);
  an mmdet config is never downloaded: the weights (``det_weights``, a local copy, or a URL already in
  torch's hub cache) must be local, else a ``FileNotFoundError`` names ``det_model`` /
  ``det_weights`` / ``det_model='whole_image'``. ``det_cat_ids`` defaults to 0 (a face
  detector's one class) instead of mmpose's ``None``, which keeps no box.
- Weights: loaded only from a local file (``pose2d_weights``) under
  :func:`~adnet_mmpose.utils.checkpoint.checkpoint_loading` (weights-only unless
  ``trust_checkpoint=True``), strictly
  (:func:`~adnet_mmpose.utils.checkpoint.check_checkpoint`: mmengine alone loads a
  mismatching checkpoint with a warning); the dataset metainfo falls back to the config's test
  set (ADNet configs may train on a ``ConcatDataset``).
- Visualisation: mmpose's ``PoseLocalVisualizer`` fails under numpy >= 2.4 when it draws a
  keypoint; it is replaced by :class:`FaceLandmarkVisualizer`, and the metainfo makes it draw
  the boundary curves (:mod:`adnet_mmpose.visualization.face_visualizer`).
"""
import os.path as osp
from typing import Optional

import mmcv
from mmengine.config import Config, ConfigDict
from mmpose.apis.inferencers import MMPoseInferencer as _MMPoseInferencer
from mmpose.apis.inferencers import Pose2DInferencer

from adnet_mmpose.detection.base import DETECTOR_NAMES, build_face_detector
from adnet_mmpose.detection.mmdet import DetInferencerAdapter
from adnet_mmpose.runtime.crop import check_boxes
from adnet_mmpose.utils.boundary import head_boundaries
from adnet_mmpose.utils.checkpoint import check_checkpoint, checkpoint_loading
from adnet_mmpose.utils.offline_weights import local_weights
from adnet_mmpose.visualization.face_visualizer import visual_meta
from .model_loading import dataset_meta_of, is_adnet_config

POSE_VISUALIZER = ('PoseLocalVisualizer', 'mmpose.PoseLocalVisualizer')


class ADNetPose2DInferencer(Pose2DInferencer):
    """mmpose's ``Pose2DInferencer`` for ADNet configs (see the module doc).

    Args:
        model, weights, device, scope, det_model, det_weights, det_cat_ids, show_progress:
            as ``Pose2DInferencer``.
        trust_checkpoint: load checkpoints that need full unpickling (trusted files only).
    """

    def __init__(self, model, weights: Optional[str] = None, device: Optional[str] = None,
                 scope: Optional[str] = 'mmpose', det_model=None,
                 det_weights: Optional[str] = None, det_cat_ids=None,
                 show_progress: bool = False, trust_checkpoint: bool = False) -> None:
        self.trust_checkpoint = trust_checkpoint
        super().__init__(model, weights, device, scope, det_model, det_weights, det_cat_ids,
                         show_progress)

    def _init_model(self, cfg, weights, device='cpu'):
        if weights is not None:
            weights = local_weights(weights, 'pose2d_weights')
        with checkpoint_loading(self.trust_checkpoint):
            return super()._init_model(cfg, weights, device)

    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        if checkpoint is not None:
            check_checkpoint(model, checkpoint, source='pose2d_weights',
                             config='the pose2d config')
        super()._load_weights_to_model(model, checkpoint, cfg)
        model.dataset_meta = visual_meta(dataset_meta_of(cfg, checkpoint), head_boundaries(cfg))

    def _init_visualizer(self, cfg):
        if cfg.get('visualizer', {}).get('type') in POSE_VISUALIZER:
            cfg.visualizer.type = 'FaceLandmarkVisualizer'
        return super()._init_visualizer(cfg)

    def _init_detector(self, det_model=None, det_weights=None, det_cat_ids=None, device=None):
        det_model = 'mtcnn' if det_model is None else det_model
        if isinstance(det_model, str) and det_model in DETECTOR_NAMES:
            device = device or str(next(self.model.parameters()).device)
            detector = build_face_detector(det_model, device, checkpoint=det_weights)
            self.detector = None if detector is None else DetInferencerAdapter(detector)
            self.det_cat_ids = (0, )
            return
        hint = ("Pass det_model=<mmdet face detector config> with det_weights=<its local .pth>, "
                "det_model='mtcnn' (the default) or det_model='whole_image' (whole image, or "
                "bboxes= per input, as face boxes).")
        det_weights = local_weights(det_weights, 'det_weights', hint)
        with checkpoint_loading(self.trust_checkpoint):
            return super()._init_detector(det_model, det_weights,
                                          0 if det_cat_ids is None else det_cat_ids, device)

    def preprocess_single(self, input, index, bbox_thr=0.3, nms_thr=0.3, bboxes=()):
        if self.cfg.data_mode != 'topdown' or bboxes is None or len(bboxes) == 0:
            return super().preprocess_single(input, index, bbox_thr=bbox_thr, nms_thr=nms_thr)
        name = input if isinstance(input, str) else f'input {index}'
        img = mmcv.imread(input) if isinstance(input, str) else input
        if img is None:
            raise ValueError(f'{name}: cannot read the image')
        boxes = check_boxes(bboxes, img.shape[:2], name)
        path = input if isinstance(input, str) else f'{index}.jpg'.rjust(10, '0')   # as mmpose
        info = dict(img=img, img_path=path, **self.model.dataset_meta)
        return [self.pipeline(dict(info, bbox=box[None, :4], bbox_score=box[4:5]))
                for box in boxes]


class MMPoseInferencer(_MMPoseInferencer):
    """mmpose's ``MMPoseInferencer`` (same arguments and calls) that builds
    :class:`ADNetPose2DInferencer` for ADNet 2D configs and loads every checkpoint safely.

    Args:
        trust_checkpoint: load checkpoints that need full unpickling (trusted files only).
        Others: as mmpose's ``MMPoseInferencer``.
    """

    def __init__(self, pose2d=None, pose2d_weights: Optional[str] = None, pose3d=None,
                 pose3d_weights: Optional[str] = None, device: Optional[str] = None,
                 scope: str = 'mmpose', det_model=None, det_weights: Optional[str] = None,
                 det_cat_ids=None, show_progress: bool = False,
                 trust_checkpoint: bool = False) -> None:
        if pose3d is None and isinstance(pose2d, str) and osp.isfile(pose2d):
            pose2d = Config.fromfile(pose2d)
        if pose3d is None and isinstance(pose2d, (Config, ConfigDict)) \
                and is_adnet_config(pose2d):
            self.visualizer, self.show_progress = None, show_progress
            self.inferencer = ADNetPose2DInferencer(
                pose2d, pose2d_weights, device, scope, det_model, det_weights, det_cat_ids,
                show_progress, trust_checkpoint=trust_checkpoint)
            return
        with checkpoint_loading(trust_checkpoint):
            super().__init__(pose2d, pose2d_weights, pose3d, pose3d_weights, device, scope,
                             det_model, det_weights, det_cat_ids, show_progress)
