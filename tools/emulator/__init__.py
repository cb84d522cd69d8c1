"""The local AWS emulator: moto, pinned, run in our own process with our compatibility
patches applied (`patches/`), plus the seed of the world the spec says is not ours."""
