"""Mixed model for repeated measures (MMRM), written to agree with SAS PROC MIXED.

    y_i = X_i beta + e_i,   e_i ~ N(0, Sigma[visits_i, visits_i])

Sigma is unstructured ("us"), compound symmetry ("cs") or first-order autoregressive ("ar1");
estimated by REML or ML. Missing visits are MAR: each subject contributes the visits it has.

Speed: subjects are grouped by missingness pattern, and each pattern is reduced once to
sufficient statistics (sum_s x_sa x_sb', sum_s x_sa y_sb, sum_s y_sa y_sb for visits a, b of the
pattern), so a likelihood evaluation costs the same for 200 or 10,000 subjects. The REML
gradient is analytic: d(-2 l)/dSigma = sum over patterns of n W - W R W - W K W (W = Sigma_p^-1,
R the residual cross-products, K = sum_s X_s (X'V^-1X)^-1 X_s').

Fitting follows PROC MIXED: MIVQUE(0) starting values (unstructured and compound symmetry),
Newton-Raphson in SAS's covariance parameters, stopped by SAS's default criterion g'H^-1 g / |f|
<= 1e-8; so the fit lands where SAS's does, and prints SAS's numbers, even where SAS stops a
little short of the optimum on a flat likelihood (convergence="exact" goes on to it). If that
path fails (a start that is not positive definite, no convergence) BFGS on a Cholesky
parameterisation takes over.

Inference: model-based covariance Phi = (X'V^-1X)^-1; Satterthwaite degrees of freedom, or
Kenward-Roger (adjusted covariance Phi_A and df, Kenward & Roger 1997). Both use the covariance
parameters as SAS does (for "us" the entries of Sigma, so the second derivatives vanish, as in
SAS's KR), with W = inverse observed information of those parameters.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy import optimize

from .distributions import f_sf, t_ppf, t_sf

COV_STRUCTURES = ("us", "cs", "ar1")
DDF_METHODS = ("kenward-roger", "satterthwaite", "residual")
TIDY = ["estimate", "se", "df", "lower", "upper", "p"]


class MMRMError(ValueError):
    """The model cannot be fitted as asked (bad data, non-convergence, non-positive-definite)."""


# --- covariance structures: unconstrained theta for fitting, SAS's parameters for inference ------

def _tril(t):
    return [(j, k) for j in range(t) for k in range(j + 1)]


def sigma_from_theta(cov: str, theta: np.ndarray, t: int) -> np.ndarray:
    if cov == "us":
        lower = np.zeros((t, t))
        for value, (j, k) in zip(theta, _tril(t)):
            lower[j, k] = math.exp(value) if j == k else value
        return lower @ lower.T
    var = math.exp(theta[0])
    if cov == "cs":   # correlation in (-1/(t-1), 1) through a scaled logistic
        lo = -1 / (t - 1) if t > 1 else -1
        rho = lo + (1 - lo) / (1 + math.exp(-theta[1]))
        return var * ((1 - rho) * np.eye(t) + rho * np.ones((t, t)))
    rho = math.tanh(theta[1])
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    return var * rho ** lag


def theta_from_sigma(cov: str, sigma: np.ndarray) -> np.ndarray:
    t = len(sigma)
    if cov == "us":
        lower = np.linalg.cholesky(sigma)
        return np.array([math.log(lower[j, k]) if j == k else lower[j, k] for j, k in _tril(t)])
    var = float(np.mean(np.diag(sigma)))
    off = sigma[~np.eye(t, dtype=bool)] / var if t > 1 else np.array([0.0])
    if cov == "cs":
        lo = -1 / (t - 1) if t > 1 else -1
        rho = float(np.clip(off.mean(), lo + 1e-3, 0.99))
        return np.array([math.log(var), -math.log((1 - lo) / (rho - lo) - 1)])
    lag1 = np.diag(sigma, 1) / var if t > 1 else np.array([0.0])
    return np.array([math.log(var), math.atanh(float(np.clip(lag1.mean(), -0.95, 0.95)))])


def sas_parameters(cov: str, sigma: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[list]]:
    """SAS's covariance parameters phi, dSigma/dphi_k and d2Sigma/dphi_k dphi_l at sigma."""
    t = len(sigma)
    if cov == "us":
        phi, first = [], []
        for j, k in _tril(t):
            phi.append(sigma[j, k])
            d = np.zeros((t, t))
            d[j, k] = d[k, j] = 1.0
            first.append(d)
        zero = np.zeros((t, t))
        return np.array(phi), first, [[zero] * len(phi) for _ in phi]
    if cov == "cs":   # phi = (covariance, residual variance): Sigma = c J + r I
        c = float(sigma[0, 1]) if t > 1 else 0.0
        r = float(sigma[0, 0]) - c
        zero = np.zeros((t, t))
        return np.array([c, r]), [np.ones((t, t)), np.eye(t)], [[zero, zero], [zero, zero]]
    # ar1: phi = (rho, variance), Sigma = s2 rho^|j-k|
    s2 = float(sigma[0, 0])
    rho = float(sigma[0, 1] / s2) if t > 1 else 0.0
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    d_rho = s2 * lag * np.where(lag > 0, rho ** np.maximum(lag - 1, 0), 0.0)
    d_s2 = rho ** lag
    d_rho2 = s2 * lag * (lag - 1) * np.where(lag > 1, rho ** np.maximum(lag - 2, 0), 0.0)
    d_cross = lag * np.where(lag > 0, rho ** np.maximum(lag - 1, 0), 0.0)
    return np.array([rho, s2]), [d_rho, d_s2], [[d_rho2, d_cross], [d_cross, np.zeros((t, t))]]


def sigma_from_sas(cov: str, phi: np.ndarray, t: int) -> np.ndarray:
    if cov == "us":
        sigma = np.zeros((t, t))
        for value, (j, k) in zip(phi, _tril(t)):
            sigma[j, k] = sigma[k, j] = value
        return sigma
    if cov == "cs":
        return phi[0] * np.ones((t, t)) + phi[1] * np.eye(t)
    lag = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    return phi[1] * phi[0] ** lag


# --- data reduced to sufficient statistics per missingness pattern ------------------------------

@dataclass
class _Pattern:
    idx: np.ndarray          # visit indices of the pattern
    n: int                   # subjects
    S: np.ndarray            # (k*k, p*p): sum_s x_sa x_sb' (row a*k+b, column p*P+q)
    T: np.ndarray            # (k*k, p):   sum_s x_sa y_sb
    Tt: np.ndarray           # (k*k, p):   sum_s x_sb y_sa
    U: np.ndarray            # (k*k,):     sum_s y_sa y_sb


def _patterns(x: np.ndarray, y: np.ndarray, subject: np.ndarray, visit: np.ndarray) -> list[_Pattern]:
    order = np.lexsort((visit, subject))
    x, y, subject, visit = x[order], y[order], subject[order], visit[order]
    starts = np.flatnonzero(np.r_[True, subject[1:] != subject[:-1]])
    # a subject's pattern: the set of its visits, as bits (visits are unique and sorted within it)
    masks = [np.bitwise_or.reduceat(np.left_shift(1, (visit - lo).astype(np.int64)), starts)
             for lo in range(0, int(visit.max()) + 1, 62)] if len(visit) else []
    codes = np.unique(np.column_stack(masks), axis=0, return_inverse=True)[1].ravel() if masks else np.array([], int)
    keys: dict[tuple, list[int]] = {}
    for code in np.unique(codes):
        first = starts[codes == code]
        ends = np.r_[starts[1:], len(subject)][codes == code]
        keys[tuple(visit[first[0]:ends[0]])] = first
    out = []
    for key, first_rows in sorted(keys.items()):
        k = len(key)
        rows = first_rows[:, None] + np.arange(k)[None, :]
        xs, ys = x[rows], y[rows]                       # (n, k, p), (n, k)
        p = x.shape[1]
        flat = xs.reshape(len(first_rows), k * p)
        s = (flat.T @ flat).reshape(k, p, k, p).transpose(0, 2, 1, 3).reshape(k * k, p * p)
        t = np.einsum("nap,nb->abp", xs, ys).reshape(k * k, p)
        tt = np.einsum("nbp,na->abp", xs, ys).reshape(k * k, p)
        out.append(_Pattern(np.array(key), len(first_rows), s, t, tt, (ys.T @ ys).reshape(k * k)))
    return out


@dataclass
class _Evaluation:
    m2ll: float
    beta: np.ndarray
    phi_cov: np.ndarray      # (X'V^-1X)^-1
    grad_sigma: np.ndarray   # d(-2l)/dSigma (t x t)
    weights: list            # W_p per pattern


def _evaluate(patterns: list[_Pattern], sigma: np.ndarray, n_obs: int, p: int, reml: bool) -> _Evaluation:
    xtwx = np.zeros((p, p))
    xtwy = np.zeros(p)
    ywy, logdet = 0.0, 0.0
    weights = []
    for pat in patterns:
        sub = sigma[np.ix_(pat.idx, pat.idx)]
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            raise MMRMError("covariance matrix not positive definite") from None
        inv_chol = np.linalg.inv(chol)
        w = inv_chol.T @ inv_chol
        weights.append(w)
        logdet += pat.n * 2 * np.sum(np.log(np.diag(chol)))
        wf = w.reshape(-1)
        xtwx += (wf @ pat.S).reshape(p, p)
        xtwy += wf @ pat.T
        ywy += float(wf @ pat.U)
    try:
        chol = np.linalg.cholesky(xtwx)
    except np.linalg.LinAlgError:
        raise MMRMError("X'V^-1X is singular: the fixed effects are not estimable (collinear design "
                        "or a covariate level without data)") from None
    inv_chol = np.linalg.inv(chol)
    phi_cov = inv_chol.T @ inv_chol
    beta = phi_cov @ xtwy
    rwr = ywy - float(beta @ xtwy)
    m2ll = logdet + rwr
    if reml:
        m2ll += 2 * np.sum(np.log(np.diag(chol))) + (n_obs - p) * math.log(2 * math.pi)
    else:
        m2ll += n_obs * math.log(2 * math.pi)
    grad = np.zeros_like(sigma)
    bb = np.outer(beta, beta).reshape(-1)
    phi_flat = phi_cov.reshape(-1)
    for pat, w in zip(patterns, weights):
        k = len(pat.idx)
        resid = (pat.U - pat.T @ beta - pat.Tt @ beta + pat.S @ bb).reshape(k, k)
        g = pat.n * w - w @ resid @ w
        if reml:
            g -= w @ (pat.S @ phi_flat).reshape(k, k) @ w
        grad[np.ix_(pat.idx, pat.idx)] += g
    return _Evaluation(m2ll, beta, phi_cov, grad, weights)


def _sas_gradient(cov: str, sigma: np.ndarray, ev: _Evaluation) -> np.ndarray:
    """d(-2 l)/dphi in SAS's covariance parameters."""
    return np.array([np.sum(ev.grad_sigma * d) for d in sas_parameters(cov, sigma)[1]])


def _sas_hessian(patterns: list[_Pattern], cov: str, sigma: np.ndarray, ev: _Evaluation, reml: bool) -> np.ndarray:
    """Analytic observed Hessian of -2 l in SAS's covariance parameters phi (V_k = dV/dphi_k,
    P = V^-1 - V^-1 X Phi X' V^-1, r = y - X beta):
        H_kl = tr(P V_kl) - y'P V_kl P y - tr(P V_k P V_l) + 2 y'P V_k P V_l P y,
    with, per pattern (W = Sigma_p^-1, R = sum r r', K = sum X Phi X', a_k = X'W V_k W r):
        tr(P V_k P V_l) = sum n tr(W V_k W V_l) - 2 tr(V_k W V_l W K W) + tr(Phi P_k Phi P_l),
        y'P V_k P V_l P y = tr(V_k W V_l W R W) - a_k' Phi a_l.
    For ML, V^-1 replaces P in the trace (no K and P_k terms). Exact where differences of the
    gradient lose digits (small covariance entries), and one evaluation instead of 2k."""
    _, first, second = sas_parameters(cov, sigma)
    d_all = np.array(first)
    k = len(first)
    p = len(ev.beta)
    hess = np.array([[np.sum(ev.grad_sigma * second[a][b]) for b in range(k)] for a in range(k)])
    a_vec = np.zeros((k, p))
    p_k = np.zeros((k, p * p))
    phi_flat = ev.phi_cov.reshape(-1)
    bb = np.outer(ev.beta, ev.beta).reshape(-1)
    for pat, w in zip(patterns, ev.weights):
        m = len(pat.idx)
        d = d_all[:, pat.idx][:, :, pat.idx]                       # (k, m, m)
        wd = w @ d                                                 # W V_k
        resid = (pat.U - pat.T @ ev.beta - pat.Tt @ ev.beta + pat.S @ bb).reshape(m, m)
        inner = resid + (pat.S @ phi_flat).reshape(m, m) if reml else resid
        g = w @ inner @ w
        hess -= pat.n * np.einsum("aij,bji->ab", wd, wd)
        hess += 2 * np.einsum("aij,bji->ab", d, wd @ g)
        wdw = (wd @ w).reshape(k, m * m)                           # W V_k W
        a_vec += wdw @ (pat.T - pat.S.reshape(m * m, p, p) @ ev.beta)
        if reml:
            p_k += wdw @ pat.S
    hess -= 2 * a_vec @ ev.phi_cov @ a_vec.T
    if reml:
        phi_p = ev.phi_cov @ p_k.reshape(k, p, p)
        hess -= np.einsum("aij,bji->ab", phi_p, phi_p)
    return (hess + hess.T) / 2


# --- the fit -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MMRMFit:
    """A fitted MMRM: tidy tables on demand, raw pieces kept for further contrasts."""
    formula: str
    cov: str
    method: str
    ddf: str
    terms: list[str]
    beta: np.ndarray
    vcov_model: np.ndarray          # Phi
    vcov: np.ndarray                # Phi_A for Kenward-Roger, else Phi
    sigma: pd.DataFrame             # fitted visit-by-visit covariance
    m2ll: float
    n_obs: int
    n_subjects: int
    converged: bool
    convergence: "Convergence"
    visits: list[str]
    _design: object = field(repr=False)
    _grid: pd.DataFrame = field(repr=False)
    _df_parts: dict = field(repr=False)

    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        rows = [self._contrast(np.eye(len(self.beta))[i], level) | {"term": term} for i, term in enumerate(self.terms)]
        return pd.DataFrame(rows)[["term", *TIDY]]

    def contrast(self, weights: np.ndarray, level: float = 0.95) -> dict:
        """Estimate, SE, df, CI and p of one linear combination of the coefficients."""
        return self._contrast(np.asarray(weights, dtype=float), level)

    def _contrast(self, c: np.ndarray, level: float) -> dict:
        est = float(c @ self.beta)
        se = math.sqrt(float(c @ self.vcov @ c))
        df = self._df_1d(c)
        q = t_ppf(0.5 + level / 2, df)
        p = float(2 * t_sf(abs(est / se), df)) if se > 0 else float("nan")
        return dict(estimate=est, se=se, df=df, lower=est - q * se, upper=est + q * se, p=p)

    def _df_1d(self, c: np.ndarray) -> float:
        if self.ddf == "residual":
            return float(self.n_obs - len(self.beta))
        parts = self._df_parts
        phi = self.vcov_model
        var = float(c @ phi @ c)
        g = np.array([-(c @ phi @ pk @ phi @ c) for pk in parts["P"]])
        return float(2 * var * var / (g @ parts["W"] @ g))

    def lsmeans(self, specs: list[str], by: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """LS means of each combination of `specs` factors (SAS/emmeans: equal weights over the
        levels of other factors, continuous covariates at their mean over the records used)."""
        rows = []
        for level_values, weights in self._lsmean_weights(specs):
            rows.append(dict(zip(specs, level_values)) | self._contrast(weights, level))
        out = pd.DataFrame(rows)
        return out[[*specs, *TIDY]]

    def _lsmean_weights(self, specs: list[str]):
        grid = self._grid
        x = self._design(grid)
        for values, idx in grid.groupby(specs, sort=False, observed=True).groups.items():
            values = values if isinstance(values, tuple) else (values,)
            yield values, x[grid.index.get_indexer(idx)].mean(axis=0)

    def lsmean_differences(self, factor: str, by: str, reference: str, level: float = 0.95) -> pd.DataFrame:
        """Differences of LS means between each level of `factor` and `reference`, within `by`."""
        weights = {vals: w for vals, w in self._lsmean_weights([by, factor])}
        rows = []
        for (b, f), w in weights.items():
            if f == reference:
                continue
            rows.append({by: b, factor: f, "reference": reference} |
                        self._contrast(w - weights[(b, reference)], level))
        return pd.DataFrame(rows)[[by, factor, "reference", *TIDY]]

    def type3(self) -> pd.DataFrame:
        """Type 3 F tests per model term, from contrasts of cell means over the factor grid
        (terms with a continuous variable: their coefficients jointly)."""
        rows = []
        for term, c in self._df_parts["type3"].items():
            rows.append(dict(term=term) | self.f_test(c))
        return pd.DataFrame(rows)

    def f_test(self, c: np.ndarray) -> dict:
        """F test of C beta = 0 (rows of C), with Satterthwaite or Kenward-Roger df."""
        c = np.atleast_2d(c)
        q = c.shape[0]
        est = c @ self.beta
        if self.ddf == "kenward-roger":
            f, num, den = self._kr_f(c)
        else:
            f = float(est @ np.linalg.solve(c @ self.vcov @ c.T, est)) / q
            num, den = q, self._satterthwaite_multi(c)
        return dict(num_df=num, den_df=den, F=f, p=float(f_sf(f, num, den)))

    def _satterthwaite_multi(self, c: np.ndarray) -> float:
        """Fai & Cornelius (1996), as SAS: 1-d df along the eigenvectors of C Phi C'."""
        if c.shape[0] == 1:
            return self._df_1d(c[0])
        vals, vecs = np.linalg.eigh(c @ self.vcov_model @ c.T)
        dfs = [self._df_1d(vecs[:, i] @ c) for i in range(len(vals))]
        e = sum(d / (d - 2) for d in dfs if d > 2)
        q = c.shape[0]
        return 2 * e / (e - q) if e > q else float("nan")

    def _kr_f(self, c: np.ndarray):
        parts, phi = self._df_parts, self.vcov_model
        q = c.shape[0]
        est = c @ self.beta
        f = float(est @ np.linalg.solve(c @ self.vcov @ c.T, est)) / q
        m_mat = c.T @ np.linalg.solve(c @ phi @ c.T, c)
        mats = [m_mat @ phi @ pk @ phi for pk in parts["P"]]
        w = parts["W"]
        tr = np.array([np.trace(a) for a in mats])
        a1 = float(tr @ w @ tr)
        a2 = float(sum(w[h, j] * np.trace(mats[h] @ mats[j]) for h in range(len(mats)) for j in range(len(mats))))
        b = (a1 + 6 * a2) / (2 * q)
        g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
        d = 3 * q + 2 * (1 - g)
        c1, c2, c3 = g / d, (q - g) / d, (q + 2 - g) / d
        e_star = 1 / (1 - a2 / q)
        v_star = 2 / q * (1 + c1 * b) / ((1 - c2 * b) ** 2 * (1 - c3 * b))
        rho = v_star / (2 * e_star ** 2)
        m = 4 + (q + 2) / (q * rho - 1)
        lam = m / (e_star * (m - 2))
        return lam * f, q, m


def _start_sigma(resid: np.ndarray, subject: np.ndarray, visit: np.ndarray, t: int) -> np.ndarray:
    wide = pd.DataFrame({"s": subject, "v": visit, "r": resid}).pivot_table(index="s", columns="v", values="r")
    wide = wide.reindex(columns=range(t))
    cov = wide.cov(min_periods=2).to_numpy()
    var = np.nan_to_num(np.diag(cov), nan=np.nanmean(np.diag(cov)))
    cov = np.where(np.isnan(cov), 0.0, cov)
    np.fill_diagonal(cov, np.maximum(var, 1e-6))
    vals, vecs = np.linalg.eigh(cov)
    return vecs @ np.diag(np.maximum(vals, 1e-3 * vals.max())) @ vecs.T


CONVERGENCE = {"sas": 1e-8, "exact": 1e-15}   # g'H^-1 g / |f| at which Newton-Raphson stops


def fit_mmrm(data: pd.DataFrame, formula: str, subject: str, visit: str, cov: str = "us",
             method: str = "reml", ddf: str = "kenward-roger", convergence: str = "sas") -> MMRMFit:
    """Fit an MMRM. `formula` is a patsy formula of fixed effects (e.g. "CHG ~ BASE*AVISIT +
    TRT*AVISIT"); `visit` a categorical column whose category order (or sorted values) orders
    the covariance; rows with a missing response or covariate are left out (MAR).
    `convergence` "sas" follows PROC MIXED (MIVQUE0 start, Newton-Raphson, its default stopping
    rule) and reproduces its printed numbers; "exact" iterates on to the optimum itself."""
    import patsy

    if cov not in COV_STRUCTURES:
        raise MMRMError(f"cov must be one of {COV_STRUCTURES}, got {cov!r}")
    if method not in ("reml", "ml"):
        raise MMRMError(f"method must be 'reml' or 'ml', got {method!r}")
    if ddf not in DDF_METHODS:
        raise MMRMError(f"ddf must be one of {DDF_METHODS}, got {ddf!r}")
    if convergence not in CONVERGENCE:
        raise MMRMError(f"convergence must be one of {tuple(CONVERGENCE)}, got {convergence!r}")
    frame = data.dropna(subset=[subject, visit])
    try:   # rows with a missing response or covariate are dropped (MAR for the response)
        y_dm, x_dm = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop")
    except patsy.PatsyError as err:
        raise MMRMError(f"formula {formula!r}: {err}") from None
    used = frame.loc[y_dm.index]
    if len(used) == 0:
        raise MMRMError("no complete records to fit")
    visit_levels = list(used[visit].cat.categories) if isinstance(used[visit].dtype, pd.CategoricalDtype) \
        else sorted(used[visit].unique())
    visit_idx = pd.Categorical(used[visit], categories=visit_levels).codes
    subj = pd.factorize(used[subject])[0]
    if len(np.unique(subj.astype(np.int64) * len(visit_levels) + visit_idx)) < len(subj):
        raise MMRMError(f"more than one record per {subject} and {visit}")
    x, y = x_dm.to_numpy(dtype=float), y_dm.to_numpy(dtype=float).ravel()
    if np.linalg.matrix_rank(x.T @ x, hermitian=True) < x.shape[1]:
        raise MMRMError("the design matrix is rank deficient: drop collinear terms")
    t, p, n = len(visit_levels), x.shape[1], len(y)
    patterns = _patterns(x, y, subj, visit_idx)
    reml = method == "reml"

    def empirical_start():     # covariance of OLS residuals, made positive definite
        ols = np.linalg.lstsq(x, y, rcond=None)[0]
        sigma0 = _start_sigma(y - x @ ols, subj, visit_idx, t)
        return sigma0 if cov == "us" else sigma_from_theta(cov, theta_from_sigma(cov, sigma0), t)

    def objective(theta):
        sigma = sigma_from_theta(cov, theta, t)
        try:
            ev = _evaluate(patterns, sigma, n, p, reml)
        except MMRMError:
            return 1e300, np.zeros_like(theta)
        grad = _theta_gradient(cov, theta, t, ev.grad_sigma)
        return ev.m2ll, grad

    starts = [("the MIVQUE(0) start", lambda: _mivque0(patterns, cov, t, p))] if cov in ("us", "cs") else []
    starts.append(("the OLS-residual start", lambda: sas_parameters(cov, empirical_start())[0]))
    result = None
    for label, start in starts:   # SAS's path; a start that is not positive definite: the next
        result = _newton_raphson(patterns, cov, start(), t, n, p, reml, CONVERGENCE[convergence],
                                 path=f"Newton-Raphson from {label}")
        if result is not None and result[1].converged:
            break
    if result is None or not result[1].converged:
        # no start led Newton-Raphson to the optimum: BFGS on a Cholesky parameterisation, then
        # Newton-Raphson from where it stops
        theta0 = theta_from_sigma(cov, empirical_start() if result is None else result[0])
        res = optimize.minimize(objective, theta0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 1000})
        bfgs_sigma = sigma_from_theta(cov, res.x, t)
        result = _newton_raphson(patterns, cov, sas_parameters(cov, bfgs_sigma)[0], t, n, p, reml,
                                 CONVERGENCE[convergence], path="Newton-Raphson after BFGS")
        if result is None:
            ev = _evaluate(patterns, bfgs_sigma, n, p, reml)
            g = _sas_gradient(cov, bfgs_sigma, ev)
            pd_ = bool(np.linalg.eigvalsh(_sas_hessian(patterns, cov, bfgs_sigma, ev, reml))[0] > 0)
            result = bfgs_sigma, Convergence(False, int(res.nit), math.nan, math.nan, float(np.max(np.abs(g))),
                                             pd_, "BFGS", str(res.message))
    sigma, convergence_info = result
    ev = _evaluate(patterns, sigma, n, p, reml)
    if np.min(np.linalg.eigvalsh(sigma)) <= 1e-10 * np.max(np.diag(sigma)):
        raise MMRMError("the fitted covariance matrix is not positive definite")
    df_parts = _df_parts(patterns, cov, sigma, ev, n, p, reml, ddf == "kenward-roger")
    vcov = ev.phi_cov
    if ddf == "kenward-roger":
        vcov = _kenward_roger_vcov(ev.phi_cov, df_parts)
    design_info = x_dm.design_info
    grid = _reference_grid(used, design_info)
    design = lambda frame: np.asarray(patsy.build_design_matrices([design_info], frame)[0])  # noqa: E731
    fit = MMRMFit(formula, cov, method, ddf, list(x_dm.columns), ev.beta, ev.phi_cov, vcov,
                  pd.DataFrame(sigma, index=visit_levels, columns=visit_levels), ev.m2ll, n,
                  int(subj.max()) + 1, convergence_info.converged, convergence_info, [str(v) for v in visit_levels],
                  design, grid, df_parts)
    df_parts["type3"] = _type3_contrasts(design_info, grid, design, len(ev.beta))
    return fit


def _mivque0(patterns: list[_Pattern], cov: str, t: int, p: int) -> np.ndarray:
    """MIVQUE(0) estimates of SAS's covariance parameters (PROC MIXED's default starting values)
    for a covariance linear in them (unstructured, compound symmetry), from the pattern
    statistics: solve tr(Q V_a Q V_b) phi_b = r' V_a r, Q = I - X(X'X)^-1 X', r = OLS residuals."""
    basis = sas_parameters(cov, np.eye(t) + (0.1 if cov == "cs" else 0.0))[1]
    m = len(basis)
    xtx, xty = np.zeros((p, p)), np.zeros(p)
    for pat in patterns:
        eye = np.eye(len(pat.idx)).reshape(-1)
        xtx += (eye @ pat.S).reshape(p, p)
        xty += eye @ pat.T
    inv_xtx = np.linalg.pinv(xtx)
    beta = inv_xtx @ xty
    bb = np.outer(beta, beta).reshape(-1)
    a, b = np.zeros((m, m)), np.zeros(m)
    proj = np.zeros((m, p * p))
    basis = np.array(basis)
    for pat in patterns:
        k = len(pat.idx)
        e = basis[:, pat.idx][:, :, pat.idx]                     # (m, k, k)
        resid = (pat.U - pat.T @ beta - pat.Tt @ beta + pat.S @ bb).reshape(k, k)
        xax = (pat.S @ inv_xtx.T.reshape(-1)).reshape(k, k)       # sum X (X'X)^-1 X'
        proj += e.reshape(m, k * k) @ pat.S
        b += np.einsum("aij,ij->a", e, resid)
        a += pat.n * np.einsum("aij,bji->ab", e, e) - 2 * np.einsum("aij,bjl,il->ab", e, e, xax)
    proj = inv_xtx @ proj.reshape(m, p, p)
    a += np.einsum("aij,bji->ab", proj, proj)
    return np.linalg.solve(a, b)


@dataclass(frozen=True)
class Convergence:
    """How the fit ended: Newton-Raphson iterations, SAS's criterion g'H^-1 g / |f|, the Newton
    decrement g'H^-1 g (the -2 log L still to gain, about twice), the largest |gradient| entry (in
    SAS's covariance parameters) and whether the Hessian there is positive definite."""
    converged: bool
    iterations: int
    criterion: float
    decrement: float
    max_gradient: float
    hessian_pd: bool
    path: str              # e.g. "Newton-Raphson from the MIVQUE(0) start"
    message: str = ""

    def describe(self) -> str:
        how = f"{self.iterations} iterations, {self.path}"
        if self.converged:
            return f"converged in {how} (max |gradient| {self.max_gradient:.1e}, Hessian positive definite)"
        return (f"did NOT converge ({how}: {self.message}; max |gradient| {self.max_gradient:.2g}, "
                f"Hessian positive definite: {'yes' if self.hessian_pd else 'no'})")


DECREMENT_TOLERANCE = 1e-4    # g'H^-1 g: -2 log L within about 5e-5 of the optimum, on any scale


def _newton_raphson(patterns, cov: str, phi: np.ndarray, t: int, n: int, p: int, reml: bool,
                    tolerance: float = 1e-8, max_iter: int = 50, path: str = "Newton-Raphson"):
    """PROC MIXED's ridge-stabilised Newton-Raphson in SAS's covariance parameters from the
    given start, with the analytic Hessian. It stops only where the Hessian is positive definite
    and both SAS's relative criterion g'H^-1 g / |f| <= tolerance (CONVH, default 1e-8) and the
    absolute one g'H^-1 g <= DECREMENT_TOLERANCE hold: where SAS would stop near the optimum it
    stops at the same iterate (so SAS's printed numbers are reproduced), but it never stops at a
    saddle or a start where an indefinite Hessian makes g'H^-1 g negative. Where the Hessian is
    not positive definite the step uses H + lambda I (lambda lifts the smallest eigenvalue to a
    positive floor); every step is halved until -2 log L does not increase.
    Returns (Sigma, Convergence), or None if the path cannot proceed (not positive definite start,
    no step that helps)."""
    def evaluate(phi_):
        try:
            sigma_ = sigma_from_sas(cov, phi_, t)
            return sigma_, _evaluate(patterns, sigma_, n, p, reml)
        except MMRMError:
            return None, None

    sigma, ev = evaluate(phi)
    if ev is None:
        return None
    for iteration in range(max_iter + 1):
        f = ev.m2ll
        g = _sas_gradient(cov, sigma, ev)
        hess = _sas_hessian(patterns, cov, sigma, ev, reml)
        vals, vecs = np.linalg.eigh(hess)
        positive = bool(vals[0] > 1e-12 * max(abs(vals[-1]), 1e-300))
        if positive:
            step = vecs @ ((vecs.T @ g) / vals)
            decrement = float(g @ step)
            info = Convergence(False, iteration, decrement / abs(f), decrement, float(np.max(np.abs(g))), True, path)
            if decrement / abs(f) <= tolerance and decrement <= DECREMENT_TOLERANCE:
                return sigma, dataclasses.replace(info, converged=True)
        else:      # ridge: lift the smallest eigenvalue to 1e-3 of the largest |eigenvalue|
            floor = 1e-3 * np.max(np.abs(vals))
            step = vecs @ ((vecs.T @ g) / (vals - vals[0] + floor))
        if iteration == max_iter:
            break
        for _ in range(40):             # halve until the step does not increase -2 log L
            trial_sigma, trial = evaluate(phi - step)
            if trial is not None and trial.m2ll <= f + 1e-12 * abs(f):
                break
            step = step / 2
        else:
            return None
        phi, sigma, ev = phi - step, trial_sigma, trial
    g = _sas_gradient(cov, sigma, ev)
    return sigma, Convergence(False, max_iter, math.nan, math.nan, float(np.max(np.abs(g))), positive, path,
                              f"no convergence in {max_iter} iterations")


def _theta_gradient(cov: str, theta: np.ndarray, t: int, grad_sigma: np.ndarray) -> np.ndarray:
    """Chain rule from d(-2l)/dSigma to the unconstrained parameters."""
    if cov == "us":
        lower = np.zeros((t, t))
        for value, (j, k) in zip(theta, _tril(t)):
            lower[j, k] = math.exp(value) if j == k else value
        g_lower = 2 * grad_sigma @ lower     # grad_sigma is symmetric
        out = np.array([g_lower[j, k] for j, k in _tril(t)])
        for i, (j, k) in enumerate(_tril(t)):
            if j == k:
                out[i] *= lower[j, j]
        return out
    out = np.zeros_like(theta)
    for i in range(len(theta)):
        h = 1e-6
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        d_sigma = (sigma_from_theta(cov, up, t) - sigma_from_theta(cov, dn, t)) / (2 * h)
        out[i] = float(np.sum(grad_sigma * d_sigma))
    return out


def _df_parts(patterns, cov, sigma, ev, n, p, reml, kenward_roger: bool) -> dict:
    """P_k = d(X'V^-1X)/dphi_k, W = inverse observed information of phi, and for Kenward-Roger
    Q_kl = sum X'W V_k W V_l W X and R_kl = sum X'W V_kl W X."""
    phi, first, second = sas_parameters(cov, sigma)
    k = len(phi)
    hess = _sas_hessian(patterns, cov, sigma, ev, reml)
    w = 2 * np.linalg.inv(hess)          # Cov(phi) = (Hessian of -l)^-1 = 2 (Hessian of -2l)^-1
    d_all = np.array(first)
    P = np.zeros((k, p * p))
    Q = np.zeros((k, k, p * p)) if kenward_roger else None
    R = [[np.zeros((p, p)) for _ in range(k)] for _ in range(k)]
    for pat, wp in zip(patterns, ev.weights):
        m = len(pat.idx)
        d = d_all[:, pat.idx][:, :, pat.idx]
        wd = wp @ d @ wp                                    # W V_k W
        P -= wd.reshape(k, m * m) @ pat.S
        if not kenward_roger:
            continue
        Q += (np.einsum("aij,bjl->abil", wd, d @ wp).reshape(k * k, m * m) @ pat.S).reshape(k, k, p * p)
        for a in range(k):
            for b in range(k):
                if np.any(second[a][b]):
                    ix = np.ix_(pat.idx, pat.idx)
                    R[a][b] += ((wp @ second[a][b][ix] @ wp).reshape(-1) @ pat.S).reshape(p, p)
    P = list(P.reshape(k, p, p))
    Q = [[Q[a, b].reshape(p, p) for b in range(k)] for a in range(k)] if kenward_roger else None
    return {"phi": phi, "W": w, "P": P, "Q": Q, "R": R}


def _kenward_roger_vcov(phi_cov: np.ndarray, parts: dict) -> np.ndarray:
    w, P, Q, R = parts["W"], parts["P"], parts["Q"], parts["R"]
    k = len(P)
    inner = sum(w[a, b] * (Q[a][b] - P[a] @ phi_cov @ P[b] - 0.25 * R[a][b]) for a in range(k) for b in range(k))
    return phi_cov + 2 * phi_cov @ inner @ phi_cov


def _reference_grid(used: pd.DataFrame, design_info) -> pd.DataFrame:
    """Every combination of the levels of the categorical factors; numeric ones at their mean."""
    levels, means = {}, {}
    for factor, info in design_info.factor_infos.items():
        col = _grid_column(factor.name())
        if info.type == "categorical":
            cats = (used[col].cat.categories if isinstance(used[col].dtype, pd.CategoricalDtype)
                    else sorted(used[col].unique()))
            levels[col] = list(cats)
        elif col in used:
            means[col] = float(used[col].mean())
    grid = pd.DataFrame(list(product(*levels.values())), columns=list(levels))
    for col in levels:
        if isinstance(used[col].dtype, pd.CategoricalDtype):
            grid[col] = pd.Categorical(grid[col], categories=used[col].cat.categories)
    for col, value in means.items():
        grid[col] = value
    return grid


def _grid_column(factor_name: str) -> str:
    return factor_name[2:-1].split(",")[0] if factor_name.startswith("C(") else factor_name


def _type3_contrasts(design_info, grid, design, p) -> dict:
    """Per term: a term contained in no higher-order term (and any term with a numeric variable)
    tests its own coefficients; a factor contained in an interaction tests contrasts of the
    cell means averaged over the other factors (sum-to-zero contrasts, Kronecker products)."""
    x = design(grid)
    out = {}
    terms = list(design_info.term_slices)
    for term, cols in design_info.term_slices.items():
        if term.name() == "Intercept":
            continue
        contained = any(set(term.factors) < set(other.factors) for other in terms)
        if not contained or any(design_info.factor_infos[f].type != "categorical" for f in term.factors):
            out[term.name()] = np.eye(p)[cols]      # its own coefficients, as SAS and R mmrm
            continue
        names = [_grid_column(f.name()) for f in term.factors]
        levels = [list(dict.fromkeys(grid[c])) for c in names]
        means, contrast = [], np.ones((1, 1))
        for combo in product(*levels):
            mask = np.logical_and.reduce([(grid[c] == v).to_numpy() for c, v in zip(names, combo)])
            means.append(x[mask].mean(axis=0))
        for lev in levels:
            contrast = np.kron(contrast, np.hstack([np.eye(len(lev) - 1), -np.ones((len(lev) - 1, 1))]))
        out[term.name()] = _independent_rows(contrast @ np.array(means))
    return {term: c for term, c in out.items() if c.shape[0]}   # a one-level factor tests nothing


def _independent_rows(c: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """A full-row-rank basis of the row space of c (the testable part of the hypothesis)."""
    if c.size == 0:        # a factor with one level: nothing to test
        return c
    q, r, piv = _qr_rows(c)
    rank = int(np.sum(np.abs(np.diag(r)) > tol * max(1.0, np.abs(r).max())))
    return c[np.sort(piv[:rank])]


def _qr_rows(c):
    from scipy.linalg import qr
    return qr(c.T, pivoting=True)
