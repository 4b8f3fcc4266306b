/*
 * json.c - JSON documents through cJSON: exact numbers, atomic writes,
 * and a format/version stamp that readers check.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hd.h"

/*
 * cJSON prints doubles with "%1.15g" unless an approximate comparison
 * says it is not close enough; that can lose the last bits.  A raw
 * number in our own shortest round-trip form reads back exactly.
 */
cJSON *hd_json_num(double x)
{
	char buf[HD_NUMBUF];

	if (x != x || x - x != 0)       /* NaN or infinity: JSON has neither */
		return cJSON_CreateNull();
	return cJSON_CreateRaw(hd_fmt_double(buf, x));
}

cJSON *hd_json_add_num(cJSON *obj, const char *key, double x)
{
	cJSON *n = hd_json_num(x);

	cJSON_AddItemToObject(obj, key, n);
	return n;
}

int hd_json_get_num(const cJSON *obj, const char *key, double *out)
{
	const cJSON *it = key ? cJSON_GetObjectItemCaseSensitive(obj, key) : obj;

	if (cJSON_IsNumber(it))
		*out = it->valuedouble;
	else if (cJSON_IsNull(it))
		*out = NAN;
	else if (!cJSON_IsRaw(it) || hd_parse_double(it->valuestring, out) != 0)
		return -1;
	return 0;
}

void hd_json_set_format(cJSON *root, const char *fmt, int version)
{
	cJSON_DeleteItemFromObjectCaseSensitive(root, "format");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "version");
	cJSON_AddStringToObject(root, "format", fmt);
	cJSON_AddNumberToObject(root, "version", version);
}

/*
 * cJSON prints a number it parsed with 15 significant digits whenever
 * an approximate comparison calls that close enough, which can change
 * its last bit.  Before writing, every number item becomes a raw item
 * in hd_fmt_double's exact form, so values copied from one document to
 * another read back as the same doubles.
 */
static void exact_numbers(cJSON *item)
{
	char buf[HD_NUMBUF];

	for (cJSON *c = item->child; c != NULL; c = c->next) {
		if (cJSON_IsNumber(c)) {
			/* In place, keeping the key: a raw item's text is its
			 * valuestring, which cJSON_Delete frees. */
			c->valuestring = hd_xstrdup(hd_fmt_double(buf, c->valuedouble));
			c->type = cJSON_Raw | (c->type & cJSON_StringIsConst);
		} else {
			exact_numbers(c);
		}
	}
}

int hd_json_write(const char *path, cJSON *root)
{
	struct hd_out o;
	char *text;

	exact_numbers(root);
	text = cJSON_Print(root);

	if (text == NULL) {
		hd_err("%s: out of memory formatting JSON", path);
		return -1;
	}
	if (hd_out_open(&o, path) != 0) {
		free(text);
		return -1;
	}
	fputs(text, o.fp);
	fputc('\n', o.fp);
	free(text);
	return hd_out_commit(&o);
}

char *hd_read_file(const char *path, size_t *lenp)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (fp == NULL)
		return NULL;
	buf = hd_xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
		len += n;
		if (cap - len - 1 == 0)
			buf = hd_xrealloc(buf, cap *= 2);
	}
	if (ferror(fp)) {
		int e = errno;

		if (fp != stdin)
			fclose(fp);
		free(buf);
		errno = e ? e : EIO;
		return NULL;
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* Line and column of byte offset off in text, both 1-based. */
static void locate(const char *text, size_t off, long *line, long *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

cJSON *hd_json_read(const char *path, const char *fmt, int max_version)
{
	const char *end = NULL;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t len;
	char *text = hd_read_file(path, &len);
	cJSON *root, *f, *v;

	if (text == NULL) {
		hd_err("%s: %s", name, strerror(errno));
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	/* Only white space may follow the value. */
	if (root != NULL) {
		while (end < text + len && strchr(" \t\r\n", *end) && *end)
			end++;
		if (end < text + len) {
			cJSON_Delete(root);
			root = NULL;
		}
	}
	if (root == NULL) {
		long line, col;

		locate(text, end ? (size_t)(end - text) : 0, &line, &col);
		hd_err_at(name, line, col, "not valid JSON");
		free(text);
		return NULL;
	}
	free(text);
	f = cJSON_GetObjectItemCaseSensitive(root, "format");
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsString(f) || !cJSON_IsNumber(v)) {
		hd_err("%s: no \"format\" and \"version\": not an hd %s file",
		       name, fmt);
		cJSON_Delete(root);
		return NULL;
	}
	if (strcmp(f->valuestring, fmt) != 0) {
		hd_err("%s: format is \"%s\", expected \"%s\"", name,
		       f->valuestring, fmt);
		cJSON_Delete(root);
		return NULL;
	}
	if (!(v->valuedouble >= 1 && v->valuedouble <= max_version &&
	      v->valuedouble == floor(v->valuedouble))) {
		hd_err("%s: %s version %g is not supported (this is %s %s, "
		       "which reads versions 1 to %d)", name, fmt,
		       v->valuedouble, hd_prog, HD_VERSION, max_version);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
