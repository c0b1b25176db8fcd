"""MTCNN face detection (Zhang et al., 2016) with the weights shipped in the PyPI package
``facenet-pytorch`` 2.6.0 (MIT): P-, R- and O-net cascade in torch (the networks run by ONNX
Runtime on a CPU), offline.

Only the weight files ``facenet_pytorch/data/{p,r,o}net.pt`` of that package are used (plain
state dicts, loaded with ``torch.load(weights_only=True)``); its code is not imported (its
metadata pins torch < 2.3 / numpy < 2 and its package imports ``requests``). Install it with
``pip install --no-deps facenet-pytorch==2.6.0`` (``make install`` does).

The networks and the cascade follow that package's ``detect_face`` (RGB input scaled to
[-1, 1], a pyramid of factor 0.709 down to 12-pixel faces, per-stage NMS, box regression,
square boxes between stages, "Min" NMS after the last stage).
"""
import importlib.util
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor, nn
from torchvision.ops import nms

from .base import BoxCalibration, FaceDetector

WEIGHTS_PACKAGE = 'facenet-pytorch==2.6.0'


def mtcnn_weights_dir() -> str:
    """``facenet_pytorch/data`` of the installed package (found without importing it).

    Raises:
        FileNotFoundError: the package is not installed, with the install command.
    """
    spec = importlib.util.find_spec('facenet_pytorch')
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        if osp.isfile(osp.join(root, 'data', 'onet.pt')):
            return osp.join(root, 'data')
    raise FileNotFoundError(
        'the MTCNN face detector needs the weights of the PyPI package facenet-pytorch: '
        f'pip install --no-deps {WEIGHTS_PACKAGE} (or pass weights_dir=<folder with '
        'pnet.pt, rnet.pt, onet.pt>)')


class _TFFlatten(nn.Module):
    """(B, C, H, W) → (B, W·H·C) in the TensorFlow order the dense layers were trained with."""

    def forward(self, x: Tensor) -> Tensor:
        return x.permute(0, 3, 2, 1).flatten(1)


class PNet(nn.Module):
    """Proposal net, fully convolutional: (B, 3, H, W) → box offsets (B, 4, h, w) and face
    probabilities (B, 2, h, w) on a stride-2 grid of 12-pixel windows."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Conv2d(32, 4, 1)

    def forward(self, x: Tensor):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), self.conv4_1(x).softmax(1)


class RNet(nn.Module):
    """Refinement net: (B, 3, 24, 24) → box offsets (B, 4) and face probabilities (B, 2)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.flatten = _TFFlatten()
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1, self.dense5_2 = nn.Linear(128, 2), nn.Linear(128, 4)

    def forward(self, x: Tensor):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.prelu3(self.conv3(self.pool2(self.prelu2(self.conv2(x)))))
        x = self.prelu4(self.dense4(self.flatten(x)))
        return self.dense5_2(x), self.dense5_1(x).softmax(1)


class ONet(nn.Module):
    """Output net: (B, 3, 48, 48) → box offsets (B, 4) and face probabilities (B, 2)
    (its five-point landmark output is not used)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.flatten = _TFFlatten()
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2 = nn.Linear(256, 2), nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: Tensor):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu5(self.dense5(self.flatten(self.prelu4(self.conv4(x)))))
        return self.dense6_2(x), self.dense6_1(x).softmax(1)


def _square(boxes: Tensor) -> Tensor:
    """(N, ≥4) boxes → squares of side max(w, h) with the same centres (in place)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = torch.maximum(w, h)
    boxes[:, 0] += (w - side) / 2
    boxes[:, 1] += (h - side) / 2
    boxes[:, 2:4] = boxes[:, :2] + side[:, None]
    return boxes


def _regress(boxes: Tensor, offsets: Tensor) -> Tensor:
    """Apply (N, 4) offsets, in units of the (inclusive-pixel) box size, to (N, ≥4) boxes."""
    size = (boxes[:, 2:4] - boxes[:, :2] + 1).repeat(1, 2)
    boxes[:, :4] = boxes[:, :4] + offsets * size
    return boxes


def _normalised(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 → float32 scaled to [-1, 1], as the networks were trained."""
    return (rgb.astype(np.float32) - 127.5) * 0.0078125


def _area_bounds(lo: np.ndarray, hi: np.ndarray, size: int):
    """Per output sample i of the (N,) ranges [lo, hi) split into ``size`` area-interpolation
    cells: the first and one-past-last input index, each (N, size)."""
    n, i = (hi - lo)[:, None], np.arange(size)
    return lo[:, None] + i * n // size, lo[:, None] - (-(i + 1) * n // size)


def _nms_min(boxes: Tensor, scores: Tensor, thr: float) -> Tensor:
    """Greedy NMS with overlap = intersection / smaller area (indices, best first)."""
    order = scores.argsort(descending=True)
    area = (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)
    keep = []
    while len(order):
        i, rest = order[0], order[1:]
        keep.append(int(i))
        wh = (torch.minimum(boxes[i, 2:4], boxes[rest, 2:4])
              - torch.maximum(boxes[i, :2], boxes[rest, :2]) + 1).clamp(min=0)
        overlap = wh.prod(1) / torch.minimum(area[i], area[rest])
        order = rest[overlap <= thr]
    return torch.as_tensor(keep, dtype=torch.long)


class OnnxRuntimeNet:
    """One of the three networks run by ONNX Runtime (on a CPU about 2-7× faster than torch
    for these small layers, same outputs within 2e-6): exported in memory from the torch module
    when built, called like it on a CPU tensor, returning (offsets, probabilities) tensors."""

    def __init__(self, net: nn.Module, size: Optional[int], threads: Optional[int] = None):
        import io

        import onnxruntime as ort

        from ..runtime.backends.onnxruntime import session_options
        axes = {0: 'batch'} if size else {0: 'batch', 2: 'height', 3: 'width'}
        buffer = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(net, torch.zeros(1, 3, size or 24, size or 24), buffer,
                              dynamo=False, input_names=['x'], output_names=['offsets', 'probs'],
                              dynamic_axes={'x': axes}, opset_version=13)
        self.session = ort.InferenceSession(buffer.getvalue(), session_options(threads),
                                            providers=['CPUExecutionProvider'])

    def __call__(self, x: Tensor):
        offsets, probs = self.session.run(None, {'x': x.numpy()})
        return torch.from_numpy(offsets), torch.from_numpy(probs)


class MTCNN(nn.Module):
    """The three-stage cascade on one image.

    Faster than the reference ``detect_face`` on a CPU, same cascade: the pyramid levels are
    resized with OpenCV's area interpolation on the uint8 image (not torch's on a float copy;
    the R- and O-net crops still are), the networks can run with ONNX Runtime
    (:meth:`use_onnxruntime`), and the pyramid starts at the smallest face searched, which
    may be set relative to the picture (``min_face_ratio``: at 0.05 a 1280×720 frame is
    searched from 36-pixel faces, not 20).

    Args:
        weights_dir: folder with ``pnet.pt``, ``rnet.pt``, ``onet.pt`` (default: the installed
            facenet-pytorch's ``data`` folder, :func:`mtcnn_weights_dir`).
        min_face_size: smallest face side searched, in pixels.
        min_face_ratio: smallest face side searched as a fraction of the picture's shorter
            side (the larger of the two minimums applies; 0: pixels only).
        thresholds: face-probability thresholds of the three stages.
        factor: pyramid scale step.
    """

    def __init__(self, weights_dir: Optional[str] = None, min_face_size: float = 20.,
                 min_face_ratio: float = 0., thresholds: Sequence[float] = (0.6, 0.7, 0.7),
                 factor: float = 0.709):
        super().__init__()
        if not 0 <= min_face_ratio < 1:
            raise ValueError(f'min_face_ratio={min_face_ratio}: must be in [0, 1)')
        root = weights_dir or mtcnn_weights_dir()
        self.pnet, self.rnet, self.onet = PNet(), RNet(), ONet()
        for name in ('pnet', 'rnet', 'onet'):
            path = osp.join(root, f'{name}.pt')
            if not osp.isfile(path):
                raise FileNotFoundError(f'MTCNN weights {path} do not exist')
            state = torch.load(path, map_location='cpu', weights_only=True)
            getattr(self, name).load_state_dict(state, strict=True)
        self.min_face_size, self.min_face_ratio = min_face_size, min_face_ratio
        self.thresholds, self.factor = thresholds, factor
        self.nets = dict(pnet=self.pnet, rnet=self.rnet, onet=self.onet)
        self.eval()

    def use_onnxruntime(self, threads: Optional[int] = None) -> 'MTCNN':
        """Run the three networks with ONNX Runtime on the CPU (:class:`OnnxRuntimeNet`)."""
        if self.device.type != 'cpu':
            raise ValueError(f'ONNX Runtime runs the MTCNN networks on the CPU, they are on '
                             f'{self.device}')
        self.nets = dict(pnet=OnnxRuntimeNet(self.pnet, None, threads),
                         rnet=OnnxRuntimeNet(self.rnet, 24, threads),
                         onet=OnnxRuntimeNet(self.onet, 48, threads))
        return self

    @property
    def device(self) -> torch.device:
        return self.pnet.conv1.weight.device

    def _tensor(self, rgb: np.ndarray) -> Tensor:
        """(H, W, 3) uint8 → (1, 3, H, W) float on the device, scaled to [-1, 1]."""
        return torch.from_numpy(_normalised(rgb).transpose(2, 0, 1)[None].copy()).to(self.device)

    def _proposals(self, rgb: np.ndarray) -> Tensor:
        """P-net over the pyramid of the (H, W, 3) image: (N, 5) square boxes and scores."""
        h, w = rgb.shape[:2]
        scale = 12. / max(self.min_face_size, self.min_face_ratio * min(h, w))
        found = []
        while min(h, w) * scale >= 12:
            level = cv2.resize(rgb, (int(w * scale + 1), int(h * scale + 1)),
                               interpolation=cv2.INTER_AREA)
            offsets, probs = self.nets['pnet'](self._tensor(level))
            prob = probs[0, 1]
            ys, xs = torch.nonzero(prob >= self.thresholds[0], as_tuple=True)
            grid = torch.stack([xs, ys], 1).float()
            boxes = torch.cat([((2 * grid + 1) / scale).floor(), ((2 * grid + 12) / scale).floor(),
                               prob[ys, xs, None], offsets[0, :, ys, xs].T], 1)
            found.append(boxes[nms(boxes[:, :4], boxes[:, 4], 0.5)])
            scale *= self.factor
        if not found:
            return torch.zeros((0, 5), device=self.device)
        boxes = torch.cat(found)
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
        size = (boxes[:, 2:4] - boxes[:, :2]).repeat(1, 2)
        return _square(torch.cat([boxes[:, :4] + boxes[:, 5:9] * size, boxes[:, 4:5]], 1))

    @staticmethod
    def _in_image(boxes: Tensor, h: int, w: int):
        """The pixel columns x1 .. x2 − 1 and rows y1 .. y2 − 1 of each (N, ≥4) box inside an
        H×W image, as the reference cascade cuts them: four (N,) integer arrays."""
        b = boxes[:, :4].trunc().long().cpu().numpy()
        return (np.maximum(b[:, 0], 1) - 1, np.maximum(b[:, 1], 1) - 1,
                np.minimum(b[:, 2], w), np.minimum(b[:, 3], h))

    def _crops(self, integral: np.ndarray, x1, y1, x2, y2, size: int) -> Tensor:
        """Each (N,) pixel range (:meth:`_in_image`) resized to size×size with area
        interpolation (torch's ``interpolate(mode='area')``: output pixel i averages input
        rows floor(i·h/size) .. ceil((i+1)·h/size) − 1, and so for columns), all crops at once
        from the (H + 1, W + 1, 3) float64 integral of the normalised image:
        (N, 3, size, size)."""
        stride = integral.shape[1]
        ys, ye = _area_bounds(y1, y2, size)
        xs, xe = _area_bounds(x1, x2, size)
        area = (ye - ys)[:, :, None] * (xe - xs)[:, None]                      # (N, s, s)
        ys, ye = ys[:, :, None] * stride, ye[:, :, None] * stride
        xs, xe = xs[:, None], xe[:, None]
        acc = integral.reshape(-1, 3)
        corner = lambda y, x: acc.take(y + x, axis=0)                         # noqa: E731
        total = corner(ye, xe) - corner(ys, xe) - corner(ye, xs) + corner(ys, xs)  # (N, s, s, 3)
        out = (total / area[..., None]).astype(np.float32).transpose(0, 3, 1, 2)
        return torch.from_numpy(np.ascontiguousarray(out)).to(self.device)

    def _score(self, net: str, integral: np.ndarray, boxes: Tensor, size: int, thr: float):
        """R- or O-net on the boxes' crops (:meth:`_crops`) of the boxes with pixels inside
        the image: the boxes scoring above ``thr`` with their probability (N, 5) and box
        offsets (N, 4)."""
        x1, y1, x2, y2 = self._in_image(boxes, integral.shape[0] - 1, integral.shape[1] - 1)
        inside = (x2 > x1) & (y2 > y1)
        boxes = boxes[torch.from_numpy(inside).to(boxes.device)]
        if not len(boxes):
            return boxes.new_zeros((0, 5)), boxes.new_zeros((0, 4))
        crops = self._crops(integral, x1[inside], y1[inside], x2[inside], y2[inside], size)
        offsets, probs = self.nets[net](crops)
        keep = probs[:, 1] > thr
        return torch.cat([boxes[keep, :4], probs[keep, 1:2]], 1), offsets[keep]

    @torch.no_grad()
    def forward(self, rgb: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 RGB image → (N, 5) float32 ``x1, y1, x2, y2, probability``."""
        boxes = self._proposals(np.ascontiguousarray(rgb))
        if len(boxes):
            integral = cv2.integral(_normalised(rgb), sdepth=cv2.CV_64F)
            boxes, offsets = self._score('rnet', integral, boxes, 24, self.thresholds[1])
            keep = nms(boxes[:, :4], boxes[:, 4], 0.7)
            boxes = _square(_regress(boxes[keep], offsets[keep]))
        if len(boxes):
            boxes, offsets = self._score('onet', integral, boxes, 48, self.thresholds[2])
            boxes = _regress(boxes, offsets)
            boxes = boxes[_nms_min(boxes[:, :4], boxes[:, 4], 0.7)]
        return boxes.reshape(-1, 5).cpu().numpy().astype(np.float32)


# Measured on the training fixtures only (afw68 train + helen68_train, 1,170 faces, one per
# crop; never on validation faces) by `python tools/analysis/face_detector_boxes.py fit`:
# MTCNN finds 1,167 of them with IoU >= 0.3 to the annotated box; the medians (IQR) over those
# are scale 0.9154 (0.880 .. 0.952), dx 0.0083 (-0.011 .. 0.027), dy 0.1454 (0.120 .. 0.166):
# MTCNN's box is about 9 % larger than the landmark box and reaches higher up the forehead.
MTCNN_CALIBRATION = BoxCalibration(scale=0.915, dx=0.008, dy=0.145)

# The default smallest face, as a fraction of the picture's shorter side: 36 px in a 1280×720
# frame (dlib's HOG detector, upsampled once as its examples do, finds faces from about 40 px),
# no change below 400-px pictures (20 px applies). Measured on the afw68 val photos (end to end,
# tools/analysis/eval_end_to_end.py): 37/37 faces at 0, 0.05, 0.1 and 0.15; detector-box NME
# 5.61 % at 0 (and so at 0.05 on these ≤ 384-px photos), 5.71 % at 0.1, 5.78 % at 0.15.
MIN_FACE_RATIO = 0.05


class MTCNNFaceDetector(FaceDetector):
    """MTCNN (:class:`MTCNN`) with boxes calibrated to the landmark crops.

    On a CPU the three networks run with ONNX Runtime (:meth:`MTCNN.use_onnxruntime`).

    Args:
        device: torch device of the three small networks.
        threads: ONNX Runtime's intra-op threads on a CPU (default: one per physical core).
        min_size: smallest face side searched and kept, in pixels of the (downscaled)
            detection image.
        min_face_ratio: smallest face side searched, as a fraction of the detection image's
            shorter side (see :class:`MTCNN`).
        thresholds: the cascade's three face-probability thresholds.
        weights_dir: folder with ``pnet.pt``, ``rnet.pt``, ``onet.pt`` (default: the
            installed ``facenet-pytorch`` package).
        score_thr, nms_thr, max_image_size, calibration: see :class:`FaceDetector`.
    """

    def __init__(self, device: str = 'cpu', threads: Optional[int] = None,
                 score_thr: float = 0.9, nms_thr: float = 0.3,
                 min_size: float = 20., min_face_ratio: float = MIN_FACE_RATIO,
                 thresholds: Sequence[float] = (0.6, 0.7, 0.7),
                 max_image_size: Optional[int] = 1600, weights_dir: Optional[str] = None,
                 calibration: BoxCalibration = MTCNN_CALIBRATION):
        super().__init__(score_thr, nms_thr, 0., max_image_size, calibration)
        self.model = MTCNN(weights_dir, min_face_size=min_size, min_face_ratio=min_face_ratio,
                           thresholds=thresholds)
        self.model.to(device)
        if torch.device(device).type == 'cpu':
            self.model.use_onnxruntime(threads)

    def detect_raw(self, img: np.ndarray) -> np.ndarray:
        return self.model(img[..., ::-1])
