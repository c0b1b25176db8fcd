from .adnet_hourglass import ADNetHourglass

__all__ = ['ADNetHourglass']
