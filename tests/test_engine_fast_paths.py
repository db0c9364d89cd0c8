"""The engine's fast paths change cost, not results: the stiff-stretch integrator (RKC) agrees
with tightly controlled Dormand-Prince, condition times do not depend on step sizes, thread
counts do not change anything, and per-molecule presentation caching gives the genotype-level
numbers to the last bit."""

import warnings

import numba
import numpy as np
import pytest

from autoimmunity.host import Genotype, draw_people, typical_infections
from autoimmunity.host._scenario import YEAR
from autoimmunity.immune import PersonInputs, build_model, make_schedule, simulate

HLA = "DRB1*15:01, DRB1*01:01, DQA1*01:02-DQB1*06:02, DQA1*01:01-DQB1*05:01"


@pytest.fixture(scope="module")
def model():
    return build_model()


def _people(m, genotypes, years, seed):
    rngs = [np.random.default_rng(c) for c in np.random.SeedSequence(seed).spawn(len(genotypes))]
    parts = [draw_people(m, [g], r) for g, r in zip(genotypes, rngs)]
    persons = PersonInputs(np.concatenate([p.pg for p in parts]), np.concatenate([p.px for p in parts]))
    people = [{"infections": [(e.day, e.pathogen, e.dose) for e in typical_infections(r, years)],
               "diet": [(0.0, "gluten", 0.0), (0.5 * YEAR, "gluten", 4.0), (2 * YEAR, "gluten", 10.0)]} for r in rngs]
    return persons, make_schedule(m, people, years * YEAR)


def test_stiff_stretches_use_rkc_and_agree_with_tight_dormand_prince(model):
    years = 15.0
    persons, sch = _people(model, [Genotype(HLA)] * 2, years, seed=5)
    fast = simulate(model, persons, sch, [], record=False)
    assert (fast.work[:, 1] > 0).all(), "RKC never took over a quiescent stretch"
    # quiet years (the same people without infections): stability-limited Dormand-Prince needs
    # ~6 evaluations per 3.3 days whatever the tolerance; RKC must do with fewer
    quiet = make_schedule(model, [{"diet": [(0.0, "gluten", 10.0)]}] * 2, years * YEAR)
    calm = simulate(model, persons, quiet, [], record=False)
    assert (calm.work[:, 0] < 0.85 * 6 * years * YEAR / 3.3).all()
    # hmax = 1 day keeps Dormand-Prince below its stability limit (RKC never engages)
    ref = simulate(model, persons, sch, [], record=False, rtol=1e-10, atol=1e-13, hmax=1.0)
    assert (ref.work[:, 1] == 0).all()
    # relative 1e-3 (as the solve_ivp agreement test), absolute 1e-7 (0.1 cell; atol is 1e-9)
    excess = np.abs(fast.final - ref.final) / (1e-3 * np.abs(ref.final) + 1e-7)
    assert excess.max() < 1.0


def test_condition_times_do_not_depend_on_step_size(model):
    # FOXP3 loss of function: enteropathy and autoantibodies in the first years
    gts = [Genotype(HLA, foxp3="null")] * 6
    persons, sch = _people(model, gts, 5.0, seed=12)
    a = simulate(model, persons, sch, [], record=False)
    b = simulate(model, persons, sch, [], record=False, rtol=1e-9, atol=1e-12, hmax=0.5)
    assert np.isfinite(a.first).sum() >= 6
    np.testing.assert_array_equal(np.isfinite(a.first), np.isfinite(b.first))
    both = np.isfinite(a.first)
    assert np.abs(a.first[both] - b.first[both]).max() < 0.05  # days; steps are days to weeks long


def test_thread_count_does_not_change_results(model):
    persons, sch = _people(model, [Genotype(HLA)] * 4 + [Genotype(HLA, foxp3="null")] * 2, 6.0, seed=3)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(model, persons, sch, [], record=False)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate(model, persons, sch, [], record=False)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one.final, two.final)
    np.testing.assert_array_equal(one.first, two.first)
    np.testing.assert_array_equal(one.steps, two.steps)


@pytest.mark.parametrize("hla", [
    HLA,
    "DRB1*03:01, DRB1*04:01, DQA1*05:01-DQB1*02:01, DQA1*03:01-DQB1*03:02",  # trans DQ molecules
    "DRB1*03:01, DQA1*05:01-DQB1*02:01",  # one copy of each (a homozygote lists both)
])
def test_presentation_weight_cached_per_molecule_is_exact(hla):
    from autoimmunity.host._seeding import _modified_protein, presentation_weight
    from autoimmunity.immune._model import eaten_protein
    from autoimmunity.molecular import get_protein, parse_genotype, presented_ligands

    proteins = [get_protein("INS"), get_protein("TGM2"), eaten_protein("GDA9"), _modified_protein("GDA9", "diet")]
    for prot in proteins:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = presented_ligands(parse_genotype(hla), [prot], threshold=10.0)
        expected = 0.0 if table.empty else float(np.sum(2.0 ** (-table["percentile_rank"].to_numpy(float) / 2.0)))
        assert presentation_weight(hla, prot) == expected


def test_cohort_threads_do_not_change_results(tmp_path):
    import pandas as pd

    from autoimmunity.cohort import RunConfig, load_cohort, run_cohort

    config = RunConfig(n=6, seed=4, horizon_years=10.0)
    run_cohort(tmp_path / "a", config, chunk_size=6, threads=1)
    run_cohort(tmp_path / "b", config, chunk_size=6, threads=2)
    a, b = load_cohort(tmp_path / "a"), load_cohort(tmp_path / "b")
    pd.testing.assert_frame_equal(a.drop(columns=["enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages"]), b.drop(columns=["enterovirus_ages", "enterovirus_b_ages", "enterovirus_islet_ages"]))


def test_spectral_radius_estimate_sees_only_components_that_can_move(model):
    """RKC's stage number follows the power-method estimate of the Jacobian's spectral radius.
    A cleared pathogen's load is exactly zero with an exactly zero derivative, so no explicit
    method ever moves it: its fast mode (growth or clearance, ~1-3/day) must not count. The
    estimate must not exceed the spectral radius of the Jacobian over the other components."""
    from autoimmunity.immune import _kernel as K

    persons, _ = _people(model, [Genotype(HLA)], 1.0, seed=8)
    quiet = make_schedule(model, [{"diet": [(0.0, "gluten", 10.0)]}], 2 * YEAR)
    y = simulate(model, persons, quiet, [], record=False).final[0].copy()
    G, S = len(model.groups), len(model.sites)
    scratch = (np.zeros(G), np.zeros(G), np.zeros((S, K.N_AS)))
    diet = np.array([10.0])
    args = (model.params, model.grp_tab, model.site_tab, model.path_tab, model.help_link, persons.pg[0],
            persons.px[0], diet) + scratch

    def f(x):
        out = np.empty_like(x)
        K.rhs(x, out, *args)
        return out

    fy = f(y)
    jac = np.empty((y.size, y.size))
    for j in range(y.size):
        d = 1e-7 * max(abs(y[j]), 1e-6)
        x = y.copy()
        x[j] += d
        jac[:, j] = (f(x) - fy) / d
    moving = ~((y == 0.0) & (fy == 0.0))
    assert (~moving).any(), "expected unexposed pathogens with exactly zero load"
    full = np.abs(np.linalg.eigvals(jac)).max()
    masked = np.abs(np.linalg.eigvals(jac[np.ix_(moving, moving)])).max()
    assert full > 1.5 * masked  # the unexposed pathogens' modes dominate the full Jacobian
    est, evals = K._spectral_radius(y, fy, np.zeros_like(y), np.empty_like(y), np.empty_like(y), *args)
    assert 0 < evals <= K.RHO_ITERS
    # never inflated by the cleared pathogens' modes; from fy the power method may settle on a slower mode when
    # the fastest moving component is at rest (here the airway's debris, derivative ~0): RKC's error control
    # then rejects the unstable step and raises the estimate (RHO_UP), see _spectral_radius
    assert est <= 1.05 * masked and est < full / 1.5
    assert est > 0.25 * masked  # measured 0.33 of it (session 15): a slower mode, not a collapse to the floor


def test_sparse_tables_hold_the_dense_definitions(model):
    """The kernel reads B-cell help partners from a packed sparse table and each pathogen's
    specific group from ``path_tab``; both must say what the dense definitions say."""
    from autoimmunity.immune import _kernel as K
    from autoimmunity.immune._model import pack_links

    rng = np.random.default_rng(3)
    dense = np.where(rng.random((7, 7)) < 0.3, rng.random((7, 7)), 0.0)
    dense[2] = 0.0  # a group without partners
    packed = pack_links(dense)
    back = np.zeros_like(dense)
    for g in range(7):
        for j in range(int(packed[g, 0])):
            back[g, int(packed[g, 1 + 2 * j])] = packed[g, 2 + 2 * j]
    np.testing.assert_array_equal(back, dense)
    assert packed[2, 0] == 0
    labels = [g.label for g in model.groups]
    partners = {labels[g]: {labels[int(model.help_link[g, 1 + 2 * j])] for j in range(int(model.help_link[g, 0]))}
                for g in range(len(labels))}
    # tTG-gliadin complexes: tTG deamidates the gliadin it binds, so tTG B cells are helped by
    # the clones for deamidation-created epitopes, not by native-gliadin clones
    assert partners["TGM2"] == {"TGM2", "GDA9_deamidated"} and partners["GDA9_deamidated"] == {"GDA9_deamidated", "TGM2"}
    assert partners["GDA9"] == {"GDA9"}
    assert partners["INS"] == {"INS"}
    for p, spec in enumerate(model.pathogens):
        g = int(model.path_tab[p, K.PT_GROUP])
        assert model.groups[g].kind == "pathogen" and model.groups[g].source == spec.name


def test_condition_predicates_count_positive_antibodies(model):
    """Clinical conditions read antibody positivity from one bitmask per state: a predicate
    "at least k of this antigen set positive" must count exactly the set's positive groups."""
    from autoimmunity.immune import _kernel as K

    G = len(model.groups)
    y = np.zeros(model.n_state)
    thr = model.params[K.I_ABPOS]
    islet = [i for i, g in enumerate(model.groups) if g.site == "pancreatic_islet" and g.kind == "self"]
    stage1 = model.conditions.index(("t1d", "stage1"))
    for n_pos in range(len(islet) + 1):
        y[:] = 0.0
        for i in islet[:n_pos]:
            y[i * K.NG + K.VAB] = 2.0 * thr
        y[model.groups.index(next(g for g in model.groups if g.symbol == "TGM2")) * K.NG + K.VAB] = 2.0 * thr
        positive = K._positive(y, G, thr)
        assert bin(positive).count("1") == n_pos + 1
        holds = K._holds(y, positive, stage1, G, model.pred_tab, model.cond_start, model.cond_count)
        assert holds == (n_pos >= 2)  # stage 1: two or more islet autoantibodies (anti-tTG does not count)
