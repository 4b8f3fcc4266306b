/*
 * validate.c - a /predict body from text to patients: JSON parsed with
 * its allocations in a per-request arena, then every field checked, the
 * errors gathered in FastAPI's shape.  Pure: it works on what it is
 * given and knows nothing of the server or of FastCGI.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

/* ---------------------------------------------------------------------
 * The arena behind cJSON's hooks
 * ------------------------------------------------------------------- */

/* The arena the hooks allocate from; one per process. */
static struct arena *hooked;

static void *json_malloc(size_t n)
{
	struct arena *a = hooked;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (a && a->active && need >= n && need <= a->size - a->used) {
		p = a->base + a->used;
		a->used += need;
		return p;
	}
	if ((p = malloc(n)) == NULL && a && a->active)
		a->oom = 1;
	return p;
}

static void json_free(void *p)
{
	struct arena *a = hooked;
	uintptr_t x = (uintptr_t)p, b = a ? (uintptr_t)a->base : 0;

	if (a == NULL ||
	    x - b >= a->size) /* not in the arena (wraps if below) */
		free(p);
}

int arena_init(struct arena *a, size_t size)
{
	memset(a, 0, sizeof *a);
	if ((a->base = malloc(size)) == NULL)
		return -1;
	a->size = size;
	return 0;
}

void arena_install(struct arena *a)
{
	static cJSON_Hooks hooks = { json_malloc, json_free };

	hooked = a;
	cJSON_InitHooks(&hooks);
}

void arena_free(struct arena *a)
{
	if (hooked == a) {
		cJSON_InitHooks(NULL);
		hooked = NULL;
	}
	free(a->base);
	memset(a, 0, sizeof *a);
}

cJSON *arena_parse(struct arena *a, const char *text, size_t len)
{
	cJSON *doc;

	a->oom = 0;
	a->active = 1;
	a->used = 0;
	doc = cJSON_ParseWithLength(text, len);
	a->active = 0;
	return doc;
}

/* ---------------------------------------------------------------------
 * Validation
 *
 * Errors are FastAPI's (pydantic v2) shape: {"detail": [{"type",
 * "loc", "msg", "input", "ctx"}]}, one entry for every bad field.
 * ------------------------------------------------------------------- */

/* Open one error entry: {"type":..,"loc":["body",index?,field?],"msg":.. */
static void err_open(struct buf *errs, int *nerr, long index, const char *field,
                     const char *type, const char *msg)
{
	buf_puts(errs, (*nerr)++ ? ",{\"type\":" : "{\"type\":");
	buf_json_str(errs, type);
	buf_puts(errs, ",\"loc\":[\"body\"");
	if (index >= 0)
		buf_printf(errs, ",%ld", index);
	if (field) {
		buf_puts(errs, ",");
		buf_json_str(errs, field);
	}
	buf_puts(errs, "],\"msg\":");
	buf_json_str(errs, msg);
}

/* The input echoed back, when it is short and harmless to copy. */
static void err_input(struct buf *errs, const cJSON *v)
{
	if (cJSON_IsNumber(v)) {
		buf_puts(errs, ",\"input\":");
		buf_json_num(errs, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_puts(errs, cJSON_IsTrue(v) ? ",\"input\":true"
		                               : ",\"input\":false");
	} else if (cJSON_IsString(v) && strlen(v->valuestring) <= 64) {
		for (const char *s = v->valuestring; *s; s++)
			if (*s < 0x20 || *s > 0x7e)
				return;
		buf_puts(errs, ",\"input\":");
		buf_json_str(errs, v->valuestring);
	}
}

/* Features by the first letter of their name, -1 ended; set at start-up. */
static signed char by_letter[26][HD_NFEAT + 1];

void validate_init(void)
{
	memset(by_letter, -1, sizeof by_letter);
	for (int f = 0; f < HD_NFEAT; f++) {
		int c = hd_features[f].name[0] - 'a', k = 0;

		while (by_letter[c][k] >= 0)
			k++;
		by_letter[c][k] = (signed char)f;
	}
}

/* The feature a JSON key names, or -1 for a field we ignore. */
static int feature_of(const char *key)
{
	int c = key[0] - 'a';

	if (c < 0 || c >= 26)
		return -1;
	for (const signed char *f = by_letter[c]; *f >= 0; f++)
		if (strcmp(key, hd_features[*f].name) == 0)
			return *f;
	return -1;
}

/*
 * One patient from a JSON object: x[HD_NFEAT] (NaN = imputed) and the
 * set of imputed features; every bad field appended to errs, in the
 * features' order.  Of a key given twice, the last counts, as Python's
 * json module (and so the FastAPI service hd replaces) decides.
 */
static void read_patient(struct buf *errs, const cJSON *o, long index,
                         double *x, uint16_t *imputed, int *nerr)
{
	const cJSON *item[HD_NFEAT] = { NULL }, *kv;

	cJSON_ArrayForEach (kv, o) {
		int f = kv->string ? feature_of(kv->string) : -1;

		if (f >= 0)
			item[f] = kv;
	}
	*imputed = 0;
	for (int f = 0; f < HD_NFEAT; f++) {
		const struct hd_feature *ft = &hd_features[f];
		const cJSON *v = item[f];
		int cat = ft->kind == HD_CATEGORICAL;
		char msg[96], num[HD_NUMBUF];
		double d;

		x[f] = NAN;
		if (v == NULL) {
			err_open(errs, nerr, index, ft->name, "missing",
			         "Field required");
			buf_puts(errs, "}");
			continue;
		}
		if (cJSON_IsNull(v)) {
			*imputed |= (uint16_t)(1u << f);
			continue;
		}
		if (!cJSON_IsNumber(v)) {
			err_open(errs, nerr, index, ft->name,
			         cat ? "int_type" : "float_type",
			         cat ? "Input should be a valid integer"
			             : "Input should be a valid number");
			err_input(errs, v);
			buf_puts(errs, "}");
			continue;
		}
		d = v->valuedouble;
		if (!isfinite(d)) {
			err_open(errs, nerr, index, ft->name, "finite_number",
			         "Input should be a finite number");
			buf_puts(errs, "}");
			continue;
		}
		if (hd_feature_check(ft, d, 0) == NULL) {
			x[f] = d;
			continue;
		}
		if (d < ft->min || d > ft->max) {
			int low = d < ft->min;

			snprintf(msg, sizeof msg,
			         "Input should be %s than or "
			         "equal to %s",
			         low ? "greater" : "less",
			         hd_fmt_double(num, low ? ft->min : ft->max));
			err_open(errs, nerr, index, ft->name,
			         low ? "greater_than_equal" : "less_than_equal",
			         msg);
			err_input(errs, v);
			buf_printf(errs, ",\"ctx\":{\"%s\":%s}}",
			           low ? "ge" : "le", num);
		} else {
			err_open(errs, nerr, index, ft->name, "int_from_float",
			         "Input should be a valid integer, got a number "
			         "with a fractional part");
			err_input(errs, v);
			buf_puts(errs, "}");
		}
	}
}

int validate_body(const char *text, size_t len, long max_batch, struct arena *a,
                  struct buf *errs, struct buf *out, struct patients *p)
{
	const char *why;
	const cJSON *item;
	cJSON *doc;
	size_t at;
	long n, i;
	int nerr = 0, is_batch;

	/*
	 * The grammar first, strictly (hd_json_strict): cJSON alone would
	 * score "065" and cut "age\u0000x" to "age".  What passes, cJSON
	 * reads; NULL from it then means no memory.
	 */
	if (hd_json_strict(text, len, &at, &why) != 0) {
		out->len = 0;
		buf_printf(out,
		           "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":"
		           "[\"body\",%zu],\"msg\":\"JSON decode error\",\"ctx\":"
		           "{\"error\":",
		           at);
		buf_json_str(out, len == 0 ? "the body is empty" : why);
		buf_puts(out, "}}]}");
		return 400;
	}
	doc = arena_parse(a, text, len);
	if (doc == NULL && a->oom) {
		buf_detail(out, "Out of memory");
		return 500;
	}
	if (doc == NULL) {
		/* Should the grammar check and cJSON ever disagree, it is
		 * still the client's JSON that was refused: 400, never 500. */
		out->len = 0;
		buf_puts(out,
		         "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":"
		         "[\"body\",0],\"msg\":\"JSON decode error\",\"ctx\":"
		         "{\"error\":\"not read by the JSON parser\"}}]}");
		return 400;
	}

	errs->len = 0;
	errs->oom = 0;
	is_batch = cJSON_IsArray(doc);
	n = is_batch ? cJSON_GetArraySize(doc) : 1;
	if (!is_batch && !cJSON_IsObject(doc)) {
		err_open(errs, &nerr, -1, NULL, "model_attributes_type",
		         "Input should "
		         "be an object of features or an array of such objects");
		buf_puts(errs, "}");
	} else if (is_batch && n == 0) {
		err_open(errs, &nerr, -1, NULL, "too_short",
		         "List should have at "
		         "least 1 item after validation, not 0");
		buf_puts(errs, ",\"ctx\":{\"min_length\":1}}");
	} else if (is_batch && n > max_batch) {
		char msg[120];

		snprintf(msg, sizeof msg,
		         "List should have at most %ld items "
		         "after validation, not %ld",
		         max_batch, n);
		err_open(errs, &nerr, -1, NULL, "too_long", msg);
		buf_printf(errs, ",\"ctx\":{\"max_length\":%ld}}", max_batch);
	} else if (!is_batch) {
		read_patient(errs, doc, -1, p->x, p->imputed, &nerr);
	} else {
		i = 0;
		cJSON_ArrayForEach (item, doc) {
			if (!cJSON_IsObject(item)) {
				err_open(errs, &nerr, i, NULL,
				         "model_attributes_type",
				         "Input should be a valid dictionary or "
				         "object to extract fields from");
				buf_puts(errs, "}");
			} else {
				read_patient(errs, item, i, p->x + i * HD_NFEAT,
				             p->imputed + i, &nerr);
			}
			i++;
		}
	}
	cJSON_Delete(doc);
	if (errs->oom) {
		buf_detail(out, "Out of memory");
		return 500;
	}
	if (nerr > 0) {
		out->len = 0;
		buf_puts(out, "{\"detail\":[");
		buf_put(out, errs->p, errs->len);
		buf_puts(out, "]}");
		return 422;
	}
	p->n = n;
	p->is_batch = is_batch;
	return 0;
}
