"""No figures for the benchmark's null template."""
