"""The pipeline's core: the frame type, the source/stage/sink protocols, the runner (the only
module with threads), live controls, safe output files and the old names of the public API."""
