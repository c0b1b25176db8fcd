"""The user API: :class:`FaceLandmarker` (photo → face landmarks), :class:`FaceTracker`
(video), :class:`MMPoseInferencer` (mmpose's inferencer for ADNet configs), :func:`init_adnet`
(a model with a strictly loaded checkpoint), and the face detectors and the fast PyTorch model
they use."""
from adnet_mmpose.detection import (FaceDetector, MMDetFaceDetector, MTCNNFaceDetector,
                                    build_face_detector)
from adnet_mmpose.models.fast_landmark_model import FastLandmarkModel
from adnet_mmpose.utils.checkpoint import check_checkpoint
from .face_landmarker import FaceLandmarker, Faces
from .face_tracker import FaceTracker
from .inferencer import MMPoseInferencer
from .model_loading import init_adnet

__all__ = ['FaceLandmarker', 'Faces', 'FaceTracker', 'MMPoseInferencer', 'init_adnet',
           'check_checkpoint', 'FaceDetector', 'MTCNNFaceDetector', 'MMDetFaceDetector',
           'build_face_detector', 'FastLandmarkModel']
