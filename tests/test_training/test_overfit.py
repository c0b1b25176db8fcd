"""Overfitting 4 real AFW faces on CPU: the loss and the NME fall markedly."""
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS

from adnet_mmpose.evaluation.functional import face_alignment_nme
from tests.conftest import REPO, shared_path

META = dict(from_file=str(REPO / 'configs/_base_/datasets/300w.py'))
SIZE = (64, 64)


def _batch():
    codec = dict(type='ADNetLabel', input_size=SIZE, heatmap_size=(16, 16), metainfo=META)
    dataset = DATASETS.build(dict(
        type='Face300WDataset', data_root=str(shared_path('fixtures', 'afw68')),
        ann_file='val.json', data_prefix=dict(img='images/'), data_mode='topdown',
        metainfo=META, pipeline=[
            dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=SIZE),
            dict(type='GenerateTarget', encoder=codec), dict(type='PackPoseInputs')]))
    return pseudo_collate([dataset[i] for i in range(4)]), codec


def test_overfit_four_faces():
    torch.manual_seed(0)
    batch, codec = _batch()
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3),
        backbone=dict(type='ADNetHourglass', num_keypoints=68, num_boundaries=9, num_stacks=2,
                      depth=2, channels=32, input_size=SIZE),
        head=dict(type='ADNetHead', num_keypoints=68, metainfo=META, input_size=SIZE,
                  stack_weights=(0.5, 1.0), decoder=codec)))
    data = model.data_preprocessor(batch, training=True)
    gt = np.stack([s.gt_instances.keypoints[0] for s in data['data_samples']])

    def evaluate():
        model.eval()
        with torch.no_grad():
            preds = model(data['inputs'], data['data_samples'], mode='predict')
        model.train()
        pred = np.stack([p.pred_instances.keypoints[0] for p in preds])
        return face_alignment_nme(pred, gt, '300w')[0].mean()

    optim = torch.optim.Adam(model.parameters(), lr=2e-3)
    nme0, losses = evaluate(), []
    for _ in range(150):
        loss = model(data['inputs'], data['data_samples'], mode='loss')
        total = sum(v for k, v in loss.items() if k.startswith('loss'))
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(total.item())
    nme1 = evaluate()
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.25 * losses[0], losses[::10]
    assert nme1 < 0.5 * nme0 and nme1 < 0.12, (nme0, nme1)
