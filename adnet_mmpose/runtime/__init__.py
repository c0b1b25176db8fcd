"""The torch-free inference runtime: face boxes → crops (:mod:`.crop`) → a backend
(:mod:`.backends`) → landmarks in image pixels (:mod:`.topdown`), images read as
:mod:`.images` does and the exported graph's contract in :mod:`.contract`.

Only numpy and OpenCV are needed (plus onnxruntime for
:mod:`~adnet_mmpose.runtime.backends.onnxruntime`); the package ``adnet_mmpose`` imports without
torch, mmengine and mmpose (it then registers nothing), so in a runtime-only install::

    from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
    faces = ONNXLandmarkRunner('model.onnx')('photo.jpg', boxes)
"""
