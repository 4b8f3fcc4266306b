/*
 * oipreq.c - the Open Inference Protocol's requests (KServe v2 REST,
 * kserve/docs/predict-api/v2/required_api.md): which endpoint a path
 * under /v2 names, and an infer body from text to patients.  Pure: it
 * works on what it is given and knows nothing of the server.
 *
 * An infer body takes one of two forms (hd-fcgi(1), OPEN INFERENCE
 * PROTOCOL):
 *
 *   one input per feature, the 13 of hd_features, each of shape [N] or
 *   [N, 1], all with the same N;
 *   one input "patients" of shape [N, 13], columns in hd_features
 *   order, its data flat (row-major) or nested ([[...13], ...]).
 *
 * Datatypes FP64, FP32, INT8..INT64 and UINT8..UINT64 (the integer
 * ones need whole numbers in their range); null is a missing value,
 * imputed as /predict does.  The values are checked as /predict checks
 * them (hd_feature_check, not strict), and the first error found is
 * the answer: {"error": "..."} naming the input, the index and the
 * value.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fcgi.h"

const char *const oip_output_name[OIP_NOUTPUTS] = {
	[OIP_PROBABILITY] = "probability",
	[OIP_PREDICTION] = "prediction",
};

/* ---------------------------------------------------------------------
 * Paths
 * ------------------------------------------------------------------- */

int oip_is_v2(const char *path)
{
	return strncmp(path, "/v2", 3) == 0 &&
	       (path[3] == '\0' || path[3] == '/' || path[3] == '?');
}

/* The segment at *s (up to '/' or the end): its length, s moved past. */
static size_t segment(const char **s)
{
	size_t n = strcspn(*s, "/");

	*s += n;
	return n;
}

void oip_path_parse(const char *path, struct oip_path *t)
{
	const char *s = path + 3;

	memset(t, 0, sizeof *t);
	t->kind = OIP_NONE;
	if (strcmp(s, "") == 0) {
		t->kind = OIP_SERVER;
		return;
	}
	if (strcmp(s, "/health/live") == 0) {
		t->kind = OIP_LIVE;
		return;
	}
	if (strcmp(s, "/health/ready") == 0) {
		t->kind = OIP_READY;
		return;
	}
	if (strncmp(s, "/models/", 8) != 0)
		return;
	s += 8;
	t->name = s;
	if ((t->name_len = segment(&s)) == 0)
		return;
	if (strncmp(s, "/versions/", 10) == 0) {
		s += 10;
		t->version = s;
		if ((t->version_len = segment(&s)) == 0)
			return;
	}
	if (*s == '\0')
		t->kind = OIP_MODEL;
	else if (strcmp(s, "/ready") == 0)
		t->kind = OIP_MODEL_READY;
	else if (strcmp(s, "/infer") == 0)
		t->kind = OIP_INFER;
}

/* ---------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------- */

void oip_error(struct buf *out, const char *msg)
{
	out->len = 0;
	buf_puts(out, "{\"error\":");
	buf_json_str(out, msg);
	buf_puts(out, "}");
}

/* oip_error with a formatted message; 400, for the caller to return. */
static int bad(struct buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad(struct buf *out, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	oip_error(out, msg);
	return 400;
}

size_t oip_cut(const char *s, size_t n)
{
	size_t m = n < 64 ? n : 64;

	while (m > 0 && !hd_utf8_valid(s, m))
		m--;
	return m;
}

/* A client's name for a message, as "%.*s" takes it (oip_cut). */
#define SHORT(s) (int)oip_cut((s), strlen(s)), (s)

/* ---------------------------------------------------------------------
 * Infer bodies
 * ------------------------------------------------------------------- */

/* Of a key given twice, the last counts (as validate.c decides). */
static const cJSON *member(const cJSON *o, const char *key)
{
	const cJSON *kv, *last = NULL;

	cJSON_ArrayForEach (kv, o)
		if (kv->string && strcmp(kv->string, key) == 0)
			last = kv;
	return last;
}

/* The datatypes we read, with the range of the integer ones. */
static const struct dtype {
	const char *name;
	int whole;       /* elements must be whole numbers */
	double min, max; /* of an integer type */
} dtypes[] = {
	{ "FP64", 0, 0, 0 },
	{ "FP32", 0, 0, 0 },
	{ "INT8", 1, -128.0, 127.0 },
	{ "INT16", 1, -32768.0, 32767.0 },
	{ "INT32", 1, -2147483648.0, 2147483647.0 },
	{ "INT64", 1, -9223372036854775808.0, 9223372036854775807.0 },
	{ "UINT8", 1, 0, 255.0 },
	{ "UINT16", 1, 0, 65535.0 },
	{ "UINT32", 1, 0, 4294967295.0 },
	{ "UINT64", 1, 0, 18446744073709551615.0 },
};

/* One input being read: where its elements go. */
struct input {
	const char *name;
	const struct dtype *dt;
	int feature;  /* its feature, or -1: the "patients" matrix */
	long n, cols; /* patients, and values per patient (1 or 13) */
	struct patients *p;
};

/*
 * Element k (flat, row-major) of input in: checked and stored in the
 * patients.  0, or 400 with the answer in out.
 */
static int element(struct buf *out, const struct input *in, long k,
                   const cJSON *v)
{
	long i = k / in->cols;
	int f = in->feature >= 0 ? in->feature : (int)(k % in->cols);
	const struct hd_feature *ft = &hd_features[f];
	char at[64], num[HD_NUMBUF], lo[HD_NUMBUF], hi[HD_NUMBUF];
	const char *why;
	double d;

	if (in->feature >= 0)
		snprintf(at, sizeof at, "[%ld]", i);
	else
		snprintf(at, sizeof at, "[%ld, %d] (%s)", i, f, ft->name);
	if (cJSON_IsNull(v)) {
		in->p->x[i * HD_NFEAT + f] = NAN;
		in->p->imputed[i] |= (uint16_t)(1u << f);
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return bad(out,
		           "input '%s' %s: %s is not a number (null for a "
		           "missing value)",
		           in->name, at,
		           cJSON_IsString(v) ? "a string"
		           : cJSON_IsBool(v) ? "a boolean"
		           : cJSON_IsArray(v)
		                   ? "an array (the data nests deeper than "
		                     "its shape)"
		                   : "an object");
	d = v->valuedouble;
	hd_fmt_double(num, d);
	if (!isfinite(d))
		return bad(out, "input '%s' %s: %s is not a finite number",
		           in->name, at, num);
	if (in->dt->whole &&
	    (d != floor(d) || d < in->dt->min || d > in->dt->max))
		return bad(out,
		           "input '%s' %s: %s is not a whole number that "
		           "%s can hold",
		           in->name, at, num, in->dt->name);
	if ((why = hd_feature_check(ft, d, 0)) != NULL) {
		if (d < ft->min || d > ft->max)
			return bad(out,
			           "input '%s' %s: %s is out of range: %s "
			           "must be between %s and %s",
			           in->name, at, num, ft->name,
			           hd_fmt_double(lo, ft->min),
			           hd_fmt_double(hi, ft->max));
		return bad(out, "input '%s' %s: %s is %s: %s is a category",
		           in->name, at, num, why, ft->name);
	}
	in->p->x[i * HD_NFEAT + f] = d;
	return 0;
}

/*
 * The data of input in: n x cols elements, flat, or (cols given as a
 * second dimension, nested) n arrays of cols.  0 or 400.
 */
static int read_data(struct buf *out, const struct input *in, const cJSON *data,
                     int ndim)
{
	long total = in->n * in->cols, k = 0;
	int nested;
	const cJSON *v, *w;

	if (!cJSON_IsArray(data))
		return bad(out, "input '%s': \"data\" must be an array",
		           in->name);
	nested = ndim == 2 && cJSON_IsArray(data->child);
	if (!nested) {
		if (cJSON_GetArraySize(data) != total)
			return bad(out,
			           "input '%s': \"data\" has %d elements, its "
			           "shape says %ld",
			           in->name, cJSON_GetArraySize(data), total);
		cJSON_ArrayForEach (v, data)
			if (element(out, in, k++, v) != 0)
				return 400;
		return 0;
	}
	if (cJSON_GetArraySize(data) != in->n)
		return bad(out,
		           "input '%s': \"data\" has %d rows, its shape says "
		           "%ld",
		           in->name, cJSON_GetArraySize(data), in->n);
	cJSON_ArrayForEach (v, data) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != in->cols)
			return bad(out,
			           "input '%s': row %ld of \"data\" must be an "
			           "array of %ld",
			           in->name, k / in->cols, in->cols);
		cJSON_ArrayForEach (w, v)
			if (element(out, in, k++, w) != 0)
				return 400;
	}
	return 0;
}

/* A shape dimension: a whole number >= 0 (and below 2^53). */
static int dimension(const cJSON *d, long *v)
{
	if (!cJSON_IsNumber(d) || d->valuedouble != floor(d->valuedouble) ||
	    d->valuedouble < 0 || d->valuedouble > 9007199254740991.0)
		return -1;
	*v = d->valuedouble > 1e15 ? (long)1e15 : (long)d->valuedouble;
	return 0;
}

/*
 * Input o, the k-th: its name, datatype and shape checked, its data
 * read.  *n is the patients of the inputs read so far (-1: none yet);
 * seen, the features (and bit HD_NFEAT: "patients") given already.
 */
static int read_input(struct buf *out, const cJSON *o, int k, long max_batch,
                      long *n, uint32_t *seen, struct patients *p)
{
	const cJSON *name = member(o, "name"), *shape = member(o, "shape");
	const cJSON *dt = member(o, "datatype"), *data = member(o, "data");
	const cJSON *params = member(o, "parameters");
	struct input in;
	long dim[2] = { 0, 1 };
	int ndim, bit;

	if (!cJSON_IsObject(o))
		return bad(out, "inputs[%d] must be an object", k);
	if (!cJSON_IsString(name))
		return bad(out, "inputs[%d]: \"name\" must be a string", k);
	in.name = name->valuestring;
	in.p = p;
	if (strcmp(in.name, "patients") == 0) {
		in.feature = -1;
		bit = HD_NFEAT;
	} else if ((in.feature = hd_feature_index(in.name)) >= 0) {
		bit = in.feature;
	} else {
		return bad(out,
		           "inputs[%d]: unknown input '%.*s': the inputs are "
		           "the 13 features (age, sex, cp, trestbps, chol, "
		           "fbs, restecg, thalach, exang, oldpeak, slope, ca, "
		           "thal) or one 'patients'",
		           k, SHORT(in.name));
	}
	if (*seen & (1u << bit))
		return bad(out, "inputs[%d]: input '%s' is given twice", k,
		           in.name);
	if (bit == HD_NFEAT ? *seen != 0 : (*seen & (1u << HD_NFEAT)) != 0)
		return bad(out,
		           "inputs[%d]: input '%s': give either 'patients' or "
		           "the features, not both",
		           k, in.name);
	*seen |= 1u << bit;
	if (params != NULL && !cJSON_IsObject(params))
		return bad(out, "input '%s': \"parameters\" must be an object",
		           in.name);
	if (!cJSON_IsString(dt))
		return bad(out, "input '%s': \"datatype\" must be a string",
		           in.name);
	in.dt = NULL;
	for (size_t t = 0; t < sizeof dtypes / sizeof dtypes[0]; t++)
		if (strcmp(dt->valuestring, dtypes[t].name) == 0)
			in.dt = &dtypes[t];
	if (in.dt == NULL)
		return bad(out,
		           "input '%s': datatype '%.*s' is not accepted: FP64, "
		           "FP32, INT8..INT64 or UINT8..UINT64",
		           in.name, SHORT(dt->valuestring));
	if (!cJSON_IsArray(shape) || (ndim = cJSON_GetArraySize(shape)) < 1 ||
	    ndim > 2 || dimension(shape->child, &dim[0]) != 0 ||
	    (ndim == 2 && dimension(shape->child->next, &dim[1]) != 0))
		return bad(out,
		           "input '%s': \"shape\" must be an array of 1 or 2 "
		           "whole numbers",
		           in.name);
	if (in.feature >= 0 ? dim[1] != 1 : ndim != 2 || dim[1] != HD_NFEAT)
		return bad(out,
		           in.feature >= 0
		                   ? "input '%s': its shape must be [N] or "
		                     "[N, 1]"
		                   : "input '%s': its shape must be [N, 13]",
		           in.name);
	if (dim[0] < 1)
		return bad(out, "input '%s': no patients (N = 0)", in.name);
	if (dim[0] > max_batch)
		return bad(out,
		           "input '%s': %ld patients; the limit is %ld in one "
		           "request",
		           in.name, dim[0], max_batch);
	if (*n >= 0 && dim[0] != *n)
		return bad(out,
		           "input '%s': %ld patients, the inputs before it "
		           "%ld: every input must have the same N",
		           in.name, dim[0], *n);
	if (*n < 0)
		for (long i = 0; i < dim[0]; i++)
			p->imputed[i] = 0;
	*n = in.n = dim[0];
	in.cols = dim[1];
	return read_data(out, &in, data, ndim);
}

/* "outputs": the subset and order asked for.  0 or 400. */
static int read_outputs(struct buf *out, const cJSON *outs, struct oip_want *w)
{
	const cJSON *o;
	int k = 0;

	w->nout = OIP_NOUTPUTS;
	w->out[0] = OIP_PROBABILITY;
	w->out[1] = OIP_PREDICTION;
	if (outs == NULL || (cJSON_IsArray(outs) && outs->child == NULL))
		return 0;
	if (!cJSON_IsArray(outs))
		return bad(out, "\"outputs\" must be an array");
	if (cJSON_GetArraySize(outs) > OIP_NOUTPUTS)
		return bad(out, "\"outputs\": the model has 2 outputs, "
		                "probability and prediction");
	w->nout = 0;
	cJSON_ArrayForEach (o, outs) {
		const cJSON *name = member(o, "name");
		const cJSON *params = member(o, "parameters");
		int which = -1;

		if (!cJSON_IsObject(o) || !cJSON_IsString(name))
			return bad(out,
			           "outputs[%d] must be an object with a "
			           "\"name\"",
			           k);
		if (params != NULL && !cJSON_IsObject(params))
			return bad(out,
			           "outputs[%d]: \"parameters\" must be an "
			           "object",
			           k);
		for (int t = 0; t < OIP_NOUTPUTS; t++)
			if (strcmp(name->valuestring, oip_output_name[t]) == 0)
				which = t;
		if (which < 0)
			return bad(out,
			           "outputs[%d]: unknown output '%.*s': the "
			           "outputs are probability and prediction",
			           k, SHORT(name->valuestring));
		if (w->nout == 1 && w->out[0] == (enum oip_output)which)
			return bad(out, "outputs[%d]: '%s' is asked twice", k,
			           name->valuestring);
		w->out[w->nout++] = (enum oip_output)which;
		k++;
	}
	return 0;
}

int oip_parse(const char *text, size_t len, long max_batch, struct arena *a,
              struct buf *id, struct buf *out, struct patients *p,
              struct oip_want *w)
{
	const char *why;
	const cJSON *inputs, *v, *params, *rid;
	cJSON *doc;
	size_t at;
	long n = -1;
	uint32_t seen = 0;
	int status = 0, k = 0;

	id->len = 0;
	id->oom = 0;
	memset(w, 0, sizeof *w);
	/* The grammar first, strictly, as validate_body does. */
	if (hd_json_strict(text, len, &at, &why) != 0)
		return bad(out, "malformed JSON at byte %zu: %s", at,
		           len == 0 ? "the body is empty" : why);
	if ((doc = arena_parse(a, text, len)) == NULL) {
		if (a->oom) {
			oip_error(out, "Out of memory");
			return 500;
		}
		return bad(out, "malformed JSON: not read by the JSON parser");
	}
	if (!cJSON_IsObject(doc)) {
		status = bad(out, "the body must be an object with \"inputs\"");
		goto done;
	}
	rid = member(doc, "id");
	params = member(doc, "parameters");
	inputs = member(doc, "inputs");
	if (rid != NULL && !cJSON_IsString(rid)) {
		status = bad(out, "\"id\" must be a string");
		goto done;
	}
	if (params != NULL && !cJSON_IsObject(params)) {
		status = bad(out, "\"parameters\" must be an object");
		goto done;
	}
	if (!cJSON_IsArray(inputs) || inputs->child == NULL) {
		status = bad(out, "\"inputs\" must be an array of inputs, not "
		                  "empty");
		goto done;
	}
	cJSON_ArrayForEach (v, inputs)
		if ((status = read_input(out, v, k++, max_batch, &n, &seen,
		                         p)) != 0)
			goto done;
	if (!(seen & (1u << HD_NFEAT)) && seen != (1u << HD_NFEAT) - 1) {
		for (int f = 0; f < HD_NFEAT; f++)
			if (!(seen & (1u << f))) {
				status =
					bad(out,
				            "input '%s' is missing: give the 13 "
				            "features, or one 'patients' [N, 13]",
				            hd_features[f].name);
				goto done;
			}
	}
	if ((status = read_outputs(out, member(doc, "outputs"), w)) != 0)
		goto done;
	if (rid != NULL) {
		w->has_id = 1;
		buf_json_str(id, rid->valuestring);
	}
	p->n = n;
	p->is_batch = 1;
done:
	cJSON_Delete(doc);
	if (status == 0 && (out->oom || id->oom)) {
		oip_error(out, "Out of memory");
		status = 500;
	}
	return status;
}
