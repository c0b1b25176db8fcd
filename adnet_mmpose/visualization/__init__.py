from .ced import plot_ced
from .error_bias import mean_face, plot_error_bias

__all__ = ['mean_face', 'plot_ced', 'plot_error_bias']
