"""The pipeline's core: the frame type, the source/stage/sink protocols, the runner (the only
module with threads), live controls and safe output files."""
