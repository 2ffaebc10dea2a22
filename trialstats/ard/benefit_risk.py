"""The benefit-risk effects of a randomized study: each key efficacy and safety difference (each arm
minus the control) with its 95% CI, taken from the ARDs of the outputs it names.

An effect is named by a reference (protocol `benefit_risk`, else `default_effects`):
  primary, component_<k>  the responder primary endpoint and its k-th criterion (ARD t_14_2_1), pp
  mmrm:<PARAMCD>          the secondary MMRM change from baseline at the key visit (t_14_2_5/6/7)
  overview:<category>     an adverse event overview category, e.g. "Related TEAE" (t_14_3_1)
  aesi:<id or name>       an adverse event of special interest (t_14_3_6)
  soc:<SOC>, pt:<PT>      TEAEs of a system organ class or preferred term (t_14_3_2)
Incidence differences carry the Miettinen-Nurminen 95% CI of the counts in the ARD (the AE dot
plot's method); the efficacy differences carry their analysis' CI as the ARD holds it.
"""
from __future__ import annotations

import pandas as pd

from ..stats.binary import diff_ci

EFFECT_COLUMNS = ["effect", "reference", "kind", "definition", "unit", "favourable", "arm", "versus",
                  "arm_value", "versus_value", "estimate", "lower", "upper", "p", "p_method", "source"]
MMRM_SOURCES = ("t_14_2_5", "t_14_2_6", "t_14_2_7")
KIND_HEADINGS = {"Benefit": "Favourable effects (efficacy)", "Risk": "Unfavourable effects (safety)"}


def short_unit(unit: str) -> str:
    """"percentage points" -> "pp", "Haemoglobin A1c (%)" -> "%": the unit a row prints."""
    return "pp" if unit == "percentage points" else unit[unit.rfind("(") + 1:-1] if unit.endswith(")") else unit


def number(value: float, unit: str) -> str:
    """A difference as printed: one decimal in percentage points, two in an endpoint's unit."""
    return "NE" if value != value else f"{value:.1f}" if unit == "percentage points" else f"{value:.2f}"


def default_effects(protocol: dict, aesi: pd.DataFrame | None) -> dict[str, list]:
    """Without a protocol block: the primary and its components, the first two secondary MMRMs as
    benefits; related and serious TEAEs and every AESI some subject had as risks."""
    criteria = protocol.get("responder", {}).get("criteria", [])
    benefits = (["primary"] + [f"component_{k}" for k in range(1, len(criteria) + 1)] if "responder" in protocol
                else [])
    benefits += [f"mmrm:{p}" for p in protocol.get("secondary", {}).get("mmrm", [])[:2]]
    risks = ["overview:Related TEAE", "overview:Serious TEAE"]
    if aesi is not None:
        rows = aesi[(aesi["variable"] == "aesi") & (aesi["stat_name"] == "n")]
        had = rows[pd.to_numeric(rows["stat"], errors="coerce") > 0]["variable_level"]
        risks += [f"aesi:{name}" for name in dict.fromkeys(had)]
    return {"benefits": benefits, "risks": risks}


def _ref(item) -> tuple[str, str | None]:
    return (item, None) if isinstance(item, str) else (item["effect"], item.get("favourable"))


def _stat(frame: pd.DataFrame, **match) -> float:
    sel = frame
    for col, value in match.items():
        sel = sel[sel[col] == value]
    return float(pd.to_numeric(sel["stat"].iloc[0], errors="coerce")) if len(sel) else float("nan")


def _counts(frame: pd.DataFrame, arm: str) -> tuple[int, int]:
    return int(_stat(frame, group1_level=arm, stat_name="n")), int(_stat(frame, group1_level=arm, stat_name="N"))


def _n_pct(n: int, big_n: int) -> str:
    return f"{n}/{big_n} ({100 * n / big_n:.1f}%)"


def _incidence(sel: pd.DataFrame, arm: str, control: str) -> dict:
    """Counts per arm and the MN difference in percentage points; the ARD's Fisher p."""
    (x1, n1), (x0, n0) = _counts(sel, arm), _counts(sel, control)
    ci = diff_ci(x1, n1, x0, n0, "mn")
    p = _stat(sel, group1="CONTRAST", group1_level=f"{arm} vs {control}", stat_name="p_fisher")
    return dict(arm_value=_n_pct(x1, n1), versus_value=_n_pct(x0, n0), estimate=100 * ci.estimate,
                lower=100 * ci.lower, upper=100 * ci.upper, p=p, p_method="Fisher's exact" if p == p else "",
                unit="percentage points")


class EffectError(ValueError):
    """A benefit-risk reference the ARDs do not hold."""


def effect_row(reference, kind: str, sources: dict[str, pd.DataFrame], arm: str, control: str,
               protocol: dict, names: dict[str, str]) -> dict:
    """One effect of `arm` against `control` from the source ARDs (`sources`: output id -> ARD)."""
    ref, favourable = _ref(reference)
    what, _, name = ref.partition(":")
    contrast = f"{arm} - {control}"
    if what in ("primary",) or what.startswith("component_"):
        ard = sources.get("t_14_2_1")
        sel = ard[ard["variable"] == what] if ard is not None else pd.DataFrame()
        if sel.empty:
            raise EffectError(f"benefit_risk: {ref!r} is not in the primary ARD (t_14_2_1)")
        mn = sel[(sel["group1_level"] == contrast) & (sel["variable_level"] == "mn")]
        criteria = protocol.get("responder", {}).get("criteria", [])
        if what == "primary":
            label, definition = "Responders (primary)", protocol["responder"]["name"]
        else:
            crit = criteria[int(what.split("_")[1]) - 1]
            param = names.get(crit["paramcd"], crit["paramcd"])
            test = (f"< {crit['aval_lt']:g}" if "aval_lt" in crit else f"change <= {crit['pchg_le']:g}%"
                    if "pchg_le" in crit else "criterion met")
            label, definition = f"Component: {param} {test}", f"{param} {test}, non-responder rules as the primary"
        (x1, n1), (x0, n0) = _counts(sel[sel["group1"] == "ARM"], arm), _counts(sel[sel["group1"] == "ARM"], control)
        return dict(effect=label, reference=ref, kind=kind, definition=definition, unit="percentage points",
                    favourable=favourable or "higher", arm=arm, versus=control, arm_value=_n_pct(x1, n1),
                    versus_value=_n_pct(x0, n0), **{k: 100 * _stat(mn, stat_name=k) for k in ("estimate", "lower",
                                                                                                "upper")},
                    p=_stat(mn, stat_name="p"), p_method="Fisher's exact",
                    source="t_14_2_1" if what == "primary" else "t_14_2_3")   # the components: Table 14.2.3
    if what == "mmrm":
        visit = protocol.get("secondary", {}).get("key_visit", "")
        for source in MMRM_SOURCES:
            ard = sources.get(source)
            if ard is None:
                continue
            at = ard[(ard["variable"] == name) & (ard["group2_level"] == visit)]
            if at.empty:
                continue
            diff = at[(at["group1_level"] == contrast) & (at["variable_level"] == "difference")]
            value = lambda a: _stat(at, group1_level=a, variable_level="lsmean_chg", stat_name="estimate")  # noqa: E731
            label = names.get(name, name)
            return dict(effect=f"Change in {label}", reference=ref, kind=kind,
                        definition=f"LS-mean change from baseline at {visit.title()} (MMRM)", unit=label,
                        favourable=favourable or "lower", arm=arm, versus=control, arm_value=f"{value(arm):.2f}",
                        versus_value=f"{value(control):.2f}",
                        **{k: _stat(diff, stat_name=k) for k in ("estimate", "lower", "upper", "p")},
                        p_method="MMRM t-test", source=source)
        raise EffectError(f"benefit_risk: {ref!r}: no MMRM of {name} at {visit} in {', '.join(MMRM_SOURCES)}")
    if what in ("overview", "aesi", "soc", "pt"):
        aesi_names = {a["id"]: a["name"] for a in protocol.get("aesi", [])}
        source, column, level = {"overview": ("t_14_3_1", "variable_level", name),
                                 "aesi": ("t_14_3_6", "variable_level", aesi_names.get(name, name)),
                                 "soc": ("t_14_3_2", "group2_level", name),
                                 "pt": ("t_14_3_2", "variable_level", name)}[what]
        ard = sources.get(source)
        sel = ard[ard[column] == level] if ard is not None else pd.DataFrame()
        if what == "soc":
            sel = sel[sel["variable_level"] == "ANY"]
        if what == "aesi":
            sel = sel[sel["variable"] == "aesi"]
        if sel.empty or sel[sel["group1"] == "ARM"].empty:
            raise EffectError(f"benefit_risk: {ref!r}: {level!r} is not in the ARD of {source}")
        if what == "pt" and sel["group2_level"].nunique() > 1:
            raise EffectError(f"benefit_risk: {ref!r}: the PT is under several SOCs; name one with soc:")
        definition = {"overview": "Subjects with at least one such TEAE", "aesi": "Subjects with the AESI (protocol)",
                      "soc": "Subjects with a TEAE of the system organ class",
                      "pt": "Subjects with a TEAE of the preferred term"}[what]
        return dict(effect=level if what != "aesi" else f"AESI: {level}", reference=ref, kind=kind,
                    definition=definition, favourable=favourable or "lower", arm=arm, versus=control,
                    source=source, **_incidence(sel, arm, control))
    raise EffectError(f"benefit_risk: unknown reference {ref!r} (primary, component_<k>, mmrm:, overview:, aesi:, "
                      "soc:, pt:)")


def benefit_risk_effects(sources: dict[str, pd.DataFrame], arms: list[str], protocol: dict,
                         names: dict[str, str]) -> pd.DataFrame:
    """One row per effect and active arm (the control is the last arm), benefits first, in the
    protocol's order (`benefit_risk`, else `default_effects`)."""
    spec = protocol.get("benefit_risk") or default_effects(protocol, sources.get("t_14_3_6"))
    control = arms[-1]
    rows = [effect_row(ref, kind, sources, arm, control, protocol, names)
            for kind, refs in (("Benefit", spec.get("benefits", [])), ("Risk", spec.get("risks", [])))
            for ref in refs for arm in arms[:-1]]
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
