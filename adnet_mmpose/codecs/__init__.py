from .adnet_label import ADNetLabel

__all__ = ['ADNetLabel']
