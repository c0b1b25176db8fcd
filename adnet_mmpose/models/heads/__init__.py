from .adnet_head import ADNetHead

__all__ = ['ADNetHead']
