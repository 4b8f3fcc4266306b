/*
 * bench/rf-fit.c - the time of hd's forest fit alone, in memory: what
 * bench/ranger.R measures for ranger() with system.time, measured the
 * same way for hd_model_fit (preprocessing fitted and applied, then 200
 * trees), without the process start, the CSV read, the reference
 * profile and the model file that hd-fit-rf adds around it.
 *
 * usage: rf-fit TRAIN.csv JOBS REPS
 * prints "hd JOBS MEDIAN_MS MIN_MS REPS" after one untimed warm-up fit.
 *
 * bench/model.sh compiles it against build/libhd.a; it is a benchmark,
 * not a tool, so it aborts on what a tool would report.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct hd_rf_opts o = hd_rf_defaults;
	struct hd_dataset d;
	double *ms;
	int reps;

	hd_set_prog(argv);
	if (argc != 4) {
		fprintf(stderr, "usage: rf-fit TRAIN.csv JOBS REPS\n");
		return 2;
	}
	o.jobs = (int)hd_opt_long("JOBS", argv[2], 0, 256);
	reps = (int)hd_opt_long("REPS", argv[3], 1, 10000);
	if (hd_dataset_read(argv[1], 1, &d) != 0)
		return 1;
	ms = hd_xmalloc((size_t)reps * sizeof *ms);
	for (int r = -1; r < reps; r++) {
		struct hd_model m;
		double t0 = now_ms();

		if (hd_model_fit(&m, HD_RF, &o, &d) != 0)
			return 1;
		if (r >= 0)
			ms[r] = now_ms() - t0;
		hd_model_free(&m);
	}
	qsort(ms, (size_t)reps, sizeof *ms, cmp);
	printf("hd %d %.1f %.1f %d\n", o.jobs,
	       reps % 2 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2,
	       ms[0], reps);
	free(ms);
	hd_dataset_free(&d);
	return 0;
}
