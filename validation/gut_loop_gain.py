"""Loop gain of a gut lesion: can a deamidated-gliadin effector pool sustain itself?

A DQ2.5 homozygote eats 10 g/day gluten for 3 years without infection (the resting state). Then the
deamidated-gliadin effectors are held at a series of sizes E; at each, the site's fast variables (APC
activation, villous function, debris) are put at their equilibrium for that E, and the script prints the
effectors' net per-capita growth rate (proliferation + recruitment + recall - death - memory formation)
with the site quantities that set it. Where the rate is >= 0 a lesion of that size lasts; the smallest
such E is the threshold an infection has to push the response over. Other state variables stay at rest
unless set (Tregs of a group, memory, ...), so the effect of, say, Treg expansion on the lesion can be
read directly::

    python validation/gut_loop_gain.py                                    # main parameters
    python validation/gut_loop_gain.py '{"treg_capacity": 100}'           # parameter overrides
    python validation/gut_loop_gain.py '{}' '{"MICROBIOTA.R": 1000}'      # commensal Tregs expanded

Session-15 reading on main (docs/model.md, Open problems): with the resting Tregs a lesion lasts above
E ~ 300 units (villous function 0.47 at E = 1000); with the commensal-specific Tregs at 100 units no size
lasts. So what ends lesions in the life-course runs is Treg expansion in the lesion's IL-2. The printed
costimulation is the site's (dendritic cells); no tTG B cells are active in the resting state, so the T-B
loop (docs/model.md) adds nothing here; STATE-JSON sets T-cell variables only (N A E M R).
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_lifecourse_cohorts import DQ25_HOMO, Genotype  # noqa: E402

USAGE = "usage: gut_loop_gain.py [PARAMETERS-JSON] [STATE-JSON, e.g. '{\"MICROBIOTA.R\": 1000}']"
VARIABLES = ("N", "A", "E", "M", "R")  # the group variables GROUP.VAR may set, in the kernel order (K.VN ... K.VR)
SIZES = (0.1, 1, 3, 10, 30, 100, 300, 1000, 3000)


def loop_gain(params=None, state=None, hla=DQ25_HOMO, group="GDA9_deamidated", sizes=SIZES):
    """Rows (E, growth per day, APC activation, costimulation, IL-2, signal, IFN-gamma, villous
    function, growth per day of the site's Tregs together) for the group's effectors held at each
    size in ``sizes``."""
    from autoimmunity._errors import InputError
    from autoimmunity.host import draw_people
    from autoimmunity.host._scenario import YEAR
    from autoimmunity.immune import _kernel as K
    from autoimmunity.immune import build_model, make_schedule, simulate

    m = build_model(params=params)
    labels = [g.label for g in m.groups]
    p = draw_people(m, [Genotype(hla)], np.random.default_rng(5))
    sched = make_schedule(m, [{"infections": [], "diet": [(0.0, "gluten", 10.0)]}], 3 * YEAR + 1)
    rest = simulate(m, p, sched, [3 * YEAR]).states[0][0]
    G, S = len(m.groups), len(m.sites)
    gut = m.sites.index("small_intestine")
    o = G * K.NG + gut * K.NS
    g = labels.index(group)
    diet = np.array([10.0])
    sig, ag, alg, dy = np.zeros(G), np.zeros(G), np.zeros((S, K.N_AS)), np.zeros_like(rest)
    rows = []
    for E in sizes:
        y = rest.copy()
        for key, val in (state or {}).items():
            name, _, var = key.partition(".")
            if name not in labels or var not in VARIABLES:
                raise InputError("STATE-JSON", f"{key!r}: give GROUP.VAR with GROUP one of {', '.join(labels)} "
                                               f"and VAR one of {', '.join(VARIABLES)}")
            y[labels.index(name) * K.NG + (K.VN, K.VA, K.VE, K.VM, K.VR)[VARIABLES.index(var)]] = float(val)
        y[g * K.NG + K.VE] = E
        for _ in range(400):  # damped fixed point of the fast site variables
            K.algebraic(y, m.params, m.grp_tab, m.site_tab, m.path_tab, m.help_link, p.pg[0], p.px[0], diet, sig, ag, alg)
            kill, regen = alg[gut, K.AS_KILL], m.site_tab[gut, K.ST_REGEN]
            F = regen / (regen + kill)
            y[o + K.SF] = 0.5 * (y[o + K.SF] + F)
            y[o + K.SD] = 0.5 * (y[o + K.SD] + kill * F / m.site_tab[gut, K.ST_DEBCLEAR])
            y[o + K.SI] = 0.5 * (y[o + K.SI] + alg[gut, K.AS_DANGER])
        K.rhs(y, dy, m.params, m.grp_tab, m.site_tab, m.path_tab, m.help_link, p.pg[0], p.px[0], diet, sig, ag, alg)
        site_groups = [h for h in range(G) if m.groups[h].site == "small_intestine"]
        treg = sum(y[h * K.NG + K.VR] for h in site_groups)
        treg_rate = sum(dy[h * K.NG + K.VR] for h in site_groups) / treg if treg > 0 else 0.0
        rows.append((E, dy[g * K.NG + K.VE] / E, y[o + K.SI], alg[gut, K.AS_COSTIM], alg[gut, K.AS_IL2], sig[g],
                     alg[gut, K.AS_IFNG] + alg[gut, K.AS_IL17], y[o + K.SF], treg_rate))
    return rows


def main(argv) -> int:
    if len(argv) > 2:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        params, state = (json.loads(a) if a else None for a in (list(argv) + ["", ""])[:2])
    except json.JSONDecodeError as err:
        print(f"PARAMETERS-JSON / STATE-JSON: not valid JSON ({err.msg})", file=sys.stderr)
        return 2
    if not all(x is None or isinstance(x, dict) for x in (params, state)):
        print("PARAMETERS-JSON / STATE-JSON: each must be a JSON object", file=sys.stderr)
        return 2
    from autoimmunity._errors import InputError

    try:
        rows = loop_gain(params, state)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    print("      E   growth/day        I    costim     IL-2   signal   IFN-g   villi   gut Tregs growth/day")
    for E, r, I, c, il2, s, ifn, F, tr in rows:
        print(f"{E:7.1f}  {r:+10.3f}  {I:8.3g}  {c:8.4f}  {il2:7.3g}  {s:6.3f}  {ifn:7.3g}  {F:5.2f}  {tr:+10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
