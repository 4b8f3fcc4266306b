/*
 * hd-fetch - download the four UCI heart-disease files, pinned by SHA-256.
 *
 * Each file is checked where it lies first, and only a missing or wrong
 * one is fetched.  A download goes to DIR/.NAME.part, is verified, and
 * only then renamed to DIR/NAME, so DIR/NAME is either absent or exactly
 * the pinned bytes.  A .part left by an interrupted run is continued with
 * a Range request.  Because the bytes are pinned, where they come from
 * (the UCI archive, a mirror URL, a local folder) does not matter.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with XSI: realpath(3) */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"

static const struct hd_usage usage = {
	"[-q] [-m SRC] [-d DIR] [--retries N] [--connect-timeout SEC] "
	"[--timeout SEC]",
	"Download the four UCI heart-disease files into DIR and check each\n"
	"against the SHA-256 compiled into this program.\n"
	"\n"
	"  -m, --mirror SRC        fetch from SRC: a folder or a file://,\n"
	"                          http:// or https:// base URL (default:\n"
	"                          $HD_DATA_MIRROR, else the UCI archive)\n"
	"  -d, --dir DIR           write the files here (default data/raw)\n"
	"      --retries N         retry a transient failure N times\n"
	"                          (default 3), backing off 0.5 s, 1 s, 2 s...\n"
	"      --connect-timeout SEC\n"
	"                          give up connecting after SEC (default 10)\n"
	"      --timeout SEC       give up on a file after SEC in all, retries\n"
	"                          included (default 120; 0 = no limit)\n"
	"  -q, --quiet             print errors only\n"
	"      --help              show this help\n"
	"      --version           show the version\n",
};

#define UCI_URL \
	"https://archive.ics.uci.edu/ml/machine-learning-databases/heart-disease/"
#define MIRROR_HINT \
	"to fetch from elsewhere, set HD_DATA_MIRROR or use --mirror DIR|URL"
#define LOCAL_HINT                                                            \
	"the fault is on this machine: check the free space and permissions " \
	"of the folder, or use --dir"

/*
 * The bytes every later step of the pipeline was built and tested on:
 * their size, which no download may exceed (a source that streams
 * without end is cut off there), and their SHA-256.
 */
static const struct pinned {
	const char *name;
	long long size;
	const char *sha256;
} pinned[] = {
	{ "processed.cleveland.data", 18461,
	  "a74b7efa387bc9d108d7d0115d831fe9b414b29ae7124f331b622b4efa0427c8" },
	{ "processed.hungarian.data", 10263,
	  "d1ad108f785768cd3d7e82dc522e6f5a61eea93cccfb3a46ee8076f73fc3d796" },
	{ "processed.switzerland.data", 4109,
	  "834a405ccf5b66ab4056bb77794adc8df0b7125186454c0a1d002d33c6c3b314" },
	{ "processed.va.data", 6737,
	  "e7c93d8d0d2acdadfa4c5e8de768e2191e7f618b952e29623f1f0d5949ff6b8f" },
};
#define NPINNED (sizeof pinned / sizeof pinned[0])

#define BACKOFF_FIRST 0.5 /* seconds before the first retry */
#define BACKOFF_MAX 30.0  /* no single wait longer than this */
#define SLOW_BYTES 100    /* abort below this many bytes/s ... */
#define SLOW_SECS 30L     /* ... sustained for this long */

struct opts {
	const char *dir;
	long retries;
	long connect_ms;
	long timeout_ms; /* per file, retries included; 0 = none */
	int quiet;
};

/* State shared by every file of one run. */
struct fetch {
	const struct opts *o;
	CURL *curl;
	char *base;               /* source URL ending in '/', owned */
	struct timespec deadline; /* of the current file */
	int dead;            /* the source cannot be reached: stop asking */
	size_t local_failed; /* files that failed on our side (disk) */
	char errbuf[CURL_ERROR_SIZE];
};

/* What one transfer attempt came to. */
struct outcome {
	int local; /* failed on our side (disk), not the source */
	CURLcode rc;
	long http; /* HTTP status, 0 when there was none */
	char why[CURL_ERROR_SIZE + 256];
};

/* How one file ended. */
enum result { FETCH_OK, FETCH_FAILED, FETCH_SKIPPED };

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

/* Seconds to milliseconds, never rounding a positive time down to 0. */
static long to_ms(double sec)
{
	long ms = lround(sec * 1000.0);

	return ms == 0 && sec > 0 ? 1 : ms;
}

/* Seconds from now until *t; negative once it has passed. */
static double seconds_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(t->tv_sec - now.tv_sec) +
	       (double)(t->tv_nsec - now.tv_nsec) / 1e9;
}

/* Seconds left for the current file; INFINITY without --timeout. */
static double time_left(const struct fetch *f)
{
	return f->o->timeout_ms > 0 ? seconds_until(&f->deadline) : INFINITY;
}

static void start_clock(struct fetch *f)
{
	long ms = f->o->timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, &f->deadline);
	f->deadline.tv_sec += ms / 1000;
	f->deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (f->deadline.tv_nsec >= 1000000000L) {
		f->deadline.tv_sec++;
		f->deadline.tv_nsec -= 1000000000L;
	}
}

static void sleep_s(double sec)
{
	struct timespec t;

	t.tv_sec = (time_t)sec;
	t.tv_nsec = (long)((sec - (double)t.tv_sec) * 1e9);
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* 1 if path holds the pinned bytes, 0 if other bytes, -1 (errno) if unreadable. */
static int verify(const char *path, const char *want, char got[HD_SHA256_HEX])
{
	if (hd_sha256_file(path, got) != 0)
		return -1;
	return strcmp(got, want) == 0;
}

/* ---------------------------------------------------------------------
 * The source: a folder or a base URL
 * ------------------------------------------------------------------- */

/*
 * Length of an RFC 3986 scheme followed by "://" at the start of s, or
 * 0 when s is not a URL (and so is taken as a folder).
 */
static size_t scheme_len(const char *s)
{
	size_t n = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (s[n] &&
	       (strchr("+-.", s[n]) || (s[n] >= 'a' && s[n] <= 'z') ||
	        (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
		n++;
	return strncmp(s + n, "://", 3) == 0 ? n : 0;
}

/* An absolute path as a file:// URL; curl decodes the escapes again. */
static char *file_url(const char *abs)
{
	static const char hex[] = "0123456789ABCDEF";
	char *url = hd_xmalloc(strlen("file://") + 3 * strlen(abs) + 2);
	char *q = url + strlen("file://");

	/* A false positive: the URL goes on after its scheme and ends in a
	 * NUL after the loop. */
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
	memcpy(url, "file://", strlen("file://"));
	for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			*q++ = (char)*p;
		} else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		}
	}
	*q = '\0';
	return url;
}

/*
 * Turn SRC (named in messages as `from`, the option or variable it came
 * from) into a base URL ending in '/'.  Returns HD_EXIT_OK and sets
 * *base (owned by the caller), or an exit status after saying why.
 */
static int source_url(const char *src, const char *from, char **base)
{
	size_t n = scheme_len(src);
	const char *slash;
	char *abs;
	struct stat st;

	if (n > 0) {
		if (!((n == 4 && strncmp(src, "http", 4) == 0) ||
		      (n == 5 && strncmp(src, "https", 5) == 0) ||
		      (n == 4 && strncmp(src, "file", 4) == 0))) {
			hd_err("%s: '%s': only http://, https:// and file:// "
			       "URLs or a folder will do",
			       from, src);
			return HD_EXIT_USAGE;
		}
		slash = src[strlen(src) - 1] == '/' ? "" : "/";
		*base = hd_xprintf("%s%s", src, slash);
		return HD_EXIT_OK;
	}
	/* A folder: curl needs it as an absolute file:// URL. */
	abs = realpath(src, NULL);
	if (abs == NULL || stat(abs, &st) != 0 || !S_ISDIR(st.st_mode)) {
		hd_err("%s: cannot use folder '%s': %s", from, src,
		       abs ? "not a folder" : strerror(errno));
		hd_err("%s", MIRROR_HINT);
		free(abs);
		return HD_EXIT_DATA;
	}
	*base = file_url(abs);
	free(abs);
	if (strcmp(*base + strlen(*base) - 1, "/") != 0) {
		char *b = hd_xprintf("%s/", *base);

		free(*base);
		*base = b;
	}
	return HD_EXIT_OK;
}

/* ---------------------------------------------------------------------
 * One transfer
 * ------------------------------------------------------------------- */

/*
 * Where the body goes.  The file is opened on the first byte, so a
 * request that fails before any data (404, refused) leaves no file.
 */
struct sink {
	const char *path;
	const char *mode; /* "wb" from scratch, "ab" to resume */
	FILE *fp;
	int err;           /* errno of a failed open or write */
	long long at, max; /* bytes in the file; the most allowed */
	int too_big;       /* stopped at max */
};

static size_t sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (s->fp == NULL && (s->fp = fopen(s->path, s->mode)) == NULL) {
		s->err = errno;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (s->at + (long long)(size * n) > s->max) {
		s->too_big = 1;
		return 0; /* CURLE_WRITE_ERROR, and no more bytes */
	}
	if (fwrite(data, size, n, s->fp) != n) {
		s->err = errno;
		return 0;
	}
	s->at += (long long)(size * n);
	return size * n;
}

/* Flush, sync and close; the data must be on disk before the rename. */
static int sink_close(struct sink *s)
{
	int rc = 0;

	if (s->fp == NULL)
		return 0;
	if (fflush(s->fp) != 0 || fsync(fileno(s->fp)) != 0) {
		s->err = errno;
		rc = -1;
	}
	if (fclose(s->fp) != 0 && rc == 0) {
		s->err = errno;
		rc = -1;
	}
	s->fp = NULL;
	return rc;
}

/* Options that stay the same for every transfer of the run. */
static int setup_curl(struct fetch *f)
{
	CURL *c = f->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                       \
	do {                                                \
		if (rc == CURLE_OK)                         \
			rc = curl_easy_setopt(c, opt, val); \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, f->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "hd-fetch/" HD_VERSION);
	/* Nothing but these three: a mirror setting must not reach ftp,
	 * scp, ldap... and a redirect must not reach the local disk. */
	SET(CURLOPT_PROTOCOLS_STR, "http,https,file");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 5L);
	/* An error page must never be mistaken for data. */
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, f->o->connect_ms);
	/* A server that trickles: give up well before the total timeout. */
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)SLOW_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, SLOW_SECS);
	SET(CURLOPT_WRITEFUNCTION, sink_write);
#undef SET
	if (rc != CURLE_OK) {
		hd_err("libcurl: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

static void local_failure(struct outcome *r, const char *what, const char *path,
                          int err)
{
	r->local = 1;
	snprintf(r->why, sizeof r->why, "cannot %s %s: %s", what, path,
	         strerror(err));
}

/*
 * One attempt to get url into part, starting at byte `from` (0: from
 * scratch).  Returns 0, or -1 with *r saying why.
 */
static int transfer(struct fetch *f, const char *url, const char *part,
                    long long from, long long max, struct outcome *r)
{
	struct sink s = { part, from > 0 ? "ab" : "wb", NULL, 0, from, max, 0 };
	double left = time_left(f);
	CURLcode rc;

	memset(r, 0, sizeof *r);
	/* Start from a known state: a retry must not append to the bytes
	 * an earlier attempt left behind. */
	if ((from > 0 ? truncate(part, (off_t)from) : unlink(part)) != 0 &&
	    errno != ENOENT) {
		local_failure(r, from > 0 ? "truncate" : "remove", part, errno);
		return -1;
	}
	if (left <= 0) {
		r->rc = CURLE_OPERATION_TIMEDOUT;
		snprintf(r->why, sizeof r->why, "no time left (--timeout)");
		return -1;
	}
	f->errbuf[0] = '\0';
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(f->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)from);
	/* A declared length over the pin is refused before any byte. */
	/* The file's pinned size: the whole of it (a source that ignores
	 * the range), or the rest of it; what is written past the pin is
	 * stopped by the sink, counting from the bytes already there. */
	curl_easy_setopt(f->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS,
	                 isinf(left) ? 0L : to_ms(left));
	rc = curl_easy_perform(f->curl);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &r->http);
	if (sink_close(&s) != 0 && rc == CURLE_OK) {
		local_failure(r, "write", part, s.err);
		return -1;
	}
	if (rc == CURLE_WRITE_ERROR && s.err != 0) {
		local_failure(r, "write", part, s.err);
		return -1;
	}
	if ((rc == CURLE_WRITE_ERROR && s.too_big) ||
	    rc == CURLE_FILESIZE_EXCEEDED) {
		unlink(part);
		r->rc = rc;
		snprintf(r->why, sizeof r->why,
		         "the source sends more than the "
		         "%lld bytes of the pinned file; stopped there",
		         max);
		return -1;
	}
	if (rc != CURLE_OK) {
		r->rc = rc;
		snprintf(r->why, sizeof r->why, "%s",
		         f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	/* An empty body never reached sink_write; still leave a file. */
	if (from == 0 && (s.fp = fopen(part, "ab")) != NULL)
		fclose(s.fp);
	return 0;
}

/* Worth asking again: the source may answer next time. */
static int transient(const struct outcome *r)
{
	if (r->local)
		return 0;
	switch (r->rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return 1;
	case CURLE_HTTP_RETURNED_ERROR:
		return r->http == 408 || r->http == 429 || r->http >= 500;
	default: return 0;
	}
}

/* The whole source is out of reach: no other file will fare better. */
static int unreachable(const struct outcome *r)
{
	if (r->local)
		return 0;
	switch (r->rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION: return 1;
	default: return 0;
	}
}

/* The source cannot continue this .part (no ranges, or past its end). */
static int cannot_resume(const struct outcome *r)
{
	return !r->local &&
	       (r->rc == CURLE_RANGE_ERROR ||
	        r->rc == CURLE_BAD_DOWNLOAD_RESUME ||
	        (r->rc == CURLE_HTTP_RETURNED_ERROR && r->http == 416));
}

/*
 * transfer(), again after a transient failure, up to --retries times
 * with exponential backoff, while the file's time budget lasts.
 */
static int transfer_retrying(struct fetch *f, const struct pinned *p,
                             const char *url, const char *part, long long from,
                             struct outcome *r)
{
	const char *name = p->name;
	double delay = BACKOFF_FIRST;

	for (long attempt = 1;; attempt++) {
		if (transfer(f, url, part, from, p->size, r) == 0)
			return 0;
		if (!transient(r) || attempt > f->o->retries ||
		    time_left(f) <= delay)
			return -1;
		if (!f->o->quiet)
			hd_err("%s: %s; retry %ld of %ld in %g s", name, r->why,
			       attempt, f->o->retries, delay);
		sleep_s(delay);
		delay = fmin(2 * delay, BACKOFF_MAX);
	}
}

/* ---------------------------------------------------------------------
 * One file
 * ------------------------------------------------------------------- */

static void transfer_failed(struct fetch *f, const char *name, const char *url,
                            const struct outcome *r)
{
	if (r->local) {
		hd_err("%s: %s", name, r->why);
		f->local_failed++;
	} else if (unreachable(r)) {
		hd_err("%s: cannot reach %s: %s", name, url, r->why);
		f->dead = 1;
	} else {
		hd_err("%s: cannot download %s: %s", name, url, r->why);
	}
}

/*
 * Check the downloaded part and move it into place.  Returns 0, 1 when
 * the bytes are wrong (part removed), or -1 on an I/O error.
 */
static int commit(const struct pinned *p, const char *part, const char *path,
                  char got[HD_SHA256_HEX])
{
	switch (verify(part, p->sha256, got)) {
	case 1: break;
	case 0: unlink(part); return 1;
	default: hd_err("cannot read %s: %s", part, strerror(errno)); return -1;
	}
	if (rename(part, path) != 0) {
		hd_err("cannot rename %s to %s: %s", part, path,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Continue an interrupted download.  Returns 0 when the file is in
 * place, 1 when the .part is useless (removed; start again), or -1 on a
 * failure already reported (the .part is kept for the next run).
 */
static int resume(struct fetch *f, const struct pinned *p, const char *url,
                  const char *part, const char *path, long long from)
{
	struct outcome r;
	char got[HD_SHA256_HEX];

	if (transfer_retrying(f, p, url, part, from, &r) != 0) {
		if (!cannot_resume(&r)) {
			transfer_failed(f, p->name, url, &r);
			return -1;
		}
		if (!f->o->quiet)
			hd_err("%s: cannot resume at byte %lld (%s); starting "
			       "again",
			       p->name, from, r.why);
		unlink(part);
		return 1;
	}
	switch (commit(p, part, path, got)) {
	case 0:
		if (!f->o->quiet)
			hd_err("%s: resumed at byte %lld from %s", p->name,
			       from, url);
		return 0;
	case 1:
		if (!f->o->quiet)
			hd_err("%s: resumed download does not verify; "
			       "starting again",
			       p->name);
		return 1;
	default: return -1;
	}
}

static enum result fetch_fresh(struct fetch *f, const struct pinned *p,
                               const char *url, const char *part,
                               const char *path)
{
	struct outcome r;
	char got[HD_SHA256_HEX];

	if (transfer_retrying(f, p, url, part, 0, &r) != 0) {
		transfer_failed(f, p->name, url, &r);
		return FETCH_FAILED;
	}
	switch (commit(p, part, path, got)) {
	case 0:
		if (!f->o->quiet)
			hd_err("%s: downloaded from %s", p->name, url);
		return FETCH_OK;
	case 1:
		hd_err("%s: checksum mismatch for %s: expected SHA-256 %s, "
		       "got %s; download removed",
		       p->name, url, p->sha256, got);
		return FETCH_FAILED;
	default: return FETCH_FAILED;
	}
}

static enum result fetch_one(struct fetch *f, const struct pinned *p)
{
	const char *dir = f->o->dir;
	char *path = hd_xprintf("%s/%s", dir, p->name);
	char *part = hd_xprintf("%s/.%s.part", dir, p->name);
	char *url = hd_xprintf("%s%s", f->base, p->name);
	char got[HD_SHA256_HEX];
	enum result res = FETCH_FAILED;
	struct stat st;
	int v, err;

	v = verify(path, p->sha256, got);
	err = errno;
	if (v == 1) {
		if (!f->o->quiet)
			hd_err("%s: verified in %s", p->name, dir);
		res = FETCH_OK;
		goto done;
	}
	if (f->dead) {
		res = FETCH_SKIPPED;
		goto done;
	}
	if (v == 0 && !f->o->quiet)
		hd_err("%s: local copy does not match its SHA-256; "
		       "downloading again",
		       p->name);
	else if (v < 0 && err != ENOENT)
		hd_err("%s: cannot read %s (%s); downloading again", p->name,
		       path, strerror(err));

	start_clock(f);
	if (stat(part, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		int rc = resume(f, p, url, part, path, (long long)st.st_size);

		if (rc <= 0) {
			res = rc == 0 ? FETCH_OK : FETCH_FAILED;
			goto done;
		}
	}
	res = fetch_fresh(f, p, url, part, path);
done:
	free(url);
	free(part);
	free(path);
	return res;
}

/* ---------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------- */

/* Fetch every file; try them all so one run reports every problem. */
static int fetch_all(struct fetch *f)
{
	size_t failed = 0, skipped = 0;

	for (size_t i = 0; i < NPINNED; i++) {
		switch (fetch_one(f, &pinned[i])) {
		case FETCH_OK: break;
		case FETCH_FAILED: failed++; break;
		case FETCH_SKIPPED: skipped++; break;
		}
	}
	if (failed + skipped == 0)
		return HD_EXIT_OK;
	if (skipped > 0)
		hd_err("source unreachable; %zu more file%s not tried", skipped,
		       skipped == 1 ? "" : "s");
	hd_err("%zu of %zu files not fetched into %s; %s", failed + skipped,
	       NPINNED, f->o->dir,
	       f->local_failed == failed && skipped == 0 ? LOCAL_HINT
	                                                 : MIRROR_HINT);
	return HD_EXIT_DATA;
}

int main(int argc, char **argv)
{
	enum { OPT_RETRIES = 0x100, OPT_CONNECT_TIMEOUT, OPT_TIMEOUT };
	static const struct option longopts[] = {
		{ "mirror", required_argument, NULL, 'm' },
		{ "dir", required_argument, NULL, 'd' },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "connect-timeout", required_argument, NULL,
		  OPT_CONNECT_TIMEOUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "quiet", no_argument, NULL, 'q' },
		HD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { "data/raw", 3, 10000, 120000, 0 };
	struct fetch f = { 0 };
	const char *src = NULL, *from = "--mirror", *env;
	int c, status;

	hd_set_prog(argv);
	while ((c = getopt_long(argc, argv, "m:d:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': src = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'q': o.quiet = 1; break;
		case OPT_RETRIES:
			o.retries = hd_opt_long("--retries", optarg, 0, 20);
			break;
		case OPT_CONNECT_TIMEOUT:
			o.connect_ms =
				to_ms(hd_opt_double("--connect-timeout", optarg,
			                            0.001, 3600));
			break;
		case OPT_TIMEOUT:
			o.timeout_ms = to_ms(
				hd_opt_double("--timeout", optarg, 0, 86400));
			break;
		default: hd_common_opt(c, &usage);
		}
	}
	if (optind < argc) {
		hd_err("unexpected argument '%s'", argv[optind]);
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	if (src != NULL && src[0] == '\0') {
		hd_err("--mirror: empty source");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	/* A false positive: o.dir is "data/raw" or getopt's optarg for -d,
	 * which takes an argument, so never NULL. */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	if (o.dir[0] == '\0') {
		hd_err("--dir: empty folder name");
		hd_usage_exit(&usage, HD_EXIT_USAGE);
	}
	/* An empty variable counts as unset, as the shell idiom
	 * HD_DATA_MIRROR= cmd expects. */
	if (src == NULL && (env = getenv("HD_DATA_MIRROR")) && *env) {
		src = env;
		from = "HD_DATA_MIRROR";
	}
	if (src == NULL) {
		src = UCI_URL;
		from = "the UCI archive";
	}
	status = source_url(src, from, &f.base);
	if (status != HD_EXIT_OK)
		return status;
	if (hd_mkdir_p(o.dir) != 0) {
		free(f.base);
		return HD_EXIT_DATA;
	}

	f.o = &o;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		hd_err("libcurl: cannot initialise");
		free(f.base);
		return HD_EXIT_DATA;
	}
	f.curl = curl_easy_init();
	if (f.curl == NULL || setup_curl(&f) != 0) {
		if (f.curl == NULL)
			hd_err("libcurl: cannot create a handle");
		status = HD_EXIT_DATA;
	} else {
		status = fetch_all(&f);
	}
	curl_easy_cleanup(f.curl);
	curl_global_cleanup();
	free(f.base);
	return status;
}
