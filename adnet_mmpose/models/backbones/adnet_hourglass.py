"""ADNet's stacked hourglass with CoordConv and inter-stack merging."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.registry import MODELS


class ConvBlock(nn.Module):
    """Conv (always with bias) → optional BN → optional ReLU."""

    def __init__(self, cin, cout, k=1, stride=1, bn=False, relu=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, padding=(k - 1) // 2, bias=True)
        self.bn = nn.BatchNorm2d(cout) if bn else None
        self.relu = relu

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class ResBlock(nn.Module):
    """Pre-activation bottleneck (mid = cout/2); a 1×1 skip conv only when cin ≠ cout.

    The official block also builds an unused skip conv when cin = cout (docs/fidelity.md); it is
    not built here, and the checkpoint converter drops it.
    """

    def __init__(self, cin, cout):
        super().__init__()
        mid = cout // 2
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = ConvBlock(cin, mid, 1)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv2 = ConvBlock(mid, mid, 3)
        self.bn3 = nn.BatchNorm2d(mid)
        self.conv3 = ConvBlock(mid, cout, 1)
        self.skip_layer = ConvBlock(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        skip = x if self.skip_layer is None else self.skip_layer(x)
        return out + skip


class CoordConv(ConvBlock):
    """Append row, column and radius planes (and optionally masked row/column planes), then
    the :class:`ConvBlock`.

    Args:
        size: (h, w) of the feature map; the coordinate planes are fixed buffers.
        with_boundary: append ``row·[b>0.05]`` and ``col·[b>0.05]`` computed from a
            (B, h, w) map ``b`` (in ADNet ``b`` is the previous
            stack's last landmark heatmap, not a boundary).
    """

    def __init__(self, cin, cout, size, k=1, stride=1, bn=False, relu=False,
                 with_boundary=False):
        super().__init__(cin + (5 if with_boundary else 3), cout, k, stride, bn, relu)
        h, w = size
        rows = (torch.arange(h, dtype=torch.float32) / (h - 1) * 2 - 1)[:, None].expand(h, w)
        cols = (torch.arange(w, dtype=torch.float32) / (w - 1) * 2 - 1)[None, :].expand(h, w)
        rr = torch.sqrt(rows ** 2 + cols ** 2)
        self.register_buffer('coords', torch.stack([rows, cols, rr / rr.max()])[None],
                             persistent=False)
        self.with_boundary = with_boundary

    def forward(self, x, boundary=None):
        if x.shape[-2:] != self.coords.shape[-2:]:
            raise ValueError(f'ADNetHourglass was built for feature maps of '
                             f'{tuple(self.coords.shape[-2:])} but got {tuple(x.shape[-2:])}: '
                             'set input_size in the backbone config to the data input size')
        coords = self.coords.expand(x.shape[0], -1, -1, -1).to(x.dtype)
        parts = [x, coords]
        if self.with_boundary:
            mask = (boundary.clamp(0, 1) > 0.05).unsqueeze(1).to(x.dtype)
            parts.append(coords[:, :2] * mask)
        return super().forward(torch.cat(parts, 1))


class Hourglass(nn.Module):
    """Recursive hourglass of ``depth`` levels; the top level starts with a CoordConv."""

    def __init__(self, depth, channels, size=None, with_boundary=False):
        super().__init__()
        self.coordconv = (CoordConv(channels, channels, size, with_boundary=with_boundary)
                          if size is not None else None)
        self.up1 = ResBlock(channels, channels)
        self.low1 = ResBlock(channels, channels)
        self.low2 = (Hourglass(depth - 1, channels) if depth > 1 else
                     ResBlock(channels, channels))
        self.low3 = ResBlock(channels, channels)

    def forward(self, x, boundary=None):
        if self.coordconv is not None:
            x = self.coordconv(x, boundary)
        low = self.low3(self.low2(self.low1(F.max_pool2d(x, 2, 2))))
        return self.up1(x) + F.interpolate(low, scale_factor=2, mode='nearest')


@MODELS.register_module()
class ADNetHourglass(BaseBackbone):
    """ADNet network body: stem, stacked hourglasses with CoordConv, per-stack heatmap /
    edge-map / point-map convolutions and inter-stack merging.

    The per-stack maps are produced here because the next stack consumes them (merging and
    the CoordConv mask); :class:`ADNetHead` applies the AAM and decodes them.

    Args:
        num_keypoints (int): K landmarks.
        num_boundaries (int): E boundary groups.
        num_stacks (int): S hourglasses (paper: 4).
        depth (int): hourglass levels (paper: 4).
        channels (int): feature width (paper: 256).
        input_size (tuple): (w, h) of the network input (paper: 256×256); maps are input/4.
        boundary_channel (int): heatmap channel that masks the next CoordConv (official: the
            last landmark, -1).
        norm_eval (bool): keep BatchNorm in eval mode while training (frozen statistics, e.g.
            to fine-tune with small per-GPU batches).

    Returns from ``forward``: a tuple of S tensors, each B×(K+E+K)×h×w = [heatmaps (instance
    norm + ReLU), edge maps (sigmoid), point maps (sigmoid)] of that stack.
    """

    def __init__(self, num_keypoints: int, num_boundaries: int, num_stacks: int = 4,
                 depth: int = 4, channels: int = 256,
                 input_size: Sequence[int] = (256, 256), boundary_channel: int = -1,
                 norm_eval: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        self.norm_eval = norm_eval
        w, h = input_size
        if h % 4 or w % 4 or (h // 4) % (2 ** depth) or (w // 4) % (2 ** depth):
            raise ValueError(f'input_size {tuple(input_size)} must be a multiple of '
                             f'{4 * 2 ** depth} for depth {depth}')
        self.num_keypoints, self.num_boundaries = num_keypoints, num_boundaries
        self.num_stacks, self.boundary_channel = num_stacks, boundary_channel
        map_size = (h // 4, w // 4)
        self.pre = nn.Sequential(
            CoordConv(3, 64, (h, w), k=7, stride=2, bn=True, relu=True),
            ResBlock(64, 128), nn.MaxPool2d(2, 2), ResBlock(128, 128), ResBlock(128, channels))
        self.hgs = nn.ModuleList(
            Hourglass(depth, channels, map_size, with_boundary=s > 0) for s in range(num_stacks))
        self.features = nn.ModuleList(
            nn.Sequential(ResBlock(channels, channels),
                          ConvBlock(channels, channels, 1, bn=True, relu=True))
            for _ in range(num_stacks))

        self.out_heatmaps = nn.ModuleList(
            ConvBlock(channels, num_keypoints) for _ in range(num_stacks))
        self.out_edgemaps = nn.ModuleList(
            ConvBlock(channels, num_boundaries) for _ in range(num_stacks))
        self.out_pointmaps = nn.ModuleList(
            ConvBlock(channels, num_keypoints) for _ in range(num_stacks))
        self.merge_features = nn.ModuleList(
            ConvBlock(channels, channels) for _ in range(num_stacks - 1))
        self.merge_heatmaps = nn.ModuleList(
            ConvBlock(num_keypoints, channels) for _ in range(num_stacks - 1))
        self.merge_edgemaps = nn.ModuleList(
            ConvBlock(num_boundaries, channels) for _ in range(num_stacks - 1))
        self.merge_pointmaps = nn.ModuleList(
            ConvBlock(num_keypoints, channels) for _ in range(num_stacks - 1))

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.pre[0](x)
        for block in self.pre[1:]:
            x = block(x)
        outs, heat = [], None
        for s in range(self.num_stacks):
            boundary = None if heat is None else heat[:, self.boundary_channel]
            feature = self.features[s](self.hgs[s](x, boundary))
            heat = F.relu(F.instance_norm(self.out_heatmaps[s](feature), eps=1e-5))
            edge = torch.sigmoid(self.out_edgemaps[s](feature))
            point = torch.sigmoid(self.out_pointmaps[s](feature))
            outs.append(torch.cat([heat, edge, point], 1))
            if s < self.num_stacks - 1:
                x = (x + self.merge_features[s](feature) + self.merge_heatmaps[s](heat)
                     + self.merge_edgemaps[s](edge) + self.merge_pointmaps[s](point))
        return tuple(outs)
