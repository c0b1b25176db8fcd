"""PyTorch backends of the top-down landmark path (:mod:`adnet_mmpose.runtime.topdown`):
normalised crops (B, 3, H, W) → landmarks (B, K, 2) in crop pixels and scores (B, K).

* :class:`TorchBackend`: the model as ``inference_topdown`` runs it (backbone, then the
  head's ``predict`` with the config's flip test);
* :class:`FastBackend`: the network under
  :class:`~adnet_mmpose.models.fast_landmark_model.FastLandmarkModel` (eager,
  ``torch.compile`` or CUDA graphs at fixed batch sizes; no flip test, like the exported graph).

and :func:`export_onnx_model`, the exported graph of :mod:`~adnet_mmpose.runtime.contract` from a
loaded model. torch and mmpose are imported when used, not with this module.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ..contract import INPUT_NAME, OPSET, OUTPUT_NAMES, deploy_info, embed_metadata


class TorchBackend:
    """An ADNet ``TopdownPoseEstimator`` (from :func:`~adnet_mmpose.apis.init_adnet`).

    Args:
        model: the pose model; ``model.cfg`` and ``model.dataset_meta`` set.
        flip_test: average with the mirrored crop (default: the config's ``test_cfg``).
    """

    def __init__(self, model, flip_test: Optional[bool] = None):
        from mmpose.structures import PoseDataSample
        self.model = model.eval()
        self.info = deploy_info(model)
        self.device = next(model.parameters()).device
        test_cfg = dict(model.test_cfg or {})
        if flip_test is not None:
            test_cfg['flip_test'] = flip_test
        self.test_cfg = test_cfg
        self.sample = PoseDataSample(metainfo=dict(
            flip_indices=model.dataset_meta.get('flip_indices')))

    def run(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        import torch
        with torch.no_grad():
            inputs = torch.from_numpy(x).to(self.device)
            feats = self.model.extract_feat(inputs)
            if self.test_cfg.get('flip_test', False):
                feats = [feats, self.model.extract_feat(inputs.flip(-1))]
            preds = self.model.head.predict(feats, [self.sample], self.test_cfg)
        return (np.concatenate([p.keypoints for p in preds]),
                np.concatenate([p.keypoint_scores for p in preds]))


class FastBackend:
    """:class:`~adnet_mmpose.models.fast_landmark_model.FastLandmarkModel` of an ADNet pose
    model (see its arguments)."""

    def __init__(self, model, mode: str = 'eager',
                 batch_size: Union[int, Sequence[int]] = 1, dtype: str = 'fp32', **kwargs):
        from adnet_mmpose.models.fast_landmark_model import FastLandmarkModel
        self.info = deploy_info(model)
        self.fast = FastLandmarkModel(model, mode=mode, batch_size=batch_size, dtype=dtype,
                                      **kwargs)

    def run(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        import torch
        landmarks, scores = self.fast(torch.from_numpy(x).to(self.fast.device))
        return landmarks.cpu().numpy(), scores.cpu().numpy()


def export_onnx_model(model, out: str, batch: int = 1) -> str:
    """Write ``model`` (an ADNet pose model as :class:`TorchBackend` takes it) to the ONNX file
    ``out`` with ``torch.onnx.export(dynamo=False)``: backbone + ``head.forward_with_scores``,
    (B, 3, H, W) → (landmarks, scores), dynamic batch, with :func:`deploy_info` embedded.

    Args:
        model: the pose model, on any device.
        out: the ``.onnx`` file.
        batch: batch size of the example input.

    Returns:
        ``out``.
    """
    import torch

    class Contract(torch.nn.Module):
        """Backbone + head as the contract: (B, 3, H, W) → (landmarks, scores)."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model.head.forward_with_scores(self.model.extract_feat(x))

    w, h = model.head.input_size
    dummy = torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(0))
    axes = {name: {0: 'batch'} for name in (INPUT_NAME, *OUTPUT_NAMES)}
    with torch.no_grad():
        torch.onnx.export(Contract(), (dummy.to(next(model.parameters()).device), ), out,
                          dynamo=False, input_names=[INPUT_NAME],
                          output_names=list(OUTPUT_NAMES), opset_version=OPSET,
                          dynamic_axes=axes, keep_initializers_as_inputs=False)
    embed_metadata(out, deploy_info(model))
    return out
