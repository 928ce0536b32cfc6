"""What streamart ships or fetches: the style-model registry and its shipped models (``zoo``),
and the pretrained backbone weights."""
