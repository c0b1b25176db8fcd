"""``MMPoseInferencer`` with ADNet configs: caller boxes, offline face detectors, strict weights.

Importing this module installs the support (:func:`install_inferencer_support`); ADNet configs
list it in ``custom_imports``, so ``MMPoseInferencer(pose2d=CONFIG, ...)`` gets it when it
loads the config.

What mmpose 1.3.2's ``Pose2DInferencer`` (built by ``MMPoseInferencer(pose2d=...)``) does and
what :func:`install_inferencer_support` changes for configs whose head is ``ADNetHead`` (other
models keep mmpose's behaviour unchanged):

- ``bboxes=`` is accepted but ignored (``preprocess_single`` resets it; open-mmlab/mmpose#3233).
  With ADNet, ``bboxes=[boxes_of_input_0, boxes_of_input_1, ...]`` ((N, 4|5) xyxy[score] per
  input) are the faces; inputs without boxes fall back to the detector or the whole image.
  A box outside the image raises ``ValueError``.
- The detector: ``_init_detector`` maps ``cfg.dataset_type`` to an object type through the
  dataset's module (``mmpose.datasets.datasets.face.*`` → ``'face'``, which covers ADNet's
  ``Face300WDataset`` / ``WFLWDataset`` / ``COFWDataset``) and, with ``det_model=None``, takes
  ``default_det_models['face']``: mmpose's YOLOX-s face config with weights from
  download.openmmlab.com. ADNet configs get the same default config but never download: the
  weights (``det_weights``, a local copy of that file, or the URL only when already in torch's
  hub cache) must be local, else a ``FileNotFoundError`` names
  ``det_model`` / ``det_weights`` / ``det_model='whole_image'``. ``det_cat_ids`` defaults
  to 0 (a face detector's one class) instead of mmpose's ``None``, which keeps no box.
- Weights: loaded only from a local file (``pose2d_weights``; mmengine checkpoints are trusted
  as in the other entry points), strictly (:func:`check_checkpoint`: mmengine alone loads a
  mismatching checkpoint with a warning), and the dataset metainfo falls back to the config's
  test set (ADNet configs may train on a ``ConcatDataset``).
- Visualisation: mmpose's ``PoseLocalVisualizer`` fails under numpy >= 2.4 when it draws a
  keypoint; ADNet configs get :class:`FaceLandmarkVisualizer`, and the metainfo makes it draw
  the boundary curves (:mod:`adnet_mmpose.apis.face_visualizer`).
"""
import functools
import os.path as osp

import mmcv
from mmengine.config import Config, ConfigDict
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.apis.inferencers.utils import default_det_models
from mmpose.registry import DATASETS

from adnet_mmpose.deploy.crop import check_boxes
from adnet_mmpose.utils.checkpoint import checkpoint_loading
from .model_loading import check_checkpoint, dataset_meta_of, head_boundaries, is_adnet_config
from .face_visualizer import visual_meta
from .offline_weights import local_weights

WHOLE_IMAGE = ('whole_image', 'whole-image')
POSE_VISUALIZER = ('PoseLocalVisualizer', 'mmpose.PoseLocalVisualizer')


def _adnet_only(method):
    """Wrap a ``Pose2DInferencer`` method: ADNet configs take the ``adnet`` variant."""
    def decorate(adnet):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            cfg = getattr(self, 'cfg', None) or next(
                (a for a in (*args, *kwargs.values()) if isinstance(a, (Config, ConfigDict))), None)
            if cfg is not None and is_adnet_config(cfg):
                return adnet(self, method, *args, **kwargs)
            return method(self, *args, **kwargs)
        wrapper.adnet_wrapped = True
        return wrapper
    return decorate


def _init_model(self, original, cfg, weights, device='cpu'):
    if weights is not None:
        weights = local_weights(weights, 'pose2d_weights')
    with checkpoint_loading():
        return original(self, cfg, weights, device)


def _load_weights_to_model(self, original, model, checkpoint, cfg):
    if checkpoint is not None:
        check_checkpoint(model, checkpoint, source='pose2d_weights', config='the pose2d config')
    original(self, model, checkpoint, cfg)
    model.dataset_meta = visual_meta(dataset_meta_of(cfg, checkpoint), head_boundaries(cfg))


def _init_detector(self, original, det_model=None, det_weights=None, det_cat_ids=None,
                   device=None):
    if det_model in WHOLE_IMAGE:
        return original(self, det_model, det_weights, det_cat_ids, device)
    hint = ("Pass det_model=<mmdet face detector config> with det_weights=<its local .pth>, "
            "or det_model='whole_image' (whole image, or bboxes= per input, as face boxes).")
    if det_model is None:
        module = DATASETS.get(self.cfg.dataset_type).__module__
        object_type = module.split('datasets.')[-1].split('.')[0].lower()
        if object_type not in default_det_models:
            return original(self, det_model, det_weights, det_cat_ids, device)
        default = default_det_models[object_type]
        det_model, det_weights = default['model'], det_weights or default['weights']
        det_cat_ids = default['cat_ids'] if det_cat_ids is None else det_cat_ids
        hint = (f"{self.cfg.dataset_type} is a {object_type} dataset, for which MMPose's default "
                f'detector is {osp.basename(str(det_model))}. ' + hint)
    det_weights = local_weights(det_weights, 'det_weights', hint)
    return original(self, det_model, det_weights, 0 if det_cat_ids is None else det_cat_ids,
                    device)


def _init_visualizer(self, original, cfg):
    if cfg.get('visualizer', {}).get('type') in POSE_VISUALIZER:
        cfg.visualizer.type = 'FaceLandmarkVisualizer'
    return original(self, cfg)


def _preprocess_single(self, original, input, index, bbox_thr=0.3, nms_thr=0.3, bboxes=()):
    if self.cfg.data_mode != 'topdown' or bboxes is None or len(bboxes) == 0:
        return original(self, input, index, bbox_thr=bbox_thr, nms_thr=nms_thr)
    name = input if isinstance(input, str) else f'input {index}'
    img = mmcv.imread(input) if isinstance(input, str) else input
    if img is None:
        raise ValueError(f'{name}: cannot read the image')
    boxes = check_boxes(bboxes, img.shape[:2], name)
    path = input if isinstance(input, str) else f'{index}.jpg'.rjust(10, '0')   # as mmpose
    info = dict(img=img, img_path=path, **self.model.dataset_meta)
    return [self.pipeline(dict(info, bbox=box[None, :4], bbox_score=box[4:5]))
            for box in boxes]


def install_inferencer_support() -> None:
    """Wrap ``Pose2DInferencer`` methods for ADNet configs (idempotent; see the module doc)."""
    cls = Pose2DInferencer
    for name, adnet in [('_init_model', _init_model),
                        ('_load_weights_to_model', _load_weights_to_model),
                        ('_init_visualizer', _init_visualizer),
                        ('_init_detector', _init_detector),
                        ('preprocess_single', _preprocess_single)]:
        method = getattr(cls, name)
        if not getattr(method, 'adnet_wrapped', False):
            setattr(cls, name, _adnet_only(method)(adnet))


install_inferencer_support()
