/*
 * text.c - what the responder writes: answer buffers that grow and
 * remember a failed growth, JSON strings and exact numbers, and the
 * time-stamped lines of the operator's log.  Nothing here knows the
 * server's state.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fcgi.h"

int buf_grow(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void buf_put(struct buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int pass = 0; pass < 2; pass++) {
		size_t room = b->oom ? 0 : b->cap - b->len;

		va_start(ap, fmt);
		/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
		n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (buf_grow(b, (size_t)n + 1) != 0)
			return;
	}
}

/* A JSON string; control characters escaped, other bytes as they are. */
void buf_json_str(struct buf *b, const char *s)
{
	const char *run = s;

	buf_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_put(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else
			buf_printf(b, "\\u%04x", c);
		run = s + 1;
	}
	buf_put(b, run, (size_t)(s - run));
	buf_put(b, "\"", 1);
}

/* A number that reads back as exactly x; JSON has no NaN or infinity. */
void buf_json_num(struct buf *b, double x)
{
	char num[HD_NUMBUF];

	buf_puts(b, isfinite(x) ? hd_fmt_double(num, x) : "null");
}

void buf_detail(struct buf *b, const char *detail)
{
	b->len = 0;
	buf_puts(b, "{\"detail\":");
	buf_json_str(b, detail);
	buf_puts(b, "}");
}

void buf_reset(struct buf *b, size_t keep)
{
	b->len = 0;
	b->oom = 0;
	if (b->cap > keep) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/*
 * A line for the operator.  lighttpd sends a backend's stderr to its
 * server.breakagelog, which has no time stamps of its own.
 */
void note(const char *fmt, ...)
{
	char when[32];
	va_list ap;

	fprintf(stderr, "%s %s[%ld]: ", hd_utc_time(time(NULL), when), hd_prog,
	        (long)getpid());
	va_start(ap, fmt);
	/* Flawfinder: ignore: a printf-like wrapper, whose format attribute has the compiler check each caller's format */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}
