"""Face detectors: an image in, (N, 5) face boxes out (:mod:`.base`: the interface, box
calibration and :func:`build_face_detector`; :mod:`.mtcnn`: the offline default; :mod:`.mmdet`:
any mmdet face detector)."""
from .base import DETECTOR_NAMES, BoxCalibration, FaceDetector, build_face_detector
from .mmdet import DetInferencerAdapter, MMDetFaceDetector
from .mtcnn import MTCNN_CALIBRATION, MTCNNFaceDetector

__all__ = ['DETECTOR_NAMES', 'BoxCalibration', 'FaceDetector', 'build_face_detector',
           'DetInferencerAdapter', 'MMDetFaceDetector', 'MTCNN_CALIBRATION', 'MTCNNFaceDetector']
