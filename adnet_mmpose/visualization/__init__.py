from .ced import plot_ced
from .error_bias import mean_face, plot_error_bias
from .face_visualizer import FaceLandmarkVisualizer, visual_meta

__all__ = ['FaceLandmarkVisualizer', 'mean_face', 'plot_ced', 'plot_error_bias', 'visual_meta']
