"""Fast fixed-batch landmark inference: eager, ``torch.compile`` or a captured CUDA graph.

Requests this device cannot serve are handled as follows (and never by a deep traceback):

* ``mode='cuda_graph'`` or ``dtype='bf16'`` on a CPU, or ``dtype='bf16'`` on a GPU without
  native bf16 (pre-Ampere): :class:`ValueError` naming the option (bf16 would be emulated and
  slower there; CUDA graphs do not exist on a CPU).
* ``mode='compile'`` where ``torch.compile`` fails (no C++ compiler for inductor, an
  unsupported backend, ...): a logged warning, then eager; the reason is kept in
  :attr:`FastLandmarkModel.fallback_reason`.
"""
import logging
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import Tensor

MODES = ('eager', 'compile', 'cuda_graph')
DTYPES = ('fp32', 'bf16')


def bf16_supported(device=None) -> bool:
    """Native bf16 on a CUDA device (the current one by default; emulation does not count)."""
    if not torch.cuda.is_available():
        return False
    with torch.cuda.device(device):
        return torch.cuda.is_bf16_supported(including_emulation=False)


def check_request(mode: str, dtype: str, device: torch.device) -> None:
    """Raise :class:`ValueError` for a mode / dtype that ``device`` cannot run."""
    if mode not in MODES:
        raise ValueError(f'mode={mode!r}: choose one of {MODES}')
    if dtype not in DTYPES:
        raise ValueError(f'dtype={dtype!r}: choose one of {DTYPES}')
    if device.type != 'cuda':
        if mode == 'cuda_graph':
            raise ValueError(f"mode='cuda_graph' needs a CUDA device, the model is on {device}; "
                             "use mode='eager' or 'compile' on the CPU")
        if dtype == 'bf16':
            raise ValueError(f"dtype='bf16' (autocast) needs a CUDA device, the model is on "
                             f"{device}; use dtype='fp32' on the CPU")
    elif dtype == 'bf16' and not bf16_supported(device):
        raise ValueError(f"dtype='bf16': {torch.cuda.get_device_name(device)} has no native "
                         "bf16 (needs compute capability >= 8.0); use dtype='fp32'")


class FastLandmarkModel:
    """Final-stack landmarks and scores of an ADNet pose model at fixed batch sizes.

    Computes ``model.head.forward_with_scores(model.extract_feat(x))`` on normalised crops. The
    backbone runs under bf16 autocast when ``dtype='bf16'``; the head (AAM, soft-argmax) always
    runs in fp32 on the last stack's maps. ``compile`` and ``cuda_graph`` prepare one graph per
    entry of ``batch_size`` at construction (warm-up, compilation or capture); a call with B
    faces is padded up to the smallest prepared size >= B, or split into chunks of the largest.
    ``eager`` runs any batch as it comes.

    Args:
        model: a ``TopdownPoseEstimator`` with :class:`ADNetHead` (any module with
            ``extract_feat`` and a head with ``decode_stack`` and a ``decoder``), on its target
            device. It is put in eval mode; with ``channels_last`` its weights are converted in
            place.
        mode: ``'eager'``, ``'compile'`` (``torch.compile``) or ``'cuda_graph'`` (manual
            ``torch.cuda.CUDAGraph`` capture of the eager forward; CUDA only).
        batch_size: the fixed batch size(s) to prepare.
        dtype: ``'fp32'`` or ``'bf16'`` (autocast, CUDA with native bf16 only).
        channels_last: run convolutions in NHWC memory format.
        compile_options: keyword arguments of ``torch.compile`` (e.g. ``dict(mode=
            'reduce-overhead')`` for torch's own CUDA graphs over compiled kernels). Each
            (batch size, dtype) is one compiled graph; torch caps them per process at
            ``torch._dynamo.config.recompile_limit`` (8).
        warmup: forward passes before capture (and after compilation).

    Call with ``x``: (B, 3, H, W) float tensor normalised as the data preprocessor does, H×W the
    head's input size. Returns landmarks (B, K, 2) in input-crop pixels and scores (B, K), fp32,
    on the model's device.
    """

    def __init__(self, model: torch.nn.Module, mode: str = 'eager',
                 batch_size: Union[int, Sequence[int]] = 1, dtype: str = 'fp32',
                 channels_last: bool = False, compile_options: Optional[dict] = None,
                 warmup: int = 3):
        head = getattr(model, 'head', None)
        if not (hasattr(model, 'extract_feat') and hasattr(head, 'decode_stack')
                and hasattr(head, 'decoder')):
            raise TypeError('FastLandmarkModel needs a pose model with extract_feat and an '
                            f'ADNetHead (decode_stack, decoder), got {type(model).__name__}')
        self.device = next(model.parameters()).device
        check_request(mode, dtype, self.device)
        sizes = sorted({int(b) for b in ([batch_size] if isinstance(batch_size, int)
                                          else batch_size)})
        if not sizes or sizes[0] < 1:
            raise ValueError(f'batch_size must be positive integers, got {batch_size!r}')
        self.model = model.eval()
        self.mode, self.dtype, self.batch_sizes = mode, dtype, tuple(sizes)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        w, h = model.head.input_size
        self.input_shape = (3, h, w)
        self.fallback_reason: Optional[str] = None
        self._run = self._forward
        self._graphs = {}
        if mode == 'compile':
            self._compile(compile_options or {}, warmup)
        elif mode == 'cuda_graph':
            pool = torch.cuda.graph_pool_handle()
            for n in sizes:
                self._graphs[n] = self._capture(n, warmup, pool)

    def _forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Backbone (autocast when bf16), then the head's fp32 AAM + soft-argmax on the last
        stack: normalised coordinates (B, K, 2) and scores (B, K).

        ``head.forward_with_scores`` is the decoder's ``denormalize`` of the same; that builds
        tensors from host values, which a CUDA graph cannot capture, so :meth:`__call__`
        applies it.
        """
        with torch.autocast(self.device.type, dtype=torch.bfloat16,
                            enabled=self.dtype == 'bf16', cache_enabled=False):
            last = self.model.extract_feat(x)[-1]
        out = self.model.head.decode_stack(last.float())
        return out['coords'], out['scores']

    def _blank(self, n: int) -> Tensor:
        return torch.zeros((n, ) + self.input_shape, device=self.device).contiguous(
            memory_format=self.memory_format)

    def _compile(self, options: dict, warmup: int) -> None:
        """Compile and warm up every batch size; on failure warn and stay eager."""
        try:
            self._run = torch.compile(self._forward, dynamic=False, **options)
            with torch.no_grad():
                for n in self.batch_sizes:
                    for _ in range(max(1, warmup)):
                        self._step(self._blank(n))
        except Exception as exc:  # any compiler failure: documented fallback to eager
            self.fallback_reason = f'{type(exc).__name__}: {str(exc).strip().splitlines()[0]}'
            self.mode, self._run = 'eager', self._forward
            print_log(f'FastLandmarkModel: torch.compile failed ({self.fallback_reason}); '
                      'running eager instead', logger='current', level=logging.WARNING)

    def _capture(self, n: int, warmup: int, pool) -> Tuple[torch.cuda.CUDAGraph, Tensor, tuple]:
        """Warm up on a side stream, then capture the forward of an n-face static input."""
        static = self._blank(n)
        stream = torch.cuda.Stream(self.device)
        stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.no_grad():
            with torch.cuda.stream(stream):
                for _ in range(max(1, warmup)):
                    self._forward(static)
            torch.cuda.current_stream(self.device).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=pool, capture_error_mode='thread_local'):
                outputs = self._forward(static)
        return graph, static, outputs

    def _step(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """One prepared batch (x has a prepared size, or any size in eager mode)."""
        if self._graphs:
            graph, static, outputs = self._graphs[x.shape[0]]
            static.copy_(x)
            graph.replay()
            return tuple(o.clone() for o in outputs)
        if self.mode == 'eager':
            return self._forward(x)
        if self.device.type == 'cuda':  # outputs of compile_options mode='reduce-overhead'
            torch.compiler.cudagraph_mark_step_begin()  # are reused by the next call: copy
        return tuple(o.clone() for o in self._run(x))

    def __call__(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape or not x.is_floating_point():
            c, h, w = self.input_shape
            raise ValueError(f'FastLandmarkModel expects a float (B, {c}, {h}, {w}) normalised '
                             f'batch, got {x.dtype} {tuple(x.shape)}')
        x = x.to(self.device, torch.float32, non_blocking=True).contiguous(
            memory_format=self.memory_format)
        with torch.no_grad():
            if self.mode == 'eager':
                coords, scores = self._step(x)
            else:
                outs = []
                for chunk in x.split(self.batch_sizes[-1]):
                    n = len(chunk)
                    size = next(b for b in self.batch_sizes if b >= n)
                    if size > n:
                        chunk = torch.cat([chunk, self._blank(size - n)])
                    outs.append([o[:n] for o in self._step(chunk)])
                coords, scores = (torch.cat(parts) for parts in zip(*outs))
            return self.model.head.decoder.denormalize(coords), scores
