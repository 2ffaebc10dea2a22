"""Assembly of the PDF and RTF reports from registry entries and ARDs (computes nothing)."""
