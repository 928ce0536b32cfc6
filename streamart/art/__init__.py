"""The torch algorithms: DeepDream, Gatys style transfer and their losses."""
