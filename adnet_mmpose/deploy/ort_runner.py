"""Face landmarks with ONNX Runtime: image + boxes → crops → exported ADNet → image pixels.

Needs only numpy, OpenCV and onnxruntime (no torch, no mmpose); the preprocessing is read
from the metadata :func:`~adnet_mmpose.deploy.export.export_onnx` embeds in the ONNX file.
"""
import json
from typing import Optional, Sequence, Union

import cv2
import numpy as np
import onnxruntime as ort

from .contract import INPUT_NAME, METADATA_KEY, OUTPUT_NAMES
from .crop import check_boxes, crop_faces, normalise, to_image


def read_image(path: str) -> np.ndarray:
    """BGR image as MMPose's ``LoadImage`` decodes it (``cv2.imdecode`` of the file bytes).

    Raises:
        ValueError: the file is missing or not a decodable image.
    """
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as e:
        raise ValueError(f'{path}: cannot read the file ({e.strerror})') from e
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise ValueError(f'{path}: not a readable image')
    return img


class ONNXLandmarkRunner:
    """Run an exported ADNet (:mod:`~adnet_mmpose.deploy.contract`) on whole images.

    Args:
        onnx_file: the exported model.
        providers: ONNX Runtime execution providers.
        threads: intra-op threads (ONNX Runtime's default when None).

    Attributes:
        info (dict): the embedded metadata (``input_size``, ``mean``, ``std``, ``bgr_to_rgb``,
            ``padding``, ``dataset_name``, ``num_keypoints``, ``boundaries``, ...).
    """

    def __init__(self, onnx_file: str, providers: Sequence[str] = ('CPUExecutionProvider', ),
                 threads: Optional[int] = None):
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=list(providers))
        meta = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise ValueError(f'{onnx_file} has no {METADATA_KEY!r} metadata: export it with '
                             'tools/deploy/export_onnx.py')
        self.info = json.loads(meta[METADATA_KEY])
        self.input_size = tuple(self.info['input_size'])
        self.mean = np.asarray(self.info['mean'], np.float32)
        self.std = np.asarray(self.info['std'], np.float32)

    def normalise(self, crops: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) uint8 BGR crops → (N, 3, H, W) float32 network input."""
        return normalise(crops, self.mean, self.std, self.info['bgr_to_rgb'])

    def run(self, inputs: np.ndarray):
        """Network only: (B, 3, H, W) normalised input → landmarks (B, K, 2) in input-crop
        pixels and scores (B, K)."""
        landmarks, scores = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: inputs})
        return landmarks, scores

    def __call__(self, img: Union[str, np.ndarray], boxes=None) -> dict:
        """Landmarks of the faces in ``boxes`` (the whole image when None).

        Args:
            img: BGR image (H, W, 3) uint8 or a file path.
            boxes: (N, 4|5) ``x1, y1, x2, y2[, score]`` in image pixels.

        Returns:
            dict with ``bboxes`` (N, 4), ``bbox_scores`` (N,), ``keypoints`` (N, K, 2) in
            image pixels and ``keypoint_scores`` (N, K).

        Raises:
            ValueError: unreadable image or invalid boxes (:func:`crop.check_boxes`).
        """
        source = img if isinstance(img, str) else 'image'
        if isinstance(img, str):
            img = read_image(img)
        h, w = img.shape[:2]
        boxes = check_boxes([0, 0, w, h] if boxes is None else boxes, (h, w), source)
        crops, center, scale = crop_faces(img, boxes, self.input_size, self.info['padding'])
        landmarks, scores = self.run(self.normalise(crops))
        return dict(bboxes=boxes[:, :4], bbox_scores=boxes[:, 4],
                    keypoints=to_image(landmarks, center, scale, self.input_size),
                    keypoint_scores=scores)
