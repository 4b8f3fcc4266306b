/*
 * lr.c - L2-penalised logistic regression by Newton's method.
 *
 * Minimises  0.5 |w|^2 + C sum_i [log(1 + e^eta_i) - y_i eta_i],
 * eta_i = b + w.z_i, with the intercept b unpenalised: scikit-learn's
 * LogisticRegression(penalty="l2", C=C) objective.  It is smooth and
 * strictly convex, so Newton's method with a backtracking line search
 * converges from zero in a handful of steps; each step solves the
 * (dim+1)^2 system by Cholesky.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* log(1 + e^x) without overflow. */
static double log1pexp(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
	if (x >= 0)
		return 1 / (1 + exp(-x));
	double e = exp(x);
	return e / (1 + e);
}

/* theta = [w (dim), b]; eta = b + w.z */
static double eta(const double *theta, const double *z, int dim)
{
	double s = theta[dim];

	for (int j = 0; j < dim; j++)
		s += theta[j] * z[j];
	return s;
}

static double objective(const double *theta, const double *Z, const uint8_t *y,
                        size_t n, int dim, double C)
{
	double pen = 0, loss = 0;

	for (int j = 0; j < dim; j++)
		pen += theta[j] * theta[j];
	for (size_t i = 0; i < n; i++) {
		double e = eta(theta, Z + i * (size_t)dim, dim);

		loss += log1pexp(e) - (y[i] ? e : 0);
	}
	return 0.5 * pen + C * loss;
}

/*
 * Solve H x = g in place (H is k x k symmetric positive definite,
 * overwritten by its Cholesky factor; g becomes x).  -1 if not PD.
 */
static int cholesky_solve(double *H, double *g, int k)
{
	for (int j = 0; j < k; j++) {
		double d = H[j * k + j];

		for (int m = 0; m < j; m++)
			d -= H[j * k + m] * H[j * k + m];
		if (!(d > 0))
			return -1;
		d = sqrt(d);
		H[j * k + j] = d;
		for (int i = j + 1; i < k; i++) {
			double s = H[i * k + j];

			for (int m = 0; m < j; m++)
				s -= H[i * k + m] * H[j * k + m];
			H[i * k + j] = s / d;
		}
	}
	for (int i = 0; i < k; i++) { /* L u = g */
		double s = g[i];

		for (int m = 0; m < i; m++)
			s -= H[i * k + m] * g[m];
		g[i] = s / H[i * k + i];
	}
	for (int i = k - 1; i >= 0; i--) { /* L' x = u */
		double s = g[i];

		for (int m = i + 1; m < k; m++)
			s -= H[m * k + i] * g[m];
		g[i] = s / H[i * k + i];
	}
	return 0;
}

/* scikit-learn's C = 1; Newton converges in a handful of steps, so the
 * tolerance can be far tighter than lbfgs's. */
const struct hd_lr_opts hd_lr_defaults = { .C = 1,
	                                   .max_iter = 100,
	                                   .tol = 1e-10 };

int hd_lr_fit(struct hd_lr *m, const double *Z, const uint8_t *y, size_t n,
              int dim, const struct hd_lr_opts *o)
{
	int k = dim + 1;
	double *theta = hd_xcalloc((size_t)k, sizeof *theta);
	double *g = hd_xmalloc((size_t)k * sizeof *g);
	double *H = hd_xmalloc((size_t)k * (size_t)k * sizeof *H);
	double *trial = hd_xmalloc((size_t)k * sizeof *trial);
	double f = objective(theta, Z, y, n, dim, o->C);

	memset(m, 0, sizeof *m);
	for (m->iterations = 0; m->iterations < o->max_iter; m->iterations++) {
		double step_max = 0, t = 1, f_new;

		/* gradient and Hessian (lower triangle is all that is read) */
		for (int j = 0; j < k; j++)
			g[j] = j < dim ? theta[j] : 0;
		memset(H, 0, (size_t)k * (size_t)k * sizeof *H);
		for (int j = 0; j < dim; j++)
			H[j * k + j] = 1;
		for (size_t i = 0; i < n; i++) {
			const double *z = Z + i * (size_t)dim;
			double p = sigmoid(eta(theta, z, dim));
			double r = o->C * (p - y[i]);
			double w = o->C * p * (1 - p);

			for (int a = 0; a < k; a++) {
				double za = a < dim ? z[a] : 1;

				g[a] += r * za;
				for (int b = 0; b <= a; b++)
					H[a * k + b] +=
						w * za * (b < dim ? z[b] : 1);
			}
		}
		if (cholesky_solve(H, g, k) != 0)
			break;
		for (int j = 0; j < k; j++)
			if (fabs(g[j]) > step_max)
				step_max = fabs(g[j]);
		/* backtracking: halve the step until the objective falls */
		for (;;) {
			for (int j = 0; j < k; j++)
				trial[j] = theta[j] - t * g[j];
			f_new = objective(trial, Z, y, n, dim, o->C);
			if (f_new <= f || t < 1e-10)
				break;
			t /= 2;
		}
		memcpy(theta, trial, (size_t)k * sizeof *theta);
		f = f_new;
		if (step_max * t < o->tol) {
			m->converged = 1;
			m->iterations++;
			break;
		}
	}
	m->dim = dim;
	m->intercept = theta[dim];
	m->coef = hd_xmalloc((size_t)(dim ? dim : 1) * sizeof *m->coef);
	memcpy(m->coef, theta, (size_t)dim * sizeof *m->coef);
	free(theta);
	free(g);
	free(H);
	free(trial);
	return 0;
}

double hd_lr_prob(const struct hd_lr *m, const double *z)
{
	double s = m->intercept;

	for (int j = 0; j < m->dim; j++)
		s += m->coef[j] * z[j];
	return sigmoid(s);
}

void hd_lr_free(struct hd_lr *m)
{
	free(m->coef);
	memset(m, 0, sizeof *m);
}
