"""streamart: real-time video stylization with neural networks."""

__version__ = "0.1.0"
