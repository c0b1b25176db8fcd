from .prepare_cfg import prepare_cfg

__all__ = ['prepare_cfg']
