/*
 * bench/load.c - how long loading a model file takes, and where the time
 * goes: reading the file, checking and parsing its JSON, building the
 * model (hd_model_parse, which the server's reload calls on the bytes),
 * and the SHA-256 of the bytes that hd_model_parse computes last.
 *
 * usage: load MODEL.json [ITERATIONS]
 *
 * Prints one line per step: its name, the median and the minimum over
 * the iterations in microseconds of wall-clock time (and, for
 * hd_model_parse, of the thread's CPU time too).  hd_model_parse's figure includes
 * everything below it but reading; freeing the model is not timed.
 * Figures only: it fails only when the file does not load.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time of this thread: a time slice lost to another process on a
 * loaded machine does not count. */
static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%-28s median %9.1f us  min %9.1f us\n", what, t[n / 2], t[0]);
}

int main(int argc, char **argv)
{
	const char *path;
	int n = 200;
	double *t, *cpu;
	size_t len = 0;
	char err[512], hex[HD_SHA256_HEX], *text = NULL, *code = NULL;
	struct hd_model m;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: load MODEL.json [ITERATIONS]\n");
		return 2;
	}
	path = argv[1];
	if (argc == 3 && (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "load: ITERATIONS must be 1 or more\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof *t);
	cpu = calloc((size_t)n, sizeof *cpu);
	if (t == NULL || cpu == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		free(text);
		text = hd_read_file(path, 0, &len, err, sizeof err);
		t[i] = now_us() - t0;
		if (text == NULL) {
			fprintf(stderr, "load: %s: %s\n", path, err);
			return 1;
		}
	}
	if (hd_model_parse(&m, text, len, err, sizeof err) != 0) {
		fprintf(stderr, "load: %s: %s\n", path, err);
		return 1;
	}
	printf("%s: %zu bytes, %s, version %d, %d trees\n", path, len,
	       hd_model_kind_name(m.kind),
	       (int)cJSON_GetObjectItemCaseSensitive(m.doc, "version")
	               ->valuedouble,
	       m.kind == HD_RF ? m.rf.n_trees : 0);
	/* A version 2 forest's records, as a JSON document of one string. */
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(m.doc, "params"),
			"code");

		if (cJSON_IsString(c)) {
			size_t k = strlen(c->valuestring);

			code = malloc(k + 3);
			if (code == NULL)
				return 1;
			code[0] = '"';
			memcpy(code + 1, c->valuestring, k);
			memcpy(code + 1 + k, "\"", 2);
		}
	}
	hd_model_free(&m);
	report("read the file", t, n);

	for (int i = 0; i < n; i++) {
		double t0 = now_us(), c0 = cpu_us();
		int rc = hd_model_parse(&m, text, len, err, sizeof err);

		t[i] = now_us() - t0;
		cpu[i] = cpu_us() - c0;
		if (rc == 0)
			hd_model_free(&m);
	}
	report("hd_model_parse (all)", t, n);
	report("hd_model_parse (CPU time)", cpu, n);

	for (int i = 0; i < n; i++) {
		size_t at;
		const char *why;
		double t0 = now_us();

		hd_json_strict(text, len, &at, &why);
		t[i] = now_us() - t0;
	}
	report("  JSON strict check", t, n);

	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		cJSON *doc = cJSON_ParseWithLength(text, len);

		t[i] = now_us() - t0;
		cJSON_Delete(doc);
	}
	report("  cJSON parse", t, n);

	for (int i = 0; code != NULL && i < n; i++) {
		double t0 = now_us();
		cJSON *doc = cJSON_Parse(code);

		t[i] = now_us() - t0;
		cJSON_Delete(doc);
	}
	if (code != NULL)
		report("  cJSON parse of \"code\"", t, n);

	/* A forest's decoding from its compact form alone (the base64
	 * already decoded), the form read from the file's params. */
	if (hd_model_parse(&m, text, len, err, sizeof err) == 0 &&
	    m.kind == HD_RF) {
		struct hd_rf_code c;
		const cJSON *params =
			cJSON_GetObjectItemCaseSensitive(m.doc, "params");

		if (hd_rf_code_from_json(&c, params, err, sizeof err) != 0) {
			printf("  hd_rf_decode (records)     none: %s\n", err);
		} else {
			for (int i = 0; i < n; i++) {
				struct hd_rf rf;
				double t0 = now_us();
				int rc = hd_rf_decode(&rf, m.prep.dim, &c, err,
				                      sizeof err);

				t[i] = now_us() - t0;
				if (rc == 0)
					hd_rf_free(&rf);
			}
			report("  hd_rf_decode (records)", t, n);
		}
		hd_rf_code_free(&c);
	}
	hd_model_free(&m);

	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		hd_sha256_hex(text, len, hex);
		t[i] = now_us() - t0;
	}
	report("  SHA-256 of the bytes", t, n);
	free(code);
	free(text);
	free(t);
	free(cpu);
	return 0;
}
