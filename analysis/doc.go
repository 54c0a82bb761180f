// Package analysis holds the numerics that study trained models: PCA, affine
// regression and R², Procrustes and CCA, fixed points with Jacobian stability,
// and Dynamical Similarity Analysis. Everything here is float64 and uses gonum.
package analysis
