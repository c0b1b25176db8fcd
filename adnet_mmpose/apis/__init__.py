from .face_detector import FaceDetector, MMDetFaceDetector, MTCNNFaceDetector
from .face_landmarker import FaceLandmarker
from .face_tracker import FaceTracker
from .model_loading import check_checkpoint, init_adnet
from .prepare_cfg import add_runner_args, parse_runner_args, prepare_cfg

__all__ = ['check_checkpoint', 'init_adnet', 'prepare_cfg', 'add_runner_args', 'parse_runner_args',
           'FaceDetector', 'MTCNNFaceDetector', 'MMDetFaceDetector', 'FaceLandmarker',
           'FaceTracker']
