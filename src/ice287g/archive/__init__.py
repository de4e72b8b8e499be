"""The raw archive: manifests and their verification, ICE's file names, workbook limits, the parse cache."""
