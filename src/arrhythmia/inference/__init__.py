"""Using a trained model: batched prediction with torch or onnxruntime."""
