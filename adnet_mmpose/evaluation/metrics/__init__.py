from .face_alignment_metric import FaceAlignmentMetric

__all__ = ['FaceAlignmentMetric']
