"""Work done ahead of time rather than per frame: training and export of style networks, the
training corpus, evaluation (flicker) and benchmarks."""
