/*
 * tests/fuzz/model.c - libFuzzer harness: the model file loader
 * (model.c, prep.c, lr.c, forest.c over json.c), the one hd-predict,
 * hd-eval and the server use, on any bytes.
 *
 * The input is a model file's text, NUL-terminated as hd_read_file
 * gives it; hd_model_parse is what the server's reload calls on it (and
 * hd_model_load, after reading the file).  A model that loads scores a
 * few patients: real UCI rows, one with every value missing, one at the
 * edges of the physical ranges with levels no training saw.
 *
 * Properties, each a trap when broken: a model that loads has a kind,
 * an encoding of at least one slot, the SHA-256 of the input's bytes,
 * and gives every patient a probability in [0, 1] (NaN included: a
 * loaded model must never answer null); a refused one says why.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Patients in hd_features order: age, sex, cp, trestbps, chol, fbs,
 * restecg, thalach, exang, oldpeak, slope, ca, thal. */
static const double patients[][HD_NFEAT] = {
	{ 63, 1, 1, 145, 233, 1, 2, 150, 0, 2.3, 3, 0, 6 },
	{ 67, 1, 4, 160, 286, 0, 2, 108, 1, 1.5, 2, 3, 3 },
	{ 54, 1, 4, 125, 0, 0, 1, 122, 0, 2, 2, NAN, NAN },
	{ NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, -10, 0, 0, 0 },
	{ 150, 9, 9, 400, 1000, 9, 9, 300, 9, 20, 9, 9, 9 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_model m;
	char err[512], hex[HD_SHA256_HEX];
	char *text = malloc(size + 1);
	double *z;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (hd_model_parse(&m, text, size, err, sizeof err) != 0) {
		if (err[0] == '\0')
			__builtin_trap();
		free(text);
		return 0;
	}
	if ((m.kind != HD_LR && m.kind != HD_RF) || m.prep.dim < 1)
		__builtin_trap();
	hd_sha256_hex(data, size, hex);
	if (strcmp(hex, m.sha256) != 0)
		__builtin_trap();
	(void)hd_model_created(&m);
	if ((z = malloc((size_t)m.prep.dim * sizeof *z)) == NULL)
		__builtin_trap();
	for (size_t i = 0; i < sizeof patients / sizeof patients[0]; i++) {
		int unseen = -1;
		double p = hd_model_prob(&m, patients[i], z, &unseen);

		if (!(p >= 0 && p <= 1) || unseen < 0 || unseen > HD_NFEAT)
			__builtin_trap();
	}
	free(z);
	hd_model_free(&m);
	free(text);
	return 0;
}
