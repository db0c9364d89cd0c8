"""The equations of the immune engine (one right-hand side) and the batch integrator.

State layout for one person (all float64):

* per antigen group ``g`` (``NG = 9`` values at ``g*NG``): naive conventional ``N``,
  anergic ``A``, effector ``E``, memory ``M``, regulatory ``R``, activated B ``B``,
  short-lived plasma ``PS``, long-lived plasma ``PL``, antibody titre ``AB``;
* per site ``s`` (``NS = 3`` values after the groups): tissue function ``F``,
  APC activation ``I``, dying-tissue debris ``D``;
* per pathogen ``p`` (``NP = 3`` values after the sites): load ``V``, innate antiviral
  state ``Q``, latent reservoir ``L``.

Cytokines (IL-2, IFN-gamma/TNF, IL-17, IL-10, TGF-beta) and antigen amounts are in
quasi-steady state: their half-lives (minutes to hours, immune_parameters.tsv rows
``il2.plasma_half_life_*``, ``cytokine.*``) are far shorter than the cell dynamics
(days), so they are algebraic functions of the state (:func:`algebraic`).

:func:`rhs` is the single definition of the equations; the fixed-structure batch
integrator :func:`integrate_batch` (Dormand-Prince 5(4), adaptive per person) and the
scipy ``solve_ivp`` reference both call it.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit, prange

from ._parameters import IDX

NG = 9
NS = 3
NP = 3
# group variable offsets
VN, VA, VE, VM, VR, VB, VPS, VPL, VAB = range(9)
# site variable offsets
SF, SI, SD = range(3)
# pathogen variable offsets
PV, PQ, PL_ = range(3)

# group kinds
KIND_SELF, KIND_PATHOGEN, KIND_DIET, KIND_COMMENSAL = 0, 1, 2, 3

# per-person group inputs (pg[:, g, k])
PG_PRES, PG_N0, PG_R0, PG_B0 = range(4)
N_PG = 4
# per-person scalars (px[:, k])
PX_FOXP3, PX_CTLA4, PX_IL2RA, PX_PTPN22 = range(4)
N_PX = 4

# site table columns (site_tab[s, k])
ST_GUT, ST_REGEN, ST_SENS, ST_KILLHALF, ST_DEBCLEAR, ST_DANGER0, ST_STEM = range(7)
N_ST = 7
# pathogen table columns (path_tab[p, k])
PT_SITE, PT_REP, PT_CAP, PT_INNATE, PT_CYTO, PT_CYTOHALF, PT_LATENT, PT_REACT, PT_PAMP, PT_GROUP = range(10)
N_PT = 10
# group table columns (grp_tab[g, k])
GT_SITE, GT_KIND, GT_SOURCE, GT_EXPR, GT_ABDECAY, GT_MOD, GT_UBIQ = range(7)
N_GT = 7

#: Fingerprint of the parameter layout (names in order) these kernels were compiled for.
#: numba freezes the I_* indices below into its on-disk cache, which is keyed on this file
#: only; a reordered ``_parameters.py`` would silently feed the cached kernels the wrong
#: values. Changing the layout therefore requires updating this constant (and so this file).
_PARAMETER_LAYOUT = "bd22c5efa8ef57b4"
if hashlib.sha256(",".join(IDX).encode()).hexdigest()[:16] != _PARAMETER_LAYOUT:
    raise RuntimeError(
        "immune/_parameters.py changed its parameter layout: update _PARAMETER_LAYOUT in immune/_kernel.py "
        "(this also invalidates numba's cached kernels)"
    )

# fixed parameter indices (numba sees integer constants)
I_NAIVE_TURN = IDX["naive_turnover"]
I_RECRUIT = IDX["recruit_max"]
I_PROLIF = IDX["prolif_max"]
I_EDEATH = IDX["effector_death"]
I_MEMFORM = IDX["memory_formation"]
I_MEMLOSS = IDX["memory_loss"]
I_RECALL = IDX["memory_recall"]
I_ANERGLOSS = IDX["anergic_loss"]
I_IL2HALF = IDX["il2_half_sat"]
I_IL2PROD = IDX["il2_production"]
I_IL2AUTO = IDX["il2_autocrine"]
I_IL2CONS = IDX["il2_consumption"]
I_TREGTURN = IDX["treg_turnover"]
I_TREGPROL = IDX["treg_prolif_max"]
I_TREGIL2 = IDX["treg_il2_sensitivity"]
I_TREGXDEATH = IDX["treg_expanded_death"]
I_POLYTREG = IDX["polyclonal_treg"]
I_TREGSUPP = IDX["treg_suppression"]
I_ITREGHALF = IDX["itreg_tgfb_half"]
I_TGFGUT = IDX["tgfb_gut"]
I_TGFOTHER = IDX["tgfb_other"]
I_TGFTREG = IDX["tgfb_per_treg"]
I_APCRELAX = IDX["apc_relax"]
I_COSTIMHALF = IDX["costim_half"]
I_DANGERDMG = IDX["danger_per_damage"]
I_DANGERIFN = IDX["danger_per_ifng"]
I_IL10 = IDX["il10_per_treg"]
I_RELTURN = IDX["self_release_turnover"]
I_RELDMG = IDX["self_release_damage"]
I_DIETREF = IDX["diet_reference_intake"]
I_LEAK = IDX["diet_barrier_leak"]
I_DEAM0 = IDX["deamidation_base"]
I_DEAM1 = IDX["deamidation_inflamed"]
I_PATHSCALE = IDX["pathogen_antigen_scale"]
I_IFNEFF = IDX["ifng_per_effector"]
I_IL17GUT = IDX["il17_fraction_gut"]
I_IL17OTHER = IDX["il17_fraction_other"]
I_KILLMAX = IDX["kill_max"]
I_BYST = IDX["bystander_kill"]
I_BYSTHALF = IDX["bystander_half"]
I_IFNSYS = IDX["ifng_systemic_fraction"]
I_BREC = IDX["b_recruit"]
I_BPROL = IDX["b_prolif"]
I_BDEATH = IDX["b_death"]
I_HELPHALF = IDX["help_half"]
I_BAPC = IDX["b_apc"]
I_BCOSTIM = IDX["b_costim"]
I_BUBIQ = IDX["b_ubiquitous_access"]
I_BAGHALF = IDX["b_antigen_half"]
I_PSRATE = IDX["plasma_short_rate"]
I_PLRATE = IDX["plasma_long_rate"]
I_PLSELF = IDX["plasma_long_self"]
I_PSDEATH = IDX["plasma_short_death"]
I_PLDEATH = IDX["plasma_long_death"]
I_ABSEC = IDX["antibody_secretion"]
I_INNON = IDX["innate_on"]
I_INNOFF = IDX["innate_off"]
I_INNHALF = IDX["innate_half_load"]
I_EFFCLEAR = IDX["effector_clear"]
I_ABCLEAR = IDX["antibody_clear"]
I_EXTINCT = IDX["pathogen_extinct"]
I_BCAP = IDX["b_capacity"]
I_ABPOS = IDX["antibody_positive"]
I_SIGHALF = IDX["signal_half"]
I_ECAP = IDX["effector_capacity"]
I_TCAP = IDX["treg_capacity"]

# algebraic outputs per site (alg_site[s, k])
AS_COSTIM, AS_IL2, AS_IFNG, AS_IL17, AS_IL10, AS_TGFB, AS_KILL, AS_DANGER = range(8)
# ... and the per-site factors every group at the site shares (rhs reads them; not outputs)
AS_F2, AS_F2R, AS_ITREG = range(8, 11)
N_AS = 11
# while algebraic sums over the groups, four output columns hold the per-site sums (then overwritten)
SUM_TREG_SIG, SUM_TREG, SUM_EFF_SIG, SUM_SELF_EFF = AS_IL10, AS_TGFB, AS_IFNG, AS_IL17


# The functions called once or more per right-hand side or step are compiled without numba's
# reference counting (``_nrt=False``): they never allocate, and the atomic increment/decrement
# of every array argument on each call cost ~8% of the engine (perf profile, session 13).
# fastmath stays off: fused multiply-add would make results depend on the CPU a worker runs on.


@njit(cache=True, fastmath=False, _nrt=False, inline="always")
def deamidated_share(par, apc_activation):
    """Share of a dietary antigen deamidated by tTG at APC activation ``I``: from
    ``deamidation_base`` at rest towards ``deamidation_inflamed`` (tTG activated in inflamed tissue)."""
    infl = max(apc_activation, 0.0)
    return par[I_DEAM0] + (par[I_DEAM1] - par[I_DEAM0]) * infl / (1.0 + infl)


@njit(cache=True, fastmath=False, _nrt=False, inline="always")
def dc_signal(par, grp_tab, pg, antigen, g, apc_activation):
    """TCR signal of group ``g`` from dendritic cells: presentation (for epitopes tTG creates, only
    on the deamidated share) x antigen occupancy."""
    pres = pg[g, PG_PRES]
    if grp_tab[g, GT_MOD] > 0.0:  # epitopes created by tTG: presented as far as gliadin is deamidated
        pres = pres * deamidated_share(par, apc_activation)
    return pres * antigen[g] / (1.0 + antigen[g])


@njit(cache=True, fastmath=False, _nrt=False, inline="always")
def b_cell_antigen(par, grp_tab, antigen, g):
    """Antigen group ``g`` offers B cells: what reaches APCs, or, for a ubiquitous extracellular self
    antigen (tTG in every tissue's matrix; ``GT_UBIQ``), at least ``b_ubiquitous_access`` x its
    expression, without damage."""
    if grp_tab[g, GT_UBIQ] > 0.0:
        return max(antigen[g], par[I_BUBIQ] * grp_tab[g, GT_EXPR])
    return antigen[g]


@njit(cache=True, fastmath=False, _nrt=False)
def algebraic(y, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg_site):
    """Quasi-steady-state quantities: antigen amounts, T-cell signal per group, and per
    site costimulation, cytokines, tissue killing rate and danger (the output columns), plus the
    IL-2 and TGF-beta factors every group at a site shares (``AS_F2``, ``AS_F2R``, ``AS_ITREG``)."""
    G = grp_tab.shape[0]
    S = site_tab.shape[0]
    P = path_tab.shape[0]
    so = G * NG
    po = so + S * NS
    foxp3 = px[PX_FOXP3]
    # antigen amounts and signals, and their per-site sums in the same pass over the groups
    # (summed per site in group order; the site's output columns hold the sums until the site
    # loop below overwrites them)
    for s in range(S):
        alg_site[s, SUM_TREG_SIG] = 0.0
        alg_site[s, SUM_TREG] = 0.0
        alg_site[s, SUM_EFF_SIG] = 0.0
        alg_site[s, SUM_SELF_EFF] = 0.0
    ifng_total = 0.0  # IFN-gamma/TNF made at all sites together (a share circulates to every site)
    for g in range(G):
        s = int(grp_tab[g, GT_SITE])
        kind = int(grp_tab[g, GT_KIND])
        src = int(grp_tab[g, GT_SOURCE])
        F = y[so + s * NS + SF]
        I = y[so + s * NS + SI]
        D = y[so + s * NS + SD]
        if kind == KIND_SELF:
            a = grp_tab[g, GT_EXPR] * (par[I_RELTURN] * max(F, 0.0) + par[I_RELDMG] * max(D, 0.0))
        elif kind == KIND_PATHOGEN:
            a = max(y[po + src * NP + PV], 0.0) / par[I_PATHSCALE]
        elif kind == KIND_COMMENSAL:
            # resident microbiota: constant luminal antigen (GT_EXPR antigen units), more
            # crossing an inflamed, leaky barrier (as dietary antigen does)
            a = grp_tab[g, GT_EXPR] * (1.0 + par[I_LEAK] * max(I, 0.0))
        else:
            a = diet[src] / par[I_DIETREF] * (1.0 + par[I_LEAK] * max(I, 0.0))
        antigen[g] = a
        sigma[g] = dc_signal(par, grp_tab, pg, antigen, g, I)
    if par[I_BAPC] > 0.0:
        # B and plasma cells present the complex partner they captured with their antigen (tTG B cells:
        # deamidated gliadin; gliadin B cells: tTG, whose T cells are deleted). Presentation of a B cell's
        # own antigen to T cells of the same group is not modelled (it would act on every antigen)
        for b in range(G):
            nb = int(help_link[b, 0])
            if nb == 0:
                continue
            a_b = b_cell_antigen(par, grp_tab, antigen, b)
            load = (max(y[b * NG + VB], 0.0) + max(y[b * NG + VPS], 0.0)) * a_b / (par[I_BAGHALF] + a_b)
            for j in range(nb):
                h = int(help_link[b, 1 + 2 * j])
                if h != b and pg[h, PG_PRES] > 0.0:
                    x = par[I_BAPC] * help_link[b, 2 + 2 * j] * load * antigen[h] / (1.0 + antigen[h])  # complexes need the partner
                    sigma[h] += (pg[h, PG_PRES] - sigma[h]) * x / (1.0 + x)
    for g in range(G):
        s = int(grp_tab[g, GT_SITE])
        kind = int(grp_tab[g, GT_KIND])
        sg = sigma[g]
        E = y[g * NG + VE]
        ifng_total += par[I_IFNEFF] * max(E, 0.0) * sg
        R = max(y[g * NG + VR], 0.0)
        E = max(E, 0.0)
        alg_site[s, SUM_TREG_SIG] += R * sg * px[PX_PTPN22]
        alg_site[s, SUM_TREG] += R
        alg_site[s, SUM_EFF_SIG] += E * sg
        if kind == KIND_SELF:
            alg_site[s, SUM_SELF_EFF] += E * sg
    for s in range(S):
        treg_sig = alg_site[s, SUM_TREG_SIG]
        treg_tot = alg_site[s, SUM_TREG]
        eff_sig = alg_site[s, SUM_EFF_SIG]
        self_eff = alg_site[s, SUM_SELF_EFF]
        I = max(y[so + s * NS + SI], 0.0)
        supp = px[PX_CTLA4] * (foxp3 * par[I_POLYTREG] + par[I_TREGSUPP] * treg_sig) + par[I_IL10] * treg_sig
        c = I / (I + par[I_COSTIMHALF] * (1.0 + supp))
        cons = 1.0 + par[I_IL2CONS] * px[PX_IL2RA] * (foxp3 * par[I_POLYTREG] + treg_tot)
        il2 = par[I_IL2AUTO] * c + par[I_IL2PROD] * eff_sig * c / cons
        ifng = par[I_IFNEFF] * eff_sig
        gut = site_tab[s, ST_GUT]
        tgfb = (par[I_TGFGUT] if gut > 0.0 else par[I_TGFOTHER]) + par[I_TGFTREG] * treg_sig
        f17 = par[I_IL17GUT] if gut > 0.0 else par[I_IL17OTHER]
        kh = site_tab[s, ST_KILLHALF]
        ifng_x = ifng + par[I_IFNSYS] * max(ifng_total - ifng, 0.0)  # plus the circulating share of other sites'
        kill = site_tab[s, ST_SENS] * (
            par[I_KILLMAX] * self_eff / (kh + self_eff) + par[I_BYST] * ifng_x / (par[I_BYSTHALF] + ifng_x)
        )
        danger = site_tab[s, ST_DANGER0] + par[I_DANGERDMG] * max(y[so + s * NS + SD], 0.0) + par[I_DANGERIFN] * ifng_x
        for p in range(P):
            if int(path_tab[p, PT_SITE]) == s:
                V = max(y[po + p * NP + PV], 0.0)
                kill += path_tab[p, PT_CYTO] * V / (path_tab[p, PT_CYTOHALF] + V)
                danger += V / path_tab[p, PT_PAMP]
        alg_site[s, AS_COSTIM] = c
        alg_site[s, AS_IL2] = il2
        alg_site[s, AS_IFNG] = ifng * (1.0 - f17)
        alg_site[s, AS_IL17] = ifng * f17
        alg_site[s, AS_IL10] = par[I_IL10] * treg_sig
        alg_site[s, AS_TGFB] = tgfb
        alg_site[s, AS_KILL] = kill
        alg_site[s, AS_DANGER] = danger
        alg_site[s, AS_F2] = il2 / (par[I_IL2HALF] + il2)  # effector IL-2 signal
        il2r = par[I_TREGIL2] * il2 * px[PX_IL2RA]
        alg_site[s, AS_F2R] = il2r / (par[I_IL2HALF] + il2r)  # Treg IL-2 signal (CD25-high)
        alg_site[s, AS_ITREG] = foxp3 * tgfb / (par[I_ITREGHALF] + tgfb)  # share of tolerogenic recruitment made iTreg


@njit(cache=True, fastmath=False, _nrt=False)
def rhs(y, dy, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg_site):
    """dy/dt for one person (see module docstring for the layout)."""
    G = grp_tab.shape[0]
    S = site_tab.shape[0]
    P = path_tab.shape[0]
    so = G * NG
    po = so + S * NS
    algebraic(y, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg_site)
    foxp3 = px[PX_FOXP3]
    for g in range(G):
        o = g * NG
        s = int(grp_tab[g, GT_SITE])
        c = alg_site[s, AS_COSTIM]
        sg = sigma[g]
        N = y[o + VN]
        A = y[o + VA]
        E = y[o + VE]
        M = y[o + VM]
        R = y[o + VR]
        B = y[o + VB]
        PS = y[o + VPS]
        PLc = y[o + VPL]
        AB = y[o + VAB]
        f2 = alg_site[s, AS_F2]
        f2r = alg_site[s, AS_F2R]
        if par[I_BAPC] > 0.0 and sg > 0.0:
            # the share of this group's signal presented by B/plasma cells (sigma above the dendritic
            # cells' part, as in algebraic) carries their costimulation and the group's own IL-2
            sb = sg - dc_signal(par, grp_tab, pg, antigen, g, y[so + s * NS + SI])
            if sb > 0.0:
                c_eff = ((sg - sb) * c + sb * par[I_BCOSTIM]) / sg
                il2g = alg_site[s, AS_IL2] + par[I_IL2AUTO] * (c_eff - c)
                f2 = il2g / (par[I_IL2HALF] + il2g)
                c = c_eff
        rec = par[I_RECRUIT] * sg * N
        frac_itreg = alg_site[s, AS_ITREG]
        # recall competes for antigen and APCs like proliferation (halved at effector_capacity):
        # proliferative recall without it is an unbounded effector-memory loop under chronic antigen
        crowd = 1.0 + max(E, 0.0) / par[I_ECAP]  # effectors of this specificity compete for antigen
        recall = par[I_RECALL] * sg * c * M / crowd
        dy[o + VN] = par[I_NAIVE_TURN] * (pg[g, PG_N0] - N) - rec
        dy[o + VA] = rec * (1.0 - c) * (1.0 - frac_itreg) - par[I_ANERGLOSS] * A
        satg = sg / (par[I_SIGHALF] + sg)  # saturation of the TCR signal (effectors and Tregs)
        sat = satg / crowd
        dy[o + VE] = rec * c + recall + par[I_PROLIF] * sat * f2 * E - (par[I_EDEATH] + par[I_MEMFORM]) * E
        # memory formation fills a niche of the same scale as the effector capacity (IL-7/IL-15
        # homeostatic space), so chronic stimulation cannot grow one memory pool without bound
        dy[o + VM] = par[I_MEMFORM] * E / (1.0 + max(M, 0.0) / par[I_ECAP]) - par[I_MEMLOSS] * M
        R0 = pg[g, PG_R0] * foxp3
        # Treg expansion saturates with the Tregs of this specificity (their own niche),
        # not with the conventional effectors they are meant to control
        sat_r = satg / (1.0 + max(R, 0.0) / par[I_TCAP])
        dy[o + VR] = (
            par[I_TREGTURN] * (R0 - R)
            + foxp3 * par[I_TREGPROL] * sat_r * px[PX_PTPN22] * f2r * R
            - par[I_TREGXDEATH] * max(R - R0, 0.0)
            + rec * (1.0 - c) * frac_itreg
        )
        # B cells: antigen captured through the BCR (affinity uptake, half-saturated at
        # b_antigen_half, far below the dendritic-cell antigen scale), then linked recognition --
        # help from CD4 effectors recognising the peptides the B cell itself presents from what
        # it captured (this antigen, or a complex partner such as gliadin for tTG): the helper's
        # signal is its presentation factor x the B cell's antigen occupancy, not the DC signal
        a_b = b_cell_antigen(par, grp_tab, antigen, g)
        ag = a_b / (par[I_BAGHALF] + a_b)
        help_ = 0.0
        for j in range(int(help_link[g, 0])):  # the groups linked to g (sparse: see _model.pack_links)
            h = int(help_link[g, 1 + 2 * j])
            w = help_link[g, 2 + 2 * j]
            # the helper's presentation factor (as in algebraic; written out: a call per term costs
            # more than the term). A complex partner (gliadin bound to tTG) is deamidated in the
            # complex itself, so only the B cell's own antigen carries the tissue's deamidated share
            ph = pg[h, PG_PRES]
            if grp_tab[h, GT_MOD] > 0.0 and h == g:
                ph = ph * deamidated_share(par, y[so + int(grp_tab[h, GT_SITE]) * NS + SI])
            help_ += w * max(y[h * NG + VE], 0.0) * ph * ag
        hf = help_ / (par[I_HELPHALF] + help_)
        dy[o + VB] = (
            par[I_BREC] * pg[g, PG_B0] * ag * hf
            + par[I_BPROL] * ag * hf * B * (1.0 - B / par[I_BCAP])
            - par[I_BDEATH] * B
        )
        dy[o + VPS] = par[I_PSRATE] * B - par[I_PSDEATH] * PS
        # B cells for a ubiquitous self antigen are purged from germinal centres: few long-lived plasma cells
        plr = par[I_PLRATE] * (par[I_PLSELF] if grp_tab[g, GT_UBIQ] > 0.0 else 1.0)
        dy[o + VPL] = plr * B - par[I_PLDEATH] * PLc
        dy[o + VAB] = par[I_ABSEC] * (PS + PLc) - grp_tab[g, GT_ABDECAY] * AB
    for s in range(S):
        o = so + s * NS
        F = y[o + SF]
        kill = alg_site[s, AS_KILL]
        # renewal from stem cells (gut crypts) or by replication of the remaining cells (beta cells)
        renew = (1.0 - F) if site_tab[s, ST_STEM] > 0.0 else F * (1.0 - F)
        dy[o + SF] = site_tab[s, ST_REGEN] * renew - kill * F
        dy[o + SI] = par[I_APCRELAX] * (alg_site[s, AS_DANGER] - y[o + SI])
        dy[o + SD] = kill * F - site_tab[s, ST_DEBCLEAR] * y[o + SD]
    for p in range(P):
        o = po + p * NP
        s = int(path_tab[p, PT_SITE])
        V = y[o + PV]
        Q = y[o + PQ]
        L = y[o + PL_]
        F = max(y[so + s * NS + SF], 0.0)
        # adaptive clearance: stimulated effector and memory cells specific for this pathogen, antibodies
        xeff = 0.0
        abp = 0.0
        g = int(path_tab[p, PT_GROUP])  # the group specific for this pathogen (-1: none)
        if g >= 0:
            xeff += max(y[g * NG + VE], 0.0)
            abp += max(y[g * NG + VAB], 0.0)
        clear = path_tab[p, PT_INNATE] * Q + par[I_EFFCLEAR] * xeff + par[I_ABCLEAR] * abp
        dy[o + PV] = path_tab[p, PT_REP] * V * (F - V / path_tab[p, PT_CAP]) - clear * V + path_tab[p, PT_REACT] * L
        Vp = max(V, 0.0)
        dy[o + PQ] = par[I_INNON] * Vp / (Vp + par[I_INNHALF]) * (1.0 - Q) - par[I_INNOFF] * Q
        dy[o + PL_] = path_tab[p, PT_LATENT] * V * (1.0 - L)


# ---------------------------------------------------------------- the batch integrator
#
# Everything below integrates the equations above; nothing below changes them.
#
# Cost model (docs/model.md, "Integrator and cost"): a life course is mostly quiet years in which
# the explicit Dormand-Prince pair is *stability*-limited, not accuracy-limited: the fastest
# relaxations (debris clearance 1/day, B-cell death 0.7/day, ...) cap its step near 3.3 days
# whatever the tolerance (~115 steps a year). Those stretches are handed to a stabilised
# explicit method, RKC (Runge-Kutta-Chebyshev, second order, Sommeijer, Shampine & Verwer,
# J Comput Appl Math 1997;88:315), whose real stability interval grows with the square of its
# stage number, so its step is set by the error estimate alone. Dynamic stretches
# (infections) stay with Dormand-Prince. Both are error-controlled with the same rtol/atol.


# Dormand-Prince 5(4) tableau
_C2, _C3, _C4, _C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
_A21 = 1 / 5
_A31, _A32 = 3 / 40, 9 / 40
_A41, _A42, _A43 = 44 / 45, -56 / 15, 32 / 9
_A51, _A52, _A53, _A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
_A61, _A62, _A63, _A64, _A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
_B1, _B3, _B4, _B5, _B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
_E1, _E3, _E4, _E5, _E6, _E7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40

# switching between Dormand-Prince (DP5) and RKC
STIFF_STEPS = 20  # consecutive full-length DP5 steps of at least STIFF_HMIN days, not capped by hmax ...
STIFF_HMIN = 0.5  # ... after which the stretch is taken as stability-limited and RKC takes over
RKC_BACK = 1.0  # back to DP5 when RKC's error-controlled step falls to h * rho < RKC_BACK (a transient DP5 resolves in fewer right-hand sides)
RKC_EPS = 2.0 / 13.0  # RKC damping
RKC_MAXS = 250  # most RKC stages
RHO_SAFETY = 1.2  # spectral radius used by RKC: the power-method estimate x RHO_SAFETY
RHO_UP, RHO_DECAY = 1.2, 0.97  # on a rejected RKC step rho grows; on accepted steps it relaxes back
RHO_EVERY = 25  # accepted RKC steps between two power-method estimates (as in Sommeijer et al.'s RKC)
RHO_ITERS = 20  # most power iterations per estimate
RHO_FLOOR = 1e-3  # 1/day: smallest spectral radius used (the slowest rates in the model are ~1e-4/day)


@njit(cache=True, _nrt=False)
def _accept(y, y5, k1, k7, t, po, extinct, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg):
    """Take an accepted step (state and first-stage derivative from ``y5``/``k7``), then apply
    the discrete extinction of a pathogen below one infectious unit (re-evaluating the
    derivative). Returns the number of extra right-hand-side evaluations."""
    for i in range(y.shape[0]):
        y[i] = y5[i]
        k1[i] = k7[i]
    extra = 0
    for p in range(path_tab.shape[0]):
        v = y[po + p * NP + PV]
        if v < extinct and v != 0.0 and path_tab[p, PT_REACT] == 0.0:
            y[po + p * NP + PV] = 0.0
            rhs(y, k1, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            extra += 1
    return extra


@njit(cache=True, _nrt=False)
def _record(y, t, isample, sample_t, rec_vars, out):
    """Copy the recorded variables into every sample time reached by ``t``; returns the next sample index."""
    while isample < sample_t.shape[0] and sample_t[isample] <= t + 1e-9:
        for j in range(rec_vars.shape[0]):
            out[isample, j] = y[rec_vars[j]]
        isample += 1
    return isample


@njit(cache=True, _nrt=False)
def _take_step(y, y5, k1, k7, t, tn, work, G, pred_tab, cond_start, cond_count, cond_dur, cond_run, cond_first,
               npos_thr, po, extinct, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg,
               isample, sample_t, rec_vars, out):
    """Everything an accepted step [t, tn] does, whichever method took it: condition onsets
    located inside the step, state update with pathogen extinction, samples reached. Returns
    (next sample index, extra right-hand-side evaluations)."""
    _conditions_step(y, k1, y5, k7, t, tn, work, G, pred_tab, cond_start, cond_count, cond_dur, cond_run, cond_first,
                     npos_thr)
    extra = _accept(y, y5, k1, k7, tn, po, extinct, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma,
                    antigen, alg)
    return _record(y, tn, isample, sample_t, rec_vars, out), extra


@njit(cache=True, _nrt=False)
def _positive(y, G, npos_thr):
    """Bitmask of the groups whose antibody titre is above the positivity threshold."""
    mask = 0
    for g in range(G):
        if y[g * NG + VAB] > npos_thr:
            mask |= 1 << g
    return mask


@njit(cache=True, _nrt=False)
def _holds(y, positive, k, G, pred_tab, cond_start, cond_count):
    """Whether clinical condition ``k`` (a conjunction of predicates) holds at state ``y``
    whose antibody-positive groups are ``positive`` (:func:`_positive`)."""
    so = G * NG
    for j in range(cond_start[k], cond_start[k] + cond_count[k]):
        if int(pred_tab[j, 0]) == 0:  # tissue function below threshold
            if not (y[so + int(pred_tab[j, 1]) * NS + SF] < pred_tab[j, 2]):
                return False
        else:  # at least k antibodies of a group set positive (bitmask in column 1)
            both = int(pred_tab[j, 1]) & positive
            n = 0
            while both:
                both &= both - 1
                n += 1
            if n < int(pred_tab[j, 3]):
                return False
    return True


@njit(cache=True, _nrt=False)
def _hermite(y0, f0, y1, f1, h, theta, out):
    """Cubic Hermite interpolant of a step (states and derivatives at both ends) at t0 + theta h."""
    t2 = theta * theta
    t3 = t2 * theta
    a0 = 2.0 * t3 - 3.0 * t2 + 1.0
    b0 = (t3 - 2.0 * t2 + theta) * h
    a1 = 3.0 * t2 - 2.0 * t3
    b1 = (t3 - t2) * h
    for i in range(y0.shape[0]):
        out[i] = a0 * y0[i] + b0 * f0[i] + a1 * y1[i] + b1 * f1[i]


@njit(cache=True, _nrt=False)
def _conditions_point(y, t, G, pred_tab, cond_start, cond_count, cond_dur, cond_run, cond_first, npos_thr):
    """Conditions at one instant (the start of a segment)."""
    positive = _positive(y, G, npos_thr)
    for k in range(cond_start.shape[0]):
        if cond_first[k] == cond_first[k]:  # already recorded (not NaN)
            continue
        if _holds(y, positive, k, G, pred_tab, cond_start, cond_count):
            if not (cond_run[k] == cond_run[k]):
                cond_run[k] = t
            if t - cond_run[k] >= cond_dur[k]:
                cond_first[k] = cond_run[k]
        else:
            cond_run[k] = np.nan


@njit(cache=True, _nrt=False)
def _conditions_step(y0, f0, y1, f1, t0, t1, work, G, pred_tab, cond_start, cond_count, cond_dur, cond_run, cond_first,
                     npos_thr):
    """Record the first time each clinical condition has held for its minimum duration; the
    recorded time is the start of that sustained run. Evaluated at the end of every accepted
    step [t0, t1]; a run that starts inside the step starts where the step's cubic Hermite
    interpolant first satisfies the condition (bisection to 1e-6 days), so recorded times do
    not depend on the step sizes."""
    h = t1 - t0
    pos1 = _positive(y1, G, npos_thr)
    pos0 = -1  # computed when first needed
    for k in range(cond_start.shape[0]):
        if cond_first[k] == cond_first[k]:  # already recorded (not NaN)
            continue
        if _holds(y1, pos1, k, G, pred_tab, cond_start, cond_count):
            if not (cond_run[k] == cond_run[k]):
                if pos0 < 0:
                    pos0 = _positive(y0, G, npos_thr)
                if h > 0.0 and not _holds(y0, pos0, k, G, pred_tab, cond_start, cond_count):
                    lo = 0.0
                    hi = 1.0
                    while (hi - lo) * h > 1e-6:
                        mid = 0.5 * (lo + hi)
                        _hermite(y0, f0, y1, f1, h, mid, work)
                        if _holds(work, _positive(work, G, npos_thr), k, G, pred_tab, cond_start, cond_count):
                            hi = mid
                        else:
                            lo = mid
                    cond_run[k] = t0 + hi * h
                else:
                    cond_run[k] = t0
            if t1 - cond_run[k] >= cond_dur[k]:
                cond_first[k] = cond_run[k]
        else:
            cond_run[k] = np.nan


@njit(cache=True, _nrt=False)
def _spectral_radius(y, fy, v, x, fx, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg):
    """Nonlinear power-method estimate of the spectral radius of the Jacobian at ``y``
    (``fy`` = f(y)), the quantity that sets RKC's stage number (the approach of Sommeijer,
    Shampine & Verwer 1997, section 3; our own implementation). ``v`` holds the direction of
    the previous estimate (all zeros the first time) and is updated in place.

    Only components that can move take part: a component that is exactly zero with an exactly
    zero derivative (the load of a cleared pathogen without latency) stays exactly zero under
    any explicit method, so its fast relaxation (innate and adaptive clearance, ~3/day) never
    limits RKC's stability and must not inflate its stage number. The direction is masked to the
    moving components; the first estimate starts from ``fy``. A fast mode of a component at
    rest (derivative ~0) can then be missed and the estimate converge on a slower one; RKC's
    error control rejects the unstable step and raises the estimate (``RHO_UP``). Starting from
    every moving component equally finds it but cost 10% of cohort throughput (session 15).
    Returns (estimate, right-hand-side evaluations)."""
    n = y.shape[0]
    ynrm = 0.0
    vnrm = 0.0
    for i in range(n):
        if y[i] == 0.0 and fy[i] == 0.0:
            v[i] = 0.0
        ynrm += y[i] * y[i]
        vnrm += v[i] * v[i]
    if vnrm == 0.0:  # first estimate: start from the derivative
        for i in range(n):
            v[i] = fy[i]
            vnrm += v[i] * v[i]
    if vnrm == 0.0:  # exactly stationary: start from the state itself
        for i in range(n):
            v[i] = y[i]
            vnrm += v[i] * v[i]
    if vnrm == 0.0:
        return RHO_FLOOR, 0
    ynrm = np.sqrt(ynrm)
    delta = 1.49e-8 * max(ynrm, 1e-8)  # sqrt(machine epsilon) relative to the state
    est = 0.0
    evals = 0
    for it in range(RHO_ITERS):
        vnrm = 0.0
        for i in range(n):
            vnrm += v[i] * v[i]
        vnrm = np.sqrt(vnrm)
        if vnrm == 0.0:
            break
        for i in range(n):
            x[i] = y[i] + (delta / vnrm) * v[i]
        rhs(x, fx, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
        evals += 1
        dn = 0.0
        for i in range(n):
            v[i] = fx[i] - fy[i]
            dn += v[i] * v[i]
        prev = est
        est = np.sqrt(dn) / delta
        if it > 0 and abs(est - prev) <= 0.01 * est:
            break
    return max(est, RHO_FLOOR), evals


@njit(cache=True, _nrt=False)
def _rkc_coefficients(s, tj, dj, ej, bj, mu, nu, mut, gat):
    """Coefficients of the s-stage RKC method (Sommeijer, Shampine & Verwer 1997, eqs. 2.5-2.8):
    Chebyshev polynomials T_j and their first two derivatives at w0 = 1 + eps/s^2."""
    w0 = 1.0 + RKC_EPS / (s * s)
    tj[0] = 1.0
    tj[1] = w0
    dj[0] = 0.0
    dj[1] = 1.0
    ej[0] = 0.0
    ej[1] = 0.0
    for j in range(2, s + 1):
        tj[j] = 2.0 * w0 * tj[j - 1] - tj[j - 2]
        dj[j] = 2.0 * tj[j - 1] + 2.0 * w0 * dj[j - 1] - dj[j - 2]
        ej[j] = 4.0 * dj[j - 1] + 2.0 * w0 * ej[j - 1] - ej[j - 2]
    w1 = dj[s] / ej[s]
    for j in range(2, s + 1):
        bj[j] = ej[j] / (dj[j] * dj[j])
    bj[0] = bj[2]
    bj[1] = bj[2]
    mut[1] = bj[1] * w1
    for j in range(2, s + 1):
        mu[j] = 2.0 * w0 * bj[j] / bj[j - 1]
        nu[j] = -bj[j] / bj[j - 2]
        mut[j] = 2.0 * w1 * bj[j] / bj[j - 1]
        gat[j] = -(1.0 - bj[j - 1] * tj[j - 1]) * mut[j]


@njit(cache=True)
def _integrate_one(y, par, grp_tab, site_tab, path_tab, help_link, pg, px,
                   seg_t, seg_diet, seg_inoc, sample_t, out, rec_vars,
                   pred_tab, cond_start, cond_count, cond_dur, cond_first, rtol, atol, hmax, stats):
    """One person through their segments. ``stats``: accepted and rejected steps, and (when it
    has room) right-hand-side evaluations and accepted RKC steps."""
    cond_run = np.full(cond_first.shape[0], np.nan)
    n = y.shape[0]
    G = grp_tab.shape[0]
    S = site_tab.shape[0]
    P = path_tab.shape[0]
    po = G * NG + S * NS
    npos_thr = par[I_ABPOS]
    sigma = np.zeros(G)
    antigen = np.zeros(G)
    alg = np.zeros((S, N_AS))
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    yt = np.empty(n)
    y5 = np.empty(n)
    pdir = np.zeros(n)  # power-method direction (kept between estimates)
    # RKC coefficients
    tj = np.empty(RKC_MAXS + 1)
    dj = np.empty(RKC_MAXS + 1)
    ej = np.empty(RKC_MAXS + 1)
    bj = np.empty(RKC_MAXS + 1)
    mu = np.empty(RKC_MAXS + 1)
    nu = np.empty(RKC_MAXS + 1)
    mut = np.empty(RKC_MAXS + 1)
    gat = np.empty(RKC_MAXS + 1)
    s_coef = 0  # stage number the coefficient arrays hold
    diet = np.zeros(seg_diet.shape[1])
    nseg = seg_t.shape[0]
    ns = sample_t.shape[0]
    isample = 0
    t = seg_t[0]
    h = 0.01
    nsteps = 0
    nrej = 0
    nevals = 0
    nrkc = 0
    extinct = par[I_EXTINCT]
    stiff = False  # RKC in charge
    nstiff = 0  # consecutive full-length DP5 steps
    rho = 0.0  # spectral radius used by RKC
    rho0 = 0.0  # ... its latest power-method value (x RHO_SAFETY)
    since_rho = 0  # accepted RKC steps since that estimate
    for iseg in range(nseg - 1):
        t0 = seg_t[iseg]
        t1 = seg_t[iseg + 1]
        if not (t1 > t0) or not np.isfinite(t1):
            continue
        for d in range(diet.shape[0]):
            diet[d] = seg_diet[iseg, d]
        for p in range(P):
            if seg_inoc[iseg, p] > 0.0:
                y[po + p * NP + PV] += seg_inoc[iseg, p]
                h = min(h, 0.01)
                stiff = False  # an infection starts: dynamics, back to DP5
                nstiff = 0
        t = t0
        # samples exactly at t0
        while isample < ns and sample_t[isample] <= t + 1e-12:
            for j in range(rec_vars.shape[0]):
                out[isample, j] = y[rec_vars[j]]
            isample += 1
        _conditions_point(y, t, G, pred_tab, cond_start, cond_count, cond_dur, cond_run, cond_first, npos_thr)
        rhs(y, k1, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
        nevals += 1
        while t < t1 - 1e-12:
            if nsteps + nrej > 2000000:
                stats[0] = nsteps
                stats[1] = -1
                return
            tend = t1
            if isample < ns and sample_t[isample] < tend:
                tend = sample_t[isample]
            hh = min(h, hmax, tend - t)
            last = hh >= tend - t - 1e-12
            if stiff:
                # ---------------------------------------------------------------- RKC step
                if since_rho >= RHO_EVERY:
                    est, ev = _spectral_radius(y, k1, pdir, k6, yt, par, grp_tab, site_tab, path_tab, help_link,
                                               pg, px, diet, sigma, antigen, alg)
                    nevals += ev
                    rho0 = RHO_SAFETY * est
                    rho = rho0
                    since_rho = 0
                s = 1 + int(np.sqrt(1.0 + 1.54 * hh * rho))
                if s > RKC_MAXS:
                    s = RKC_MAXS
                    hh = (s * s - 1.0) / (1.54 * rho)
                    last = False
                if s < 2:
                    s = 2
                if s != s_coef:  # the coefficients depend on the stage number only
                    _rkc_coefficients(s, tj, dj, ej, bj, mu, nu, mut, gat)
                    s_coef = s
                # stage values Y_{j-2} in k3 and Y_{j-1} in y5 (shifted by copying: rebinding array
                # variables in the loop costs numba reference-count updates that outweigh the copy)
                for i in range(n):
                    k3[i] = y[i]
                    y5[i] = y[i] + mut[1] * hh * k1[i]
                for j in range(2, s + 1):
                    rhs(y5, k2, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
                    a = 1.0 - mu[j] - nu[j]
                    for i in range(n):
                        yj = a * y[i] + mu[j] * y5[i] + nu[j] * k3[i] + hh * (mut[j] * k2[i] + gat[j] * k1[i])
                        k3[i] = y5[i]
                        y5[i] = yj
                rhs(y5, k7, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
                nevals += s
                err = 0.0
                for i in range(n):
                    e = 0.8 * (y[i] - y5[i]) + 0.4 * hh * (k1[i] + k7[i])
                    sc = atol + rtol * max(abs(y[i]), abs(y5[i]))
                    r = e / sc
                    err += r * r
                err = np.sqrt(err / n)
                if err <= 1.0 or hh < 1e-9:
                    tn = tend if last else t + hh
                    isample, extra = _take_step(y, y5, k1, k7, t, tn, yt, G, pred_tab, cond_start, cond_count, cond_dur,
                                                cond_run, cond_first, npos_thr, po, extinct, par, grp_tab, site_tab,
                                                path_tab, help_link, pg, px, diet, sigma, antigen, alg, isample,
                                                sample_t, rec_vars, out)
                    t = tn
                    nsteps += 1
                    nrkc += 1
                    nevals += extra
                    hn = hh * min(10.0, max(0.1, 0.8 * (1.0 / max(err, 1e-10)) ** (1.0 / 3.0)))
                    h = max(h, hn) if last else hn
                    rho = max(rho0, rho * RHO_DECAY)
                    since_rho += 1
                else:
                    nrej += 1
                    h = hh * max(0.1, 0.8 * (1.0 / err) ** (1.0 / 3.0))
                    rho *= RHO_UP
                if h * rho < RKC_BACK:  # accuracy-limited: DP5 is stable at this step and cheaper
                    stiff = False
                continue
            # -------------------------------------------------------------------- DP5 step
            for i in range(n):
                yt[i] = y[i] + hh * _A21 * k1[i]
            rhs(yt, k2, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            for i in range(n):
                yt[i] = y[i] + hh * (_A31 * k1[i] + _A32 * k2[i])
            rhs(yt, k3, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            for i in range(n):
                yt[i] = y[i] + hh * (_A41 * k1[i] + _A42 * k2[i] + _A43 * k3[i])
            rhs(yt, k4, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            for i in range(n):
                yt[i] = y[i] + hh * (_A51 * k1[i] + _A52 * k2[i] + _A53 * k3[i] + _A54 * k4[i])
            rhs(yt, k5, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            for i in range(n):
                yt[i] = y[i] + hh * (_A61 * k1[i] + _A62 * k2[i] + _A63 * k3[i] + _A64 * k4[i] + _A65 * k5[i])
            rhs(yt, k6, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            for i in range(n):
                y5[i] = y[i] + hh * (_B1 * k1[i] + _B3 * k3[i] + _B4 * k4[i] + _B5 * k5[i] + _B6 * k6[i])
            rhs(y5, k7, par, grp_tab, site_tab, path_tab, help_link, pg, px, diet, sigma, antigen, alg)
            nevals += 6
            err = 0.0
            for i in range(n):
                e = hh * (_E1 * k1[i] + _E3 * k3[i] + _E4 * k4[i] + _E5 * k5[i] + _E6 * k6[i] + _E7 * k7[i])
                sc = atol + rtol * max(abs(y[i]), abs(y5[i]))
                r = e / sc
                err += r * r
            err = np.sqrt(err / n)
            if err <= 1.0 or hh < 1e-9:
                tn = tend if last else t + hh
                isample, extra = _take_step(y, y5, k1, k7, t, tn, k2, G, pred_tab, cond_start, cond_count, cond_dur,
                                            cond_run, cond_first, npos_thr, po, extinct, par, grp_tab, site_tab,
                                            path_tab, help_link, pg, px, diet, sigma, antigen, alg, isample,
                                            sample_t, rec_vars, out)
                t = tn
                nsteps += 1
                nevals += extra
                fac = 0.9 * (1.0 / max(err, 1e-10)) ** 0.2
                capped = h >= hmax  # the step was set by hmax, not by stability or accuracy
                if not last:
                    h = hh * min(5.0, max(0.2, fac))
                else:
                    h = max(h, hh * min(5.0, max(0.2, fac)))
                # a long run of full-length steps: stability-limited, RKC takes over (rho by the power method)
                if last or capped or hh < STIFF_HMIN:
                    nstiff = 0
                else:
                    nstiff += 1
                    if nstiff >= STIFF_STEPS:
                        stiff = True
                        since_rho = RHO_EVERY  # estimate rho before the first RKC step
                        nstiff = 0
                        h = max(h, hh)
            else:
                nrej += 1
                h = hh * max(0.1, 0.9 * (1.0 / err) ** 0.25)
    while isample < ns:
        for j in range(rec_vars.shape[0]):
            out[isample, j] = y[rec_vars[j]]
        isample += 1
    stats[0] = nsteps
    stats[1] = nrej
    if stats.shape[0] >= 4:
        stats[2] = nevals
        stats[3] = nrkc


@njit(cache=True, parallel=True)
def integrate_batch(Y, par, grp_tab, site_tab, path_tab, help_link, PG, PX,
                    SEG_T, SEG_DIET, SEG_INOC, sample_t, OUT, rec_vars,
                    pred_tab, cond_start, cond_count, cond_dur, COND, rtol, atol, hmax, STATS):
    """Advance every person (row of ``Y``) through their own exposure segments; people are
    independent (``prange``), so results do not depend on the batch or the thread count."""
    for i in prange(Y.shape[0]):
        _integrate_one(Y[i], par, grp_tab, site_tab, path_tab, help_link, PG[i], PX[i],
                       SEG_T[i], SEG_DIET[i], SEG_INOC[i], sample_t, OUT[i], rec_vars,
                       pred_tab, cond_start, cond_count, cond_dur, COND[i], rtol, atol, hmax, STATS[i])
