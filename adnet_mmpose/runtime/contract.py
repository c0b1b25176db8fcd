"""The exported graph's contract, the same on every export route.

Input ``input``: (B, 3, H, W) float32, the image crop normalised exactly as the model's data
preprocessor does it (``(pixel − mean) / std``, channel order as configured), dynamic B.
Outputs ``landmarks``: (B, K, 2) final-stack landmarks in input-crop pixels (what
``ADNetHead.forward`` returns) and ``scores``: (B, K).
The ONNX file also carries :data:`METADATA_KEY` in its metadata: JSON with the preprocessing
(``input_size``, ``mean``, ``std``, ``bgr_to_rgb``, ``padding``, ``crop_style``: ``'adnet'`` when
the test pipeline crops with ``ADNetAffine``, else ``'mmpose'``; files exported before
``crop_style`` existed read as ``'mmpose'``) and the layout
(``dataset_name``, ``num_keypoints``, ``boundaries``, ``keypoint_colors``, ``flip_indices``:
the landmark each one becomes in the mirrored face), so a server needs only the ``.onnx``
file. :func:`deploy_info` builds that metadata from a PyTorch model; every backend of
:mod:`~adnet_mmpose.runtime.backends` carries it as ``info``.
"""
import json

import numpy as np

INPUT_NAME = 'input'
OUTPUT_NAMES = ('landmarks', 'scores')
METADATA_KEY = 'adnet_mmpose'
OPSET = 11


def _plain(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def deploy_info(model) -> dict:
    """The preprocessing and layout metadata (see the module docstring) of an ADNet
    ``TopdownPoseEstimator`` built by :func:`~adnet_mmpose.apis.init_adnet` (``model.cfg`` and
    ``model.dataset_meta`` set)."""
    from adnet_mmpose.utils.boundary import head_boundaries
    cfg, head = model.cfg, model.cfg.model.head
    dp = cfg.model.data_preprocessor
    pipeline = cfg.test_dataloader.dataset.pipeline
    padding = next((t.get('padding', 1.25) for t in pipeline
                    if t['type'] == 'GetBBoxCenterScale'), 1.25)
    adnet = any(str(t['type']).split('.')[-1] == 'ADNetAffine' for t in pipeline)
    style = 'adnet' if adnet else 'mmpose'
    meta = model.dataset_meta
    return dict(input_size=list(model.head.input_size), mean=list(dp.mean), std=list(dp.std),
                bgr_to_rgb=bool(dp.get('bgr_to_rgb', False)), padding=float(padding),
                crop_style=style,
                dataset_name=meta.get('dataset_name'), num_keypoints=head.num_keypoints,
                keypoint_colors=_plain(meta.get('keypoint_colors')),
                flip_indices=_plain(meta.get('flip_indices')),
                boundaries=[dict(name=g.name, indices=list(g.indices), closed=g.closed)
                            for g in head_boundaries(cfg)])


def embed_metadata(onnx_file: str, info: dict) -> None:
    """Store ``info`` as JSON under :data:`METADATA_KEY` in the ONNX file's metadata (needs the
    ``onnx`` package)."""
    import onnx
    proto = onnx.load(onnx_file)
    kept = [p for p in proto.metadata_props if p.key != METADATA_KEY]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(info))
    onnx.save(proto, onnx_file)
