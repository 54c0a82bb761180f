// Package gemm provides the dense matrix products the models are built from:
// C = alpha·op(A)·op(B) + beta·C on row-major slices, where op transposes when
// asked (BLAS semantics; beta = 0 overwrites C without reading it). float32
// (training) and float64 (gradient checks, analysis) share one generic API,
// [Gemm]. Calls are single-threaded, allocation-free in steady state and safe
// for concurrent use; callers that want several cores split the rows of C.
//
// # Design
//
// The float32 path on amd64 is the GotoBLAS/BLIS scheme, with one of two
// assembly micro-kernels chosen at run time (internal/simd: AVX-512F/BW/VL
// with OS support, else AVX2+FMA, else portable Go; SetPath forces one, and
// CTDTUI_SIMD=avx2 or go caps the choice):
//
//   - k is cut into passes of at most kcMax = 256 (equal lengths), m into
//     blocks of mcMax = 144 rows and n into blocks of ncMax = 1536 columns;
//   - for each (n block, k pass) op(B) is packed into kc×nr panels, nr
//     contiguous values per step; a transposed B is packed by 8×8 register
//     transposes in assembly (packBT16, packBT32);
//   - the AVX2 micro-kernel (kernel6x16, sgemm_amd64.s) keeps a 6×16 tile of
//     C in 12 ymm accumulators; per k step it loads the panel row into two
//     registers and broadcasts six A values: 12 FMAs for 8 loads, within the
//     two loads per cycle that keep both FMA pipes busy. The AVX-512 kernel
//     (kernel8x32, sgemm512_amd64.s) keeps an 8×32 tile in 16 zmm
//     accumulators: 16 FMAs of 16 lanes for 10 loads per step, and uses
//     only AVX-512F instructions. Each loops over all strips of the A block
//     against one B panel (the panel stays in L1 while A streams from L2),
//     and applies alpha and beta when storing.
//   - A is not packed: full strips are read in place. A row-major A uses six
//     (eight) row pointers (base+displacement addressing: an indexed
//     broadcast costs ~15% of the kernel's speed here); a transposed A has
//     the values of each step contiguous, one step lda apart (the AVX-512
//     kernel prefetches 20 steps ahead there). Only a ragged last strip
//     (m mod mr rows) is packed, zero padded. Measured on the shapes below,
//     reading in place beat packing A in Go by 10-30% (packing costs a pass
//     over A for ~2n flops per element, with n as small as 64 here; for the
//     AVX-512 kernel on the weight gradient, 98 against 138 GFLOP/s).
//   - tiles that stick out of C (n mod nr columns, m mod mr rows) are
//     computed into a scratch panel and merged.
//   - packing buffers (64-byte aligned) live in a workspace cache that the
//     garbage collector does not empty, one workspace per concurrent call.
//
// float64 (gradient checks, the float64 maps of the fixed-point finder's
// Newton refinement and Jacobians) runs the same driver with the same kernels
// on doubles (dgemm_amd64.s: an 8×16 AVX-512 tile, a 6×8 AVX2 tile, and
// 4×4 transposes for a transposed B), at ~100 GFLOP/s on the GRU-128
// Jacobian's products (the float64 FMA peak is
// half the float32 one; BenchmarkDgemm), against ~6 for the Go kernel.
//
// Everywhere else the same driver runs a portable 4×16 Go kernel
// (kernel_go.go). Go has no SIMD, so it reaches only ~5 GFLOP/s on the
// development machine: about half of gonum's Sgemm (SSE assembly), ~20× below
// the AVX2 path and ~40× below AVX-512. Tests run every path the machine has
// (subtests named avx512, avx2, go) against the plain loop gemmRef on
// thousands of random shapes (1..40 in each dimension, every transpose
// combination, strided operands, alpha/beta cases, NaN in C with beta = 0)
// and on shapes that cross the block sizes.
//
// # Performance and what limits it
//
// BenchmarkFMAPeak measures the ceiling: a register-only loop of independent
// FMAs. One core of the development machine (AMD EPYC, Zen 5 class, full-width
// 512-bit FMA pipes) runs it at ~115-130 GFLOP/s with 256-bit and ~230-260
// with 512-bit vectors (the clock varies with the machine's load). The
// benchmarks report GFLOP/s per CPU second of the process (robust to other
// processes taking the core; run them with -cpu 1) and, beside them, the
// fraction of both peaks measured in the same process (%fma256, %fma512):
//
//	go test -run '^$' -bench 'FMAPeak|Kernel|Sgemm/gru128_b256_' -cpu 1 ./nets/gemm
//
// On L1-resident data (BenchmarkKernel) the AVX2 kernel runs at ~94% of the
// 256-bit peak and the AVX-512 kernel at 91-95% of the 512-bit peak. Through
// the driver, on the GRU-128 products at batch 256, AVX-512 reaches 85-90%
// of the 512-bit peak for the forward h·W_hhᵀ, ~83% for the backward dG·W_hh
// and 80-86% for the weight gradient over a flush of 512 rows (NODE-3's
// 64-wide layers: 80-87%, its weight gradient goes to nets' outer-product
// kernel); AVX2 reaches ~44% of it (88% of the 256-bit peak); gonum's Sgemm
// 10-13 GFLOP/s. Both kernels accumulate each element of C with one FMA per
// step in the same order, so their results are bit-identical for beta = 0
// or 1 (TestPathsAgree). The remaining gap to peak:
//
//   - fixed costs per tile (zeroing, alpha/beta, storing C: a few dozen
//     cycles against 6 (AVX2) or 8 (AVX-512) per k step) and per call
//     (packing B: one pass over op(B) for 2m flops per element); they matter
//     when k or m is small: k = 64 loses ~10%, k = 3 is bound by writing C;
//   - padding: m mod mr and n mod nr are computed in full (m = 128 wastes 3%
//     with mr = 6, n = 3 wastes most of a tile; the narrow input-weight
//     gradient is ~14 GFLOP/s);
//   - a transposed A read in place (the weight gradient dGᵀ·h) touches one
//     cache line per k step, all in a few L1 sets when 4·lda has a large
//     power-of-two factor (lda = 384: 8 of the 64 sets), and, with k in the
//     thousands, streams from DRAM (the AVX-512 kernel prefetches 20 steps
//     ahead; packing those strips, in Go or in assembly, measured slower);
//   - the machine is shared: other processes' load moves single runs by ±20%.
//
// A multiply with a transposed B (h·W_hhᵀ) costs a transposing pack every
// call; W_hh changes only once per batch, but the cost is already small
// (≤5%) with the assembly transpose, so there is no pre-packed API.
package gemm
