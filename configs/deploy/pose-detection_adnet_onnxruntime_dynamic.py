# mmdeploy: ADNet → ONNX (opset 11, dynamic batch) for ONNX Runtime. The graph outputs the decoded
# landmarks (B×K×2, input-crop pixels) and per-landmark scores (B×K); see
# adnet_mmpose/runtime/contract.py. The import below selects the TorchScript exporter, registers
# the head rewriter and the backend model that decodes both outputs.
custom_imports = dict(imports=['adnet_mmpose.deploy.mmdeploy_plugin'], allow_failed_imports=False)

onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    opset_version=11,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['landmarks', 'scores'],
    input_shape=None,
    optimize=False,
    dynamic_axes=dict(input={0: 'batch'}, landmarks={0: 'batch'}, scores={0: 'batch'}))
codebase_config = dict(type='mmpose', task='PoseDetection', model_type='adnet_end2end')
backend_config = dict(type='onnxruntime')
