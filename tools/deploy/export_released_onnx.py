"""Write the released model's ONNX file beside its checkpoint (package data), recording the
checkpoint's and config's SHA-256.

    python tools/deploy/export_released_onnx.py [--check-only]

Run it whenever ``adnet_mmpose/checkpoints/*.pth`` is replaced: ``FaceLandmarker`` uses the
shipped ``.onnx`` only while its record matches the checkpoint (otherwise it exports once into
the user cache and logs a warning), and ``tests/test_runtime/test_released_onnx.py`` fails on a
stale file.
"""
import argparse
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--check-only', action='store_true',
                   help='only say whether the shipped file matches the checkpoint')
    args = p.parse_args(argv)
    from adnet_mmpose.apis.face_landmarker import RELEASED_ONNX, released_paths
    from adnet_mmpose.apis.onnx_model import (export_with_source, recorded_source,
                                              source_record)
    config, checkpoint = released_paths()
    record = source_record(config, checkpoint)
    try:
        current = recorded_source(RELEASED_ONNX) == record
    except FileNotFoundError:
        current = False
    print(f"{RELEASED_ONNX}: {'matches' if current else 'does not match'} {checkpoint} "
          f"(sha256 {record['checkpoint_sha256'][:16]}…)")
    if args.check_only:
        return 0 if current else 1
    export_with_source(config, checkpoint, RELEASED_ONNX, record=record)
    print(f'wrote {RELEASED_ONNX}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
