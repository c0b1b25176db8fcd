"""Deployment: ONNX export (via mmdeploy or torch.onnx), the graph contract, and an ONNX Runtime
landmark runner.

The modules ``contract``, ``crop``, ``images``, ``topdown`` (the one box → crop → backend →
image-pixel path) and ``ort_runner`` import neither torch nor mmdeploy;
``export`` and ``mmdeploy_plugin`` need the training stack.
"""
