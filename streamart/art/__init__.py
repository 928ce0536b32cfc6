"""The torch algorithms: DeepDream, Gatys style transfer and their losses (and DeepDream's
settings, which need no torch)."""
