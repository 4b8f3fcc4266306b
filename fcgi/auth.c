/*
 * auth.c - optional bearer tokens (HD_API_TOKENS).
 *
 * The file holds SHA-256 digests of the tokens, never the tokens: one
 * per line as 64 hex digits, then optionally blanks and a comment (who
 * the token is for); blank lines and lines starting with '#' are
 * comments.  A request's token is hashed and compared with every
 * digest in the file, each compare taking the same time whatever the
 * bytes, and all of them made whichever matches: how long the check
 * takes says nothing about how close a guess was, nor which token it
 * is.
 *
 * Pure: the tokens are an argument, nothing here touches `server`, so
 * the unit tests link this file alone.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi.h"
#include "hd.h"

/* The largest token file read: 1 MiB is over 10,000 tokens. */
#define MAX_TOKENS_BYTES ((size_t)1 << 20)

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the file's text; on error, "PATH:LINE:COL: why" in err. */
static int parse_tokens(struct tokens *t, const char *path, const char *text,
                        size_t len, char *err, size_t errlen)
{
	size_t cap = 0;
	long line = 1;

	for (size_t i = 0; i < len; line++) {
		size_t start = i, j;
		uint8_t d[32];

		while (i < len && text[i] != '\n')
			i++;
		/* text[start..i) is the line, without its LF. */
		j = start;
		while (j < i && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (j == i || text[j] == '#' ||
		    (text[j] == '\r' && j + 1 == i)) {
			i++;
			continue;
		}
		for (size_t k = 0; k < 32; k++) {
			size_t at = j + 2 * k; /* the byte's two digits */
			int hi = at < i ? hexval(text[at]) : -1;
			int lo = at + 1 < i ? hexval(text[at + 1]) : -1;

			if (hi < 0 || lo < 0) {
				size_t col = at + (hi < 0 ? 0 : 1) - start;

				snprintf(err, errlen,
				         "%s:%ld:%zu: not a SHA-256 digest (64 "
				         "hex digits): store the digest of a "
				         "token, never the token",
				         path, line, col + 1);
				return -1;
			}
			d[k] = (uint8_t)(hi << 4 | lo);
		}
		j += 64;
		if (j < i && text[j] != ' ' && text[j] != '\t' &&
		    text[j] != '\r') {
			snprintf(err, errlen,
			         "%s:%ld:%zu: a digest is 64 hex digits, then a "
			         "blank before any comment",
			         path, line, j - start + 1);
			return -1;
		}
		if (t->n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			void *p = realloc(t->sha, ncap * sizeof *t->sha);

			if (p == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				         path);
				return -1;
			}
			t->sha = p;
			cap = ncap;
		}
		memcpy(t->sha[t->n++], d, 32);
		i++;
	}
	return 0;
}

int tokens_load(struct tokens *t, const char *path, char *err, size_t errlen)
{
	char *text, why[300];
	size_t len;
	int rc;

	memset(t, 0, sizeof *t);
	text = hd_read_file(path, MAX_TOKENS_BYTES, &len, why, sizeof why);
	if (text == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	rc = parse_tokens(t, path, text, len, err, errlen);
	free(text);
	if (rc != 0) {
		tokens_free(t);
		return -1;
	}
	t->on = 1;
	return 0;
}

void tokens_free(struct tokens *t)
{
	free(t->sha);
	memset(t, 0, sizeof *t);
}

/* 1 when the two digests are equal, in time that does not depend on
 * where they differ. */
static unsigned same_digest(const uint8_t a[32], const uint8_t b[32])
{
	unsigned diff = 0;

	for (int i = 0; i < 32; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	/* diff is 0..255: (diff - 1) >> 8 has its low bit set only for 0. */
	return ((diff - 1) >> 8) & 1;
}

enum auth tokens_check(const struct tokens *t, const char *authorization)
{
	const char *s = authorization;
	uint8_t d[32];
	/* volatile: the loop must not end at the first match. */
	volatile unsigned match = 0;
	size_t n;

	if (s == NULL)
		return AUTH_MISSING;
	while (*s == ' ' || *s == '\t')
		s++;
	/* The scheme is case-insensitive (RFC 9110, 11.1). */
	if (strncasecmp(s, "Bearer", 6) != 0 || (s[6] != ' ' && s[6] != '\t'))
		return AUTH_MISSING;
	s += 6;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return AUTH_MISSING;
	hd_sha256(s, n, d);
	for (size_t i = 0; i < t->n; i++)
		match |= same_digest(t->sha[i], d);
	return match ? AUTH_OK : AUTH_INVALID;
}

int remote_is_loopback(const char *addr)
{
	if (addr == NULL)
		return 0;
	if (strncmp(addr, "::ffff:", 7) == 0)
		addr += 7;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}
