from .inferencer_utils import install_inferencer_support
from .model_loading import check_checkpoint, init_adnet
from .prepare_cfg import prepare_cfg

install_inferencer_support()

__all__ = ['check_checkpoint', 'init_adnet', 'install_inferencer_support', 'prepare_cfg']
