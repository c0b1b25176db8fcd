"""PyTorch backends of the top-down landmark path (:mod:`adnet_mmpose.deploy.topdown`):
normalised crops (B, 3, H, W) → landmarks (B, K, 2) in crop pixels and scores (B, K).

* :class:`TorchBackend`: the model as ``inference_topdown`` runs it (backbone, then the
  head's ``predict`` with the config's flip test);
* :class:`FastBackend`: the network under :class:`FastLandmarkModel` (eager, ``torch.compile``
  or CUDA graphs at fixed batch sizes; no flip test, like the exported graph).

The ONNX Runtime backend is :class:`~adnet_mmpose.deploy.ort_runner.ONNXLandmarkRunner`.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpose.structures import PoseDataSample

from adnet_mmpose.deploy.export import deploy_info
from .fast_inference import FastLandmarkModel


class TorchBackend:
    """An ADNet ``TopdownPoseEstimator`` (from :func:`~adnet_mmpose.apis.init_adnet`).

    Args:
        model: the pose model; ``model.cfg`` and ``model.dataset_meta`` set.
        flip_test: average with the mirrored crop (default: the config's ``test_cfg``).
    """

    def __init__(self, model: torch.nn.Module, flip_test: Optional[bool] = None):
        self.model = model.eval()
        self.info = deploy_info(model)
        self.device = next(model.parameters()).device
        test_cfg = dict(model.test_cfg or {})
        if flip_test is not None:
            test_cfg['flip_test'] = flip_test
        self.test_cfg = test_cfg
        self.sample = PoseDataSample(metainfo=dict(
            flip_indices=model.dataset_meta.get('flip_indices')))

    @torch.no_grad()
    def run(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        inputs = torch.from_numpy(x).to(self.device)
        feats = self.model.extract_feat(inputs)
        if self.test_cfg.get('flip_test', False):
            feats = [feats, self.model.extract_feat(inputs.flip(-1))]
        preds = self.model.head.predict(feats, [self.sample], self.test_cfg)
        return (np.concatenate([p.keypoints for p in preds]),
                np.concatenate([p.keypoint_scores for p in preds]))


class FastBackend:
    """:class:`FastLandmarkModel` of an ADNet pose model (see its arguments)."""

    def __init__(self, model: torch.nn.Module, mode: str = 'eager',
                 batch_size: Union[int, Sequence[int]] = 1, dtype: str = 'fp32', **kwargs):
        self.info = deploy_info(model)
        self.fast = FastLandmarkModel(model, mode=mode, batch_size=batch_size, dtype=dtype,
                                      **kwargs)

    def run(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        landmarks, scores = self.fast(torch.from_numpy(x).to(self.fast.device))
        return landmarks.cpu().numpy(), scores.cpu().numpy()
