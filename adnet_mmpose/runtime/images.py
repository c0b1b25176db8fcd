"""Input images as 3-channel BGR uint8 arrays, in numpy + OpenCV only (no torch)."""
import numpy as np
import cv2


def read_image(path: str) -> np.ndarray:
    """BGR image as MMPose's ``LoadImage`` decodes it (``cv2.imdecode`` of the file bytes;
    grey files come back with three equal channels).

    Raises:
        ValueError: the file is missing or not a decodable image.
    """
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as e:
        raise ValueError(f'{path}: cannot read the file ({e.strerror})') from e
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise ValueError(f'{path}: not a readable image')
    return img


def as_bgr(img, source: str = 'image') -> np.ndarray:
    """A file path or an array → (H, W, 3) uint8 BGR.

    Arrays may be (H, W) or (H, W, 1) grey, (H, W, 3) BGR or (H, W, 4) BGRA; floats must hold
    0–255 values.

    Raises:
        ValueError: unreadable file, or an array of another shape, empty or not finite.
    """
    if isinstance(img, str):
        return read_image(img)
    arr = np.asarray(img)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)) \
            or 0 in arr.shape:
        raise ValueError(f'{source}: expected an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) '
                         f'image, got shape {arr.shape}')
    if arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
            raise ValueError(f'{source}: image values must be finite numbers, got {arr.dtype}')
        arr = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
    if arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(arr)
