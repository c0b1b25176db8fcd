"""The exported graph's contract, the same on every export route.

Input ``input``: (B, 3, H, W) float32, the image crop normalised exactly as the model's data
preprocessor does it (``(pixel − mean) / std``, channel order as configured), dynamic B.
Outputs ``landmarks``: (B, K, 2) final-stack landmarks in input-crop pixels (what
``ADNetHead.forward`` returns) and ``scores``: (B, K).
The ONNX file also carries :data:`METADATA_KEY` in its metadata: JSON with the preprocessing
(``input_size``, ``mean``, ``std``, ``bgr_to_rgb``, ``padding``, ``crop_style``: ``'adnet'`` when
the test pipeline crops with ``ADNetAffine``, else ``'mmpose'``; files exported before
``crop_style`` existed read as ``'mmpose'``) and the layout
(``dataset_name``, ``num_keypoints``, ``boundaries``, ``keypoint_colors``), so a server needs
only the ``.onnx`` file.
"""
INPUT_NAME = 'input'
OUTPUT_NAMES = ('landmarks', 'scores')
METADATA_KEY = 'adnet_mmpose'
OPSET = 11
