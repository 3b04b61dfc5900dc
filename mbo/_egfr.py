"""eGFR from serum creatinine: the CKD-EPI 2021 equation (race-free).

Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR without race.
N Engl J Med 2021;385:1737-49.
"""

from __future__ import annotations

__all__ = ["ckd_epi_2021"]

UMOL_PER_MG_DL = 88.42


def ckd_epi_2021(creatinine_umol_l: float, age: int, female: bool) -> float:
    """eGFR in mL/min/1.73 m² from creatinine (µmol/L), age (years) and sex.

        >>> round(ckd_epi_2021(80, 80, female=True))
        64
    """
    scr = creatinine_umol_l / UMOL_PER_MG_DL
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr / kappa
    egfr = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938 ** age
    return egfr * 1.012 if female else egfr
