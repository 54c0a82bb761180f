// Package analysis holds the numerics that study trained models: PCA, affine
// regression and R², Procrustes and CCA, the model-comparison metrics of the
// computation-through-dynamics benchmark (CTD), fixed points with Jacobian
// stability, and Dynamical Similarity Analysis (DSA). Everything is float64
// and built on gonum; nothing here knows about a particular model type.
//
// # Data layout
//
// Trial data are B×T×N arrays stored row-major, trial by trial and time
// step by time step (Trials). Every PCA, regression and R² of the reference works on the "flat"
// (B·T)×N matrix with row b*T+t, which is the same memory (Trials.Flat); the
// functions here take that flat matrix as a gonum mat.Matrix. DSA keeps the
// trials apart (Trials) because its delay embedding must not straddle them.
//
// # PCA, regression, metrics
//
// FitPCA is sklearn's PCA with an exact decomposition (never the randomized
// solver) and sklearn 1.2.1's sign rule; PCA.Scree gives the scree series.
// FitLinearRegression, R2Raw/R2Score and ExplainedVarianceScore reproduce
// sklearn (minimum-norm least squares for rank-deficient designs, force_finite
// special cases, uniform and variance-weighted averages). The CTD metrics are
// StateR2 (and StateR2PerPC), StateR2VAF, RateR2, LatentsVAF, PerformanceR2,
// PCToPCR2 and ProjectIntoReferencePCs; Procrustes (and ProcrustesDisparity)
// is scipy's; FitCCA and CCAR2 are sklearn's NIPALS CCA as CTD's compare_CCA
// uses it, CanonicalCorrelations the exact correlations it estimates.
//
// Each regression-based metric has one implementation per solver, chosen by
// MetricSettings.Solver: SolverExact works on the data with SVDs as
// scikit-learn and scipy do; SolverGram works on the centred cross-products
// of the two data sets (CrossGram, one pass over the rows), which is what
// tall latents (hundreds of thousands of steps) need; SolverAuto picks by
// size. CrossGram's methods are the Gram forms, so that several metrics of
// one pair share the pass over the data. SignalR2,
// SignalR2Linear and CycleConsistency are the later upstream toolkit's
// train/validation metrics, and CKA is an addition. All match the golden
// vectors of the reference to ~1e-10.
//
// # Fixed points
//
// A model enters through the Map interface: a batched one-step transition
// x' = F(x, u) with its vector–Jacobian product and its Jacobian; the models'
// maps live in package nets (the float64 reference maps of the cells that
// the tests check the finder with are in this package's test files). Faster
// maps may implement ResidualVJPMap (F and the gradient in one pass) and
// Precisioner (looser defaults for float32 maps).
//
// FindFixedPoints minimises q(x) = ½‖F(x, u) − x‖² with Adam on the mean q
// over all initial states (SampleInitialStates draws them from trajectory
// states, each paired with the input that produced it). FixedPointReference
// reproduces CTD's find_fixed_points step for step (including its q* being
// one step older than x*); the default FixedPointRefine mode stops rows when
// they converge, refines them with Newton's method, separates true fixed
// points from slow points and unconverged rows, drops distance outliers and
// merges duplicates, and reports each distinct point's Jacobian, eigenvalues
// and stability (|λ|max < 1, the discrete-time criterion). The search takes a
// context.Context and reports progress through a callback.
//
// After the search, rows are grouped into places once, whatever the q
// threshold (places.go): fixed points by the finder's merge, other rows to
// the nearest fixed point within the place radius or into single-linkage
// clusters. PlaceLadder then counts the places under each threshold
// 1e-1 … 1e-14 by stability type (stable, saddle-k, unstable; rotational,
// slow modes), monotone in the threshold and equal to what a search with that
// threshold reports. ReferenceLadder is CTD's version (rows below each
// threshold, merged within tol_unique).
//
// # Decoding over time
//
// DecodeOverTime fits, at every step of a set of aligned samples, a ridge
// regression from the latents to task variables (RidgeBasis: one
// eigendecomposition of XᵀX per step, the penalty chosen by exact
// leave-one-out cross-validation on the training samples, shared by the
// label-shuffled controls and by groups of variables), scores it by R² on
// the validation samples, and DecodeResult.CrossTemporal scores each step's
// decoder at every other step.
//
// # DSA
//
// FitDMD delay-embeds the data (DelayEmbed), takes the SVD and fits the
// HAVOK-style operator Av. For the wide embeddings of DSA at the reference's
// settings (20 delays of 128 latents) the truncated solver takes only the
// leading Rank singular triplets, from the embedding's Gram matrix built
// from lagged covariances, by block Lanczos (DMDSettings.Solver). SimilarityDistance compares two operators up to an
// orthogonal change of basis. Its default method searches the whole
// orthogonal group (both determinants) from structured and random starts and
// reaches the true optimum where DSA's own optimiser — also available, as
// SimilarityReference/ReferenceSimilarity, to replay reference runs — stalls
// in local minima or cannot represent reflections. WassersteinEigenvalues is
// DSA v2's default score. DSAPairwise, DSACross, DSADataSplits, DSAToIdentity
// and DSAHyperparameterSweep are the drivers CTD uses.
//
// # Randomness and determinism
//
// Randomness comes from a caller's *rand.Rand (math/rand/v2); the same seed
// gives the same result. Settings structs may be nil for the defaults; shape
// misuse panics, bad parameters and numerical failures return errors.
package analysis
