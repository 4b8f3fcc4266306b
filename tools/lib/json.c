/*
 * json.c - JSON documents through cJSON: exact numbers, one parse that
 * allows only white space after the document, one format/version
 * check, one whole-file reader; and, for the tools, files read with
 * diagnostics and written atomically.
 *
 * Everything down to "Files for the tools" is the core regime (hd.h):
 * it returns errors and never prints or aborts, so the server uses it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/*
 * cJSON prints doubles with "%1.15g" unless an approximate comparison
 * says it is not close enough; that can lose the last bits.  A raw
 * number in our own shortest round-trip form reads back exactly.
 */
cJSON *hd_json_num(double x)
{
	char buf[HD_NUMBUF];

	if (x != x || x - x != 0) /* NaN or infinity: JSON has neither */
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
	const cJSON *it = key ? cJSON_GetObjectItemCaseSensitive(obj, key)
	                      : obj;

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

/* ---------------------------------------------------------------------
 * Documents
 * ------------------------------------------------------------------- */

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

/*
 * The strict grammar, as a recursive descent that builds nothing.  p
 * walks the text; a fault leaves p where it is and sets why.
 */
struct scan {
	const unsigned char *p, *end;
	const char *why;
	int depth;
};

#define MAX_DEPTH 512

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	                         *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int fault(struct scan *s, const char *why)
{
	s->why = why;
	return -1;
}

static int digits(struct scan *s)
{
	const unsigned char *p0 = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > p0 ? 0 : fault(s, "a digit was expected");
}

static int number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			return fault(s, "a number may not have a leading zero");
	} else if (digits(s) != 0) {
		return -1;
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) != 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) != 0)
			return -1;
	}
	return 0;
}

static int hex4(struct scan *s, unsigned *u)
{
	*u = 0;
	for (int i = 0; i < 4; i++, s->p++) {
		unsigned c = s->p < s->end ? *s->p : 0, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return fault(s, "\\u needs four hex digits");
		*u = *u << 4 | d;
	}
	return 0;
}

/* One UTF-8 sequence at s->p (a byte >= 0x80): shortest form, no
 * surrogates, at most U+10FFFF. */
static int utf8(struct scan *s)
{
	const unsigned char *p = s->p;
	unsigned c = *p, cp;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return fault(s, "not UTF-8");
	if (s->end - p <= n)
		return fault(s, "not UTF-8");
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return fault(s, "not UTF-8");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return fault(s, "not UTF-8");
	s->p += n + 1;
	return 0;
}

int hd_utf8_valid(const char *text, size_t len)
{
	struct scan s = { (const unsigned char *)text,
		          (const unsigned char *)text + len, NULL, 0 };

	while (s.p < s.end)
		if (*s.p < 0x80)
			s.p++;
		else if (utf8(&s) != 0)
			return 0;
	return 1;
}

/*
 * Bytes that stand for themselves in a string: printable ASCII but the
 * quote (0x22) and the backslash (0x5c).  The scan skips runs of them
 * by table, which is most of a model file (its trees are strings).
 */
#define Z16 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define O16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char plain[256] = {
	Z16, Z16, 1,   1,   0,   1,   1,   1,   1,   1,   1, 1,
	1,   1,   1,   1,   1,   1,   O16, O16, 1,   1,   1, 1,
	1,   1,   1,   1,   1,   1,   1,   1,   0,   1,   1, 1,
	O16, O16, Z16, Z16, Z16, Z16, Z16, Z16, Z16, Z16,
};
#undef Z16
#undef O16

static int string(struct scan *s)
{
	s->p++; /* the opening quote */
	while (s->p < s->end) {
		unsigned c, u;

		while (s->end - s->p >= 4 && (plain[s->p[0]] & plain[s->p[1]] &
		                              plain[s->p[2]] & plain[s->p[3]]))
			s->p += 4;
		while (s->p < s->end && plain[*s->p])
			s->p++;
		if (s->p >= s->end)
			break;
		c = *s->p;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return fault(s, "a control character in a string");
		if (c >= 0x80) {
			if (utf8(s) != 0)
				return -1;
			continue;
		}
		s->p++;
		if (c != '\\')
			continue;
		c = s->p < s->end ? *s->p : 0;
		if (c == 'u') {
			s->p++;
			if (hex4(s, &u) != 0)
				return -1;
			if (u == 0) {
				s->p -= 6;
				return fault(s, "\\u0000 in a string");
			}
			/* UTF-16 surrogates come in pairs, high then low:
			 * cJSON refuses a lone one, and so does this. */
			if (u >= 0xdc00 && u <= 0xdfff) {
				s->p -= 6;
				return fault(s, "a lone surrogate in a string");
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				unsigned lo;

				if (s->end - s->p < 6 || s->p[0] != '\\' ||
				    s->p[1] != 'u') {
					s->p -= 6;
					return fault(
						s,
						"a lone surrogate in a string");
				}
				s->p += 2;
				if (hex4(s, &lo) != 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					s->p -= 12;
					return fault(
						s,
						"a lone surrogate in a string");
				}
			}
		} else if (c && strchr("\"\\/bfnrt", (int)c)) {
			s->p++;
		} else {
			s->p--;
			return fault(s, "an unknown escape");
		}
	}
	return fault(s, "a string is never closed");
}

static int literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fault(s, "not a JSON value");
	s->p += n;
	return 0;
}

static int value(struct scan *s);

/* An object or an array: open and close are its brackets. */
static int members(struct scan *s, int object)
{
	const unsigned char close = object ? '}' : ']';

	if (++s->depth > MAX_DEPTH)
		return fault(s, "nested too deep");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return fault(s,
				             "a key (a string) was expected");
			if (string(s) != 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fault(s, "':' was expected");
			s->p++;
		}
		if (value(s) != 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		return fault(s, object ? "',' or '}' was expected"
		                       : "',' or ']' was expected");
	}
}

static int value(struct scan *s)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fault(s, "a value was expected");
	switch (*s->p) {
	case '{': return members(s, 1);
	case '[': return members(s, 0);
	case '"': return string(s);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case 'n': return literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return fault(s, "not a JSON value");
	}
}

int hd_json_strict(const char *text, size_t len, size_t *at, const char **why)
{
	struct scan s = { (const unsigned char *)text,
		          (const unsigned char *)text + len, NULL, 0 };

	if (value(&s) == 0) {
		skip_ws(&s);
		if (s.p == s.end)
			return 0;
		s.why = "text after the JSON document";
	}
	*at = (size_t)(s.p - (const unsigned char *)text);
	*why = s.why;
	return -1;
}

cJSON *hd_json_parse(const char *text, size_t len, long *line, long *col)
{
	const char *why;
	size_t at;
	cJSON *root;

	if (hd_json_strict(text, len, &at, &why) != 0) {
		locate(text, at, line, col);
		return NULL;
	}
	/* What the grammar allows, cJSON reads; NULL now means no memory. */
	if ((root = cJSON_ParseWithLength(text, len)) == NULL)
		locate(text, 0, line, col);
	return root;
}

int hd_json_check_format(const cJSON *root, const char *fmt, int max_version,
                         char *err, size_t errlen)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");

	if (!cJSON_IsString(f) || strcmp(f->valuestring, fmt) != 0) {
		snprintf(err, errlen,
		         "not an %s file (its \"format\" is %s%s%s)", fmt,
		         cJSON_IsString(f) ? "\"" : "",
		         cJSON_IsString(f) ? f->valuestring : "missing",
		         cJSON_IsString(f) ? "\"" : "");
		return -1;
	}
	if (!cJSON_IsNumber(v)) {
		snprintf(err, errlen, "%s file without a \"version\"", fmt);
		return -1;
	}
	/* Compared as a double: a huge version must not be cast to int. */
	if (!(v->valuedouble >= 1 && v->valuedouble <= max_version &&
	      v->valuedouble == floor(v->valuedouble))) {
		if (max_version == 1)
			snprintf(err, errlen,
			         "%s version %g is not supported (this "
			         "build reads version 1)",
			         fmt, v->valuedouble);
		else
			snprintf(err, errlen,
			         "%s version %g is not supported (this "
			         "build reads versions 1 to %d)",
			         fmt, v->valuedouble, max_version);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Whole files
 * ------------------------------------------------------------------- */

char *hd_read_fd(int fd, size_t hint, size_t max, size_t *len, char *err,
                 size_t errlen)
{
	size_t cap = hint + 1 > 4096 ? hint + 1 : 4096, n = 0;
	char *text, *bigger;
	ssize_t k;

	if (max > 0 && cap > max + 1)
		cap = max + 1;
	if ((text = malloc(cap)) == NULL)
		goto oom;
	for (;;) {
		if (n + 1 >= cap) {
			if (max > 0 && n > max)
				break;
			if ((bigger = realloc(text, cap *= 2)) == NULL)
				goto oom;
			text = bigger;
		}
		k = read(fd, text + n, cap - n - 1);
		if (k == 0)
			break;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read error: %s",
			         strerror(errno));
			free(text);
			return NULL;
		}
		n += (size_t)k;
	}
	if (max > 0 && n > max) {
		snprintf(err, errlen, "larger than the limit of %zu bytes",
		         max);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
oom:
	free(text);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

char *hd_read_file(const char *path, size_t max, size_t *len, char *err,
                   size_t errlen)
{
	struct stat st;
	char *text;
	int fd;

	if (strcmp(path, "-") == 0)
		return hd_read_fd(0, 0, max, len, err, errlen);
	/*
	 * O_NONBLOCK: a FIFO nobody writes to would block open(2) for
	 * ever.  Opened so, it reads as empty unless a writer is there;
	 * the reads themselves block again as usual.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	/* Refused by its size before a byte is read. */
	if (max > 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		snprintf(err, errlen, "larger than the limit of %zu bytes",
		         max);
		close(fd);
		return NULL;
	}
	text = hd_read_fd(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, max,
	                  len, err, errlen);
	close(fd);
	return text;
}

/* ---------------------------------------------------------------------
 * Files for the tools (cli.h): diagnostics on stderr
 * ------------------------------------------------------------------- */

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
			c->valuestring =
				hd_xstrdup(hd_fmt_double(buf, c->valuedouble));
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

cJSON *hd_json_read(const char *path, const char *fmt, int max_version)
{
	return hd_json_read_sha256(path, fmt, max_version, NULL);
}

cJSON *hd_json_read_sha256(const char *path, const char *fmt, int max_version,
                           char hex[HD_SHA256_HEX])
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char err[300], *text;
	size_t len;
	long line, col;
	cJSON *root;

	if ((text = hd_read_file(path, HD_MODEL_MAX_BYTES, &len, err,
	                         sizeof err)) == NULL) {
		hd_err("%s: %s", name, err);
		return NULL;
	}
	if (hex != NULL)
		hd_sha256_hex(text, len, hex);
	root = hd_json_parse(text, len, &line, &col);
	free(text);
	if (root == NULL) {
		hd_err_at(name, line, col, "not valid JSON");
		return NULL;
	}
	if (hd_json_check_format(root, fmt, max_version, err, sizeof err) !=
	    0) {
		hd_err("%s: %s", name, err);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
