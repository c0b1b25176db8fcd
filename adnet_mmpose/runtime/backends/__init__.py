"""Backends of the top-down landmark path (:func:`~adnet_mmpose.runtime.topdown.landmarks_in_boxes`).

A backend is any object with

* ``info``: dict with ``input_size`` (w, h), ``mean``, ``std``, ``bgr_to_rgb``, ``padding``,
  ``crop_style`` (``'mmpose'`` or ``'adnet'``, see :mod:`~adnet_mmpose.runtime.crop`: the
  model's preprocessing, as :func:`~adnet_mmpose.runtime.contract.deploy_info` records it),
  ``num_keypoints``, ``dataset_name``, ``boundaries``, ``keypoint_colors``;
* ``run(x)``: (B, 3, H, W) float32 normalised crops → landmarks (B, K, 2) in input-crop
  pixels and scores (B, K), numpy.

:mod:`.onnxruntime` (:class:`~.onnxruntime.ONNXLandmarkRunner`) needs only numpy, OpenCV and
onnxruntime; :mod:`.pytorch` (``TorchBackend``, ``FastBackend``) imports torch and the model
only when a backend is built. This package imports neither, so pick the module you need.
"""
