"""The command lines of ``tools/train.py`` / ``tools/test.py``: their shared options, the config
they prepare from them, and the Runner call under safe checkpoint loading."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from adnet_mmpose.utils.checkpoint import UntrustedCheckpointError, checkpoint_loading


def add_runner_args(p: argparse.ArgumentParser, overrides_example: str) -> None:
    """The options both entry points share and :func:`prepare_cfg` consumes: ``--work-dir``,
    ``--device``, ``--cfg-options``, ``--launcher``, ``--local-rank``; and
    ``--trust-checkpoint`` for :func:`~adnet_mmpose.utils.checkpoint.checkpoint_loading`."""
    p.add_argument('--work-dir', help='logs, checkpoints and metrics (default: '
                   'work_dirs/<config name>)')
    p.add_argument('--device', help="'cpu', 'cuda' or 'cuda:N' (default: CUDA when available)")
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help=f'override config entries, e.g. {overrides_example}')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0)
    p.add_argument('--trust-checkpoint', action='store_true', help='load checkpoints that need '
                   'full unpickling (it can run code: only files you trust); by default only '
                   'weights-only checkpoints load, as mmengine and mmpose write them')


def parse_runner_args(p: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse, exporting ``LOCAL_RANK`` for the launcher as MMEngine expects."""
    args = p.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def _device(name):
    import torch
    if name in (None, 'cpu') or not name.startswith('cuda'):
        if name not in (None, 'cpu'):
            raise SystemExit(f"--device must be 'cpu', 'cuda' or 'cuda:N', got {name!r}")
        return 'cuda' if name is None and torch.cuda.is_available() else 'cpu'
    if not torch.cuda.is_available():
        raise SystemExit(f'--device {name}: CUDA is not available here '
                         '(torch.cuda.is_available() is False); use --device cpu')
    if ':' in name:
        torch.cuda.set_device(int(name.split(':')[1]))
    return 'cuda'


def _init_cpu_process_group():
    """Join torchrun's process group with gloo ourselves: mmengine 0.10.7's pytorch launcher
    always calls ``torch.cuda.set_device``, which fails without CUDA. The Runner then finds
    the group initialised and uses it."""
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def _amp(cfg, device):
    """``--amp``: on CUDA mmengine's ``AmpOptimWrapper`` (bf16 where the GPU has it, else fp16
    with dynamic loss scaling); on the CPU :class:`BF16AutocastOptimWrapper` (bf16 where the
    CPU computes it natively, else fp32, logged)."""
    from adnet_mmpose.engine.optim_wrappers.bf16_autocast_optim_wrapper import native_bf16
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper', 'BF16AutocastOptimWrapper'):
        raise SystemExit(f'--amp works with OptimWrapper configs, not {wrapper}')
    if device != 'cuda':
        cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
        for key in ('dtype', 'loss_scale'):
            cfg.optim_wrapper.pop(key, None)
        return
    if wrapper == 'BF16AutocastOptimWrapper':
        return
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    if native_bf16('cuda'):
        cfg.optim_wrapper.setdefault('dtype', 'bfloat16')
    else:
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def _check_data(cfg, drop: bool):
    """Run the pre-flight annotation check (:mod:`adnet_mmpose.datasets.check`) on rank 0;
    stop with every problem listed, or drop the bad training samples (validation problems
    always stop: dropping would change the metric). With ``drop``, the other ranks wait for
    rank 0's cached result and point their config at the same filtered files."""
    from adnet_mmpose.datasets.check import check_dataset_cfg
    rank = int(os.environ.get('RANK', '0'))
    if rank != 0 and not drop:
        return
    problems = []
    for split in ('train_dataloader', 'val_dataloader'):
        loader = cfg.get(split)
        if not loader:
            continue
        drop_to = None
        if drop and split == 'train_dataloader':
            drop_to = osp.join(cfg.work_dir, 'data_check')
            os.makedirs(drop_to, exist_ok=True)
        found = check_dataset_cfg(loader.dataset, drop_to=drop_to, name=split,
                                  wait=3600. if rank else 0.)
        if drop_to is None:
            problems += found
    if problems and rank == 0:
        lines = '\n  - '.join(str(p) for p in problems)
        raise SystemExit(f'Data check: {len(problems)} problem(s) found before training:\n'
                         f'  - {lines}\nFix these annotations, or pass --drop-bad-samples to '
                         'train without the bad training samples (--skip-data-check skips '
                         'this check).')


def prepare_cfg(cfg: Config, args, mode: str = 'train') -> Config:
    """Work dir, device, launcher and backend, resume / checkpoint, AMP, validation, overrides.

    ``args`` has ``config``, ``work_dir``, ``device``, ``launcher``, ``cfg_options`` and, for
    ``mode='train'``, ``resume``, ``amp``, ``no_validate``, ``auto_scale_lr``,
    ``skip_data_check``, ``drop_bad_samples`` (see :mod:`adnet_mmpose.datasets.check`); for
    ``mode='test'``, ``checkpoint``. On the CPU the distributed backend is gloo. Run the
    Runner with :func:`run_safely` so that its ``load_from`` / ``resume`` follow the safe
    checkpoint rules.
    """
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    device = _device(args.device)
    if device == 'cpu':
        if cfg.get('sync_bn') and args.launcher != 'none':
            print_log("sync_bn: torch's SyncBatchNorm needs CUDA; on the CPU each process keeps "
                      'its own BatchNorm statistics (SyncBuffersHook, if configured, averages '
                      'them at every epoch end)', logger='current', level=30)
        cfg.sync_bn = None
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        if args.launcher == 'pytorch':
            _init_cpu_process_group()
            # mmengine passes device_ids=[LOCAL_RANK] to DDP, which is for GPU modules only
            cfg.setdefault('model_wrapper_cfg', dict(type='MMDistributedDataParallel',
                                                     broadcast_buffers=False))
            cfg.model_wrapper_cfg['device_ids'] = None
    if mode == 'train':
        if args.no_validate:
            cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        if args.amp:
            _amp(cfg, device)
        if args.resume == 'auto':
            cfg.resume, cfg.load_from = True, None
        elif args.resume is not None:
            cfg.resume, cfg.load_from = True, args.resume
        if args.auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        if not args.skip_data_check:
            _check_data(cfg, args.drop_bad_samples)
    else:
        # a config dumped by a resumed training says resume=True: testing must load the given
        # checkpoint, not resume (which would also restore the training's MessageHub, e.g. the
        # validation split's annotation file in place of the test split's)
        cfg.load_from, cfg.resume = args.checkpoint, False
    return cfg


def run_safely(run, trust_checkpoint: bool) -> None:
    """Call ``run`` (e.g. ``runner.train``) under
    :func:`~adnet_mmpose.utils.checkpoint.checkpoint_loading`, so that ``load_from`` / ``resume``
    follow the safe checkpoint rules; a refused checkpoint ends the command with its message."""
    with checkpoint_loading(trust_checkpoint):
        try:
            run()
        except UntrustedCheckpointError as e:
            raise SystemExit(f'error: {e}') from None
