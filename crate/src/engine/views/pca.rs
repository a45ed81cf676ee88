//! Principal component analysis for the representation view: the covariance of a
//! cloud of points, a symmetric eigensolver (cyclic Jacobi rotations), the leading
//! eigenvectors of a large covariance by subspace iteration, and axes kept stable from
//! one frame to the next (same order, same sign, no spin inside a nearly round cloud).

/// Below this many dimensions the whole covariance is diagonalised by Jacobi rotations;
/// above it the leading eigenvectors come from subspace iteration.
const JACOBI_MAX_DIM: usize = 32;
/// Most Jacobi sweeps.
const MAX_SWEEPS: usize = 64;
/// Subspace iterations from a cold start and from the previous frame's axes.
const COLD_ITERATIONS: usize = 400;
const WARM_ITERATIONS: usize = 60;
/// Relative eigengap (l1 - l2) / l1 below which the two axes count as interchangeable
/// and are turned inside their plane to match the previous frame (blending towards
/// the true eigenvectors up to `GAP_HIGH`).
const GAP_LOW: f64 = 0.05;
const GAP_HIGH: f64 = 0.25;

/// Eigenvalues (descending) and unit eigenvectors of a symmetric `n` x `n` matrix given
/// row-major, by cyclic Jacobi rotations. Vector `k` is `vectors[k * n..(k + 1) * n]`.
/// Only the upper triangle's symmetry is assumed, not checked.
pub fn symmetric_eigen(matrix: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(matrix.len(), n * n, "symmetric_eigen: matrix is not n x n");
    let mut a = matrix.to_vec();
    // v holds the accumulated rotations; its columns become the eigenvectors.
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _ in 0..MAX_SWEEPS {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = if theta == 0.0 {
                    1.0
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A <- J^T A J with J the rotation in the (p, q) plane: columns, then rows.
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (k, &i) in order.iter().enumerate() {
        for r in 0..n {
            vectors[k * n + r] = v[r * n + i];
        }
    }
    (values, vectors)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// y = C x for the symmetric `n` x `n` matrix C.
fn mat_vec(c: &[f64], n: usize, x: &[f64], y: &mut [f64]) {
    for (i, yi) in y.iter_mut().enumerate() {
        *yi = dot(&c[i * n..(i + 1) * n], x);
    }
}

/// Orthonormalises the `k` vectors of length `n` in `q` (modified Gram-Schmidt). A
/// vector that collapses is replaced by the first unit vector independent of the others.
fn orthonormalise(q: &mut [f64], n: usize, k: usize) {
    for j in 0..k {
        for attempt in 0..=n {
            for i in 0..j {
                let (before, here) = q.split_at_mut(j * n);
                let qi = &before[i * n..(i + 1) * n];
                let qj = &mut here[..n];
                let d = dot(qi, qj);
                for (x, y) in qj.iter_mut().zip(qi) {
                    *x -= d * y;
                }
            }
            let qj = &mut q[j * n..(j + 1) * n];
            let norm = dot(qj, qj).sqrt();
            if norm > 1e-12 && norm.is_finite() {
                qj.iter_mut().for_each(|x| *x /= norm);
                break;
            }
            // Collapsed: try the next coordinate axis.
            qj.iter_mut().for_each(|x| *x = 0.0);
            qj[(j + attempt) % n] = 1.0;
        }
    }
}

/// The `k` leading eigenvalues and eigenvectors of the symmetric `n` x `n` matrix `c`
/// (row-major). `start` (k vectors of length n), when given, seeds subspace iteration;
/// small matrices are diagonalised exactly instead. Vectors come out in the order of
/// their eigenvalues, largest first, each as `n` consecutive values.
pub fn leading_eigen(c: &[f64], n: usize, k: usize, start: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
    let k = k.min(n);
    if n <= JACOBI_MAX_DIM {
        let (values, vectors) = symmetric_eigen(c, n);
        return (values[..k].to_vec(), vectors[..k * n].to_vec());
    }
    let mut q = match start {
        Some(s) if s.len() == k * n => s.to_vec(),
        _ => {
            // Cold start: the coordinate axes of the largest variances, slightly mixed.
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&i, &j| c[j * n + j].total_cmp(&c[i * n + i]));
            let mut q = vec![0.0; k * n];
            for (j, &i) in idx.iter().take(k).enumerate() {
                for r in 0..n {
                    q[j * n + r] = 1e-3 * (((r * 7 + j * 13) % 11) as f64 - 5.0);
                }
                q[j * n + i] = 1.0;
            }
            q
        }
    };
    orthonormalise(&mut q, n, k);
    let iterations = if start.is_some() {
        WARM_ITERATIONS
    } else {
        COLD_ITERATIONS
    };
    let mut z = vec![0.0; k * n];
    for _ in 0..iterations {
        for j in 0..k {
            mat_vec(c, n, &q[j * n..(j + 1) * n], &mut z[j * n..(j + 1) * n]);
        }
        orthonormalise(&mut z, n, k);
        // How far the subspace moved: k - ||Q^T Z||_F^2 is 0 for the same subspace.
        let mut overlap = 0.0;
        for i in 0..k {
            for j in 0..k {
                overlap += dot(&q[i * n..(i + 1) * n], &z[j * n..(j + 1) * n]).powi(2);
            }
        }
        std::mem::swap(&mut q, &mut z);
        if k as f64 - overlap < 1e-13 {
            break;
        }
    }
    // Rayleigh-Ritz: diagonalise Q^T C Q and turn Q to its eigenvectors.
    let mut cq = vec![0.0; n];
    let mut h = vec![0.0; k * k];
    for j in 0..k {
        mat_vec(c, n, &q[j * n..(j + 1) * n], &mut cq);
        for i in 0..k {
            h[i * k + j] = dot(&q[i * n..(i + 1) * n], &cq);
        }
    }
    let (values, small) = symmetric_eigen(&h, k);
    let mut vectors = vec![0.0; k * n];
    for a in 0..k {
        for b in 0..k {
            let w = small[a * k + b];
            for r in 0..n {
                vectors[a * n + r] += w * q[b * n + r];
            }
        }
    }
    (values, vectors)
}

/// Accumulates the mean and covariance (population, divided by N) of rows of `dim`
/// values. Reuses its buffers.
#[derive(Debug, Clone, Default)]
pub struct Covariance {
    /// Mean of each dimension.
    pub mean: Vec<f64>,
    /// dim x dim, row-major.
    pub matrix: Vec<f64>,
    dim: usize,
    centred: Vec<f64>,
}

impl Covariance {
    /// Computes the mean and covariance of `rows` (row-major, `dim` values per row).
    pub fn compute(&mut self, rows: &[f32], dim: usize) {
        self.dim = dim;
        self.mean.clear();
        self.mean.resize(dim, 0.0);
        self.matrix.clear();
        self.matrix.resize(dim * dim, 0.0);
        let n = rows.len().checked_div(dim).unwrap_or(0);
        if n == 0 {
            return;
        }
        for row in rows.chunks_exact(dim) {
            for (m, &v) in self.mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        self.mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut centred = std::mem::take(&mut self.centred);
        centred.clear();
        centred.resize(dim, 0.0);
        for row in rows.chunks_exact(dim) {
            for ((c, &v), m) in centred.iter_mut().zip(row).zip(&self.mean) {
                *c = f64::from(v) - m;
            }
            for i in 0..dim {
                let ci = centred[i];
                if ci == 0.0 {
                    continue;
                }
                let out = &mut self.matrix[i * dim + i..(i + 1) * dim];
                for (o, &cj) in out.iter_mut().zip(&centred[i..]) {
                    *o += ci * cj;
                }
            }
        }
        self.centred = centred;
        for i in 0..dim {
            for j in i..dim {
                let v = self.matrix[i * dim + j] / n as f64;
                self.matrix[i * dim + j] = v;
                self.matrix[j * dim + i] = v;
            }
        }
    }

    /// Sum of the variances (the trace).
    pub fn total_variance(&self) -> f64 {
        (0..self.dim).map(|i| self.matrix[i * self.dim + i]).sum()
    }
}

/// Makes the largest-magnitude component of a vector positive: the sign convention
/// when there is no previous frame to follow.
fn canonical_sign(v: &mut [f64]) {
    let big = v
        .iter()
        .copied()
        .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    if big < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

fn wrap_angle(a: f64) -> f64 {
    let tau = std::f64::consts::TAU;
    let mut a = a % tau;
    if a > std::f64::consts::PI {
        a -= tau;
    } else if a < -std::f64::consts::PI {
        a += tau;
    }
    a
}

/// Principal axes that stay put between frames: the top `k` eigenvectors of each new
/// covariance, in the previous frame's order and with its signs. For two axes whose
/// variances are close (a round cloud, where the eigenvectors are ill-determined and
/// would spin), the pair is turned inside its plane to match the previous pair.
#[derive(Debug, Clone, Default)]
pub struct StableAxes {
    /// k unit vectors of length `dim`, one after another (empty before the first fit).
    pub axes: Vec<f64>,
    /// Variance along each axis.
    pub variance: Vec<f64>,
    /// Fraction of the total variance along each axis.
    pub explained: Vec<f64>,
    dim: usize,
    k: usize,
}

impl StableAxes {
    /// Forgets the previous axes (the next fit starts afresh).
    pub fn reset(&mut self) {
        self.axes.clear();
        self.variance.clear();
        self.explained.clear();
    }

    /// Whether there are axes from a previous fit for `dim` dimensions and `k` axes.
    pub fn has_previous(&self, dim: usize, k: usize) -> bool {
        self.dim == dim && self.k == k && self.axes.len() == dim * k
    }

    /// Fits `k` axes (1 to 3, at most `dim`) to a covariance, aligned to the previous fit.
    pub fn fit(&mut self, cov: &Covariance, k: usize) {
        let dim = cov.dim;
        let k = k.min(dim).max(1);
        let warm = self.has_previous(dim, k);
        let (values, mut vectors) =
            leading_eigen(&cov.matrix, dim, k, warm.then_some(self.axes.as_slice()));
        let total = cov.total_variance();
        if warm {
            self.align(&values, &mut vectors);
        } else {
            for j in 0..k {
                canonical_sign(&mut vectors[j * dim..(j + 1) * dim]);
            }
        }
        // Variance along each chosen axis (they may be turned away from the eigenbasis).
        let mut cv = vec![0.0; dim];
        self.variance.clear();
        for j in 0..k {
            let v = &vectors[j * dim..(j + 1) * dim];
            mat_vec(&cov.matrix, dim, v, &mut cv);
            self.variance.push(dot(v, &cv).max(0.0));
        }
        self.explained = self
            .variance
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        self.axes = vectors;
        self.dim = dim;
        self.k = k;
    }

    /// Matches freshly computed eigenvectors to the previous axes (sign, order, and
    /// inside-the-plane rotation for a near-degenerate pair).
    fn align(&self, values: &[f64], vectors: &mut [f64]) {
        let (dim, k) = (self.dim, self.k);
        let prev = &self.axes;
        if k == 2 {
            let (u1, u2) = vectors.split_at(dim);
            let (p1, p2) = prev.split_at(dim);
            // Coordinates of the previous axes in the new eigenbasis.
            let (a, b, c, d) = (dot(u1, p1), dot(u1, p2), dot(u2, p1), dot(u2, p2));
            // Best rotation (s = +1) or reflection (s = -1) of (u1, u2) onto (p1, p2).
            let rot = ((c - b).atan2(a + d), (a + d).hypot(c - b));
            let refl = ((c + b).atan2(a - d), (a - d).hypot(c + b));
            let (theta_p, s_p) = if rot.1 >= refl.1 {
                (rot.0, 1.0)
            } else {
                (refl.0, -1.0)
            };
            // The eigenvectors themselves, signed like the previous axes.
            let theta_e = if a >= 0.0 { 0.0 } else { std::f64::consts::PI };
            let s_e = d.signum() * theta_e.cos();
            let gap = if values[0] > 0.0 {
                (values[0] - values[1]) / values[0]
            } else {
                0.0
            };
            let w = ((gap - GAP_LOW) / (GAP_HIGH - GAP_LOW)).clamp(0.0, 1.0);
            let w = w * w * (3.0 - 2.0 * w);
            // Near-degenerate: follow the previous pair; well separated: the eigenvectors.
            let s = if s_p == s_e || w < 0.5 { s_p } else { s_e };
            let theta = if s == s_p {
                theta_p + w * wrap_angle(theta_e - theta_p)
            } else {
                theta_e
            };
            let (cos, sin) = (theta.cos(), theta.sin());
            let mut out = vec![0.0; 2 * dim];
            for r in 0..dim {
                out[r] = cos * u1[r] + sin * u2[r];
                out[dim + r] = s * (-sin * u1[r] + cos * u2[r]);
            }
            vectors.copy_from_slice(&out);
            return;
        }
        // One or three axes: greedy matching of order, then sign.
        let mut used = vec![false; k];
        let mut out = vec![0.0; k * dim];
        for j in 0..k {
            let pj = &prev[j * dim..(j + 1) * dim];
            let best = (0..k)
                .filter(|&i| !used[i])
                .max_by(|&x, &y| {
                    let ox = dot(&vectors[x * dim..(x + 1) * dim], pj).abs();
                    let oy = dot(&vectors[y * dim..(y + 1) * dim], pj).abs();
                    ox.total_cmp(&oy)
                })
                .unwrap_or(j);
            used[best] = true;
            let v = &vectors[best * dim..(best + 1) * dim];
            let sign = if dot(v, pj) < 0.0 { -1.0 } else { 1.0 };
            for r in 0..dim {
                out[j * dim + r] = sign * v[r];
            }
        }
        vectors.copy_from_slice(&out);
    }

    /// Projects centred rows onto the axes: out gets `k` values per row of `dim`.
    pub fn project(&self, rows: &[f32], mean: &[f64], out: &mut [f32]) {
        let (dim, k) = (self.dim, self.k);
        for (row, o) in rows.chunks_exact(dim).zip(out.chunks_exact_mut(k)) {
            for (j, oj) in o.iter_mut().enumerate() {
                let axis = &self.axes[j * dim..(j + 1) * dim];
                let mut s = 0.0;
                for ((&x, m), a) in row.iter().zip(mean).zip(axis) {
                    s += (f64::from(x) - m) * a;
                }
                *oj = s as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn jacobi_finds_a_known_decomposition() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 5, 3, 1 with vectors e3,
        // (1, 1, 0)/sqrt 2 and (1, -1, 0)/sqrt 2.
        let m = [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let (values, vectors) = symmetric_eigen(&m, 3);
        assert!(close(values[0], 5.0, 1e-12) && close(values[1], 3.0, 1e-12));
        assert!(close(values[2], 1.0, 1e-12));
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!(close(vectors[2].abs(), 1.0, 1e-12));
        assert!(close(vectors[3].abs(), r, 1e-12) && close(vectors[4], vectors[3], 1e-12));
        assert!(close(vectors[6].abs(), r, 1e-12) && close(vectors[7], -vectors[6], 1e-12));
    }

    #[test]
    fn jacobi_reconstructs_a_dense_matrix() {
        let n = 9;
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                m[i * n + j] = ((i * j) as f64 * 0.37).sin() + if i == j { 3.0 } else { 0.0 };
            }
        }
        for i in 0..n {
            for j in 0..i {
                m[i * n + j] = m[j * n + i];
            }
        }
        let (values, vectors) = symmetric_eigen(&m, n);
        // C v = lambda v for every pair, vectors orthonormal.
        for k in 0..n {
            let v = &vectors[k * n..(k + 1) * n];
            let mut cv = vec![0.0; n];
            mat_vec(&m, n, v, &mut cv);
            for r in 0..n {
                assert!(close(cv[r], values[k] * v[r], 1e-10), "pair {k}");
            }
            for j in 0..n {
                let d = dot(v, &vectors[j * n..(j + 1) * n]);
                assert!(close(d, if j == k { 1.0 } else { 0.0 }, 1e-10));
            }
        }
        assert!(values.windows(2).all(|w| w[0] >= w[1]));
    }

    /// Points on an ellipse with semi-axes 3 and 1 turned by 30 degrees, lifted into 5
    /// dimensions plus a small third direction: PCA must find the turned axes.
    fn ellipse_rows(turn: f64, dims: usize, count: usize) -> Vec<f32> {
        let (c, s) = (turn.cos(), turn.sin());
        let mut rows = Vec::new();
        for i in 0..count {
            let t = i as f64 / count as f64 * std::f64::consts::TAU;
            let (x, y) = (3.0 * t.cos(), 1.0 * t.sin());
            let (u, v) = (c * x - s * y, s * x + c * y);
            let mut row = vec![0.0f32; dims];
            row[0] = u as f32 + 2.0;
            row[1] = v as f32 - 1.0;
            row[2] = (0.1 * (3.0 * t).sin()) as f32;
            rows.extend(row);
        }
        rows
    }

    #[test]
    fn pca_finds_the_axes_of_a_turned_ellipse() {
        let turn = 30f64.to_radians();
        let rows = ellipse_rows(turn, 5, 360);
        let mut cov = Covariance::default();
        cov.compute(&rows, 5);
        assert!(close(cov.mean[0], 2.0, 1e-6) && close(cov.mean[1], -1.0, 1e-6));
        let mut axes = StableAxes::default();
        axes.fit(&cov, 2);
        let a = &axes.axes;
        // First axis along (cos 30, sin 30), variance 9/2; second along the minor axis.
        assert!(close(a[0].abs(), turn.cos(), 1e-6) && close(a[1].abs(), turn.sin(), 1e-6));
        assert!(close(a[5].abs(), turn.sin(), 1e-6) && close(a[6].abs(), turn.cos(), 1e-6));
        assert!(close(axes.variance[0], 4.5, 1e-4) && close(axes.variance[1], 0.5, 1e-4));
        assert!(axes.explained[0] > 0.89 && axes.explained[0] < 0.9);
        let mut out = vec![0.0f32; 360 * 2];
        axes.project(&rows, &cov.mean, &mut out);
        let spread = out.chunks(2).map(|p| p[0].abs()).fold(0.0f32, f32::max);
        assert!((spread - 3.0).abs() < 1e-3);
    }

    #[test]
    fn subspace_iteration_matches_jacobi_on_a_large_covariance() {
        let n = 48;
        let rows: Vec<f32> = (0..600 * n)
            .map(|i| {
                let (r, c) = (i / n, i % n);
                let base = ((r as f64) * 0.13).sin() * (c as f64 * 0.2).cos() * 3.0
                    + ((r as f64) * 0.71).cos() * ((c * c) as f64 * 0.05).sin() * 2.0;
                (base + ((i * 2654435761) % 1000) as f64 * 1e-4) as f32
            })
            .collect();
        let mut cov = Covariance::default();
        cov.compute(&rows, n);
        let (values, vectors) = leading_eigen(&cov.matrix, n, 2, None);
        let (exact_values, exact_vectors) = symmetric_eigen(&cov.matrix, n);
        for k in 0..2 {
            assert!(close(values[k], exact_values[k], 1e-8 * exact_values[0]));
            let d = dot(
                &vectors[k * n..(k + 1) * n],
                &exact_vectors[k * n..(k + 1) * n],
            );
            assert!(close(d.abs(), 1.0, 1e-6), "axis {k}: overlap {d}");
        }
    }

    #[test]
    fn axes_keep_their_sign_and_order_between_frames() {
        let mut cov = Covariance::default();
        let mut axes = StableAxes::default();
        cov.compute(&ellipse_rows(0.3, 4, 200), 4);
        axes.fit(&cov, 2);
        let first = axes.axes.clone();
        // The same cloud mirrored: the eigenvectors flip sign, the axes must not.
        let mirrored: Vec<f32> = ellipse_rows(0.3, 4, 200).iter().map(|v| -v).collect();
        for _ in 0..3 {
            cov.compute(&ellipse_rows(0.3, 4, 200), 4);
            axes.fit(&cov, 2);
            assert_eq!(axes.axes.len(), first.len());
            for (a, b) in axes.axes.iter().zip(&first) {
                assert!(close(*a, *b, 1e-9));
            }
            cov.compute(&mirrored, 4);
            axes.fit(&cov, 2);
            for (a, b) in axes.axes.iter().zip(&first) {
                assert!(close(*a, *b, 1e-9), "mirrored data flipped an axis");
            }
        }
        // A slowly turning ellipse: each frame's axes stay close to the last (no sign
        // flips, no swaps) and follow the turn.
        let mut last = axes.axes.clone();
        for step in 1..=60 {
            let turn = 0.3 + step as f64 * 0.05;
            cov.compute(&ellipse_rows(turn, 4, 200), 4);
            axes.fit(&cov, 2);
            for j in 0..2 {
                let d = dot(&axes.axes[j * 4..(j + 1) * 4], &last[j * 4..(j + 1) * 4]);
                assert!(d > 0.99, "step {step} axis {j}: overlap {d}");
            }
            last = axes.axes.clone();
        }
        assert!(close(axes.axes[0], (0.3f64 + 3.0).cos(), 1e-6));
    }

    #[test]
    fn a_round_cloud_does_not_spin() {
        // A circle of points with a little wobble: l1 and l2 are nearly equal and the
        // eigenvectors swing wildly with the wobble; the stable axes barely move.
        let mut cov = Covariance::default();
        let mut axes = StableAxes::default();
        let mut last: Option<Vec<f64>> = None;
        for frame in 0..50 {
            let wobble = 0.01 * (frame as f64 * 1.7).sin();
            let phase = frame as f64 * 0.9;
            let rows: Vec<f32> = (0..100)
                .flat_map(|i| {
                    let t = i as f64 / 100.0 * std::f64::consts::TAU;
                    let r = 1.0 + wobble * (2.0 * (t + phase)).cos();
                    [(r * t.cos()) as f32, (r * t.sin()) as f32, 0.0]
                })
                .collect();
            cov.compute(&rows, 3);
            axes.fit(&cov, 2);
            if let Some(prev) = &last {
                for j in 0..2 {
                    let d = dot(&axes.axes[j * 3..(j + 1) * 3], &prev[j * 3..(j + 1) * 3]);
                    assert!(d > 0.999, "frame {frame} axis {j}: overlap {d}");
                }
            }
            last = Some(axes.axes.clone());
        }
    }
}
