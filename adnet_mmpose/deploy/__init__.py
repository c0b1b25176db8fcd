"""Deployment: ONNX export (via mmdeploy or torch.onnx, :mod:`.export`) and the mmdeploy
plugin (:mod:`.mmdeploy_plugin`); both need the training stack. The exported graph's contract
and the torch-free ONNX Runtime runner are in :mod:`adnet_mmpose.runtime`.
"""
