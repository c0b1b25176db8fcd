"""Landmarks over video frames: each face's next crop is placed from its landmarks in the
previous frame (tracking), the detector runs only when a face is lost or every N frames."""
from typing import List, Optional

import numpy as np

from .face_landmarker import FaceLandmarker, Faces


def landmark_box(keypoints: np.ndarray) -> np.ndarray:
    """(N, K, 2) landmarks → (N, 4) face boxes in the training convention: the square of side
    max(w, h) centred on the landmarks' tight box (how the 300-W annotations' ``center`` /
    ``scale`` are defined)."""
    lo, hi = keypoints.min(1), keypoints.max(1)
    center, half = (lo + hi) / 2, (hi - lo).max(1, keepdims=True) / 2
    return np.concatenate([center - half, center + half], 1)


class FaceTracker:
    """Per-frame faces of a video with a :class:`FaceLandmarker` that has a detector.

    A tracked face is lost when its mean keypoint score falls below ``min_score`` or its box
    leaves the image (centre outside); then, when no face is tracked, and every
    ``redetect_every`` frames, the detector runs on the frame. A tracked frame costs one
    landmark step (all faces in one batch), no detector.

    Args:
        landmarker: the model and detector.
        redetect_every: run the detector at least every this many frames (0: only when lost).
        min_score: mean keypoint score below which a face counts as lost; None: half the
            face's mean score on its detection frame (scores differ between models: the
            released one gives about 0.08 on a clear face).
        smooth: weight of the previous frame's landmarks in an exponential moving average of
            a tracked face's landmarks (0: none).

    Calling the tracker on a BGR frame returns :class:`Faces` like the landmarker, each dict
    with ``tracked`` (False on a detection frame).
    """

    def __init__(self, landmarker: FaceLandmarker, redetect_every: int = 30,
                 min_score: Optional[float] = None, smooth: float = 0.):
        if landmarker.detector is None:
            raise ValueError('tracking needs a FaceLandmarker with a detector')
        if not 0 <= smooth < 1:
            raise ValueError(f'smooth={smooth}: must be in [0, 1)')
        self.landmarker, self.redetect_every = landmarker, int(redetect_every)
        self.min_score, self.smooth = min_score, smooth
        self.reset()

    def reset(self) -> None:
        """Forget the tracked faces (the next frame is a detection frame)."""
        self.frame = 0
        self.keypoints: Optional[np.ndarray] = None    # (N, K, 2) of the previous frame
        self.box_scores: Optional[np.ndarray] = None
        self.score_floor: Optional[np.ndarray] = None   # (N,) lost below this mean score
        self.detections = 0

    def _lost(self, keypoints: np.ndarray, scores: np.ndarray, shape) -> np.ndarray:
        h, w = shape[:2]
        box = landmark_box(keypoints)
        cx, cy = (box[:, 0] + box[:, 2]) / 2, (box[:, 1] + box[:, 3]) / 2
        return (scores.mean(1) < self.score_floor) | (cx < 0) | (cy < 0) | (cx >= w) | (cy >= h)

    def __call__(self, frame: np.ndarray) -> Faces:
        lm = self.landmarker
        tracked = self.keypoints is not None and len(self.keypoints) > 0
        due = self.redetect_every > 0 and self.frame % self.redetect_every == 0
        self.frame += 1
        if tracked and not due:
            boxes = np.concatenate([landmark_box(self.keypoints), self.box_scores[:, None]], 1)
            keypoints, scores = lm.landmarks(frame, boxes.astype(np.float32))
            if self.smooth:
                keypoints = self.smooth * self.keypoints + (1 - self.smooth) * keypoints
            if not self._lost(keypoints, scores, frame.shape).any():
                return self._keep(boxes, keypoints, scores, tracked=True)
        boxes = lm.face_boxes(frame, f'frame {self.frame - 1}')
        self.detections += 1
        keypoints, scores = lm.landmarks(frame, boxes)
        self.score_floor = (scores.mean(1) / 2 if self.min_score is None
                            else np.full(len(boxes), self.min_score))
        return self._keep(boxes, keypoints, scores, tracked=False)

    def _keep(self, boxes, keypoints, scores, tracked: bool) -> Faces:
        self.keypoints, self.box_scores = keypoints, boxes[:, 4]
        faces: List[dict] = [dict(bbox=b[:4].copy(), bbox_score=float(b[4]), keypoints=k,
                                  keypoint_scores=s, tracked=tracked)
                             for b, k, s in zip(boxes, keypoints, scores)]
        return Faces(faces, source=f'frame {self.frame - 1}')
