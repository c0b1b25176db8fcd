"""The ONNX file of a config + checkpoint, exported once (the ONNX Runtime backend of
:class:`~adnet_mmpose.apis.FaceLandmarker`).

Every file written here records, in its embedded metadata (``source``), the SHA-256 of the
checkpoint and of the parts of the config the graph depends on (model and test pipeline).
The released model's ``.onnx`` ships beside its ``.pth`` as package data, written by
``python tools/deploy/export_released_onnx.py``. :func:`onnx_for` uses a file only while its
record matches the checkpoint and config at hand; any other model, or a checkpoint replaced
after its ``.onnx`` was written, is exported once into the user cache
``$ADNET_MMPOSE_CACHE/onnx/<key>.onnx`` (default ``~/.cache/adnet_mmpose``), keyed by those
hashes, and that file is reused by every later run.
"""
import hashlib
import json
import logging
import os
import os.path as osp
import tempfile
from typing import Optional, Union

from mmengine.config import Config
from mmengine.logging import print_log

#: Where :func:`onnx_for` keeps the files it exports.
CACHE_ENV = 'ADNET_MMPOSE_CACHE'


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _without_locations(value):
    """``value`` with every string that names an existing file (e.g. a ``metainfo``
    ``from_file``) replaced by that file's SHA-256, so the record does not depend on where
    the checkout lies."""
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_locations(v) for v in value]
    if isinstance(value, str) and osp.isfile(value):
        return 'sha256:' + file_sha256(value)
    return value


def source_record(config: Union[str, Config], checkpoint: str) -> dict:
    """``checkpoint_sha256`` and ``config_sha256`` (of the model and test pipeline, as JSON
    with sorted keys, files named in them replaced by their contents' hash) of a model."""
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    part = dict(model=cfg.model.to_dict(),
                pipeline=[dict(t) for t in cfg.test_dataloader.dataset.pipeline])
    text = json.dumps(_without_locations(part), sort_keys=True, default=str)
    return dict(checkpoint_sha256=file_sha256(checkpoint),
                config_sha256=hashlib.sha256(text.encode()).hexdigest())


def cache_dir() -> str:
    return osp.join(os.environ.get(CACHE_ENV) or osp.expanduser('~/.cache/adnet_mmpose'),
                    'onnx')


def export_with_source(config: Union[str, Config], checkpoint: str, out: str,
                       trust_checkpoint: bool = False, record: Optional[dict] = None) -> str:
    """Export ``config`` + ``checkpoint`` (``torch.onnx`` route) to ``out`` with the
    :func:`source_record` in its metadata; written to a temporary file first, so a reader
    never sees a partial file."""
    from adnet_mmpose.runtime.backends.pytorch import export_onnx_model
    from adnet_mmpose.runtime.contract import deploy_info, embed_metadata
    from .model_loading import init_adnet
    record = record or source_record(config, checkpoint)
    model = init_adnet(config, checkpoint, device='cpu', trust_checkpoint=trust_checkpoint)
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.onnx', dir=folder)
    os.close(fd)
    try:
        export_onnx_model(model, tmp)
        embed_metadata(tmp, dict(deploy_info(model), source=record))
        os.chmod(tmp, 0o644)   # mkstemp makes it owner-only
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return out


def recorded_source(onnx_file: str) -> Optional[dict]:
    """The ``source`` record embedded in an ONNX file (None when it has none)."""
    import onnx

    from adnet_mmpose.runtime.contract import METADATA_KEY
    meta = {p.key: p.value for p in onnx.load(onnx_file, load_external_data=False).metadata_props}
    return json.loads(meta.get(METADATA_KEY, '{}')).get('source')


def onnx_for(config: Union[str, Config], checkpoint: str, shipped: Optional[str] = None,
             trust_checkpoint: bool = False) -> str:
    """The ONNX file of ``config`` + ``checkpoint``: ``shipped`` when its record matches them,
    else the cached export (made now, once, when missing; logged)."""
    record = source_record(config, checkpoint)
    if shipped and osp.isfile(shipped):
        if recorded_source(shipped) == record:
            return shipped
        print_log(f'{shipped} was exported from another checkpoint or config than '
                  f'{checkpoint}: using a cached export instead (rewrite the shipped file '
                  'with tools/deploy/export_released_onnx.py)', logger='current',
                  level=logging.WARNING)
    key = f"{record['checkpoint_sha256'][:16]}-{record['config_sha256'][:8]}"
    out = osp.join(cache_dir(), f'{key}.onnx')
    if not osp.isfile(out) or recorded_source(out) != record:
        print_log(f'exporting {checkpoint} to ONNX once, into {out}', logger='current',
                  level=logging.INFO)
        export_with_source(config, checkpoint, out, trust_checkpoint, record)
    return out
