"""Statistical methods: binary endpoints, MMRM, ANCOVA, multiple imputation, HOMA, subgroups."""
