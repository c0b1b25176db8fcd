"""mmdeploy 1.3 support for ADNet; imported through ``custom_imports`` of ``configs/deploy/``.

Importing this module (which the deploy config does in every process that loads it, including
the worker mmdeploy's ``tools/deploy.py`` spawns) only registers components with mmdeploy; it
changes no function of torch, mmdeploy or mmpose. The rewriters act only inside mmdeploy's
``RewriterContext``, i.e. while mmdeploy exports, and mmdeploy restores the originals after:

1. **TorchScript exporter.** mmdeploy calls ``torch.onnx.export`` without ``dynamo=``; since
   torch 2.9 that means the dynamo exporter, which mmdeploy does not expect (it needs
   onnxscript, forces opset 18, writes external weights and bypasses mmdeploy's rewriters).
   While mmdeploy exports, ``dynamo=False`` is the default (:func:`torch_onnx__export`).
2. **Head.** mmdeploy exports ``model(x, None, mode='tensor')``, i.e. ``head.forward``
   (landmarks only); while exporting, ``ADNetHead.forward`` returns ``(landmarks, scores)``
   (the contract in :mod:`adnet_mmpose.runtime.contract`).
3. **Backend model.** mmdeploy's pose ``End2EndModel`` decodes only the first output; the
   ``adnet_end2end`` model type (``codebase_config.model_type``) packs both outputs as they
   are (the graph's landmarks are already decoded to input-crop pixels), so mmdeploy's ONNX
   Runtime inference returns the scores too.

Checkpoints: run mmdeploy under :func:`adnet_mmpose.utils.checkpoint.checkpoint_loading`
(as :func:`adnet_mmpose.deploy.export.export_onnx` does) so they load weights-only.
"""
import torch
from mmdeploy.codebase.mmpose.deploy import pose_detection_model
from mmdeploy.core import FUNCTION_REWRITER
from mmengine.structures import InstanceData


@FUNCTION_REWRITER.register_rewriter('torch.onnx.export')
def torch_onnx__export(*args, **kwargs):
    """``torch.onnx.export`` with ``dynamo=False`` unless the caller chose (mmdeploy export)."""
    kwargs.setdefault('dynamo', False)
    return FUNCTION_REWRITER.get_context().origin_func(*args, **kwargs)


@FUNCTION_REWRITER.register_rewriter(
    'adnet_mmpose.models.heads.adnet_head.ADNetHead.forward')
def adnet_head__forward(self, feats):
    """Export both outputs: landmarks (B, K, 2) in input-crop pixels and scores (B, K)."""
    return self.forward_with_scores(feats)


class ADNetEnd2EndModel(pose_detection_model.End2EndModel):
    """mmdeploy backend model for the ADNet graph: packs (landmarks, scores)."""

    def forward(self, inputs: torch.Tensor, data_samples: list, mode: str = 'predict',
                **kwargs) -> list:
        """(B, 3, H, W) normalised crops → data samples with image-pixel keypoints + scores."""
        if mode != 'predict':
            raise ValueError(f"the backend model only predicts, got mode={mode!r}")
        outputs = self.wrapper({self.input_name: inputs.contiguous().to(self.device)})
        landmarks, scores = (t.cpu().numpy() for t in self.wrapper.output_to_list(outputs))
        preds = [InstanceData(keypoints=lm[None], keypoint_scores=sc[None])
                 for lm, sc in zip(landmarks, scores)]
        return self.pack_result(preds, data_samples)


getattr(pose_detection_model, '__BACKEND_MODEL').register_module(
    'adnet_end2end', module=ADNetEnd2EndModel, force=True)
