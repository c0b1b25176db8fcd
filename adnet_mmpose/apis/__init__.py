from .model_loading import check_checkpoint, init_adnet
from .prepare_cfg import prepare_cfg

__all__ = ['check_checkpoint', 'init_adnet', 'prepare_cfg']
