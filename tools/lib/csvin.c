/*
 * csvin.c - pull-style CSV records over libcsv, with line numbers.
 *
 * libcsv pushes fields through callbacks as bytes are fed to it.  We
 * feed it one input line at a time, so we always know the line being
 * parsed, and the parser's state at the start of a line tells whether a
 * record begins there (a quoted field may span lines).  Completed
 * records queue up until the caller pulls them; normally there is at
 * most one.
 *
 * A line ends at LF, CRLF or a lone CR (old Mac files), and is counted
 * as such.  A field is its bytes, as RFC 4180 says: libcsv's default of
 * trimming blanks around unquoted fields is turned off, so " 63" is not
 * the number 63 in any tool, quoted or not.
 *
 * A UTF-8 byte order mark (EF BB BF) before the first line, which
 * spreadsheets put there when they save "CSV UTF-8", is not part of the
 * first field: it is skipped (and hashed, being bytes of the file), or
 * the header's first column would go by a name no tool knows.
 *
 * Line mode (hd_csv_line_mode), for the streaming engines that split
 * their input at line ends (Hadoop Streaming, Spark's pipe(), GNU
 * parallel --pipe): every line is one record on its own, parsed with
 * its terminator left out and finished with csv_fini(), so a quote is
 * never carried over to the next line.  A line that is not CSV is
 * refused alone (HD_CSV_BAD) and the parser starts afresh on the next
 * one; a blank line is a record of no fields, so the caller can answer
 * it too; a line is kept to HD_CSV_LINE_MAX bytes, the rest of it read
 * and dropped, so that memory stays bounded on an endless stream.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <nettle/sha2.h>

#include "cli.h"

/* One record's fields, packed NUL-separated in buf. */
struct rec {
	char *buf;
	size_t buflen, bufcap;
	size_t *off, *len; /* per field: offset in buf, length */
	size_t n, cap;
	long line;
};

struct hd_csv {
	FILE *fp;
	char *name; /* for diagnostics, owned */
	struct csv_parser p;
	char *line; /* getline buffer, owned */
	size_t linecap;
	long lineno;    /* line being fed, 1-based */
	long rec_start; /* line the record being built began on */
	struct rec cur; /* the record being built */
	struct rec *q;  /* completed records, q[head..tail) */
	size_t head, tail, qcap;
	char **ptrs; /* field pointers handed to the caller */
	size_t ptrcap;
	int eof, failed;
	int hashing;
	int line_mode; /* hd_csv_line_mode() */
	int too_long;  /* the line just read was cut at HD_CSV_LINE_MAX */
	char why[128]; /* line mode: why the last line was refused */
	long why_col;
	struct sha256_ctx sha; /* of the bytes fed, when hashing */
};

static void rec_free(struct rec *r)
{
	free(r->buf);
	free(r->off);
	free(r->len);
	memset(r, 0, sizeof *r);
}

static void on_field(void *s, size_t len, void *data)
{
	struct hd_csv *r = data;
	struct rec *c = &r->cur;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->off = hd_xrealloc(c->off, c->cap * sizeof *c->off);
		c->len = hd_xrealloc(c->len, c->cap * sizeof *c->len);
	}
	if (c->buflen + len + 1 > c->bufcap) {
		while (c->buflen + len + 1 > c->bufcap)
			c->bufcap = c->bufcap ? 2 * c->bufcap : 256;
		c->buf = hd_xrealloc(c->buf, c->bufcap);
	}
	if (len > 0)
		memcpy(c->buf + c->buflen, s, len);
	c->buf[c->buflen + len] = '\0';
	c->off[c->n] = c->buflen;
	c->len[c->n] = len;
	c->n++;
	c->buflen += len + 1;
}

static void on_record(int term, void *data)
{
	struct hd_csv *r = data;
	struct rec tmp;

	(void)term;
	/* Records are only fed while the queue is empty, so head is 0. */
	if (r->tail == r->qcap) {
		size_t old = r->qcap;

		r->qcap = r->qcap ? 2 * r->qcap : 4;
		r->q = hd_xrealloc(r->q, r->qcap * sizeof *r->q);
		memset(r->q + old, 0, (r->qcap - old) * sizeof *r->q);
	}
	/* Swap buffers so neither side reallocates on the next record. */
	tmp = r->q[r->tail];
	r->q[r->tail] = r->cur;
	r->q[r->tail].line = r->rec_start;
	r->cur = tmp;
	r->cur.n = 0;
	r->cur.buflen = 0;
	r->tail++;
	r->rec_start = r->lineno;
}

/* libcsv asks this which bytes are blanks to trim: none. */
static int no_blank(unsigned char c)
{
	(void)c;
	return 0;
}

/* Start, or start afresh, the parser with our options. */
static int parser_init(struct hd_csv *r)
{
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
		return -1;
	/* libcsv grows a field 128 bytes at a time by default: quadratic
	 * copying for a long field. */
	csv_set_blk_size(&r->p, (size_t)64 * 1024);
	csv_set_space_func(&r->p, no_blank);
	return 0;
}

struct hd_csv *hd_csv_open(const char *path)
{
	struct hd_csv *r;
	int stdin_ = path == NULL || strcmp(path, "-") == 0;

	r = hd_xcalloc(1, sizeof *r);
	r->name = hd_xstrdup(stdin_ ? "<stdin>" : path);
	r->fp = stdin_ ? stdin : fopen(path, "r");
	if (r->fp == NULL) {
		hd_err("%s: %s", path, strerror(errno));
		free(r->name);
		free(r);
		return NULL;
	}
	if (parser_init(r) != 0) {
		hd_err("%s: cannot start the CSV parser", r->name);
		if (!stdin_)
			fclose(r->fp);
		free(r->name);
		free(r);
		return NULL;
	}
	return r;
}

void hd_csv_line_mode(struct hd_csv *r)
{
	r->line_mode = 1;
}

const char *hd_csv_why(const struct hd_csv *r, long *col)
{
	*col = r->why_col;
	return r->why;
}

void hd_csv_hash(struct hd_csv *r)
{
	sha256_init(&r->sha);
	r->hashing = 1;
}

void hd_csv_sha256(struct hd_csv *r, char hex[HD_SHA256_HEX])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx copy = r->sha;

	sha256_digest(&copy, SHA256_DIGEST_SIZE, d);
	hd_hex(d, SHA256_DIGEST_SIZE, hex);
}

const char *hd_csv_name(const struct hd_csv *r)
{
	return r->name;
}

long hd_csv_lines(const struct hd_csv *r)
{
	return r->lineno;
}

/*
 * The next line into r->line, its terminator (LF, CRLF or CR) included;
 * its length, or -1 at end of input or on a read error.
 */
static ssize_t next_line(struct hd_csv *r)
{
	size_t n = 0;
	int c;

	r->too_long = 0;
	while ((c = getc_unlocked(r->fp)) != EOF) {
		if (r->line_mode && n >= HD_CSV_LINE_MAX) {
			/* Read on to the line's end, keeping nothing. */
			r->too_long = 1;
			if (c == '\n')
				break;
			if (c == '\r') {
				if ((c = getc_unlocked(r->fp)) != '\n' &&
				    c != EOF)
					ungetc(c, r->fp);
				break;
			}
			continue;
		}
		if (n + 3 > r->linecap) {
			r->linecap = r->linecap ? 2 * r->linecap : 4096;
			r->line = hd_xrealloc(r->line, r->linecap);
		}
		r->line[n++] = (char)c;
		if (c == '\n')
			break;
		if (c == '\r') {
			if ((c = getc_unlocked(r->fp)) == '\n')
				r->line[n++] = (char)c;
			else if (c != EOF)
				ungetc(c, r->fp);
			break;
		}
	}
	if (n == 0)
		return -1;
	r->line[n] = '\0';
	return (ssize_t)n;
}

/*
 * Line mode: refuse the line just read (why and col for hd_csv_why)
 * and start the parser afresh for the next one.  HD_CSV_BAD, or -1
 * if the parser cannot be started again.
 */
static int refuse_line(struct hd_csv *r, long col, const char *why)
{
	snprintf(r->why, sizeof r->why, "%s", why);
	r->why_col = col;
	r->cur.n = 0;
	r->cur.buflen = 0;
	csv_free(&r->p);
	if (parser_init(r) != 0) {
		hd_err("%s: cannot start the CSV parser", r->name);
		return -1;
	}
	return HD_CSV_BAD;
}

/*
 * Line mode: parse the line in r->line (n bytes, terminator included)
 * as one whole record.  1 (the record queued), HD_CSV_BAD, or -1.
 */
static int feed_line(struct hd_csv *r, size_t n)
{
	char msg[sizeof r->why];

	while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
		n--;
	r->rec_start = r->lineno;
	if (r->too_long) {
		snprintf(msg, sizeof msg, "line longer than %d bytes",
		         HD_CSV_LINE_MAX);
		return refuse_line(r, 0, msg);
	}
	if (memchr(r->line, '\0', n) != NULL)
		return refuse_line(r, 0, "NUL byte in text");
	if (n == 0) { /* a blank line: a record of no fields */
		on_record(0, r);
		return 1;
	}
	if (csv_parse(&r->p, r->line, n, on_field, on_record, r) != n) {
		snprintf(msg, sizeof msg, "malformed CSV: %s",
		         csv_strerror(csv_error(&r->p)));
		return refuse_line(r, (long)r->cur.n + 1, msg);
	}
	if (csv_fini(&r->p, on_field, on_record, r) != 0)
		return refuse_line(r, (long)r->cur.n + 1,
		                   "quoted field is never closed");
	return 1;
}

/* Feed the next input line; 0 at end of input, -1 on error (or, in
 * line mode, HD_CSV_BAD for a line refused). */
static int feed(struct hd_csv *r)
{
	ssize_t n;

	errno = 0;
	n = next_line(r);
	if (n < 0) {
		if (ferror(r->fp)) {
			hd_err_at(r->name, r->lineno + 1, 0, "read error: %s",
			          strerror(errno));
			return -1;
		}
		if (!r->line_mode &&
		    csv_fini(&r->p, on_field, on_record, r) != 0) {
			hd_err_at(r->name, r->rec_start, 0,
			          "quoted field is never closed");
			return -1;
		}
		return 0;
	}
	r->lineno++;
	if (r->hashing)
		sha256_update(&r->sha, (size_t)n, (const uint8_t *)r->line);
	if (r->p.pstate == 0) /* ROW_NOT_BEGUN: a record starts here */
		r->rec_start = r->lineno;
	if (r->lineno == 1 && n >= 3 &&
	    memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
		memmove(r->line, r->line + 3, (size_t)n - 2);
		n -= 3;
	}
	if (r->line_mode)
		return feed_line(r, (size_t)n);
	if (memchr(r->line, '\0', (size_t)n) != NULL) {
		hd_err_at(r->name, r->lineno, 0, "NUL byte in text");
		return -1;
	}
	if (csv_parse(&r->p, r->line, (size_t)n, on_field, on_record, r) !=
	    (size_t)n) {
		hd_err_at(r->name, r->lineno, 0, "malformed CSV: %s",
		          csv_strerror(csv_error(&r->p)));
		return -1;
	}
	return 1;
}

int hd_csv_next(struct hd_csv *r, struct hd_record *out)
{
	struct rec *c;

	if (r->failed)
		return -1;
	while (r->head == r->tail) {
		int rc;

		r->head = r->tail = 0;
		if (r->eof)
			return 0;
		rc = feed(r);
		if (rc < 0) {
			r->failed = 1;
			return -1;
		}
		if (rc == 0)
			r->eof = 1;
		if (rc == HD_CSV_BAD) {
			out->field = NULL;
			out->len = NULL;
			out->n = 0;
			out->line = r->lineno;
			return HD_CSV_BAD;
		}
	}
	c = &r->q[r->head++];
	if (c->n > r->ptrcap) {
		r->ptrcap = c->n;
		r->ptrs = hd_xrealloc(r->ptrs, r->ptrcap * sizeof *r->ptrs);
	}
	for (size_t i = 0; i < c->n; i++)
		r->ptrs[i] = c->buf + c->off[i];
	out->field = r->ptrs;
	out->len = c->len;
	out->n = c->n;
	out->line = c->line;
	return 1;
}

void hd_csv_close(struct hd_csv **rp)
{
	struct hd_csv *r = *rp;

	if (r == NULL)
		return;
	if (r->fp != stdin)
		fclose(r->fp);
	csv_free(&r->p);
	free(r->line);
	rec_free(&r->cur);
	for (size_t i = 0; i < r->qcap; i++)
		rec_free(&r->q[i]);
	free(r->q);
	free(r->ptrs);
	free(r->name);
	free(r);
	*rp = NULL;
}
