from .ced import plot_ced

__all__ = ['plot_ced']
