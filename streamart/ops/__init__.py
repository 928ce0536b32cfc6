"""Image maths shared by stages, sinks and tools: numpy/OpenCV images and optical flow, torch
tensors, PyAV pixel conversion."""
