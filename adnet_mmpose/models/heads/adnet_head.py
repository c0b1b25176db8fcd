"""ADNet head: anisotropic attention module (AAM), soft-argmax decoding and the losses."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, OptSampleList
from torch import Tensor

from adnet_mmpose.utils.boundary import load_boundaries, membership


def soft_argmax(maps: Tensor) -> Tuple[Tensor, Tensor]:
    """Centre of mass of non-negative maps on the align-corners grid ``i/(n−1)·2 − 1``.

    Args:
        maps: (B, K, h, w).

    Returns:
        coords (B, K, 2) in [−1, 1] as (x, y), and the mass Z = max(Σ maps, 1e-6) (B, K).
    """
    h, w = maps.shape[-2:]
    gx = torch.arange(w, dtype=maps.dtype, device=maps.device) / (w - 1) * 2 - 1
    gy = torch.arange(h, dtype=maps.dtype, device=maps.device) / (h - 1) * 2 - 1
    z = maps.sum((-2, -1)).clamp_min(1e-6)
    x = (maps.sum(-2) * gx).sum(-1) / z
    y = (maps.sum(-1) * gy).sum(-1) / z
    return torch.stack([x, y], -1), z


@MODELS.register_module()
class ADNetHead(BaseHead):
    """Per-stack AAM + soft-argmax over the maps of :class:`ADNetHourglass`, ADNet's losses.

    For every stack s the backbone gives heatmaps ``H`` (K), edge maps ``Ed`` (E) and point
    maps ``P`` (K). The AAM turns edges into per-landmark maps with the fixed membership
    matrix ``M`` (K×E) and the bias ``b`` (1 for landmarks in no group):
    ``mask = (M·Ed + b) ⊙ P``; the landmarks are the soft-argmax of ``mask ⊙ H``.

    Coordinates: the soft-argmax works in the official normalised space (map grid
    ``i/(h−1)·2 − 1``); the codec (``decoder``, :meth:`ADNetLabel.decode
    <adnet_mmpose.codecs.ADNetLabel.decode>`) maps them to input-crop pixels
    ``p = (W/2)·n + (W−1)/2``, in :meth:`predict` and in the pixel output of :meth:`forward`.

    Keypoint score: the point map's expectation under the soft-argmax distribution,
    ``Σ P ⊙ mask ⊙ H / Σ mask ⊙ H`` in [0, 1] — high when the point map agrees with the
    attended heatmap (peaks are ≤ 0.81 by construction of the point-map targets).

    Args:
        num_keypoints (int): K.
        metainfo (dict): dataset metainfo with ``boundaries`` (or ``dict(from_file=...)``).
        boundaries (list): the groups, instead of ``metainfo``.
        input_size (tuple): (w, h) of the network input.
        loss (dict): ADL config (``ADLoss``; boundaries are filled in from this head).
        edge_loss, point_loss (dict): losses on edge / point maps.
        stack_weights (sequence): per-stack factors (official 1/8, 1/4, 1/2, 1).
        loss_weights (sequence): weights of (ADL, edge, point) (official 1, 10, 10).
        adaptive_lambda (bool): ADL's λ from the final attention mask (official); False: λ=1,
            an isotropic smooth-L1 on the landmark distance (the ADL switched off).
        attention (bool): the AAM (official); False: landmarks are the soft-argmax of the
            heatmaps alone (edge and point maps are still predicted and supervised) — with
            ``adaptive_lambda=False`` the plain baseline of the paper's ablation.
        decoder (dict): the codec (``ADNetLabel``) that turns the normalised landmarks into
            input-crop pixels; its ``input_size`` must be this head's. Default: ``ADNetLabel``
            on this head's ``input_size`` and boundaries (heatmaps of a quarter of it, as
            :class:`ADNetHourglass` predicts).
    """

    def __init__(self, num_keypoints: int, metainfo: Optional[dict] = None,
                 boundaries: Optional[list] = None, input_size: Sequence[int] = (256, 256),
                 loss: ConfigType = dict(type='ADLoss'),
                 edge_loss: ConfigType = dict(type='WeightedAdaptiveWingLoss'),
                 point_loss: ConfigType = dict(type='WeightedAdaptiveWingLoss'),
                 stack_weights: Sequence[float] = (0.125, 0.25, 0.5, 1.0),
                 loss_weights: Sequence[float] = (1., 10., 10.),
                 adaptive_lambda: bool = True, attention: bool = True,
                 decoder: Optional[ConfigType] = None, init_cfg=None):
        super().__init__(init_cfg)
        groups = load_boundaries(metainfo if metainfo is not None else boundaries,
                                 num_keypoints)
        self.num_keypoints, self.num_boundaries = num_keypoints, len(groups)
        self.input_size = tuple(input_size)
        mat, bias = membership(groups, num_keypoints)
        self.register_buffer('aam_weight', torch.from_numpy(mat)[..., None, None])
        self.register_buffer('aam_bias', torch.from_numpy(bias))
        loss = dict(loss)
        if 'metainfo' not in loss and 'boundaries' not in loss:
            loss['boundaries'] = groups
        loss.setdefault('num_keypoints', num_keypoints)
        self.loss_module = MODELS.build(loss)
        self.edge_loss = MODELS.build(edge_loss)
        self.point_loss = MODELS.build(point_loss)
        self.stack_weights = tuple(stack_weights)
        self.loss_weights = tuple(loss_weights)
        self.adaptive_lambda, self.attention = adaptive_lambda, attention
        if decoder is None:
            w, h = self.input_size
            decoder = dict(type='ADNetLabel', input_size=self.input_size,
                           heatmap_size=(w // 4, h // 4), boundaries=groups)
        self.decoder = KEYPOINT_CODECS.build(decoder)
        if tuple(self.decoder.input_size) != self.input_size:
            raise ValueError(f'ADNetHead has input_size {self.input_size} but its decoder '
                             f'{self.decoder.input_size}: set both to the data input size')

    def decode_stack(self, maps: Tensor) -> dict:
        """AAM and soft-argmax on one stack's B×(K+E+K)×h×w maps.

        Returns a dict of ``heatmaps``, ``edgemaps``, ``pointmaps``, ``mask`` (B×K×h×w AAM
        mask; the heatmaps themselves without the AAM), ``coords`` (B×K×2 normalised),
        ``scores`` (B×K).
        """
        k, e = self.num_keypoints, self.num_boundaries
        if maps.shape[1] != 2 * k + e:
            raise ValueError(f'ADNetHead expects {2 * k + e} = 2·{k} keypoints + {e} '
                             f'boundaries channels per stack, got {maps.shape[1]}: the '
                             'backbone and head num_keypoints / boundaries disagree')
        heat, edge, point = maps.split([k, e, k], 1)
        if self.attention:
            mask = F.conv2d(edge, self.aam_weight.to(edge.dtype),
                            self.aam_bias.to(edge.dtype)) * point
            fused = mask * heat
        else:
            mask = fused = heat
        coords, z = soft_argmax(fused)
        scores = (point * fused).sum((-2, -1)) / z
        return dict(heatmaps=heat, edgemaps=edge, pointmaps=point, mask=mask, coords=coords,
                    scores=scores)

    def forward_with_scores(self, feats: Tuple[Tensor, ...]) -> Tuple[Tensor, Tensor]:
        """Final-stack landmarks (B, K, 2) in input-crop pixels (the decoder's
        ``denormalize``) and scores (B, K)."""
        out = self.decode_stack(feats[-1])
        return self.decoder.denormalize(out['coords']), out['scores']

    def forward(self, feats: Tuple[Tensor, ...]) -> Tensor:
        """Final-stack landmarks (B, K, 2) in input-crop pixels (the deployment contract)."""
        return self.forward_with_scores(feats)[0]

    def predict(self, feats, batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> List[InstanceData]:
        """Final-stack landmarks decoded by the codec (input-crop pixels), optional flip test.

        With ``test_cfg.flip_test`` ``feats`` is ``[feats, feats_of_flipped_input]``: flipped
        landmarks are mirrored (normalised ``x ← −x``, i.e. pixel ``x ← W − 1 − x``),
        re-indexed with the metainfo ``flip_indices`` and averaged with the original ones
        (scores too) before decoding.
        """
        if test_cfg.get('flip_test', False):
            feats, feats_flip = feats
            out, out_f = self.decode_stack(feats[-1]), self.decode_stack(feats_flip[-1])
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            x_f, y_f = out_f['coords'][:, flip_indices].unbind(-1)
            coords = (out['coords'] + torch.stack([-x_f, y_f], -1)) / 2
            scores = (out['scores'] + out_f['scores'][:, flip_indices]) / 2
        else:
            out = self.decode_stack(feats[-1])
            coords, scores = out['coords'], out['scores']
        return self.decode((coords, scores))

    def _targets(self, batch_data_samples):
        labels = torch.cat([d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        maps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        bad = ~torch.isfinite(labels).flatten(1).all(1) | ~torch.isfinite(maps).flatten(1).all(1)
        if labels.shape[1] != self.num_keypoints or bad.any():
            names = [f"{d.metainfo.get('img_path')} (id {d.metainfo.get('id')})"
                     for d, b in zip(batch_data_samples, bad) if b or labels.shape[1] != self.num_keypoints]
            raise ValueError(f'ADNetHead got targets with {labels.shape[1]} keypoints (expects '
                             f'{self.num_keypoints}) or non-finite values for: {names}')
        return labels, weights, maps

    def loss(self, feats: Tuple[Tensor, ...], batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Weighted sum over stacks of ADL + AWing(edge maps) + AWing(point maps).

        Returns ``loss_adl``, ``loss_edge``, ``loss_point`` (each summed over stacks with the
        stack and term weights) and ``err_px``, the final stack's mean landmark error in
        input-crop pixels (for the log). Computed in fp32 even under AMP; a non-finite loss
        raises ``FloatingPointError`` naming the batch's samples before any optimizer step.
        """
        if len(feats) != len(self.stack_weights):
            raise ValueError(f'ADNetHead has {len(self.stack_weights)} stack_weights but the '
                             f'backbone gave {len(feats)} stacks')
        labels, weights, maps = self._targets(batch_data_samples)
        k = self.num_keypoints
        point_t, edge_t = maps[:, :k], maps[:, k:]
        with torch.autocast(feats[0].device.type, enabled=False):  # losses in fp32 under AMP
            stacks = [self.decode_stack(f.float()) for f in feats]
            lam = (self.loss_module.adaptive_lambda(stacks[-1]['mask'], stacks[-1]['coords'],
                                                    labels) if self.adaptive_lambda else None)
            w_adl, w_edge, w_point = self.loss_weights
            losses = dict(loss_adl=0., loss_edge=0., loss_point=0.)
            for f, out in zip(self.stack_weights, stacks):
                losses['loss_adl'] += f * w_adl * self.loss_module(out['coords'], labels, lam,
                                                                   weights)
                losses['loss_edge'] += f * w_edge * self.edge_loss(out['edgemaps'], edge_t)
                losses['loss_point'] += f * w_point * self.point_loss(out['pointmaps'], point_t)
        bad = [name for name, value in losses.items() if not torch.isfinite(value)]
        if bad:
            ids = [f"{d.metainfo.get('img_path')} (id {d.metainfo.get('id')})"
                   for d in batch_data_samples]
            raise FloatingPointError(f'non-finite {bad} before the optimizer step; the batch '
                                     f'held {ids}. Lower the learning rate or check these '
                                     'samples.')
        with torch.no_grad():
            err = (self.decoder.denormalize(stacks[-1]['coords'])
                   - self.decoder.denormalize(labels))
            losses['err_px'] = err.norm(dim=-1).mean()
        return losses
