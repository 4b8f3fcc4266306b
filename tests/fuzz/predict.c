/*
 * tests/fuzz/predict.c - libFuzzer harness: a POST /predict body, from
 * bytes to the answer, without FastCGI.
 *
 * Set up as hd-fcgi's main does: one arena of ARENA_SIZE behind cJSON's
 * hooks (arena_init, arena_install), validate_init, room for max_batch
 * patients; the models (an LR model and a two-tree forest from
 * tests/fuzz/corpus/model/) are loaded outside a request, on malloc.
 * Each input is a body: refused with 400 when it holds a NUL byte, as
 * ep_predict does, else validate_body.  A valid body's patients are
 * scored with both models and written as the worker writes its answer
 * (predict.c's score() is static and reads the served model, so its
 * shape is rebuilt here from text.c's pieces).
 *
 * Properties, each a trap when broken: the status is 0, 400 or 422
 * (500 only when memory ran out); an error answer and a valid answer
 * are both one strict JSON document (hd_json_strict), an error answer
 * an object with "detail"; a valid body has 1 to max_batch patients,
 * each value missing or a possible value of its feature, and each
 * patient a probability in [0, 1].
 *
 * The same input also goes through the Open Inference Protocol's
 * parser (oipreq.c's oip_parse, an infer body), with its properties:
 * the status is 0 or 400 (500 only out of memory); an error answer is
 * one strict JSON object {"error": ...}; a valid body has 1 to
 * max_batch patients whose values are missing (NaN, and their imputed
 * bit set) or possible, 1 or 2 distinct outputs, and an id that is one
 * JSON string; its answer, shaped as oip.c's, is strict JSON too.
 * (No new harness: CI's fuzzing time is shared by all of them.)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

/* hd-fcgi.c's: its arena and its default --max-batch. */
#define ARENA_SIZE (256u << 10)
#define MAX_BATCH 1000

static struct arena arena;
static struct buf out, errs, id;
static struct patients batch;
static struct hd_model models[2];
static double *z[2];

static void load(int i, const char *path)
{
	char err[512];

	if (hd_model_load(&models[i], path, HD_MODEL_MAX_BYTES, err,
	                  sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		abort();
	}
	z[i] = malloc((size_t)models[i].prep.dim * sizeof *z[i]);
	if (z[i] == NULL)
		abort();
}

static void done(void)
{
	for (int i = 0; i < 2; i++) {
		hd_model_free(&models[i]);
		free(z[i]);
	}
	free(batch.x);
	free(batch.imputed);
	buf_free(&out);
	buf_free(&errs);
	buf_free(&id);
	arena_free(&arena);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (arena_init(&arena, ARENA_SIZE) != 0)
		abort();
	arena_install(&arena);
	validate_init();
	batch.x = malloc((size_t)MAX_BATCH * HD_NFEAT * sizeof *batch.x);
	batch.imputed = malloc((size_t)MAX_BATCH * sizeof *batch.imputed);
	if (batch.x == NULL || batch.imputed == NULL ||
	    buf_grow(&out, 65536) != 0 || buf_grow(&errs, 16384) != 0)
		abort();
	load(0, HD_FUZZ_LR);
	load(1, HD_FUZZ_RF);
	atexit(done);
	return 0;
}

/* out[0..len) is one strict JSON document; an object with "detail"
 * when detail is set. */
static void check_answer(const struct buf *b, int detail)
{
	size_t at;
	const char *why;

	if (b->oom)
		return;
	if (hd_json_strict(b->p, b->len, &at, &why) != 0) {
		fprintf(stderr, "not JSON at %zu (%s): %.*s\n", at, why,
		        (int)b->len, b->p);
		__builtin_trap();
	}
	if (detail && (b->len < 11 || memcmp(b->p, "{\"detail\":", 10) != 0))
		__builtin_trap();
}

/* The same body as an OIP infer request (oip_parse), and its answer. */
static void infer(const char *body, size_t size)
{
	struct oip_want w;
	size_t at;
	const char *why;
	int status =
		oip_parse(body, size, MAX_BATCH, &arena, &id, &out, &batch, &w);

	if (status == 500) {
		if (!(arena.oom || out.oom || id.oom))
			__builtin_trap();
		return;
	}
	if (status == 400) {
		check_answer(&out, 0);
		if (out.len < 10 || memcmp(out.p, "{\"error\":\"", 10) != 0)
			__builtin_trap();
		return;
	}
	if (status != 0 || batch.n < 1 || batch.n > MAX_BATCH || w.nout < 1 ||
	    w.nout > 2 || (w.nout == 2 && w.out[0] == w.out[1]))
		__builtin_trap();
	if (w.has_id && hd_json_strict(id.p, id.len, &at, &why) != 0)
		__builtin_trap();
	for (long i = 0; i < batch.n * HD_NFEAT; i++) {
		double v = batch.x[i];
		int f = (int)(i % HD_NFEAT);
		int bit = (batch.imputed[i / HD_NFEAT] >> f) & 1;

		if (isnan(v) != bit ||
		    (!isnan(v) && hd_feature_check(&hd_features[f], v, 0)))
			__builtin_trap();
	}
	for (int k = 0; k < 2; k++) {
		out.len = 0;
		out.oom = 0;
		buf_puts(&out, "{\"model_name\":\"m\"");
		if (w.has_id) {
			buf_puts(&out, ",\"id\":");
			buf_put(&out, id.p, id.len);
		}
		buf_puts(&out, ",\"outputs\":[");
		for (int o = 0; o < w.nout; o++) {
			buf_printf(&out, "%s{\"name\":\"%s\",\"data\":[",
			           o ? "," : "", oip_output_name[w.out[o]]);
			for (long i = 0; i < batch.n; i++) {
				int unseen;
				double p = hd_model_prob(&models[k],
				                         batch.x + i * HD_NFEAT,
				                         z[k], &unseen);

				if (!(p >= 0 && p <= 1))
					__builtin_trap();
				if (i)
					buf_puts(&out, ",");
				if (w.out[o] == OIP_PREDICTION)
					buf_puts(&out, p >= 0.5 ? "1" : "0");
				else
					buf_json_num(&out, p);
			}
			buf_puts(&out, "]}");
		}
		buf_puts(&out, "]}");
		check_answer(&out, 0);
	}
}

/* The answer for the patients, shaped as predict.c's. */
static void answer(int k)
{
	out.len = 0;
	out.oom = 0;
	if (batch.is_batch)
		buf_puts(&out, "{\"predictions\":[");
	for (long i = 0; i < batch.n; i++) {
		const double *x = batch.x + i * HD_NFEAT;
		int unseen;
		double p = hd_model_prob(&models[k], x, z[k], &unseen);

		if (!(p >= 0 && p <= 1))
			__builtin_trap();
		if (i)
			buf_puts(&out, ",");
		buf_puts(&out, p >= 0.5 ? "{\"prediction\":1,\"probability\":"
		                        : "{\"prediction\":0,\"probability\":");
		buf_json_num(&out, p);
		buf_puts(&out, ",\"imputed\":[");
		for (int f = 0, first = 1; f < HD_NFEAT; f++)
			if (batch.imputed[i] & (1u << f)) {
				buf_puts(&out, first ? "" : ",");
				buf_json_str(&out, hd_features[f].name);
				first = 0;
			}
		buf_puts(&out, "]}");
	}
	if (batch.is_batch)
		buf_printf(&out, "],\"count\":%ld}", batch.n);
	check_answer(&out, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	int status;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	/* oip_parse's grammar check is length-bounded: a NUL is its 400. */
	infer(body, size);
	if (memchr(body, '\0', size) != NULL) { /* ep_predict's 400 */
		free(body);
		return 0;
	}
	status = validate_body(body, size, MAX_BATCH, &arena, &errs, &out,
	                       &batch);
	if (status == 0) {
		if (batch.n < 1 || batch.n > MAX_BATCH ||
		    (!batch.is_batch && batch.n != 1))
			__builtin_trap();
		for (long i = 0; i < batch.n * HD_NFEAT; i++) {
			double v = batch.x[i];
			const struct hd_feature *f = &hd_features[i % HD_NFEAT];

			if (!isnan(v) && hd_feature_check(f, v, 0) != NULL)
				__builtin_trap();
		}
		answer(0);
		answer(1);
	} else if (status == 400 || status == 422) {
		check_answer(&out, 1);
	} else if (!(status == 500 && (arena.oom || errs.oom || out.oom))) {
		__builtin_trap();
	}
	free(body);
	buf_reset(&out, 4u << 20);
	buf_reset(&errs, 4u << 20);
	buf_reset(&id, 4u << 20);
	return 0;
}
