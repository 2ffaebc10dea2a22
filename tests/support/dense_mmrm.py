"""A deliberately simple second MMRM implementation for the tests: the REML likelihood written
out from each subject's own covariance block and raw records (no sufficient statistics, no
missingness patterns, no analytic derivatives),
minimised by a general-purpose optimiser (scipy's BFGS, numerical gradient)
over a Cholesky factor of the covariance, from several starts."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import patsy
from scipy import optimize


class DenseREML:
    def __init__(self, data: pd.DataFrame, formula: str, subject: str, visit: str):
        y, x = patsy.dmatrices(formula, data, return_type="dataframe", NA_action="drop")
        used = data.loc[y.index]
        self.design_info = x.design_info
        self.used = used
        self.visits = list(used[visit].cat.categories)
        self.t = len(self.visits)
        codes = pd.Categorical(used[visit], categories=self.visits).codes
        self.x, self.y = x.to_numpy(float), y.to_numpy(float).ravel()
        self.n, self.p = self.x.shape
        # every subject padded to all visits: a missing visit gets variance 1, no covariance, and
        # zero response and design rows, which changes neither log|V| nor any quadratic form
        ids = pd.factorize(used[subject])[0]
        self.mask = np.zeros((ids.max() + 1, self.t), bool)
        self.mask[ids, codes] = True
        self.xs = np.zeros((ids.max() + 1, self.t, self.p))
        self.ys = np.zeros((ids.max() + 1, self.t))
        self.xs[ids, codes] = self.x
        self.ys[ids, codes] = self.y
        self.visit_of = codes

    def parts(self, sigma: np.ndarray):
        """(-2 REML log L, beta) at a visit-by-visit covariance."""
        both = self.mask[:, :, None] & self.mask[:, None, :]
        v = np.where(both, sigma, 0.0) + np.eye(self.t) * ~self.mask[:, :, None]
        vinv = np.linalg.inv(v)
        logdet = float(np.sum(np.linalg.slogdet(v)[1]))
        vx = vinv @ self.xs
        xtvx = np.einsum("sap,saq->pq", self.xs, vx)
        xtvy = np.einsum("sap,sa->p", vx, self.ys)
        yvy = float(np.einsum("sa,sab,sb->", self.ys, vinv, self.ys))
        beta = np.linalg.solve(xtvx, xtvy)
        m2ll = (logdet + np.linalg.slogdet(xtvx)[1] + yvy - beta @ xtvy
                + (self.n - self.p) * math.log(2 * math.pi))
        return m2ll, beta

    def sigma(self, theta: np.ndarray) -> np.ndarray:
        lower = np.zeros((self.t, self.t))
        lower[np.tril_indices(self.t)] = theta
        return lower @ lower.T + 1e-12 * np.eye(self.t)

    def theta(self, sigma: np.ndarray) -> np.ndarray:
        return np.linalg.cholesky(sigma)[np.tril_indices(self.t)]

    def fit(self, extra_starts=()):
        """The lowest -2 REML log L found from several starts: (m2ll, sigma, beta)."""
        ols = np.linalg.lstsq(self.x, self.y, rcond=None)[0]
        resid = self.y - self.x @ ols
        pooled = float(resid @ resid / (self.n - self.p))
        per_visit = np.array([np.mean(resid[self.visit_of == v] ** 2) for v in range(self.t)])
        starts = [pooled * np.eye(self.t), np.diag(per_visit),
                  pooled * (0.5 * np.eye(self.t) + 0.5), *extra_starts]

        def objective(theta):
            try:
                return self.parts(self.sigma(theta))[0]
            except np.linalg.LinAlgError:
                return 1e300

        best = None
        for start in starts:
            res = optimize.minimize(objective, self.theta(start), method="BFGS", options={"gtol": 1e-5})
            if best is None or res.fun < best.fun:
                best = res
        sigma = self.sigma(best.x)
        m2ll, beta = self.parts(sigma)
        return m2ll, sigma, beta

    def difference(self, beta: np.ndarray, arm: str, active, control, visit: str, level, covariates: dict):
        """Model-predicted difference active - control at a visit, other covariates at the values given."""
        rows = pd.DataFrame([{arm: active, visit: level, **covariates}, {arm: control, visit: level, **covariates}])
        for col in (arm, visit):
            rows[col] = pd.Categorical(rows[col], categories=self.used[col].cat.categories)
        x = np.asarray(patsy.build_design_matrices([self.design_info], rows)[0])
        return float((x[0] - x[1]) @ beta)
