"""The small ADNet config, a random-weight checkpoint and real fixture faces, for the
inference, deployment and demo tests (random weights are enough for equality tests)."""
import json

import numpy as np
import torch
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS

from tests.conftest import REPO, shared_path

SMALL_CONFIG = str(next(REPO.glob('configs/adnet/td-adnet_hg2x64_*_afw68-*.py')))


def save_checkpoint(path, config=SMALL_CONFIG, seed=0) -> str:
    """Randomly initialised model of ``config`` saved as an mmengine checkpoint (with the
    dataset metainfo, as the trainer saves it)."""
    cfg = Config.fromfile(config)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': parse_pose_metainfo(cfg.metainfo)}}, path)
    return str(path)


def afw_faces(n: int):
    """``n`` real faces of the afw68 val split: [(image path, (4,) float32 xyxy box)]."""
    root = shared_path('fixtures', 'afw68')
    ann = json.loads((root / 'val.json').read_text())
    files = {im['id']: im['file_name'] for im in ann['images']}
    out = []
    for a in ann['annotations'][:n]:
        x, y, w, h = a['bbox']
        out.append((str(root / 'images' / files[a['image_id']]),
                    np.array([x, y, x + w, y + h], np.float32)))
    return out
