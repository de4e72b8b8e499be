"""The build: stage registry, pipeline, parameters, command line, bench, environment pins."""
