"""Face landmarks with ONNX Runtime: image + boxes → crops → exported ADNet → image pixels.

Needs only numpy, OpenCV and onnxruntime (no torch, no mmpose); the preprocessing is read
from the metadata :func:`~adnet_mmpose.deploy.export.export_onnx` embeds in the ONNX file
(:mod:`~adnet_mmpose.runtime.contract`). The runner is a backend of
:func:`~adnet_mmpose.runtime.topdown.landmarks_in_boxes` (the path ``FaceLandmarker`` and the
demo use) and runs that path itself when called on an image.
"""
import json
from typing import Optional, Sequence, Union

import numpy as np
import onnxruntime as ort

from ..contract import INPUT_NAME, METADATA_KEY, OUTPUT_NAMES
from ..crop import check_boxes
from ..images import as_bgr
from ..topdown import landmarks_in_boxes


def session_options(threads: Optional[int] = None) -> ort.SessionOptions:
    """Options of every ONNX Runtime session of the package: ``threads`` intra-op threads
    (ONNX Runtime's default when None: one per physical core), one inter-op thread, and idle
    worker threads that sleep instead of spinning. Spinning workers of one session steal the
    cores from the next one (the detector's three networks, the landmark model, torch): on
    2 cores at 2 threads MTCNN took 121 ms per afw68 photo with spinning, 36 ms without."""
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry('session.intra_op.allow_spinning', '0')
    return opts


class ONNXLandmarkRunner:
    """Run an exported ADNet (:mod:`~adnet_mmpose.runtime.contract`) on whole images.

    Args:
        onnx_file: the exported model.
        providers: ONNX Runtime execution providers.
        threads: intra-op threads (ONNX Runtime's default when None: one per physical core).
        flip_test: also run the mirrored crops and average, as the PyTorch model's flip test
            does (mirrored landmarks ``x ← W − 1 − x``, re-indexed with the metadata's
            ``flip_indices``): twice the compute.

    Attributes:
        info (dict): the embedded metadata (``input_size``, ``mean``, ``std``, ``bgr_to_rgb``,
            ``padding``, ``crop_style``, ``dataset_name``, ``num_keypoints``, ``boundaries``,
            ...).
    """

    def __init__(self, onnx_file: str, providers: Sequence[str] = ('CPUExecutionProvider', ),
                 threads: Optional[int] = None, flip_test: bool = False):
        opts = session_options(threads)
        self.onnx_file = str(onnx_file)
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=list(providers))
        meta = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise ValueError(f'{onnx_file} has no {METADATA_KEY!r} metadata: export it with '
                             'tools/deploy/export_onnx.py')
        self.info = json.loads(meta[METADATA_KEY])
        self.info.setdefault('crop_style', 'mmpose')   # files exported before crop styles
        self.input_size = tuple(self.info['input_size'])
        self.flip_indices = None
        if flip_test:
            if self.info.get('flip_indices') is None:
                raise ValueError(f'{onnx_file} records no flip_indices, which flip_test needs: '
                                 're-export it with tools/deploy/export_onnx.py')
            self.flip_indices = np.asarray(self.info['flip_indices'])

    def run(self, inputs: np.ndarray):
        """Network only (with the flip test when asked): (B, 3, H, W) normalised input →
        landmarks (B, K, 2) in input-crop pixels and scores (B, K)."""
        if self.flip_indices is None:
            return tuple(self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: inputs}))
        both = np.concatenate([inputs, inputs[..., ::-1]])
        landmarks, scores = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: both})
        n, idx = len(inputs), self.flip_indices
        mirrored = landmarks[n:, idx]
        mirrored[..., 0] = self.input_size[0] - 1 - mirrored[..., 0]
        return (landmarks[:n] + mirrored) / 2, (scores[:n] + scores[n:, idx]) / 2

    def __call__(self, img: Union[str, np.ndarray], boxes=None) -> dict:
        """Landmarks of the faces in ``boxes`` (the whole image when None).

        Args:
            img: a file path or a BGR / grey image array (:func:`images.as_bgr`).
            boxes: (N, 4|5) ``x1, y1, x2, y2[, score]`` in image pixels.

        Returns:
            dict with ``bboxes`` (N, 4), ``bbox_scores`` (N,), ``keypoints`` (N, K, 2) in
            image pixels and ``keypoint_scores`` (N, K).

        Raises:
            ValueError: unreadable image or invalid boxes (:func:`crop.check_boxes`).
        """
        source = img if isinstance(img, str) else 'image'
        img = as_bgr(img, source)
        h, w = img.shape[:2]
        boxes = check_boxes([0, 0, w, h] if boxes is None else boxes, (h, w), source)
        keypoints, scores = landmarks_in_boxes(self, img, boxes)
        return dict(bboxes=boxes[:, :4], bbox_scores=boxes[:, 4], keypoints=keypoints,
                    keypoint_scores=scores)
