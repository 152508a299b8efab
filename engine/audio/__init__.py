"""Audio decode, resampling, loudness, trimming, segmentation and spectral features."""
